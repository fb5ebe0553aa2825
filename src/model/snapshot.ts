// SPDX-License-Identifier: LGPL-2.1-or-later
/* The host snapshot: what sysfs says about every PCI function at one moment. */

import { compareAddresses, type PciAddress } from "./pci-address.ts";

/** Only physical functions that can create VFs have this. */
export interface SriovCapability {
    totalVfs: number;
    numVfs: number;
    /** sriov_drivers_autoprobe; null when the kernel does not expose it. */
    driversAutoprobe: boolean | null;
    /** The VFs that exist now (virtfnN links), in N order. */
    vfs: PciAddress[];
}

export interface PciFunction {
    address: PciAddress;
    vendorId: number;
    deviceId: number;
    subsystemVendorId: number | null;
    subsystemDeviceId: number | null;
    /** 24-bit class code: base class, subclass, programming interface. */
    classCode: number;
    revision: number | null;
    /** Name of the bound driver, null when no driver is bound. */
    driver: string | null;
    /** driver_override; null when unset ("(null)" in sysfs). */
    driverOverride: string | null;
    /** null when the function has no group (IOMMU off, or not probed yet on arm64). */
    iommuGroup: number | null;
    /** null when the platform reports no node (-1). */
    numaNode: number | null;
    sriov: SriovCapability | null;
    /** Set on a virtual function: its physical function. */
    physfn: PciAddress | null;
    netInterfaces: string[];
    /** Block devices (disks and partitions) below this function. */
    blockDevices: BlockDevice[];
    reset: ResetCapability;
    bootVga: boolean;
    /** The bridge or port the function sits below; null on a root bus; undefined when the reader did not say. */
    upstream?: PciAddress | null;
}

export interface BlockDevice {
    name: string;
    /** The whole disk a partition belongs to; null for a whole disk. */
    disk: string | null;
}

export interface ResetCapability {
    /** The `reset` file exists: the function can be reset on its own. */
    available: boolean;
    /** reset_method, e.g. ["flr", "bus"]; empty when the kernel does not say. */
    methods: string[];
}

/** What `ip -d link` says about one VF of a PF's network interface (issue 14). */
export interface VfLinkState {
    /** The VF's index N (the PF's virtfnN link). */
    vf: number;
    /** null when the driver reports none; an all-zero MAC means "not set". */
    mac: string | null;
    /** 0: no VLAN. */
    vlan: number;
    qos: number;
    /** null when the driver does not report the setting. */
    spoofCheck: boolean | null;
    trust: boolean | null;
    linkState: "auto" | "enable" | "disable" | null;
    /** Mbit/s; 0 means no limit. */
    minTxRate: number | null;
    maxTxRate: number | null;
}

/** One network interface of the host, from `ip -j -d link show`. */
export interface NetLink {
    name: string;
    mac: string | null;
    /** Per-VF state, on a PF's interface that has VFs; null elsewhere. */
    vfs: VfLinkState[] | null;
}

export interface HostSnapshot {
    /** Every function, ordered by address. */
    functions: readonly PciFunction[];
    byAddress: ReadonlyMap<PciAddress, PciFunction>;
    /** Network interfaces by name; null when not read (no SR-IOV network card, an
     * incremental read, or `ip` failed): the VF network state is then unknown. */
    netLinks: ReadonlyMap<string, NetLink> | null;
}

export function makeSnapshot(functions: PciFunction[], netLinks: ReadonlyMap<string, NetLink> | null = null): HostSnapshot {
    const sorted = [...functions].sort((a, b) => compareAddresses(a.address, b.address));
    return { functions: sorted, byAddress: new Map(sorted.map(f => [f.address, f])), netLinks };
}
