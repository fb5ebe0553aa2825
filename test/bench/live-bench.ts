/* `make bench`, live refresh (issue 16): what one change costs at each size,
 * from a uevent to the table's rows, against a full snapshot in the same run.
 *
 * The change: a VF with a driver is rebound to vfio-pci in the synthetic tree
 * (its driver link replaced) and the uevents the kernel would send (unbind,
 * bind) are fed to the page's own parser; then the page's path: the functions
 * to read (the VF, its group, its PF), the real reader restricted to them,
 * parse, merge into the snapshot held, rows and IOMMU groups. React's render
 * of the changed rows is not included (the UI bench measures renders). */

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

import { inventoryRows } from "../../src/model/inventory.ts";
import { iommuGroups } from "../../src/model/iommu-groups.ts";
import { addressesToRead, mergeSnapshot } from "../../src/model/merge-snapshot.ts";
import { parseSnapshot } from "../../src/model/parse-snapshot.ts";
import type { PciIds } from "../../src/model/pci-ids.ts";
import { addEvents, emptyNeed, ueventParser } from "../../src/model/uevents.ts";

export interface LiveResult {
    size: number;
    /** Full snapshot (reader + parse), median ms. */
    fullMs: number;
    /** Incremental reader + parse, median ms. */
    incrementalMs: number;
    /** uevent text to merged rows and groups, median ms. */
    changeMs: number;
    fullKb: number;
    incrementalKb: number;
    incrementalProcesses: number;
    incrementalExecs: string[];
    functionsRead: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timed<T>(fn: () => T): [number, T] {
    const start = process.hrtime.bigint();
    const value = fn();
    return [Number(process.hrtime.bigint() - start) / 1e6, value];
}

export function benchLive(size: number, root: string, script: string, runs: number, pciIds: PciIds,
                          countProcesses: (addresses: string[]) => { processes: number; execs: string[] },
                          env: NodeJS.ProcessEnv = process.env): LiveResult {
    // env: the reader's PATH starts with a fake ip (test/lib/fake-ip.ts), never this machine's.
    const read = (addresses: string[] = []) => {
        const r = spawnSync("/bin/sh", ["-c", script, "--", root, ...addresses], { encoding: "utf8", maxBuffer: 1 << 30, env });
        if (r.status !== 0)
            throw new Error(`reader exited with ${r.status}: ${r.stderr}`);
        return r.stdout;
    };
    const fullOutput = read();
    let held = parseSnapshot(fullOutput);
    const vf = held.functions.find(f => f.physfn && f.driver && f.driver !== "vfio-pci");
    if (!vf)
        throw new Error("no VF with a host driver in the tree");
    const dir = fs.realpathSync(path.join(root, "bus/pci/devices", vf.address));
    const devpath = "/" + path.relative(root, dir);
    const drivers = [vf.driver!, "vfio-pci"];
    const requested = addressesToRead(held, [vf.address]);
    const incrementalOutput = read(requested);
    const { processes, execs } = countProcesses(requested);

    const full: number[] = [];
    const incremental: number[] = [];
    const change: number[] = [];
    for (let i = 0; i <= runs; i++) {
        const [f] = timed(() => parseSnapshot(read()));
        const [inc] = timed(() => parseSnapshot(read(requested)));
        // Rebind: the other driver of the two, as the kernel would show it.
        const to = drivers[(i + 1) % 2];
        fs.unlinkSync(path.join(dir, "driver"));
        fs.symlinkSync(path.relative(dir, path.join(root, "bus/pci/drivers", to)), path.join(dir, "driver"));
        const text = ["unbind", "bind"].map((action, n) =>
            `KERNEL[${1000 + i}.00000${n}] ${action}   ${devpath} (pci)\nACTION=${action}\nDEVPATH=${devpath}\n` +
            `SUBSYSTEM=pci\nDRIVER=${to}\nSEQNUM=${2 * i + n}\n\n`).join("");
        const parser = ueventParser();
        const [c, next] = timed(() => {
            const need = addEvents(emptyNeed(), parser.push(text).events);
            const addresses = addressesToRead(held, need.addresses);
            const merged = mergeSnapshot(held, parseSnapshot(read(addresses)), addresses);
            inventoryRows(merged, pciIds);
            iommuGroups(merged);
            return merged;
        });
        if (next.byAddress.get(vf.address)?.driver !== to || next.functions.length !== size)
            throw new Error(`the merged snapshot does not show ${vf.address} on ${to}`);
        held = next;
        if (i > 0) {
            full.push(f);
            incremental.push(inc);
            change.push(c);
        }
    }
    return {
        size,
        fullMs: median(full),
        incrementalMs: median(incremental),
        changeMs: median(change),
        fullKb: Buffer.byteLength(fullOutput) / 1024,
        incrementalKb: Buffer.byteLength(incrementalOutput) / 1024,
        incrementalProcesses: processes,
        incrementalExecs: execs,
        functionsRead: parseSnapshot(incrementalOutput).functions.length,
    };
}
