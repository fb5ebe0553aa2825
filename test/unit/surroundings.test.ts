/* What surrounds a device: reset, NUMA, boot VGA and shared-group notes (on a
 * fake sysfs read by the real reader), VM memory and placement, locked memory,
 * and the hardware records kept in a domain's metadata. */

import "../lib/xml-dom.ts";

import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, test } from "node:test";

import { cardFunctions, describeNote, deviceNotes, numaMismatch, upstreamChain } from "../../src/model/device-notes.ts";
import { canonicalXml, insertDevices, hostdevXml, removeHostdev } from "../../src/model/domain-xml.ts";
import { checkHostdevs, readRecords, recordsFor, RECORDS_NS, updateRecords } from "../../src/model/hardware-records.ts";
import { checkMemoryLock, describeMemoryLock, memAvailableKiB } from "../../src/model/memory-lock.ts";
import { parseSnapshot } from "../../src/model/parse-snapshot.ts";
import type { PciAddress } from "../../src/model/pci-address.ts";
import { identity } from "../../src/model/translate.ts";
import { parseNodeset, vmResources } from "../../src/model/vm-resources.ts";
import { writeFakeSysfs, type FakeFunction } from "../lib/fake-sysfs.ts";
import { runReader, tempDir } from "../lib/run-reader.ts";
import { smallHost } from "../fixtures/small-host.ts";

const at = (s: string) => s as PciAddress;

/* The small host plus what the test VM adds: a multifunction e1000 pair without
 * any reset method on the root bus, and an e1000e on NUMA node 1 behind a port;
 * the GPU is the boot VGA and its audio function has only a bus reset. */
const host: FakeFunction[] = [
    ...smallHost.map(f => f.address === "0000:01:00.0" ? { ...f, bootVga: true, resetMethods: ["flr", "bus"] }
        : f.address === "0000:01:00.1" ? { ...f, resetMethods: ["bus"] }
            : f.address === "0000:00:02.0" ? { ...f, resetMethods: ["flr"] } : f),
    { address: "0000:00:08.0", vendor: 0x8086, device: 0x100e, classCode: 0x020000, driver: "e1000", iommuGroup: 10 },
    { address: "0000:00:08.1", vendor: 0x8086, device: 0x100e, classCode: 0x020000, driver: "e1000", iommuGroup: 10 },
    { address: "0000:80:00.0", vendor: 0x1b36, device: 0x000c, classCode: 0x060400, driver: "pcieport", iommuGroup: 11, numaNode: 1 },
    { address: "0000:81:00.0", vendor: 0x8086, device: 0x10d3, classCode: 0x020000, driver: "e1000e", iommuGroup: 12, numaNode: 1, parent: "0000:80:00.0", resetMethods: ["flr", "bus"] },
];

function snapshot() {
    const root = tempDir("pt-surround-");
    try {
        writeFakeSysfs(root, host);
        return parseSnapshot(runReader(root));
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}

describe("device notes", () => {
    const snap = snapshot();
    const fn = (a: string) => snap.byAddress.get(at(a))!;
    const notes = (a: string, ctx = {}) => deviceNotes(snap, fn(a), ctx);
    const kinds = (a: string) => notes(a).map(n => n.kind);

    test("the reader gives each function its upstream bridge", () => {
        assert.equal(fn("0000:81:00.0").upstream, "0000:80:00.0");
        assert.equal(fn("0000:01:00.1").upstream, "0000:00:1c.0");
        assert.equal(fn("0000:00:08.0").upstream, null);
        assert.deepEqual(upstreamChain(snap, fn("0000:81:00.0")), ["0000:80:00.0"]);
    });

    test("reset: methods, bus-only, none", () => {
        assert.deepEqual(notes("0000:00:02.0")[0], { kind: "reset", methods: ["flr"], ownReset: true });
        const bus = notes("0000:01:00.1")[0];
        assert.deepEqual(bus, { kind: "reset", methods: ["bus"], ownReset: false });
        assert.equal(describeNote(bus, identity).variant, "warning");
        const none = notes("0000:00:08.0")[0];
        assert.equal(none.kind, "no-reset");
        assert.equal(describeNote(none, identity).title, "No reset method: this device may work only once per host boot");
        assert.deepEqual(kinds("0000:80:00.0"), [], "bridges get no notes");
    });

    test("NUMA: the node, and a warning when the VM is pinned elsewhere", () => {
        const plain = notes("0000:81:00.0").find(n => n.kind === "numa")!;
        assert.equal(describeNote(plain, identity).title, "NUMA node 1");
        assert.equal(numaMismatch(plain), false);
        const pinned0 = notes("0000:81:00.0", { vmNodes: [0] }).find(n => n.kind === "numa")!;
        assert.equal(numaMismatch(pinned0), true);
        assert.equal(describeNote(pinned0, identity).title, "Device on NUMA node 1, VM on node 0");
        assert.equal(numaMismatch(notes("0000:81:00.0", { vmNodes: [0, 1] }).find(n => n.kind === "numa")!), false);
        assert.ok(!kinds("0000:00:02.0").includes("numa"), "no node reported: no note");
    });

    test("boot VGA suggests the framebuffer arguments not yet on the command line", () => {
        const vga = notes("0000:01:00.0", { cmdline: "root=/dev/sda video=efifb:off" }).find(n => n.kind === "boot-vga")!;
        assert.deepEqual(vga, { kind: "boot-vga", kernelArgs: ["initcall_blacklist=sysfb_init"] });
        assert.match(describeNote(vga, identity).body, /initcall_blacklist=sysfb_init and reboot/);
    });

    test("shared groups: one card, or a bridge without ACS and the options", () => {
        const card = notes("0000:00:08.0").find(n => n.kind === "shared-group")!;
        assert.deepEqual(card, { kind: "shared-group", group: 10, others: ["0000:00:08.1"], sameCard: true, bridge: null });
        assert.match(describeNote(card, identity).body, /All functions/);
        assert.deepEqual(cardFunctions(snap, at("0000:00:08.1")).map(f => f.address), ["0000:00:08.0", "0000:00:08.1"]);
        assert.ok(!kinds("0000:00:03.0").includes("shared-group"));
    });

    test("a group shared across cards names the common bridge and explains the ACS override instead of offering it", () => {
        const root = tempDir("pt-surround-acs-");
        try {
            writeFakeSysfs(root, [
                { address: "0000:00:1c.0", vendor: 0x8086, device: 0x2922, classCode: 0x060400, driver: "pcieport", iommuGroup: 3 },
                { address: "0000:02:00.0", vendor: 0x8086, device: 0x10d3, classCode: 0x020000, driver: "e1000e", iommuGroup: 3, parent: "0000:00:1c.0" },
                { address: "0000:02:01.0", vendor: 0x8086, device: 0x10d3, classCode: 0x020000, driver: "e1000e", iommuGroup: 3, parent: "0000:00:1c.0" },
            ]);
            const s = parseSnapshot(runReader(root));
            const note = deviceNotes(s, s.byAddress.get(at("0000:02:00.0"))!).find(n => n.kind === "shared-group")!;
            assert.deepEqual(note, { kind: "shared-group", group: 3, others: ["0000:02:01.0"], sameCard: false, bridge: "0000:00:1c.0" });
            const text = describeNote(note, identity);
            assert.equal(text.variant, "warning");
            assert.match(text.body, /0000:00:1c\.0 .*no ACS/);
            assert.match(text.body, /another slot.*CPU/);
            assert.match(text.body, /ACS override.*not offered/);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });
});

const domain = (extra: string, devices = "") => `<domain type='kvm'>
  <name>vm</name>
  <uuid>c7a5fdbd-cdaf-9455-926a-d65c16db1809</uuid>
  <memory unit='KiB'>4194304</memory>
  ${extra}
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>${devices}
  </devices>
</domain>`;

describe("VM memory and placement", () => {
    test("nodesets", () => {
        assert.deepEqual(parseNodeset("0"), [0]);
        assert.deepEqual(parseNodeset("0-3,^2,5"), [0, 1, 3, 5]);
        assert.equal(parseNodeset("x"), null);
    });

    test("memory, numatune, vIOMMU and hostdevs from the XML", () => {
        const xml = domain("<numatune><memory mode='strict' nodeset='0'/></numatune>",
                           "\n    <iommu model='intel'/>\n" + hostdevXml({ address: at("0000:00:02.0"), managed: true, romBar: null, guest: null }));
        assert.deepEqual(vmResources(xml), { memoryKiB: 4194304, numaNodes: [0], viommu: true, hostdevCount: 1 });
        assert.equal(vmResources(domain("").replace("unit='KiB'>4194304", "unit='GiB'>2")).memoryKiB, 2 * 1024 * 1024);
        assert.equal(vmResources(domain("")).numaNodes, null);
    });

    test("locked memory: fits or not, and the vIOMMU multiple of the limit", () => {
        assert.equal(memAvailableKiB("MemTotal:  8000000 kB\nMemFree: 100 kB\nMemAvailable:    3000000 kB\n"), 3000000);
        const plain = vmResources(domain(""));
        const small = checkMemoryLock(plain, 3_000_000, 1)!;
        assert.equal(small.fits, false);
        assert.equal(small.limitKiB, 4194304 + 1048576);
        assert.match(describeMemoryLock(small, false, identity).body, /4\.0 GiB, and the host has 2\.9 GiB available.*VFIO_MAP_DMA/);
        assert.equal(checkMemoryLock(plain, 8_000_000, 1)!.fits, true);
        const viommu = vmResources(domain("", "\n    <iommu model='intel'/>\n" + hostdevXml({ address: at("0000:00:02.0"), managed: true, romBar: null, guest: null })));
        assert.equal(checkMemoryLock(viommu, 8_000_000, 1)!.limitKiB, (4194304 + 1048576) * 2);
    });
});

describe("hardware records", () => {
    const snap = snapshot();
    const base = domain("");

    test("recorded with the assignment, removed with it: the definition comes back unchanged", () => {
        const assigned = updateRecords(insertDevices(base, [hostdevXml({ address: at("0000:00:02.0"), managed: true, romBar: null, guest: null })]),
                                       recordsFor(snap, [at("0000:00:02.0")]), []);
        assert.match(assigned, new RegExp(`xmlns:passthrough="${RECORDS_NS}"`));
        assert.deepEqual(readRecords(assigned), [{ address: "0000:00:02.0", vendorId: 0x8086, deviceId: 0x10d3 }]);
        assert.equal(checkHostdevs(assigned, snap).get(at("0000:00:02.0"))?.kind, "ok");
        const removed = updateRecords(removeHostdev(assigned, at("0000:00:02.0")).xml, [], [at("0000:00:02.0")]);
        assert.equal(canonicalXml(removed), canonicalXml(base));
    });

    test("other metadata stays", () => {
        const withOther = base.replace("<memory", "<metadata><x:y xmlns:x='urn:other'/></metadata>\n  <memory");
        const round = updateRecords(updateRecords(withOther, recordsFor(snap, [at("0000:00:03.0")]), []), [], [at("0000:00:03.0")]);
        assert.equal(canonicalXml(round), canonicalXml(withOther));
    });

    test("a hostdev moved to other hardware, or to an address that no longer exists, is flagged", () => {
        const assigned = updateRecords(insertDevices(base, [hostdevXml({ address: at("0000:00:02.0"), managed: true, romBar: null, guest: null })]),
                                       recordsFor(snap, [at("0000:00:02.0")]), []);
        // edited by hand to the NVMe's address: the record stays behind
        const moved = assigned.replace(/slot=.0x02./, "slot='0x04'");
        assert.deepEqual(checkHostdevs(moved, snap).get(at("0000:00:04.0")), {
            kind: "changed", recorded: { address: "0000:00:02.0", vendorId: 0x8086, deviceId: 0x10d3 },
            now: { vendorId: 0x1b36, deviceId: 0x0010 }, record: "0000:00:02.0",
        });
        // moved to the other e1000e: the same model, nothing to flag
        assert.equal(checkHostdevs(assigned.replace(/slot=.0x02./, "slot='0x03'"), snap).get(at("0000:00:03.0"))?.kind, "ok");
        assert.equal(checkHostdevs(assigned.replace(/bus=.0x00. slot=.0x02./, "bus='0x42' slot='0x02'"), snap).get(at("0000:42:02.0"))?.kind, "gone");
        // the record at the old address changed under it
        const other = assigned.replace(/device=.10d3./, "device='1533'");
        assert.equal(checkHostdevs(other, snap).get(at("0000:00:02.0"))?.kind, "changed");
    });

    test("hostdevs the page did not assign are not flagged", () => {
        const foreign = insertDevices(base, [hostdevXml({ address: at("0000:00:04.0"), managed: true, romBar: null, guest: null })]);
        assert.equal(checkHostdevs(foreign, snap).get(at("0000:00:04.0"))?.kind, "ok");
    });
});
