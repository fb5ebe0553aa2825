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
export function runReader(sysfsRoot: string, addresses: string[] = [], binDir: string = noIpDir()): string {
    const script = fs.readFileSync(READER_SCRIPT, "utf8");
    const env = { ...process.env, PATH: `${binDir}:${process.env.PATH}` };
    return execFileSync("/bin/sh", ["-c", script, "--", sysfsRoot, ...addresses],
                        { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env });
}

let noIp: string | null = null;

/* By default the reader gets an `ip` that knows no interface: the fake trees'
 * interface names (eno1, ens1f0np0...) could exist on the machine running the
 * tests, and the real ip would then answer with that machine's links. */
function noIpDir(): string {
    if (!noIp) {
        noIp = fs.mkdtempSync(path.join(os.tmpdir(), "no-ip-"));
        fs.writeFileSync(path.join(noIp, "ip"), "#!/bin/sh\ncat >/dev/null\nexit 1\n", { mode: 0o755 });
        process.on("exit", () => fs.rmSync(noIp!, { recursive: true, force: true }));
    }
    return noIp;
}

const made: string[] = [];
// Whatever a test forgot to remove goes when its file's process ends.
process.on("exit", () => {
    for (const dir of made)
        fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory under the system's temporary directory, removed at exit at the latest. */
export function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    made.push(dir);
    return dir;
}
