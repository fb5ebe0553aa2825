// SPDX-License-Identifier: LGPL-2.1-or-later
/* Runs the plugin's own executor script (src/host/executor.sh) the way
 * cockpit.script does (/bin/sh -c script -- args), against fake roots, and
 * talks its line protocol: the unit tests drive exactly what the page drives. */

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after } from "node:test";
import { fileURLToPath } from "node:url";

import { encodeOp, parseReply, type ExecOp, type ExecReply } from "../../src/model/executor-ops.ts";
import type { ExecutorChannel } from "../../src/model/run-plan.ts";

export const EXECUTOR_SCRIPT = fileURLToPath(new URL("../../src/host/executor.sh", import.meta.url));

export interface TestExecutor extends ExecutorChannel {
    /** The child's pid (for signals). */
    pid: number;
    /** Sends a raw protocol line (no TS-side validation): for rejection tests. */
    send(line: string): Promise<string>;
    /** Every line sent, in order. */
    sent: string[];
    close(): Promise<number | null>;
}

export interface ExecutorRoots {
    sysfs: string;
    dev: string;
    etc: string;
    /** The host lock, journal and report (default: "run" beside etc). */
    run?: string;
    /** Previous drivers (default: "lib" beside etc). */
    lib?: string;
    /** /proc (default: a fake one beside etc: root on tmpfs, no processes). */
    proc?: string;
    /** Prepended to PATH: fake modprobe / driverctl / ip / ss. */
    binDir?: string;
    /** PASSTHROUGH_WRITE_TIMEOUT, seconds. */
    writeTimeout?: number;
}

/** The roots startExecutor uses for what the test left out. Outside PATH's
 * binDir, `ip` and `ss` are fakes that print nothing (no default route, no
 * sessions): the tests never read this machine's own network. */
export function executorRoots(roots: ExecutorRoots): Required<Omit<ExecutorRoots, "binDir" | "writeTimeout">> & { factsBin: string } {
    const beside = path.dirname(roots.etc);
    const proc = roots.proc ?? path.join(beside, "proc");
    if (!roots.proc && !fs.existsSync(path.join(proc, "self/mountinfo"))) {
        fs.mkdirSync(path.join(proc, "self"), { recursive: true });
        fs.writeFileSync(path.join(proc, "self/mountinfo"), "22 1 0:21 / / rw,relatime - tmpfs tmpfs rw\n");
    }
    const factsBin = path.join(beside, "facts-bin");
    if (!fs.existsSync(factsBin)) {
        fs.mkdirSync(factsBin, { recursive: true });
        for (const tool of ["ip", "ss"])
            fs.writeFileSync(path.join(factsBin, tool), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    }
    return {
        sysfs: roots.sysfs, dev: roots.dev, etc: roots.etc,
        run: roots.run ?? path.join(beside, "run"),
        lib: roots.lib ?? path.join(beside, "lib"),
        proc, factsBin,
    };
}

const started: ChildProcessWithoutNullStreams[] = [];
// An executor a failed test left running would keep its file's process (and make check) waiting.
after(() => {
    for (const child of started) {
        if (child.exitCode === null && child.signalCode === null)
            child.kill("SIGKILL");
    }
});

export function startExecutor(roots: ExecutorRoots): TestExecutor {
    const script = fs.readFileSync(EXECUTOR_SCRIPT, "utf8");
    const r = executorRoots(roots);
    const PATH = [roots.binDir, r.factsBin, process.env.PATH].filter(Boolean).join(":");
    const env: NodeJS.ProcessEnv = { ...process.env, PATH, PASSTHROUGH_WRITE_TIMEOUT: String(roots.writeTimeout ?? 30) };
    delete env.SUDO_USER;
    const child: ChildProcessWithoutNullStreams = spawn("/bin/sh", ["-c", script, "--", r.sysfs, r.dev, r.etc, r.run, r.lib, r.proc], { env });
    started.push(child);
    const waiting: ((line: string) => void)[] = [];
    let buffer = "";
    let stderr = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
            const line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + 1);
            waiting.shift()?.(line);
        }
    });
    child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString() });
    const exited = new Promise<number | null>(resolve => child.on("close", code => {
        while (waiting.length > 0)
            waiting.shift()!(`error\texecutor exited (${code}): ${stderr}`);
        resolve(code);
    }));
    const sent: string[] = [];

    const send = (line: string) => new Promise<string>(resolve => {
        sent.push(line);
        waiting.push(resolve);
        child.stdin.write(line + "\n");
    });

    return {
        pid: child.pid!,
        sent,
        send,
        async run(op: ExecOp): Promise<ExecReply> {
            return parseReply(await send(encodeOp(op)));
        },
        close() {
            child.stdin.end();
            return exited;
        },
    };
}
