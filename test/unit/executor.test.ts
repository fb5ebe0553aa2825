// SPDX-License-Identifier: LGPL-2.1-or-later
/* The privileged executor (src/host/executor.sh) run with /bin/sh against a
 * fake sysfs tree. Writing to a regular file binds nothing, so these tests
 * check what is written, what is read, and above all what is refused: every
 * bad operation must be rejected before any file changes. Real binding is
 * tested in the VM. */

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import { encodeOp, invalidReason, type ExecOp } from "../../src/model/executor-ops.ts";
import { explainKernelError } from "../../src/model/kernel-errors.ts";
import type { PciAddress } from "../../src/model/pci-address.ts";
import type { DriverName } from "../../src/model/plan.ts";
import { writeFakeSysfs } from "../lib/fake-sysfs.ts";
import { smallHost } from "../fixtures/small-host.ts";
import { tempDir } from "../lib/run-reader.ts";
import { startExecutor, type TestExecutor } from "../lib/run-executor.ts";

const at = (s: string) => s as PciAddress;
const drv = (s: string) => s as DriverName;


/** Every file and link under a directory, with contents / targets. */
function treeState(dir: string, skip?: string): Map<string, string> {
    const state = new Map<string, string>();
    const walk = (d: string) => {
        for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, entry.name);
            if (d === dir && entry.name === skip)
                continue; // the lock and owner files
            if (entry.isSymbolicLink())
                state.set(p, "-> " + fs.readlinkSync(p));
            else if (entry.isDirectory()) {
                state.set(p, "dir");
                walk(p);
            } else
                state.set(p, fs.readFileSync(p, "utf8"));
        }
    };
    walk(dir);
    return state;
}

function makeRoots() {
    const base = tempDir("executor-");
    const roots = { sysfs: path.join(base, "sys"), dev: path.join(base, "dev"), etc: path.join(base, "etc"), binDir: path.join(base, "bin") };
    writeFakeSysfs(roots.sysfs, smallHost, { extraDrivers: ["vfio-pci"] });
    fs.mkdirSync(path.join(roots.dev, "vfio"), { recursive: true });
    fs.writeFileSync(path.join(roots.dev, "vfio", "5"), "");
    fs.mkdirSync(path.join(roots.etc, "udev/rules.d"), { recursive: true });
    fs.mkdirSync(roots.binDir);
    return { base, roots };
}

const dev = (root: string, address: string, file: string) => path.join(root, "bus/pci/devices", address, file);

describe("executor.sh rejects bad operations before any write", () => {
    const { base, roots } = makeRoots();
    let ex: TestExecutor;
    before(() => { ex = startExecutor(roots) });
    after(async () => {
        await ex.close();
        fs.rmSync(base, { recursive: true, force: true });
    });

    const cases: [string, string][] = [
        // bad addresses
        ["short address", "write\tdevices/0000:0:02.0/driver_override\tvfio-pci"],
        ["upper-case address", "write\tdevices/0000:00:0A.0/driver_override\tvfio-pci"],
        ["function 8", "read-driver\t0000:00:02.8"],
        ["probe a non-address", "write\tdrivers_probe\tenp0s2"],
        ["bind a non-address", "write\tdrivers/e1000e/bind\tall"],
        // addresses not present
        ["absent device", "write\tdevices/0000:00:1f.0/driver_override\tvfio-pci"],
        ["probe an absent device", "write\tdrivers_probe\t0000:00:1f.0"],
        ["bind an absent device", "write\tdrivers/vfio-pci/bind\t0000:00:1f.0"],
        ["read an absent device", "read-driver\t0000:00:1f.0"],
        ["persist an absent device", "persist-udev\t0000:00:1f.0"],
        // path traversal
        ["traversal in the address", "read-driver\t0000:00:02.0/../../.."],
        ["traversal in a device path", "write\tdevices/0000:00:02.0/../../../drivers_probe\t0000:00:02.0"],
        ["traversal out of sysfs", "write\tdevices/0000:00:02.0/../../../../../etc/passwd\tx"],
        ["traversal in a driver path", "write\tdrivers/../devices/0000:00:02.0/unbind\t0000:00:02.0"],
        ["traversal between drivers", "write\tdrivers/e1000e/../vfio-pci/bind\t0000:00:02.0"],
        ["traversal in persist", "persist-udev\t0000:00:02.0/../../.."],
        ["traversal in unpersist", "unpersist-udev\t0000:00:02.0/../../../../x"],
        ["traversal in unpersist (driverctl)", "unpersist-driverctl\t../../udev/rules.d/x"],
        ["traversal in the group", "vfio-dev\t5/../../etc"],
        // files outside the allowlist
        ["remove", "write\tdevices/0000:00:02.0/remove\t1"],
        ["config space", "write\tdevices/0000:00:02.0/config\tx"],
        ["new_id", "write\tdrivers/vfio-pci/new_id\t8086 10d3"],
        ["bus rescan", "write\trescan\t1"],
        ["absolute path", "write\t/etc/passwd\tx"],
        ["device directory itself", "write\tdevices/0000:00:02.0\tx"],
        ["unknown operation", "rm\t-rf\t/"],
        ["empty line", ""],
        // unknown drivers
        ["bind to an unknown driver", "write\tdrivers/nosuch/bind\t0000:00:02.0"],
        ["override with an unknown driver", "write\tdevices/0000:00:02.0/driver_override\tnosuch"],
        ["override with a path", "write\tdevices/0000:00:02.0/driver_override\t../e1000e"],
        ["driver name with a slash", "write\tdrivers/e1000e/x/unbind\t0000:00:02.0"],
        ["has-driver with a path", "has-driver\t../../devices"],
        // bad values
        ["negative VF count", "write\tdevices/0000:00:04.0/sriov_numvfs\t-1"],
        ["VF count with shell", "write\tdevices/0000:00:04.0/sriov_numvfs\t4; reboot"],
        ["empty VF count", "write\tdevices/0000:00:04.0/sriov_numvfs\t"],
        ["huge VF count", "write\tdevices/0000:00:04.0/sriov_numvfs\t9999999"],
        ["autoprobe 2", "write\tdevices/0000:00:04.0/sriov_drivers_autoprobe\t2"],
        ["sriov file of a device without SR-IOV", "write\tdevices/0000:00:02.0/sriov_numvfs\t1"],
        ["unbind with another address", "write\tdevices/0000:00:02.0/driver/unbind\t0000:00:03.0"],
        ["unbind a device without driver", "write\tdevices/0000:00:05.0/driver/unbind\t0000:00:05.0"],
        ["extra field", "write\tdevices/0000:00:02.0/driver_override\tvfio-pci\te1000e"],
        ["missing value field", "write\tdevices/0000:00:02.0/driver_override"],
        ["modprobe another module", "modprobe\tevil"],
        ["modprobe with arguments", "modprobe\tvfio-pci\tdisable_idle_d3=1"],
        ["read with an extra field", "read-driver\t0000:00:02.0\tx"],
    ];

    for (const [name, line] of cases) {
        test(name, async () => {
            const beforeSys = treeState(base, "run");
            const reply = await ex.send(line);
            assert.match(reply, /^rejected\t/, `${JSON.stringify(line)} -> ${reply}`);
            assert.deepEqual(treeState(base, "run"), beforeSys, "nothing changed");
        });
    }

    test("the TS side refuses the same data before sending it", () => {
        const bad: ExecOp[] = [
            { op: "read-driver", address: at("0000:00:02.0/../../..") },
            { op: "write", write: { file: "drivers/bind", driver: drv("../e1000e"), address: at("0000:00:02.0") } },
            { op: "write", write: { file: "driver_override", address: at("0000:00:02.0"), value: drv("a\tb") } },
            { op: "write", write: { file: "sriov_numvfs", address: at("0000:00:04.0"), count: -1 } },
            { op: "write", write: { file: "drivers_probe", address: at("0000:00:02.0\nwrite") } },
            { op: "vfio-dev", group: 1.5 },
        ];
        for (const op of bad) {
            assert.notEqual(invalidReason(op), null, JSON.stringify(op));
            assert.throws(() => encodeOp(op));
        }
    });
});

describe("executor.sh performs allowed operations", () => {
    const { base, roots } = makeRoots();
    const sys = roots.sysfs;
    let ex: TestExecutor;
    before(() => { ex = startExecutor(roots) });
    after(async () => {
        await ex.close();
        fs.rmSync(base, { recursive: true, force: true });
    });

    test("reads the driver, override, group and /dev/vfio", async () => {
        assert.deepEqual(await ex.run({ op: "read-driver", address: at("0000:00:02.0") }), { status: "ok", value: "e1000e" });
        assert.deepEqual(await ex.run({ op: "read-driver", address: at("0000:00:05.0") }), { status: "ok", value: "" });
        assert.deepEqual(await ex.run({ op: "read-override", address: at("0000:00:02.0") }), { status: "ok", value: "" });
        assert.deepEqual(await ex.run({ op: "read-group", address: at("0000:00:02.0") }), { status: "ok", value: "5" });
        assert.deepEqual(await ex.run({ op: "vfio-dev", group: 5 }), { status: "ok", value: "yes" });
        assert.deepEqual(await ex.run({ op: "vfio-dev", group: 6 }), { status: "ok", value: "no" });
        assert.deepEqual(await ex.run({ op: "has-driver", driver: drv("vfio-pci") }), { status: "ok", value: "yes" });
        assert.deepEqual(await ex.run({ op: "has-driver", driver: drv("hinic") }), { status: "ok", value: "no" });
    });

    test("writes the override, then clears it with a newline", async () => {
        const file = dev(sys, "0000:00:02.0", "driver_override");
        assert.deepEqual(await ex.run({ op: "write", write: { file: "driver_override", address: at("0000:00:02.0"), value: drv("vfio-pci") } }),
                         { status: "ok", value: "" });
        assert.equal(fs.readFileSync(file, "utf8"), "vfio-pci\n");
        assert.deepEqual(await ex.run({ op: "read-override", address: at("0000:00:02.0") }), { status: "ok", value: "vfio-pci" });
        await ex.run({ op: "write", write: { file: "driver_override", address: at("0000:00:02.0"), value: null } });
        assert.equal(fs.readFileSync(file, "utf8"), "\n");
    });

    test("writes the address to unbind, bind, drivers_probe and driver/unbind", async () => {
        const a = at("0000:00:02.0");
        for (const [write, file] of [
            [{ file: "drivers/unbind", driver: drv("e1000e"), address: a }, "drivers/e1000e/unbind"],
            [{ file: "drivers/bind", driver: drv("vfio-pci"), address: a }, "drivers/vfio-pci/bind"],
            [{ file: "drivers_probe", address: a }, "drivers_probe"],
        ] as const) {
            assert.equal((await ex.run({ op: "write", write })).status, "ok");
            assert.equal(fs.readFileSync(path.join(sys, "bus/pci", file), "utf8"), "0000:00:02.0\n", file);
        }
        fs.writeFileSync(path.join(sys, "bus/pci/drivers/e1000e/unbind"), "");
        assert.equal((await ex.run({ op: "write", write: { file: "driver/unbind", address: a } })).status, "ok");
        assert.equal(fs.readFileSync(path.join(sys, "bus/pci/drivers/e1000e/unbind"), "utf8"), "0000:00:02.0\n");
    });

    test("writes SR-IOV counts and autoprobe", async () => {
        const a = at("0000:00:04.0");
        assert.equal((await ex.run({ op: "write", write: { file: "sriov_drivers_autoprobe", address: a, enabled: false } })).status, "ok");
        assert.equal((await ex.run({ op: "write", write: { file: "sriov_numvfs", address: a, count: 4 } })).status, "ok");
        assert.equal(fs.readFileSync(dev(sys, "0000:00:04.0", "sriov_drivers_autoprobe"), "utf8"), "0\n");
        assert.equal(fs.readFileSync(dev(sys, "0000:00:04.0", "sriov_numvfs"), "utf8"), "4\n");
    });

    test("reports a write the kernel refuses with its errno text", async () => {
        // A sysfs attribute whose write fails: /proc/version answers EIO to any
        // write, for root too, and is a regular file as far as `test -f` knows.
        const file = dev(sys, "0000:00:03.0", "driver_override");
        fs.rmSync(file);
        fs.symlinkSync("/proc/version", file);
        const reply = await ex.run({ op: "write", write: { file: "driver_override", address: at("0000:00:03.0"), value: drv("vfio-pci") } });
        assert.equal(reply.status, "error");
        assert.match(reply.status === "error" ? reply.message : "", /driver_override'?: Input\/output error$/);
        fs.rmSync(file);
        fs.writeFileSync(file, "(null)\n");
    });

    test("loads vfio-pci with modprobe and checks that the driver registered", async () => {
        fs.rmSync(path.join(sys, "bus/pci/drivers/vfio-pci"), { recursive: true });
        const modprobe = path.join(roots.binDir, "modprobe");
        // A modprobe that fails the way `install vfio-pci /bin/false` makes it fail.
        fs.writeFileSync(modprobe, "#!/bin/sh\necho \"modprobe: ERROR: Error running install command '/bin/false' for module vfio_pci: retcode 1\" >&2\nexit 1\n", { mode: 0o755 });
        const failed = await ex.run({ op: "modprobe-vfio" });
        assert.equal(failed.status, "error");
        assert.equal(explainKernelError(failed.status === "error" ? failed.message : "").code, "MODULE_REFUSED");
        // One that "works" but registers nothing is a failure too.
        fs.writeFileSync(modprobe, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
        assert.equal((await ex.run({ op: "modprobe-vfio" })).status, "error");
        fs.writeFileSync(modprobe, `#!/bin/sh\n[ "$*" = vfio-pci ] || exit 3\nmkdir ${JSON.stringify(path.join(sys, "bus/pci/drivers/vfio-pci"))}\n`, { mode: 0o755 });
        assert.deepEqual(await ex.run({ op: "modprobe-vfio" }), { status: "ok", value: "" });
    });

    test("keeps a device after reboot with a udev rule keyed on address and IDs, and forgets it", async () => {
        const reply = await ex.run({ op: "persist", method: "udev", address: at("0000:00:02.0") });
        const file = path.join(roots.etc, "udev/rules.d/70-cockpit-passthrough-0000:00:02.0.rules");
        assert.deepEqual(reply, { status: "ok", value: file });
        const rule = fs.readFileSync(file, "utf8").split("\n").find(l => l.startsWith("ACTION"))!;
        assert.match(rule, /KERNEL=="0000:00:02.0", ATTR\{vendor\}=="0x8086", ATTR\{device\}=="0x10d3", ATTR\{driver_override\}="vfio-pci"/);
        assert.match(rule, /RUN\{builtin\}\+="kmod load vfio-pci"/);
        assert.equal(fs.readdirSync(path.join(roots.etc, "udev/rules.d")).length, 1, "no temp file left");

        // An address that is gone can still be forgotten.
        fs.writeFileSync(path.join(roots.etc, "udev/rules.d/70-cockpit-passthrough-0000:00:1f.0.rules"), "x\n");
        assert.equal((await ex.run({ op: "unpersist", method: "udev", address: at("0000:00:1f.0") })).status, "ok");
        assert.equal((await ex.run({ op: "unpersist", method: "udev", address: at("0000:00:02.0") })).status, "ok");
        assert.deepEqual(fs.readdirSync(path.join(roots.etc, "udev/rules.d")), []);
    });

    test("forgets a driverctl override by its file only", async () => {
        fs.mkdirSync(path.join(roots.etc, "driverctl.d"));
        fs.writeFileSync(path.join(roots.etc, "driverctl.d/pci-0000:00:02.0"), "vfio-pci\n");
        fs.writeFileSync(path.join(roots.etc, "driverctl.d/pci-0000:00:03.0"), "vfio-pci\n");
        assert.equal((await ex.run({ op: "unpersist", method: "driverctl", address: at("0000:00:02.0") })).status, "ok");
        assert.deepEqual(fs.readdirSync(path.join(roots.etc, "driverctl.d")), ["pci-0000:00:03.0"]);
    });

    test("runs driverctl set-override with fixed arguments", async () => {
        const log = path.join(base, "driverctl.log");
        fs.writeFileSync(path.join(roots.binDir, "driverctl"), `#!/bin/sh\nprintf '%s|' "$@" > ${JSON.stringify(log)}\n`, { mode: 0o755 });
        assert.equal((await ex.run({ op: "persist", method: "driverctl", address: at("0000:00:03.0") })).status, "ok");
        assert.equal(fs.readFileSync(log, "utf8"), "set-override|0000:00:03.0|vfio-pci|");
    });

    test("answers one line per operation and exits at the end of its input", async () => {
        assert.equal(ex.sent.length > 10, true);
        assert.equal(await ex.close(), 0);
    });
});
