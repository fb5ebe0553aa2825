// SPDX-License-Identifier: LGPL-2.1-or-later
/* "VF settings" (issue 14): the plan (one read-back step per changed
 * setting, refusals before any write), its run through the real executor
 * against a fake `ip` that refuses what the emulated igb refuses, and its
 * automation script, run by sh with the same fake, having the same effect. */

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";

import { PlanError } from "../../src/model/bind-plan.ts";
import { parseSnapshot } from "../../src/model/parse-snapshot.ts";
import type { PciAddress } from "../../src/model/pci-address.ts";
import { renderPlanScript } from "../../src/model/plan-script.ts";
import { runPlan } from "../../src/model/run-plan.ts";
import { makeSnapshot, type HostSnapshot, type NetLink, type PciFunction, type VfLinkState } from "../../src/model/snapshot.ts";
import { parseVfRead, planVfSettings, type VfSetting } from "../../src/model/vf-settings.ts";
import { fakeVfState, FAKE_VF_DEFAULT, writeStatefulFakeIp } from "../lib/fake-ip.ts";
import { writeFakeSysfs, type FakeFunction } from "../lib/fake-sysfs.ts";
import { runReader, tempDir } from "../lib/run-reader.ts";
import { startExecutor } from "../lib/run-executor.ts";

const at = (s: string) => s as PciAddress;
const PF = "0000:03:00.0";
const VF0 = at("0000:03:10.0");
const VF1 = at("0000:03:10.2");

const vf = (address: string, pf: string, group: number): FakeFunction =>
    ({ address, vendor: 0x8086, device: 0x10ca, classCode: 0x020000, driver: "igbvf", physfn: pf, iommuGroup: group });
const pfFn = (address: string, vfs: string[], net: string[], group: number): FakeFunction =>
    ({ address, vendor: 0x8086, device: 0x10c9, classCode: 0x020000, driver: "igb", iommuGroup: group, sriovTotalVfs: 7, vfs, net });

const FUNCTIONS: FakeFunction[] = [
    pfFn(PF, [VF0, VF1], ["enp3s0"], 10), vf(VF0, PF, 11), vf(VF1, PF, 12),
    pfFn("0000:05:00.0", ["0000:05:10.0"], ["a..b"], 30), vf("0000:05:10.0", "0000:05:00.0", 31),
    pfFn("0000:06:00.0", ["0000:06:10.0"], [], 40), vf("0000:06:10.0", "0000:06:00.0", 41),
    { address: "0000:00:02.0", vendor: 0x8086, device: 0x10d3, classCode: 0x020000, driver: "e1000e", iommuGroup: 1, net: ["enp0s2"] },
];

const DEFAULT_STATE = (n: number): VfLinkState =>
    parseVfRead("00:00:00:00:00:00|0|0|on|off|auto|0|0", n)!;

function withNet(snapshot: HostSnapshot, vfs: VfLinkState[]): HostSnapshot {
    const links = new Map<string, NetLink>([
        ["enp3s0", { name: "enp3s0", mac: "52:54:00:aa:bb:cc", vfs }],
        ["a..b", { name: "a..b", mac: null, vfs: [DEFAULT_STATE(0)] }],
    ]);
    return makeSnapshot([...snapshot.functions], links);
}

function host() {
    const base = tempDir("vf-settings-");
    const roots = { sysfs: path.join(base, "sys"), dev: path.join(base, "dev"), etc: path.join(base, "etc"), binDir: path.join(base, "bin") };
    writeFakeSysfs(roots.sysfs, FUNCTIONS, { extraDrivers: ["vfio-pci"] });
    fs.mkdirSync(path.join(roots.dev, "vfio"), { recursive: true });
    fs.mkdirSync(path.join(roots.etc, "udev/rules.d"), { recursive: true });
    writeStatefulFakeIp(roots.binDir, "enp3s0", 2);
    const snapshot = withNet(parseSnapshot(runReader(roots.sysfs)), [DEFAULT_STATE(0), DEFAULT_STATE(1)]);
    return { base, roots, snapshot };
}

const WANTED: VfSetting[] = [
    { key: "trust", on: true },
    { key: "mac", mac: "52:54:00:12:34:56" },
    { key: "spoofchk", on: false },
    { key: "vlan", vlan: 100, qos: 0 },
];
const opts = { keepAfterReboot: false, kept: false };

describe("planVfSettings", () => {
    const { snapshot } = host();

    test("one step per changed setting, in a fixed order, each read back; unchanged ones skipped", () => {
        const plan = planVfSettings(snapshot, VF0, [...WANTED, { key: "state", state: "auto" }], opts);
        assert.equal(plan.kind, "vf-settings");
        assert.deepEqual(plan.steps.map(s => s.action.kind === "set-vf" && s.action.setting.key), ["mac", "vlan", "spoofchk", "trust"]);
        for (const s of plan.steps) {
            assert.ok(s.action.kind === "set-vf");
            assert.equal(s.action.pfName, "enp3s0");
            assert.equal(s.action.vf, 0);
            assert.deepEqual(s.checks, [{ kind: "vf-setting", pf: PF, vf: 0, setting: s.action.setting }]);
        }
        assert.equal(planVfSettings(snapshot, VF1, [{ key: "state", state: "auto" }], opts).steps.length, 0);
    });

    test("keep after reboot adds the rule with the whole wanted state; unticking a kept entry removes it", () => {
        const kept = planVfSettings(snapshot, VF1, WANTED, { keepAfterReboot: true, kept: false });
        const last = kept.steps.at(-1)!.action;
        assert.ok(last.kind === "persist-vf");
        assert.deepEqual(last.settings.map(s => s.key), ["mac", "vlan", "spoofchk", "trust"]);
        assert.equal(last.vf, 1);
        const drop = planVfSettings(snapshot, VF1, [], { keepAfterReboot: false, kept: true });
        assert.deepEqual(drop.steps.map(s => s.action.kind), ["unpersist-vf"]);
    });

    test("refuses before any write: not a VF, a PF without netdev, an unsafe interface name, an index past sriov_numvfs, unknown state, bad values", () => {
        const refused = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e: unknown) => e instanceof PlanError && re.test(e.message));
        refused(() => planVfSettings(snapshot, at("0000:00:02.0"), WANTED, opts), /is not a virtual function/);
        refused(() => planVfSettings(snapshot, at("0000:06:10.0"), WANTED, opts), /has no network interface/);
        refused(() => planVfSettings(snapshot, at("0000:05:10.0"), WANTED, opts), /"a\.\.b" .* cannot be used safely/);
        const shrink = (f: PciFunction) => (f.address === PF && f.sriov ? { ...f, sriov: { ...f.sriov, numVfs: 1 } } : f);
        const shrunk = makeSnapshot(snapshot.functions.map(shrink), snapshot.netLinks);
        refused(() => planVfSettings(shrunk, VF1, WANTED, opts), /VF 1 is past the number of VFs of 0000:03:00.0 \(1\)/);
        refused(() => planVfSettings(makeSnapshot([...snapshot.functions]), VF0, WANTED, opts), /not known yet/);
        refused(() => planVfSettings(snapshot, VF0, [{ key: "mac", mac: "ff:ff:ff:ff:ff:ff" }], opts), /bad MAC/);
        refused(() => planVfSettings(snapshot, VF0, [{ key: "mac", mac: "01:00:5e:00:00:01" }], opts), /bad MAC/);
        refused(() => planVfSettings(snapshot, VF0, [{ key: "vlan", vlan: 4095, qos: 0 }], opts), /bad VLAN/);
        refused(() => planVfSettings(snapshot, VF0, [{ key: "vlan", vlan: 100, qos: 8 }], opts), /bad VLAN/);
    });
});

describe("running a VF settings plan through executor.sh", () => {
    test("applies every setting and reads each back", async () => {
        const { roots, snapshot } = host();
        const ex = startExecutor(roots);
        const outcome = await runPlan(planVfSettings(snapshot, VF0, WANTED, opts), ex);
        await ex.close();
        assert.equal(outcome.status, "done");
        assert.equal(fakeVfState(roots.binDir, 0), "52:54:00:12:34:56 100 0 off on auto 0 0");
        assert.equal(fakeVfState(roots.binDir, 1), FAKE_VF_DEFAULT);
    });

    test("a setting the driver refuses fails its step, and the ones applied before it are undone", async () => {
        const { roots, snapshot } = host();
        const ex = startExecutor(roots);
        const plan = planVfSettings(snapshot, VF0, [...WANTED, { key: "state", state: "enable" }], opts);
        const outcome = await runPlan(plan, ex);
        await ex.close();
        assert.equal(outcome.status, "failed");
        assert.ok(outcome.status === "failed" && outcome.failedStep !== null);
        const failed = plan.steps[outcome.failedStep!].action;
        assert.ok(failed.kind === "set-vf" && failed.setting.key === "state");
        assert.ok(outcome.failure?.kind === "kernel" && /Operation not supported/.test(outcome.failure.message));
        assert.deepEqual(outcome.rollbackProblems, []);
        assert.equal(fakeVfState(roots.binDir, 0), FAKE_VF_DEFAULT);
    });

    test("\"View automation script\", run by sh, has the same effect", () => {
        const { roots, snapshot } = host();
        const fakeRoots = { sysfs: roots.sysfs, dev: roots.dev, etc: roots.etc };
        const script = renderPlanScript(planVfSettings(snapshot, VF0, WANTED, opts), undefined, fakeRoots);
        execFileSync("/bin/sh", ["-c", script], { env: { ...process.env, PATH: `${roots.binDir}:${process.env.PATH}` }, encoding: "utf8" });
        assert.equal(fakeVfState(roots.binDir, 0), "52:54:00:12:34:56 100 0 off on auto 0 0");
        // and a script whose setting is refused stops with the failure
        const refused = renderPlanScript(planVfSettings(snapshot, VF1, [{ key: "state", state: "enable" }], opts), undefined,
                                         { sysfs: roots.sysfs, dev: roots.dev, etc: roots.etc });
        assert.throws(() => execFileSync("/bin/sh", ["-c", refused], { env: { ...process.env, PATH: `${roots.binDir}:${process.env.PATH}` }, stdio: "pipe" }));
    });

    test("keep after reboot: the script writes the same udev rule as the executor", async () => {
        const { roots, snapshot } = host();
        const plan = planVfSettings(snapshot, VF0, [...WANTED, { key: "rate", min: 0, max: 200 }], { keepAfterReboot: true, kept: false });
        const ex = startExecutor(roots);
        const outcome = await runPlan(plan, ex);
        await ex.close();
        assert.equal(outcome.status, "done");
        const rule = path.join(roots.etc, "udev/rules.d", `71-cockpit-passthrough-vf-${PF}-0.rules`);
        const byExecutor = fs.readFileSync(rule, "utf8");
        assert.match(byExecutor, /: VF 0 of 0000:03:00.0 \(0x8086:0x10c9, driver igb\): mac=52:54:00:12:34:56 vlan=100,0 spoofchk=off trust=on rate=0,200\n/);
        fs.rmSync(rule);
        const script = renderPlanScript(plan, undefined, { sysfs: roots.sysfs, dev: roots.dev, etc: roots.etc });
        execFileSync("/bin/sh", ["-c", script], { env: { ...process.env, PATH: `${roots.binDir}:${process.env.PATH}` }, stdio: "pipe" });
        assert.equal(fs.readFileSync(rule, "utf8"), byExecutor);
    });
});
