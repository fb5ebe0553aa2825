// SPDX-License-Identifier: LGPL-2.1-or-later
/* Reads the "Kept after reboot" bindings (read-persistence.sh): one process,
 * no administrative access needed. */

import cockpit from "cockpit";
import readPersistenceScript from "./read-persistence.sh";
import {
    parsePersistence, parsePreviousDrivers, parseVfPersistence, parseVfSettingsPersistence,
    type PersistedBinding, type PersistedVfCount, type PersistedVfSettings, type PreviousDriver,
} from "../model/persistence.ts";
import type { PciAddress } from "../model/pci-address.ts";

/** Whether driverctl is installed (then "Keep after reboot" uses it). */
export function hasDriverctl(): Promise<boolean> {
    return cockpit.spawn(["sh", "-c", "command -v driverctl"], { err: "ignore" })
            .then(() => true, () => false);
}

/** Everything kept after reboot, from one run of read-persistence.sh. */
export interface KeptAfterReboot {
    bindings: PersistedBinding[];
    vfCounts: PersistedVfCount[];
    /** VF network settings applied at boot (issue 14). */
    vfSettings: PersistedVfSettings[];
    /** The driver each prepared device had, recorded on the host. */
    previousDrivers: Map<PciAddress, PreviousDriver>;
}

export function readKeptAfterReboot(): Promise<KeptAfterReboot> {
    return cockpit.script(readPersistenceScript, [], { err: "message" })
            .then(output => ({
                bindings: parsePersistence(output),
                vfCounts: parseVfPersistence(output),
                vfSettings: parseVfSettingsPersistence(output),
                previousDrivers: parsePreviousDrivers(output),
            }));
}
