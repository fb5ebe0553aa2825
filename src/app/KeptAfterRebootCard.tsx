// SPDX-License-Identifier: LGPL-2.1-or-later
/* "Kept after reboot": the bindings that put devices on vfio-pci at boot,
 * and the VF counts created at boot, each removable. An entry whose address
 * now holds other hardware is flagged (a udev rule made here does not apply
 * to it: it names the IDs). */

import { useState } from "react";
import {
    Alert, Button, Card, CardBody, CardHeader, CardTitle, EmptyState, EmptyStateBody, Label, Spinner, Tooltip,
} from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import cockpit from "cockpit";

import { useSuperuser } from "./useSuperuser.ts";
import { explainKernelError } from "../model/kernel-errors.ts";
import {
    keptEntries, keptVfEntries, type KeptEntry, type KeptVfEntry, type PersistedBinding, type PersistedVfCount,
} from "../model/persistence.ts";
import { hex4 } from "../model/pci-ids.ts";
import type { HostSnapshot } from "../model/snapshot.ts";
import { forgetKeptBinding, forgetKeptVfCount } from "../host/executor.ts";
import { gettext } from "./translate.ts";

const _ = cockpit.gettext;

export interface KeptAfterRebootCardProps {
    snapshot: HostSnapshot;
    /** From readPersistedBindings() (host/persistence-reader.ts); null while loading. */
    bindings: readonly PersistedBinding[] | null;
    /** VF counts created at boot (readKeptAfterReboot); null while loading. */
    vfCounts?: readonly PersistedVfCount[] | null;
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

export const KeptAfterRebootCard = ({ snapshot, bindings, vfCounts = [], onChanged }: KeptAfterRebootCardProps) => {
    const superuser = useSuperuser();
    const [busy, setBusy] = useState<string | null>(null);
    const [error, setError] = useState<string | null>(null);
    const entries = bindings ? keptEntries(bindings, snapshot) : [];
    const vfEntries = vfCounts ? keptVfEntries(vfCounts, snapshot) : [];

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

    const removeReason = superuser === false
        ? _("Administrative access is required to change what is kept after reboot.")
        : null;

    return (
        <Card id="pt-kept-after-reboot">
            <CardHeader><CardTitle component="h2">{_("Kept after reboot")}</CardTitle></CardHeader>
            <CardBody>
                {error && <Alert variant="danger" isInline title={_("Could not remove the binding")}>{error}</Alert>}
                {bindings === null && <Spinner aria-label={_("Reading bindings kept after reboot")} />}
                {bindings !== null && entries.length === 0 && vfEntries.length === 0 &&
                    <EmptyState variant="xs">
                        <EmptyStateBody>{_("No device is kept on vfio-pci after reboot.")}</EmptyStateBody>
                    </EmptyState>}
                {(entries.length > 0 || vfEntries.length > 0) &&
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
                                const button = (
                                    <Button variant="secondary" size="sm" isDanger isLoading={busy === b.file}
                                            isAriaDisabled={removeReason !== null || busy !== null}
                                            onClick={() => remove(entry)}>
                                        {_("Remove")}
                                    </Button>
                                );
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
                                            {removeReason ? <Tooltip content={removeReason}>{button}</Tooltip> : button}
                                        </Td>
                                    </Tr>
                                );
                            })}
                            {vfEntries.map(entry => {
                                const r = entry.rule;
                                const button = (
                                    <Button variant="secondary" size="sm" isDanger isLoading={busy === r.file}
                                            isAriaDisabled={removeReason !== null || busy !== null}
                                            onClick={() => removeVf(entry)}>
                                        {_("Remove")}
                                    </Button>
                                );
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
                                            {removeReason ? <Tooltip content={removeReason}>{button}</Tooltip> : button}
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
