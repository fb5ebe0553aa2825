// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fixes the readiness section offers. Each is verified by re-reading the
 * facts afterwards; the bootloader edit is rolled back if regenerating fails. */

import cockpit from "cockpit";
import { addArgsToDefaultGrub, DEFAULT_GRUB, grubbyArgv, type Bootloader } from "../model/kernel-args.ts";

export const VFIO_MODULES_LOAD = "/etc/modules-load.d/vfio-pci.conf";
export const VFIO_MODULES_LOAD_CONTENT = "# Written by Cockpit's Device passthrough page: load vfio-pci at boot\nvfio-pci\n";

export function loadVfio(): Promise<string> {
    return cockpit.spawn(["modprobe", "vfio-pci"], { superuser: "require", err: "message" });
}

export async function writeVfioModulesLoad(): Promise<void> {
    const file = cockpit.file(VFIO_MODULES_LOAD, { superuser: "require" });
    try {
        await file.replace(VFIO_MODULES_LOAD_CONTENT);
    } finally {
        file.close();
    }
}

export async function readDefaultGrub(): Promise<string | null> {
    const file = cockpit.file(DEFAULT_GRUB, { superuser: "try" });
    try {
        return await file.read();
    } finally {
        file.close();
    }
}

/** Adds kernel arguments for every installed kernel with the distribution's tool. */
export async function applyKernelArgs(args: string[], bootloader: Bootloader): Promise<void> {
    if (bootloader.kind === "grubby") {
        await cockpit.spawn(grubbyArgv(args), { superuser: "require", err: "message" });
        return;
    }
    if (bootloader.kind !== "grub-default")
        throw new Error("No supported bootloader configuration");

    const file = cockpit.file(DEFAULT_GRUB, { superuser: "require" });
    try {
        const before = await file.read() ?? "";
        const after = addArgsToDefaultGrub(before, args);
        if (after === null)
            return; // already there: applying twice adds them once
        await file.replace(after);
        try {
            await cockpit.spawn(bootloader.mkconfig, { superuser: "require", err: "message" });
        } catch (ex) {
            await file.replace(before); // leave the bootloader as it was
            throw ex;
        }
    } finally {
        file.close();
    }
}
