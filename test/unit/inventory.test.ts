// SPDX-License-Identifier: LGPL-2.1-or-later
import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, test } from "node:test";

import { filterRows, inventoryRows, sortRows } from "../../src/model/inventory.ts";
import { compareAddresses, isPciAddress, lastAddressInPath, parsePciAddress, type PciAddress } from "../../src/model/pci-address.ts";
import { categoryOf, isBridge } from "../../src/model/pci-class.ts";
import { deviceLabel, parsePciIds } from "../../src/model/pci-ids.ts";
import { parseSnapshot } from "../../src/model/parse-snapshot.ts";
import { writeFakeSysfs } from "../lib/fake-sysfs.ts";
import { runReader, tempDir } from "../lib/run-reader.ts";
import { kunpengFunctions } from "../fixtures/kunpeng.ts";

const pciIds = parsePciIds(fs.readFileSync(new URL("../fixtures/pci.ids", import.meta.url), "utf8"));

describe("PCI addresses", () => {
    test("accepts the sysfs form only", () => {
        assert.ok(isPciAddress("0000:03:00.0"));
        assert.ok(isPciAddress("10000:03:00.7"));
        for (const bad of ["03:00.0", "0000:03:00.8", "0000:03:00.0/../..", "0000:03:00.0\n", "0000:0G:00.0", "0000:03:00.0 ", "0000:03:00.0/../../../"])
            assert.equal(isPciAddress(bad), false, bad);
        assert.throws(() => parsePciAddress("0000:00:02.0/../../.."));
    });

    test("orders numerically", () => {
        const list = ["0000:10:00.0", "0000:03:00.1", "0000:03:00.0", "0001:00:00.0"] as PciAddress[];
        assert.deepEqual(list.sort(compareAddresses), ["0000:03:00.0", "0000:03:00.1", "0000:10:00.0", "0001:00:00.0"]);
    });

    test("finds the owning function in a sysfs path", () => {
        assert.equal(lastAddressInPath("../../devices/pci0000:00/0000:00:01.0/0000:03:00.0/net/enp3s0"), "0000:03:00.0");
        assert.equal(lastAddressInPath("../../devices/virtual/net/lo"), null);
    });
});

describe("PCI classes and names", () => {
    test("categories and bridges", () => {
        assert.equal(categoryOf(0x020000), "network");
        assert.equal(categoryOf(0x010802), "storage");
        assert.equal(categoryOf(0x030000), "display");
        assert.equal(categoryOf(0x0c0330), "usb");
        assert.equal(categoryOf(0x0c0500), "other");
        assert.ok(isBridge(0x060400));
        assert.ok(!isBridge(0x060000), "a host bridge is not a PCI-to-PCI bridge");
    });

    test("names from pci.ids, with fallbacks", () => {
        assert.equal(deviceLabel(pciIds, 0x8086, 0x10d3), "Intel Corporation 82574L Gigabit Network Connection");
        assert.equal(deviceLabel(pciIds, 0x8086, 0xffff), "Intel Corporation device ffff");
        assert.equal(deviceLabel(pciIds, 0xabcd, 0x0001), "abcd:0001");
        assert.equal(pciIds.className(0x020000), "Ethernet controller");
        assert.equal(pciIds.className(0x010802), "Non-Volatile memory controller");
        assert.equal(pciIds.className(0x0d4200), "Wireless controller", "unknown subclass falls back to the base class");
    });
});

describe("inventory rows of the Kunpeng host", () => {
    const root = tempDir("kunpeng-inv-");
    writeFakeSysfs(root, kunpengFunctions);
    const rows = inventoryRows(parseSnapshot(runReader(root)), pciIds);
    fs.rmSync(root, { recursive: true, force: true });

    test("named from pci.ids", () => {
        const pf = rows.find(r => r.address === "0000:03:00.0")!;
        assert.equal(pf.name, "Huawei Technologies Co., Ltd. Hi1822 Family (4*25GE)");
        assert.equal(pf.ids, "19e5:0210");
        assert.equal(pf.className, "Ethernet controller");
    });

    test("filters by text and by class", () => {
        assert.deepEqual(filterRows(rows, "Virtual Function", "all").map(r => r.address),
                         ["0000:03:00.1", "0000:03:00.2", "0000:03:00.3", "0000:03:00.4"]);
        assert.deepEqual(filterRows(rows, "enp6s0", "all").map(r => r.address), ["0000:06:00.0"]);
        assert.deepEqual(filterRows(rows, "", "storage").map(r => r.address), ["0000:74:02.0"]);
        assert.equal(filterRows(rows, "", "network").length, 8);
        assert.equal(filterRows(rows, "HINIC", "bridge").length, 0);
        assert.equal(filterRows(rows, "  ", "all").length, rows.length);
    });

    test("sorts by driver with unbound last, ties by address", () => {
        const sorted = sortRows(rows, "driver", "asc").map(r => r.fn.driver);
        assert.deepEqual(sorted.slice(0, 2), ["ehci-pci", "hibmc-drm"]);
        const byGroup = sortRows(rows, "iommuGroup", "desc").map(r => r.fn.iommuGroup);
        assert.deepEqual(byGroup.slice(0, 3), [24, 23, 22]);
    });
});
