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

export interface HostSnapshot {
    /** Every function, ordered by address. */
    functions: readonly PciFunction[];
    byAddress: ReadonlyMap<PciAddress, PciFunction>;
}

export function makeSnapshot(functions: PciFunction[]): HostSnapshot {
    const sorted = [...functions].sort((a, b) => compareAddresses(a.address, b.address));
    return { functions: sorted, byAddress: new Map(sorted.map(f => [f.address, f])) };
}
