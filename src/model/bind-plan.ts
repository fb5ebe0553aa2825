// SPDX-License-Identifier: LGPL-2.1-or-later
/* Plans that prepare devices for passthrough (bind to vfio-pci) and return
 * them to the host, following the kernel's own rules (REFERENCE.md section 2):
 *
 *   prepare: modprobe vfio-pci (if needed), driver_override <- vfio-pci,
 *            drivers/<old>/unbind <- address (if bound), drivers_probe <- address,
 *            then check the driver link and /dev/vfio/<group>.
 *   return:  drivers/vfio-pci/unbind <- address, driver_override <- "" ,
 *            drivers_probe <- address, then check which driver took it.
 */

import { compareAddresses, type PciAddress } from "./pci-address.ts";
import { groupPeers, isVfioSafe } from "./iommu-groups.ts";
import { isBridge } from "./pci-class.ts";
import {
    isDriverName, VFIO_PCI,
    type Action, type DriverName, type PersistMethod, type Plan, type PlannedDevice, type Step, type StepPurpose, type Check,
} from "./plan.ts";
import { describeAction, format, untranslated, type Gettext } from "./plan-text.ts";
import type { PersistedBinding } from "./persistence.ts";
import type { HostSnapshot, PciFunction } from "./snapshot.ts";

export class PlanError extends Error {}

/** The other endpoints of the device's IOMMU group: VFIO owns whole groups.
 * Bridges are exempt (they stay with the host and do not make a group unviable). */
export const groupMembers = groupPeers;

/** Group members that would make the group not viable if only `selected` were prepared. */
export function groupBlockers(snapshot: HostSnapshot, selected: readonly PciAddress[]): PciFunction[] {
    const blockers = new Map<PciAddress, PciFunction>();
    for (const address of selected) {
        for (const member of groupMembers(snapshot, address)) {
            if (!selected.includes(member.address) && !isVfioSafe(member.driver))
                blockers.set(member.address, member);
        }
    }
    return [...blockers.values()].sort((a, b) => compareAddresses(a.address, b.address));
}

export interface PrepareOptions {
    /** Whether vfio-pci must be loaded first (it is not under /sys/bus/pci/drivers yet). */
    loadVfio: boolean;
    keepAfterReboot: boolean;
    /** Devices with a binding kept after reboot already. */
    alreadyKept?: readonly PciAddress[];
    driverctlAvailable: boolean;
    gettext?: Gettext;
}

function plannedDevice(snapshot: HostSnapshot, address: PciAddress): PlannedDevice {
    const fn = snapshot.byAddress.get(address);
    if (!fn)
        throw new PlanError(`${address} is not on this host`);
    if (isBridge(fn.classCode))
        throw new PlanError(`${address} is a PCI bridge; bridges stay with the host`);
    const driver = fn.driver;
    const override = fn.driverOverride;
    if ((driver !== null && !isDriverName(driver)) || (override !== null && !isDriverName(override)))
        throw new PlanError(`${address} has a driver name this page does not handle`);
    return {
        address, vendorId: fn.vendorId, deviceId: fn.deviceId,
        driverBefore: driver, overrideBefore: override, iommuGroup: fn.iommuGroup,
    };
}

function uniqueSorted(addresses: readonly PciAddress[]): PciAddress[] {
    return [...new Set(addresses)].sort(compareAddresses);
}

function step(_: Gettext, purpose: StepPurpose, action: Action, checks: Check[], rollback: Action[]): Step {
    return { purpose, description: describeAction(action, _), action, checks, rollback };
}

function newIdNote(_: Gettext): string {
    return _("The device is bound with driver_override, which names this one device. The older new_id method adds the vendor and device ID to vfio-pci for the whole host: every identical device and every virtual function of the same model would be taken from the host too, and the ID stays until removed.");
}

export function planPrepare(snapshot: HostSnapshot, addresses: readonly PciAddress[], opts: PrepareOptions): Plan {
    const _ = opts.gettext ?? untranslated;
    if (addresses.length === 0)
        throw new PlanError("No device to prepare");
    const devices = uniqueSorted(addresses).map(a => plannedDevice(snapshot, a));
    const steps: Step[] = [];
    const notes: string[] = [newIdNote(_)];

    if (opts.loadVfio)
        steps.push(step(_, "load-vfio", { kind: "load-vfio" }, [{ kind: "driver-loaded", driver: VFIO_PCI }], []));

    const changed = devices.filter(d => d.driverBefore !== VFIO_PCI);
    for (const d of devices) {
        if (d.driverBefore === VFIO_PCI)
            notes.push(format(_("$0 is already on vfio-pci."), d.address));
    }

    for (const d of changed) {
        const { address, driverBefore, overrideBefore } = d;
        // Restoring the override first and probing afterwards gives the device
        // back to its old driver: a bind to the old driver would be refused
        // while driver_override still names vfio-pci.
        const restore: Action[] = [{ kind: "set-override", address, driver: overrideBefore }];
        if (driverBefore !== null)
            restore.push({ kind: "probe", address });
        steps.push(step(_, "set-override", { kind: "set-override", address, driver: VFIO_PCI },
                        [{ kind: "override", address, value: VFIO_PCI }], restore));
        if (driverBefore !== null)
            steps.push(step(_, "unbind", { kind: "unbind", address, from: driverBefore },
                            [{ kind: "driver", address, driver: null }], []));
        steps.push(step(_, "probe-vfio", { kind: "probe", address },
                        [{ kind: "driver", address, driver: VFIO_PCI }, { kind: "vfio-device", address }],
                        [{ kind: "unbind", address, from: VFIO_PCI }]));
    }

    if (opts.keepAfterReboot) {
        const method: PersistMethod = opts.driverctlAvailable ? "driverctl" : "udev";
        // Only what this plan moves: a device already on vfio-pci may be held
        // by a running VM (driverctl would unbind and reprobe it), and an entry
        // kept before stays as it is (so a rollback cannot delete it).
        for (const { address } of changed) {
            if (opts.alreadyKept?.includes(address))
                notes.push(format(_("$0 is already kept on vfio-pci after reboot."), address));
            else
                steps.push(step(_, "persist", { kind: "persist", address, method }, [], [{ kind: "unpersist", address, method }]));
        }
        notes.push(method === "driverctl"
            ? _("driverctl saves the override and applies it at every boot.")
            : _("A udev rule sets driver_override at boot, only for this address with the same vendor and device ID, so new hardware at the same address is left alone."));
    }

    if (changed.length > 1 || devices.some(d => groupMembers(snapshot, d.address).length > 0))
        notes.push(_("VFIO gives a whole IOMMU group to a virtual machine: every device in the group except bridges must be on vfio-pci or have no driver, otherwise the group is not viable."));
    return { kind: "prepare", devices: changed, steps, notes };
}


export function planReturn(snapshot: HostSnapshot, addresses: readonly PciAddress[],
                           rememberedDrivers: ReadonlyMap<PciAddress, DriverName>,
                           kept: readonly Pick<PersistedBinding, "address" | "method">[] = [], gettext: Gettext = untranslated): Plan {
    const _ = gettext;
    if (addresses.length === 0)
        throw new PlanError("No device to return");
    const devices = uniqueSorted(addresses).map(a => plannedDevice(snapshot, a));
    const steps: Step[] = [];
    const notes: string[] = [];

    for (const d of devices) {
        const { address, overrideBefore } = d;
        if (d.driverBefore !== VFIO_PCI)
            throw new PlanError(`${address} is not on vfio-pci`);
        const remembered = rememberedDrivers.get(address) ?? null;
        // An explicit bind puts the device back on vfio-pci whether or not
        // driver_override named it (a device bound through new_id has none).
        steps.push(step(_, "unbind-vfio", { kind: "unbind", address, from: VFIO_PCI },
                        [{ kind: "driver", address, driver: null }],
                        [{ kind: "bind", address, to: VFIO_PCI }]));
        steps.push(step(_, "clear-override", { kind: "set-override", address, driver: null },
                        [{ kind: "override", address, value: null }],
                        [{ kind: "set-override", address, driver: overrideBefore }]));
        steps.push(step(_, "probe-native", { kind: "probe", address },
                        [{ kind: "left-vfio", address, remembered }],
                        [{ kind: "unbind-any", address }]));
        notes.push(remembered
            ? format(_("$0 was on $1 before it was prepared."), address, remembered)
            : format(_("The driver $0 had before it was prepared is not known; the kernel picks one."), address));
    }
    for (const k of kept) {
        if (devices.some(d => d.address === k.address))
            steps.push(step(_, "unpersist", { kind: "unpersist", address: k.address, method: k.method }, [],
                            [{ kind: "persist", address: k.address, method: k.method }]));
    }
    return { kind: "return", devices, steps, notes };
}
