// SPDX-License-Identifier: LGPL-2.1-or-later
/* `make bench`: the reader, the model, the table and the bundle at 64, 512
 * and 4,096 PCI functions, against the floor and the peers (issue 7), and
 * issue 14's host: 64 SR-IOV PFs × 63 VFs with netdev state for every VF.
 * Every reader run has a fake `ip` (test/lib/fake-ip.ts) first in PATH,
 * answering from the synthetic host's links: never this machine's own ip.
 * Prints a table with PASS/FAIL per budget and writes docs/PERFORMANCE.md.
 *
 * Wall times are medians of RUNS runs after one warm-up, runs of the three
 * contenders interleaved so that drift hits them alike. */

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";

import { inventoryRows } from "../../src/model/inventory.ts";
import { iommuGroups } from "../../src/model/iommu-groups.ts";
import { addressesToRead } from "../../src/model/merge-snapshot.ts";
import { parseSnapshot } from "../../src/model/parse-snapshot.ts";
import { parsePciIds } from "../../src/model/pci-ids.ts";
import { fakeIpRuns, writeFakeIp } from "../lib/fake-ip.ts";
import type { FakeFunction } from "../lib/fake-sysfs.ts";
import { READER_SCRIPT, tempDir } from "../lib/run-reader.ts";
import { BENCH_SIZES, fakeIpLinks, makeHost, makeNetHost, makePlainHost, makeTree, type TreeStats } from "./make-tree.ts";
import { benchLive, type LiveResult } from "./live-bench.ts";
import { benchUi, CHROMIUM } from "./ui-bench.ts";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const UI_RUNS = Number(process.env.BENCH_UI_RUNS ?? 5);
const PEER_BUNDLE_KB = 865; // cockpit-machines 288 in Debian: 715 KB index.js.gz + 150 KB index.css.gz
const BUDGET = {
    // sh, grep, find, and one ip when the functions read include an SR-IOV PF with a netdev (issue 14); else 3
    processes: 4, processesNoSriovNic: 3, floorRatio: 2, firstRenderMs: 500, bundleKb: 350,
    // Machines here differ ~3x from day to day: a filter is judged against clearing the filter (the
    // table's first 20 rows rendered again, no filtering) in the same run; the absolute time is shown.
    filterRatio: 2,
    // issue 16: per idle minute, any size; from a change to the rows; incremental read / full read at 4,096
    idleProcesses: 1, idleKb: 20, changeMs: 1000, incrementalRatio: 0.05,
};
/** Before issue 16 the page read a full snapshot every 5 s while visible. */
const OLD_POLLS_PER_MINUTE = 12;
const PCI_IDS = ["/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids", path.join(REPO, "test/fixtures/pci.ids")]
        .find(f => fs.existsSync(f))!;

const script = fs.readFileSync(READER_SCRIPT, "utf8");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (n: number) => n.toFixed(n < 10 ? 1 : 0);

/** The reader's environment: `ipDir` (a fake ip) first in PATH. */
const readerEnv = (ipDir: string): NodeJS.ProcessEnv => ({ ...process.env, PATH: `${ipDir}:${process.env.PATH}` });

function run(cmd: string, args: string[], cwd?: string, env?: NodeJS.ProcessEnv): string {
    const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 1 << 30, env });
    if (r.error)
        throw r.error;
    if (r.status !== 0)
        throw new Error(`${cmd} exited with ${r.status}: ${r.stderr}`);
    return r.stdout;
}

function timed(fn: () => unknown): number {
    const start = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - start) / 1e6;
}

interface ProcessCount {
    processes: number;
    execs: string[];
    /** Processes the fake ip started itself (its dirname and one cat per interface): not counted, the real ip starts none. */
    fakeIpChildren: number;
}

/** Processes one snapshot spawns, counted by strace: the shell plus every fork/clone that made a process.
 * `addresses`: an incremental read. --seccomp-bpf stops only at the traced calls (reads of a big tree
 * under plain strace -f take ~100x longer). `env` puts the fake ip first in PATH; that fake is a shell
 * script, and the processes below it are left out of the count (and reported apart). */
function countProcesses(root: string, work: string, env: NodeJS.ProcessEnv, addresses: string[] = []): ProcessCount {
    const log = path.join(work, "strace.log");
    run("strace", ["-f", "-qq", "--seccomp-bpf", "-o", log, "-e", "trace=execve,clone,clone3,fork,vfork",
        "/bin/sh", "-c", script, "--", root, ...addresses], undefined, env);
    const lines = fs.readFileSync(log, "utf8").split("\n");
    const parentOf = new Map<string, string>(); // child pid -> parent pid, for every process made
    const execsOf: [string, string][] = []; // [pid, program] of every successful execve, in order
    const pendingExec = new Map<string, string>(); // pid -> program of an execve still "<unfinished ...>"
    for (const line of lines) {
        const [pid] = line.split(" ", 1);
        // "123 clone(...) = 124", or the "<... clone resumed> ...) = 124" half of an interrupted call
        const child = / = ([0-9]+)$/.exec(line);
        if (/ (clone3?|v?fork)\(|<\.\.\. (clone3?|v?fork) resumed>/.test(line) && child &&
            !line.includes("CLONE_THREAD"))
            parentOf.set(child[1], pid);
        const exec = /execve\("([^"]+)"/.exec(line);
        if (exec)
            pendingExec.set(pid, path.basename(exec[1]));
        if ((exec || line.includes("<... execve resumed>")) && / = 0$/.test(line) && pendingExec.has(pid)) {
            execsOf.push([pid, pendingExec.get(pid)!]);
            pendingExec.delete(pid);
        }
    }
    const ipPids = new Set(execsOf.filter(([, program]) => program === "ip").map(([pid]) => pid));
    const belowIp = (pid: string): boolean => {
        for (let p = parentOf.get(pid); p !== undefined; p = parentOf.get(p)) {
            if (ipPids.has(p))
                return true;
        }
        return false;
    };
    const children = [...parentOf.keys()];
    // A forked shell that never execs (a command substitution running a shell function) is a process too.
    const execed = new Set(execsOf.map(([pid]) => pid));
    const subshells = children.filter(pid => !belowIp(pid) && !execed.has(pid)).length;
    return {
        processes: 1 + children.filter(pid => !belowIp(pid)).length,
        execs: [...execsOf.filter(([pid]) => !belowIp(pid)).map(([, program]) => program),
            ...Array<string>(subshells).fill("forked sh without exec")],
        fakeIpChildren: children.filter(belowIp).length,
    };
}

/** The floor's input (see floor.c): every file whose contents the reader
 * read ("path:value" records) and every link whose target it read ("L"
 * records), paths relative to bus/pci/devices, grouped by directory. */
function floorInput(output: string): string {
    const byDir = new Map<string, string[]>();
    const add = (path: string, item: string) => {
        const dir = path.slice(0, path.lastIndexOf("/"));
        const list = byDir.get(dir);
        if (list)
            list.push(item);
        else
            byDir.set(dir, [item]);
    };
    for (const line of output.split("\n")) {
        if (line.startsWith("F\t") || line.startsWith("["))
            continue; // presence only: the floor knows its names up front; "[": ip's JSON, timed apart
        if (line.startsWith("L\t")) {
            const path = line.split("\t")[1];
            add(path, `L\t${path}`);
            continue;
        }
        const slash = line.indexOf("/", 2);
        const colon = slash < 0 ? -1 : line.indexOf(":", slash);
        if (colon > 0)
            add(line.slice(0, colon), line.slice(0, colon));
    }
    return [...byDir.values()].flat().join("\n") + "\n";
}

/** Compiles floor.c into `work`. */
function buildFloor(work: string): string {
    const bin = path.join(work, "floor");
    run("cc", ["-O2", "-o", bin, path.join(REPO, "test/bench/floor.c")]);
    return bin;
}

/** A synthetic host to read: the sizes, issue 14's 64 PFs × 63 VFs, the platform without SR-IOV NIC. */
interface Host {
    /** Directory names and the table's first column. */
    key: string;
    label: string;
    fns: FakeFunction[];
}

interface SizeResult {
    key: string;
    label: string;
    size: number;
    stats: TreeStats;
    processes: number;
    execs: string[];
    fakeIpChildren: number;
    /** Runs of the fake ip during one full snapshot (its own log). */
    ipRuns: number;
    /** Interfaces of SR-IOV PFs (what the reader asks ip about) and VF states parsed from ip's answer. */
    pfInterfaces: number;
    netLinksParsed: number;
    vfStatesParsed: number;
    vfStatesExpected: number;
    readerMs: number;
    floorMs: number;
    /** The fake ip alone, given the same batch the reader gives it (0: no SR-IOV PF interface). */
    ipMs: number;
    lspciMs: number;
    grepMs: number;
    lspciDevices: number;
    outputKb: number;
    ipOutputKb: number;
    parseMs: number;
    rowsMs: number;
    functionsParsed: number;
}

const IP_ARGS = ["-j", "-d", "-force", "-batch", "-"];

interface Measured { result: SizeResult; output: string; root: string; env: NodeJS.ProcessEnv }

function benchSize(host: Host, work: string, floorBin: string, pciIdsText: string): Measured {
    const root = path.join(work, `sysfs-${host.key}`);
    const stats = makeTree(root, host.fns.length, host.fns);
    const size = stats.functions;
    const devices = path.join(root, "bus/pci/devices");
    // The fake ip: what `ip -j -d link show dev <if>` prints for every SR-IOV PF interface of the host.
    const ipDir = path.join(work, `ip-${host.key}`);
    const links = fakeIpLinks(host.fns);
    writeFakeIp(ipDir, links);
    const env = readerEnv(ipDir);
    const pfInterfaces = Object.keys(links);
    const ipBatch = pfInterfaces.map(n => `link show dev ${n}\n`).join("") + "\n";

    const { processes, execs, fakeIpChildren } = countProcesses(root, work, env);
    const runsBefore = fakeIpRuns(ipDir).length;
    const output = run("/bin/sh", ["-c", script, "--", root], undefined, env);
    const ipRuns = fakeIpRuns(ipDir).length - runsBefore;
    const floorList = floorInput(output);
    const lspciArgs = ["-D", "-vmm", "-nn", "-k", "-A", "linux-sysfs", "-O", `sysfs.path=${root}/bus/pci`];
    const lspciDevices = (spawnSync("lspci", lspciArgs, { encoding: "utf8", maxBuffer: 1 << 30 }).stdout.match(/^Slot:/gm) ?? []).length;

    // The reader's own grep, alone: one grep -r over the same directories for the same files, no links.
    // (In the script it is `exec grep -r ...` inside read_files, continued over several lines.)
    const grepArgs = (() => {
        const lines = script.split("\n");
        const start = lines.findIndex(l => /^\s*(exec\s+)?grep -r /.test(l));
        if (start < 0)
            throw new Error("no grep -r in the reader");
        const text = lines.slice(start, lines.findIndex((l, i) => i > start && !l.endsWith("\\")) + 1).join(" ");
        return [...text.matchAll(/--[a-z-]+=(?:'[^']*'|[^\s\\]+)/g)].map(m => m[0].replace(/'/g, ""));
    })();
    if (!grepArgs.some(a => a.startsWith("--include=")))
        throw new Error(`could not read the reader's grep arguments: ${grepArgs.join(" ")}`);
    const dirs = fs.readdirSync(devices).sort().map(d => `./${d}/`);
    // The sysfs contents records: not the L/F records of find, not ip's JSON lines ("[").
    const dataRecords = (text: string) => text.split("\n").filter(l => l !== "" && !l.startsWith("L\t") && !l.startsWith("F\t") &&
        !l.startsWith("[")).length;
    if (dataRecords(run("grep", ["-r", "-H", "-s", ...grepArgs, "", ...dirs], devices)) !== dataRecords(output))
        throw new Error("the reference grep -r does not read what the reader's grep reads");
    const ipLines = output.split("\n").filter(l => l.startsWith("["));
    if (ipLines.length !== pfInterfaces.length)
        throw new Error(`${ipLines.length} ip lines in the reader's output for ${pfInterfaces.length} SR-IOV PF interfaces`);
    const ipOutputKb = ipLines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0) / 1024;
    const contenders: Record<"reader" | "floor" | "ip" | "grep" | "lspci", () => void> = {
        reader: () => run("/bin/sh", ["-c", script, "--", root], undefined, env),
        // The floor: one process reading every file and link the reader read, named up front (floor.c).
        floor: () => {
            const r = spawnSync(floorBin, [], { cwd: devices, input: floorList, maxBuffer: 1 << 30 });
            if (r.error || r.status !== 0)
                throw r.error ?? new Error(`floor exited with ${r.status}`);
        },
        // The one ip the reader runs, alone with the same batch: netlink state no sysfs read can replace.
        ip: () => {
            if (!pfInterfaces.length)
                return;
            const r = spawnSync(path.join(ipDir, "ip"), IP_ARGS, { input: ipBatch, env, maxBuffer: 1 << 30 });
            if (r.error || r.status !== 0)
                throw r.error ?? new Error(`fake ip exited with ${r.status}`);
        },
        grep: () => spawnSync("grep", ["-r", "-H", "-s", ...grepArgs, "", ...dirs], { cwd: devices, maxBuffer: 1 << 30 }),
        // lspci complains on stderr that the tree has no kernel modules for -k; its exit status is 0.
        lspci: () => spawnSync("lspci", lspciArgs, { maxBuffer: 1 << 30 }),
    };
    const times: Record<keyof typeof contenders, number[]> = { reader: [], floor: [], ip: [], grep: [], lspci: [] };
    for (let i = 0; i <= RUNS; i++) {
        for (const [name, fn] of Object.entries(contenders) as [keyof typeof contenders, () => void][]) {
            const t = timed(fn);
            if (i > 0) // the first round warms caches
                times[name].push(t);
        }
    }

    const pciIds = parsePciIds(pciIdsText);
    const parse: number[] = [];
    const rows: number[] = [];
    let snapshot = parseSnapshot("");
    for (let i = 0; i <= RUNS; i++) {
        const p = timed(() => { snapshot = parseSnapshot(output) });
        const r = timed(() => { inventoryRows(snapshot, pciIds); iommuGroups(snapshot) });
        if (i > 0) {
            parse.push(p);
            rows.push(r);
        }
    }
    const functionsParsed = snapshot.functions.length;
    if (functionsParsed !== size)
        throw new Error(`the reader and parser found ${functionsParsed} functions in a tree of ${size}`);
    // Every SR-IOV PF interface in snapshot.netLinks with one state per VF, as the fake ip gave them.
    let vfStatesParsed = 0;
    let vfStatesExpected = 0;
    for (const pf of host.fns.filter(f => f.sriovTotalVfs && f.net?.length)) {
        for (const name of pf.net!) {
            const vfs = snapshot.netLinks?.get(name)?.vfs ?? [];
            vfStatesParsed += vfs.length;
            vfStatesExpected += pf.vfs?.length ?? 0;
            if (vfs.length !== (pf.vfs?.length ?? 0) || vfs.some((v, n) => v.vf !== n))
                throw new Error(`netLinks of ${name}: ${vfs.length} VF states for ${pf.vfs?.length ?? 0} VFs`);
            // One VF's settings as written: VF 3 has a VLAN (103, qos 3) and a MAC, spoof check on, trust off.
            const v3 = vfs[3];
            if (v3 && (v3.vlan !== 103 || v3.qos !== 3 || !v3.mac?.startsWith("52:54:00:") || v3.spoofCheck !== true || v3.trust !== false))
                throw new Error(`netLinks of ${name}: VF 3 read as ${JSON.stringify(v3)}`);
        }
    }
    if ((snapshot.netLinks?.size ?? 0) !== pfInterfaces.length)
        throw new Error(`netLinks has ${snapshot.netLinks?.size ?? 0} interfaces, the host ${pfInterfaces.length} SR-IOV PF interfaces`);

    return {
        output, root, env,
        result: {
            key: host.key, label: host.label, size, stats, processes, execs, fakeIpChildren, ipRuns,
            pfInterfaces: pfInterfaces.length, netLinksParsed: snapshot.netLinks?.size ?? 0, vfStatesParsed, vfStatesExpected,
            readerMs: median(times.reader), floorMs: median(times.floor), ipMs: pfInterfaces.length ? median(times.ip) : 0,
            lspciMs: median(times.lspci), grepMs: median(times.grep),
            lspciDevices,
            outputKb: Buffer.byteLength(output) / 1024, ipOutputKb,
            parseMs: median(parse), rowsMs: median(rows), functionsParsed,
        },
    };
}

function bundleSize(): { jsKb: number; cssKb: number } {
    const gz = (f: string) => zlib.gzipSync(fs.readFileSync(path.join(REPO, "dist", f)), { level: 9 }).length / 1024;
    return { jsKb: gz("index.js"), cssKb: gz("index.css") };
}

const loadAverage = () => os.loadavg().map(l => l.toFixed(1)).join(" ");

function machine(loadAtStart: string): string[] {
    const cpu = os.cpus()[0]?.model ?? "unknown CPU";
    const version = (cmd: string, args: string[]) => {
        const r = spawnSync(cmd, args, { encoding: "utf8" });
        return (r.stdout || r.stderr || "").split("\n")[0].trim();
    };
    return [
        `CPU: ${cpu}, ${os.cpus().length} cores; ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM`,
        `Kernel: ${os.type()} ${os.release()}; Node ${process.version}; ${version("lspci", ["--version"])}; ` +
            `${version("grep", ["--version"])}; ${version("find", ["--version"])}`,
        `Date: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}; load average (1, 5, 15 min) at the start ` +
            `${loadAtStart}, at the end ${loadAverage()} (other work on the machine, e.g. test VMs, inflates every number)`,
    ];
}

async function main() {
    if (!fs.existsSync(path.join(REPO, "dist/index.js")))
        throw new Error("dist/ is missing: run `make` first (make bench does)");
    const loadAtStart = loadAverage();
    const work = tempDir("passthrough-bench-");
    const pciIdsText = fs.readFileSync(PCI_IDS, "utf8");
    try {
        const floorBin = buildFloor(work);
        const sizes: SizeResult[] = [];
        const live: LiveResult[] = [];
        let bigOutput = "";
        const pciIds = parsePciIds(pciIdsText);
        for (const size of BENCH_SIZES) {
            process.stderr.write(`bench: ${size} functions...\n`);
            const { result, output, root, env } = benchSize({ key: String(size), label: String(size), fns: makeHost(size) },
                                                            work, floorBin, pciIdsText);
            sizes.push(result);
            live.push(benchLive(size, root, script, RUNS, pciIds, addresses => countProcesses(root, work, env, addresses), env));
            if (size === 4096)
                bigOutput = output;
            fs.rmSync(root, { recursive: true, force: true });
        }

        // Issue 14: 64 PFs × 63 VFs, netdev state for every VF; full and incremental process counts.
        process.stderr.write("bench: 64 PFs × 63 VFs with VF network state...\n");
        const netHost = benchSize({ key: "net", label: "64 PFs × 63 VFs", fns: makeNetHost(64, 63) }, work, floorBin, pciIdsText);
        const net = netHost.result;
        const netOutput = netHost.output;
        const netVf = parseSnapshot(netOutput).functions.find(f => f.physfn)!;
        const netIncremental = countProcesses(netHost.root, work, netHost.env,
                                             addressesToRead(parseSnapshot(netOutput), [netVf.address]));
        fs.rmSync(netHost.root, { recursive: true, force: true });
        // And a host without any SR-IOV network card: no ip at all.
        process.stderr.write("bench: no SR-IOV NIC...\n");
        const plain = benchSize({ key: "plain", label: "no SR-IOV NIC", fns: makePlainHost() }, work, floorBin, pciIdsText).result;
        const hosts = [...sizes, net, plain];

        process.stderr.write("bench: UI in headless Chromium...\n");
        const filters = ["ens3f1v1", "", "mlx5", ""];
        const ui = await benchUi(work, bigOutput, pciIdsText, filters, UI_RUNS);
        const firstRender = median(ui.runs.map(r => r.dataToFirstRender));
        const filterTimes = filters.map((_f, i) => median(ui.runs.map(r => r.filters[i].ms)));
        const worstFilter = Math.max(...filterTimes.filter((_t, i) => filters[i] !== ""));
        const clearedTimes = filterTimes.filter((_t, i) => filters[i] === "");
        const cleared = clearedTimes.reduce((a, b) => a + b, 0) / clearedTimes.length;
        const sample = ui.runs[0];
        if (sample.rowsShown === 0 || !/4096/.test(sample.count))
            throw new Error(`the table did not show the snapshot: ${sample.rowsShown} rows, "${sample.count}"`);
        // The same first render for 64 PFs × 63 VFs (its parse includes the VFs' network state).
        const netUiDir = path.join(work, "ui-net");
        fs.mkdirSync(netUiDir);
        const netUi = await benchUi(netUiDir, netOutput, pciIdsText, [], UI_RUNS);
        const netFirstRender = median(netUi.runs.map(r => r.dataToFirstRender));
        const netParseAndRows = median(netUi.runs.map(r => r.parseAndRows));
        if (netUi.runs[0].rowsShown === 0 || !netUi.runs[0].count.includes(String(net.size)))
            throw new Error(`the table did not show the 64 × 63 snapshot: ${netUi.runs[0].rowsShown} rows, "${netUi.runs[0].count}"`);

        const bundle = bundleSize();
        const big = sizes[sizes.length - 1];
        const liveBig = live[live.length - 1];
        // The floor of a reader with SR-IOV PF interfaces: floor.c for sysfs plus the one ip alone.
        const floorOf = (s: SizeResult) => s.floorMs + s.ipMs;
        const oneIp = (s: { execs: string[] }) => s.execs.filter(e => e === "ip").length === 1;
        const procs = (s: { processes: number; execs: string[] }) => `${s.processes} (${s.execs.join(", ")})`;
        // null: not measurable without a Cockpit; the browser suite asserts it in the test VM.
        const verdict = (ok: boolean | null) => ok === null ? "in the test VM" : ok ? "PASS" : "FAIL";
        const budgets: [string, string, boolean | null][] = [
            [`Processes per snapshot ≤ ${BUDGET.processes} with SR-IOV network cards (sh, grep, find, one ip), ` +
                `≤ ${BUDGET.processesNoSriovNic} without (no ip)`,
                `${[...sizes, net].map(s => `${s.label}: ${s.processes}`).join(" / ")}; ${plain.label}: ${plain.processes}`,
                [...sizes, net].every(s => s.processes <= BUDGET.processes && oneIp(s) && s.ipRuns === 1) &&
                    plain.processes <= BUDGET.processesNoSriovNic && !plain.execs.includes("ip") && plain.ipRuns === 0],
            // An incremental read carries no VF network state (uevents do not report it): no ip.
            [`64 PFs × 63 VFs: a full read ≤ ${BUDGET.processes} processes with exactly one ip; an incremental read ` +
                `≤ ${BUDGET.processesNoSriovNic} and no ip`,
                `full ${procs(net)}, incremental ${procs(netIncremental)}; the fake ip logged ${net.ipRuns} run per full read`,
                net.processes <= BUDGET.processes && oneIp(net) && net.ipRuns === 1 &&
                    netIncremental.processes <= BUDGET.processesNoSriovNic && !netIncremental.execs.includes("ip")],
            [`64 PFs × 63 VFs: netLinks has every PF interface with every VF's state`,
                `${net.netLinksParsed} interfaces, ${net.vfStatesParsed} VF states (${net.pfInterfaces} × 63 = ${net.vfStatesExpected} expected)`,
                net.netLinksParsed === 64 && net.vfStatesParsed === 64 * 63 && net.vfStatesExpected === 64 * 63],
            [`Reader ≤ ${BUDGET.floorRatio}× the floor (floor.c + the one ip alone) at 4,096`,
                `${(big.readerMs / floorOf(big)).toFixed(2)}× (${ms(big.readerMs)} of ${ms(big.floorMs)} + ${ms(big.ipMs)} ms)`,
                big.readerMs <= BUDGET.floorRatio * floorOf(big)],
            [`Reader ≤ ${BUDGET.floorRatio}× the floor (floor.c + the one ip alone) at 64 PFs × 63 VFs`,
                `${(net.readerMs / floorOf(net)).toFixed(2)}× (${ms(net.readerMs)} of ${ms(net.floorMs)} + ${ms(net.ipMs)} ms)`,
                net.readerMs <= BUDGET.floorRatio * floorOf(net)],
            [`Data to first render of 4,096 ≤ ${BUDGET.firstRenderMs} ms`, `${ms(firstRender)} ms`, firstRender <= BUDGET.firstRenderMs],
            [`Data to first render of 64 PFs × 63 VFs ≤ ${BUDGET.firstRenderMs} ms (parse incl. netLinks)`,
                `${ms(netFirstRender)} ms (parse + rows + groups ${ms(netParseAndRows)} ms in the page; parse ${ms(net.parseMs)} ms in Node)`,
                netFirstRender <= BUDGET.firstRenderMs],
            [`Filter ≤ ${BUDGET.filterRatio}× clearing the filter`,
                `${(worstFilter / cleared).toFixed(2)}× (worst filter ${ms(worstFilter)} ms, cleared ${ms(cleared)} ms)`,
                worstFilter <= BUDGET.filterRatio * cleared],
            [`Bundle ≤ ${BUDGET.bundleKb} KB gzipped`, `${(bundle.jsKb + bundle.cssKb).toFixed(0)} KB`,
                bundle.jsKb + bundle.cssKb <= BUDGET.bundleKb],
            // Live (issue 16). Idle: the page holds no timer that reads sysfs; udevadm prints nothing without events.
            [`Idle page: ≤ ${BUDGET.idleProcesses} process and ≤ ${BUDGET.idleKb} KB per minute, any size`,
                `no timed read (was ${sizes.map(s => OLD_POLLS_PER_MINUTE * s.processes).join(" / ")} processes, ` +
                `${sizes.map(s => (OLD_POLLS_PER_MINUTE * s.outputKb / 1024).toFixed(1)).join(" / ")} MB); ` +
                "the suite \"Live refresh\" counts the guest's processes", null],
            [`Change to rows ≤ ${BUDGET.changeMs} ms, any size`, live.map(l => `${ms(l.changeMs)} ms`).join(" / "),
                live.every(l => l.changeMs <= BUDGET.changeMs)],
            [`Incremental read ≤ ${BUDGET.incrementalRatio * 100}% of a full snapshot at 4,096`,
                `${(100 * liveBig.incrementalMs / liveBig.fullMs).toFixed(1)}% (${ms(liveBig.incrementalMs)} of ${ms(liveBig.fullMs)} ms)`,
                liveBig.incrementalMs <= BUDGET.incrementalRatio * liveBig.fullMs],
        ];

        const md: string[] = [];
        const table = (head: string[], rows: string[][]) => {
            md.push(`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map(r => `| ${r.join(" | ")} |`), "");
        };
        md.push("# Performance", "", "Written by `make bench` (test/bench/bench.ts); do not edit by hand.", "");
        md.push("## Machine", "", ...machine(loadAtStart).map(l => `- ${l}`), `- Chromium ${ui.chromiumVersion}`, "");
        md.push("## Budgets", "");
        table(["Budget", "Measured", "Verdict"], budgets.map(([b, m, ok]) => [b, m, verdict(ok)]));
        md.push("## Synthetic hosts", "",
            "Generated by test/bench/make-tree.ts: a dual-socket server, dual-port SR-IOV NICs (VFs each in their own",
            "IOMMU group, most with a netdev, every 4th on vfio-pci), root ports, a PCIe switch with NVMe drives behind",
            "nested bridges, a GPU sharing its group with its HDMI audio, chipset and onboard-NIC multi-function groups,",
            "SATA and NVMe disks with partitions. Trees are written to a temporary directory (page cache warm).",
            "The SR-IOV NICs are mlx5 PFs with a netdev each; a fake `ip` (test/lib/fake-ip.ts, first in the reader's PATH)",
            "answers `ip -j -d -force -batch -` with what iproute2 prints for each PF interface: a `vfinfo_list` entry per VF",
            "(MAC, VLAN list with qos on every 3rd VF, rates, spoof check, link state, trust), so no reader run asks this",
            "machine's own ip. *64 PFs × 63 VFs* is issue 14's case: 32 dual-port cards on the same platform, every VF on",
            "mlx5_core with a netdev, 4,096 SR-IOV functions (plus the platform's). *No SR-IOV NIC*: the platform alone",
            "(onboard NICs without SR-IOV), where the reader runs no ip.", "");
        table(["Host", "Functions", "PFs", "VFs", "Max VFs per PF", "Bridges", "IOMMU groups", "PF interfaces (ip)"],
            hosts.map(s => [s.label, String(s.size), String(s.stats.physicalFunctions), String(s.stats.virtualFunctions),
                String(s.stats.maxVfsPerPf), String(s.stats.bridges), String(s.stats.iommuGroups), String(s.pfInterfaces)]));
        md.push("## Reader", "",
            `Medians of ${RUNS} runs. *Reader*: src/host/read-sysfs.sh, its grep (file contents) and find (links) running at the`,
            "same time. *Floor*: one process (test/bench/floor.c, `cc -O2`) that reads exactly the files and links the reader read,",
            "named up front and grouped by directory: per directory one open, per file openat + read + close, per link one",
            "readlinkat; no directory listing, no stat. It runs on one core, the reader on up to two.",
            "*grep -r*, for reference: the reader's grep alone (the same directories and files, no links read).",
            "*lspci*: `lspci -D -vmm -nn -k -A linux-sysfs -O sysfs.path=<tree>/bus/pci`.",
            "*ip alone*: the fake ip run by itself with the batch the reader gives it (one `link show dev` per SR-IOV PF",
            "interface). The VFs' network state is in netlink, not in sysfs, so no sysfs read can replace that one process:",
            "the budget compares the reader with floor + ip alone. The fake is a shell script that runs `dirname` and one",
            "`cat` per interface; the real ip is one process and reads netlink, so *ip alone* stands in for its cost only roughly.",
            "*Processes*: counted with `strace -f` (the shell plus every fork), leaving out the fake ip's own children",
            "(shown apart; the real ip starts none). *Output*: all of it, of which ip's JSON lines. *Parse*: parseSnapshot,",
            "VF network state (snapshot.netLinks) included.", "");
        table(["Host", "Functions", "Processes", "Reader", "Floor", "ip alone", "Reader / (floor + ip)", "grep -r", "Reader / grep -r",
            "lspci", "Reader / lspci", "Output (ip)", "Parse (JS)", "Rows + groups (JS)"],
            hosts.map(s => [s.label, String(s.size),
                `${procs(s)}${s.fakeIpChildren ? ` + ${s.fakeIpChildren} of the fake ip` : ""}`,
                `${ms(s.readerMs)} ms`, `${ms(s.floorMs)} ms`, s.pfInterfaces ? `${ms(s.ipMs)} ms` : "not run",
                `${(s.readerMs / floorOf(s)).toFixed(2)}×`, `${ms(s.grepMs)} ms`, `${(s.readerMs / s.grepMs).toFixed(2)}×`,
                `${ms(s.lspciMs)} ms`, `${(s.readerMs / s.lspciMs).toFixed(2)}×`,
                `${s.outputKb.toFixed(0)} KB (${s.ipOutputKb.toFixed(0)} KB)`, `${ms(s.parseMs)} ms`, `${ms(s.rowsMs)} ms`]));
        if ([...hosts, netIncremental].some(s => s.execs.includes("forked sh without exec")))
            md.push("*Forked sh without exec*: a process the reader's shell forked that ran no program, i.e. a command",
                "substitution of a shell function (`net=$(read_net)` in src/host/read-sysfs.sh); dash forks for it even",
                "when there is no ip to run, and forks ip again inside it rather than exec'ing it.", "");
        md.push(`64 PFs × 63 VFs, incremental read of one VF (its group and PF; no VF network state, so no ip): ${procs(netIncremental)}` +
            `${netIncremental.fakeIpChildren ? ` + ${netIncremental.fakeIpChildren} of the fake ip` : ""}.`, "");
        md.push("## Live refresh (issue 16)", "",
            "The page reads a full snapshot when it opens and once more when `udevadm monitor` (one process for the page's",
            "life) says it listens; after that only uevents cause reads. *Idle*: with no uevent, the page starts no process",
            "and receives nothing over the channel, at any size: this needs a Cockpit, so it is measured in the test VM, not",
            "here. The figure before issue 16 is 12 full snapshots a minute",
            "(processes and reader output measured above; host-usage reads every 15 s and `virsh` polls not counted). The",
            "test VM measures the real count: the browser suite \"Live refresh\" traces every exec below cockpit-bridge",
            "during 60 idle seconds.",
            `*Change to rows*: a VF rebound to vfio-pci in the tree, its unbind + bind uevents fed to the page's parser,`,
            "then what the page does: the functions to read (the VF, its IOMMU group, its PF), the reader restricted to them,",
            "parse, merge into the held snapshot, rows and groups (React's render of the rows not included).",
            `*Full* and *incremental*: reader + parse, medians of ${RUNS} interleaved runs.`, "");
        table(["Functions", "Full read", "Incremental read", "Incremental / full", "Change to rows", "Functions read",
            "Output full / incremental", "Processes (incremental)"],
            live.map(l => [String(l.size), `${ms(l.fullMs)} ms`, `${ms(l.incrementalMs)} ms`,
                `${(100 * l.incrementalMs / l.fullMs).toFixed(1)}%`, `${ms(l.changeMs)} ms`, String(l.functionsRead),
                `${l.fullKb.toFixed(0)} KB / ${l.incrementalKb.toFixed(1)} KB`,
                `${l.incrementalProcesses} (${l.incrementalExecs.join(", ")})`]));
        md.push("## UI (4,096 functions, headless Chromium)", "",
            `Medians of ${UI_RUNS} fresh pages (after a warm-up page), from performance marks in test/bench/ui-entry.tsx:`,
            "the real DeviceTable with the row actions, Prepare/Return buttons and VM labels PassthroughPage gives it (no VMs),",
            `minified production build, CSS as build.js trims it; ${sample.rowsShown} rows on the first page (VFs folded under their PF).`,
            "*Data to first render*: reader output in hand to the table painted (parse, rows, IOMMU groups, React, style,",
            "layout, paint). A filter is typed in one input event; its time runs to the filtered table painted.", "");
        const med = (f: (r: typeof sample) => number) => `${ms(median(ui.runs.map(f)))} ms`;
        table(["Measure", "Median"], [
            ["Data to first render", med(r => r.dataToFirstRender)],
            ["… parse + rows + groups", med(r => r.parseAndRows)],
            ["… React commit", med(r => r.reactCommit)],
            ["… style, layout, paint", med(r => r.firstRender - r.reactCommit)],
            [`Data to first render, 64 PFs × 63 VFs (${net.size} functions, ${net.vfStatesParsed} VF network states)`,
                `${ms(netFirstRender)} ms`],
            ["… parse + rows + groups, 64 PFs × 63 VFs", `${ms(netParseAndRows)} ms`],
            ...filters.map((f, i): [string, string] =>
                [`Filter "${f}"${f === "" ? " (cleared)" : ""} → ${sample.filters[i].count}, ${sample.filters[i].rowsShown} rows shown`,
                    `${ms(filterTimes[i])} ms`]),
        ]);
        md.push("## Bundle", "");
        table(["File", "gzip -9"], [
            ["dist/index.js", `${bundle.jsKb.toFixed(0)} KB`],
            ["dist/index.css", `${bundle.cssKb.toFixed(0)} KB`],
            ["Total", `${(bundle.jsKb + bundle.cssKb).toFixed(0)} KB`],
            ["cockpit-machines 288 (Debian)", `${PEER_BUNDLE_KB} KB`],
        ]);

        const text = md.join("\n");
        fs.mkdirSync(path.join(REPO, "docs"), { recursive: true });
        fs.writeFileSync(path.join(REPO, "docs/PERFORMANCE.md"), text);
        console.log(text);
        console.log(budgets.map(([b, m, ok]) => `${verdict(ok)}  ${b}: ${m}`).join("\n"));
        // Verdicts, not a test: a FAIL is reported (and noted on the issue), it does not fail make.
        console.log(`(chromium: ${CHROMIUM}; written to docs/PERFORMANCE.md)`);
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}

await main();
