// SPDX-License-Identifier: LGPL-2.1-or-later
/* Reads the readiness facts: one constant script for the files, plus dmesg,
 * which needs administrative access (kernel.dmesg_restrict). */

import cockpit from "cockpit";
import readReadinessScript from "./read-readiness.sh";
import { parseReadinessOutput } from "../model/readiness-facts.ts";
import type { ReadinessFacts } from "../model/readiness.ts";

async function readKernelLog(admin: boolean): Promise<string | null> {
    if (!admin)
        return null;
    try {
        return await cockpit.spawn(["dmesg"], { superuser: "require", err: "message" });
    } catch {
        return null;
    }
}

export async function readReadinessFacts(admin: boolean): Promise<ReadinessFacts> {
    const [output, kernelLog] = await Promise.all([
        cockpit.script(readReadinessScript, [], { err: "message" }),
        readKernelLog(admin),
    ]);
    return parseReadinessOutput(output, kernelLog);
}
