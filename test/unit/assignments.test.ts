// SPDX-License-Identifier: LGPL-2.1-or-later
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
    assignCapabilities, groupEndpoints, indexAssignments, type DomainInfo,
} from "../../src/model/assignments.ts";
import { explainLibvirtError } from "../../src/model/libvirt-errors.ts";
import type { PciAddress } from "../../src/model/pci-address.ts";
import { makeSnapshot, type PciFunction } from "../../src/model/snapshot.ts";

const at = (s: string) => s as PciAddress;

function fn(address: string, group: number | null, driver: string | null, classCode = 0x020000): PciFunction {
    return {
        address: at(address), vendorId: 0x8086, deviceId: 0x10d3, subsystemVendorId: null, subsystemDeviceId: null,
        classCode, revision: null, driver, driverOverride: null, iommuGroup: group, numaNode: null, sriov: null,
        physfn: null, netInterfaces: [], blockDevices: [], reset: { available: true, methods: ["flr"] }, bootVga: false,
    };
}

// group 7: a GPU (03:00.0) with its audio function (03:00.1) behind a bridge (02:00.0); group 9: one NIC.
const snapshot = makeSnapshot([
    fn("0000:02:00.0", 7, "pcieport", 0x060400),
    fn("0000:03:00.0", 7, "vfio-pci", 0x030000),
    fn("0000:03:00.1", 7, "snd_hda_intel", 0x040300),
    fn("0000:00:02.0", 9, "e1000e"),
    fn("0000:00:03.0", null, "e1000e"),
]);

function domain(name: string, d: Partial<DomainInfo>): DomainInfo {
    return { connection: "qemu", name, state: "shut off", persistent: true, liveHostdevs: [], inactiveHostdevs: [], ...d };
}

describe("assignments", () => {
    test("a device row says which VM has it and whether that VM runs", () => {
        const index = indexAssignments([
            domain("web", { state: "running", liveHostdevs: [at("0000:00:02.0")], inactiveHostdevs: [at("0000:00:02.0")] }),
            domain("idle", { inactiveHostdevs: [at("0000:00:03.0")], liveHostdevs: [at("0000:00:03.0")] }),
        ], snapshot);
        assert.deepEqual(index.assignments(at("0000:00:02.0")), [{ domain: { connection: "qemu", name: "web" }, state: "running", where: "both" }]);
        // the live XML of a shut-off domain does not count: it holds nothing
        assert.deepEqual(index.assignments(at("0000:00:03.0")), [{ domain: { connection: "qemu", name: "idle" }, state: "shut off", where: "config" }]);
        assert.deepEqual(index.assignments(at("0000:03:00.0")), []);
        assert.deepEqual(index.conflicts(at("0000:00:02.0")), []);
    });

    test("hot-plugged only, or transient: live; from next boot only: config", () => {
        const index = indexAssignments([
            domain("hot", { state: "running", liveHostdevs: [at("0000:00:02.0")] }),
            domain("transient", { state: "running", persistent: false, liveHostdevs: [at("0000:00:03.0")], inactiveHostdevs: [at("0000:00:03.0")] }),
        ], snapshot);
        assert.equal(index.assignments(at("0000:00:02.0"))[0].where, "live");
        assert.equal(index.assignments(at("0000:00:03.0"))[0].where, "live");
    });

    test("a device in two VMs is flagged on both", () => {
        const index = indexAssignments([
            domain("a", { inactiveHostdevs: [at("0000:00:02.0")] }),
            domain("b", { connection: "stratovirt", inactiveHostdevs: [at("0000:00:02.0")] }),
        ], snapshot);
        const conflicts = index.conflicts(at("0000:00:02.0"));
        assert.equal(conflicts.length, 1);
        assert.deepEqual(conflicts[0], { kind: "multiple-vms", domains: [{ connection: "qemu", name: "a" }, { connection: "stratovirt", name: "b" }] });
        assert.equal(index.assignments(at("0000:00:02.0")).length, 2);
    });

    test("an IOMMU group split across VMs is flagged on each assigned member; the bridge is exempt", () => {
        const index = indexAssignments([
            domain("gpu", { inactiveHostdevs: [at("0000:03:00.0")] }),
            domain("audio", { inactiveHostdevs: [at("0000:03:00.1")] }),
        ], snapshot);
        for (const a of ["0000:03:00.0", "0000:03:00.1"]) {
            const c = index.conflicts(at(a));
            assert.equal(c.length, 1, a);
            assert.equal(c[0].kind, "group-split");
            assert.equal(c[0].kind === "group-split" && c[0].group, 7);
        }
        assert.deepEqual(index.conflicts(at("0000:02:00.0")), []);
        // the same group in one VM is fine
        const whole = indexAssignments([domain("gpu", { inactiveHostdevs: [at("0000:03:00.0"), at("0000:03:00.1")] })], snapshot);
        assert.deepEqual(whole.conflicts(at("0000:03:00.0")), []);
    });

    test("a running VM with part of a group while the rest is on a host driver", () => {
        const index = indexAssignments([domain("gpu", { state: "running", liveHostdevs: [at("0000:03:00.0")] })], snapshot);
        assert.deepEqual(index.conflicts(at("0000:03:00.0")), [{ kind: "group-incomplete", group: 7, others: ["0000:03:00.1"] }]);
        // without the snapshot, group checks are skipped rather than guessed
        assert.deepEqual(indexAssignments([domain("gpu", { state: "running", liveHostdevs: [at("0000:03:00.0")] })], null).conflicts(at("0000:03:00.0")), []);
    });

    test("canReturnToHost is false only while a running VM holds the device", () => {
        const index = indexAssignments([
            domain("run", { state: "running", liveHostdevs: [at("0000:00:02.0")] }),
            domain("next-boot", { state: "running", inactiveHostdevs: [at("0000:00:03.0")] }),
            domain("off", { inactiveHostdevs: [at("0000:03:00.0")] }),
        ], snapshot);
        assert.equal(index.canReturnToHost(at("0000:00:02.0")), false);
        assert.equal(index.canReturnToHost(at("0000:00:03.0")), true);
        assert.equal(index.canReturnToHost(at("0000:03:00.0")), true);
        assert.equal(index.canReturnToHost(at("0000:03:00.1")), true);
    });

    test("group endpoints leave bridges out; no group means the device alone", () => {
        assert.deepEqual(groupEndpoints(snapshot, at("0000:03:00.1")), ["0000:03:00.0", "0000:03:00.1"]);
        assert.deepEqual(groupEndpoints(snapshot, at("0000:00:03.0")), ["0000:00:03.0"]);
    });
});

describe("StratoVirt limits", () => {
    test("no live attach: a running StratoVirt VM only gets devices from next boot", () => {
        assert.deepEqual(assignCapabilities({ connection: "stratovirt", state: "running", persistent: true }), { config: true, live: false });
        assert.deepEqual(assignCapabilities({ connection: "stratovirt", state: "running", persistent: false }), { config: false, live: false });
        assert.deepEqual(assignCapabilities({ connection: "qemu", state: "running", persistent: true }), { config: true, live: true });
        assert.deepEqual(assignCapabilities({ connection: "qemu", state: "running", persistent: false }), { config: false, live: true });
        assert.deepEqual(assignCapabilities({ connection: "qemu", state: "shut off", persistent: true }), { config: true, live: false });
    });
});

describe("libvirt errors in words", () => {
    test("known messages", () => {
        const cases: [unknown, string, RegExp][] = [
            [{ name: "org.libvirt.Error", message: "internal error: No more available PCI slots" }, "no-pci-slots", /root port/],
            [{ name: "org.libvirt.Error", message: "Requested operation is not valid: PCI device 0000:00:02.0 is in use by driver QEMU, domain web" }, "in-use", /: web\./],
            [{ message: "internal error: qemu unexpectedly closed the monitor: vfio 0000:03:00.0: group 7 is not viable" }, "group-not-viable", /group 7/],
            [{ name: "org.freedesktop.DBus.Error.AccessDenied", message: "Rejected send message" }, "access-denied", /may not use libvirt/],
            [{ name: "org.freedesktop.DBus.Error.ServiceUnknown", message: "The name org.libvirt was not provided by any .service files" }, "dbus-missing", /libvirt-dbus/],
            [{ problem: null, exit_status: 1, message: "error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory" }, "daemon-unreachable", /not running/],
            [{ message: "error: this function is not supported by the connection driver: virDomainAttachDeviceFlags" }, "no-live-attach", /running VM/],
            [new Error("something else"), "unknown", /libvirt reported/],
        ];
        for (const [error, kind, summary] of cases) {
            const e = explainLibvirtError(error);
            assert.equal(e.kind, kind, JSON.stringify(error));
            assert.match(e.summary, summary);
        }
        assert.match(explainLibvirtError({ message: "No more available PCI slots" }).remedy, /next boot/);
        assert.equal(explainLibvirtError({ message: " boom \n" }).detail, "boom");
    });

    test("the caller's gettext is used", () => {
        const e = explainLibvirtError({ name: "org.freedesktop.DBus.Error.AccessDenied", message: "x" }, s => `T(${s})`);
        assert.match(e.summary, /^T\(/);
        assert.match(e.remedy, /^T\(/);
    });
});
