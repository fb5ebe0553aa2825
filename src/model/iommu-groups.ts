// SPDX-License-Identifier: LGPL-2.1-or-later
/* IOMMU groups: the unit VFIO hands to a guest. A group is viable for
 * passthrough only when every endpoint in it is bound to vfio-pci (or
 * pci-stub) or to no driver; PCI bridges are exempt. Otherwise QEMU fails
 * with "group N is not viable". */

import type { PciAddress } from "./pci-address.ts";
import { isBridge } from "./pci-class.ts";
import type { HostSnapshot, PciFunction } from "./snapshot.ts";

export const VFIO_DRIVERS = ["vfio-pci", "pci-stub"];

/** A function in this state leaves its group viable: on a VFIO driver, or on none. */
export function isVfioSafe(driver: string | null): boolean {
    return driver === null || VFIO_DRIVERS.includes(driver);
}

export interface IommuGroup {
    id: number;
    members: PciFunction[];
    /** Members that count for viability (bridges excluded). */
    endpoints: PciFunction[];
    /** Endpoints still on a host driver: what makes the group not viable. */
    blockers: PciFunction[];
    viable: boolean;
}

export function isEndpoint(fn: PciFunction): boolean {
    return !isBridge(fn.classCode);
}

export function iommuGroups(snapshot: HostSnapshot): Map<number, IommuGroup> {
    const byId = new Map<number, PciFunction[]>();
    for (const fn of snapshot.functions) {
        if (fn.iommuGroup === null)
            continue;
        const list = byId.get(fn.iommuGroup) ?? [];
        list.push(fn);
        byId.set(fn.iommuGroup, list);
    }
    const groups = new Map<number, IommuGroup>();
    for (const [id, members] of [...byId].sort(([a], [b]) => a - b)) {
        const endpoints = members.filter(isEndpoint);
        const blockers = endpoints.filter(fn => !isVfioSafe(fn.driver));
        groups.set(id, { id, members, endpoints, blockers, viable: endpoints.length > 0 && blockers.length === 0 });
    }
    return groups;
}

/** The other endpoints that share `address`'s group: what must go along with it. */
export function groupPeers(snapshot: HostSnapshot, address: PciAddress): PciFunction[] {
    const fn = snapshot.byAddress.get(address);
    if (!fn || fn.iommuGroup === null)
        return [];
    return snapshot.functions.filter(o => o.iommuGroup === fn.iommuGroup && o.address !== address && isEndpoint(o));
}
