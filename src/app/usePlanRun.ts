// SPDX-License-Identifier: LGPL-2.1-or-later
/* Running a plan from a dialog: the one state machine the Prepare, Return and
 * Configure VFs dialogs share (idle, running with progress, finished with the
 * outcome), and the helpers for what they decide before it starts. */

import { useState } from "react";
import cockpit from "cockpit";

import { PlanError } from "../model/bind-plan.ts";
import type { Plan } from "../model/plan.ts";
import type { PlanOutcome } from "../model/run-plan.ts";
import { executePlan } from "../host/executor.ts";
import type { RunState } from "./PlanView.tsx";

const _ = cockpit.gettext;

/** A plan, or why there is none (a PlanError's message). */
export type Planned = { plan: Plan } | { error: string };

export function planOrError(make: () => Plan): Planned {
    try {
        return { plan: make() };
    } catch (ex) {
        if (ex instanceof PlanError)
            return { error: ex.message };
        throw ex;
    }
}

/** The first rung of every plan dialog's "why is the button disabled" ladder. */
export function adminAccessReason(superuser: boolean | null, denied: string): string | null {
    if (superuser === false)
        return denied;
    if (superuser === null)
        return _("Checking administrative access…");
    return null;
}

export interface PlanRun {
    run: RunState;
    /** The plan that ran, kept: the snapshot (and so the dialog's own plan) changes once it has. */
    ran: { plan: Plan; outcome: PlanOutcome | null } | null;
    running: boolean;
    finished: boolean;
    start(plan: Plan): void;
}

export function usePlanRun(onFinished?: (outcome: PlanOutcome, plan: Plan) => void): PlanRun {
    const [run, setRun] = useState<RunState>({ phase: "idle" });
    const [ran, setRan] = useState<PlanRun["ran"]>(null);

    const start = (plan: Plan) => {
        setRan({ plan, outcome: null });
        setRun({ phase: "running", progress: null });
        executePlan(plan, progress => setRun({ phase: "running", progress }))
                // executePlan reports failures as outcomes; anything thrown (no channel, no executor) is one too.
                .catch((ex: unknown): PlanOutcome => ({
                    status: "failed", failedStep: null, rollbackProblems: [], devices: [],
                    failure: { kind: "kernel", message: String((ex as Error)?.message ?? ex) },
                }))
                .then(result => {
                    setRan({ plan, outcome: result });
                    setRun({
                        phase: "finished",
                        failedStep: result.status === "failed" ? result.failedStep : null,
                        rolledBack: result.status === "failed",
                    });
                    onFinished?.(result, plan);
                });
    };

    return { run, ran, running: run.phase === "running", finished: run.phase === "finished", start };
}
