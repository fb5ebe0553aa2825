// SPDX-License-Identifier: LGPL-2.1-or-later
/* The one batched sysfs reader: a constant script (read-sysfs.sh), the sysfs
 * root as its first argument, one snapshot per call. No decisions here. */

import cockpit from "cockpit";
import readSysfsScript from "./read-sysfs.sh";
import { parseSnapshot } from "../model/parse-snapshot.ts";
import type { PciAddress } from "../model/pci-address.ts";
import type { HostSnapshot } from "../model/snapshot.ts";

/** With `addresses`, only those functions, their IOMMU group and PF (an incremental read). */
export function readHostSnapshot(sysfsRoot = "/sys", addresses: readonly PciAddress[] = []): Promise<HostSnapshot> {
    return cockpit.script(readSysfsScript, [sysfsRoot, ...addresses], { err: "message" })
            .then(output => parseSnapshot(output));
}
