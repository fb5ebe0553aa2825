// SPDX-License-Identifier: LGPL-2.1-or-later
/* "Virtual machines": the domains of both connections with their PCI host
 * devices. When libvirt cannot be used it says why and what to do, and the
 * rest of the page carries on. */

import { useEffect, useState, type ReactNode } from "react";
import {
    Alert, Button, Card, CardBody, CardHeader, CardTitle, HelperText, HelperTextItem, List, ListItem, Spinner, Title,
} from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import cockpit from "cockpit";

import { useDialogs } from "dialogs";
import { domainKeyString, type Connection } from "../model/assignments.ts";
import type { DomainHostdev, InterfaceNet } from "../model/domain-xml.ts";
import { checkHostdevs, idText, type HostdevCheck } from "../model/hardware-records.ts";
import type { PciAddress } from "../model/pci-address.ts";
import type { HostSnapshot } from "../model/snapshot.ts";
import { AssignDialog } from "./AssignDialog.tsx";
import { CreateVmDialog } from "./CreateVmDialog.tsx";
import { unassignDevice, type DomainRecord } from "../model/domains.ts";
import { LibvirtErrorAlert } from "./LibvirtErrorAlert.tsx";
import { backendFor, type ConnectionState, type DomainsState } from "./useDomains.ts";
import { connectionText, stateText } from "./vm-text.ts";

const _ = cockpit.gettext;

export interface VmsCardProps {
    domains: DomainsState;
    refreshDomains: () => Promise<void>;
    /** null while the host snapshot is loading or failed: assigning waits for it. */
    snapshot: HostSnapshot | null;
    deviceName: (address: PciAddress) => string;
    /** After any change: e.g. refresh the host snapshot (drivers change at VM start/stop). */
    onChanged?: () => void;
}

/** One row per host device of a VM: in the running VM, in the stored definition, or both. */
interface HostdevRow {
    device: DomainHostdev;
    live: boolean;
    config: boolean;
}

function hostdevRows(d: DomainRecord): HostdevRow[] {
    const rows = new Map<PciAddress, HostdevRow>();
    if (d.state !== "shut off")
        for (const dev of d.liveDevices)
            rows.set(dev.address, { device: dev, live: true, config: false });
    if (d.inactiveXml !== null)
        for (const dev of d.inactiveDevices) {
            const row = rows.get(dev.address);
            if (row)
                row.config = true;
            else
                rows.set(dev.address, { device: dev, live: false, config: true });
        }
    return [...rows.values()];
}

const pendingKey = (d: DomainRecord, a: PciAddress) => `${domainKeyString(d)}|${a}`;

/** A VF held as <interface type='hostdev'>: what the guest's network sees of it. */
function interfaceText(net: InterfaceNet): string {
    const mac = net.mac ?? _("no MAC address");
    if (net.vlans.length === 0)
        return cockpit.format(_("(network interface, MAC $0)"), mac);
    return cockpit.format(_("(network interface, MAC $0, VLAN $1)"), mac, net.vlans.join(", "));
}

function unavailableText(connection: Connection, state: Extract<ConnectionState, { status: "unavailable" }>): { title: string; body: string } {
    const which = connectionText(connection);
    switch (state.reason) {
    case "access-denied":
        return {
            title: cockpit.format(_("$0: this user may not use libvirt"), which),
            body: _("Turn on administrative access, or add the user to the group \"libvirt\" and log in again."),
        };
    case "dbus-missing":
        return {
            title: cockpit.format(_("$0: the libvirt D-Bus service is not installed"), which),
            body: _("Install the libvirt-dbus package (and libvirt-daemon-system)."),
        };
    case "daemon-down":
        return {
            title: cockpit.format(_("$0: the libvirt daemon is not running"), which),
            body: _("Start it with \"systemctl start libvirtd\" (or virtqemud on modular installations)."),
        };
    case "error":
        return { title: cockpit.format(_("$0: libvirt cannot be used"), which), body: "" };
    }
}

export const VmsCard = ({ domains, refreshDomains, snapshot, deviceName, onChanged }: VmsCardProps) => {
    const Dialogs = useDialogs();
    const [pending, setPending] = useState<ReadonlySet<string>>(new Set());
    const [notes, setNotes] = useState<Record<string, string>>({});
    const [busy, setBusy] = useState<string | null>(null);
    const [error, setError] = useState<unknown>(null);

    // "Removal requested" ends only when a re-read shows the device gone from the running VM.
    useEffect(() => {
        setPending(prev => {
            const next = new Set<string>();
            for (const c of [domains.qemu, domains.stratovirt]) {
                if (c.status !== "ready")
                    continue;
                for (const d of c.domains)
                    for (const a of d.state === "shut off" ? [] : d.liveHostdevs)
                        if (prev.has(pendingKey(d, a)))
                            next.add(pendingKey(d, a));
            }
            return next.size === prev.size ? prev : next;
        });
    }, [domains]);

    const changed = () => {
        refreshDomains();
        onChanged?.();
    };

    const remove = async (d: DomainRecord, address: PciAddress, alsoDropRecords: PciAddress[] = []) => {
        const backend = backendFor(domains, d);
        if (!backend)
            return;
        const key = pendingKey(d, address);
        setBusy(key);
        setError(null);
        try {
            const result = await unassignDevice(backend, d, address, alsoDropRecords);
            if (result.live === "pending")
                setPending(p => new Set([...p, key]));
            if (result.live === "stays")
                setNotes(n => ({ ...n, [key]: _("Removed from the stored definition; the running VM keeps it until it stops.") }));
            changed();
        } catch (ex) {
            setError(ex);
        } finally {
            setBusy(null);
        }
    };

    const openAssign = (d: DomainRecord) => {
        if (!snapshot)
            return;
        Dialogs.show(<AssignDialog domains={domains} snapshot={snapshot} deviceName={deviceName}
                                   domain={{ connection: d.connection, name: d.name }} onDone={changed} />);
    };

    const openCreate = () =>
        Dialogs.show(<CreateVmDialog domains={domains} snapshot={snapshot} deviceName={deviceName} onDone={changed} />);

    const anyReady = domains.qemu.status === "ready" || domains.stratovirt.status === "ready";

    const hostdevText = (d: DomainRecord, row: HostdevRow): string => {
        const key = pendingKey(d, row.device.address);
        if (row.live && pending.has(key))
            return _("Removal requested, waiting for the guest");
        if (notes[key] && row.live && !row.config)
            return notes[key];
        if (d.state === "shut off")
            return "";
        if (row.live && row.config)
            return _("in use");
        if (row.live)
            return _("in use until the VM stops");
        return _("from next boot");
    };

    /* Checked before the VM starts: a hostdev whose address now holds other hardware
     * than was recorded with the assignment, or nothing at all. */
    const hostdevChecks = (d: DomainRecord): Map<PciAddress, HostdevCheck> => {
        if (!snapshot)
            return new Map();
        try {
            return checkHostdevs(d.inactiveXml ?? d.liveXml, snapshot);
        } catch {
            return new Map();
        }
    };

    const checkText = (check: HostdevCheck | undefined): string | null => {
        if (!check || check.kind === "ok")
            return null;
        if (check.kind === "gone")
            return _("No device at this address any more: the card was removed or the buses were renumbered.");
        return cockpit.format(_("This address now holds other hardware ($0) than when it was assigned ($1 at $2): the card was moved or the buses were renumbered. Starting the VM would pass the wrong device."),
                              idText(check.now), idText(check.recorded), check.recorded.address);
    };

    const hostdevItem = (d: DomainRecord, row: HostdevRow, checks: Map<PciAddress, HostdevCheck>) => {
        const key = pendingKey(d, row.device.address);
        const note = hostdevText(d, row);
        const check = checks.get(row.device.address);
        const flag = checkText(check);
        const dropRecords = check?.kind === "changed" && check.record !== row.device.address ? [check.record] : [];
        return (
            <ListItem key={key} className="pt-vm-hostdev" data-address={row.device.address} data-check={check?.kind ?? "ok"}>
                <span>{row.device.address} {deviceName(row.device.address)}</span>
                {row.device.net && <span className="pt-vm-interface"> {interfaceText(row.device.net)}</span>}
                {note && <span className="pt-vm-hostdev-note"> — {note}</span>}{" "}
                {!pending.has(key) &&
                    <Button variant="link" isInline isDanger
                            isLoading={busy === key} isDisabled={busy !== null}
                            aria-label={cockpit.format(_("Remove $0 from $1"), row.device.address, d.name)}
                            onClick={() => remove(d, row.device.address, dropRecords)}>
                        {_("Remove")}
                    </Button>}
                {flag &&
                    <HelperText className="pt-vm-hostdev-flag">
                        <HelperTextItem variant="warning" hasIcon>{flag}</HelperTextItem>
                    </HelperText>}
            </ListItem>
        );
    };

    /** Hostdevs that share a guest slot are the functions of one card: listed together. */
    const hostdevList = (d: DomainRecord, rows: HostdevRow[]) => {
        const checks = hostdevChecks(d);
        const slotOf = (row: HostdevRow) => row.device.guest ? `${row.device.guest.bus}:${row.device.guest.slot}` : null;
        const count = new Map<string, number>();
        rows.forEach(r => { const k = slotOf(r); if (k) count.set(k, (count.get(k) ?? 0) + 1) });
        const items: ReactNode[] = [];
        const done = new Set<string>();
        for (const row of rows) {
            const slot = slotOf(row);
            if (!slot || (count.get(slot) ?? 0) < 2) {
                items.push(hostdevItem(d, row, checks));
                continue;
            }
            if (done.has(slot))
                continue;
            done.add(slot);
            const functions = rows.filter(r => slotOf(r) === slot)
                    .sort((a, b) => (a.device.guest?.function ?? 0) - (b.device.guest?.function ?? 0));
            const g = functions[0].device.guest!;
            items.push(
                <ListItem key={`card-${slot}`} className="pt-vm-card" data-guest-slot={slot}>
                    <span>{cockpit.format(_("Multifunction card in guest slot $0"),
                                          `${g.bus.toString(16).padStart(2, "0")}:${g.slot.toString(16).padStart(2, "0")}`)}</span>
                    <List>{functions.map(r => hostdevItem(d, r, checks))}</List>
                </ListItem>);
        }
        return <List isPlain>{items}</List>;
    };

    const domainRows = (d: DomainRecord) => {
        const rows = hostdevRows(d);
        return (
            <Tr key={domainKeyString(d)} id={`pt-vm-${d.connection}-${d.name}`} className="pt-vm-row">
                <Td dataLabel={_("Name")}>{d.name}</Td>
                <Td dataLabel={_("Connection")}>{connectionText(d.connection)}</Td>
                <Td dataLabel={_("State")} className="pt-vm-state">{stateText(d.state)}</Td>
                <Td dataLabel={_("Persistent")}>{d.persistent ? _("yes") : _("no (transient)")}</Td>
                <Td dataLabel={_("Host devices")}>
                    {rows.length === 0
                        ? <span className="pt-missing">{_("none")}</span>
                        : hostdevList(d, rows)}
                </Td>
                <Td isActionCell>
                    <Button variant="secondary" onClick={() => openAssign(d)} isDisabled={!snapshot}>
                        {_("Add host device")}
                    </Button>
                </Td>
            </Tr>
        );
    };

    const section = (connection: Connection) => {
        const state = domains[connection];
        switch (state.status) {
        case "absent":
            return null;
        case "loading":
            return <Spinner key={connection} size="md" aria-label={_("Reading virtual machines")} />;
        case "unavailable": {
            const text = unavailableText(connection, state);
            return (
                <Alert key={connection} id={`pt-vms-unavailable-${connection}`} variant="warning" isInline title={text.title}>
                    {text.body && <p>{text.body}</p>}
                    <p><code className="pt-libvirt-message">{state.failure.message}</code></p>
                </Alert>
            );
        }
        case "ready":
            return null;
        }
    };

    const ready = [domains.qemu, domains.stratovirt].flatMap(c => c.status === "ready" ? c.domains : []);

    return (
        <Card id="pt-vms">
            <CardHeader actions={{
                actions: <Button variant="secondary" onClick={openCreate} isDisabled={!anyReady}>{_("Create VM from XML")}</Button>,
                hasNoOffset: true,
            }}>
                <CardTitle component="h2">{_("Virtual machines")}</CardTitle>
            </CardHeader>
            <CardBody>
                {section("qemu")}
                {section("stratovirt")}
                {error !== null && <LibvirtErrorAlert error={error} title={_("The device could not be removed")} />}
                {anyReady && ready.length === 0 &&
                    <Title headingLevel="h3" size="md" className="pt-missing">{_("No virtual machines")}</Title>}
                {ready.length > 0 &&
                    <Table aria-label={_("Virtual machines")} variant="compact">
                        <Thead>
                            <Tr>
                                <Th>{_("Name")}</Th>
                                <Th>{_("Connection")}</Th>
                                <Th>{_("State")}</Th>
                                <Th>{_("Persistent")}</Th>
                                <Th>{_("Host devices")}</Th>
                                <Th screenReaderText={_("Actions")} />
                            </Tr>
                        </Thead>
                        <Tbody>{ready.map(domainRows)}</Tbody>
                    </Table>}
            </CardBody>
        </Card>
    );
};
