/* Incremental refresh (issue 16): read-sysfs.sh given the addresses a uevent
 * named, merged into the snapshot the page held, must equal a full read of
 * the host after the change. Each case writes the host before and after the
 * change as two fake sysfs trees and reads them with the real reader. */

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";

import { addressesToRead, mergeSnapshot, nicVfCountChanged, unsettledFunctions } from "../../src/model/merge-snapshot.ts";
import { parseSnapshot } from "../../src/model/parse-snapshot.ts";
import type { PciAddress } from "../../src/model/pci-address.ts";
import { makeHost } from "../bench/make-tree.ts";
import { writeFakeSysfs, type FakeFunction } from "../lib/fake-sysfs.ts";
import { runReader, tempDir } from "../lib/run-reader.ts";

const at = (s: string) => s as PciAddress;
const root = tempDir("merge-");
after(() => fs.rmSync(root, { recursive: true, force: true }));
let trees = 0;

function read(host: FakeFunction[], addresses?: string[]) {
    const dir = path.join(root, String(trees++));
    writeFakeSysfs(dir, host);
    return { full: parseSnapshot(runReader(dir)), partial: (a: string[]) => parseSnapshot(runReader(dir, a)), addresses };
}

/** The page held a full read of `before`; events named `changed` in `afterHost`. */
function check(before: FakeFunction[], afterHost: FakeFunction[], changed: string[]) {
    const old = read(before).full;
    const now = read(afterHost);
    const requested = addressesToRead(old, changed.map(at));
    const merged = mergeSnapshot(old, now.partial(requested), requested);
    assert.deepEqual(merged, now.full);
    assert.notDeepEqual(old, now.full, "the change is visible in a full read");
}

const PF = "0000:00:04.0";
const base = (): FakeFunction[] => [
    { address: "0000:00:00.0", vendor: 0x8086, device: 0x29c0, classCode: 0x060000, iommuGroup: 0 },
    { address: "0000:00:01.0", vendor: 0x8086, device: 0x2030, classCode: 0x060400, driver: "pcieport", iommuGroup: 1 },
    { address: "0000:01:00.0", parent: "0000:00:01.0", vendor: 0x8086, device: 0x10d3, classCode: 0x020000, driver: "e1000e", iommuGroup: 2, net: ["enp1s0"] },
    { address: "0000:01:00.1", parent: "0000:00:01.0", vendor: 0x8086, device: 0x10d3, classCode: 0x020000, driver: "e1000e", iommuGroup: 2, net: ["enp1s0f1"] },
    { address: "0000:00:02.0", vendor: 0x10de, device: 0x1eb8, classCode: 0x030000, driver: "nouveau", iommuGroup: 3, bootVga: false },
    { address: "0000:00:02.1", vendor: 0x10de, device: 0x10f8, classCode: 0x040300, driver: "snd_hda_intel", iommuGroup: 3 },
    { address: PF, vendor: 0x1b36, device: 0x0010, classCode: 0x010802, driver: "nvme", iommuGroup: 4, sriovTotalVfs: 4, block: ["nvme0n1"] },
    { address: "0000:00:05.0", vendor: 0x1af4, device: 0x1042, classCode: 0x010000, driver: "virtio-pci", iommuGroup: 5, block: ["vda"] },
];
const withVfs = (n: number): FakeFunction[] => {
    const vfs = Array.from({ length: n }, (_v, i) => `0000:00:04.${i + 1}`);
    return [
        ...base().map(f => f.address === PF ? { ...f, vfs, autoprobe: false } : f),
        ...vfs.map((address, i): FakeFunction => ({
            address, vendor: 0x1b36, device: 0x0010, classCode: 0x010802, iommuGroup: 10 + i, physfn: PF,
        })),
    ];
};
const change = (host: FakeFunction[], address: string, patch: Partial<FakeFunction>) =>
    host.map(f => f.address === address ? { ...f, ...patch } : f);

describe("an incremental read merged into the old snapshot equals a full read", () => {
    test("the GPU bound to vfio-pci: the event names the GPU, its audio function is re-read too", () => {
        const before = base();
        const afterHost = change(change(before, "0000:00:02.0", { driver: "vfio-pci" }), "0000:00:02.1", { driver: "vfio-pci" });
        check(before, afterHost, ["0000:00:02.0"]);
    });

    test("a NIC behind a bridge unbound: its interface goes, its group partner keeps its own", () => {
        const before = base();
        check(before, change(before, "0000:01:00.0", { driver: undefined, net: [] }), ["0000:01:00.0"]);
    });

    test("echo 2 > sriov_numvfs: events name the new VFs (the PF is found through physfn)", () => {
        check(base(), withVfs(2), ["0000:00:04.1", "0000:00:04.2"]);
    });

    test("echo 0 > sriov_numvfs: events name the removed VFs and the PF", () => {
        check(withVfs(2), base().map(f => f.address === PF ? { ...f, autoprobe: false } : f),
              ["0000:00:04.1", "0000:00:04.2", PF]);
    });

    test("a disk appearing below a function", () => {
        const before = base();
        check(before, change(before, "0000:00:05.0", { block: ["vda", "vdb"] }), ["0000:00:05.0"]);
    });
});

describe("the incremental reader", () => {
    const host = makeHost(512);
    const { full, partial } = read(host);

    test("prints the same functions, field by field, as a full read, net and block devices included", () => {
        const sample = full.functions.filter((f, i) => i % 8 === 0 || f.netInterfaces.length > 0 || f.blockDevices.length > 0)
                .slice(0, 80).map(f => f.address);
        assert.ok(full.functions.some(f => sample.includes(f.address) && f.blockDevices.length > 0));
        const got = partial(sample);
        for (const fn of got.functions)
            assert.deepEqual(fn, full.byAddress.get(fn.address));
        for (const a of sample)
            assert.ok(got.byAddress.has(a), `${a} read`);
    });

    test("adds the IOMMU group members and the PF it finds in sysfs", () => {
        const vf = full.functions.find(f => f.physfn !== null)!;
        const shared = full.functions.find(f => f.iommuGroup !== null &&
            full.functions.filter(g => g.iommuGroup === f.iommuGroup).length > 1)!;
        const got = partial([vf.address, shared.address]);
        assert.ok(got.byAddress.has(vf.physfn!), "the VF's PF");
        for (const m of full.functions.filter(g => g.iommuGroup === shared.iommuGroup))
            assert.ok(got.byAddress.has(m.address), `group member ${m.address}`);
    });

    test("ignores what is no PCI address and functions that are gone", () => {
        assert.equal(partial(["../../etc", "0000:ff:1f.7", "$(reboot)", "-name"]).functions.length, 0);
    });
});

describe("unsettledFunctions", () => {
    const vfs = read(withVfs(2)).full;
    const without = (address: string) => mergeSnapshot(vfs, parseSnapshot(""), [at(address)]);

    test("a read PF and VFs that agree are settled", () => {
        assert.deepEqual(unsettledFunctions(vfs, [at(PF), at("0000:00:04.1"), at("0000:00:04.2")]), []);
    });

    test("a VF the PF lists but the snapshot lacks, or that names no PF, is read again", () => {
        assert.deepEqual(unsettledFunctions(without("0000:00:04.2"), [at(PF)]), ["0000:00:04.2"]);
        const orphan = { ...vfs.byAddress.get(at("0000:00:04.1"))!, physfn: null };
        const snap = mergeSnapshot(vfs, { functions: [orphan], byAddress: new Map([[orphan.address, orphan]]), netLinks: null }, []);
        assert.deepEqual(unsettledFunctions(snap, [at(PF)]), ["0000:00:04.1"]);
    });

    test("a VF whose PF does not list it makes both read again", () => {
        const pf = vfs.byAddress.get(at(PF))!;
        const stale = { ...pf, sriov: { ...pf.sriov!, vfs: [at("0000:00:04.1")] } };
        const snap = mergeSnapshot(vfs, { functions: [stale], byAddress: new Map([[stale.address, stale]]), netLinks: null }, []);
        assert.deepEqual(unsettledFunctions(snap, [at("0000:00:04.2")]), [PF, "0000:00:04.2"]);
        assert.deepEqual(unsettledFunctions(snap, [at("0000:00:05.0")]), [], "only functions just read are looked at");
        assert.deepEqual(unsettledFunctions(snap, [at(PF)]).sort(), [PF, "0000:00:04.2"], "2 VFs, 1 virtfn link; 04.2 still names the PF");
    });

    test("a PF read with no VFs while the page still holds one that names it: that VF is read again", () => {
        // echo 0 > sriov_numvfs: the page read 04.2 before its turn came, then the PF once all were gone.
        const pf = vfs.byAddress.get(at(PF))!;
        const none = { ...pf, sriov: { ...pf.sriov!, numVfs: 0, vfs: [] } };
        const snap = mergeSnapshot(vfs, { functions: [none], byAddress: new Map([[none.address, none]]), netLinks: null }, [at("0000:00:04.1")]);
        assert.deepEqual(unsettledFunctions(snap, [at(PF), at("0000:00:04.1")]), ["0000:00:04.2"]);
        const gone = mergeSnapshot(snap, parseSnapshot(""), [at("0000:00:04.2")]);
        assert.deepEqual(unsettledFunctions(gone, [at(PF), at("0000:00:04.2")]), [], "read again and gone: settled");
    });

    test("a function a remove event named that the read still found is read again", () => {
        // The kernel sends "remove" before it deletes the directory.
        const removed = new Set([at("0000:00:04.2")]);
        assert.deepEqual(unsettledFunctions(vfs, [at("0000:00:04.2")], removed), ["0000:00:04.2"]);
        assert.deepEqual(unsettledFunctions(vfs, [at("0000:00:04.1")], removed), [], "only functions just read are looked at");
        assert.deepEqual(unsettledFunctions(without("0000:00:04.2"), [at(PF), at("0000:00:04.2")], removed), ["0000:00:04.2"],
                         "gone, but the PF still lists it: read again until both agree");
    });
});

describe("nicVfCountChanged", () => {
    // The NVMe PF as a network card: same tree, the PF with an interface.
    const asNic = (host: FakeFunction[]) => host.map(f => f.address === PF ? { ...f, classCode: 0x020000, block: [], net: ["enp0s4"] } : f);

    test("VFs made on a PF with an interface: a full read is due; on one without, or unchanged, not", () => {
        const before = read(asNic(base())).full;
        const now = read(asNic(withVfs(2)));
        const requested = addressesToRead(before, [at("0000:00:04.1"), at("0000:00:04.2")]);
        const partial = now.partial(requested);
        const merged = mergeSnapshot(before, partial, requested);
        assert.equal(nicVfCountChanged(before, merged, partial.byAddress.keys()), true);
        assert.equal(nicVfCountChanged(merged, merged, partial.byAddress.keys()), false, "the same count");

        const nvmeBefore = read(base()).full;
        const nvmeNow = read(withVfs(2));
        const nvmeRequested = addressesToRead(nvmeBefore, [at("0000:00:04.1")]);
        const nvmePartial = nvmeNow.partial(nvmeRequested);
        const nvmeMerged = mergeSnapshot(nvmeBefore, nvmePartial, nvmeRequested);
        assert.equal(nicVfCountChanged(nvmeBefore, nvmeMerged, nvmePartial.byAddress.keys()), false,
                     "a PF without an interface has no VF network state");
    });
});
