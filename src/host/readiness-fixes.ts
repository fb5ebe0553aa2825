// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fixes the readiness section offers, each one executor step under the
 * host lock. Each is verified by re-reading the facts afterwards; the
 * executor restores the bootloader file if regenerating fails. */

import cockpit from "cockpit";
import { busyText } from "../model/busy.ts";
import type { ExecReply } from "../model/executor-ops.ts";
import { runOne } from "./executor.ts";

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

/** Adds kernel arguments for every installed kernel with the distribution's
 * tool: one executor step on the host (edit, regenerate, restore on failure),
 * under the host lock. */
export async function applyKernelArgs(args: string[]): Promise<void> {
    throwUnlessOk(await runOne({ op: "kernel-args", args }));
}
