// SPDX-License-Identifier: LGPL-2.1-or-later
/* The "View automation script": it must do what the button does. */

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";

import { planPrepare, planReturn } from "../../src/model/bind-plan.ts";
import { parseSnapshot } from "../../src/model/parse-snapshot.ts";
import type { PciAddress } from "../../src/model/pci-address.ts";
import type { DriverName } from "../../src/model/plan.ts";
import { renderPlanScript, shellQuote } from "../../src/model/plan-script.ts";
import { runPlan } from "../../src/model/run-plan.ts";
import { smallHost } from "../fixtures/small-host.ts";
import { FakeKernel } from "../lib/fake-kernel.ts";
import { writeFakeSysfs } from "../lib/fake-sysfs.ts";
import { startExecutor } from "../lib/run-executor.ts";
import { runReader, tempDir } from "../lib/run-reader.ts";

const at = (s: string) => s as PciAddress;

const base = tempDir("plan-script-");
after(() => fs.rmSync(base, { recursive: true, force: true }));

function fakeRoots(name: string, functions = smallHost) {
    const r = { sysfs: path.join(base, name, "sys"), dev: path.join(base, name, "dev"), etc: path.join(base, name, "etc") };
    writeFakeSysfs(r.sysfs, functions, { extraDrivers: ["vfio-pci"] });
    fs.mkdirSync(path.join(r.dev, "vfio"), { recursive: true });
    fs.mkdirSync(r.etc, { recursive: true });
    return r;
}

const snapshot = parseSnapshot(runReader(fakeRoots("snap").sysfs));
const opts = { loadVfio: true, keepAfterReboot: false, driverctlAvailable: false };

/** The sysfs writes a script makes, as "path <- value", found by letting sh
 * itself evaluate the words of every `echo VALUE > TARGET` line. */
function scriptWrites(script: string): string[] {
    const lines = script.split("\n").filter(l => l.startsWith("echo ") && l.includes(" > "));
    const probe = lines.map(l => {
        const m = /^echo ?(.*?) > (.*)$/.exec(l)!;
        return `printf '%s <- %s\\n' ${m[2]} "$(printf '%s' ${m[1] || "''"})"`;
    });
    return execFileSync("/bin/sh", ["-c", `pci=@\n${probe.join("\n")}`], { encoding: "utf8" })
            .trim().split("\n").map(l => l.replace(/^@\//, ""));
}

describe("renderPlanScript", () => {
    test("quotes values so that sh reads them back unchanged", () => {
        for (const value of ["plain", "it's", "$(reboot)", "`id`", "a b\tc", "'", "\\n", "*"]) {
            const out = execFileSync("/bin/sh", ["-c", `printf '%s' ${shellQuote(value)}`], { encoding: "utf8" });
            assert.equal(out, value);
        }
    });

    test("is valid sh, stops on errors, and checks every step with readlink", () => {
        const script = renderPlanScript(planPrepare(snapshot, [at("0000:00:02.0")], { ...opts, keepAfterReboot: true }));
        assert.equal(spawnSync("/bin/sh", ["-n", "-c", script]).status, 0);
        assert.match(script, /^#!\/bin\/sh\n/);
        assert.match(script, /\nset -eu\n/);
        assert.match(script, /readlink "\$pci\/devices\/\$1\/driver"/);
        assert.match(script, /\nmodprobe vfio-pci\n/);
        assert.match(script, /\[ "\$\(driver_of '0000:00:02.0'\)" = 'vfio-pci' \] \|\| fail/);
        assert.match(script, /\[ -n "\$group" \] && \[ -e "\$dev\/vfio\/\$group" \]/);
        assert.match(script, /\npersist_udev '0000:00:02.0'\n/);
        assert.match(script, /# 1\. Load the vfio-pci kernel module/);
    });

    test("makes the same writes, in the same order, as the button", async () => {
        for (const plan of [
            planPrepare(snapshot, [at("0000:01:00.0"), at("0000:01:00.1")], opts),
            planReturn(parseSnapshot(runReader(fakeRoots("onvfio", smallHost.map(f => f.address === "0000:00:02.0" ? { ...f, driver: "vfio-pci" } : f)).sysfs)),
                       [at("0000:00:02.0")], new Map([[at("0000:00:02.0"), "e1000e" as DriverName]])),
        ]) {
            const kernel = new FakeKernel({
                loaded: new Set(["e1000e", "nouveau", "snd_hda_intel"]),
                persisted: new Set(),
                devices: {
                    "0000:00:02.0": { driver: "vfio-pci", override: "vfio-pci", group: 5, native: "e1000e" },
                    "0000:01:00.0": { driver: "nouveau", override: null, group: 9, native: "nouveau" },
                    "0000:01:00.1": { driver: "snd_hda_intel", override: null, group: 9, native: "snd_hda_intel" },
                },
            });
            if (plan.kind === "return")
                kernel.state.loaded.add("vfio-pci");
            const outcome = await runPlan(plan, kernel);
            assert.equal(outcome.status, "done");
            assert.deepEqual(scriptWrites(renderPlanScript(plan)), kernel.writes.map(w => w.replace(/ <- $/, " <- ")));
        }
    });

    test("run against a fake tree, writes like the executor and stops at the first failed check", () => {
        const r = fakeRoots("run");
        const bin = path.join(base, "run", "bin");
        fs.mkdirSync(bin);
        fs.writeFileSync(path.join(bin, "modprobe"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
        const script = renderPlanScript(planPrepare(snapshot, [at("0000:00:02.0")], opts), undefined, r);
        const result = spawnSync("/bin/sh", ["-c", script], { encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
        // A file write binds nothing: the device still shows e1000e after the
        // unbind, and the script must notice and stop there.
        assert.equal(result.status, 1);
        assert.match(result.stderr, /FAILED: 0000:00:02.0 still has a driver: e1000e/);
        const pci = path.join(r.sysfs, "bus/pci");
        assert.equal(fs.readFileSync(path.join(pci, "devices/0000:00:02.0/driver_override"), "utf8"), "vfio-pci\n");
        assert.equal(fs.readFileSync(path.join(pci, "drivers/e1000e/unbind"), "utf8"), "0000:00:02.0\n");
        assert.equal(fs.readFileSync(path.join(pci, "drivers_probe"), "utf8"), "", "stopped before the probe");
    });

    test("writes the same udev rule as the executor", async () => {
        const byScript = fakeRoots("udev-script", smallHost);
        const byExecutor = fakeRoots("udev-executor", smallHost);
        const snap = parseSnapshot(runReader(byScript.sysfs));
        const full = planPrepare(snap, [at("0000:00:02.0")], { loadVfio: false, keepAfterReboot: true, driverctlAvailable: false });
        // The persist step alone: the fake tree binds nothing, so the binding steps' checks would stop the script.
        const plan = { ...full, steps: full.steps.filter(s => s.action.kind === "persist") };
        assert.deepEqual(plan.steps.map(s => s.action.kind), ["persist"]);
        const result = spawnSync("/bin/sh", ["-c", renderPlanScript(plan, undefined, byScript)], { encoding: "utf8" });
        assert.equal(result.status, 0, result.stderr);

        const ex = startExecutor(byExecutor);
        assert.equal((await ex.run({ op: "persist", method: "udev", address: at("0000:00:02.0") })).status, "ok");
        assert.equal((await ex.run({ op: "commit" })).status, "ok");
        await ex.close();
        const name = "udev/rules.d/70-cockpit-passthrough-0000:00:02.0.rules";
        const rule = fs.readFileSync(path.join(byScript.etc, name), "utf8");
        assert.equal(rule, fs.readFileSync(path.join(byExecutor.etc, name), "utf8"));
        assert.match(rule, /RUN\+="\/bin\/sh -c 'cd \/sys\/bus\/pci\/devices\/\$kernel \|\| exit 0; case \$\$\(readlink driver\) in/);
    });
});
