// SPDX-License-Identifier: LGPL-2.1-or-later
/* Runs the plugin's own reader script (src/host/read-sysfs.sh) the way
 * cockpit.script does, against any sysfs root: the unit tests and the
 * benchmark read exactly what the page reads. */

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const READER_SCRIPT = fileURLToPath(new URL("../../src/host/read-sysfs.sh", import.meta.url));

/** `addresses`: an incremental read of those functions (and their group and PF).
 * `binDir` goes first in PATH: a fake `ip` (test/lib/fake-ip.ts) answers for
 * interfaces this machine does not have. */
export function runReader(sysfsRoot: string, addresses: string[] = [], binDir?: string): string {
    const script = fs.readFileSync(READER_SCRIPT, "utf8");
    const env = binDir ? { ...process.env, PATH: `${binDir}:${process.env.PATH}` } : process.env;
    return execFileSync("/bin/sh", ["-c", script, "--", sysfsRoot, ...addresses],
                        { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env });
}

export function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
