// SPDX-License-Identifier: LGPL-2.1-or-later
/* A VF held as <interface type='hostdev'> counts like a <hostdev> everywhere
 * the page asks "which VM has this device": conflicts, the Return and
 * VF-removal guards, hardware records. And a new interface's MAC is checked
 * against the host's and the VMs' addresses (issue 14). */
import "../lib/xml-dom.ts";

import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, test } from "node:test";

import { indexAssignments } from "../../src/model/assignments.ts";
import { cardFunctions } from "../../src/model/device-notes.ts";
import { insertDevices, interfaceXml, listPciHostdevs } from "../../src/model/domain-xml.ts";
import { checkHostdevs, recordsFor, updateRecords } from "../../src/model/hardware-records.ts";
import type { PciAddress } from "../../src/model/pci-address.ts";
import { makeSnapshot, type NetLink, type PciFunction, type VfLinkState } from "../../src/model/snapshot.ts";
import { isNicVf, locateVf } from "../../src/model/vf-net.ts";
import { parseUsageFacts } from "../../src/model/host-usage.ts";
import { macUses, macUseText, type MacDomain } from "../../src/model/vf-net-macs.ts";
import { vfUsers } from "../../src/model/vf-plan.ts";

const at = (s: string) => s as PciAddress;
const BASE = fs.readFileSync(new URL("../fixtures/libvirt/q35-inactive.xml", import.meta.url), "utf8");

const PF = at("0000:03:00.0");
const VF0 = at("0000:03:10.0");
const VF1 = at("0000:03:10.2");

function fn(address: PciAddress, over: Partial<PciFunction>): PciFunction {
    return {
        address, vendorId: 0x8086, deviceId: 0x10ca, subsystemVendorId: null, subsystemDeviceId: null,
        classCode: 0x020000, revision: null, driver: "igbvf", driverOverride: null, iommuGroup: null, numaNode: null,
        sriov: null, physfn: null, netInterfaces: [], blockDevices: [], reset: { available: true, methods: ["flr"] },
        bootVga: false, ...over,
    };
}

const vfState = (vf: number, mac: string): VfLinkState => ({
    vf, mac, vlan: 0, qos: 0, spoofCheck: true, trust: false, linkState: "auto", minTxRate: 0, maxTxRate: 0,
});

// An igb (82576) PF enp3s0 with two VFs; VF 0 has its igbvf netdev, VF 1 is unbound.
const links: NetLink[] = [
    { name: "enp3s0", mac: "52:54:00:00:00:01", vfs: [vfState(0, "52:54:00:12:34:56"), vfState(1, "00:00:00:00:00:00")] },
    { name: "enp3s0v0", mac: "52:54:00:12:34:56", vfs: null },
    { name: "enp0s2", mac: "52:54:00:00:00:02", vfs: null },
];
const snapshot = makeSnapshot([
    fn(PF, { deviceId: 0x10c9, driver: "igb", iommuGroup: 10, netInterfaces: ["enp3s0"],
             sriov: { totalVfs: 7, numVfs: 2, driversAutoprobe: true, vfs: [VF0, VF1] } }),
    fn(VF0, { iommuGroup: 11, physfn: PF, netInterfaces: ["enp3s0v0"] }),
    fn(VF1, { iommuGroup: 12, physfn: PF, driver: null }),
], new Map(links.map(l => [l.name, l])));

const asInterface = (xml: string, address: PciAddress, mac: string) =>
    insertDevices(xml, [interfaceXml({ address, managed: true, romBar: null, guest: null, mac, vlan: 200 })]);

function domain(name: string, state: "running" | "shut off", xml: string) {
    const devices = listPciHostdevs(xml).map(h => h.address);
    return { connection: "qemu" as const, name, state, persistent: true, liveHostdevs: devices, inactiveHostdevs: devices,
             liveXml: xml, inactiveXml: xml };
}

describe("a NIC VF", () => {
    test("is located by PF interface and index; a PF or a VF without a netdev PF is not a NIC VF", () => {
        const where = locateVf(snapshot, VF1);
        assert.ok(where.ok);
        assert.equal(where.ok && where.pfName, "enp3s0");
        assert.equal(where.ok && where.index, 1);
        assert.equal(isNicVf(snapshot, VF1), true);
        assert.equal(isNicVf(snapshot, PF), false);
        const noNetdev = makeSnapshot([
            fn(PF, { sriov: { totalVfs: 7, numVfs: 1, driversAutoprobe: true, vfs: [VF0] } }),
            fn(VF0, { physfn: PF }),
        ]);
        assert.equal(isNicVf(noNetdev, VF0), false);
    });
});

describe("VFs are no card", () => {
    test("a Hi1822's VFs share the PF's slot: neither a VF nor the PF takes the others as All functions", () => {
        const pf = at("0000:03:00.0"), v1 = at("0000:03:00.1"), v2 = at("0000:03:00.2"), port2 = at("0000:03:00.3");
        const hi1822 = makeSnapshot([
            fn(pf, { driver: "hinic", netInterfaces: ["enp3s0"], sriov: { totalVfs: 4, numVfs: 2, driversAutoprobe: true, vfs: [v1, v2] } }),
            fn(v1, { physfn: pf }),
            fn(v2, { physfn: pf }),
            fn(port2, { driver: "hinic" }),
        ]);
        assert.deepEqual(cardFunctions(hi1822, v1).map(f => f.address), [v1]);
        assert.deepEqual(cardFunctions(hi1822, pf).map(f => f.address), [pf, port2]);
    });
});

describe("the interface form counts as assigned", () => {
    const running = domain("web", "running", asInterface(BASE, VF1, "52:54:00:ab:cd:ef"));

    test("a running VM holding the VF as an interface: not returnable, a VF user, listed", () => {
        const index = indexAssignments([running], snapshot);
        assert.deepEqual(index.assignments(VF1).map(a => [a.domain.name, a.where]), [["web", "both"]]);
        assert.equal(index.canReturnToHost(VF1), false);
        assert.equal(index.canReturnToHost(VF0), true);
        assert.deepEqual(vfUsers(snapshot, PF, index.assignments), [{ vf: VF1, vm: "web", running: true }]);
    });

    test("the same VF as interface in one VM and hostdev in another is a conflict on both", () => {
        const other = domain("db", "shut off", insertDevices(BASE, [
            `<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x03' slot='0x10' function='0x2'/></source></hostdev>`,
        ]));
        const conflicts = indexAssignments([running, other], snapshot).conflicts(VF1);
        assert.deepEqual(conflicts.map(c => c.kind === "multiple-vms" && c.domains.map(d => d.name)), [["web", "db"]]);
    });

    test("hardware records: an interface whose address now holds other hardware is flagged like a hostdev", () => {
        const xml = updateRecords(running.inactiveXml, recordsFor(snapshot, [VF1]), []);
        assert.equal(checkHostdevs(xml, snapshot).get(VF1)?.kind, "ok");
        const renumbered = makeSnapshot([fn(VF1, { deviceId: 0x1520, physfn: PF })]);
        assert.equal(checkHostdevs(xml, renumbered).get(VF1)?.kind, "changed");
        assert.equal(checkHostdevs(xml, makeSnapshot([])).get(VF1)?.kind, "gone");
    });
});

describe("MAC uniqueness", () => {
    const vms: MacDomain[] = [domain("web", "running", asInterface(BASE, VF0, "52:54:00:ab:cd:ef"))];

    test("another VF, a host interface, a VM's interface", () => {
        assert.deepEqual(macUses("52:54:00:12:34:56", snapshot, vms, VF1),
                         [{ kind: "vf", pfName: "enp3s0", vf: 0 }, { kind: "host", name: "enp3s0v0" }]);
        assert.deepEqual(macUses("52:54:00:00:00:02", snapshot, vms, VF1), [{ kind: "host", name: "enp0s2" }]);
        assert.deepEqual(macUses("52:54:00:ab:cd:ef", snapshot, vms, VF1), [{ kind: "vm", domain: { connection: "qemu", name: "web" } }]);
        // the fixture's own hostdev interface is a VM's too
        assert.deepEqual(macUses("52:54:00:6d:90:02", snapshot, vms, VF1).map(u => u.kind), ["vm"]);
        assert.deepEqual(macUses("52:54:00:99:99:99", snapshot, vms, VF1), []);
    });

    test("any host interface from the host-usage facts (ip -j addr), once, and not the VF's own netdev", () => {
        const facts = parseUsageFacts(["@addr", JSON.stringify([
            { ifname: "lo", link_type: "loopback", address: "00:00:00:00:00:00" },
            { ifname: "br0", link_type: "ether", address: "52:54:00:AA:00:01" },
            { ifname: "enp0s2", link_type: "ether", address: "52:54:00:00:00:02" },
        ])].join("\n"));
        assert.deepEqual(macUses("52:54:00:aa:00:01", snapshot, [], VF1, facts.interfaces), [{ kind: "host", name: "br0" }]);
        assert.deepEqual(macUses("52:54:00:00:00:02", snapshot, [], VF1, facts.interfaces), [{ kind: "host", name: "enp0s2" }]);
        const own = [{ ifname: "enp3s0v0", mac: "52:54:00:aa:00:09" }];
        assert.deepEqual(snapshot.byAddress.get(VF0)?.netInterfaces, ["enp3s0v0"]);
        assert.deepEqual(macUses("52:54:00:aa:00:09", snapshot, [], VF0, own), []);
        assert.deepEqual(macUses("52:54:00:aa:00:09", snapshot, [], VF1, own), [{ kind: "host", name: "enp3s0v0" }]);
    });

    test("the VF's own entry and own netdev are no clash; unknown VF state means nothing to compare", () => {
        assert.deepEqual(macUses("52:54:00:12:34:56", snapshot, [], VF0), []);
        const unknown = makeSnapshot([...snapshot.functions], null);
        assert.deepEqual(macUses("52:54:00:12:34:56", unknown, [], VF1), []);
    });

    test("a VM whose XML cannot be read is skipped; the uses are worded", () => {
        const broken = { connection: "qemu" as const, name: "x", liveXml: "<domain", inactiveXml: null };
        assert.deepEqual(macUses("52:54:00:ab:cd:ef", snapshot, [broken, ...vms], VF1).length, 1);
        assert.equal(macUseText({ kind: "vf", pfName: "enp3s0", vf: 0 }, m => m), "VF 0 of enp3s0");
        assert.equal(macUseText({ kind: "host", name: "enp0s2" }, m => m), "host interface enp0s2");
        assert.equal(macUseText({ kind: "vm", domain: { connection: "qemu", name: "web" } }, m => m), "an interface of the VM web");
    });
});
