// SPDX-License-Identifier: LGPL-2.1-or-later
/* "Prepare for passthrough": the plan in words, the options (whole IOMMU
 * group, keep after reboot), the script, the safety confirmations, then the
 * run and its result. */

import { useMemo, useState } from "react";
import {
    Alert, Checkbox, Form, FormGroup, FormHelperText, HelperText, HelperTextItem, List, ListItem, Modal,
    TextInput,
} from "@patternfly/react-core";
import cockpit from "cockpit";

import { useSuperuser } from "./useSuperuser.ts";
import { groupBlockers, groupMembers, planPrepare, PlanError } from "../model/bind-plan.ts";
import type { PciAddress } from "../model/pci-address.ts";
import type { Plan } from "../model/plan.ts";
import type { PlanOutcome, Progress } from "../model/run-plan.ts";
import type { HostSnapshot } from "../model/snapshot.ts";
import { executePlan } from "../host/executor.ts";
import { gettext } from "./translate.ts";
import { PlanNotes, PlanScript, PlanSteps, type RunState } from "./PlanView.tsx";
import { PlanOutcomeView } from "./PlanOutcomeView.tsx";
import { rememberDrivers } from "./remembered-drivers.ts";
import { planDialogFooter } from "./planDialogFooter.tsx";

const _ = cockpit.gettext;

/** Why the host needs a device (issue 3's "Used by the host"). refuse: never
 * give it away (the NIC that carries this Cockpit session). */
export interface HostUsage {
    reasons: string[];
    refuse: boolean;
}

export type ExecutePlan = (plan: Plan, onProgress: (p: Progress) => void) => Promise<PlanOutcome>;

export interface PrepareDialogProps {
    snapshot: HostSnapshot;
    address: PciAddress;
    /** e.g. "82574L Gigabit Network Connection". */
    deviceName: string;
    /** /sys/bus/pci/drivers/vfio-pci exists; otherwise the plan loads it first. */
    vfioLoaded: boolean;
    driverctlAvailable: boolean;
    /** Host usage of this device. */
    hostUsage?: HostUsage | undefined;
    /** Host usage of other devices (its IOMMU group members), by address. */
    otherHostUsage?: ReadonlyMap<PciAddress, HostUsage> | undefined;
    onClose: () => void;
    /** Called once the plan has run (refresh the snapshot and the kept list here). */
    onFinished?: (outcome: PlanOutcome, plan: Plan) => void;
    /** Only tests replace this. */
    execute?: ExecutePlan;
}

export const PrepareDialog = ({
    snapshot, address, deviceName, vfioLoaded, driverctlAvailable, hostUsage, otherHostUsage,
    onClose, onFinished, execute = executePlan,
}: PrepareDialogProps) => {
    const superuser = useSuperuser();
    const members = useMemo(() => groupMembers(snapshot, address), [snapshot, address]);
    const [wholeGroup, setWholeGroup] = useState(true);
    const [keep, setKeep] = useState(false);
    const [typed, setTyped] = useState("");
    const [run, setRun] = useState<RunState>({ phase: "idle" });
    // The plan that ran, kept: the snapshot changes once it has (onFinished).
    const [ran, setRan] = useState<{ plan: Plan; outcome: PlanOutcome | null } | null>(null);

    const selected = useMemo(() => wholeGroup ? [address, ...members.map(m => m.address)] : [address],
                             [wholeGroup, address, members]);
    const blockers = useMemo(() => groupBlockers(snapshot, selected), [snapshot, selected]);
    const planned = useMemo((): { plan: Plan } | { error: string } => {
        try {
            return { plan: planPrepare(snapshot, selected, { loadVfio: !vfioLoaded, keepAfterReboot: keep, driverctlAvailable, gettext }) };
        } catch (ex) {
            if (ex instanceof PlanError)
                return { error: ex.message };
            throw ex;
        }
    }, [snapshot, selected, vfioLoaded, keep, driverctlAvailable]);

    const usages = selected.map(a => ({ address: a, usage: a === address ? hostUsage : otherHostUsage?.get(a) }))
            .filter((u): u is { address: PciAddress; usage: HostUsage } => !!u.usage && u.usage.reasons.length > 0);
    const refused = usages.filter(u => u.usage.refuse);
    const toConfirm = usages.find(u => !u.usage.refuse);
    const confirmed = !toConfirm || typed.trim() === toConfirm.address;
    const nothingToDo = "plan" in planned && planned.plan.steps.length === 0;

    let disabledReason: string | null = null;
    if (superuser === false)
        disabledReason = _("Administrative access is required to prepare devices. Switch from limited access to administrative access.");
    else if (superuser === null)
        disabledReason = _("Checking administrative access…");
    else if (refused.length > 0)
        disabledReason = _("This device cannot be prepared: the host needs it.");
    else if ("error" in planned)
        disabledReason = planned.error;
    else if (nothingToDo)
        disabledReason = _("The device is already on vfio-pci.");
    else if (!confirmed)
        disabledReason = cockpit.format(_("Type $0 to confirm."), toConfirm!.address);

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
                    setRun({
                        phase: "finished",
                        failedStep: result.status === "failed" ? result.failedStep : null,
                        rolledBack: result.status === "failed",
                    });
                    if (result.status === "done")
                        rememberDrivers(plan.devices);
                    onFinished?.(result, plan);
                });
    };

    const shownPlan = ran?.plan ?? ("plan" in planned ? planned.plan : null);
    const running = run.phase === "running";
    const finished = run.phase === "finished";
    const groupNumber = snapshot.byAddress.get(address)?.iommuGroup;

    const footer = planDialogFooter({
        id: "pt-prepare-button", label: _("Prepare"), phase: run.phase === "running" || run.phase === "finished" ? run.phase : "idle",
        disabledReason, onStart: start, onClose,
    });

    return (
        <Modal id="pt-prepare-dialog" variant="medium" isOpen onClose={running ? undefined : onClose}
               title={cockpit.format(_("Prepare for passthrough: $0 ($1)"), deviceName, address)}
               footer={footer}>
            <Form onSubmit={ev => { ev.preventDefault(); start() }}>
                {refused.map(u => (
                    <Alert key={u.address} variant="danger" isInline id="pt-prepare-refused"
                           title={cockpit.format(_("$0 cannot be prepared: the host needs it"), u.address)}>
                        <List>{u.usage.reasons.map(r => <ListItem key={r}>{r}</ListItem>)}</List>
                    </Alert>
                ))}

                {members.length > 0 &&
                    <FormGroup fieldId="pt-whole-group" label={cockpit.format(_("IOMMU group $0"), groupNumber ?? "")}>
                        <Checkbox id="pt-whole-group" isChecked={wholeGroup} isDisabled={running || finished}
                                  onChange={(_event, checked) => setWholeGroup(checked)}
                                  label={_("Prepare the whole IOMMU group")}
                                  description={cockpit.format(_("Also prepares: $0"),
                                                              members.map(m => `${m.address} (${m.driver ?? _("no driver")})`).join(", "))} />
                        {!wholeGroup && blockers.length > 0 &&
                            <Alert variant="warning" isInline isPlain id="pt-group-not-viable"
                                   title={_("The group will not be viable")}>
                                {cockpit.format(_("A virtual machine can only use a device when every device in its IOMMU group (except bridges) is on vfio-pci or has no driver. These stay on the host: $0."),
                                                blockers.map(b => `${b.address} (${b.driver})`).join(", "))}
                            </Alert>}
                    </FormGroup>}

                <FormGroup fieldId="pt-keep-after-reboot">
                    <Checkbox id="pt-keep-after-reboot" isChecked={keep} isDisabled={running || finished}
                              onChange={(_event, checked) => setKeep(checked)}
                              label={_("Keep after reboot")}
                              description={driverctlAvailable
                                  ? _("Saved with driverctl.")
                                  : _("Saved as a udev rule for this address and this vendor and device ID.")} />
                </FormGroup>

                {shownPlan && shownPlan.steps.length > 0 &&
                    <FormGroup label={_("Steps")} fieldId="pt-plan-steps">
                        <PlanSteps plan={shownPlan} run={run} />
                        <PlanNotes plan={shownPlan} />
                        <PlanScript plan={shownPlan} />
                    </FormGroup>}

                {toConfirm && refused.length === 0 && !finished &&
                    <FormGroup fieldId="pt-confirm-address" label={_("Used by the host")}>
                        <Alert variant="warning" isInline isPlain title={cockpit.format(_("The host uses $0"), toConfirm.address)}>
                            <List>{toConfirm.usage.reasons.map(r => <ListItem key={r}>{r}</ListItem>)}</List>
                        </Alert>
                        <TextInput id="pt-confirm-address" value={typed} isDisabled={running}
                                   onChange={(_event, value) => setTyped(value)}
                                   aria-label={_("Device address to confirm")} />
                        <FormHelperText>
                            <HelperText>
                                <HelperTextItem>{cockpit.format(_("Type $0 to take it from the host."), toConfirm.address)}</HelperTextItem>
                            </HelperText>
                        </FormHelperText>
                    </FormGroup>}

                {ran?.outcome && <PlanOutcomeView plan={ran.plan} outcome={ran.outcome} />}
            </Form>
        </Modal>
    );
};
