/* The guarantees the executor keeps on the host whatever the page does
 * (src/host/executor.sh): one lock, a journal rolled back when the page goes
 * away or a previous executor died, timeouts on writes, and a policy of its
 * own. Run against fake roots: a write binds nothing there, so each test
 * plays the kernel's part where it matters (moving a driver link) and checks
 * what the executor wrote back. The real kernel is in the browser suite
 * "Safety on the host". */

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";

import type { PciAddress } from "../../src/model/pci-address.ts";
import type { DriverName } from "../../src/model/plan.ts";
import { editDefaultGrub } from "../../src/model/kernel-args.ts";
import { parseRecoveryReport } from "../../src/model/recovery.ts";
import { smallHost } from "../fixtures/small-host.ts";
import { writeFakeSysfs } from "../lib/fake-sysfs.ts";
import { tempDir } from "../lib/run-reader.ts";
import { startExecutor, type ExecutorRoots } from "../lib/run-executor.ts";

const at = (s: string) => s as PciAddress;
const drv = (s: string) => s as DriverName;
const NIC = at("0000:00:02.0");

function host(): { base: string; roots: ExecutorRoots & { binDir: string; run: string; lib: string; proc: string } } {
    const base = tempDir("executor-safety-");
    const roots = {
        sysfs: path.join(base, "sys"), dev: path.join(base, "dev"), etc: path.join(base, "etc"),
        run: path.join(base, "run"), lib: path.join(base, "lib"), proc: path.join(base, "proc"), binDir: path.join(base, "bin"),
    };
    writeFakeSysfs(roots.sysfs, smallHost.map(f => f.address === "0000:00:04.0" ? { ...f, block: ["nvme0n1"] } : f),
                   { extraDrivers: ["vfio-pci"] });
    fs.mkdirSync(path.join(roots.dev, "vfio"), { recursive: true });
    fs.mkdirSync(path.join(roots.etc, "udev/rules.d"), { recursive: true });
    fs.mkdirSync(roots.binDir);
    // Root filesystem on a tmpfs: no PCI device holds it (tests that need one say so).
    fs.mkdirSync(path.join(roots.proc, "self"), { recursive: true });
    fs.writeFileSync(path.join(roots.proc, "self/mountinfo"), "22 1 0:21 / / rw - tmpfs tmpfs rw\n");
    tool(roots.binDir, "ip", "exit 0");
    tool(roots.binDir, "ss", "exit 0");
    return { base, roots };
}

function tool(binDir: string, name: string, body: string) {
    fs.writeFileSync(path.join(binDir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

const devFile = (sys: string, address: string, file: string) => path.join(sys, "bus/pci/devices", address, file);

/** Plays the kernel: the device is now on `driver` (null: none). */
function moveDriver(sys: string, address: string, driver: string | null) {
    const link = devFile(sys, address, "driver");
    fs.rmSync(link, { force: true });
    if (driver)
        fs.symlinkSync(path.relative(path.dirname(fs.realpathSync(devFile(sys, address, "vendor"))), path.join(sys, "bus/pci/drivers", driver)), link);
}

const prepareSteps = (ex: ReturnType<typeof startExecutor>) => [
    () => ex.run({ op: "write", write: { file: "driver_override", address: NIC, value: drv("vfio-pci") } }),
    () => ex.run({ op: "write", write: { file: "drivers/unbind", driver: drv("e1000e"), address: NIC } }),
];

async function waitFor(what: string, check: () => boolean, ms = 20_000) {
    const end = Date.now() + ms;
    while (!check()) {
        if (Date.now() > end)
            throw new Error(`timed out waiting for ${what}`);
        await new Promise(resolve => setTimeout(resolve, 50));
    }
}

describe("one host lock", () => {
    test("a second executor answers busy, with how long and by whom, and changes nothing", async () => {
        const { roots } = host();
        const first = startExecutor(roots);
        assert.deepEqual(await first.run({ op: "read-driver", address: NIC }), { status: "ok", value: "e1000e" });
        const second = startExecutor(roots);
        const reply = await second.run({ op: "write", write: { file: "driver_override", address: NIC, value: drv("vfio-pci") } });
        assert.equal(reply.status, "busy");
        assert.ok(reply.status === "busy" && reply.seconds >= 0 && reply.seconds < 60 && reply.user === execFileSync("id", ["-un"], { encoding: "utf8" }).trim());
        assert.equal(fs.readFileSync(devFile(roots.sysfs, NIC, "driver_override"), "utf8"), "(null)\n");
        assert.equal(await second.close(), 0);
        assert.equal(await first.close(), 0);
        // Released with the process: the next one gets it.
        const third = startExecutor(roots);
        assert.equal((await third.run({ op: "read-driver", address: NIC })).status, "ok");
        await third.close();
    });
});

describe("the journal: the host undoes what the page cannot", () => {
    test("input closed after the unbind: override cleared, old driver bound, report left, journal gone", async () => {
        const { roots } = host();
        const ex = startExecutor(roots);
        for (const step of prepareSteps(ex))
            assert.equal((await step()).status, "ok");
        moveDriver(roots.sysfs, NIC, null); // the kernel unbound it
        assert.match(fs.readFileSync(path.join(roots.run, "journal"), "utf8"), /^dev\|0000:00:02\.0\|\|e1000e$/m);
        fs.writeFileSync(path.join(roots.sysfs, "bus/pci/drivers/e1000e/bind"), "");
        await ex.close();
        assert.equal(fs.readFileSync(devFile(roots.sysfs, NIC, "driver_override"), "utf8"), "\n", "override cleared");
        assert.equal(fs.readFileSync(path.join(roots.sysfs, "bus/pci/drivers/e1000e/bind"), "utf8"), "0000:00:02.0\n", "bound back");
        assert.ok(!fs.existsSync(path.join(roots.run, "journal")));
        const report = parseRecoveryReport(fs.readFileSync(path.join(roots.run, "report"), "utf8"));
        // The fake tree does not bind, so the verification honestly says it failed.
        assert.deepEqual(report?.entries, [{ kind: "device", address: NIC, expected: "e1000e", actual: "", restored: false }]);
    });

    test("a signal (the session dropped) rolls back the same way", async () => {
        const { roots } = host();
        const ex = startExecutor(roots);
        for (const step of prepareSteps(ex))
            assert.equal((await step()).status, "ok");
        // The kernel's part, in the write path: a bind of e1000e binds it, so the verification holds.
        moveDriver(roots.sysfs, NIC, null);
        const driverLink = devFile(roots.sysfs, NIC, "driver");
        const target = path.relative(path.dirname(fs.realpathSync(devFile(roots.sysfs, NIC, "vendor"))), path.join(roots.sysfs, "bus/pci/drivers/e1000e"));
        tool(roots.binDir, "tee", `/usr/bin/tee "$@" || exit
case "$1" in */drivers/e1000e/bind) ln -s ${JSON.stringify(target)} ${JSON.stringify(driverLink)} ;; esac`);
        process.kill(ex.pid, "SIGTERM");
        // Its input is still open: the signal alone makes it roll back.
        await waitFor("the report", () => fs.existsSync(path.join(roots.run, "report")));
        await ex.close();
        const report = parseRecoveryReport(fs.readFileSync(path.join(roots.run, "report"), "utf8"));
        assert.deepEqual(report?.entries, [{ kind: "device", address: NIC, expected: "e1000e", actual: "e1000e", restored: true }]);
        assert.equal(fs.readFileSync(devFile(roots.sysfs, NIC, "driver_override"), "utf8"), "\n");
    });

    test("a journal left by an executor that died is rolled back by the next one, before anything else", async () => {
        const { roots } = host();
        fs.mkdirSync(roots.run, { recursive: true });
        fs.writeFileSync(devFile(roots.sysfs, "0000:00:04.0", "sriov_numvfs"), "3\n");
        fs.writeFileSync(path.join(roots.etc, "udev/rules.d/70-cockpit-passthrough-0000:00:03.0.rules"), "new rule\n");
        fs.writeFileSync(path.join(roots.run, "journal"),
                         "sriov|0000:00:04.0|0|1\nfile|" + path.join(roots.etc, "udev/rules.d/70-cockpit-passthrough-0000:00:03.0.rules") + "|-\n");
        const ex = startExecutor(roots);
        assert.equal((await ex.run({ op: "read-driver", address: NIC })).status, "ok");
        assert.equal(fs.readFileSync(devFile(roots.sysfs, "0000:00:04.0", "sriov_numvfs"), "utf8"), "0\n", "VF count back");
        assert.ok(!fs.existsSync(path.join(roots.etc, "udev/rules.d/70-cockpit-passthrough-0000:00:03.0.rules")), "rule the plan wrote removed");
        const report = parseRecoveryReport(fs.readFileSync(path.join(roots.run, "report"), "utf8"));
        assert.deepEqual(report?.entries.map(e => [e.kind, e.restored]), [["file", true], ["vfs", true]]);
        assert.equal((await ex.run({ op: "clear-report" })).status, "ok");
        assert.ok(!fs.existsSync(path.join(roots.run, "report")));
        await ex.close();
    });

    test("a kept binding from before a failing plan is restored, not deleted", async () => {
        const { roots } = host();
        const rule = path.join(roots.etc, "udev/rules.d/70-cockpit-passthrough-0000:00:03.0.rules");
        fs.writeFileSync(rule, "the earlier rule\n");
        const ex = startExecutor(roots);
        assert.equal((await ex.run({ op: "unpersist", method: "udev", address: at("0000:00:03.0") })).status, "ok");
        assert.ok(!fs.existsSync(rule));
        assert.deepEqual(await ex.run({ op: "rollback" }), { status: "ok", value: "" });
        assert.equal(fs.readFileSync(rule, "utf8"), "the earlier rule\n");
        await ex.close();
    });

    test("commit forgets the journal and records the driver the device had, for Return from any browser", async () => {
        const { roots } = host();
        const ex = startExecutor(roots);
        for (const step of prepareSteps(ex))
            assert.equal((await step()).status, "ok");
        moveDriver(roots.sysfs, NIC, "vfio-pci");
        assert.deepEqual(await ex.run({ op: "commit" }), { status: "ok", value: "" });
        await ex.close();
        assert.ok(!fs.existsSync(path.join(roots.run, "journal")));
        assert.ok(!fs.existsSync(path.join(roots.run, "report")), "nothing to report");
        assert.equal(fs.readFileSync(path.join(roots.lib, "previous-drivers", NIC), "utf8"), "0x8086:0x10d3 e1000e\n");
    });

    test("a write that blocks times out, and the rollback still runs", async () => {
        const { roots } = host();
        // A write that never returns, like an unbind waiting for a device to be released.
        tool(roots.binDir, "tee", "exec sleep 60");
        const ex = startExecutor({ ...roots, writeTimeout: 1 });
        const started = Date.now();
        const reply = await ex.run({ op: "write", write: { file: "driver_override", address: at("0000:00:03.0"), value: drv("vfio-pci") } });
        assert.equal(reply.status, "error");
        assert.match(reply.status === "error" ? reply.message : "", /did not finish within 1 s/);
        assert.ok(Date.now() - started < 10_000);
        await ex.close();
    });
});

describe("the executor's own policy", () => {
    const refused = async (roots: ExecutorRoots, op: Parameters<ReturnType<typeof startExecutor>["run"]>[0], reason: RegExp) => {
        const ex = startExecutor(roots);
        const reply = await ex.run(op);
        await ex.close();
        assert.equal(reply.status, "rejected", JSON.stringify(reply));
        assert.match(reply.status === "rejected" ? reply.reason : "", reason);
    };

    test("a bridge", async () => {
        const { roots } = host();
        await refused(roots, { op: "write", write: { file: "drivers/unbind", driver: drv("pcieport"), address: at("0000:00:1c.0") } }, /bridge/);
    });

    test("the NIC of the default route, and every NIC when the routes cannot be read", async () => {
        const { roots } = host();
        tool(roots.binDir, "ip", `case "$*" in *"-4 route show default"*) echo "default via 10.0.2.2 dev enp0s2 proto dhcp metric 100" ;; esac`);
        await refused(roots, { op: "write", write: { file: "driver_override", address: NIC, value: drv("vfio-pci") } }, /default route or a Cockpit session/);
        await refused(roots, { op: "persist", method: "udev", address: NIC }, /default route/);
        const ex = startExecutor(roots);
        assert.equal((await ex.run({ op: "write", write: { file: "driver_override", address: at("0000:00:03.0"), value: drv("vfio-pci") } })).status, "ok");
        await ex.close();
        tool(roots.binDir, "ip", "echo 'Cannot open netlink socket: Permission denied' >&2; exit 1");
        await refused(roots, { op: "write", write: { file: "driver_override", address: at("0000:00:03.0"), value: drv("vfio-pci") } },
                      /cannot tell whether 0000:00:03\.0 carries this session: ip: Cannot open netlink socket/);
    });

    test("the NIC of a Cockpit session", async () => {
        const { roots } = host();
        tool(roots.binDir, "ss", `echo '0 0 [::ffff:192.168.7.2]:9090 [::ffff:192.168.7.9]:50412 users:(("cockpit-tls",pid=812,fd=7))'`);
        tool(roots.binDir, "ip", `case "$*" in *"addr show"*) echo '3: enp0s3    inet 192.168.7.2/24 brd 192.168.7.255 scope global enp0s3' ;; esac`);
        await refused(roots, { op: "write", write: { file: "drivers/unbind", driver: drv("e1000e"), address: at("0000:00:03.0") } }, /Cockpit session/);
    });

    test("the controller of the root filesystem", async () => {
        const { roots } = host();
        fs.writeFileSync(path.join(roots.proc, "self/mountinfo"), "25 1 259:1 / / rw,relatime - ext4 /dev/nvme0n1p1 rw\n");
        fs.mkdirSync(path.join(roots.sysfs, "dev/block"), { recursive: true });
        fs.symlinkSync(fs.realpathSync(path.join(roots.sysfs, "class/block/nvme0n11")), path.join(roots.sysfs, "dev/block/259:1"));
        await refused(roots, { op: "write", write: { file: "drivers/unbind", driver: drv("nvme"), address: at("0000:00:04.0") } }, /root filesystem/);
    });

    test("a device whose VFIO group a process (a running VM) has open; free again once it is closed", async () => {
        const { roots } = host();
        moveDriver(roots.sysfs, NIC, "vfio-pci");
        fs.writeFileSync(path.join(roots.dev, "vfio/5"), "");
        fs.mkdirSync(path.join(roots.proc, "4242/fd"), { recursive: true });
        fs.symlinkSync(path.join(roots.dev, "vfio/5"), path.join(roots.proc, "4242/fd/31"));
        await refused(roots, { op: "write", write: { file: "drivers/unbind", driver: drv("vfio-pci"), address: NIC } }, /open by process 4242/);
        fs.rmSync(path.join(roots.proc, "4242"), { recursive: true });
        const ex = startExecutor(roots);
        assert.equal((await ex.run({ op: "write", write: { file: "drivers/unbind", driver: drv("vfio-pci"), address: NIC } })).status, "ok");
        await ex.close();
    });

    test("more VFs than sriov_totalvfs", async () => {
        const { roots } = host();
        await refused(roots, { op: "write", write: { file: "sriov_numvfs", address: at("0000:00:04.0"), count: 5 } }, /at most 4 VFs/);
    });
});

describe("kernel arguments: one step on the host, the same rules as the page's preview", () => {
    const ARGS = ["intel_iommu=on", "iommu=pt"];
    function grubHost(content: string, dropIn?: string, mkconfig = "exit 0") {
        const { roots } = host();
        fs.mkdirSync(path.join(roots.etc, "default/grub.d"), { recursive: true });
        fs.writeFileSync(path.join(roots.etc, "default/grub"), content);
        if (dropIn !== undefined)
            fs.writeFileSync(path.join(roots.etc, "default/grub.d/50-cloud.cfg"), dropIn);
        tool(roots.binDir, "update-grub", `echo "$@" > ${JSON.stringify(path.join(roots.etc, "update-grub.ran"))}\n${mkconfig}`);
        return roots;
    }
    async function addArgs(roots: ExecutorRoots) {
        const ex = startExecutor(roots);
        const reply = await ex.run({ op: "kernel-args", args: ARGS });
        if (reply.status === "ok")
            assert.equal((await ex.run({ op: "commit" })).status, "ok");
        await ex.close();
        return { reply, after: fs.readFileSync(path.join(roots.etc, "default/grub"), "utf8") };
    }

    for (const [name, content, dropIn] of [
        ["a plain value", 'GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\n', undefined],
        ["a trailing comment", 'GRUB_CMDLINE_LINUX_DEFAULT="quiet" # see bug 1\n', undefined],
        ["a repeated assignment", 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX_DEFAULT="quiet splash"\n', undefined],
        ["the export form", 'export GRUB_CMDLINE_LINUX_DEFAULT="quiet"\n', undefined],
        ["a grub.d override", 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"\n', 'GRUB_CMDLINE_LINUX_DEFAULT="console=ttyS0"\n'],
        ["an expansion", 'GRUB_CMDLINE_LINUX_DEFAULT="$X quiet"\n', undefined],
        ["only GRUB_CMDLINE_LINUX", 'GRUB_CMDLINE_LINUX=""\n', undefined],
        ["already there", 'GRUB_CMDLINE_LINUX_DEFAULT="quiet intel_iommu=on iommu=pt"\n', undefined],
    ] as const) {
        test(name, async () => {
            const roots = grubHost(content, dropIn);
            const expected = editDefaultGrub(content, ARGS, dropIn === undefined ? [] : [dropIn]);
            const { reply, after } = await addArgs(roots);
            const ran = fs.existsSync(path.join(roots.etc, "update-grub.ran"));
            switch (expected.kind) {
            case "edit":
                assert.deepEqual(reply, { status: "ok", value: "update-grub" });
                assert.equal(after, expected.content);
                assert.ok(ran);
                break;
            case "unchanged":
                assert.deepEqual(reply, { status: "ok", value: "unchanged" });
                assert.equal(after, content);
                break;
            case "manual":
                assert.equal(reply.status, "rejected");
                assert.match(reply.status === "rejected" ? reply.reason : "", /^manual: /);
                assert.equal(after, content, "never rewritten");
                assert.ok(!ran);
                break;
            }
        });
    }

    test("regeneration fails: the file is back as it was, in the same step", async () => {
        const content = 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"\n';
        const roots = grubHost(content, undefined, "echo 'grub-mkconfig: error: syntax' >&2; exit 1");
        const { reply, after } = await addArgs(roots);
        assert.equal(reply.status, "error");
        assert.match(reply.status === "error" ? reply.message : "", /update-grub failed, .*restored: grub-mkconfig: error: syntax/);
        assert.equal(after, content);
    });

    test("arguments outside the small alphabet are refused before anything runs", async () => {
        const roots = grubHost('GRUB_CMDLINE_LINUX_DEFAULT="quiet"\n');
        const ex = startExecutor(roots);
        const line = await ex.send("kernel-args\tquiet;reboot");
        await ex.close();
        assert.match(line, /^rejected\tbad kernel arguments/);
    });
});
