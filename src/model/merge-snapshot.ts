/* Folds an incremental read (read-sysfs.sh given some addresses) into the
 * snapshot the page holds, so that a uevent costs a read of a few functions
 * rather than of the whole host. Pure: unit-tested to equal a full read. */

import type { PciAddress } from "./pci-address.ts";
import { makeSnapshot, type HostSnapshot } from "./snapshot.ts";

/** The addresses to ask the reader for when `changed` were named by events:
 * each one, its IOMMU group members and its PF as the page knows them now
 * (the reader adds the group and PF it finds in sysfs, for functions that are new). */
export function addressesToRead(snapshot: HostSnapshot, changed: Iterable<PciAddress>): PciAddress[] {
    const out = new Set<PciAddress>();
    const groups = new Map<number, PciAddress[]>();
    for (const fn of snapshot.functions) {
        if (fn.iommuGroup !== null) {
            const members = groups.get(fn.iommuGroup);
            if (members)
                members.push(fn.address);
            else
                groups.set(fn.iommuGroup, [fn.address]);
        }
    }
    for (const address of changed) {
        out.add(address);
        const fn = snapshot.byAddress.get(address);
        if (!fn)
            continue;
        if (fn.physfn)
            out.add(fn.physfn);
        for (const member of fn.iommuGroup !== null ? groups.get(fn.iommuGroup) ?? [] : [])
            out.add(member);
    }
    return [...out];
}

/**
 * `partial` is what the reader printed for `requested` (and the members it
 * added): every function in it replaces the old one, and a requested function
 * it does not hold is gone from sysfs. Everything else is kept as it was.
 */
export function mergeSnapshot(snapshot: HostSnapshot, partial: HostSnapshot, requested: Iterable<PciAddress>): HostSnapshot {
    const replaced = new Set<PciAddress>(requested);
    for (const fn of partial.functions)
        replaced.add(fn.address);
    const kept = snapshot.functions.filter(fn => !replaced.has(fn.address));
    // Only full reads carry the network state (read-sysfs.sh); an incremental one keeps the last.
    let netLinks = snapshot.netLinks;
    if (partial.netLinks)
        netLinks = new Map([...netLinks ?? [], ...partial.netLinks]);
    return makeSnapshot([...kept, ...partial.functions], netLinks);
}

/**
 * Among the functions just read, PFs and VFs that disagree: a PF whose VF
 * count is not the number of its virtfn links, a VF a PF lists that the
 * snapshot lacks or that names no PF, a VF whose PF does not list it (both
 * are read again: either may be the stale one), and a function a "remove"
 * event named that the read still found. The kernel sends a VF's add uevent
 * before it links physfn and virtfnN, and a remove uevent before it deletes
 * the directory, so a read right after the event can catch either half done:
 * the page reads these again a moment later.
 */
export function unsettledFunctions(snapshot: HostSnapshot, read: Iterable<PciAddress>,
                                   removed: ReadonlySet<PciAddress> = new Set()): PciAddress[] {
    const out = new Set<PciAddress>();
    const readPfs = new Set<PciAddress>();
    for (const address of read) {
        const fn = snapshot.byAddress.get(address);
        if (!fn)
            continue;
        if (removed.has(address))
            out.add(address);
        if (fn.sriov) {
            readPfs.add(address);
            if (fn.sriov.numVfs !== fn.sriov.vfs.length)
                out.add(address);
        }
        for (const vf of fn.sriov?.vfs ?? []) {
            if (snapshot.byAddress.get(vf)?.physfn !== address)
                out.add(vf);
        }
        if (fn.physfn && !snapshot.byAddress.get(fn.physfn)?.sriov?.vfs.includes(address)) {
            out.add(fn.physfn);
            out.add(address);
        }
    }
    // VFs read earlier that name a PF just read which no longer lists them
    // (its VFs were removed while the page read them one by one).
    if (readPfs.size > 0) {
        for (const fn of snapshot.functions) {
            if (fn.physfn && readPfs.has(fn.physfn) && !snapshot.byAddress.get(fn.physfn)?.sriov?.vfs.includes(fn.address))
                out.add(fn.address);
        }
    }
    return [...out];
}

/**
 * Whether a PF with a network interface among those just read has another VF
 * count than the page held: its VFs' network state (MAC, VLAN, trust...)
 * comes from `ip`, which only full reads run (read-sysfs.sh), so VFs made
 * elsewhere (over ssh, at boot) would show it unknown until a full read.
 */
export function nicVfCountChanged(old: HostSnapshot, next: HostSnapshot, read: Iterable<PciAddress>): boolean {
    for (const address of read) {
        const fn = next.byAddress.get(address);
        if (fn?.sriov && fn.netInterfaces.length > 0 && fn.sriov.numVfs !== old.byAddress.get(address)?.sriov?.numVfs)
            return true;
    }
    return false;
}
