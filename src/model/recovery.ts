/* The report the executor leaves in /run/cockpit-passthrough/report when it
 * undid a change by itself (the page went away, the session dropped, or an
 * earlier executor died mid-plan): what it restored, and what it could not.
 * The page shows it once; "Dismiss" removes it (executor op clear-report).
 *
 * Format, one record per line, fields split by "|":
 *   interrupted|<seconds since the epoch>
 *   device|<address>|<driver before>|<driver now>|restored|failed
 *   vfs|<PF address>|<VF count before>|<VF count now>|restored|failed
 *   file|<path>|removed|restored|failed
 *   vf|<PF address>|<VF index>|restored|failed       (network settings of one VF)
 */

import { isPciAddress, type PciAddress } from "./pci-address.ts";

export type RecoveryEntry =
    | { kind: "device"; address: PciAddress; expected: string; actual: string; restored: boolean }
    | { kind: "vfs"; address: PciAddress; expected: number; actual: number; restored: boolean }
    | { kind: "file"; path: string; restored: boolean }
    | { kind: "vf"; pf: PciAddress; vf: number; restored: boolean };

export interface RecoveryReport {
    /** When the rollback ran, in seconds since the epoch. */
    at: number;
    entries: RecoveryEntry[];
}

/** null when there is no report (or it is not one). */
export function parseRecoveryReport(text: string | null): RecoveryReport | null {
    if (!text)
        return null;
    const [head, ...lines] = text.split("\n").filter(l => l !== "");
    const m = /^interrupted\|([0-9]+)$/.exec(head ?? "");
    if (!m)
        return null;
    const entries: RecoveryEntry[] = [];
    for (const line of lines) {
        const f = line.split("|");
        const outcome = f[f.length - 1];
        if (outcome !== "restored" && outcome !== "failed" && outcome !== "removed")
            continue;
        const restored = outcome !== "failed";
        if (f[0] === "device" && f.length === 5 && isPciAddress(f[1]))
            entries.push({ kind: "device", address: f[1], expected: f[2], actual: f[3], restored });
        else if (f[0] === "vfs" && f.length === 5 && isPciAddress(f[1]))
            entries.push({ kind: "vfs", address: f[1], expected: Number(f[2]), actual: Number(f[3]), restored });
        else if (f[0] === "vf" && f.length === 4 && isPciAddress(f[1]) && /^[0-9]+$/.test(f[2]))
            entries.push({ kind: "vf", pf: f[1], vf: Number(f[2]), restored });
        else if (f[0] === "file" && f.length === 3)
            entries.push({ kind: "file", path: f[1], restored });
    }
    return { at: Number(m[1]), entries };
}
