// SPDX-License-Identifier: LGPL-2.1-or-later
/* "Configure VFs": the number of virtual functions of an SR-IOV physical
 * function, whether host drivers take new VFs (sriov_drivers_autoprobe),
 * preparing the new VFs for passthrough, keeping the count after reboot; then
 * the plan, the run and its result (model/vf-plan.ts). */

import { useMemo, useState } from "react";
import {
    Alert, Checkbox, FormGroup, FormHelperText, HelperText, HelperTextItem, List, ListItem, TextInput,
} from "@patternfly/react-core";
import cockpit from "cockpit";

import { useSuperuser } from "./useSuperuser.ts";
import type { PciAddress } from "../model/pci-address.ts";
import type { PersistedVfCount } from "../model/persistence.ts";
import type { Plan } from "../model/plan.ts";
import type { PlanOutcome } from "../model/run-plan.ts";
import type { HostSnapshot } from "../model/snapshot.ts";
import { describeCountProblem, planVfCount, validateVfCount, type VfUser } from "../model/vf-plan.ts";
import { gettext } from "./translate.ts";
import { PlanDialog } from "./PlanDialog.tsx";
import { adminAccessReason, planOrError, usePlanRun, type Planned } from "./usePlanRun.ts";

const _ = cockpit.gettext;

export interface ConfigureVfsDialogProps {
    snapshot: HostSnapshot;
    pf: PciAddress;
    deviceName: string;
    /** /sys/bus/pci/drivers/vfio-pci exists; otherwise preparing new VFs loads it first. */
    vfioLoaded: boolean;
    /** The VF count rule kept after reboot for this PF, if any. */
    kept: PersistedVfCount | null;
    /** VMs that use the PF's existing VFs (vfUsers). */
    users: readonly VfUser[];
    /** VFs the host itself needs, with why (their removal is refused). */
    hostUsed: readonly { vf: PciAddress; reason: string }[];
    onFinished?: (outcome: PlanOutcome, plan: Plan) => void;
}

export const ConfigureVfsDialog = ({
    snapshot, pf, deviceName, vfioLoaded, kept, users, hostUsed, onFinished,
}: ConfigureVfsDialogProps) => {
    const superuser = useSuperuser();
    const fn = snapshot.byAddress.get(pf);
    const sriov = fn?.sriov ?? null;
    const totalVfs = sriov?.totalVfs ?? 0;
    const numVfs = sriov?.numVfs ?? 0;
    const [countText, setCountText] = useState(String(numVfs));
    // Off by default: VFs are usually made for passthrough, and a host driver
    // that takes them must be pushed off again before a VM can use them.
    const [autoprobe, setAutoprobe] = useState(false);
    const [prepareNew, setPrepareNew] = useState(false);
    const [keep, setKeep] = useState(kept !== null);
    const runner = usePlanRun(onFinished);

    const checked = validateVfCount(countText, totalVfs);
    const target = checked.ok ? checked.count : null;
    const removes = target !== null && target !== numVfs && numVfs > 0;
    const creates = target !== null && target !== numVfs && target > 0;
    const runningUsers = users.filter(u => u.running);
    const vmNames = (list: readonly VfUser[]) => [...new Set(list.map(u => u.vm))].join(", ");

    const planned = useMemo((): Planned | null => target === null ? null : planOrError(() => planVfCount(snapshot, pf, {
        count: target, autoprobe, prepareNewVfs: prepareNew, keepAfterReboot: keep,
        kept: kept ? { count: kept.count, autoprobe: kept.autoprobe } : null,
        loadVfio: !vfioLoaded, users, hostUsed,
    }, gettext)), [snapshot, pf, target, autoprobe, prepareNew, keep, kept, vfioLoaded, users, hostUsed]);

    const whyDisabled = (): string | null => {
        const admin = adminAccessReason(
            superuser, _("Administrative access is required to configure VFs. Switch from limited access to administrative access."));
        if (admin)
            return admin;
        if (!sriov)
            return _("This device has no SR-IOV capability.");
        if (!checked.ok)
            return describeCountProblem(checked.problem, gettext);
        if (removes && runningUsers.length > 0)
            return cockpit.format(_("A running virtual machine uses a VF that would be removed: $0. Shut it down first."),
                                  vmNames(runningUsers));
        if (planned && "error" in planned)
            return planned.error;
        if (planned && planned.plan.steps.length === 0)
            return _("Nothing to change.");
        return null;
    };
    const disabledReason = whyDisabled();

    const { finished } = runner;
    const locked = runner.running || finished;

    return (
        <PlanDialog id="pt-vfs-dialog" title={cockpit.format(_("Configure VFs: $0 ($1)"), deviceName, pf)}
                    actionId="pt-vfs-apply" actionLabel={_("Apply")}
                    plan={planned && "plan" in planned ? planned.plan : null} disabledReason={disabledReason} runner={runner}>
            <FormGroup label={_("Number of VFs")} fieldId="pt-vf-count" isRequired>
                <TextInput id="pt-vf-count" type="number" min={0} max={totalVfs} step={1} value={countText}
                           isDisabled={locked} validated={checked.ok ? "default" : "error"}
                           onChange={(_event, value) => setCountText(value)} />
                <FormHelperText>
                    <HelperText>
                        <HelperTextItem id="pt-vf-count-help" variant={checked.ok ? "default" : "error"}>
                            {checked.ok
                                ? cockpit.format(_("From 0 to $0. Now: $1."), totalVfs, numVfs)
                                : describeCountProblem(checked.problem, gettext)}
                        </HelperTextItem>
                    </HelperText>
                </FormHelperText>
            </FormGroup>

            {removes && !finished &&
                <Alert id="pt-vfs-removed" variant={runningUsers.length > 0 ? "danger" : "warning"} isInline
                       title={cockpit.format(_("The $0 existing VFs will be removed"), numVfs)}>
                    {creates &&
                        <p>{_("The kernel only changes the number of VFs from or to 0: the existing VFs are removed first, then the new ones are created. The new VFs are new devices; bindings of the old ones are lost.")}</p>}
                    {users.length > 0 &&
                        <>
                            <p>{_("Virtual machines use them:")}</p>
                            <List id="pt-vfs-users">
                                {users.map(u => (
                                    <ListItem key={`${u.vf} ${u.vm}`}>
                                        {cockpit.format(u.running ? _("$0 uses $1 (running)") : _("$0 uses $1 (shut off)"), u.vm, u.vf)}
                                    </ListItem>
                                ))}
                            </List>
                        </>}
                    {runningUsers.length > 0 &&
                        <p>{_("Removing a VF that a running virtual machine uses can hang the host: shut the virtual machine down first.")}</p>}
                </Alert>}

            <FormGroup fieldId="pt-vfs-autoprobe" label={_("New VFs")}>
                <Checkbox id="pt-vfs-autoprobe" isChecked={autoprobe} isDisabled={locked || !creates}
                          onChange={(_event, value) => setAutoprobe(value)}
                          label={_("Bind new VFs to the host driver")}
                          description={_("Sets sriov_drivers_autoprobe. When on, the host's driver for the VFs takes each new VF as it appears, and the host uses it. Leave it off for passthrough: the VFs are created without a driver, free for vfio-pci.")} />
                <Checkbox id="pt-vfs-prepare" isChecked={prepareNew} isDisabled={locked || !creates}
                          onChange={(_event, value) => setPrepareNew(value)}
                          label={_("Prepare new VFs for passthrough")}
                          description={_("Binds each new VF to vfio-pci in the same run, as \"Prepare for passthrough\" does.")} />
            </FormGroup>

            <FormGroup fieldId="pt-vfs-keep">
                <Checkbox id="pt-vfs-keep" isChecked={keep} isDisabled={locked}
                          onChange={(_event, value) => setKeep(value)}
                          label={_("Keep after reboot")}
                          description={kept
                              ? cockpit.format(_("Now kept: $0 VFs at boot. Saved as a udev rule for this address and this vendor and device ID."), kept.count)
                              : _("Saved as a udev rule for this address and this vendor and device ID; it creates the VFs once the driver has bound at boot.")} />
            </FormGroup>
        </PlanDialog>
    );
};
