/* The fixes the readiness section offers. Each is verified by re-reading the
 * facts afterwards; the bootloader edit is rolled back if regenerating fails. */

import cockpit from "cockpit";
import { busyText } from "../model/busy.ts";
import type { ExecReply } from "../model/executor-ops.ts";
import { runOne } from "./executor.ts";
import { addArgsToDefaultGrub, DEFAULT_GRUB, grubbyArgv, type Bootloader } from "../model/kernel-args.ts";

/** The page's own file; nothing else in modules-load.d is edited (executor op "modules-load"). */
export const VFIO_MODULES_LOAD = "/etc/modules-load.d/cockpit-passthrough.conf";
export const VFIO_MODULES_LOAD_CONTENT = "# Written by Cockpit (Device passthrough): load vfio-pci at boot.\nvfio-pci\n";

/** Both through the executor, under the host lock. */
export async function loadVfio(): Promise<void> {
    throwUnlessOk(await runOne({ op: "modprobe-vfio" }));
}

export async function writeVfioModulesLoad(): Promise<void> {
    throwUnlessOk(await runOne({ op: "modules-load" }));
}

function throwUnlessOk(reply: ExecReply): void {
    switch (reply.status) {
    case "ok": return;
    case "error": throw new Error(reply.message);
    case "rejected": throw new Error(reply.reason);
    case "busy": throw new Error(busyText(reply.seconds, reply.user, cockpit.gettext));
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
