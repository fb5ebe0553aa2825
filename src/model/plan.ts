// SPDX-License-Identifier: LGPL-2.1-or-later
/* An action plan: the ordered steps that prepare devices for passthrough or
 * return them to the host, each with its check and its way back.
 *
 * A plan is data. bind-plan.ts makes it from a snapshot, plan-script.ts prints
 * it as a shell script, run-plan.ts runs it through the privileged executor.
 * Nothing here touches the host.
 */

import type { PciAddress } from "./pci-address.ts";
import type { VfSetting } from "./vf-settings.ts";

/* Kernel driver names as they appear under /sys/bus/pci/drivers
 * ("e1000e", "hisi_sas_v3_hw", "hibmc-drm"). Starting with an alphanumeric
 * or "_" rules out "." and ".."; no "/" rules out any other path. */
export type DriverName = string & { readonly __brand: "DriverName" };

export const DRIVER_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

export function isDriverName(text: string): text is DriverName {
    return DRIVER_NAME_RE.test(text) && text.length <= 64;
}

export function parseDriverName(text: string): DriverName {
    if (!isDriverName(text))
        throw new Error(`Not a driver name: ${JSON.stringify(text)}`);
    return text;
}

export const VFIO_PCI = "vfio-pci" as DriverName;

/** How a binding is kept across reboots. */
export type PersistMethod = "driverctl" | "udev";

/* What a step does. The executor turns each into one or two operations
 * (executor-ops.ts); nothing else can be expressed, so a plan cannot ask for
 * a write the executor does not allow. */
export type Action =
    /** modprobe vfio-pci (the only module a plan loads). */
    | { kind: "load-vfio" }
    /** Write the driver to driver_override; null clears it (writes "\n"). */
    | { kind: "set-override"; address: PciAddress; driver: DriverName | null }
    /** Write the address to drivers/<from>/unbind. Naming the driver makes the
     * write fail (ENODEV) instead of unbinding whatever else took the device
     * since the snapshot. In a rollback it is skipped when the device is not on <from>. */
    | { kind: "unbind"; address: PciAddress; from: DriverName }
    /** Write the address to the device's own driver/unbind, whatever driver it
     * is. Only used in rollbacks; skipped when the device has no driver. */
    | { kind: "unbind-any"; address: PciAddress }
    /** Write the address to drivers/<to>/bind. Skipped in a rollback when the device already has a driver. */
    | { kind: "bind"; address: PciAddress; to: DriverName }
    /** Write the address to /sys/bus/pci/drivers_probe: the kernel picks the driver. */
    | { kind: "probe"; address: PciAddress }
    /** Keep the device on vfio-pci after a reboot. */
    | { kind: "persist"; address: PciAddress; method: PersistMethod }
    /** Forget a kept binding (the current binding is left alone). */
    | { kind: "unpersist"; address: PciAddress; method: PersistMethod }
    /** Write sriov_numvfs of a PF. In a rollback it is skipped when the count
     * is already there, and goes through 0 when both counts are non-zero. */
    | { kind: "set-numvfs"; address: PciAddress; count: number }
    /** Write sriov_drivers_autoprobe of a PF: whether host drivers take new VFs. */
    | { kind: "set-autoprobe"; address: PciAddress; enabled: boolean }
    /** Create `count` VFs on the PF at every boot (udev rule, vf-persistence.ts). */
    | { kind: "persist-vfs"; address: PciAddress; count: number; autoprobe: boolean }
    /** Stop creating VFs on the PF at boot (the VFs that exist now stay). */
    | { kind: "unpersist-vfs"; address: PciAddress }
    /** `ip link set dev <pfName> vf <vf> ...`: one network setting of a VF. The
     * executor finds the interface from sysfs itself; pfName is for the script. */
    | { kind: "set-vf"; pf: PciAddress; pfName: string; vf: number; setting: VfSetting }
    /** Apply these settings to VF <vf> at every boot, after the VFs are created (udev rule). */
    | { kind: "persist-vf"; pf: PciAddress; pfName: string; vf: number; settings: readonly VfSetting[] }
    /** Stop applying settings to VF <vf> at boot (its settings now stay). */
    | { kind: "unpersist-vf"; pf: PciAddress; vf: number };

/* A step whose devices are only known when it runs: the VFs of a PF exist
 * (and have addresses) once sriov_numvfs is written, so run-plan.ts reads
 * them back from the PF's virtfn links in the same process and binds each to
 * vfio-pci as a prepare plan would (driver_override, unbind, drivers_probe,
 * then the driver link and /dev/vfio checks). It has no rollback of its own:
 * the step that created the VFs removes them. */
export interface PrepareVfsAction {
    kind: "prepare-vfs";
    pf: PciAddress;
    /** How many VFs the PF must have (the check before anything is bound). */
    count: number;
}

/** What a step does: one executor operation, or the VF preparation above. */
export type PlanAction = Action | PrepareVfsAction;

/* What is checked after a step. drivers_probe succeeds even when no driver
 * binds, so a write that "worked" proves nothing: only these checks do. */
export type Check =
    | { kind: "driver-loaded"; driver: DriverName }
    | { kind: "override"; address: PciAddress; value: DriverName | null }
    /** The `driver` symlink names exactly this driver; null: no driver. */
    | { kind: "driver"; address: PciAddress; driver: DriverName | null }
    /** /dev/vfio/<group> exists for the device's IOMMU group (read at run time:
     * on device-tree arm64 a device only gets its group when a driver probes it). */
    | { kind: "vfio-device"; address: PciAddress }
    /** The device is off vfio-pci. Any driver passes; no driver at all also
     * passes (QEMU's NVMe VFs are accepted by no driver) but is reported. */
    | { kind: "left-vfio"; address: PciAddress; remembered: DriverName | null }
    /** sriov_numvfs says `count`, and the PF has exactly `count` virtfn links. */
    | { kind: "vf-count"; address: PciAddress; count: number }
    /** sriov_drivers_autoprobe is this value. */
    | { kind: "autoprobe"; address: PciAddress; enabled: boolean }
    /** The PF reports this setting for VF <vf> (ip -d link, read back). */
    | { kind: "vf-setting"; pf: PciAddress; vf: number; setting: VfSetting };

/** What the step is for, so the UI can word it (plan-text.ts). */
export type StepPurpose =
    | "load-vfio" | "set-override" | "unbind" | "probe-vfio" | "persist"
    | "unbind-vfio" | "clear-override" | "probe-native" | "unpersist"
    | "remove-vfs" | "set-autoprobe" | "create-vfs" | "prepare-vfs" | "persist-vfs" | "unpersist-vfs"
    | "set-vf" | "persist-vf" | "unpersist-vf";

export interface Step {
    purpose: StepPurpose;
    /** Human words for the step, already translated by the caller's gettext. */
    description: string;
    action: PlanAction;
    /** All must pass, in order, for the step to count as done. */
    checks: readonly Check[];
    /** Run in order, after the rollbacks of later steps, if the plan fails at or after this step. */
    rollback: readonly Action[];
}

/** A device the plan changes, as the snapshot showed it: what a rollback restores. */
export interface PlannedDevice {
    address: PciAddress;
    vendorId: number;
    deviceId: number;
    driverBefore: DriverName | null;
    overrideBefore: DriverName | null;
    iommuGroup: number | null;
}

export type PlanKind = "prepare" | "return" | "vfs" | "vf-settings";

/** What a VF plan changes on its PF, as the snapshot showed it: the run
 * refuses to start if the count moved since, and a failed run checks that the
 * rollback restored it. */
export interface PlannedSriov {
    pf: PciAddress;
    numVfsBefore: number;
    autoprobeBefore: boolean | null;
    numVfsAfter: number;
}

export interface Plan {
    kind: PlanKind;
    /** Every device whose binding the plan changes (checked before the first write and after a rollback). */
    devices: readonly PlannedDevice[];
    steps: readonly Step[];
    /** Why the plan is what it is (translated). */
    notes: readonly string[];
    /** Set on "vfs" plans. */
    sriov?: PlannedSriov;
}
