// SPDX-License-Identifier: LGPL-2.1-or-later
/* Bindings kept after reboot: this page's udev rules
 * (/etc/udev/rules.d/70-cockpit-passthrough-<address>.rules) and driverctl's
 * saved overrides (/etc/driverctl.d/pci-<address>), as read-persistence.sh
 * prints them (a file's path, then its lines), checked against the hardware now.
 * The same output holds the VF count rules
 * (70-cockpit-passthrough-vfs-<address>.rules, parseVfPersistence). */

import { compareAddresses, isPciAddress, type PciAddress } from "./pci-address.ts";
import type { PersistMethod } from "./plan.ts";
import type { HostSnapshot } from "./snapshot.ts";

export interface PersistedBinding {
    address: PciAddress;
    method: PersistMethod;
    /** The driver it keeps the device on (always vfio-pci for udev rules). */
    driver: string;
    /** The IDs the rule is limited to; null for driverctl, which saves none. */
    vendorId: number | null;
    deviceId: number | null;
    file: string;
}

const UDEV_FILE_RE = /\/70-cockpit-passthrough-([^/]+)\.rules$/;
const DRIVERCTL_FILE_RE = /\/driverctl\.d\/pci-([^/]+)$/;

/* "F<TAB>path" starts a file, "L<TAB>line" is one of its lines. */
function linesByFile(output: string): Map<string, string[]> {
    const byFile = new Map<string, string[]>();
    let current: string[] | null = null;
    for (const record of output.split("\n")) {
        if (record.startsWith("F\t")) {
            current = [];
            byFile.set(record.slice(2), current);
        } else if (record.startsWith("L\t") && current) {
            current.push(record.slice(2));
        }
    }
    return byFile;
}

export function parsePersistence(output: string): PersistedBinding[] {
    const out: PersistedBinding[] = [];
    for (const [file, lines] of linesByFile(output)) {
        const udev = UDEV_FILE_RE.exec(file);
        if (udev) {
            const rule = lines.find(l => !l.trimStart().startsWith("#") && l.includes("KERNEL=="));
            const kernel = rule && /KERNEL=="([^"]*)"/.exec(rule)?.[1];
            const vendor = rule && /ATTR\{vendor\}=="0x([0-9a-fA-F]{4})"/.exec(rule)?.[1];
            const device = rule && /ATTR\{device\}=="0x([0-9a-fA-F]{4})"/.exec(rule)?.[1];
            // The file name and the rule must agree; a rule edited by hand into
            // something else is not ours to describe.
            if (kernel && isPciAddress(kernel) && kernel === udev[1] && vendor && device) {
                out.push({
                    address: kernel, method: "udev", driver: "vfio-pci",
                    vendorId: parseInt(vendor, 16), deviceId: parseInt(device, 16), file,
                });
            }
            continue;
        }
        const dctl = DRIVERCTL_FILE_RE.exec(file);
        if (dctl && isPciAddress(dctl[1])) {
            const driver = (lines.find(l => l.trim() !== "") ?? "").trim();
            if (driver)
                out.push({ address: dctl[1], method: "driverctl", driver, vendorId: null, deviceId: null, file });
        }
    }
    return out.sort((a, b) => compareAddresses(a.address, b.address) || a.method.localeCompare(b.method));
}

export type KeptStatus =
    /** The device at the address is the one the binding was made for (or driverctl, which cannot tell). */
    | { kind: "matches"; onDriver: string | null }
    /** Another vendor:device now sits at the address. A udev rule does not apply to it. */
    | { kind: "hardware-changed"; nowVendorId: number; nowDeviceId: number }
    /** Nothing at that address now. */
    | { kind: "absent" };

export interface KeptEntry {
    binding: PersistedBinding;
    status: KeptStatus;
}

export function keptEntries(bindings: readonly PersistedBinding[], snapshot: HostSnapshot): KeptEntry[] {
    return bindings.map(binding => {
        const fn = snapshot.byAddress.get(binding.address);
        if (!fn)
            return { binding, status: { kind: "absent" } };
        if (binding.vendorId !== null && (fn.vendorId !== binding.vendorId || fn.deviceId !== binding.deviceId))
            return { binding, status: { kind: "hardware-changed", nowVendorId: fn.vendorId, nowDeviceId: fn.deviceId } };
        return { binding, status: { kind: "matches", onDriver: fn.driver } };
    });
}

/** A VF count kept after reboot (the executor's persist-vfs rule). */
export interface PersistedVfCount {
    address: PciAddress;
    vendorId: number;
    deviceId: number;
    /** The PF driver the rule waits for. */
    driver: string;
    count: number;
    autoprobe: boolean;
    file: string;
}

const VFS_FILE_RE = /\/70-cockpit-passthrough-vfs-([^/]+)\.rules$/;

export function parseVfPersistence(output: string): PersistedVfCount[] {
    const out: PersistedVfCount[] = [];
    for (const [file, lines] of linesByFile(output)) {
        const name = VFS_FILE_RE.exec(file);
        if (!name)
            continue;
        const rule = lines.find(l => !l.trimStart().startsWith("#") && l.includes("KERNEL=="));
        if (!rule)
            continue;
        const kernel = /KERNEL=="([^"]*)"/.exec(rule)?.[1];
        const driver = /DRIVER=="([^"]*)"/.exec(rule)?.[1];
        const vendor = /ATTR\{vendor\}=="0x([0-9a-fA-F]{4})"/.exec(rule)?.[1];
        const device = /ATTR\{device\}=="0x([0-9a-fA-F]{4})"/.exec(rule)?.[1];
        const count = /ATTR\{sriov_numvfs\}="([0-9]{1,5})"/.exec(rule)?.[1];
        const autoprobe = /ATTR\{sriov_drivers_autoprobe\}="([01])"/.exec(rule)?.[1];
        if (kernel && isPciAddress(kernel) && kernel === name[1] && driver && vendor && device && count && autoprobe) {
            out.push({
                address: kernel, vendorId: parseInt(vendor, 16), deviceId: parseInt(device, 16), driver,
                count: Number(count), autoprobe: autoprobe === "1", file,
            });
        }
    }
    return out.sort((a, b) => compareAddresses(a.address, b.address));
}

export type KeptVfStatus =
    /** The PF the rule was made for; numVfs: how many VFs it has now. */
    | { kind: "matches"; numVfs: number | null; onDriver: string | null }
    | { kind: "hardware-changed"; nowVendorId: number; nowDeviceId: number }
    | { kind: "absent" };

export interface KeptVfEntry {
    rule: PersistedVfCount;
    status: KeptVfStatus;
}

export function keptVfEntries(rules: readonly PersistedVfCount[], snapshot: HostSnapshot): KeptVfEntry[] {
    return rules.map(rule => {
        const fn = snapshot.byAddress.get(rule.address);
        if (!fn)
            return { rule, status: { kind: "absent" } };
        if (fn.vendorId !== rule.vendorId || fn.deviceId !== rule.deviceId)
            return { rule, status: { kind: "hardware-changed", nowVendorId: fn.vendorId, nowDeviceId: fn.deviceId } };
        return { rule, status: { kind: "matches", numVfs: fn.sriov?.numVfs ?? null, onDriver: fn.driver } };
    });
}

/** The driver a device had before "Prepare", as the executor recorded it on the host. */
export interface PreviousDriver {
    vendorId: number;
    deviceId: number;
    driver: string;
}

/** "P<TAB>address<TAB>0x8086:0x10d3 e1000e" records of read-persistence.sh. */
export function parsePreviousDrivers(output: string): Map<PciAddress, PreviousDriver> {
    const out = new Map<PciAddress, PreviousDriver>();
    for (const record of output.split("\n")) {
        const [kind, address, line] = record.split("\t");
        const m = /^0x([0-9a-f]{4}):0x([0-9a-f]{4}) ([A-Za-z0-9_][A-Za-z0-9_.+-]*)$/.exec(line ?? "");
        if (kind === "P" && isPciAddress(address) && m)
            out.set(address, { vendorId: parseInt(m[1], 16), deviceId: parseInt(m[2], 16), driver: m[3] });
    }
    return out;
}

/** The recorded driver of a device, if the record is for this very hardware (same IDs). */
export function previousDriverOf(previous: ReadonlyMap<PciAddress, PreviousDriver>,
                                 fn: { address: PciAddress; vendorId: number; deviceId: number }): string | null {
    const p = previous.get(fn.address);
    return p && p.vendorId === fn.vendorId && p.deviceId === fn.deviceId ? p.driver : null;
}
