// SPDX-License-Identifier: LGPL-2.1-or-later
/* Reads addresses, routes, Cockpit's connections and mounts in one process. */

import cockpit from "cockpit";
import readHostUsageScript from "./read-host-usage.sh";
import { parseUsageFacts, type UsageFacts } from "../model/host-usage.ts";

export function readUsageFacts(): Promise<UsageFacts> {
    return cockpit.script(readHostUsageScript, [], { err: "message" }).then(parseUsageFacts);
}
