// SPDX-License-Identifier: LGPL-2.1-or-later
/* The executor fed directly in the guest, as root, bypassing the page: what
 * its own policy answers whatever a browser would ask. */

import fs from "node:fs";

import { session } from "./session.ts";

const EXECUTOR = fs.readFileSync(new URL("../../src/host/executor.sh", import.meta.url), "utf8");

/** Runs executor.sh in the guest with `lines` as its input; its answers, one per line. */
export async function feedExecutor(lines: string[]): Promise<string[]> {
    const { machine } = session();
    await machine.ssh("cat > /tmp/executor.sh", { input: EXECUTOR });
    const r = await machine.ssh("sh /tmp/executor.sh", { input: lines.join("\n") + "\n" });
    return r.stdout.trim().split("\n");
}
