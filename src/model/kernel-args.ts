// SPDX-License-Identifier: LGPL-2.1-or-later
/* Kernel command line arguments for passthrough, and how each distribution's
 * own tool adds them for every installed kernel. */

export type IommuVendor = "intel" | "amd" | "arm";

/** What to add for a vendor. AMD-Vi and Arm SMMU are on by default; pt avoids
 * translating host DMA and is what every guide recommends alongside. */
export function wantedKernelArgs(vendor: IommuVendor): string[] {
    return vendor === "intel" ? ["intel_iommu=on", "iommu=pt"] : ["iommu=pt"];
}

export function parseCmdline(cmdline: string): string[] {
    return cmdline.trim().split(/\s+/).filter(Boolean);
}

/** Arguments from `wanted` that `present` lacks (a key=value with another value counts as lacking). */
export function missingArgs(present: readonly string[], wanted: readonly string[]): string[] {
    return wanted.filter(arg => !present.includes(arg));
}

export type Bootloader =
    | { kind: "grubby" }                       // openEuler, RHEL, Fedora
    | { kind: "grub-default"; mkconfig: string[] } // Debian, Ubuntu: /etc/default/grub + update-grub
    | { kind: "unknown" };

export const DEFAULT_GRUB = "/etc/default/grub";

export function grubbyArgv(args: readonly string[]): string[] {
    return ["grubby", "--update-kernel=ALL", `--args=${args.join(" ")}`];
}

const CMDLINE_VAR = "GRUB_CMDLINE_LINUX_DEFAULT";

/** Adds `args` to GRUB_CMDLINE_LINUX_DEFAULT, keeping everything else as it is.
 * Idempotent: arguments already there are not added again. Returns null when
 * nothing needs to change. */
export function addArgsToDefaultGrub(content: string, args: readonly string[]): string | null {
    const lines = content.split("\n");
    const re = new RegExp(`^(\\s*${CMDLINE_VAR}=)(["']?)(.*?)\\2\\s*$`);
    const index = lines.findIndex(l => re.test(l));
    if (index < 0) {
        const body = args.join(" ");
        const sep = content === "" || content.endsWith("\n") ? "" : "\n";
        return `${content}${sep}${CMDLINE_VAR}="${body}"\n`;
    }
    const [, prefix, , value] = re.exec(lines[index])!;
    const present = parseCmdline(value);
    const missing = missingArgs(present, args);
    if (missing.length === 0)
        return null;
    lines[index] = `${prefix}"${[...present, ...missing].join(" ")}"`;
    return lines.join("\n");
}

/** Arguments configured in /etc/default/grub (both CMDLINE variables). */
export function argsInDefaultGrub(content: string): string[] {
    const found: string[] = [];
    for (const line of content.split("\n")) {
        const m = /^\s*GRUB_CMDLINE_LINUX(?:_DEFAULT)?=(["']?)(.*?)\1\s*$/.exec(line);
        if (m)
            found.push(...parseCmdline(m[2]));
    }
    return found;
}

/** A minimal unified diff of two texts, for "shows the exact change". */
export function lineDiff(before: string, after: string): string[] {
    const a = before.split("\n");
    const b = after.split("\n");
    const out: string[] = [];
    const max = Math.max(a.length, b.length);
    for (let i = 0; i < max; i++) {
        if (a[i] === b[i])
            continue;
        if (a[i] !== undefined)
            out.push(`- ${a[i]}`);
        if (b[i] !== undefined)
            out.push(`+ ${b[i]}`);
    }
    return out;
}
