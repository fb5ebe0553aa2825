// SPDX-License-Identifier: LGPL-2.1-or-later
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, describe, test } from "node:test";

import { groupBlockers, groupMembers, planPrepare, planReturn, PlanError } from "../../src/model/bind-plan.ts";
import { explainKernelError } from "../../src/model/kernel-errors.ts";
import { parseSnapshot } from "../../src/model/parse-snapshot.ts";
import type { PciAddress } from "../../src/model/pci-address.ts";
import type { DriverName, Plan } from "../../src/model/plan.ts";
import { runPlan } from "../../src/model/run-plan.ts";
import type { HostSnapshot } from "../../src/model/snapshot.ts";
import { kunpengFunctions } from "../fixtures/kunpeng.ts";
import { smallHost } from "../fixtures/small-host.ts";
import { FakeKernel, type KernelState } from "../lib/fake-kernel.ts";
import { writeFakeSysfs, type FakeFunction } from "../lib/fake-sysfs.ts";
import { runReader, tempDir } from "../lib/run-reader.ts";

const at = (s: string) => s as PciAddress;
const drv = (s: string) => s as DriverName;

const roots: string[] = [];
after(() => roots.forEach(r => fs.rmSync(r, { recursive: true, force: true })));

function snapshotOf(functions: FakeFunction[]): HostSnapshot {
    const root = tempDir("plan-sysfs-");
    roots.push(root);
    writeFakeSysfs(root, functions);
    return parseSnapshot(runReader(root));
}

const kunpeng = snapshotOf(kunpengFunctions);
const small = snapshotOf(smallHost);
const prepareOpts = { loadVfio: true, keepAfterReboot: false, driverctlAvailable: false };

/** A compact view of a plan: "action address" per step, with checks and rollbacks. */
function shape(plan: Plan): string[] {
    const act = (a: Plan["steps"][number]["action"]) =>
        [a.kind, "address" in a ? a.address : "", "driver" in a ? String(a.driver) : "", "from" in a ? a.from : "",
            "to" in a ? a.to : "", "method" in a ? a.method : ""].filter(Boolean).join(" ");
    return plan.steps.map(s => `${act(s.action)} | ${s.checks.map(c => c.kind + ("driver" in c ? "=" + String(c.driver) : "value" in c ? "=" + String(c.value) : "")).join(",")} | ${s.rollback.map(act).join("; ")}`);
}

describe("planPrepare", () => {
    test("follows the kernel's safe order for a bound device (Kunpeng hinic PF)", () => {
        const plan = planPrepare(kunpeng, [at("0000:03:00.0")], prepareOpts);
        assert.equal(plan.kind, "prepare");
        assert.deepEqual(shape(plan), [
            "load-vfio | driver-loaded=vfio-pci | ",
            "set-override 0000:03:00.0 vfio-pci | override=vfio-pci | set-override 0000:03:00.0 null; probe 0000:03:00.0",
            "unbind 0000:03:00.0 hinic | driver=null | ",
            "probe 0000:03:00.0 | driver=vfio-pci,vfio-device | unbind 0000:03:00.0 vfio-pci",
        ]);
        assert.deepEqual(plan.devices.map(d => [d.address, d.driverBefore, d.overrideBefore, d.iommuGroup]),
                         [["0000:03:00.0", "hinic", null, 4]]);
        assert.match(plan.notes[0], /new_id/);
        assert.match(plan.notes[0], /every identical device and every virtual function/);
    });

    test("skips modprobe when vfio-pci is loaded, and unbind when the device has no driver", () => {
        const plan = planPrepare(small, [at("0000:00:05.0")], { ...prepareOpts, loadVfio: false });
        assert.deepEqual(shape(plan), [
            "set-override 0000:00:05.0 vfio-pci | override=vfio-pci | set-override 0000:00:05.0 null",
            "probe 0000:00:05.0 | driver=vfio-pci,vfio-device | unbind 0000:00:05.0 vfio-pci",
        ]);
    });

    test("keeps after reboot with driverctl when installed, else a udev rule; each undone on failure", () => {
        const withDriverctl = planPrepare(small, [at("0000:00:02.0")], { ...prepareOpts, keepAfterReboot: true, driverctlAvailable: true });
        assert.equal(shape(withDriverctl).at(-1), "persist 0000:00:02.0 driverctl |  | unpersist 0000:00:02.0 driverctl");
        const withUdev = planPrepare(small, [at("0000:00:02.0")], { ...prepareOpts, keepAfterReboot: true });
        assert.equal(shape(withUdev).at(-1), "persist 0000:00:02.0 udev |  | unpersist 0000:00:02.0 udev");
        assert.ok(withUdev.notes.some(n => /same vendor and device ID/.test(n)));
    });

    test("keeps only the devices the plan moves, and leaves an entry kept before alone", () => {
        // The GPU's audio function is already on vfio-pci (a VM may hold it): not persisted again.
        const snap = snapshotOf(smallHost.map(f => f.address === "0000:01:00.1" ? { ...f, driver: "vfio-pci" } : f));
        const plan = planPrepare(snap, [at("0000:01:00.0"), at("0000:01:00.1")], { ...prepareOpts, keepAfterReboot: true, driverctlAvailable: true });
        assert.deepEqual(plan.steps.filter(s => s.action.kind === "persist").map(s => "address" in s.action && s.action.address), ["0000:01:00.0"]);
        const kept = planPrepare(small, [at("0000:00:02.0")], { ...prepareOpts, keepAfterReboot: true, alreadyKept: [at("0000:00:02.0")] });
        assert.deepEqual(kept.steps.filter(s => s.action.kind === "persist" || s.rollback.some(r => r.kind === "unpersist")), []);
        assert.ok(kept.notes.some(n => /already kept/.test(n)));
    });

    test("prepares a group in address order and refuses what it must not touch", () => {
        const plan = planPrepare(small, [at("0000:01:00.1"), at("0000:01:00.0")], prepareOpts);
        assert.deepEqual(plan.devices.map(d => d.address), ["0000:01:00.0", "0000:01:00.1"]);
        assert.equal(plan.steps.filter(s => s.action.kind === "probe").length, 2);
        assert.throws(() => planPrepare(small, [at("0000:00:1c.0")], prepareOpts), PlanError);
        assert.throws(() => planPrepare(small, [at("0000:00:1f.0")], prepareOpts), PlanError);
        assert.throws(() => planPrepare(small, [], prepareOpts), PlanError);
    });

    test("descriptions come from the caller's gettext", () => {
        const plan = planPrepare(small, [at("0000:00:02.0")], { ...prepareOpts, gettext: s => `«${s}»` });
        assert.equal(plan.steps[0].description, "«Load the vfio-pci kernel module»");
        assert.equal(plan.steps[2].description, "«Detach 0000:00:02.0 from e1000e»");
    });
});

describe("groupMembers", () => {
    test("lists the other endpoints of the group, bridges exempt", () => {
        assert.deepEqual(groupMembers(small, at("0000:01:00.0")).map(f => f.address), ["0000:01:00.1"]);
        assert.deepEqual(groupMembers(small, at("0000:00:02.0")), []);
        // Kunpeng: each NIC shares its group with its root port only.
        assert.deepEqual(groupMembers(kunpeng, at("0000:03:00.0")), []);
    });

    test("names the members that make the group not viable", () => {
        assert.deepEqual(groupBlockers(small, [at("0000:01:00.0")]).map(f => [f.address, f.driver]), [["0000:01:00.1", "snd_hda_intel"]]);
        assert.deepEqual(groupBlockers(small, [at("0000:01:00.0"), at("0000:01:00.1")]), []);
    });
});

function kernelFor(overrides: Partial<KernelState> = {}, devices: KernelState["devices"] = {}): FakeKernel {
    return new FakeKernel({
        loaded: new Set(["e1000e", "nvme", "nouveau", "snd_hda_intel", "pcieport"]),
        persisted: new Set(),
        devices: {
            "0000:00:02.0": { driver: "e1000e", override: null, group: 5, native: "e1000e" },
            "0000:00:03.0": { driver: "e1000e", override: null, group: 6, native: "e1000e" },
            "0000:01:00.0": { driver: "nouveau", override: null, group: 9, native: "nouveau" },
            "0000:01:00.1": { driver: "snd_hda_intel", override: null, group: 9, native: "snd_hda_intel" },
            ...devices,
        },
        ...overrides,
    });
}

describe("runPlan prepare (kernel model)", () => {
    test("binds to vfio-pci and checks /dev/vfio", async () => {
        const kernel = kernelFor();
        const outcome = await runPlan(planPrepare(small, [at("0000:00:02.0")], prepareOpts), kernel);
        assert.deepEqual(outcome, { status: "done", devices: [{ address: "0000:00:02.0", driver: "vfio-pci", refusal: null }] });
        assert.deepEqual(kernel.writes, [
            "devices/0000:00:02.0/driver_override <- vfio-pci",
            "drivers/e1000e/unbind <- 0000:00:02.0",
            "drivers_probe <- 0000:00:02.0",
        ]);
        assert.ok(kernel.log.includes("vfio-dev\t5"));
    });

    test("a failing modprobe stops before any write", async () => {
        const kernel = kernelFor({ modprobeFails: "modprobe: ERROR: Error running install command '/bin/false' for module vfio_pci: retcode 1" });
        const outcome = await runPlan(planPrepare(small, [at("0000:00:02.0")], prepareOpts), kernel);
        assert.equal(outcome.status, "failed");
        assert.ok(outcome.status === "failed" && outcome.failedStep === 0 && outcome.failure.kind === "kernel");
        assert.equal(explainKernelError(outcome.status === "failed" && outcome.failure.kind === "kernel" ? outcome.failure.message : "").code, "MODULE_REFUSED");
        assert.deepEqual(kernel.writes, []);
        assert.equal(kernel.state.devices["0000:00:02.0"].driver, "e1000e");
    });

    test("vfio-pci refusing the device rolls back to the old driver with the override cleared", async () => {
        const kernel = kernelFor({}, {
            "0000:00:02.0": { driver: "e1000e", override: null, group: 5, native: "e1000e", probeFails: { "vfio-pci": "Invalid argument" } },
        });
        const outcome = await runPlan(planPrepare(small, [at("0000:00:02.0")], prepareOpts), kernel);
        assert.equal(outcome.status, "failed");
        if (outcome.status !== "failed")
            return;
        assert.deepEqual(outcome.failure, { kind: "check", check: { kind: "driver", address: "0000:00:02.0", driver: "vfio-pci" }, actual: "" });
        assert.equal(outcome.failedStep, 3);
        assert.deepEqual(outcome.devices, [{ address: "0000:00:02.0", expected: "e1000e", driver: "e1000e", restored: true }]);
        assert.deepEqual(outcome.rollbackProblems, []);
        assert.deepEqual(kernel.state.devices["0000:00:02.0"], { driver: "e1000e", override: null, group: 5, native: "e1000e", probeFails: { "vfio-pci": "Invalid argument" } });
    });

    test("EBUSY on the second device of a group returns the first one too", async () => {
        const kernel = kernelFor({}, {
            "0000:01:00.1": { driver: "snd_hda_intel", override: null, group: 9, native: "snd_hda_intel", unbindFails: "Device or resource busy" },
        });
        const outcome = await runPlan(planPrepare(small, [at("0000:01:00.0"), at("0000:01:00.1")], prepareOpts), kernel);
        assert.equal(outcome.status, "failed");
        if (outcome.status !== "failed")
            return;
        assert.equal(outcome.failure.kind, "kernel");
        assert.equal(explainKernelError(outcome.failure.kind === "kernel" ? outcome.failure.message : "").code, "EBUSY");
        assert.deepEqual(outcome.devices.map(d => [d.address, d.driver, d.restored]),
                         [["0000:01:00.0", "nouveau", true], ["0000:01:00.1", "snd_hda_intel", true]]);
        assert.equal(kernel.state.devices["0000:01:00.0"].override, null);
        assert.equal(kernel.state.devices["0000:01:00.1"].override, null);
    });

    test("a failed persistence undoes the binding", async () => {
        const kernel = kernelFor({ persistFails: "cannot write /etc/udev/rules.d/x" });
        const outcome = await runPlan(planPrepare(small, [at("0000:00:02.0")], { ...prepareOpts, keepAfterReboot: true }), kernel);
        assert.equal(outcome.status, "failed");
        assert.equal(kernel.state.devices["0000:00:02.0"].driver, "e1000e");
        assert.deepEqual([...kernel.state.persisted], []);
    });

    test("refuses a plan whose device moved since the snapshot, before any write", async () => {
        const kernel = kernelFor({}, { "0000:00:02.0": { driver: null, override: null, group: 5, native: "e1000e" } });
        const outcome = await runPlan(planPrepare(small, [at("0000:00:02.0")], prepareOpts), kernel);
        assert.deepEqual(outcome.status === "failed" && outcome.failure, { kind: "changed", address: "0000:00:02.0", expected: "e1000e", actual: "" });
        assert.deepEqual(kernel.writes, []);
    });
});

describe("planReturn and runPlan return (kernel model)", () => {
    const onVfio = snapshotOf(smallHost.map(f => ["0000:00:02.0", "0000:00:04.0"].includes(f.address) ? { ...f, driver: "vfio-pci" } : f));
    const remembered = new Map([[at("0000:00:02.0"), drv("e1000e")], [at("0000:00:04.0"), drv("nvme")]]);

    test("unbinds from vfio-pci, clears the override, probes, and says which driver took it", async () => {
        const plan = planReturn(onVfio, [at("0000:00:02.0")], remembered, [{ address: at("0000:00:02.0"), method: "udev" }]);
        assert.deepEqual(shape(plan), [
            "unbind 0000:00:02.0 vfio-pci | driver=null | bind 0000:00:02.0 vfio-pci",
            "set-override 0000:00:02.0 null | override=null | set-override 0000:00:02.0 null",
            "probe 0000:00:02.0 | left-vfio | unbind-any 0000:00:02.0",
            "unpersist 0000:00:02.0 udev |  | persist 0000:00:02.0 udev",
        ]);
        assert.match(plan.notes.join(" "), /was on e1000e before/);
        const kernel = kernelFor({ persisted: new Set(["udev 0000:00:02.0"]) },
                                 { "0000:00:02.0": { driver: "vfio-pci", override: "vfio-pci", group: 5, native: "e1000e" } });
        kernel.state.loaded.add("vfio-pci");
        const outcome = await runPlan(plan, kernel);
        assert.deepEqual(outcome, { status: "done", devices: [{ address: "0000:00:02.0", driver: "e1000e", refusal: null }] });
        assert.deepEqual(kernel.writes, [
            "drivers/vfio-pci/unbind <- 0000:00:02.0",
            "devices/0000:00:02.0/driver_override <- ",
            "drivers_probe <- 0000:00:02.0",
        ]);
        assert.deepEqual([...kernel.state.persisted], []);
    });

    test("a device no driver accepts is returned without driver, with the refusal", async () => {
        const kernel = kernelFor({}, {
            "0000:00:04.0": { driver: "vfio-pci", override: "vfio-pci", group: 7, native: "nvme", probeFails: { nvme: "Invalid argument" } },
        });
        kernel.state.loaded.add("vfio-pci");
        const outcome = await runPlan(planReturn(onVfio, [at("0000:00:04.0")], remembered), kernel);
        assert.deepEqual(outcome, {
            status: "done",
            devices: [{ address: "0000:00:04.0", driver: null, refusal: { driver: "nvme", message: "tee: Invalid argument" } }],
        });
        assert.equal(explainKernelError("tee: Invalid argument").code, "EINVAL");
    });

    test("a failure puts the device back on vfio-pci", async () => {
        const kernel = kernelFor({ writeFails: { path: "driver_override", message: "Cannot allocate memory" } },
                                 { "0000:00:02.0": { driver: "vfio-pci", override: "vfio-pci", group: 5, native: "e1000e" } });
        kernel.state.loaded.add("vfio-pci");
        const outcome = await runPlan(planReturn(onVfio, [at("0000:00:02.0")], remembered), kernel);
        assert.equal(outcome.status, "failed");
        assert.deepEqual(outcome.status === "failed" && outcome.devices,
                         [{ address: "0000:00:02.0", expected: "vfio-pci", driver: "vfio-pci", restored: true }]);
    });

    test("refuses devices that are not on vfio-pci", () => {
        assert.throws(() => planReturn(small, [at("0000:00:02.0")], remembered), PlanError);
    });
});
