// SPDX-License-Identifier: LGPL-2.1-or-later
/* The one privileged process per plan: executor.sh under superuser "require",
 * fed one operation per line; answers come back one line per operation.
 * No decisions here (see model/run-plan.ts). */

import cockpit from "cockpit";
import executorScript from "./executor.sh";
import { encodeOp, parseReply, type ExecOp, type ExecReply } from "../model/executor-ops.ts";
import { runPlan, type ExecutorChannel, type PlanOutcome, type Progress } from "../model/run-plan.ts";
import type { PciAddress } from "../model/pci-address.ts";
import type { PersistMethod, Plan } from "../model/plan.ts";
import { parseRecoveryReport, type RecoveryReport } from "../model/recovery.ts";

export interface OpenExecutor extends ExecutorChannel {
    /** Closes stdin; the script exits. */
    close(): void;
}

/** Starts executor.sh (the unit tests run it with fake roots, test/lib/run-executor.ts). */
export function openExecutor(): OpenExecutor {
    const proc = cockpit.script(executorScript, [], { superuser: "require", err: "message" });
    const waiting: ((reply: ExecReply) => void)[] = [];
    let buffer = "";
    let ended: string | null = null;

    const endAll = (message: string) => {
        ended = message;
        while (waiting.length > 0)
            waiting.shift()!({ status: "error", message });
    };
    proc.stream(data => {
        buffer += data;
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
            const line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + 1);
            waiting.shift()?.(parseReply(line));
        }
    });
    proc.then(() => endAll("The privileged helper exited early"),
              (ex: { message?: string }) => endAll(ex.message || "The privileged helper failed"));

    return {
        run(op: ExecOp): Promise<ExecReply> {
            let line: string;
            try {
                line = encodeOp(op);
            } catch (ex) {
                return Promise.resolve({ status: "rejected", reason: String((ex as Error).message) });
            }
            if (ended !== null)
                return Promise.resolve({ status: "error", message: ended });
            return new Promise(resolve => {
                waiting.push(resolve);
                proc.input(line + "\n", true);
            });
        },
        close() {
            proc.input();
        },
    };
}

/** Runs a plan in one privileged process. */
export async function executePlan(plan: Plan, onProgress?: (p: Progress) => void): Promise<PlanOutcome> {
    const executor = openExecutor();
    try {
        return await runPlan(plan, executor, onProgress);
    } finally {
        executor.close();
    }
}

/** Runs one change under the host lock and commits it; anything but "ok"
 * leaves the executor to undo it when its input ends. */
export async function runOne(op: ExecOp): Promise<ExecReply> {
    const executor = openExecutor();
    try {
        const reply = await executor.run(op);
        return reply.status === "ok" ? await executor.run({ op: "commit" }).then(c => c.status === "ok" ? reply : c) : reply;
    } finally {
        executor.close();
    }
}

/** Forgets a binding kept after reboot (the device's current binding is left alone). */
export function forgetKeptBinding(address: PciAddress, method: PersistMethod): Promise<ExecReply> {
    return runOne({ op: "unpersist", method, address });
}

/** Stops creating VFs on a PF at boot (the VFs that exist now stay). */
export function forgetKeptVfCount(address: PciAddress): Promise<ExecReply> {
    return runOne({ op: "unpersist-vfs", address });
}

export function forgetKeptVfSettings(pf: PciAddress, vf: number): Promise<ExecReply> {
    return runOne({ op: "unpersist-vf", pf, vf });
}

export const RECOVERY_REPORT = "/run/cockpit-passthrough/report";

/** The report of a change the host undid by itself, if any (readable without administrative access). */
export async function readRecoveryReport(): Promise<RecoveryReport | null> {
    const file = cockpit.file(RECOVERY_REPORT);
    try {
        return parseRecoveryReport(await file.read());
    } catch {
        return null; // no /run/cockpit-passthrough yet
    } finally {
        file.close();
    }
}

/** "Dismiss": the page showed the report. */
export function clearRecoveryReport(): Promise<ExecReply> {
    return runOne({ op: "clear-report" });
}
