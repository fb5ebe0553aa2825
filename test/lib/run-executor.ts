// SPDX-License-Identifier: LGPL-2.1-or-later
/* Runs the plugin's own executor script (src/host/executor.sh) the way
 * cockpit.script does (/bin/sh -c script -- args), against fake roots, and
 * talks its line protocol: the unit tests drive exactly what the page drives. */

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import fs from "node:fs";
import { fileURLToPath } from "node:url";

import { encodeOp, parseReply, type ExecOp, type ExecReply } from "../../src/model/executor-ops.ts";
import type { ExecutorChannel } from "../../src/model/run-plan.ts";

export const EXECUTOR_SCRIPT = fileURLToPath(new URL("../../src/host/executor.sh", import.meta.url));

export interface TestExecutor extends ExecutorChannel {
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
    /** Prepended to PATH: fake modprobe / driverctl. */
    binDir?: string;
}

export function startExecutor(roots: ExecutorRoots): TestExecutor {
    const script = fs.readFileSync(EXECUTOR_SCRIPT, "utf8");
    const env = { ...process.env, PATH: roots.binDir ? `${roots.binDir}:${process.env.PATH}` : process.env.PATH };
    const child: ChildProcessWithoutNullStreams = spawn("/bin/sh", ["-c", script, "--", roots.sysfs, roots.dev, roots.etc], { env });
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
