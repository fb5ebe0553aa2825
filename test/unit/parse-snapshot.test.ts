// SPDX-License-Identifier: LGPL-2.1-or-later
/* parseSnapshot at scale and in the corners its fast loop must not cut:
 * the benchmark's 512-function host, read by read-sysfs.sh, against the
 * host it was generated from; records in any order; odd values. */

import assert from "node:assert/strict";
import fs from "node:fs";
import { after, describe, test } from "node:test";

import { parseSnapshot } from "../../src/model/parse-snapshot.ts";
import type { PciAddress } from "../../src/model/pci-address.ts";
import type { PciFunction } from "../../src/model/snapshot.ts";
import { makeHost } from "../bench/make-tree.ts";
import { writeFakeSysfs, type FakeFunction } from "../lib/fake-sysfs.ts";
import { runReader, tempDir } from "../lib/run-reader.ts";

const at = (s: string) => s as PciAddress;

/** What sysfs as written by writeFakeSysfs says about `fn`, as a PciFunction. */
function expected(fn: FakeFunction): PciFunction {
    const disks = (fn.block ?? []).flatMap(disk => [{ name: disk, disk: null }, { name: `${disk}1`, disk }]);
    return {
        address: at(fn.address),
        vendorId: fn.vendor,
        deviceId: fn.device,
        subsystemVendorId: fn.subsystemVendor ?? 0,
        subsystemDeviceId: fn.subsystemDevice ?? 0,
        classCode: fn.classCode,
        revision: fn.revision ?? 0,
        driver: fn.driver ?? null,
        driverOverride: null,
        iommuGroup: fn.iommuGroup ?? null,
        numaNode: fn.numaNode !== undefined && fn.numaNode >= 0 ? fn.numaNode : null,
        sriov: fn.sriovTotalVfs
            ? {
                totalVfs: fn.sriovTotalVfs, numVfs: fn.vfs?.length ?? 0, driversAutoprobe: fn.autoprobe !== false,
                vfs: (fn.vfs ?? []).map(at),
            }
            : null,
        physfn: fn.physfn ? at(fn.physfn) : null,
        netInterfaces: [...fn.net ?? []].sort(),
        blockDevices: disks.sort((a, b) => a.name.localeCompare(b.name)),
        reset: { available: (fn.resetMethods?.length ?? 0) > 0, methods: fn.resetMethods ?? [] },
        bootVga: (fn.classCode >> 16) === 0x03 && fn.bootVga === true,
        upstream: fn.parent ? at(fn.parent) : null,
    };
}

describe("the benchmark's 512-function host (read by read-sysfs.sh)", () => {
    const host = makeHost(512);
    const root = tempDir("bench-512-");
    after(() => fs.rmSync(root, { recursive: true, force: true }));
    writeFakeSysfs(root, host);
    const output = runReader(root);
    const snapshot = parseSnapshot(output);

    test("every function, field by field, as generated", () => {
        const want = host.map(expected).sort((a, b) => a.address < b.address ? -1 : 1);
        assert.equal(snapshot.functions.length, 512);
        assert.deepEqual(snapshot.functions, want);
        assert.ok(want.some(f => (f.sriov?.vfs.length ?? 0) > 100), "the host has PFs with over 100 VFs");
        assert.ok(want.some(f => f.blockDevices.length > 0 && f.netInterfaces.length === 0));
    });

    test("the order of the records does not matter", () => {
        const lines = output.split("\n").reverse();
        // interleave: every directory's records split apart
        const mixed = [...lines.filter((_l, i) => i % 2 === 0), ...lines.filter((_l, i) => i % 2 === 1)].join("\n");
        assert.deepEqual(parseSnapshot(mixed), snapshot);
    });
});

describe("parseSnapshot records", () => {
    const identity = (address: string) => [
        `./${address}/vendor:0x15b3`, `./${address}/device:0x101d`, `./${address}/class:0x020000`,
    ];

    test("VFs in virtfn number order, not text order; non-virtfn links ignored", () => {
        const snap = parseSnapshot([
            ...identity("0000:03:00.0"),
            "./0000:03:00.0/sriov_totalvfs:16",
            "L\t./0000:03:00.0/virtfn10\t../0000:03:01.3",
            "L\t./0000:03:00.0/virtfn2\t../0000:03:00.3",
            "L\t./0000:03:00.0/virtfn1\t../0000:03:00.2",
            "L\t./0000:03:00.0/virtfnx\t../0000:03:07.0",
            "L\t./0000:03:00.0/virtfn3\t../not-an-address",
        ].join("\n"));
        assert.deepEqual(snap.functions[0].sriov,
            { totalVfs: 16, numVfs: 3, driversAutoprobe: null, vfs: ["0000:03:00.2", "0000:03:00.3", "0000:03:01.3"] });
    });

    test("values are trimmed and checked whole; the last record of a file wins", () => {
        const snap = parseSnapshot([
            ...identity("0000:03:00.0"),
            "./0000:03:00.0/revision: 0x0a ",
            "./0000:03:00.0/subsystem_vendor:0X15b3",
            "./0000:03:00.0/subsystem_device:0x12zz",
            "./0000:03:00.0/numa_node:1",
            "./0000:03:00.0/numa_node:-1",
            "./0000:03:00.0/sriov_totalvfs:8",
            "./0000:03:00.0/sriov_numvfs:two",
            "./0000:03:00.0/sriov_drivers_autoprobe:0",
            "./0000:03:00.0/reset_method: flr  bus ",
            "L\t./0000:03:00.0/driver\t../../../bus/pci/drivers/e1000e",
            "L\t./0000:03:00.0/driver\t../../../bus/pci/drivers/vfio-pci",
            "F\t./0000:03:00.0/reset",
        ].join("\n"));
        const fn = snap.functions[0];
        assert.equal(fn.revision, 0x0a);
        assert.equal(fn.subsystemVendorId, null, "0X is not the kernel's form");
        assert.equal(fn.subsystemDeviceId, null);
        assert.equal(fn.numaNode, null);
        assert.deepEqual(fn.sriov, { totalVfs: 8, numVfs: 0, driversAutoprobe: false, vfs: [] });
        assert.deepEqual(fn.reset, { available: true, methods: ["flr", "bus"] });
        assert.equal(fn.driver, "vfio-pci");
    });

    test("each function gets its own reset method list", () => {
        const snap = parseSnapshot([...identity("0000:03:00.0"), ...identity("0000:03:00.1"),
            "./0000:03:00.0/reset_method:flr", "./0000:03:00.1/reset_method:flr"].join("\n"));
        const [a, b] = snap.functions;
        assert.deepEqual(a.reset.methods, ["flr"]);
        assert.notEqual(a.reset.methods, b.reset.methods);
    });

    test("records of nested directories and paths without ./ are not a function's", () => {
        const snap = parseSnapshot([
            ...identity("0000:03:00.0"),
            "./0000:03:00.0/0000:04:00.0/vendor:0x8086",
            "0000:03:00.0/driver_override:vfio-pci",
            "./0000:03:00.0/:0x1",
            "L\t./0000:03:00.0/sub/driver\t../../../bus/pci/drivers/e1000e",
            "F\t./0000:03:00.0/resets",
        ].join("\n"));
        assert.equal(snap.functions.length, 1);
        const fn = snap.functions[0];
        assert.equal(fn.driverOverride, null);
        assert.equal(fn.driver, null);
        assert.equal(fn.reset.available, false);
    });
});
