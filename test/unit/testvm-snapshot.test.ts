// SPDX-License-Identifier: LGPL-2.1-or-later
/* The snapshot fixture captured from the test VM: read-sysfs.sh run in the
 * guest (Debian 12, q35, emulated Intel IOMMU) and saved as it printed. */

import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, test } from "node:test";

import { analyzeHostUsage, parseUsageFacts } from "../../src/model/host-usage.ts";
import { iommuGroups } from "../../src/model/iommu-groups.ts";
import { parseSnapshot } from "../../src/model/parse-snapshot.ts";
import type { PciAddress } from "../../src/model/pci-address.ts";

const at = (s: string) => s as PciAddress;
const snapshot = parseSnapshot(fs.readFileSync(new URL("../fixtures/testvm-sysfs.txt", import.meta.url), "utf8"));

describe("snapshot captured from the test VM", () => {
    test("every function with its driver and group", () => {
        assert.deepEqual(snapshot.functions.map(f => [f.address, f.driver, f.iommuGroup]), [
            ["0000:00:00.0", null, 0],
            ["0000:00:01.0", "bochs-drm", 1],
            ["0000:00:02.0", "e1000e", 2],
            ["0000:00:03.0", "e1000e", 3],
            ["0000:00:04.0", "nvme", 4],
            ["0000:00:05.0", "virtio-pci", 5],
            ["0000:00:06.0", "virtio-pci", 6],
            ["0000:00:1f.0", null, 7],
            ["0000:00:1f.2", "ahci", 7],
            ["0000:00:1f.3", "i801_smbus", 7],
        ]);
    });

    test("the SR-IOV NVMe, the NICs' interfaces, the root disk and the boot VGA", () => {
        const nvme = snapshot.byAddress.get(at("0000:00:04.0"))!;
        assert.equal(nvme.sriov?.totalVfs, 4);
        assert.equal(nvme.sriov?.numVfs, 0);
        assert.deepEqual(snapshot.byAddress.get(at("0000:00:02.0"))!.netInterfaces, ["enp0s2"]);
        assert.deepEqual(snapshot.byAddress.get(at("0000:00:05.0"))!.netInterfaces, ["enp0s5"]);
        assert.deepEqual(snapshot.byAddress.get(at("0000:00:06.0"))!.blockDevices, [{ name: "vda", disk: null }]);
        assert.equal(snapshot.byAddress.get(at("0000:00:01.0"))!.bootVga, true);
        // NVMe multipath: nvme0n1 sits under virtual/nvme-subsystem; its path nvme0c0n1 names the controller.
        assert.deepEqual(nvme.blockDevices.map(b => b.name), ["nvme0c0n1", "nvme0n1"]);
        assert.equal(snapshot.byAddress.get(at("0000:00:02.0"))!.vendorId, 0x8086);
        assert.equal(snapshot.byAddress.get(at("0000:00:02.0"))!.deviceId, 0x10d3);
    });

    test("groups on host drivers are not viable; the chipset group's blockers are named", () => {
        const groups = iommuGroups(snapshot);
        assert.equal(groups.get(2)!.viable, false, "00:02.0 is on e1000e");
        assert.deepEqual(groups.get(2)!.blockers.map(f => f.address), ["0000:00:02.0"]);
        assert.equal(groups.get(4)!.viable, false, "the NVMe is on nvme");
        assert.deepEqual(groups.get(7)!.blockers.map(f => f.driver), ["ahci", "i801_smbus"]);
    });

    test("with the guest's addresses, the session NIC and the root disk are the host's", () => {
        const usage = analyzeHostUsage(snapshot, parseUsageFacts([
            "@addr", JSON.stringify([{ ifname: "enp0s5", addr_info: [{ local: "10.0.2.15", prefixlen: 24 }] }]),
            "@route4", JSON.stringify([{ dst: "default", dev: "enp0s5" }]),
            "@listen", "Listen=[::]:9090 (Stream)",
            "@conn", "0 0 [::ffff:10.0.2.15]:9090 [::ffff:10.0.2.2]:40000",
            "@lsblk", JSON.stringify({ blockdevices: [{ kname: "vda", mountpoint: "/" }] }),
        ].join("\n")));
        assert.equal(usage.get(at("0000:00:05.0"))!.refuse, true);
        assert.deepEqual(usage.get(at("0000:00:06.0"))!.reasons, [{ kind: "mounted", disk: "vda", mountpoints: ["/"] }]);
        assert.equal(usage.get(at("0000:00:02.0")), undefined);
    });
});
