// SPDX-License-Identifier: LGPL-2.1-or-later
/* "Prepare for passthrough": the plan in words, the options (whole IOMMU
 * group, keep after reboot), the script, the safety confirmations, then the
 * run and its result. */

import { useMemo, useState } from "react";
import {
    Alert, Checkbox, FormGroup, FormHelperText, HelperText, HelperTextItem, List, ListItem, TextInput,
} from "@patternfly/react-core";
import cockpit from "cockpit";

import { useSuperuser } from "./useSuperuser.ts";
import { groupBlockers, groupMembers, planPrepare } from "../model/bind-plan.ts";
import type { PciAddress } from "../model/pci-address.ts";
import type { Plan } from "../model/plan.ts";
import type { PlanOutcome } from "../model/run-plan.ts";
import type { HostSnapshot } from "../model/snapshot.ts";
import { gettext } from "./translate.ts";
import { PlanDialog } from "./PlanDialog.tsx";
import { adminAccessReason, planOrError, usePlanRun, type Planned } from "./usePlanRun.ts";

const _ = cockpit.gettext;

/** Why the host needs a device (issue 3's "Used by the host"). refuse: never
 * give it away (the NIC that carries this Cockpit session). */
export interface HostUsage {
    reasons: string[];
    refuse: boolean;
}

export interface PrepareDialogProps {
    snapshot: HostSnapshot;
    address: PciAddress;
    /** e.g. "82574L Gigabit Network Connection". */
    deviceName: string;
    /** /sys/bus/pci/drivers/vfio-pci exists; otherwise the plan loads it first. */
    vfioLoaded: boolean;
    driverctlAvailable: boolean;
    /** Devices with a binding kept after reboot already (left as they are). */
    alreadyKept: readonly PciAddress[];
    /** Host usage of this device. */
    hostUsage?: HostUsage | undefined;
    /** Host usage of other devices (its IOMMU group members), by address. */
    otherHostUsage?: ReadonlyMap<PciAddress, HostUsage> | undefined;
    /** Called once the plan has run (refresh the snapshot and the kept list here). */
    onFinished?: (outcome: PlanOutcome, plan: Plan) => void;
}

export const PrepareDialog = ({
    snapshot, address, deviceName, vfioLoaded, driverctlAvailable, alreadyKept, hostUsage, otherHostUsage,
    onFinished,
}: PrepareDialogProps) => {
    const superuser = useSuperuser();
    const members = useMemo(() => groupMembers(snapshot, address), [snapshot, address]);
    const [wholeGroup, setWholeGroup] = useState(true);
    const [keep, setKeep] = useState(false);
    const [typed, setTyped] = useState("");
    const runner = usePlanRun((outcome, plan) => onFinished?.(outcome, plan));

    const selected = useMemo(() => wholeGroup ? [address, ...members.map(m => m.address)] : [address],
                             [wholeGroup, address, members]);
    const blockers = useMemo(() => groupBlockers(snapshot, selected), [snapshot, selected]);
    const planned = useMemo((): Planned => planOrError(
        () => planPrepare(snapshot, selected, { loadVfio: !vfioLoaded, keepAfterReboot: keep, driverctlAvailable, alreadyKept, gettext })
    ), [snapshot, selected, vfioLoaded, keep, driverctlAvailable, alreadyKept]);

    const usages = selected.map(a => ({ address: a, usage: a === address ? hostUsage : otherHostUsage?.get(a) }))
            .filter((u): u is { address: PciAddress; usage: HostUsage } => !!u.usage && u.usage.reasons.length > 0);
    const refused = usages.filter(u => u.usage.refuse);
    const toConfirm = usages.find(u => !u.usage.refuse);
    const confirmed = !toConfirm || typed.trim() === toConfirm.address;
    const nothingToDo = "plan" in planned && planned.plan.steps.length === 0;

    const whyDisabled = (): string | null => {
        const admin = adminAccessReason(
            superuser, _("Administrative access is required to prepare devices. Switch from limited access to administrative access."));
        if (admin)
            return admin;
        if (refused.length > 0)
            return _("This device cannot be prepared: the host needs it.");
        if ("error" in planned)
            return planned.error;
        if (nothingToDo)
            return _("The device is already on vfio-pci.");
        if (!confirmed)
            return cockpit.format(_("Type $0 to confirm."), toConfirm!.address);
        return null;
    };
    const disabledReason = whyDisabled();

    const { running, finished } = runner;
    const groupNumber = snapshot.byAddress.get(address)?.iommuGroup;

    // Below the steps: what the user confirms is what they just read.
    const confirmation = (
        toConfirm && refused.length === 0 && !finished &&
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
            </FormGroup>
    );

    return (
        <PlanDialog id="pt-prepare-dialog" title={cockpit.format(_("Prepare for passthrough: $0 ($1)"), deviceName, address)}
                    actionId="pt-prepare-button" actionLabel={_("Prepare")}
                    plan={"plan" in planned ? planned.plan : null} disabledReason={disabledReason} runner={runner}
                    afterSteps={confirmation}>
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
        </PlanDialog>
    );
};
