// SPDX-License-Identifier: LGPL-2.1-or-later
/* Parses src/host/read-readiness.sh output ("key<TAB>value" lines). */

import type { Bootloader } from "./kernel-args.ts";
import type { ReadinessFacts } from "./readiness.ts";

const MKCONFIG: Record<string, string[]> = {
    "update-grub": ["update-grub"],
    "grub-mkconfig": ["grub-mkconfig", "-o", "/boot/grub/grub.cfg"],
    "grub2-mkconfig": ["grub2-mkconfig", "-o", "/boot/grub2/grub.cfg"],
};

export function parseReadinessOutput(output: string, kernelLog: string | null): ReadinessFacts {
    const values = new Map<string, string[]>();
    for (const line of output.split("\n")) {
        const tab = line.indexOf("\t");
        if (tab < 0)
            continue;
        const key = line.slice(0, tab);
        const list = values.get(key) ?? [];
        list.push(line.slice(tab + 1));
        values.set(key, list);
    }
    const one = (key: string) => values.get(key)?.[0] ?? null;
    const all = (key: string) => values.get(key) ?? [];

    let bootloader: Bootloader = { kind: "unknown" };
    const bl = one("bootloader");
    if (bl === "grubby") {
        bootloader = { kind: "grubby" };
    } else if (bl?.startsWith("grub-default\t")) {
        const tool = bl.split("\t")[1];
        if (MKCONFIG[tool])
            bootloader = { kind: "grub-default", mkconfig: MKCONFIG[tool] };
    }
    const unsafe = one("unsafe_interrupts");
    return {
        arch: one("arch") ?? "",
        cpuVendor: one("cpu_vendor"),
        iommuDevices: all("iommu"),
        iommuGroupCount: parseInt(one("iommu_groups") ?? "0", 10) || 0,
        acpiTables: all("acpi"),
        cmdline: one("cmdline") ?? "",
        kernelLog,
        vfioLoaded: one("vfio_loaded") === "1",
        vfioAvailable: one("vfio_available") === "1" || one("vfio_loaded") === "1",
        vfioLoadAtBoot: all("vfio_at_boot").length > 0,
        unsafeInterrupts: unsafe === null ? null : unsafe === "Y" || unsafe === "1",
        bootloader,
        defaultGrub: values.has("default_grub") ? all("default_grub").join("\n") + "\n" : null,
        // All drop-in lines as one text: only which assignments they hold matters.
        defaultGrubDropIns: values.has("grub_dropin") ? [all("grub_dropin").join("\n") + "\n"] : [],
        grubbyArgs: one("grubby_args"),
    };
}
