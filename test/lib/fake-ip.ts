// SPDX-License-Identifier: LGPL-2.1-or-later
/* A fake `ip` for the reader's tests and benchmark: `ip -j -d -force -batch -`
 * answers each "link show dev <if>" line with <dir>/links/<if>.json (one line
 * of JSON, as the real one prints), and counts its own runs in <dir>/runs, so
 * a test can see how many processes a snapshot started. */

import fs from "node:fs";
import path from "node:path";

const SCRIPT = `#!/bin/sh
dir=$(dirname "$0")
echo "$*" >> "$dir/runs"
while read -r obj cmd dev name; do
    [ "$obj $cmd $dev" = "link show dev" ] || continue
    if [ -f "$dir/links/$name.json" ]; then cat "$dir/links/$name.json"; else echo "Device \\"$name\\" does not exist." >&2; fi
done
`;

/** Makes <dir>/ip; `links` maps an interface name to what `ip -j -d link show dev` prints for it. */
export function writeFakeIp(dir: string, links: Record<string, unknown[]>): void {
    fs.mkdirSync(path.join(dir, "links"), { recursive: true });
    fs.writeFileSync(path.join(dir, "ip"), SCRIPT, { mode: 0o755 });
    for (const [name, json] of Object.entries(links))
        fs.writeFileSync(path.join(dir, "links", `${name}.json`), JSON.stringify(json) + "\n");
}

/** The argument lists the fake ip was run with, one per run. */
export function fakeIpRuns(dir: string): string[] {
    const file = path.join(dir, "runs");
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n") : [];
}
