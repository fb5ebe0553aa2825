// SPDX-License-Identifier: LGPL-2.1-or-later
/* "Return to host": unbind from vfio-pci, clear driver_override, let the
 * kernel pick the native driver, and say which one took the device. */

import { useMemo, useState } from "react";
import {
    Alert, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, Form,
    FormGroup, Modal,
} from "@patternfly/react-core";
import cockpit from "cockpit";

import { useSuperuser } from "./useSuperuser.ts";
import { planReturn, PlanError, type KeptBinding } from "../model/bind-plan.ts";
import type { PciAddress } from "../model/pci-address.ts";
import type { DriverName, Plan } from "../model/plan.ts";
import type { PlanOutcome } from "../model/run-plan.ts";
import type { HostSnapshot } from "../model/snapshot.ts";
import { executePlan } from "../host/executor.ts";
import { gettext } from "./translate.ts";
import { PlanNotes, PlanScript, PlanSteps, type RunState } from "./PlanView.tsx";
import { PlanOutcomeView } from "./PlanOutcomeView.tsx";
import type { ExecutePlan } from "./PrepareDialog.tsx";
import { planDialogFooter } from "./planDialogFooter.tsx";

const _ = cockpit.gettext;

export interface ReturnDialogProps {
    snapshot: HostSnapshot;
    address: PciAddress;
    deviceName: string;
    /** The driver the device had before it was prepared (remembered-drivers.ts); null: unknown. */
    rememberedDriver: DriverName | null;
    /** Bindings kept after reboot (persistence.ts); the device's is removed as part of the return. */
    kept?: readonly KeptBinding[];
    /** Running virtual machines that use the device: it cannot be returned while they do. */
    usedByVms?: readonly string[];
    onClose: () => void;
    onFinished?: (outcome: PlanOutcome, plan: Plan) => void;
    /** Only tests replace this. */
    execute?: ExecutePlan;
}

export const ReturnDialog = ({
    snapshot, address, deviceName, rememberedDriver, kept = [], usedByVms = [],
    onClose, onFinished, execute = executePlan,
}: ReturnDialogProps) => {
    const superuser = useSuperuser();
    const [run, setRun] = useState<RunState>({ phase: "idle" });
    const [ran, setRan] = useState<{ plan: Plan; outcome: PlanOutcome | null } | null>(null);

    const planned = useMemo((): { plan: Plan } | { error: string } => {
        try {
            const remembered = new Map<PciAddress, DriverName>(rememberedDriver ? [[address, rememberedDriver]] : []);
            return { plan: planReturn(snapshot, [address], remembered, kept, gettext) };
        } catch (ex) {
            if (ex instanceof PlanError)
                return { error: ex.message };
            throw ex;
        }
    }, [snapshot, address, rememberedDriver, kept]);

    let disabledReason: string | null = null;
    if (superuser === false)
        disabledReason = _("Administrative access is required to return devices. Switch from limited access to administrative access.");
    else if (superuser === null)
        disabledReason = _("Checking administrative access…");
    else if (usedByVms.length > 0)
        disabledReason = cockpit.format(_("A running virtual machine uses this device: $0. Shut it down or detach the device first."),
                                        usedByVms.join(", "));
    else if ("error" in planned)
        disabledReason = planned.error;

    const start = () => {
        if (!("plan" in planned) || disabledReason)
            return;
        const plan = planned.plan;
        setRan({ plan, outcome: null });
        setRun({ phase: "running", progress: null });
        execute(plan, progress => setRun({ phase: "running", progress }))
                .catch((ex: unknown): PlanOutcome => ({
                    status: "failed", failedStep: null, rollbackProblems: [], devices: [],
                    failure: { kind: "kernel", message: String((ex as Error)?.message ?? ex) },
                }))
                .then(result => {
                    setRan({ plan, outcome: result });
                    setRun({ phase: "finished", failedStep: result.status === "failed" ? result.failedStep : null, rolledBack: result.status === "failed" });
                    onFinished?.(result, plan);
                });
    };

    const shownPlan = ran?.plan ?? ("plan" in planned ? planned.plan : null);
    const running = run.phase === "running";
    const outcome = ran?.outcome;
    const tookDriver = outcome?.status === "done" ? outcome.devices.find(d => d.address === address) : undefined;

    const footer = planDialogFooter({
        id: "pt-return-button", label: _("Return"), phase: run.phase === "running" || run.phase === "finished" ? run.phase : "idle",
        disabledReason, onStart: start, onClose,
    });

    return (
        <Modal id="pt-return-dialog" variant="medium" isOpen onClose={running ? undefined : onClose}
               title={cockpit.format(_("Return to host: $0 ($1)"), deviceName, address)}
               footer={footer}>
            <Form onSubmit={ev => { ev.preventDefault(); start() }}>
                {usedByVms.length > 0 &&
                    <Alert variant="danger" isInline id="pt-return-in-use" title={_("In use by a running virtual machine")}>
                        {usedByVms.join(", ")}
                    </Alert>}
                <DescriptionList isHorizontal isCompact>
                    <DescriptionListGroup>
                        <DescriptionListTerm>{_("Driver before it was prepared")}</DescriptionListTerm>
                        <DescriptionListDescription id="pt-remembered-driver">
                            {rememberedDriver ?? _("Not known; the kernel picks the driver")}
                        </DescriptionListDescription>
                    </DescriptionListGroup>
                    {tookDriver !== undefined &&
                        <DescriptionListGroup>
                            <DescriptionListTerm>{_("Driver now")}</DescriptionListTerm>
                            <DescriptionListDescription id="pt-driver-now">
                                {tookDriver.driver ?? _("None: no driver accepted the device")}
                            </DescriptionListDescription>
                        </DescriptionListGroup>}
                </DescriptionList>
                {shownPlan &&
                    <FormGroup label={_("Steps")} fieldId="pt-plan-steps">
                        <PlanSteps plan={shownPlan} run={run} />
                        <PlanNotes plan={shownPlan} />
                        <PlanScript plan={shownPlan} />
                    </FormGroup>}
                {ran?.outcome && <PlanOutcomeView plan={ran.plan} outcome={ran.outcome} />}
            </Form>
        </Modal>
    );
};
