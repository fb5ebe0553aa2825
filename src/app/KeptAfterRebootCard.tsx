// SPDX-License-Identifier: LGPL-2.1-or-later
/* "Kept after reboot": the bindings that put devices on vfio-pci at boot,
 * the VF counts created at boot and the VF network settings set at boot
 * (issue 14), each removable. An entry whose address
 * now holds other hardware is flagged (a udev rule made here does not apply
 * to it: it names the IDs). */

import { useState } from "react";
import {
    Alert, Card, CardBody, CardHeader, CardTitle, EmptyState, EmptyStateBody, Label, Spinner,
} from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import cockpit from "cockpit";

import { useSuperuser } from "./useSuperuser.ts";
import { explainKernelError } from "../model/kernel-errors.ts";
import {
    keptEntries, keptVfEntries, keptVfSettingsEntries, VF_SETTING_KEYS, type KeptEntry, type KeptVfEntry, type KeptVfSettingsEntry,
    type PersistedBinding, type PersistedVfCount, type PersistedVfSettings, type VfSettingKey,
} from "../model/persistence.ts";
import { hex4 } from "../model/pci-ids.ts";
import type { HostSnapshot } from "../model/snapshot.ts";
import { forgetKeptBinding, forgetKeptVfCount, forgetKeptVfSettings } from "../host/executor.ts";
import { gettext } from "./translate.ts";
import { PrivilegedButton } from "./PrivilegedButton.tsx";

const _ = cockpit.gettext;

export interface KeptAfterRebootCardProps {
    snapshot: HostSnapshot;
    /** From readPersistedBindings() (host/persistence-reader.ts); null while loading. */
    bindings: readonly PersistedBinding[] | null;
    /** VF counts created at boot (readKeptAfterReboot); null while loading. */
    vfCounts?: readonly PersistedVfCount[] | null;
    /** VF network settings set at boot (readKeptAfterReboot); null while loading. */
    vfSettings?: readonly PersistedVfSettings[] | null;
    /** Re-read the bindings (and the snapshot) after a removal. */
    onChanged: () => void;
}

function StatusLabel({ entry }: { entry: KeptEntry }) {
    const { status, binding } = entry;
    switch (status.kind) {
    case "matches":
        return status.onDriver === "vfio-pci"
            ? <Label color="green">{_("On vfio-pci")}</Label>
            : <Label color="blue">{cockpit.format(_("Applies at next boot (now on $0)"), status.onDriver ?? _("no driver"))}</Label>;
    case "absent":
        return <Label color="grey">{_("No device at this address")}</Label>;
    case "hardware-changed": {
        const now = `${hex4(status.nowVendorId)}:${hex4(status.nowDeviceId)}`;
        return (
            <Label color="orange" className="pt-kept-hardware-changed">
                {binding.method === "udev"
                    ? cockpit.format(_("Hardware changed: now $0; not applied to it"), now)
                    : cockpit.format(_("Hardware changed: now $0; driverctl would still apply it, remove it"), now)}
            </Label>
        );
    }
    }
}

function VfStatusLabel({ entry }: { entry: KeptVfEntry }) {
    const { status } = entry;
    switch (status.kind) {
    case "matches":
        return status.numVfs === entry.rule.count
            ? <Label color="green">{cockpit.format(_("$0 VFs now"), status.numVfs)}</Label>
            : <Label color="blue">{cockpit.format(_("Applies at next boot (now $0 VFs)"), status.numVfs ?? 0)}</Label>;
    case "absent":
        return <Label color="grey">{_("No device at this address")}</Label>;
    case "hardware-changed":
        return (
            <Label color="orange" className="pt-kept-hardware-changed">
                {cockpit.format(_("Hardware changed: now $0; not applied to it"), `${hex4(status.nowVendorId)}:${hex4(status.nowDeviceId)}`)}
            </Label>
        );
    }
}

/** A kept setting's name, for "now different: ...". */
function settingName(key: VfSettingKey): string {
    switch (key) {
    case "mac": return _("MAC address");
    case "vlan": return _("VLAN");
    case "spoofchk": return _("spoof checking");
    case "trust": return _("trust");
    case "state": return _("link state");
    case "rate": return _("rate");
    }
}

/** One kept setting in words; its value is in the executor's form (PersistedVfSettings.settings). */
function settingText(key: VfSettingKey, value: string): string {
    const [a, b] = value.split(",");
    switch (key) {
    case "mac":
        return cockpit.format(_("MAC $0"), value);
    case "vlan":
        if (a === "0")
            return _("no VLAN");
        return b === "0" ? cockpit.format(_("VLAN $0"), a) : cockpit.format(_("VLAN $0 (priority $1)"), a, b);
    case "spoofchk":
        return value === "on" ? _("spoof checking on") : _("spoof checking off");
    case "trust":
        return value === "on" ? _("trust on") : _("trust off");
    case "state":
        return value === "enable" ? _("link state enabled")
            : value === "disable" ? _("link state disabled")
                : _("link state auto");
    case "rate":
        if (a === "0" && b === "0")
            return _("no rate limit");
        return b === "0"
            ? cockpit.format(_("rate at least $0 Mbit/s"), a)
            : cockpit.format(_("rate $0–$1 Mbit/s"), a, b);
    }
}

/** The kept settings in words, in the executor's order. */
function settingsText(rule: PersistedVfSettings): string {
    return VF_SETTING_KEYS
            .flatMap(key => {
                const value = rule.settings[key];
                return value === undefined ? [] : [settingText(key, value)];
            })
            .join(_(", "));
}

function VfSettingsStatusLabel({ entry }: { entry: KeptVfSettingsEntry }) {
    const { status } = entry;
    switch (status.kind) {
    case "matches":
        if (status.current === "applied")
            return <Label color="green">{_("Applied now")}</Label>;
        if (status.current === "differs") {
            return (
                <Label color="blue">
                    {cockpit.format(_("Applies at next boot (now different: $0)"), status.differing.map(settingName).join(_(", ")))}
                </Label>
            );
        }
        return <Label color="grey">{_("Not known now")}</Label>;
    case "absent":
        return <Label color="grey">{_("No device at this address")}</Label>;
    case "hardware-changed":
        return (
            <Label color="orange" className="pt-kept-hardware-changed">
                {cockpit.format(_("Hardware changed: now $0; not applied to it"), `${hex4(status.nowVendorId)}:${hex4(status.nowDeviceId)}`)}
            </Label>
        );
    }
}

/** A settings rule only sets up a VF that exists at boot: the VF count kept for its card makes it. */
function AtBootLabel({ entry }: { entry: KeptVfSettingsEntry }) {
    const { atBoot, rule } = entry;
    if (atBoot.kind === "applies")
        return null;
    return (
        <Label color="orange" className="pt-kept-vf-missing-at-boot">
            {atBoot.kind === "no-count"
                ? _("Not applied at boot: no VF count is kept for this card")
                : cockpit.format(_("Not applied at boot: the VF count kept is $0, VF $1 is not made"), atBoot.count, rule.vf)}
        </Label>
    );
}

export const KeptAfterRebootCard = ({ snapshot, bindings, vfCounts = [], vfSettings = [], onChanged }: KeptAfterRebootCardProps) => {
    const superuser = useSuperuser();
    const [busy, setBusy] = useState<string | null>(null);
    const [error, setError] = useState<string | null>(null);
    const entries = bindings ? keptEntries(bindings, snapshot) : [];
    const vfEntries = vfCounts ? keptVfEntries(vfCounts, snapshot) : [];
    const vfSettingsEntries = vfSettings ? keptVfSettingsEntries(vfSettings, snapshot, vfCounts ?? []) : [];

    const forget = (file: string, action: () => ReturnType<typeof forgetKeptBinding>) => {
        setBusy(file);
        setError(null);
        action()
                .then(reply => {
                    if (reply.status === "error")
                        setError(explainKernelError(reply.message, gettext).explanation + " " + reply.message);
                    else if (reply.status === "rejected")
                        setError(reply.reason);
                })
                .finally(() => {
                    setBusy(null);
                    onChanged();
                });
    };

    const remove = (entry: KeptEntry) =>
        forget(entry.binding.file, () => forgetKeptBinding(entry.binding.address, entry.binding.method));
    const removeVf = (entry: KeptVfEntry) => forget(entry.rule.file, () => forgetKeptVfCount(entry.rule.address));
    const removeVfSettings = (entry: KeptVfSettingsEntry) =>
        forget(entry.rule.file, () => forgetKeptVfSettings(entry.rule.pf, entry.rule.vf));

    const removeReason = superuser === false
        ? _("Administrative access is required to change what is kept after reboot.")
        : null;
    const removeButton = (file: string, onClick: () => void) => (
        <PrivilegedButton superuser={superuser} disabledReason={removeReason} variant="secondary" size="sm" isDanger
                          isLoading={busy === file} isAriaDisabled={busy !== null} onClick={onClick}>
            {_("Remove")}
        </PrivilegedButton>
    );

    return (
        <Card id="pt-kept-after-reboot">
            <CardHeader><CardTitle component="h2">{_("Kept after reboot")}</CardTitle></CardHeader>
            <CardBody>
                {error && <Alert variant="danger" isInline title={_("Could not remove the binding")}>{error}</Alert>}
                {bindings === null && <Spinner aria-label={_("Reading bindings kept after reboot")} />}
                {bindings !== null && entries.length === 0 && vfEntries.length === 0 && vfSettingsEntries.length === 0 &&
                    <EmptyState variant="xs">
                        <EmptyStateBody>{_("No device is kept on vfio-pci after reboot.")}</EmptyStateBody>
                    </EmptyState>}
                {(entries.length > 0 || vfEntries.length > 0 || vfSettingsEntries.length > 0) &&
                    <Table variant="compact" aria-label={_("Kept after reboot")}>
                        <Thead>
                            <Tr>
                                <Th>{_("Address")}</Th>
                                <Th>{_("Device ID")}</Th>
                                <Th>{_("Driver")}</Th>
                                <Th>{_("Saved by")}</Th>
                                <Th>{_("State")}</Th>
                                <Th screenReaderText={_("Actions")} />
                            </Tr>
                        </Thead>
                        <Tbody>
                            {entries.map(entry => {
                                const b = entry.binding;
                                return (
                                    <Tr key={b.file} data-address={b.address} data-method={b.method}>
                                        <Td dataLabel={_("Address")}>{b.address}</Td>
                                        <Td dataLabel={_("Device ID")}>
                                            {b.vendorId !== null && b.deviceId !== null ? `${hex4(b.vendorId)}:${hex4(b.deviceId)}` : _("any")}
                                        </Td>
                                        <Td dataLabel={_("Driver")}>{b.driver}</Td>
                                        <Td dataLabel={_("Saved by")}>{b.method === "udev" ? _("udev rule") : "driverctl"}</Td>
                                        <Td dataLabel={_("State")}><StatusLabel entry={entry} /></Td>
                                        <Td isActionCell>
                                            {removeButton(b.file, () => remove(entry))}
                                        </Td>
                                    </Tr>
                                );
                            })}
                            {vfEntries.map(entry => {
                                const r = entry.rule;
                                return (
                                    <Tr key={r.file} data-address={r.address} data-method="vfs" data-count={r.count}>
                                        <Td dataLabel={_("Address")}>{r.address}</Td>
                                        <Td dataLabel={_("Device ID")}>{`${hex4(r.vendorId)}:${hex4(r.deviceId)}`}</Td>
                                        <Td dataLabel={_("Driver")}>
                                            {cockpit.format(r.autoprobe ? _("$0 VFs on $1 (VFs bound to host drivers)") : _("$0 VFs on $1 (VFs without a driver)"),
                                                            r.count, r.driver)}
                                        </Td>
                                        <Td dataLabel={_("Saved by")}>{_("udev rule (VF count)")}</Td>
                                        <Td dataLabel={_("State")}><VfStatusLabel entry={entry} /></Td>
                                        <Td isActionCell>
                                            {removeButton(r.file, () => removeVf(entry))}
                                        </Td>
                                    </Tr>
                                );
                            })}
                            {vfSettingsEntries.map(entry => {
                                const r = entry.rule;
                                return (
                                    <Tr key={r.file} data-address={r.pf} data-method="vf-settings" data-vf={r.vf}>
                                        <Td dataLabel={_("Address")}>{cockpit.format(_("$0 VF $1"), r.pf, r.vf)}</Td>
                                        <Td dataLabel={_("Device ID")}>{`${hex4(r.vendorId)}:${hex4(r.deviceId)}`}</Td>
                                        <Td dataLabel={_("Driver")}>{settingsText(r)}</Td>
                                        <Td dataLabel={_("Saved by")}>{_("udev rule (VF settings)")}</Td>
                                        <Td dataLabel={_("State")}>
                                            <VfSettingsStatusLabel entry={entry} /> {vfCounts && <AtBootLabel entry={entry} />}
                                        </Td>
                                        <Td isActionCell>
                                            {removeButton(r.file, () => removeVfSettings(entry))}
                                        </Td>
                                    </Tr>
                                );
                            })}
                        </Tbody>
                    </Table>}
            </CardBody>
        </Card>
    );
};
