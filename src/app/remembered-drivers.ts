// SPDX-License-Identifier: LGPL-2.1-or-later
/* The driver each device had before it was prepared, so that "Return to host"
 * can say where it goes back. Kept in the browser's localStorage, keyed by
 * address and IDs (a different device at the same address is not confused). */

import type { PciAddress } from "../model/pci-address.ts";
import { isDriverName, type DriverName, type PlannedDevice } from "../model/plan.ts";
import type { HostSnapshot } from "../model/snapshot.ts";

const KEY = "cockpit-passthrough:previous-drivers";

type Stored = Record<string, string>;

const keyOf = (address: string, vendorId: number, deviceId: number) =>
    `${address} ${vendorId.toString(16).padStart(4, "0")}:${deviceId.toString(16).padStart(4, "0")}`;

function load(): Stored {
    try {
        const parsed: unknown = JSON.parse(window.localStorage.getItem(KEY) ?? "{}");
        return parsed && typeof parsed === "object" ? parsed as Stored : {};
    } catch {
        return {};
    }
}

/** Call after a successful prepare with plan.devices. */
export function rememberDrivers(devices: readonly PlannedDevice[]): void {
    const stored = load();
    for (const d of devices) {
        if (d.driverBefore && d.driverBefore !== "vfio-pci")
            stored[keyOf(d.address, d.vendorId, d.deviceId)] = d.driverBefore;
    }
    window.localStorage.setItem(KEY, JSON.stringify(stored));
}

/** The remembered drivers of the devices in the snapshot. */
export function rememberedDrivers(snapshot: HostSnapshot): Map<PciAddress, DriverName> {
    const stored = load();
    const out = new Map<PciAddress, DriverName>();
    for (const fn of snapshot.functions) {
        const driver = stored[keyOf(fn.address, fn.vendorId, fn.deviceId)];
        if (driver && isDriverName(driver))
            out.set(fn.address, driver);
    }
    return out;
}
