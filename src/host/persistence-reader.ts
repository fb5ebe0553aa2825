// SPDX-License-Identifier: LGPL-2.1-or-later
/* Reads the "Kept after reboot" bindings (read-persistence.sh): one process,
 * no administrative access needed. */

import cockpit from "cockpit";
import readPersistenceScript from "./read-persistence.sh";
import { parsePersistence, parseVfPersistence, type PersistedBinding, type PersistedVfCount } from "../model/persistence.ts";

export function readPersistedBindings(etcRoot = "/etc"): Promise<PersistedBinding[]> {
    return cockpit.script(readPersistenceScript, [etcRoot], { err: "message" })
            .then(output => parsePersistence(output));
}

/** Whether driverctl is installed (then "Keep after reboot" uses it). */
export function hasDriverctl(): Promise<boolean> {
    return cockpit.spawn(["sh", "-c", "command -v driverctl"], { err: "ignore" })
            .then(() => true, () => false);
}

/** Everything kept after reboot, from one run of read-persistence.sh. */
export interface KeptAfterReboot {
    bindings: PersistedBinding[];
    vfCounts: PersistedVfCount[];
}

export function readKeptAfterReboot(etcRoot = "/etc"): Promise<KeptAfterReboot> {
    return cockpit.script(readPersistenceScript, [etcRoot], { err: "message" })
            .then(output => ({ bindings: parsePersistence(output), vfCounts: parseVfPersistence(output) }));
}
