// SPDX-License-Identifier: LGPL-2.1-or-later
/* What a plan did, in words: the driver each device is on now, or the error
 * explained and whether every device is back where it was. */

import { Alert, List, ListItem, Text, TextContent } from "@patternfly/react-core";
import cockpit from "cockpit";

import { explainRefusal } from "../model/executor-refusals.ts";
import { explainKernelError, explainSriovError } from "../model/kernel-errors.ts";
import { busyText } from "../model/busy.ts";
import type { Check, Plan, PlanKind } from "../model/plan.ts";
import type { PlanOutcome, SriovResult, StepFailure } from "../model/run-plan.ts";
import { gettext } from "./translate.ts";

const _ = cockpit.gettext;

function failureText(plan: Plan, outcome: Extract<PlanOutcome, { status: "failed" }>): { title: string; explanation: string; details: string } {
    const failure: StepFailure = outcome.failure;
    const step = outcome.failedStep === null ? null : plan.steps[outcome.failedStep];
    const title = step
        ? cockpit.format(_("Failed: $0"), step.description)
        : _("Nothing was changed");
    switch (failure.kind) {
    case "kernel": {
        // A write to sriov_numvfs: the same errno means other things there.
        const explained = step?.action.kind === "set-numvfs"
            ? explainSriovError(failure.message, plan.devices.find(d => d.address === plan.sriov?.pf)?.driverBefore ?? null, gettext)
            : explainKernelError(failure.message, gettext);
        return { title, explanation: explained.explanation, details: failure.message };
    }
    case "rejected":
        return {
            title,
            explanation: explainRefusal(failure.reason, gettext) ?? _("The host refused the change before anything was written."),
            details: failure.reason,
        };
    case "busy":
        return {
            title: _("Another change is running on this host"),
            explanation: busyText(failure.seconds, failure.user, gettext),
            details: "",
        };
    case "changed":
        return {
            title,
            explanation: cockpit.format(_("$0 is no longer on the driver the page showed ($1 instead of $2). Reload and try again."),
                                        failure.address, failure.actual || _("no driver"), failure.expected ?? _("no driver")),
            details: "",
        };
    case "sriov-changed":
        return {
            title,
            explanation: cockpit.format(_("$0 has $1 VFs now, not the $2 the page showed. Reload and try again."),
                                        failure.address, failure.actual, failure.expected),
            details: "",
        };
    case "check":
        return { title, explanation: checkFailureText(failure.check, failure.actual), details: "" };
    default: {
        const never: never = failure;
        throw new Error(`unknown failure ${JSON.stringify(never)}`);
    }
    }
}

function checkFailureText(check: Check, actual: string): string {
    switch (check.kind) {
    case "driver":
        return check.driver !== null
            ? cockpit.format(_("$0 did not take the device (it is on $1). The driver refused the device."),
                             check.driver, actual || _("no driver"))
            : cockpit.format(_("The device is still on $0."), actual);
    case "vfio-device":
        return _("The device is on vfio-pci but its /dev/vfio group device did not appear: the IOMMU may be off.");
    case "driver-loaded":
        return _("vfio-pci did not register as a driver.");
    case "left-vfio":
        return _("The device stayed on vfio-pci.");
    case "vf-count":
        return cockpit.format(_("$0 does not have the expected $1 VFs ($2)."), check.address, check.count, actual);
    case "autoprobe":
        return cockpit.format(_("sriov_drivers_autoprobe of $0 did not change."), check.address);
    case "override":
        return cockpit.format(_("driver_override is \"$0\", not the expected value."), actual);
    case "vf-setting":
        return cockpit.format(_("VF $0 reports \"$1\" after the change: the driver did not apply it."), check.vf, actual || _("nothing"));
    default: {
        const never: never = check;
        throw new Error(`unknown check ${JSON.stringify(never)}`);
    }
    }
}

function doneTitle(kind: PlanKind): string {
    switch (kind) {
    case "prepare":
        return _("Prepared for passthrough");
    case "return":
        return _("Returned to the host");
    case "vfs":
        return _("VFs configured");
    case "vf-settings":
        return _("VF settings applied");
    default: {
        const never: never = kind;
        throw new Error(`unknown plan kind ${JSON.stringify(never)}`);
    }
    }
}

const SriovLine = ({ sriov }: { sriov: SriovResult }) => (
    <Text className="pt-sriov-outcome" data-numvfs={sriov.numVfs}>
        {sriov.numVfs === 0
            ? cockpit.format(_("$0 has no VFs."), sriov.pf)
            : cockpit.format(_("$0 has $1 VFs: $2"), sriov.pf, sriov.numVfs, sriov.vfs.join(", "))}
    </Text>
);

export const PlanOutcomeView = ({ plan, outcome }: { plan: Plan; outcome: PlanOutcome }) => {
    if (outcome.status === "done") {
        const title = doneTitle(plan.kind);
        // A VF plan lists the VFs it prepared, not the PF (whose driver it does not change).
        const devices = plan.kind === "vfs" ? outcome.devices.filter(d => d.address !== plan.sriov?.pf) : outcome.devices;
        return (
            <Alert variant="success" isInline title={title} className="pt-plan-outcome">
                {outcome.sriov && <TextContent><SriovLine sriov={outcome.sriov} /></TextContent>}
                <List>
                    {devices.map(d => (
                        <ListItem key={d.address} data-address={d.address} data-driver={d.driver ?? ""}>
                            {d.driver
                                ? cockpit.format(_("$0 is now on $1."), d.address, d.driver)
                                : cockpit.format(_("$0 has no driver: no driver accepted it."), d.address)}
                            {d.refusal?.driver &&
                                " " + cockpit.format(_("$0 refused it: $1"), d.refusal.driver,
                                                     d.refusal.message ? explainKernelError(d.refusal.message, gettext).explanation : _("no reason given"))}
                        </ListItem>
                    ))}
                </List>
            </Alert>
        );
    }
    const { title, explanation, details } = failureText(plan, outcome);
    const allRestored = outcome.devices.every(d => d.restored);
    return (
        <Alert variant="danger" isInline title={title} className="pt-plan-outcome">
            <TextContent>
                <Text>{explanation}</Text>
                {details && <Text component="small" className="pt-error-details">{details}</Text>}
                {outcome.sriov &&
                    <Text className="pt-sriov-outcome" data-numvfs={outcome.sriov.numVfs}>
                        {outcome.sriov.restored
                            ? cockpit.format(_("$0 is back to $1 VFs."), outcome.sriov.pf, outcome.sriov.expected)
                            : cockpit.format(_("$0 has $1 VFs (it had $2)."), outcome.sriov.pf, outcome.sriov.numVfs, outcome.sriov.expected)}
                    </Text>}
                {outcome.devices.length > 0 &&
                    <Text>{allRestored
                        ? _("Every device is back on the driver it had before.")
                        : _("Some devices could not be put back:")}</Text>}
            </TextContent>
            {!allRestored &&
                <List>
                    {outcome.devices.filter(d => !d.restored).map(d => (
                        <ListItem key={d.address}>
                            {cockpit.format(_("$0 is on $1 (it was on $2)."), d.address, d.driver ?? _("no driver"), d.expected ?? _("no driver"))}
                        </ListItem>
                    ))}
                </List>}
            {outcome.rollbackProblems.length > 0 &&
                <Text component="small" className="pt-error-details">{outcome.rollbackProblems.join("; ")}</Text>}
        </Alert>
    );
};
