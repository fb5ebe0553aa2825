// SPDX-License-Identifier: LGPL-2.1-or-later
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";

import { keptEntries, parsePersistence } from "../../src/model/persistence.ts";
import { parseSnapshot } from "../../src/model/parse-snapshot.ts";
import type { PciAddress } from "../../src/model/pci-address.ts";
import { smallHost } from "../fixtures/small-host.ts";
import { writeFakeSysfs } from "../lib/fake-sysfs.ts";
import { startExecutor } from "../lib/run-executor.ts";
import { runReader, tempDir } from "../lib/run-reader.ts";

const at = (s: string) => s as PciAddress;
const READER = fileURLToPath(new URL("../../src/host/read-persistence.sh", import.meta.url));

const base = tempDir("persistence-");
after(() => fs.rmSync(base, { recursive: true, force: true }));

function readPersistence(etc: string): string {
    return execFileSync("/bin/sh", ["-c", fs.readFileSync(READER, "utf8"), "--", etc], { encoding: "utf8" });
}

describe("Kept after reboot", () => {
    const sysfs = path.join(base, "sys");
    const etc = path.join(base, "etc");
    const dev = path.join(base, "dev");
    writeFakeSysfs(sysfs, smallHost, { extraDrivers: ["vfio-pci"] });
    fs.mkdirSync(dev);

    test("an empty /etc has nothing kept", () => {
        fs.mkdirSync(etc);
        assert.deepEqual(parsePersistence(readPersistence(etc)), []);
    });

    test("reads the executor's own udev rules and driverctl's saved overrides", async () => {
        const ex = startExecutor({ sysfs, dev, etc });
        assert.equal((await ex.run({ op: "persist", method: "udev", address: at("0000:00:02.0") })).status, "ok");
        assert.equal((await ex.run({ op: "persist", method: "udev", address: at("0000:01:00.0") })).status, "ok");
        assert.equal((await ex.run({ op: "commit" })).status, "ok");
        await ex.close();
        fs.mkdirSync(path.join(etc, "driverctl.d"));
        fs.writeFileSync(path.join(etc, "driverctl.d/pci-0000:00:03.0"), "vfio-pci\n");
        // Not ours: other rules, and files whose name does not match the rule inside.
        fs.writeFileSync(path.join(etc, "udev/rules.d/70-other.rules"), 'KERNEL=="0000:00:04.0", ATTR{driver_override}="vfio-pci"\n');
        fs.writeFileSync(path.join(etc, "udev/rules.d/70-cockpit-passthrough-0000:00:05.0.rules"),
                         'ACTION=="add", KERNEL=="0000:00:02.0", ATTR{vendor}=="0x8086", ATTR{device}=="0x10d3"\n');

        const bindings = parsePersistence(readPersistence(etc));
        assert.deepEqual(bindings.map(b => [b.address, b.method, b.driver, b.vendorId, b.deviceId]), [
            ["0000:00:02.0", "udev", "vfio-pci", 0x8086, 0x10d3],
            ["0000:00:03.0", "driverctl", "vfio-pci", null, null],
            ["0000:01:00.0", "udev", "vfio-pci", 0x10de, 0x1eb8],
        ]);
        assert.equal(bindings[0].file, path.join(etc, "udev/rules.d/70-cockpit-passthrough-0000:00:02.0.rules"));
    });

    test("flags a binding whose address now holds another vendor:device, and one whose device is gone", () => {
        // The GPU at 01:00.0 was replaced by another card; 00:03.0 is gone.
        const changed = smallHost
                .filter(f => f.address !== "0000:00:03.0")
                .map(f => f.address === "0000:01:00.0" ? { ...f, vendor: 0x1002, device: 0x73bf } : f);
        const root = path.join(base, "sys-changed");
        writeFakeSysfs(root, changed);
        const entries = keptEntries(parsePersistence(readPersistence(etc)), parseSnapshot(runReader(root)));
        assert.deepEqual(entries.map(e => [e.binding.address, e.status]), [
            ["0000:00:02.0", { kind: "matches", onDriver: "e1000e" }],
            ["0000:00:03.0", { kind: "absent" }],
            ["0000:01:00.0", { kind: "hardware-changed", nowVendorId: 0x1002, nowDeviceId: 0x73bf }],
        ]);
    });

    test("the udev rule only matches the same address with the same IDs", () => {
        const rule = fs.readFileSync(path.join(etc, "udev/rules.d/70-cockpit-passthrough-0000:01:00.0.rules"), "utf8");
        const match = rule.split("\n").find(l => l.startsWith("ACTION"))!;
        assert.match(match, /^ACTION=="add", SUBSYSTEM=="pci", KERNEL=="0000:01:00.0", ATTR\{vendor\}=="0x10de", ATTR\{device\}=="0x1eb8", /);
    });
});
