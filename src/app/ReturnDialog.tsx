// SPDX-License-Identifier: LGPL-2.1-or-later
/* "Return to host": unbind from vfio-pci, clear driver_override, let the
 * kernel pick the native driver, and say which one took the device. */

import { useMemo } from "react";
import {
    Alert, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm,
} from "@patternfly/react-core";
import cockpit from "cockpit";

import { useSuperuser } from "./useSuperuser.ts";
import { planReturn } from "../model/bind-plan.ts";
import type { PersistedBinding } from "../model/persistence.ts";
import type { PciAddress } from "../model/pci-address.ts";
import type { DriverName, Plan } from "../model/plan.ts";
import type { PlanOutcome } from "../model/run-plan.ts";
import type { HostSnapshot } from "../model/snapshot.ts";
import { gettext } from "./translate.ts";
import { PlanDialog } from "./PlanDialog.tsx";
import { adminAccessReason, planOrError, usePlanRun, type Planned } from "./usePlanRun.ts";

const _ = cockpit.gettext;

export interface ReturnDialogProps {
    snapshot: HostSnapshot;
    address: PciAddress;
    deviceName: string;
    /** The driver the device had before it was prepared (remembered-drivers.ts); null: unknown. */
    rememberedDriver: DriverName | null;
    /** Bindings kept after reboot (persistence.ts); the device's is removed as part of the return. */
    kept?: readonly PersistedBinding[];
    /** Running virtual machines that use the device: it cannot be returned while they do. */
    usedByVms?: readonly string[];
    onFinished?: (outcome: PlanOutcome, plan: Plan) => void;
}

export const ReturnDialog = ({
    snapshot, address, deviceName, rememberedDriver, kept = [], usedByVms = [],
    onFinished,
}: ReturnDialogProps) => {
    const superuser = useSuperuser();
    const runner = usePlanRun(onFinished);

    const planned = useMemo((): Planned => planOrError(() => {
        const remembered = new Map<PciAddress, DriverName>(rememberedDriver ? [[address, rememberedDriver]] : []);
        return planReturn(snapshot, [address], remembered, kept, gettext);
    }), [snapshot, address, rememberedDriver, kept]);

    const whyDisabled = (): string | null => {
        const admin = adminAccessReason(
            superuser, _("Administrative access is required to return devices. Switch from limited access to administrative access."));
        if (admin)
            return admin;
        if (usedByVms.length > 0)
            return cockpit.format(_("A running virtual machine uses this device: $0. Shut it down or detach the device first."),
                                  usedByVms.join(", "));
        if ("error" in planned)
            return planned.error;
        return null;
    };
    const disabledReason = whyDisabled();

    const outcome = runner.ran?.outcome;
    const tookDriver = outcome?.status === "done" ? outcome.devices.find(d => d.address === address) : undefined;

    return (
        <PlanDialog id="pt-return-dialog" title={cockpit.format(_("Return to host: $0 ($1)"), deviceName, address)}
                    actionId="pt-return-button" actionLabel={_("Return")}
                    plan={"plan" in planned ? planned.plan : null} disabledReason={disabledReason} runner={runner}>
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
        </PlanDialog>
    );
};
