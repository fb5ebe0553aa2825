// SPDX-License-Identifier: LGPL-2.1-or-later
/* SR-IOV: VF count plans, their run against a model of the kernel's
 * sriov_numvfs rules, the executor's SR-IOV operations on a fake sysfs tree,
 * and the VF count kept after reboot. */

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";

import type { Assignment } from "../../src/model/assignments.ts";
import { PlanError, planReturn } from "../../src/model/bind-plan.ts";
import { parseSriovState } from "../../src/model/executor-ops.ts";
import { explainSriovError } from "../../src/model/kernel-errors.ts";
import { filterRows, inventoryRows, nestVfs, sortRows } from "../../src/model/inventory.ts";
import { parseSnapshot } from "../../src/model/parse-snapshot.ts";
import { parsePciIds } from "../../src/model/pci-ids.ts";
import type { PciAddress } from "../../src/model/pci-address.ts";
import { keptVfEntries, parsePersistence, parseVfPersistence } from "../../src/model/persistence.ts";
import type { Plan } from "../../src/model/plan.ts";
import { renderPlanScript } from "../../src/model/plan-script.ts";
import { runPlan } from "../../src/model/run-plan.ts";
import type { HostSnapshot } from "../../src/model/snapshot.ts";
import { planVfCount, validateVfCount, vfUsers, type VfCountOptions } from "../../src/model/vf-plan.ts";
import { FakeKernel, type KernelState } from "../lib/fake-kernel.ts";
import { writeFakeSysfs, type FakeFunction } from "../lib/fake-sysfs.ts";
import { startExecutor } from "../lib/run-executor.ts";
import { runReader, tempDir } from "../lib/run-reader.ts";

const at = (s: string) => s as PciAddress;
const PF = at("0000:00:04.0");
const READ_PERSISTENCE = fileURLToPath(new URL("../../src/host/read-persistence.sh", import.meta.url));

const base = tempDir("vf-plan-");
after(() => fs.rmSync(base, { recursive: true, force: true }));

/** The test VM's QEMU NVMe (1b36:0010, 4 VFs at most) with `vfs` VFs, and an e1000e. */
function nvmeHost(vfs: number, autoprobe: boolean, pfDriver: string | null = "nvme"): FakeFunction[] {
    const vfAddresses = Array.from({ length: vfs }, (_, i) => `0000:00:04.${i + 1}`);
    return [
        { address: "0000:00:02.0", vendor: 0x8086, device: 0x10d3, classCode: 0x020000, driver: "e1000e", iommuGroup: 1 },
        {
            address: PF, vendor: 0x1b36, device: 0x0010, classCode: 0x010802, driver: pfDriver ?? undefined, iommuGroup: 3,
            sriovTotalVfs: 4, vfs: vfAddresses, autoprobe,
        },
        ...vfAddresses.map((address, i): FakeFunction => ({
            address, vendor: 0x1b36, device: 0x0010, classCode: 0x010802, iommuGroup: 10 + i, physfn: PF,
        })),
    ];
}

let trees = 0;
function roots(functions: FakeFunction[]) {
    const dir = path.join(base, String(trees++));
    const r = { sysfs: path.join(dir, "sys"), dev: path.join(dir, "dev"), etc: path.join(dir, "etc") };
    writeFakeSysfs(r.sysfs, functions, { extraDrivers: ["vfio-pci", "nvme"] });
    fs.mkdirSync(path.join(r.dev, "vfio"), { recursive: true });
    fs.mkdirSync(r.etc, { recursive: true });
    return r;
}

function snapshotOf(functions: FakeFunction[]): HostSnapshot {
    return parseSnapshot(runReader(roots(functions).sysfs));
}

/** The kernel as the snapshot shows it: the NVMe PF on nvme, its VFs taken by no driver (as QEMU's). */
function kernelFor(vfs: number, autoprobe: boolean, extra: Partial<NonNullable<KernelState["devices"][string]["sriov"]>> = {}): FakeKernel {
    const vfAddresses = Array.from({ length: vfs }, (_, i) => `0000:00:04.${i + 1}`);
    const devices: KernelState["devices"] = {
        "0000:00:02.0": { driver: "e1000e", override: null, group: 1, native: "e1000e" },
        [PF]: {
            driver: "nvme", override: null, group: 3, native: "nvme",
            sriov: { total: 4, autoprobe, vfs: [...vfAddresses], supportedBy: ["nvme"], vfNative: "nvme", vfProbeFails: { nvme: "No such device" }, ...extra },
        },
    };
    vfAddresses.forEach((a, i) => {
        devices[a] = { driver: null, override: null, group: 10 + i, native: "nvme", physfn: PF, probeFails: { nvme: "No such device" } };
    });
    return new FakeKernel({ devices, loaded: new Set(["e1000e", "nvme", "vfio-pci"]), persisted: new Set() });
}

const defaults: VfCountOptions = { count: 0, autoprobe: false, prepareNewVfs: false, keepAfterReboot: false };

/** "action | checks | rollback" per step. */
function shape(plan: Plan): string[] {
    const act = (a: Plan["steps"][number]["action"]): string => {
        switch (a.kind) {
        case "set-numvfs": return `numvfs ${a.count}`;
        case "set-autoprobe": return `autoprobe ${a.enabled ? 1 : 0}`;
        case "prepare-vfs": return `prepare-vfs ${a.count}`;
        case "persist-vfs": return `persist-vfs ${a.count} ${a.autoprobe ? 1 : 0}`;
        default: return a.kind;
        }
    };
    return plan.steps.map(s => [act(s.action), s.checks.map(c => c.kind + ("count" in c ? "=" + c.count : "enabled" in c ? "=" + String(c.enabled) : "")).join(","),
        s.rollback.map(act).join("; ")].join(" | "));
}

describe("VF count validation", () => {
    test("accepts 0..total and rejects negative, fractional, non-numeric and too large counts", () => {
        assert.deepEqual(validateVfCount("0", 4), { ok: true, count: 0 });
        assert.deepEqual(validateVfCount(" 4 ", 4), { ok: true, count: 4 });
        assert.deepEqual(validateVfCount(3, 4), { ok: true, count: 3 });
        assert.deepEqual(validateVfCount("5", 4), { ok: false, problem: { kind: "above-total", value: 5, total: 4 } });
        assert.deepEqual(validateVfCount("-1", 4), { ok: false, problem: { kind: "negative", value: -1 } });
        assert.deepEqual(validateVfCount(-2, 4), { ok: false, problem: { kind: "negative", value: -2 } });
        assert.deepEqual(validateVfCount("2.5", 4), { ok: false, problem: { kind: "not-integer", text: "2.5" } });
        assert.deepEqual(validateVfCount(1.5, 4), { ok: false, problem: { kind: "not-integer", text: "1.5" } });
        assert.deepEqual(validateVfCount("1e1", 4), { ok: false, problem: { kind: "not-integer", text: "1e1" } });
        assert.deepEqual(validateVfCount("two", 4), { ok: false, problem: { kind: "not-integer", text: "two" } });
        assert.deepEqual(validateVfCount("", 4), { ok: false, problem: { kind: "empty" } });
    });

    test("a rejected count makes no plan, so nothing is written", async () => {
        const snap = snapshotOf(nvmeHost(2, false));
        for (const count of ["5", "-1", "2.5", "x", 7]) {
            assert.throws(() => planVfCount(snap, PF, { ...defaults, count }), PlanError, String(count));
        }
        assert.throws(() => planVfCount(snap, PF, { ...defaults, count: "5" }), /5 is more than this device supports \(at most 4 VFs\)/);
        assert.throws(() => planVfCount(snap, at("0000:00:02.0"), { ...defaults, count: 1 }), /not an SR-IOV physical function/);
    });

    test("the executor refuses bad counts itself, and the file is unchanged", async () => {
        const r = roots(nvmeHost(2, false));
        const file = path.join(r.sysfs, "bus/pci/devices", PF, "sriov_numvfs");
        const ex = startExecutor(r);
        for (const value of ["-1", "2.5", "abc", "", "123456", "1 2"]) {
            const answer = await ex.send(`write\tdevices/${PF}/sriov_numvfs\t${value}`);
            assert.match(answer, /^rejected\tbad VF count/, value);
        }
        assert.match(await ex.send(`write\tdevices/${PF}/sriov_drivers_autoprobe\t2`), /^rejected\tbad autoprobe value/);
        assert.match(await ex.send("read-sriov\t0000:00:02.0"), /^rejected\t0000:00:02.0 is not an SR-IOV physical function/);
        assert.match(await ex.send(`persist-vfs\t${PF}\t0\t0`), /^rejected\tbad VF count/);
        assert.match(await ex.send(`persist-vfs\t${PF}\t2\tyes`), /^rejected\tbad autoprobe value/);
        assert.match(await ex.send(`persist-vfs\t${PF}\t2`), /^rejected/);
        assert.match(await ex.send("unpersist-vfs\t../../x"), /^rejected\tbad address/);
        await ex.close();
        assert.equal(fs.readFileSync(file, "utf8"), "2\n");
        assert.ok(!fs.existsSync(path.join(r.etc, "udev")), "no rule written");
    });
});

describe("planVfCount", () => {
    test("0 -> 2: autoprobe off before the VFs exist, then the count, each checked", () => {
        const plan = planVfCount(snapshotOf(nvmeHost(0, true)), PF, { ...defaults, count: "2" });
        assert.equal(plan.kind, "vfs");
        assert.deepEqual(shape(plan), [
            "autoprobe 0 | autoprobe=false | autoprobe 1",
            "numvfs 2 | vf-count=2 | numvfs 0",
        ]);
        assert.deepEqual(plan.sriov, { pf: PF, numVfsBefore: 0, autoprobeBefore: true, numVfsAfter: 2 });
        assert.ok(plan.notes.some(n => /without a driver/.test(n)));
    });

    test("2 -> 3 goes through 0; the removal is undone last, after autoprobe", () => {
        const plan = planVfCount(snapshotOf(nvmeHost(2, false)), PF, { ...defaults, count: 3 });
        assert.deepEqual(shape(plan), [
            "numvfs 0 | vf-count=0 | numvfs 2",
            "numvfs 3 | vf-count=3 | numvfs 0",
        ]);
        assert.ok(plan.notes.some(n => /the 2 existing VFs are removed first, then 3 new ones/.test(n)));
    });

    test("the same count changes nothing; 0 only removes", () => {
        assert.deepEqual(planVfCount(snapshotOf(nvmeHost(2, false)), PF, { ...defaults, count: 2 }).steps, []);
        assert.deepEqual(shape(planVfCount(snapshotOf(nvmeHost(2, false)), PF, { ...defaults, count: 0 })),
                         ["numvfs 0 | vf-count=0 | numvfs 2"]);
    });

    test("prepare new VFs: loads vfio-pci first, binds after the creation", () => {
        const plan = planVfCount(snapshotOf(nvmeHost(0, false)), PF, { ...defaults, count: 2, prepareNewVfs: true, loadVfio: true });
        assert.deepEqual(shape(plan), [
            "load-vfio | driver-loaded | ",
            "numvfs 2 | vf-count=2 | numvfs 0",
            "prepare-vfs 2 |  | ",
        ]);
    });

    test("keep after reboot writes the rule, and undoes it on failure; unticking removes a kept rule", () => {
        const snap = snapshotOf(nvmeHost(0, false));
        assert.deepEqual(shape(planVfCount(snap, PF, { ...defaults, count: 2, keepAfterReboot: true })).at(-1),
                         "persist-vfs 2 0 |  | unpersist-vfs");
        assert.deepEqual(
            shape(planVfCount(snap, PF, { ...defaults, count: 2, keepAfterReboot: true, kept: { count: 3, autoprobe: true } })).at(-1),
            "persist-vfs 2 0 |  | persist-vfs 3 1");
        const snap2 = snapshotOf(nvmeHost(2, false));
        assert.deepEqual(shape(planVfCount(snap2, PF, { ...defaults, count: 2, kept: { count: 2, autoprobe: false } })),
                         ["unpersist-vfs |  | persist-vfs 2 0"]);
        assert.deepEqual(
            shape(planVfCount(snap2, PF, { ...defaults, count: 2, keepAfterReboot: true, kept: { count: 2, autoprobe: false } })), []);
    });

    test("a running VM using an existing VF blocks its removal; a shut-off one is named", () => {
        const snap = snapshotOf(nvmeHost(2, false));
        const index = (address: PciAddress): Assignment[] => address === at("0000:00:04.2")
            ? [{ domain: { connection: "qemu", name: "db1" }, state: "running", where: "both" },
                { domain: { connection: "qemu", name: "spare" }, state: "shut off", where: "config" }]
            : [];
        const users = vfUsers(snap, PF, index);
        assert.deepEqual(users, [
            { vf: "0000:00:04.2", vm: "db1", running: true },
            { vf: "0000:00:04.2", vm: "spare", running: false },
        ]);
        assert.throws(() => planVfCount(snap, PF, { ...defaults, count: 3, users }), /running virtual machine uses a VF that would be removed: db1/);
        assert.throws(() => planVfCount(snap, PF, { ...defaults, count: 0, users }), /db1/);
        // Keeping the count does not remove anything.
        assert.deepEqual(planVfCount(snap, PF, { ...defaults, count: 2, users }).steps, []);
        const stopped = users.filter(u => !u.running);
        const plan = planVfCount(snap, PF, { ...defaults, count: 0, users: stopped });
        assert.ok(plan.notes.some(n => /spare/.test(n)));
    });

    test("a VF the host itself uses (the session's NIC) blocks the removal of the VFs", () => {
        const snap = snapshotOf(nvmeHost(2, false));
        const hostUsed = [{ vf: at("0000:00:04.1"), reason: "Carries this Cockpit session (ens1f0v0)" }];
        assert.throws(() => planVfCount(snap, PF, { ...defaults, count: 0, hostUsed }),
                      /host itself uses a VF that would be removed: 0000:00:04\.1 \(Carries this Cockpit session/);
        assert.deepEqual(planVfCount(snap, PF, { ...defaults, count: 2, hostUsed }).steps, [], "keeping the count is fine");
    });

    test("a PF without a driver cannot get VFs", () => {
        assert.throws(() => planVfCount(snapshotOf(nvmeHost(0, false, null)), PF, { ...defaults, count: 1 }), /has no driver/);
    });
});

describe("running VF plans against the kernel model", () => {
    test("the kernel model refuses non-zero to non-zero, as the real one does", async () => {
        const kernel = kernelFor(2, false);
        const reply = await kernel.run({ op: "write", write: { file: "sriov_numvfs", address: PF, count: 3 } });
        assert.deepEqual(reply, { status: "error", message: "tee: Device or resource busy" });
        assert.equal(explainSriovError(reply.status === "error" ? reply.message : "", "nvme").code, "EBUSY");
    });

    test("2 -> 3 through 0 ends with 3 VFs, unbound with autoprobe off", async () => {
        const snap = snapshotOf(nvmeHost(2, false));
        const kernel = kernelFor(2, false);
        const outcome = await runPlan(planVfCount(snap, PF, { ...defaults, count: 3 }), kernel);
        assert.equal(outcome.status, "done", JSON.stringify(outcome));
        assert.deepEqual(kernel.writes, [`devices/${PF}/sriov_numvfs <- 0`, `devices/${PF}/sriov_numvfs <- 3`]);
        assert.deepEqual(outcome.sriov, { pf: PF, numVfs: 3, vfs: ["0000:00:04.1", "0000:00:04.2", "0000:00:04.3"], expected: 2, restored: false });
        for (const vf of outcome.sriov!.vfs)
            assert.equal(kernel.state.devices[vf].driver, null, vf);
    });

    test("autoprobe decides whether the VF driver takes new VFs", async () => {
        const snap = snapshotOf(nvmeHost(0, false));
        const kernel = kernelFor(0, false, { vfProbeFails: {} });
        assert.equal((await runPlan(planVfCount(snap, PF, { ...defaults, count: 2, autoprobe: true }), kernel)).status, "done");
        assert.deepEqual(kernel.writes, [`devices/${PF}/sriov_drivers_autoprobe <- 1`, `devices/${PF}/sriov_numvfs <- 2`]);
        assert.equal(kernel.state.devices["0000:00:04.1"].driver, "nvme");

        const off = kernelFor(0, true, { vfProbeFails: {} });
        const outcome = await runPlan(planVfCount(snapshotOf(nvmeHost(0, true)), PF, { ...defaults, count: 2 }), off);
        assert.equal(outcome.status, "done");
        assert.deepEqual(off.writes, [`devices/${PF}/sriov_drivers_autoprobe <- 0`, `devices/${PF}/sriov_numvfs <- 2`]);
        assert.equal(off.state.devices["0000:00:04.1"].driver, null);
        assert.equal(off.state.devices[PF].sriov!.autoprobe, false);
    });

    test("ENOMEM on the creation rolls back: the old VFs come back, autoprobe too", async () => {
        const snap = snapshotOf(nvmeHost(2, true));
        const kernel = kernelFor(2, true, { enomemFrom: 3 });
        const plan = planVfCount(snap, PF, { ...defaults, count: 3, keepAfterReboot: true });
        const outcome = await runPlan(plan, kernel);
        assert.equal(outcome.status, "failed");
        if (outcome.status !== "failed")
            return;
        assert.equal(plan.steps[outcome.failedStep!].purpose, "create-vfs");
        assert.equal(outcome.failure.kind, "kernel");
        assert.deepEqual(kernel.writes, [
            `devices/${PF}/sriov_numvfs <- 0`,
            `devices/${PF}/sriov_drivers_autoprobe <- 0`,
            `devices/${PF}/sriov_numvfs <- 3`,
            // rollback: creation (nothing there to remove), autoprobe, then the old count
            `devices/${PF}/sriov_drivers_autoprobe <- 1`,
            `devices/${PF}/sriov_numvfs <- 2`,
        ]);
        assert.equal(outcome.sriov?.restored, true);
        assert.equal(outcome.sriov?.numVfs, 2);
        assert.deepEqual(outcome.rollbackProblems, []);
        assert.deepEqual(kernel.state.persisted, new Set(), "no rule was written");
        const explained = explainSriovError(outcome.failure.kind === "kernel" ? outcome.failure.message : "", "nvme");
        assert.equal(explained.code, "ENOMEM");
        assert.match(explained.explanation, /Not enough memory or PCI address space/);
    });

    test("a PF driver without SR-IOV support: ENOENT explained, nothing left changed", async () => {
        const snap = snapshotOf(nvmeHost(0, true));
        const kernel = kernelFor(0, true, { supportedBy: [] });
        const outcome = await runPlan(planVfCount(snap, PF, { ...defaults, count: 1 }), kernel);
        assert.equal(outcome.status, "failed");
        assert.equal(kernel.state.devices[PF].sriov!.autoprobe, true, "autoprobe restored");
        const message = outcome.status === "failed" && outcome.failure.kind === "kernel" ? outcome.failure.message : "";
        assert.match(explainSriovError(message, "nvme").explanation, /nvme, does not support creating VFs/);
        assert.match(explainSriovError("tee: sriov_numvfs: Function not implemented", "igb").explanation, /igb, does not support/);
        assert.match(explainSriovError("tee: sriov_numvfs: Operation not supported", "igb").explanation, /igb, does not support/);
        assert.match(explainSriovError("tee: sriov_numvfs: No such file or directory", null).explanation, /has no driver/);
        assert.match(explainSriovError("tee: sriov_numvfs: Invalid argument", null).explanation, /has no driver/);
    });

    test("prepare new VFs binds each to vfio-pci; a VF vfio-pci refuses removes them all again", async () => {
        const snap = snapshotOf(nvmeHost(0, false));
        const kernel = kernelFor(0, false);
        const outcome = await runPlan(planVfCount(snap, PF, { ...defaults, count: 2, prepareNewVfs: true }), kernel);
        assert.equal(outcome.status, "done", JSON.stringify(outcome));
        assert.deepEqual(outcome.status === "done" && outcome.devices.map(d => [d.address, d.driver]),
                         [[PF, "nvme"], ["0000:00:04.1", "vfio-pci"], ["0000:00:04.2", "vfio-pci"]]);
        assert.equal(kernel.state.devices["0000:00:04.2"].override, "vfio-pci");

        const refusing = kernelFor(0, false, { vfProbeFails: { "vfio-pci": "Invalid argument", nvme: "No such device" } });
        const failed = await runPlan(planVfCount(snap, PF, { ...defaults, count: 2, prepareNewVfs: true }), refusing);
        assert.equal(failed.status, "failed");
        assert.deepEqual(refusing.state.devices[PF].sriov!.vfs, [], "the VFs were removed");
        assert.equal(failed.status === "failed" && failed.sriov?.restored, true);
        assert.equal(refusing.writes.at(-1), `devices/${PF}/sriov_numvfs <- 0`);
    });

    test("refuses to start when the count moved since the snapshot", async () => {
        const snap = snapshotOf(nvmeHost(0, false));
        const kernel = kernelFor(1, false);
        const outcome = await runPlan(planVfCount(snap, PF, { ...defaults, count: 2 }), kernel);
        assert.equal(outcome.status, "failed");
        assert.deepEqual(outcome.status === "failed" && outcome.failure, { kind: "sriov-changed", address: PF, expected: 0, actual: 1 });
        assert.deepEqual(kernel.writes, []);
    });
});

describe("returning a VF that no driver takes", () => {
    test("names the driver whose ID table matches as the one that refused it", async () => {
        const onVfio = nvmeHost(1, false).map(f => f.address === "0000:00:04.1" ? { ...f, driver: "vfio-pci" } : f);
        const plan = planReturn(snapshotOf(onVfio), [at("0000:00:04.1")], new Map());
        const kernel = kernelFor(1, false);
        Object.assign(kernel.state.devices["0000:00:04.1"], { driver: "vfio-pci", override: "vfio-pci" });
        const outcome = await runPlan(plan, kernel);
        assert.equal(outcome.status, "done", JSON.stringify(outcome));
        assert.deepEqual(outcome.status === "done" && outcome.devices,
                         [{ address: "0000:00:04.1", driver: null, refusal: { driver: "nvme", message: "tee: No such device" } }]);
    });

    test("the executor resolves the modalias with modprobe -R to a loaded driver", async () => {
        const r = roots(nvmeHost(1, false));
        const bin = path.join(r.etc, "..", "bin");
        fs.mkdirSync(bin);
        // A modprobe that knows one alias, as depmod's modules.alias would.
        fs.writeFileSync(path.join(bin, "modprobe"), '#!/bin/sh\n[ "$1" = -R ] && case $2 in pci:v00001B36d00000010*) echo nvme ;; *) exit 1 ;; esac\n', { mode: 0o755 });
        const ex = startExecutor({ ...r, binDir: bin });
        assert.deepEqual(await ex.run({ op: "match-driver", address: at("0000:00:04.1") }), { status: "ok", value: "nvme" });
        assert.deepEqual(await ex.run({ op: "match-driver", address: at("0000:00:02.0") }), { status: "ok", value: "" });
        await ex.close();
    });
});

describe("executor SR-IOV operations on a fake tree", () => {
    test("read-sriov lists the virtfn links in index order (virtfn10 after virtfn9)", async () => {
        const vfs = Array.from({ length: 11 }, (_, i) => `0000:01:${(Math.floor((i + 1) / 8)).toString(16).padStart(2, "0")}.${(i + 1) % 8}`);
        const fns: FakeFunction[] = [
            { address: "0000:01:00.0", vendor: 0x8086, device: 0x1521, classCode: 0x020000, driver: "igb", sriovTotalVfs: 16, vfs, autoprobe: false },
            ...vfs.map(address => ({ address, vendor: 0x8086, device: 0x1520, classCode: 0x020000, physfn: "0000:01:00.0" })),
        ];
        const ex = startExecutor(roots(fns));
        const reply = await ex.run({ op: "read-sriov", address: at("0000:01:00.0") });
        await ex.close();
        assert.equal(reply.status, "ok");
        assert.deepEqual(parseSriovState(reply.status === "ok" ? reply.value : ""), { numVfs: 11, autoprobe: false, vfs });
    });

    test("persist-vfs writes a rule keyed on address, IDs and the PF driver, which the Kept list reads back", async () => {
        const r = roots(nvmeHost(2, false));
        const ex = startExecutor(r);
        assert.deepEqual(await ex.run({ op: "persist-vfs", address: PF, count: 2, autoprobe: false }),
                         { status: "ok", value: path.join(r.etc, `udev/rules.d/70-cockpit-passthrough-vfs-${PF}.rules`) });
        const file = path.join(r.etc, `udev/rules.d/70-cockpit-passthrough-vfs-${PF}.rules`);
        const rule = fs.readFileSync(file, "utf8").split("\n").filter(l => l && !l.startsWith("#"));
        assert.deepEqual(rule, [
            'ACTION=="add|bind", SUBSYSTEM=="pci", KERNEL=="0000:00:04.0", DRIVER=="nvme", ATTR{vendor}=="0x1b36", ATTR{device}=="0x0010", ' +
            'ATTR{sriov_drivers_autoprobe}="0", ATTR{sriov_numvfs}="2"',
        ]);

        const output = execFileSync("/bin/sh", ["-c", fs.readFileSync(READ_PERSISTENCE, "utf8"), "--", r.etc], { encoding: "utf8" });
        assert.deepEqual(parsePersistence(output), [], "not a device binding");
        const kept = parseVfPersistence(output);
        assert.deepEqual(kept, [{ address: PF, vendorId: 0x1b36, deviceId: 0x0010, driver: "nvme", count: 2, autoprobe: false, file }]);

        // Same hardware; then another device at the address is flagged; then gone.
        const snap = snapshotOf(nvmeHost(2, false));
        assert.deepEqual(keptVfEntries(kept, snap).map(e => e.status), [{ kind: "matches", numVfs: 2, onDriver: "nvme" }]);
        const other = nvmeHost(0, false).map(f => f.address === PF ? { ...f, vendor: 0x8086, device: 0x0953 } : f);
        assert.deepEqual(keptVfEntries(kept, snapshotOf(other)).map(e => e.status),
                         [{ kind: "hardware-changed", nowVendorId: 0x8086, nowDeviceId: 0x0953 }]);
        assert.deepEqual(keptVfEntries(kept, snapshotOf(nvmeHost(0, false).filter(f => f.address !== PF))).map(e => e.status),
                         [{ kind: "absent" }]);

        assert.deepEqual(await ex.run({ op: "unpersist-vfs", address: PF }), { status: "ok", value: "" });
        assert.ok(!fs.existsSync(file));
        await ex.close();
    });

    test("persist-vfs refuses a PF with no driver (the rule could never fire)", async () => {
        const ex = startExecutor(roots(nvmeHost(0, false, null)));
        const reply = await ex.run({ op: "persist-vfs", address: PF, count: 1, autoprobe: false });
        await ex.close();
        assert.equal(reply.status, "error");
    });

    test("a hand-edited or foreign rule is not listed", () => {
        const rec = (file: string, line: string) => `F\t${file}\nL\t# a comment\nL\t${line}\n`;
        const f = (a: string) => `/etc/udev/rules.d/70-cockpit-passthrough-vfs-${a}.rules`;
        const ok = 'ACTION=="add|bind", SUBSYSTEM=="pci", KERNEL=="0000:00:04.0", DRIVER=="nvme", ATTR{vendor}=="0x1b36", ATTR{device}=="0x0010", ATTR{sriov_drivers_autoprobe}="1", ATTR{sriov_numvfs}="3"';
        assert.deepEqual(parseVfPersistence(rec(f(PF), ok)).map(k => [k.count, k.autoprobe]), [[3, true]]);
        assert.deepEqual(parseVfPersistence(rec(f("0000:00:05.0"), ok)), [], "file name and rule disagree");
        assert.deepEqual(parseVfPersistence(rec(f(PF), ok.replace(/, ATTR\{sriov_numvfs\}="3"/, ""))), []);
    });
});

describe("VF plan scripts", () => {
    test("are valid sh, through 0, with the checks; prepare reads the VFs from virtfn links", () => {
        const snap = snapshotOf(nvmeHost(2, true));
        const plan = planVfCount(snap, PF, { ...defaults, count: 3, prepareNewVfs: true, keepAfterReboot: true });
        const script = renderPlanScript(plan);
        assert.equal(spawnSync("/bin/sh", ["-n", "-c", script]).status, 0);
        const writes = script.split("\n").filter(l => /^echo [0-9] > /.test(l));
        assert.deepEqual(writes, [
            `echo 0 > "$pci/devices/"'${PF}'/sriov_numvfs`,
            `echo 0 > "$pci/devices/"'${PF}'/sriov_drivers_autoprobe`,
            `echo 3 > "$pci/devices/"'${PF}'/sriov_numvfs`,
        ]);
        assert.match(script, /for vf in \$\(vfs_of '0000:00:04.0'\); do/);
        assert.match(script, /vfs_of '0000:00:04.0' \| wc -l\)" -eq 3 \] \|\| fail/);
        assert.match(script, /persist_vfs '0000:00:04.0' 3 0/);
        assert.match(script, /the same steps as the Apply button/);
    });

    test("write the same VF rule as the executor", async () => {
        const byScript = roots(nvmeHost(2, false));
        const byExecutor = roots(nvmeHost(2, false));
        const plan = planVfCount(parseSnapshot(runReader(byScript.sysfs)), PF, { ...defaults, count: 2, keepAfterReboot: true });
        assert.deepEqual(plan.steps.map(s => s.action.kind), ["persist-vfs"]);
        const result = spawnSync("/bin/sh", ["-c", renderPlanScript(plan, undefined, byScript)], { encoding: "utf8" });
        assert.equal(result.status, 0, result.stderr);
        const ex = startExecutor(byExecutor);
        assert.equal((await ex.run({ op: "persist-vfs", address: PF, count: 2, autoprobe: false })).status, "ok");
        assert.equal((await ex.run({ op: "commit" })).status, "ok");
        await ex.close();
        const name = `udev/rules.d/70-cockpit-passthrough-vfs-${PF}.rules`;
        assert.equal(fs.readFileSync(path.join(byScript.etc, name), "utf8"), fs.readFileSync(path.join(byExecutor.etc, name), "utf8"));
    });
});

describe("VF rows nested under their PF", () => {
    const rows = inventoryRows(snapshotOf(nvmeHost(3, false)), parsePciIds(""));
    const view = (d: ReturnType<typeof nestVfs>) => d.map(r => `${r.nested ? "  " : ""}${r.row.address}${r.vfCount ? ` (${r.vfCount})` : ""}`);

    test("closed PFs hide their VFs; open ones show them in address order, whatever the sort", () => {
        assert.deepEqual(view(nestVfs(rows, new Set(), false)), ["0000:00:02.0", "0000:00:04.0 (3)"]);
        const desc = sortRows(rows, "address", "desc");
        assert.deepEqual(view(nestVfs(desc, new Set([PF]), false)),
                         ["0000:00:04.0 (3)", "  0000:00:04.1", "  0000:00:04.2", "  0000:00:04.3", "0000:00:02.0"]);
    });

    test("a filter shows matching VFs under a closed PF, and a VF whose PF does not match on its own", () => {
        const vfOnly = filterRows(rows, "0000:00:04.2", "all");
        assert.deepEqual(view(nestVfs(vfOnly, new Set(), true)), ["0000:00:04.2"]);
        const storage = filterRows(rows, "", "storage");
        assert.deepEqual(view(nestVfs(storage, new Set(), true)),
                         ["0000:00:04.0 (3)", "  0000:00:04.1", "  0000:00:04.2", "  0000:00:04.3"]);
    });
});
