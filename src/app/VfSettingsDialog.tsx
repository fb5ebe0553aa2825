// SPDX-License-Identifier: LGPL-2.1-or-later
/* "VF settings": the network settings of one VF of an SR-IOV network card
 * (MAC, VLAN and priority, spoof checking, trust, link state, rates), set on
 * its PF with `ip link set <pf> vf <n>`, each read back; all or nothing
 * (model/vf-settings.ts). A setting the driver refuses is named next to its
 * field, and the VF is left as it was. */

import { useMemo, useState } from "react";
import {
    Alert, Button, Checkbox, FormGroup, FormHelperText, FormSelect, FormSelectOption, Grid, GridItem,
    HelperText, HelperTextItem, InputGroup, InputGroupItem, List, ListItem, TextInput,
} from "@patternfly/react-core";
import cockpit from "cockpit";

import { explainRefusal } from "../model/executor-refusals.ts";
import type { InterfaceInfo } from "../model/host-usage.ts";
import type { PciAddress } from "../model/pci-address.ts";
import type { PersistedVfSettings } from "../model/persistence.ts";
import type { Plan } from "../model/plan.ts";
import type { PlanOutcome } from "../model/run-plan.ts";
import type { HostSnapshot, VfLinkState } from "../model/snapshot.ts";
import { macUses, macUseText, type MacDomain } from "../model/vf-net-macs.ts";
import { generateMac, parseMac, parseQos, parseRate, parseVlan } from "../model/vf-net-values.ts";
import { assignedMac, locateVf } from "../model/vf-net.ts";
import { planVfSettings, type LinkState, type VfSetting, type VfSettingKey } from "../model/vf-settings.ts";
import { PlanDialog } from "./PlanDialog.tsx";
import type { HostUsage } from "./PrepareDialog.tsx";
import { gettext } from "./translate.ts";
import { adminAccessReason, planOrError, usePlanRun, type Planned } from "./usePlanRun.ts";
import { useSuperuser } from "./useSuperuser.ts";

const _ = cockpit.gettext;

export interface VfSettingsDialogProps {
    snapshot: HostSnapshot;
    vf: PciAddress;
    deviceName: string;
    /** The rule that applies this VF's settings at boot, if any. */
    kept: PersistedVfSettings | null;
    /** Every known VM with its XML, for the MAC uniqueness warning. */
    domains: readonly MacDomain[];
    /** The host's interfaces with their MACs (host-usage facts), for the same warning. */
    hostInterfaces: readonly InterfaceInfo[];
    /** Why the host needs this VF's own interface (the session, the default
     * route): then its settings are not changed here (the executor refuses too). */
    hostUsage?: HostUsage | undefined;
    onFinished?: (outcome: PlanOutcome, plan: Plan) => void;
}

interface Form {
    mac: string;
    vlan: string;
    qos: string;
    spoofCheck: boolean | null;
    trust: boolean | null;
    linkState: LinkState | null;
    minRate: string;
    maxRate: string;
}

function formOf(state: VfLinkState): Form {
    return {
        mac: assignedMac(state) ?? "",
        vlan: state.vlan ? String(state.vlan) : "",
        qos: state.qos ? String(state.qos) : "",
        spoofCheck: state.spoofCheck,
        trust: state.trust,
        linkState: state.linkState,
        minRate: state.minTxRate ? String(state.minTxRate) : "",
        maxRate: state.maxTxRate ? String(state.maxTxRate) : "",
    };
}

type FieldErrors = Partial<Record<"mac" | "vlan" | "qos" | "minRate" | "maxRate", string>>;

/* The settings to ask for: what was changed, and (so that a kept rule holds
 * the whole state) what differs from a fresh VF's defaults. A MAC left empty
 * is not sent: a VF's MAC cannot be set back to none on most drivers. */
function wantedSettings(form: Form, initial: Form): { wanted: VfSetting[]; errors: FieldErrors } {
    const errors: FieldErrors = {};
    const wanted: VfSetting[] = [];
    if (form.mac.trim() !== "") {
        const mac = parseMac(form.mac, gettext);
        if (mac.ok)
            wanted.push({ key: "mac", mac: mac.mac });
        else
            errors.mac = mac.error;
    }
    const vlan = parseVlan(form.vlan, gettext);
    const qos = parseQos(form.qos, gettext);
    if (!vlan.ok)
        errors.vlan = vlan.error;
    if (!qos.ok)
        errors.qos = qos.error;
    if (vlan.ok && qos.ok) {
        if (vlan.vlan === 0 && qos.value !== 0)
            errors.qos = _("A priority needs a VLAN ID.");
        else if (vlan.vlan !== 0 || form.vlan !== initial.vlan || form.qos !== initial.qos)
            wanted.push({ key: "vlan", vlan: vlan.vlan, qos: qos.value });
    }
    if (form.spoofCheck !== null)
        wanted.push({ key: "spoofchk", on: form.spoofCheck });
    if (form.trust !== null)
        wanted.push({ key: "trust", on: form.trust });
    if (form.linkState !== null && (form.linkState !== "auto" || form.linkState !== initial.linkState))
        wanted.push({ key: "state", state: form.linkState });
    const min = parseRate(form.minRate, gettext);
    const max = parseRate(form.maxRate, gettext);
    if (!min.ok)
        errors.minRate = min.error;
    if (!max.ok)
        errors.maxRate = max.error;
    if (min.ok && max.ok) {
        if (max.value !== 0 && min.value > max.value)
            errors.minRate = _("The minimum rate is above the maximum.");
        else if (min.value !== 0 || max.value !== 0 || form.minRate !== initial.minRate || form.maxRate !== initial.maxRate)
            wanted.push({ key: "rate", min: min.value, max: max.value });
    }
    return { wanted, errors };
}

/** Which form field a setting is shown in (a refusal is explained there). */
const FIELD_OF: Record<VfSettingKey, string> = {
    mac: "pt-vf-mac", vlan: "pt-vf-vlan", spoofchk: "pt-vf-spoofchk", trust: "pt-vf-trust", state: "pt-vf-state", rate: "pt-vf-max-rate",
};

const FieldHelp = ({ id, error, text }: { id: string; error?: string | undefined; text?: string | undefined }) =>
    error || text
        ? (
            <FormHelperText>
                <HelperText>
                    <HelperTextItem id={id} variant={error ? "error" : "default"}>{error ?? text}</HelperTextItem>
                </HelperText>
            </FormHelperText>
        )
        : null;

export const VfSettingsDialog = ({
    snapshot, vf, deviceName, kept, domains, hostInterfaces, hostUsage, onFinished,
}: VfSettingsDialogProps) => {
    const superuser = useSuperuser();
    const where = locateVf(snapshot, vf);
    const state = where.ok ? where.state : null;
    // The form starts from what the driver reports when the dialog opens (not
    // from a kept rule): the snapshot changes once the plan has run.
    const initial = useMemo(() => (state ? formOf(state) : null), []); // eslint-disable-line react-hooks/exhaustive-deps
    const [form, setForm] = useState<Form | null>(initial);
    const [keep, setKeep] = useState(kept !== null);
    const runner = usePlanRun(onFinished);
    const locked = runner.running || runner.finished;
    const set = (patch: Partial<Form>) => setForm(f => (f ? { ...f, ...patch } : f));

    const { wanted, errors } = form && initial ? wantedSettings(form, initial) : { wanted: [], errors: {} as FieldErrors };
    const hasErrors = Object.keys(errors).length > 0;
    const planned = useMemo((): Planned | null => (hasErrors || !form
        ? null
        : planOrError(() => planVfSettings(snapshot, vf, wanted, { keepAfterReboot: keep, kept: kept !== null }, gettext))),
    // wanted is derived from form
    [snapshot, vf, form, keep, kept, hasErrors]); // eslint-disable-line react-hooks/exhaustive-deps

    const macText = form?.mac.trim() ?? "";
    const macParsed = macText ? parseMac(macText, gettext) : null;
    const macWarnings = macParsed?.ok ? macUses(macParsed.mac, snapshot, domains, vf, hostInterfaces).map(u => macUseText(u, gettext)) : [];

    // The step the driver refused, after a failed run: its field shows why.
    const outcome = runner.ran?.outcome ?? null;
    const failedStep = outcome?.status === "failed" && outcome.failedStep !== null ? runner.ran?.plan.steps[outcome.failedStep] : undefined;
    const refusedField = failedStep?.action.kind === "set-vf" ? FIELD_OF[failedStep.action.setting.key] : null;
    const refusal = outcome?.status === "failed" && outcome.failure
        ? (outcome.failure.kind === "kernel"
            ? outcome.failure.message
            : outcome.failure.kind === "rejected"
                ? explainRefusal(outcome.failure.reason, gettext) ?? outcome.failure.reason
                : _("The setting did not read back as set."))
        : "";
    const refusedText = cockpit.format(_("The driver refused this setting: $0. Nothing was changed: the settings applied before it were undone."), refusal);
    const refusedHelp = (field: string) => (refusedField === field ? refusedText : undefined);

    const hostNeeds = (hostUsage?.reasons.length ?? 0) > 0;

    const whyDisabled = (): string | null => {
        const admin = adminAccessReason(superuser, _("Administrative access is required to change VF settings. Switch from limited access to administrative access."));
        if (admin)
            return admin;
        if (!where.ok) {
            return where.reason === "no-netdev"
                ? _("The physical function has no network interface: VF network settings are set through it.")
                : _("This device is not a VF of a network card.");
        }
        if (!form)
            return _("The network state of this VF is not known (ip link could not be read).");
        if (hostNeeds)
            return _("The host needs this VF's network interface: its settings are not changed here.");
        if (hasErrors)
            return _("Correct the values marked above.");
        if (planned && "error" in planned)
            return planned.error;
        if (planned && planned.plan.steps.length === 0)
            return _("Nothing to change.");
        return null;
    };

    const pfName = where.ok ? where.pfName : "";
    const index = where.ok ? where.index : 0;
    const onOff = (v: boolean | null) => (v === null ? _("not reported by the driver") : v ? _("on") : _("off"));

    return (
        <PlanDialog id="pt-vf-settings-dialog" title={cockpit.format(_("VF settings: $0 ($1)"), deviceName, vf)}
                    actionId="pt-vf-settings-apply" actionLabel={_("Apply")}
                    plan={planned && "plan" in planned ? planned.plan : null} disabledReason={whyDisabled()} runner={runner}>
            {where.ok &&
                <p id="pt-vf-where">{cockpit.format(_("VF $0 of $1 ($2)"), index, pfName, where.pf.address)}</p>}
            {hostNeeds &&
                <Alert id="pt-vf-host-needs" variant="danger" isInline
                       title={_("The host uses this VF: changing its MAC, VLAN, link state or rate could cut it off the network")}>
                    <List>{hostUsage?.reasons.map(r => <ListItem key={r}>{r}</ListItem>)}</List>
                </Alert>}
            {form && <>
                <FormGroup label={_("MAC address")} fieldId="pt-vf-mac">
                    <InputGroup>
                        <InputGroupItem isFill>
                            <TextInput id="pt-vf-mac" value={form.mac} isDisabled={locked} placeholder={_("Set by the guest")}
                                       validated={errors.mac || refusedField === "pt-vf-mac" ? "error" : macWarnings.length ? "warning" : "default"}
                                       onChange={(_event, value) => set({ mac: value })} />
                        </InputGroupItem>
                        <InputGroupItem>
                            <Button id="pt-vf-mac-generate" variant="control" isDisabled={locked}
                                    onClick={() => set({ mac: generateMac() })}>
                                {_("Generate")}
                            </Button>
                        </InputGroupItem>
                    </InputGroup>
                    <FieldHelp id="pt-vf-mac-help" error={errors.mac ?? refusedHelp("pt-vf-mac")}
                               text={macWarnings.length ? cockpit.format(_("Already in use: $0"), macWarnings.join("; ")) : undefined} />
                </FormGroup>
                <Grid hasGutter md={6}>
                    <GridItem>
                        <FormGroup label={_("VLAN ID")} fieldId="pt-vf-vlan">
                            <TextInput id="pt-vf-vlan" value={form.vlan} isDisabled={locked} placeholder={_("None")}
                                       validated={errors.vlan || refusedField === "pt-vf-vlan" ? "error" : "default"}
                                       onChange={(_event, value) => set({ vlan: value })} />
                            <FieldHelp id="pt-vf-vlan-help" error={errors.vlan ?? refusedHelp("pt-vf-vlan")} text={_("1 to 4094; empty: untagged.")} />
                        </FormGroup>
                    </GridItem>
                    <GridItem>
                        <FormGroup label={_("Priority (qos)")} fieldId="pt-vf-qos">
                            <TextInput id="pt-vf-qos" value={form.qos} isDisabled={locked} placeholder="0"
                                       validated={errors.qos ? "error" : "default"}
                                       onChange={(_event, value) => set({ qos: value })} />
                            <FieldHelp id="pt-vf-qos-help" error={errors.qos} text={_("802.1p priority of the VLAN, 0 to 7.")} />
                        </FormGroup>
                    </GridItem>
                </Grid>
                <FormGroup fieldId="pt-vf-spoofchk" label={_("Security")}>
                    <Checkbox id="pt-vf-spoofchk" isChecked={form.spoofCheck === true} isDisabled={locked || form.spoofCheck === null}
                              onChange={(_event, value) => set({ spoofCheck: value })}
                              label={_("Spoof checking")}
                              description={cockpit.format(_("Drops frames the guest sends from another MAC address. Now: $0."), onOff(state?.spoofCheck ?? null))} />
                    <FieldHelp id="pt-vf-spoofchk-help" error={refusedHelp("pt-vf-spoofchk")} />
                    <Checkbox id="pt-vf-trust" isChecked={form.trust === true} isDisabled={locked || form.trust === null}
                              onChange={(_event, value) => set({ trust: value })}
                              label={_("Trusted")}
                              description={cockpit.format(_("Lets the guest change its MAC address and use promiscuous or all-multicast mode. Now: $0."),
                                                          onOff(state?.trust ?? null))} />
                    <FieldHelp id="pt-vf-trust-help" error={refusedHelp("pt-vf-trust")} />
                </FormGroup>
                <FormGroup label={_("Link state")} fieldId="pt-vf-state">
                    <FormSelect id="pt-vf-state" value={form.linkState ?? ""} isDisabled={locked || form.linkState === null}
                                validated={refusedField === "pt-vf-state" ? "error" : "default"}
                                onChange={(_event, value) => set({ linkState: value as LinkState })}>
                        {form.linkState === null && <FormSelectOption value="" label={_("Not reported by the driver")} />}
                        <FormSelectOption value="auto" label={_("Follow the physical link (auto)")} />
                        <FormSelectOption value="enable" label={_("Always up (enable)")} />
                        <FormSelectOption value="disable" label={_("Down (disable)")} />
                    </FormSelect>
                    <FieldHelp id="pt-vf-state-help" error={refusedHelp("pt-vf-state")} />
                </FormGroup>
                <Grid hasGutter md={6}>
                    <GridItem>
                        <FormGroup label={_("Minimum transmit rate (Mbit/s)")} fieldId="pt-vf-min-rate">
                            <TextInput id="pt-vf-min-rate" value={form.minRate} isDisabled={locked} placeholder={_("No limit")}
                                       validated={errors.minRate ? "error" : "default"}
                                       onChange={(_event, value) => set({ minRate: value })} />
                            <FieldHelp id="pt-vf-min-rate-help" error={errors.minRate} />
                        </FormGroup>
                    </GridItem>
                    <GridItem>
                        <FormGroup label={_("Maximum transmit rate (Mbit/s)")} fieldId="pt-vf-max-rate">
                            <TextInput id="pt-vf-max-rate" value={form.maxRate} isDisabled={locked} placeholder={_("No limit")}
                                       validated={errors.maxRate || refusedField === "pt-vf-max-rate" ? "error" : "default"}
                                       onChange={(_event, value) => set({ maxRate: value })} />
                            <FieldHelp id="pt-vf-max-rate-help" error={errors.maxRate ?? refusedHelp("pt-vf-max-rate")} />
                        </FormGroup>
                    </GridItem>
                </Grid>
                <FormGroup fieldId="pt-vf-keep">
                    <Checkbox id="pt-vf-keep" isChecked={keep} isDisabled={locked}
                              onChange={(_event, value) => setKeep(value)}
                              label={_("Keep after reboot")}
                              description={kept
                                  ? _("Now kept: a udev rule applies this VF's settings at boot. Unticking removes it.")
                                  : _("Saved as a udev rule: it applies these settings at boot, after the VFs are created (keep the VF count after reboot too).")} />
                </FormGroup>
            </>}
        </PlanDialog>
    );
};
