// SPDX-License-Identifier: LGPL-2.1-or-later
/* PCI class codes (the 24-bit `class` file: base class, subclass, prog-if). */

export type DeviceCategory = "network" | "storage" | "display" | "usb" | "bridge" | "other";

export const CATEGORIES: readonly DeviceCategory[] = ["network", "storage", "display", "usb", "bridge", "other"];

export function baseClass(classCode: number): number {
    return (classCode >> 16) & 0xff;
}

export function subClass(classCode: number): number {
    return (classCode >> 8) & 0xff;
}

/** PCI-to-PCI and CardBus bridges have their own bus and are exempt from group viability. */
export function isBridge(classCode: number): boolean {
    return baseClass(classCode) === 0x06 && [0x04, 0x07, 0x09].includes(subClass(classCode));
}

export function categoryOf(classCode: number): DeviceCategory {
    switch (baseClass(classCode)) {
    case 0x01: return "storage";
    case 0x02: return "network";
    case 0x03: return "display";
    case 0x06: return "bridge";
    case 0x0c: return subClass(classCode) === 0x03 ? "usb" : "other";
    default: return "other";
    }
}
