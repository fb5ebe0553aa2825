// SPDX-License-Identifier: LGPL-2.1-or-later
/* The one batched sysfs reader: a constant script (read-sysfs.sh), the sysfs
 * root as its only argument, one snapshot per call. No decisions here. */

import cockpit from "cockpit";
import readSysfsScript from "./read-sysfs.sh";
import { parseSnapshot } from "../model/parse-snapshot.ts";
import type { HostSnapshot } from "../model/snapshot.ts";

export function readHostSnapshot(sysfsRoot = "/sys"): Promise<HostSnapshot> {
    return cockpit.script(readSysfsScript, [sysfsRoot], { err: "message" })
            .then(output => parseSnapshot(output));
}
