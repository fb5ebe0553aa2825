// SPDX-License-Identifier: LGPL-2.1-or-later
/* VF network state (issue 14): read-sysfs.sh runs one `ip` for the SR-IOV
 * PFs' interfaces, parse-snapshot turns its JSON into netLinks, merges keep
 * it, and locateVf names a VF as `ip link set <pf> vf <n>` wants it. */

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";

import { addressesToRead, mergeSnapshot } from "../../src/model/merge-snapshot.ts";
import { parseIpLinks } from "../../src/model/parse-ip-link.ts";
import { parseSnapshot } from "../../src/model/parse-snapshot.ts";
import type { PciAddress } from "../../src/model/pci-address.ts";
import type { VfLinkState } from "../../src/model/snapshot.ts";
import { identity } from "../../src/model/translate.ts";
import { isNicVf, locateVf, vfNetText } from "../../src/model/vf-net.ts";
import { FLAT_PF, IGB_PF } from "../fixtures/ip-link-sriov.ts";
import { fakeIpRuns, writeFakeIp } from "../lib/fake-ip.ts";
import { writeFakeSysfs, type FakeFunction } from "../lib/fake-sysfs.ts";
import { runReader, tempDir } from "../lib/run-reader.ts";

const at = (s: string) => s as PciAddress;
const NIC = 0x020000;

/** An igb PF at 00:07.0 with two VFs (each with its own netdev), and an NVMe PF without a netdev. */
const HOST: FakeFunction[] = [
    { address: "0000:00:04.0", vendor: 0x1b36, device: 0x0010, classCode: 0x010802, driver: "nvme", iommuGroup: 4, sriovTotalVfs: 4 },
    {
        address: "0000:00:07.0", vendor: 0x8086, device: 0x10c9, classCode: NIC, driver: "igb", iommuGroup: 7,
        sriovTotalVfs: 7, vfs: ["0000:00:07.1", "0000:00:07.2"], net: ["enp0s7"],
    },
    { address: "0000:00:07.1", vendor: 0x8086, device: 0x10ca, classCode: NIC, driver: "igbvf", iommuGroup: 20, physfn: "0000:00:07.0", net: ["enp0s7v0"] },
    { address: "0000:00:07.2", vendor: 0x8086, device: 0x10ca, classCode: NIC, driver: "igbvf", iommuGroup: 21, physfn: "0000:00:07.0", net: ["enp0s7v1"] },
    { address: "0000:00:08.0", vendor: 0x8086, device: 0x100e, classCode: NIC, driver: "e1000", iommuGroup: 8, net: ["ens8"] },
];

describe("parseIpLinks", () => {
    test("the VLAN-list form: MAC, VLAN and qos, trust, spoof check, link state, rates", () => {
        const links = parseIpLinks(JSON.stringify(IGB_PF) + "\n");
        const pf = links.get("enp0s7");
        assert.equal(pf?.mac, "52:54:00:12:00:07");
        assert.deepEqual(pf?.vfs, [
            { vf: 0, mac: "52:54:00:12:34:56", vlan: 100, qos: 3, spoofCheck: false, trust: true, linkState: "auto", minTxRate: 0, maxTxRate: 0 },
            { vf: 1, mac: "00:00:00:00:00:00", vlan: 0, qos: 0, spoofCheck: true, trust: false, linkState: "auto", minTxRate: 0, maxTxRate: 0 },
        ]);
    });

    test("what ip -j -d link show printed for the test VM's igb (QEMU 10, VF 0 set, VF 1 untouched)", () => {
        const text = fs.readFileSync(new URL("../fixtures/igb-ip-link.json", import.meta.url), "utf8");
        const pf = parseIpLinks(text).get("enp0s7");
        assert.deepEqual(pf?.vfs, [
            { vf: 0, mac: "52:54:00:12:34:56", vlan: 100, qos: 3, spoofCheck: false, trust: true, linkState: "auto", minTxRate: 0, maxTxRate: 0 },
            { vf: 1, mac: "00:00:00:00:00:00", vlan: 0, qos: 0, spoofCheck: true, trust: false, linkState: "auto", minTxRate: 0, maxTxRate: 0 },
        ]);
    });

    test("the flat form, in VF order, with what the driver does not report left unknown", () => {
        const vfs = parseIpLinks(JSON.stringify(FLAT_PF)).get("eth9")?.vfs;
        assert.deepEqual(vfs, [
            { vf: 0, mac: "02:00:00:00:00:01", vlan: 0, qos: 0, spoofCheck: null, trust: null, linkState: null, minTxRate: null, maxTxRate: 0 },
            { vf: 1, mac: "02:00:00:00:00:02", vlan: 7, qos: 1, spoofCheck: true, trust: null, linkState: "disable", minTxRate: null, maxTxRate: 100 },
        ]);
    });

    test("a line cut short or not JSON adds nothing; an interface without VFs has none", () => {
        const links = parseIpLinks('[{"ifname":"enp0s7","vfinfo_list":[{"vf":0\n[{"ifname":"lo","link_type":"loopback","address":"00:00:00:00:00:00"}]\nDevice "x" does not exist.\n');
        assert.deepEqual([...links.keys()], ["lo"]);
        assert.deepEqual(links.get("lo"), { name: "lo", mac: null, vfs: null });
    });
});

describe("read-sysfs.sh with SR-IOV network cards", () => {
    const root = tempDir("vf-net-");
    const bin = path.join(root, "bin");
    after(() => fs.rmSync(root, { recursive: true, force: true }));
    writeFakeSysfs(path.join(root, "sys"), HOST);
    writeFakeIp(bin, { enp0s7: IGB_PF, ens8: [{ ifname: "ens8", link_type: "ether", address: "52:54:00:00:00:08" }] });
    const sys = path.join(root, "sys");

    test("a full read runs one ip, for the PFs' interfaces only, and carries their VF state", () => {
        const snapshot = parseSnapshot(runReader(sys, [], bin));
        assert.deepEqual(fakeIpRuns(bin), ["-j -d -force -batch -"]);
        assert.deepEqual([...snapshot.netLinks?.keys() ?? []], ["enp0s7"]);
        const loc = locateVf(snapshot, at("0000:00:07.2"));
        assert.ok(loc.ok);
        assert.equal(loc.pfName, "enp0s7");
        assert.equal(loc.index, 1);
        assert.equal(loc.state?.trust, false);
        const vf0 = locateVf(snapshot, at("0000:00:07.1"));
        assert.ok(vf0.ok && vf0.index === 0 && vf0.state?.vlan === 100);
    });

    test("an incremental read runs no ip; the merge keeps the state the page had", () => {
        fs.rmSync(path.join(bin, "runs"), { force: true });
        const full = parseSnapshot(runReader(sys, [], bin));
        for (const event of [at("0000:00:07.1"), at("0000:00:07.0"), at("0000:00:08.0")]) {
            const requested = addressesToRead(full, [event]);
            const partial = parseSnapshot(runReader(sys, requested, bin));
            assert.equal(partial.netLinks, null);
            assert.deepEqual(mergeSnapshot(full, partial, requested), full);
        }
        assert.equal(fakeIpRuns(bin).length, 1, "only the full read ran ip");
    });

    test("without ip, or without an SR-IOV PF that has a netdev, the state is unknown and no ip runs", () => {
        const noIp = path.join(root, "empty-bin");
        fs.mkdirSync(noIp);
        fs.symlinkSync("/bin/false", path.join(noIp, "ip"));
        const snapshot = parseSnapshot(runReader(sys, [], noIp));
        assert.equal(snapshot.netLinks, null);
        const loc = locateVf(snapshot, at("0000:00:07.1"));
        assert.ok(loc.ok && loc.state === null);

        const plain = path.join(root, "plain");
        writeFakeSysfs(plain, HOST.filter(f => !f.address.startsWith("0000:00:07.")));
        fs.rmSync(path.join(bin, "runs"), { force: true });
        assert.equal(parseSnapshot(runReader(plain, [], bin)).netLinks, null);
        assert.deepEqual(fakeIpRuns(bin), []);
    });
});

describe("locateVf", () => {
    const root = tempDir("vf-locate-");
    after(() => fs.rmSync(root, { recursive: true, force: true }));
    const noNetdev = HOST.map(f => (f.address === "0000:00:07.0" ? { ...f, net: [] } : f));
    writeFakeSysfs(root, noNetdev);
    const snapshot = parseSnapshot(runReader(root));

    test("says why a function cannot be named as <pf> vf <n>", () => {
        assert.deepEqual(locateVf(snapshot, at("0000:00:08.0")), { ok: false, reason: "not-a-vf" });
        assert.deepEqual(locateVf(snapshot, at("0000:00:07.1")), { ok: false, reason: "no-netdev" });
        assert.equal(isNicVf(snapshot, at("0000:00:07.1")), false);
    });
});

describe("vfNetText", () => {
    const state = (patch: Partial<VfLinkState>): VfLinkState => ({
        vf: 0, mac: "00:00:00:00:00:00", vlan: 0, qos: 0, spoofCheck: true, trust: false, linkState: "auto", minTxRate: 0, maxTxRate: 0, ...patch,
    });

    test("a fresh VF, and one with every setting", () => {
        assert.equal(vfNetText(state({}), identity), "MAC set by the guest, spoof checking on, not trusted, link state auto");
        assert.equal(vfNetText(state({ mac: "52:54:00:12:34:56", vlan: 100, qos: 3, spoofCheck: false, trust: true, linkState: "disable",
                                       minTxRate: 10, maxTxRate: 200 }), identity),
                     "MAC 52:54:00:12:34:56, VLAN 100, priority 3, spoof checking off, trusted, link state disable, " +
                     "at least 10 Mbit/s, at most 200 Mbit/s");
    });

    test("what the driver does not report is left out", () => {
        const unreported = state({ mac: null, vlan: 5, spoofCheck: null, trust: null, linkState: null, minTxRate: null, maxTxRate: null });
        assert.equal(vfNetText(unreported, identity), "MAC set by the guest, VLAN 5");
    });
});
