/* Bindings kept after reboot: this page's udev rules
 * (/etc/udev/rules.d/70-cockpit-passthrough-<address>.rules) and driverctl's
 * saved overrides (/etc/driverctl.d/pci-<address>), as read-persistence.sh
 * prints them ("path NUL line" per line), checked against the hardware now. */

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

export function parsePersistence(output: string): PersistedBinding[] {
    const byFile = new Map<string, string[]>();
    for (const record of output.split("\n")) {
        const nul = record.indexOf("\0");
        if (nul < 0)
            continue;
        const file = record.slice(0, nul);
        const lines = byFile.get(file) ?? [];
        lines.push(record.slice(nul + 1));
        byFile.set(file, lines);
    }

    const out: PersistedBinding[] = [];
    for (const [file, lines] of byFile) {
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
