// SPDX-License-Identifier: LGPL-2.1-or-later
/* Which VM has which device: per-device assignments, conflicts, and the guard
 * that keeps a device a running VM uses from being returned to the host. */

import { groupPeers, isVfioSafe } from "./iommu-groups.ts";
import { isBridge } from "./pci-class.ts";
import { compareAddresses, type PciAddress } from "./pci-address.ts";
import type { HostSnapshot } from "./snapshot.ts";

export type Connection = "qemu" | "stratovirt";
export type DomainState = "running" | "shut off" | "other";

export interface DomainKey {
    connection: Connection;
    name: string;
}

export interface DomainInfo extends DomainKey {
    state: DomainState;
    persistent: boolean;
    /** Host addresses in the live XML (what a running or paused VM holds now); ignored when shut off. */
    liveHostdevs: readonly PciAddress[];
    /** Host addresses in the stored (inactive) XML; empty for a transient domain. */
    inactiveHostdevs: readonly PciAddress[];
}

export interface Assignment {
    domain: DomainKey;
    state: DomainState;
    /** "live": only in the running VM (hot-plugged, or transient); "config": from next boot; "both". */
    where: "live" | "config" | "both";
}

export type Conflict =
    /** The device is in two or more VMs' definitions. */
    | { kind: "multiple-vms"; domains: DomainKey[] }
    /** Endpoints of one IOMMU group are in different VMs: libvirt/VFIO refuse that. */
    | { kind: "group-split"; group: number; domains: DomainKey[] }
    /** A running VM holds part of a group while other endpoints are still on host drivers. */
    | { kind: "group-incomplete"; group: number; others: PciAddress[] };

export interface AssignmentIndex {
    assignments(address: PciAddress): readonly Assignment[];
    conflicts(address: PciAddress): readonly Conflict[];
    /** False while a running (or paused) VM uses the device: returning it to the host would pull it from under the guest. */
    canReturnToHost(address: PciAddress): boolean;
    /** Every address any domain mentions. */
    addresses(): readonly PciAddress[];
}

export function domainKeyString(key: DomainKey): string {
    return `${key.connection}/${key.name}`;
}

export function sameDomain(a: DomainKey, b: DomainKey): boolean {
    return a.connection === b.connection && a.name === b.name;
}

/** Drivers with which an endpoint does not break a group's viability. */

export function indexAssignments(domains: readonly DomainInfo[], snapshot: HostSnapshot | null): AssignmentIndex {
    const byAddress = new Map<PciAddress, Assignment[]>();
    for (const d of domains) {
        // A paused VM ("other") still holds its devices.
        const live = new Set(d.state !== "shut off" ? d.liveHostdevs : []);
        const config = new Set(d.persistent ? d.inactiveHostdevs : []);
        for (const address of new Set([...live, ...config])) {
            const where = live.has(address) && config.has(address) ? "both" : live.has(address) ? "live" : "config";
            const list = byAddress.get(address) ?? [];
            list.push({ domain: { connection: d.connection, name: d.name }, state: d.state, where });
            byAddress.set(address, list);
        }
    }

    const conflicts = new Map<PciAddress, Conflict[]>();
    const addConflict = (address: PciAddress, c: Conflict) =>
        conflicts.set(address, [...(conflicts.get(address) ?? []), c]);

    for (const [address, list] of byAddress) {
        if (list.length > 1)
            addConflict(address, { kind: "multiple-vms", domains: list.map(a => a.domain) });
    }

    if (snapshot) {
        const groups = new Map<number, PciAddress[]>();
        for (const fn of snapshot.functions) {
            if (fn.iommuGroup !== null && !isBridge(fn.classCode))
                groups.set(fn.iommuGroup, [...(groups.get(fn.iommuGroup) ?? []), fn.address]);
        }
        for (const [group, members] of groups) {
            const assigned = members.filter(a => byAddress.has(a));
            if (assigned.length === 0)
                continue;
            const vms = new Map<string, DomainKey>();
            for (const a of assigned)
                for (const asg of byAddress.get(a)!)
                    vms.set(domainKeyString(asg.domain), asg.domain);
            // One device in two VMs is "multiple-vms"; a split needs two members.
            if (assigned.length > 1 && vms.size > 1) {
                for (const a of assigned)
                    addConflict(a, { kind: "group-split", group, domains: [...vms.values()] });
            }
            // Only a running VM makes a partial group a live problem; a shut-off one fails at start,
            // and managed='yes' binds only the listed functions.
            const running = assigned.filter(a => byAddress.get(a)!.some(asg => asg.state !== "shut off" && asg.where !== "config"));
            if (running.length > 0) {
                const others = members.filter(a => !byAddress.has(a) && !isVfioSafe(snapshot.byAddress.get(a)?.driver ?? null));
                if (others.length > 0)
                    for (const a of running)
                        addConflict(a, { kind: "group-incomplete", group, others });
            }
        }
    }

    return {
        assignments: address => byAddress.get(address) ?? [],
        conflicts: address => conflicts.get(address) ?? [],
        canReturnToHost: address =>
            !(byAddress.get(address) ?? []).some(a => a.state !== "shut off" && a.where !== "config"),
        addresses: () => [...byAddress.keys()],
    };
}

/** Endpoints (non-bridges) of the IOMMU group of `address`, itself included, in address order.
 * Without a group (IOMMU off, or not probed yet) just the address itself. */
export function groupEndpoints(snapshot: HostSnapshot, address: PciAddress): PciAddress[] {
    return [address, ...groupPeers(snapshot, address).map(f => f.address)].sort(compareAddresses);
}

/** What can be done to a domain on this connection and in this state. StratoVirt has no live attach. */
export interface AssignCapabilities {
    /** The stored definition can be changed (from next boot). */
    config: boolean;
    /** The running VM can get the device now. */
    live: boolean;
}

export function assignCapabilities(d: Pick<DomainInfo, "connection" | "state" | "persistent">): AssignCapabilities {
    return {
        config: d.persistent,
        live: d.connection === "qemu" && d.state === "running",
    };
}
