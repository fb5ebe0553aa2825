// SPDX-License-Identifier: LGPL-2.1-or-later
/* PCI function addresses in sysfs form: domain:bus:slot.function, e.g. 0000:03:00.0.
 *
 * The branded type means a string has been checked once, at the edge, and can
 * then be passed around (and into sysfs paths) without re-validation.
 */

export type PciAddress = string & { readonly __brand: "PciAddress" };

/** The exact form the kernel uses under /sys/bus/pci/devices (lower-case hex). */
export const PCI_ADDRESS_RE = /^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

export function isPciAddress(text: string): text is PciAddress {
    return PCI_ADDRESS_RE.test(text);
}

export function parsePciAddress(text: string): PciAddress {
    if (!isPciAddress(text))
        throw new Error(`Not a PCI address: ${JSON.stringify(text)}`);
    return text;
}

export interface PciAddressParts {
    domain: number;
    bus: number;
    slot: number;
    func: number;
}

export function addressParts(address: PciAddress): PciAddressParts {
    const [domain, bus, rest] = address.split(":");
    const [slot, func] = rest.split(".");
    return {
        domain: parseInt(domain, 16),
        bus: parseInt(bus, 16),
        slot: parseInt(slot, 16),
        func: parseInt(func, 16),
    };
}

/** Orders addresses numerically: domain, bus, slot, function. */
export function compareAddresses(a: PciAddress, b: PciAddress): number {
    // Same length means same domain width, and every field is fixed-width lower-case
    // hex: string order is numeric order. Sorting 4,096 rows makes 50,000 calls.
    if (a.length === b.length)
        return a < b ? -1 : a > b ? 1 : 0;
    const pa = addressParts(a);
    const pb = addressParts(b);
    return (pa.domain - pb.domain) || (pa.bus - pb.bus) || (pa.slot - pb.slot) || (pa.func - pb.func);
}

/** The last PCI address in a sysfs path: the function that owns what the path names. */
export function lastAddressInPath(path: string): PciAddress | null {
    // From the end, one component at a time: the reader resolves a link per
    // network interface, thousands on a big host.
    for (let end = path.length; end >= 0;) {
        const slash = end === 0 ? -1 : path.lastIndexOf("/", end - 1);
        const part = path.slice(slash + 1, end);
        if (part.length >= 12 && isPciAddress(part))
            return part;
        end = slash;
    }
    return null;
}
