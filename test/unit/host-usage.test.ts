// SPDX-License-Identifier: LGPL-2.1-or-later
import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, test } from "node:test";

import { analyzeHostUsage, describeUsageReason, parseUsageFacts } from "../../src/model/host-usage.ts";
import { groupPeers, iommuGroups } from "../../src/model/iommu-groups.ts";
import { parseSnapshot } from "../../src/model/parse-snapshot.ts";
import type { PciAddress } from "../../src/model/pci-address.ts";
import { identity as _ } from "../../src/model/translate.ts";
import { writeFakeSysfs, type FakeFunction } from "../lib/fake-sysfs.ts";
import { runReader, tempDir } from "../lib/run-reader.ts";
import { kunpengFunctions } from "../fixtures/kunpeng.ts";

const at = (s: string) => s as PciAddress;

function snapshotOf(functions: FakeFunction[]) {
    const root = tempDir("usage-");
    try {
        writeFakeSysfs(root, functions);
        return parseSnapshot(runReader(root));
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}

const kunpeng = snapshotOf(kunpengFunctions);

// enp4s0 is a port of br0, which carries the Cockpit session; enp5s0 has the default route.
const usageOutput = [
    "@addr",
    JSON.stringify([
        { ifname: "lo", addr_info: [{ local: "127.0.0.1", prefixlen: 8 }] },
        { ifname: "enp3s0", addr_info: [{ local: "192.168.1.10", prefixlen: 24 }] },
        { ifname: "enp4s0", master: "br0", addr_info: [] },
        { ifname: "br0", addr_info: [{ local: "10.0.0.5", prefixlen: 24 }, { local: "fe80::1", prefixlen: 64 }] },
        { ifname: "enp5s0", addr_info: [{ local: "172.16.0.2", prefixlen: 16 }] },
    ]),
    "@route4", JSON.stringify([{ dst: "default", gateway: "172.16.0.1", dev: "enp5s0" }]),
    "@route6", "[]",
    "@listen", "Listen=[::]:9090 (Stream)",
    "@conn",
    "0      0      [::ffff:10.0.0.5]:9090 [::ffff:10.0.0.99]:51234",
    "0      0      192.168.1.10:22 192.168.1.99:40000",
    "@lsblk",
    JSON.stringify({ blockdevices: [{ name: "sda", kname: "sda", type: "disk", mountpoint: null, children: [
        { name: "sda1", kname: "sda1", type: "part", mountpoint: "/boot" },
        { name: "sda2", kname: "sda2", type: "part", mountpoint: null, children: [
            { name: "openeuler-root", kname: "dm-0", type: "lvm", mountpoint: "/" }] }] }] }),
].join("\n");

describe("host usage on the Kunpeng host", () => {
    const usage = analyzeHostUsage(kunpeng, parseUsageFacts(usageOutput));

    test("the NIC under the bridge that carries this Cockpit session is refused", () => {
        const u = usage.get(at("0000:04:00.0"))!;
        assert.equal(u.refuse, true);
        assert.deepEqual(u.reasons, [{ kind: "session", ifname: "br0" }]);
        assert.equal(describeUsageReason(u.reasons[0], _), "Carries this Cockpit session (br0)");
    });

    test("the default-route NIC is used by the host but not refused", () => {
        const u = usage.get(at("0000:05:00.0"))!;
        assert.equal(u.refuse, false);
        assert.deepEqual(u.reasons, [{ kind: "default-route", ifname: "enp5s0" }]);
    });

    test("the SAS controller holds / (through LVM) and /boot", () => {
        const u = usage.get(at("0000:74:02.0"))!;
        assert.deepEqual(u.reasons, [{ kind: "mounted", disk: "sda", mountpoints: ["/boot", "/"] }]);
        assert.equal(describeUsageReason(u.reasons[0], _), "Holds the root file system (/dev/sda)");
    });

    test("the boot VGA is marked; an idle NIC only shows its addresses", () => {
        assert.deepEqual(usage.get(at("0000:0a:00.0"))!.reasons, [{ kind: "boot-vga" }]);
        const idle = usage.get(at("0000:03:00.0"))!;
        assert.deepEqual(idle.reasons, []);
        assert.deepEqual(idle.interfaces[0].addresses, ["192.168.1.10/24"]);
        assert.equal(usage.get(at("0000:06:00.0")), undefined);
    });
});

describe("IOMMU groups", () => {
    // A GPU and its HDMI audio function share group 16 behind a root port in the same group.
    const gpuHost = snapshotOf([
        { address: "0000:00:01.0", vendor: 0x8086, device: 0x1901, classCode: 0x060400, driver: "pcieport", iommuGroup: 16 },
        { address: "0000:01:00.0", vendor: 0x10de, device: 0x1b80, classCode: 0x030000, driver: "nouveau", iommuGroup: 16, parent: "0000:00:01.0" },
        { address: "0000:01:00.1", vendor: 0x10de, device: 0x10f0, classCode: 0x040300, driver: "snd_hda_intel", iommuGroup: 16, parent: "0000:00:01.0" },
        { address: "0000:02:00.0", vendor: 0x8086, device: 0x10d3, classCode: 0x020000, driver: "vfio-pci", iommuGroup: 17 },
        { address: "0000:03:00.0", vendor: 0x8086, device: 0x10d3, classCode: 0x020000, iommuGroup: 18 },
    ]);
    const groups = iommuGroups(gpuHost);

    test("the GPU's group is not viable while the audio function stays on its driver", () => {
        const g = groups.get(16)!;
        assert.equal(g.viable, false);
        assert.deepEqual(g.endpoints.map(f => f.address), ["0000:01:00.0", "0000:01:00.1"], "the bridge is exempt");
        assert.deepEqual(g.blockers.map(f => f.driver), ["nouveau", "snd_hda_intel"]);
        assert.deepEqual(groupPeers(gpuHost, at("0000:01:00.0")).map(f => f.address), ["0000:01:00.1"]);
    });

    test("a group on vfio-pci, or with no driver, is viable", () => {
        assert.equal(groups.get(17)!.viable, true);
        assert.equal(groups.get(18)!.viable, true);
    });

    test("becomes viable once the audio function is on vfio-pci too", () => {
        const fixed = snapshotOf([
            { address: "0000:01:00.0", vendor: 0x10de, device: 0x1b80, classCode: 0x030000, driver: "vfio-pci", iommuGroup: 16 },
            { address: "0000:01:00.1", vendor: 0x10de, device: 0x10f0, classCode: 0x040300, driver: "vfio-pci", iommuGroup: 16 },
        ]);
        assert.equal(iommuGroups(fixed).get(16)!.viable, true);
    });
});
