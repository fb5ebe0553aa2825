// SPDX-License-Identifier: LGPL-2.1-or-later
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, describe, test } from "node:test";

import { parseSnapshot } from "../../src/model/parse-snapshot.ts";
import { writeFakeSysfs } from "../lib/fake-sysfs.ts";
import { runReader, tempDir } from "../lib/run-reader.ts";
import { kunpengFunctions } from "../fixtures/kunpeng.ts";
import type { PciAddress } from "../../src/model/pci-address.ts";

const at = (s: string) => s as PciAddress;

describe("snapshot of a Kunpeng host (fake sysfs read by read-sysfs.sh)", () => {
    const root = tempDir("kunpeng-sysfs-");
    after(() => fs.rmSync(root, { recursive: true, force: true }));
    writeFakeSysfs(root, kunpengFunctions);
    const snapshot = parseSnapshot(runReader(root));

    test("lists every function once, in address order", () => {
        assert.deepEqual(snapshot.functions.map(f => f.address), [
            "0000:00:01.0", "0000:00:02.0", "0000:00:03.0", "0000:00:04.0", "0000:00:08.0",
            "0000:03:00.0", "0000:03:00.1", "0000:03:00.2", "0000:03:00.3", "0000:03:00.4",
            "0000:04:00.0", "0000:05:00.0", "0000:06:00.0", "0000:0a:00.0", "0000:74:02.0", "0000:7a:01.0",
        ]);
    });

    test("reads IDs, class, driver, group and NUMA node of the Hi1822 PF", () => {
        const pf = snapshot.byAddress.get(at("0000:03:00.0"))!;
        assert.equal(pf.vendorId, 0x19e5);
        assert.equal(pf.deviceId, 0x0210);
        assert.equal(pf.subsystemDeviceId, 0xd136);
        assert.equal(pf.classCode, 0x020000);
        assert.equal(pf.revision, 0x45);
        assert.equal(pf.driver, "hinic");
        assert.equal(pf.driverOverride, null);
        assert.equal(pf.iommuGroup, 4);
        assert.equal(pf.numaNode, 0);
        assert.deepEqual(pf.netInterfaces, ["enp3s0"]);
        assert.deepEqual(pf.reset, { available: true, methods: ["flr", "bus"] });
    });

    test("links the PF and its 4 VFs both ways", () => {
        const pf = snapshot.byAddress.get(at("0000:03:00.0"))!;
        assert.deepEqual(pf.sriov, {
            totalVfs: 120, numVfs: 4, driversAutoprobe: true,
            vfs: ["0000:03:00.1", "0000:03:00.2", "0000:03:00.3", "0000:03:00.4"],
        });
        for (const vf of pf.sriov!.vfs) {
            const fn = snapshot.byAddress.get(vf)!;
            assert.equal(fn.physfn, "0000:03:00.0");
            assert.equal(fn.sriov, null);
            assert.equal(fn.deviceId, 0x375e);
        }
        assert.equal(snapshot.byAddress.get(at("0000:04:00.0"))!.sriov, null);
    });

    test("finds block devices with their partitions, and the boot VGA", () => {
        const sas = snapshot.byAddress.get(at("0000:74:02.0"))!;
        assert.deepEqual(sas.blockDevices, [{ name: "sda", disk: null }, { name: "sda1", disk: "sda" }]);
        assert.equal(snapshot.byAddress.get(at("0000:0a:00.0"))!.bootVga, true);
        assert.equal(snapshot.byAddress.get(at("0000:03:00.0"))!.bootVga, false);
    });
});

describe("parseSnapshot edge cases", () => {
    test("unset values: no driver, no group, NUMA -1, driver_override set", () => {
        const snap = parseSnapshot([
            "./0000:00:02.0/vendor:0x8086",
            "./0000:00:02.0/device:0x10d3",
            "./0000:00:02.0/class:0x020000",
            "./0000:00:02.0/numa_node:-1",
            "./0000:00:02.0/driver_override:vfio-pci",
        ].join("\n"));
        const fn = snap.functions[0];
        assert.equal(fn.driver, null);
        assert.equal(fn.iommuGroup, null);
        assert.equal(fn.numaNode, null);
        assert.equal(fn.driverOverride, "vfio-pci");
        assert.deepEqual(fn.reset, { available: false, methods: [] });
    });

    test("a function whose identity could not be read is left out", () => {
        const snap = parseSnapshot("./0000:00:02.0/driver_override:(null)\nL\t./0000:00:03.0/driver\t../e1000e");
        assert.equal(snap.functions.length, 0);
    });

    test("junk and paths that are not PCI addresses are ignored", () => {
        const snap = parseSnapshot("./../../etc/vendor:0x8086\nhello\nL\tonly-two-fields");
        assert.equal(snap.functions.length, 0);
    });
});
