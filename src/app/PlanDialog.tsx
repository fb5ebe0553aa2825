// SPDX-License-Identifier: LGPL-2.1-or-later
/* The dialog every plan runs in (Prepare, Return, Configure VFs): the caller's
 * options, then the steps, notes and script of the plan, then what it did; in
 * the footer the primary action (disabled with its reason beside it), Cancel,
 * and Close once the plan has run. It closes through useDialogs(). */

import type { ReactNode } from "react";
import { Button, Form, FormGroup, HelperText, HelperTextItem, Modal } from "@patternfly/react-core";
import cockpit from "cockpit";
import { useDialogs } from "dialogs";

import type { Plan } from "../model/plan.ts";
import { PlanNotes, PlanScript, PlanSteps } from "./PlanView.tsx";
import { PlanOutcomeView } from "./PlanOutcomeView.tsx";
import type { PlanRun } from "./usePlanRun.ts";

const _ = cockpit.gettext;

export const PlanDialog = ({ id, title, actionId, actionLabel, plan, disabledReason, runner, afterSteps, children }: {
    id: string;
    title: string;
    actionId: string;
    actionLabel: string;
    /** The plan the action would run now; null when there is none. */
    plan: Plan | null;
    disabledReason: string | null;
    runner: PlanRun;
    /** Shown below the steps (e.g. a confirmation field). */
    afterSteps?: ReactNode;
    children?: ReactNode;
}) => {
    const Dialogs = useDialogs();
    const { run, ran, running, finished } = runner;
    const start = () => {
        if (plan && !disabledReason)
            runner.start(plan);
    };
    const shownPlan = ran?.plan ?? plan;

    const footer = finished
        ? <Button variant="primary" onClick={Dialogs.close}>{_("Close")}</Button>
        : (
            <>
                <Button variant="primary" id={actionId} onClick={start}
                        isDisabled={disabledReason !== null || running} isLoading={running}>
                    {actionLabel}
                </Button>
                <Button variant="link" onClick={Dialogs.close} isDisabled={running}>{_("Cancel")}</Button>
                {disabledReason && !running &&
                    <HelperText className="pt-disabled-reason">
                        <HelperTextItem variant="indeterminate">{disabledReason}</HelperTextItem>
                    </HelperText>}
            </>
        );

    return (
        <Modal id={id} variant="medium" isOpen onClose={running ? undefined : Dialogs.close} title={title} footer={footer}>
            <Form onSubmit={ev => { ev.preventDefault(); start() }}>
                {children}
                {shownPlan && shownPlan.steps.length > 0 &&
                    <FormGroup label={_("Steps")} fieldId="pt-plan-steps">
                        <PlanSteps plan={shownPlan} run={run} />
                        <PlanNotes plan={shownPlan} />
                        <PlanScript plan={shownPlan} />
                    </FormGroup>}
                {afterSteps}
                {ran?.outcome && <PlanOutcomeView plan={ran.plan} outcome={ran.outcome} />}
            </Form>
        </Modal>
    );
};
