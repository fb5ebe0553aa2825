// SPDX-License-Identifier: LGPL-2.1-or-later
/* The executor's VF network settings (issue 14): vf-read, vf-set, their
 * rollback, and persist-vf / unpersist-vf, run with /bin/sh against a fake
 * sysfs tree and a fake `ip` that keeps each VF's state in files and refuses
 * what QEMU's emulated igb refuses (test/lib/fake-ip.ts). */

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { parseSnapshot } from "../../src/model/parse-snapshot.ts";
import {
    keptVfEntries, keptVfSettingsEntries, parsePersistence, parseVfPersistence, parseVfSettingsPersistence,
} from "../../src/model/persistence.ts";
import { makeSnapshot, type VfLinkState } from "../../src/model/snapshot.ts";
import { fakeIpRuns, fakeVfState, FAKE_VF_DEFAULT, setFakeVfState, writeFakeIp, writeStatefulFakeIp } from "../lib/fake-ip.ts";
import { writeFakeSysfs, type FakeFunction } from "../lib/fake-sysfs.ts";
import { runReader, tempDir } from "../lib/run-reader.ts";
import { startExecutor } from "../lib/run-executor.ts";

const READ_PERSISTENCE = fileURLToPath(new URL("../../src/host/read-persistence.sh", import.meta.url));

const PF = "0000:03:00.0";
const IFNAME = "enp3s0";
const NO_NETDEV_PF = "0000:04:00.0";
const DOTS_PF = "0000:05:00.0";
const SPACE_PF = "0000:06:00.0";
const PLAIN_NIC = "0000:00:02.0";

const igbVf = (address: string, pf: string, group: number): FakeFunction =>
    ({ address, vendor: 0x8086, device: 0x10ca, classCode: 0x020000, driver: "igbvf", physfn: pf, iommuGroup: group });
const igbPf = (address: string, vfs: string[], net: string[], group: number): FakeFunction =>
    ({ address, vendor: 0x8086, device: 0x10c9, classCode: 0x020000, driver: "igb", iommuGroup: group, sriovTotalVfs: 7, vfs, net });

const FUNCTIONS: FakeFunction[] = [
    { address: PLAIN_NIC, vendor: 0x8086, device: 0x10d3, classCode: 0x020000, driver: "e1000e", iommuGroup: 1, net: ["enp0s2"] },
    igbPf(PF, ["0000:03:10.0", "0000:03:10.2"], [IFNAME], 10),
    igbVf("0000:03:10.0", PF, 11),
    igbVf("0000:03:10.2", PF, 12),
    igbPf(NO_NETDEV_PF, ["0000:04:10.0"], [], 20),
    igbVf("0000:04:10.0", NO_NETDEV_PF, 21),
    // Names no kernel would give, but a sysfs (or a fake one) could show.
    igbPf(DOTS_PF, ["0000:05:10.0"], ["a..b"], 30),
    igbVf("0000:05:10.0", DOTS_PF, 31),
    igbPf(SPACE_PF, ["0000:06:10.0"], ["e th0"], 40),
    igbVf("0000:06:10.0", SPACE_PF, 41),
];

function host() {
    const base = tempDir("executor-vf-");
    const roots = { sysfs: path.join(base, "sys"), dev: path.join(base, "dev"), etc: path.join(base, "etc"), binDir: path.join(base, "bin") };
    writeFakeSysfs(roots.sysfs, FUNCTIONS, { extraDrivers: ["vfio-pci"] });
    fs.mkdirSync(path.join(roots.dev, "vfio"), { recursive: true });
    fs.mkdirSync(path.join(roots.etc, "udev/rules.d"), { recursive: true });
    writeStatefulFakeIp(roots.binDir, IFNAME, 2);
    const run = path.join(base, "run");
    return { base, roots, run, ip: path.join(roots.binDir, "ip") };
}

const DEFAULT_READ = "00:00:00:00:00:00|0|0|on|off|auto|0|0";
/* VF 1 is shown the older way, which has no "trust". */
const DEFAULT_READ_OLD = "00:00:00:00:00:00|0|0|on|-|auto|0|0";
const RULE = `71-cockpit-passthrough-vf-${PF}-0.rules`;

describe("executor.sh VF settings: bad input is rejected before any ip run", () => {
    const set = (key: string, value: string, pf = PF, n = "0") => `vf-set\t${pf}\t${n}\t${key}\t${value}`;
    const cases: [string, string, RegExp][] = [
        ["broadcast MAC", set("mac", "ff:ff:ff:ff:ff:ff"), /^ff:ff:ff:ff:ff:ff is a multicast address/],
        ["multicast MAC", set("mac", "01:00:5e:00:00:01"), /^01:00:5e:00:00:01 is a multicast address/],
        ["five-byte MAC", set("mac", "00:11:22:33:44"), /^bad MAC address: 00:11:22:33:44 /],
        ["seven-byte MAC", set("mac", "00:11:22:33:44:55:66"), /^bad MAC address/],
        ["upper-case MAC", set("mac", "52:54:00:AB:CD:EF"), /^bad MAC address/],
        ["all-zero MAC", set("mac", "00:00:00:00:00:00"), /^00:00:00:00:00:00 is not a usable address$/],
        ["MAC with a command", set("mac", "52:54:00:12:34:56;reboot"), /^bad MAC address/],
        ["VLAN 4095", set("vlan", "4095,0"), /^bad VLAN ID: 4095 /],
        ["qos 8", set("vlan", "100,8"), /^bad VLAN priority \(qos\): 8 /],
        ["qos without VLAN", set("vlan", "0,3"), /^a VLAN priority \(qos\) needs a VLAN ID$/],
        ["VLAN without qos", set("vlan", "100"), /^bad VLAN: 100 /],
        ["VLAN in octal", set("vlan", "0100,0"), /^bad VLAN: 0100,0 /],
        ["negative VLAN", set("vlan", "-1,0"), /^bad VLAN/],
        ["spoofchk yes", set("spoofchk", "yes"), /^bad spoofchk value: yes /],
        ["trust 1", set("trust", "1"), /^bad trust value: 1 /],
        ["link state up", set("state", "up"), /^bad link state: up /],
        ["min above max", set("rate", "200,100"), /^the minimum rate 200 is above the maximum 100$/],
        ["rate too high", set("rate", "0,1000001"), /^bad rates: 0,1000001 /],
        ["one rate", set("rate", "100"), /^bad rates: 100 /],
        ["unknown setting", set("mtu", "9000"), /^unknown VF setting: mtu$/],
        ["VF index past sriov_numvfs", set("trust", "on", PF, "2"), /^VF index 2 is past sriov_numvfs \(2\)$/],
        ["VF index with a leading zero", set("trust", "on", PF, "01"), /^bad VF index: 01$/],
        ["negative VF index", set("trust", "on", PF, "-1"), /^bad VF index: -1$/],
        ["PF without netdev", set("trust", "on", NO_NETDEV_PF), /^0000:04:00\.0 has no network interface$/],
        ["PF netdev with ..", set("trust", "on", DOTS_PF), /^bad interface name: a\.\.b$/],
        ["PF netdev with a space", set("trust", "on", SPACE_PF), /^bad interface name: e th0$/],
        ["not an SR-IOV PF", set("trust", "on", PLAIN_NIC), /^0000:00:02\.0 is not an SR-IOV physical function$/],
        ["a VF as the PF", set("trust", "on", "0000:03:10.0"), /is not an SR-IOV physical function$/],
        ["absent PF", set("trust", "on", "0000:09:00.0"), /^no such device: 0000:09:00\.0$/],
        ["bad PF address", set("trust", "on", "0000:03:00.0/../x"), /^bad address/],
        ["too many fields", set("trust", "on") + "\tx", /^too many fields$/],
        ["too few fields", `vf-set\t${PF}\t0\ttrust`, /^vf-set needs/],
        ["vf-read past sriov_numvfs", `vf-read\t${PF}\t7`, /^VF index 7 is past sriov_numvfs \(2\)$/],
        ["vf-read without netdev", `vf-read\t${NO_NETDEV_PF}\t0`, /has no network interface$/],
        ["vf-read of a name with ..", `vf-read\t${DOTS_PF}\t0`, /^bad interface name: a\.\.b$/],
        ["vf-read with three fields", `vf-read\t${PF}\t0\t1`, /^vf-read needs a PF address and a VF index$/],
        ["persist-vf without settings", `persist-vf\t${PF}\t0`, /^persist-vf needs/],
        ["persist-vf bad MAC", `persist-vf\t${PF}\t0\tmac=01:00:5e:00:00:01`, /multicast/],
        ["persist-vf qos 8", `persist-vf\t${PF}\t0\ttrust=on\tvlan=100,8`, /qos/],
        ["persist-vf key twice", `persist-vf\t${PF}\t0\ttrust=on\ttrust=off`, /^trust is given twice$/],
        ["persist-vf without =", `persist-vf\t${PF}\t0\ttrust`, /^bad setting: "trust"/],
        ["persist-vf empty field", `persist-vf\t${PF}\t0\ttrust=on\t`, /^bad setting: ""/],
        ["persist-vf past sriov_numvfs", `persist-vf\t${PF}\t5\ttrust=on`, /^VF index 5 is past sriov_numvfs \(2\)$/],
        ["persist-vf without netdev", `persist-vf\t${NO_NETDEV_PF}\t0\ttrust=on`, /has no network interface$/],
        ["unpersist-vf bad address", `unpersist-vf\t../../x\t0`, /^bad address/],
        ["unpersist-vf bad index", `unpersist-vf\t${PF}\t0/../../x`, /^bad VF index/],
    ];

    test("each answers rejected with its reason; ip never runs, nothing is journaled or written", async () => {
        const { base, roots, run } = host();
        const ex = startExecutor(roots);
        for (const [name, line, reason] of cases) {
            const [status, message] = (await ex.send(line)).split("\t");
            assert.equal(status, "rejected", `${name}: ${message}`);
            assert.match(message, reason, name);
        }
        assert.deepEqual(fakeIpRuns(roots.binDir), [], "no ip run");
        assert.ok(!fs.existsSync(path.join(run, "journal")), "nothing journaled");
        assert.deepEqual(fs.readdirSync(path.join(roots.etc, "udev/rules.d")), [], "no rule written");
        assert.equal(fakeVfState(roots.binDir, 0), FAKE_VF_DEFAULT);
        assert.equal(await ex.close(), 0);
        fs.rmSync(base, { recursive: true, force: true });
    });
});

describe("executor.sh VF settings: not on a VF the host needs", () => {
    /* VF 1 (0000:03:10.2) with its own interface, which carries the default
     * route: its MAC, VLAN or link state would cut the host off. */
    const VF_IF = "enp3s16f2";
    function needyHost(routes: string) {
        const h = host();
        const vf = path.join(h.roots.sysfs, "bus/pci/devices/0000:03:10.2");
        const netDir = path.join(fs.realpathSync(vf), "net", VF_IF);
        fs.mkdirSync(netDir, { recursive: true });
        fs.symlinkSync(netDir, path.join(h.roots.sysfs, "class/net", VF_IF));
        // The stateful fake answers links; this one answers the route query first.
        fs.renameSync(h.ip, path.join(h.roots.binDir, "ip-vf"));
        fs.writeFileSync(h.ip, `#!/bin/sh\ncase "$*" in *"-4 route show default"*) ${routes} ;; esac\n` +
                               'exec "$(dirname "$0")/ip-vf" "$@"\n', { mode: 0o755 });
        return h;
    }

    test("vf-set and persist-vf on it are refused, the VF untouched; its sibling still takes settings", async () => {
        const { base, roots } = needyHost(`echo "default via 10.0.2.2 dev ${VF_IF} proto dhcp metric 100"; exit 0`);
        const ex = startExecutor(roots);
        assert.equal(await ex.send(`vf-set\t${PF}\t1\tvlan\t100,0`), "rejected\t0000:03:10.2 carries the default route or a Cockpit session");
        assert.equal(await ex.send(`persist-vf\t${PF}\t1\tvlan=100,0`), "rejected\t0000:03:10.2 carries the default route or a Cockpit session");
        assert.equal(fakeVfState(roots.binDir, 1), FAKE_VF_DEFAULT);
        assert.deepEqual(fs.readdirSync(path.join(roots.etc, "udev/rules.d")), []);
        assert.equal(await ex.send(`vf-set\t${PF}\t0\tvlan\t100,0`), "ok\t00:00:00:00:00:00|100|0|on|off|auto|0|0");
        assert.equal(await ex.send("commit"), "ok\t");
        await ex.close();
        fs.rmSync(base, { recursive: true, force: true });
    });

    test("when the routes cannot be read, a VF with an interface is refused: fail closed", async () => {
        const { base, roots } = needyHost('echo "Cannot open netlink socket" >&2; exit 1');
        const ex = startExecutor(roots);
        assert.match(await ex.send(`vf-set\t${PF}\t1\ttrust\ton`), /^rejected\tcannot tell whether 0000:03:10\.2 carries this session: ip: /);
        assert.equal(fakeVfState(roots.binDir, 1), FAKE_VF_DEFAULT);
        await ex.close();
        fs.rmSync(base, { recursive: true, force: true });
    });
});

describe("executor.sh vf-read and vf-set", () => {
    test("vf-read parses both of ip's line formats", async () => {
        const { base, roots } = host();
        const ex = startExecutor(roots);
        assert.equal(await ex.send(`vf-read\t${PF}\t0`), `ok\t${DEFAULT_READ}`);
        assert.equal(await ex.send(`vf-read\t${PF}\t1`), `ok\t${DEFAULT_READ_OLD}`);
        // The two example lines of iproute2 6.x and older (see the fake's output).
        setFakeVfState(roots.binDir, 0, "52:54:00:12:34:56 100 3 off on auto 0 0");
        setFakeVfState(roots.binDir, 1, "02:00:00:00:00:02 7 1 on off disable 10 100");
        const shown = execFileSync(path.join(roots.binDir, "ip"), ["-d", "link", "show", "dev", IFNAME], { encoding: "utf8" });
        assert.match(shown, /^ {4}vf 0 {5}link\/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff, vlan 100, qos 3, spoof checking off, link-state auto, trust on, query_rss off$/m);
        assert.match(shown, /^ {4}vf 1 MAC 02:00:00:00:00:02, vlan 7, qos 1, tx rate 100 \(Mbps\), max_tx_rate 100Mbps, min_tx_rate 10Mbps, spoof checking on, link-state disable$/m);
        assert.equal(await ex.send(`vf-read\t${PF}\t0`), "ok\t52:54:00:12:34:56|100|3|off|on|auto|0|0");
        assert.equal(await ex.send(`vf-read\t${PF}\t1`), "ok\t02:00:00:00:00:02|7|1|on|-|disable|10|100");
        // Only shows: nothing journaled.
        assert.ok(!fs.existsSync(path.join(roots.etc, "../run/journal")));
        await ex.close();
        fs.rmSync(base, { recursive: true, force: true });
    });

    test("a set applies, reads back, is journaled once with the state before, and stays after commit", async () => {
        const { base, roots, run } = host();
        const ex = startExecutor(roots);
        assert.equal(await ex.send(`vf-set\t${PF}\t0\tmac\t52:54:00:12:34:56`), "ok\t52:54:00:12:34:56|0|0|on|off|auto|0|0");
        assert.equal(await ex.send(`vf-set\t${PF}\t0\tvlan\t100,3`), "ok\t52:54:00:12:34:56|100|3|on|off|auto|0|0");
        assert.equal(await ex.send(`vf-set\t${PF}\t0\ttrust\ton`), "ok\t52:54:00:12:34:56|100|3|on|on|auto|0|0");
        assert.equal(await ex.send(`vf-set\t${PF}\t0\tspoofchk\toff`), "ok\t52:54:00:12:34:56|100|3|off|on|auto|0|0");
        assert.equal(await ex.send(`vf-set\t${PF}\t0\trate\t10,200`), "ok\t52:54:00:12:34:56|100|3|off|on|auto|10|200");
        assert.equal(await ex.send(`vf-set\t${PF}\t1\tstate\tdisable`), "ok\t00:00:00:00:00:00|0|0|on|-|disable|0|0");
        assert.equal(fakeVfState(roots.binDir, 0), "52:54:00:12:34:56 100 3 off on auto 10 200");
        // Values reach ip as arguments, one each.
        assert.ok(fakeIpRuns(roots.binDir).includes(`link set dev ${IFNAME} vf 0 vlan 100 qos 3`));
        assert.ok(fakeIpRuns(roots.binDir).includes(`link set dev ${IFNAME} vf 0 min_tx_rate 10 max_tx_rate 200`));
        assert.equal(fs.readFileSync(path.join(run, "journal"), "utf8"),
                     `vf|${PF}|0|00:00:00:00:00:00,0,0,on,off,auto,0,0\nvf|${PF}|1|00:00:00:00:00:00,0,0,on,-,auto,0,0\n`);
        assert.equal(await ex.send("commit"), "ok\t");
        assert.equal(await ex.close(), 0);
        assert.ok(!fs.existsSync(path.join(run, "journal")));
        assert.ok(!fs.existsSync(path.join(run, "report")));
        assert.equal(fakeVfState(roots.binDir, 0), "52:54:00:12:34:56 100 3 off on auto 10 200");
        fs.rmSync(base, { recursive: true, force: true });
    });

    test("a setting the driver refuses answers ip's message and leaves the VF as it was", async () => {
        const { base, roots } = host();
        const ex = startExecutor(roots);
        assert.equal(await ex.send(`vf-set\t${PF}\t0\tmac\t52:54:00:12:34:56`), "ok\t52:54:00:12:34:56|0|0|on|off|auto|0|0");
        const before = fakeVfState(roots.binDir, 0);
        assert.equal(await ex.send(`vf-set\t${PF}\t0\tstate\tenable`), "error\tRTNETLINK answers: Operation not supported");
        assert.equal(await ex.send(`vf-set\t${PF}\t0\trate\t0,100`), "error\tRTNETLINK answers: Invalid argument");
        assert.equal(fakeVfState(roots.binDir, 0), before);
        assert.equal(await ex.send(`vf-read\t${PF}\t0`), "ok\t52:54:00:12:34:56|0|0|on|off|auto|0|0");
        assert.equal(await ex.send("commit"), "ok\t");
        await ex.close();
        fs.rmSync(base, { recursive: true, force: true });
    });

    test("a setting the VF does not show afterwards is not taken as applied", async () => {
        const { base, roots } = host();
        const ex = startExecutor(roots);
        // VF 1 is shown without trust (older ip): the read back cannot confirm it.
        assert.equal(await ex.send(`vf-set\t${PF}\t1\ttrust\ton`), "error\ttrust did not apply: the VF reports -");
        await ex.close();
        fs.rmSync(base, { recursive: true, force: true });
    });
});

describe("executor.sh VF settings: rollback", () => {
    test("rollback restores every VF set earlier, newest first", async () => {
        const { base, roots, run } = host();
        setFakeVfState(roots.binDir, 1, "02:00:00:00:00:02 7 1 on off auto 0 0");
        const ex = startExecutor(roots);
        for (const [n, key, value] of [["0", "mac", "52:54:00:12:34:56"], ["0", "vlan", "100,3"], ["0", "trust", "on"],
                                       ["0", "rate", "10,200"], ["1", "mac", "52:54:00:ab:cd:ef"], ["1", "vlan", "0,0"],
                                       ["1", "state", "disable"]])
            assert.match(await ex.send(`vf-set\t${PF}\t${n}\t${key}\t${value}`), /^ok\t/, `${n} ${key}`);
        assert.equal(await ex.send("rollback"), "ok\t");
        assert.equal(fakeVfState(roots.binDir, 0), FAKE_VF_DEFAULT);
        assert.equal(fakeVfState(roots.binDir, 1), "02:00:00:00:00:02 7 1 on off auto 0 0");
        assert.ok(!fs.existsSync(path.join(run, "journal")));
        assert.ok(!fs.existsSync(path.join(run, "report")), "a requested rollback leaves no report");
        // The all-zero MAC is set back as such.
        assert.ok(fakeIpRuns(roots.binDir).includes(`link set dev ${IFNAME} vf 0 mac 00:00:00:00:00:00`));
        await ex.close();
        fs.rmSync(base, { recursive: true, force: true });
    });

    test("the input ends without commit: the VF is restored and the report has its line", async () => {
        const { base, roots, run } = host();
        const ex = startExecutor(roots);
        assert.match(await ex.send(`vf-set\t${PF}\t0\tmac\t52:54:00:12:34:56`), /^ok\t/);
        assert.match(await ex.send(`vf-set\t${PF}\t0\tspoofchk\toff`), /^ok\t/);
        // A refused one changes nothing and needs no undo.
        assert.match(await ex.send(`vf-set\t${PF}\t1\tstate\tenable`), /^error\t/);
        assert.equal(await ex.close(), 0);
        assert.equal(fakeVfState(roots.binDir, 0), FAKE_VF_DEFAULT);
        assert.equal(fakeVfState(roots.binDir, 1), FAKE_VF_DEFAULT);
        const report = fs.readFileSync(path.join(run, "report"), "utf8").split("\n");
        assert.match(report[0], /^interrupted\|[0-9]+$/);
        assert.deepEqual(report.slice(1), [`vf|${PF}|0|restored`, ""]);
        assert.ok(!fs.existsSync(path.join(run, "journal")));
        fs.rmSync(base, { recursive: true, force: true });
    });

    test("a journal left by a crash is rolled back at the next start; a setting that cannot be restored is reported failed", async () => {
        const { base, roots, run } = host();
        setFakeVfState(roots.binDir, 0, "52:54:00:12:34:56 100 3 off on disable 0 0");
        fs.mkdirSync(run, { recursive: true });
        // "enable" is what the emulated igb refuses: the rest still comes back.
        fs.writeFileSync(path.join(run, "journal"), `vf|${PF}|0|00:00:00:00:00:00,0,0,on,off,enable,0,0\n`);
        const ex = startExecutor(roots);
        assert.equal(await ex.send(`vf-read\t${PF}\t0`), "ok\t00:00:00:00:00:00|0|0|on|off|disable|0|0");
        assert.deepEqual(fs.readFileSync(path.join(run, "report"), "utf8").split("\n").slice(1), [`vf|${PF}|0|failed`, ""]);
        await ex.close();
        fs.rmSync(base, { recursive: true, force: true });
    });

    test("a VF gone since (its VF count rolled back first) is skipped", async () => {
        const { base, roots, run } = host();
        fs.mkdirSync(run, { recursive: true });
        fs.writeFileSync(path.join(run, "journal"), `vf|${PF}|5|00:00:00:00:00:00,0,0,on,off,auto,0,0\n`);
        const ex = startExecutor(roots);
        assert.equal(await ex.send(`vf-read\t${PF}\t0`), `ok\t${DEFAULT_READ}`);
        assert.ok(!fs.existsSync(path.join(run, "report")));
        assert.deepEqual(fakeIpRuns(roots.binDir), [`-d link show dev ${IFNAME}`]);
        await ex.close();
        fs.rmSync(base, { recursive: true, force: true });
    });
});

/** What udev runs for one RUN+="..." value of a rule: \" unescaped, $kernel
 * substituted, $$ a literal $; then the /bin/sh -c script inside the single quotes. */
function udevRunScripts(rule: string, kernel: string): string[] {
    const line = rule.split("\n").find(l => l.startsWith("ACTION=="))!;
    return [...line.matchAll(/RUN\+="((?:[^"\\]|\\")*)"/g)].map(m => {
        const program = m[1].replaceAll('\\"', '"').replaceAll("$kernel", kernel).replaceAll("$$", "$");
        const script = /^\/bin\/sh -c '([^']*)'$/.exec(program);
        assert.ok(script, program);
        return script[1];
    });
}

describe("executor.sh persist-vf and unpersist-vf", () => {
    test("persist-vf writes the rule, in a fixed order of settings; rollback removes it", async () => {
        const { base, roots, ip } = host();
        const ex = startExecutor(roots);
        const file = path.join(roots.etc, "udev/rules.d", RULE);
        assert.equal(await ex.send(`persist-vf\t${PF}\t0\ttrust=on\tmac=52:54:00:12:34:56\tvlan=100,3\tspoofchk=off\tstate=disable\trate=10,200`),
                     `ok\t${file}`);
        const run = (args: string) =>
            `RUN+="/bin/sh -c 'for n in /sys/bus/pci/devices/$kernel/net/*; do [ -e \\"$$n\\" ] && exec ${ip} link set dev \\"$\${n##*/}\\" vf 0 ${args}; done'"`;
        const expected = [
            `# Written by Cockpit (Device passthrough): VF 0 of ${PF} (0x8086:0x10c9, driver igb): ` +
                "mac=52:54:00:12:34:56 vlan=100,3 spoofchk=off trust=on state=disable rate=10,200",
            "# Remove this file (or use the \"Kept after reboot\" list) to stop applying these settings at the next boot.",
            `# The same events as 70-cockpit-passthrough-vfs-${PF}.rules, which creates the VFs first; the PF's interface is looked up when it runs.`,
            `ACTION=="add|bind", SUBSYSTEM=="pci", KERNEL=="${PF}", DRIVER=="igb", ATTR{vendor}=="0x8086", ATTR{device}=="0x10c9", ` +
                [run("mac 52:54:00:12:34:56"), run("vlan 100 qos 3"), run("spoofchk off"), run("trust on"), run("state disable"),
                 run("min_tx_rate 10 max_tx_rate 200")].join(", "),
            "",
        ].join("\n");
        assert.equal(fs.readFileSync(file, "utf8"), expected);
        // Only queries (the routes, for the host-need check): no link set.
        assert.deepEqual(fakeIpRuns(roots.binDir).filter(r => r.startsWith("link set")), [], "persisting changes nothing now");

        // What udev would run, pointed at the fake sysfs instead of /sys: it sets the VF up.
        for (const script of udevRunScripts(expected, PF))
            execFileSync("/bin/sh", ["-c", script.replaceAll("/sys/", roots.sysfs + "/")]);
        assert.equal(fakeVfState(roots.binDir, 0), "52:54:00:12:34:56 100 3 off on disable 10 200");

        assert.equal(await ex.send("rollback"), "ok\t");
        assert.ok(!fs.existsSync(file));
        await ex.close();
        fs.rmSync(base, { recursive: true, force: true });
    });

    test("persist-vf replaces an earlier rule (restored by rollback); unpersist-vf removes it (restored by rollback)", async () => {
        const { base, roots } = host();
        const file = path.join(roots.etc, "udev/rules.d", RULE);
        fs.writeFileSync(file, "the earlier rule\n");
        const ex = startExecutor(roots);
        assert.equal(await ex.send(`persist-vf\t${PF}\t0\ttrust=on`), `ok\t${file}`);
        assert.match(fs.readFileSync(file, "utf8"), /: trust=on\n/);
        assert.equal(await ex.send("rollback"), "ok\t");
        assert.equal(fs.readFileSync(file, "utf8"), "the earlier rule\n");

        assert.equal(await ex.send(`unpersist-vf\t${PF}\t0`), "ok\t");
        assert.ok(!fs.existsSync(file));
        assert.equal(await ex.send("rollback"), "ok\t");
        assert.equal(fs.readFileSync(file, "utf8"), "the earlier rule\n");

        assert.equal(await ex.send(`unpersist-vf\t${PF}\t0`), "ok\t");
        assert.equal(await ex.send("commit"), "ok\t");
        assert.ok(!fs.existsSync(file));
        // The PF need not be present: its address and the index are enough.
        assert.equal(await ex.send("unpersist-vf\t0000:0a:00.0\t3"), "ok\t");
        await ex.close();
        fs.rmSync(base, { recursive: true, force: true });
    });
});

describe("Kept after reboot: VF settings rules", () => {
    const readPersistence = (etc: string) =>
        execFileSync("/bin/sh", ["-c", fs.readFileSync(READ_PERSISTENCE, "utf8"), "--", etc], { encoding: "utf8" });
    const vfState = (over: Partial<VfLinkState>): VfLinkState => ({
        vf: 0, mac: "00:00:00:00:00:00", vlan: 0, qos: 0, spoofCheck: true, trust: false, linkState: "auto",
        minTxRate: 0, maxTxRate: 0, ...over,
    });

    test("read-persistence.sh lists them, only parseVfSettingsPersistence takes them, and kept entries compare the VF now", async () => {
        const { base, roots } = host();
        const ex = startExecutor(roots);
        const rules = path.join(roots.etc, "udev/rules.d");
        assert.match(await ex.send(`persist-vf\t${PF}\t1\ttrust=on`), /^ok\t/);
        assert.match(await ex.send(`persist-vf\t${PF}\t0\tvlan=100,3\tmac=52:54:00:12:34:56\trate=0,200`), /^ok\t/);
        assert.match(await ex.send(`persist-vfs\t${PF}\t2\t1`), /^ok\t/);
        assert.equal(await ex.send("commit"), "ok\t");
        await ex.close();
        // Not ours to describe: a name that does not match the first line, a setting edited by hand.
        fs.copyFileSync(path.join(rules, RULE), path.join(rules, `71-cockpit-passthrough-vf-${PF}-3.rules`));
        fs.writeFileSync(path.join(rules, `71-cockpit-passthrough-vf-${PF}-4.rules`),
                         fs.readFileSync(path.join(rules, RULE), "utf8").replaceAll("vf 0", "vf 4").replace("VF 0 ", "VF 4 ")
                                 .replace("vlan=100,3", "vlan=5000,3"));

        const output = readPersistence(roots.etc);
        assert.match(output, new RegExp(`^F\t${rules}/71-cockpit-passthrough-vf-${PF}-0\\.rules$`, "m"));
        assert.deepEqual(parsePersistence(output), [], "not a binding");
        assert.deepEqual(parseVfPersistence(output).map(r => [r.address, r.count]), [[PF, 2]], "only the VF count rule");
        const kept = parseVfSettingsPersistence(output);
        assert.deepEqual(kept, [
            {
                pf: PF, vf: 0, vendorId: 0x8086, deviceId: 0x10c9, driver: "igb",
                settings: { mac: "52:54:00:12:34:56", vlan: "100,3", rate: "0,200" }, file: path.join(rules, RULE),
            },
            {
                pf: PF, vf: 1, vendorId: 0x8086, deviceId: 0x10c9, driver: "igb",
                settings: { trust: "on" }, file: path.join(rules, `71-cockpit-passthrough-vf-${PF}-1.rules`),
            },
        ]);

        // The host now: the reader's functions (its ip answers nothing), with the VF state ip would show.
        const noIp = path.join(base, "no-ip");
        writeFakeIp(noIp, {});
        const functions = [...parseSnapshot(runReader(roots.sysfs, [], noIp)).functions];
        const withState = (vfs: VfLinkState[] | null) =>
            makeSnapshot(functions, vfs ? new Map([[IFNAME, { name: IFNAME, mac: "52:54:00:aa:bb:cc", vfs }]]) : null);
        const now = withState([
            vfState({ vf: 0, mac: "52:54:00:12:34:56", vlan: 100, qos: 3, maxTxRate: 200 }),
            vfState({ vf: 1, trust: null }),
        ]);
        assert.deepEqual(keptVfSettingsEntries(kept, now).map(e => e.status), [
            { kind: "matches", onDriver: "igb", vf: "0000:03:10.0", current: "applied", differing: [] },
            { kind: "matches", onDriver: "igb", vf: "0000:03:10.2", current: "unknown", differing: [] },
        ]);
        const after = withState([vfState({ vf: 0, mac: "52:54:00:12:34:56", vlan: 100, qos: 0 }), vfState({ vf: 1 })]);
        assert.deepEqual(keptVfSettingsEntries(kept, after).map(e => e.status), [
            { kind: "matches", onDriver: "igb", vf: "0000:03:10.0", current: "differs", differing: ["vlan", "rate"] },
            { kind: "matches", onDriver: "igb", vf: "0000:03:10.2", current: "differs", differing: ["trust"] },
        ]);
        assert.deepEqual(keptVfSettingsEntries(kept, withState(null)).map(e => e.status.kind === "matches" && e.status.current),
                         ["unknown", "unknown"], "VF network state not read");

        // Another card at the address; the card gone; no VF 1 now.
        const other = makeSnapshot(functions.map(f => f.address === PF ? { ...f, deviceId: 0x1521 } : f));
        assert.deepEqual(keptVfSettingsEntries(kept, other)[0].status, { kind: "hardware-changed", nowVendorId: 0x8086, nowDeviceId: 0x1521 });
        assert.deepEqual(keptVfSettingsEntries(kept, makeSnapshot(functions.filter(f => f.address !== PF)))[0].status, { kind: "absent" });
        const oneVf = makeSnapshot(functions.map(f =>
            f.address === PF && f.sriov ? { ...f, sriov: { ...f.sriov, vfs: f.sriov.vfs.slice(0, 1) } } : f));
        assert.deepEqual(keptVfSettingsEntries(kept, oneVf)[1].status,
                         { kind: "matches", onDriver: "igb", vf: null, current: "unknown", differing: [] });
        // At boot each rule needs the VF count kept for its card to make VF N: 2 VFs kept here.
        const counts = parseVfPersistence(output);
        assert.deepEqual(keptVfSettingsEntries(kept, now, counts).map(e => e.atBoot), [{ kind: "applies" }, { kind: "applies" }]);
        const oneKept = counts.map(c => ({ ...c, count: 1 }));
        assert.deepEqual(keptVfSettingsEntries(kept, now, oneKept).map(e => e.atBoot), [{ kind: "applies" }, { kind: "too-few", count: 1 }]);
        assert.deepEqual(keptVfSettingsEntries(kept, now).map(e => e.atBoot), [{ kind: "no-count" }, { kind: "no-count" }]);
        // keptVfEntries still sees the VF count rule alone.
        assert.equal(keptVfEntries(parseVfPersistence(output), now).length, 1);
        fs.rmSync(base, { recursive: true, force: true });
    });
});
