// SPDX-License-Identifier: LGPL-2.1-or-later
/* Kernel command line arguments for passthrough, and how each distribution's
 * own tool adds them for every installed kernel. */

export type IommuVendor = "intel" | "amd" | "arm";

/** What to add for a vendor. AMD-Vi and Arm SMMU are on by default; pt avoids
 * translating host DMA and is what every guide recommends alongside. iommu=pt
 * is an x86 parameter: Arm's equivalent is the generic iommu.passthrough=1. */
export function wantedKernelArgs(vendor: IommuVendor): string[] {
    switch (vendor) {
    case "intel": return ["intel_iommu=on", "iommu=pt"];
    case "amd": return ["iommu=pt"];
    case "arm": return ["iommu.passthrough=1"];
    }
}

/** Kernel arguments that change how an Arm SMMU treats DMA, shown as evidence. */
export const ARM_SMMU_ARGS = ["iommu.passthrough", "iommu.strict", "arm-smmu-v3.disable_bypass"] as const;

/** The value of `key=` on a command line (the last one wins, as in the kernel), or null. */
export function argValue(args: readonly string[], key: string): string | null {
    let value: string | null = null;
    for (const arg of args) {
        if (arg.startsWith(key + "="))
            value = arg.slice(key.length + 1);
    }
    return value;
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

const VARS = ["GRUB_CMDLINE_LINUX_DEFAULT", "GRUB_CMDLINE_LINUX"] as const;
type CmdlineVar = typeof VARS[number];

/** Any assignment of the variable, in any form (quoted or not, exported, with a comment after). */
const assignmentRe = (name: CmdlineVar) => new RegExp(`^\\s*(?:export\\s+)?${name}=`);
/** The one form this page edits: NAME="plain words" (or 'plain words'), nothing
 * after. No $, `, \\ or quotes inside: nothing a shell would expand. */
const plainRe = (name: CmdlineVar) => new RegExp(`^(\\s*(?:export\\s+)?${name}=)(["'])([^"$\`\\\\']*)\\2\\s*$`);

export type GrubEdit =
    | { kind: "unchanged" }
    | { kind: "edit"; content: string }
    /** Not safe to edit: the admin does it, with this reason. */
    | { kind: "manual"; reason: string };

/** Adds `args` to the assignment that wins: the last GRUB_CMDLINE_LINUX_DEFAULT
 * (or, without one, the last GRUB_CMDLINE_LINUX), only when it is one plain
 * double-quoted string. A drop-in (/etc/default/grub.d/*.cfg, sourced after)
 * that sets the variable wins over the file: then it is left to the admin. */
export function editDefaultGrub(content: string, args: readonly string[], dropIns: readonly string[] = []): GrubEdit {
    const lines = content.split("\n");
    const name = VARS.find(v => lines.some(l => assignmentRe(v).test(l))) ?? VARS[0];
    if (dropIns.some(d => d.split("\n").some(l => assignmentRe(name).test(l))))
        return { kind: "manual", reason: `${name} is set in /etc/default/grub.d` };
    const index = lines.map(l => assignmentRe(name).test(l)).lastIndexOf(true);
    if (index < 0) {
        const sep = content === "" || content.endsWith("\n") ? "" : "\n";
        return { kind: "edit", content: `${content}${sep}${name}="${args.join(" ")}"\n` };
    }
    const m = plainRe(name).exec(lines[index]);
    if (!m)
        return { kind: "manual", reason: `${name} in /etc/default/grub is not a plain quoted value: ${lines[index].trim()}` };
    const present = parseCmdline(m[3]);
    const missing = missingArgs(present, args);
    if (missing.length === 0)
        return { kind: "unchanged" };
    lines[index] = `${m[1]}"${[...present, ...missing].join(" ")}"`;
    return { kind: "edit", content: lines.join("\n") };
}

/** The edited file, null when nothing needs to change; throws when the file is not safe to edit. */
export function addArgsToDefaultGrub(content: string, args: readonly string[], dropIns: readonly string[] = []): string | null {
    const edit = editDefaultGrub(content, args, dropIns);
    if (edit.kind === "manual")
        throw new Error(edit.reason);
    return edit.kind === "edit" ? edit.content : null;
}

/** Arguments configured for the next boot: the last assignment of each
 * variable wins (the file is sourced), drop-ins after the file. */
export function argsInDefaultGrub(content: string, dropIns: readonly string[] = []): string[] {
    const found: string[] = [];
    for (const name of VARS) {
        let value: string[] = [];
        for (const text of [content, ...dropIns]) {
            for (const line of text.split("\n")) {
                if (!assignmentRe(name).test(line))
                    continue;
                const m = new RegExp(`^\\s*(?:export\\s+)?${name}=(["']?)(.*?)\\1\\s*(?:#.*)?$`).exec(line);
                value = m ? parseCmdline(m[2]) : [];
            }
        }
        found.push(...value);
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
