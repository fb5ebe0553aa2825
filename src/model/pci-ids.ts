// SPDX-License-Identifier: LGPL-2.1-or-later
/* Names from the system's pci.ids (hwdata's /usr/share/hwdata/pci.ids or
 * /usr/share/misc/pci.ids): the same database lspci uses.
 *
 * Format: "vvvv  Vendor", "\tdddd  Device", "\t\tssss ssss  Subsystem",
 * and after the device list "C cc  Class", "\tss  Subclass", "\t\tpp  Prog-if".
 */

export interface PciIds {
    vendor(vendorId: number): string | null;
    device(vendorId: number, deviceId: number): string | null;
    /** The most specific name for a class code: subclass if known, else base class. */
    className(classCode: number): string | null;
}

export function parsePciIds(text: string): PciIds {
    const vendors = new Map<number, string>();
    const devices = new Map<number, string>(); // key: vendor << 16 | device
    const classes = new Map<number, string>(); // key: base << 8 | sub, sub = 0x100 + sub for subclasses
    let vendor = -1;
    let cls = -1;
    let inClasses = false;

    for (const line of text.split("\n")) {
        if (line === "" || line.startsWith("#"))
            continue;
        if (line.startsWith("C ")) {
            inClasses = true;
            cls = parseInt(line.slice(2, 4), 16);
            classes.set(cls << 16, line.slice(6));
        } else if (line.startsWith("\t\t")) {
            continue; // subsystems and prog-ifs: more than we show
        } else if (line.startsWith("\t")) {
            if (inClasses) {
                if (cls >= 0)
                    classes.set(cls << 16 | 0x100 | parseInt(line.slice(1, 3), 16), line.slice(5));
            } else if (vendor >= 0) {
                devices.set(vendor * 0x10000 + parseInt(line.slice(1, 5), 16), line.slice(7));
            }
        } else if (/^[0-9a-f]{4} {2}/.test(line)) {
            inClasses = false;
            vendor = parseInt(line.slice(0, 4), 16);
            vendors.set(vendor, line.slice(6));
        } else {
            // another section (e.g. "X" or a future one): stop attributing lines
            inClasses = false;
            vendor = -1;
            cls = -1;
        }
    }

    return {
        vendor: id => vendors.get(id) ?? null,
        device: (v, d) => devices.get(v * 0x10000 + d) ?? null,
        className: code => {
            const base = (code >> 16) & 0xff;
            const sub = (code >> 8) & 0xff;
            return classes.get(base << 16 | 0x100 | sub) ?? classes.get(base << 16) ?? null;
        },
    };
}

/** For when no pci.ids could be read: IDs are still shown, names are not. */
export const NO_PCI_IDS: PciIds = { vendor: () => null, device: () => null, className: () => null };

export function hex4(id: number): string {
    return id.toString(16).padStart(4, "0");
}

/** "Intel Corporation 82574L Gigabit Network Connection" or "8086:10d3" when unnamed. */
export function deviceLabel(ids: PciIds, vendorId: number, deviceId: number): string {
    const vendor = ids.vendor(vendorId);
    const device = ids.device(vendorId, deviceId);
    if (vendor && device)
        return `${vendor} ${device}`;
    if (vendor)
        return `${vendor} device ${hex4(deviceId)}`;
    return `${hex4(vendorId)}:${hex4(deviceId)}`;
}
