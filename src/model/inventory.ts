// SPDX-License-Identifier: LGPL-2.1-or-later
/* Rows of the PCI inventory table: names resolved, plus filtering and sorting.
 * Pure, so the table's behaviour is unit-tested and benchmarked without a DOM. */

import { compareAddresses, type PciAddress } from "./pci-address.ts";
import { categoryOf, type DeviceCategory } from "./pci-class.ts";
import { deviceLabel, hex4, type PciIds } from "./pci-ids.ts";
import type { HostSnapshot, PciFunction } from "./snapshot.ts";

export interface InventoryRow {
    fn: PciFunction;
    address: PciAddress;
    name: string;
    ids: string; // "8086:10d3"
    className: string;
    category: DeviceCategory;
    /** Lower-case text that the search box matches against. */
    haystack: string;
}

export function inventoryRows(snapshot: HostSnapshot, pciIds: PciIds): InventoryRow[] {
    // Thousands of VFs share a handful of vendor:device and class codes: look each up once.
    const names = new Map<number, { name: string; ids: string }>();
    const classes = new Map<number, string>();
    return snapshot.functions.map(fn => {
        const key = fn.vendorId * 0x10000 + fn.deviceId;
        let device = names.get(key);
        if (!device) {
            const name = deviceLabel(pciIds, fn.vendorId, fn.deviceId);
            const ids = `${hex4(fn.vendorId)}:${hex4(fn.deviceId)}`;
            device = { name, ids };
            names.set(key, device);
        }
        let className = classes.get(fn.classCode);
        if (className === undefined) {
            className = pciIds.className(fn.classCode) ?? `0x${fn.classCode.toString(16).padStart(6, "0")}`;
            classes.set(fn.classCode, className);
        }
        // The same text as [address, name, ids, className, driver, ...interfaces, group].join("\n"), lower-cased.
        let haystack = `${fn.address}\n${device.name}\n${device.ids}\n${className}\n${fn.driver ?? ""}`;
        for (const ifname of fn.netInterfaces)
            haystack += "\n" + ifname;
        haystack += fn.iommuGroup === null ? "\n" : `\ngroup ${fn.iommuGroup}`;
        return {
            fn, address: fn.address, name: device.name, ids: device.ids, className,
            category: categoryOf(fn.classCode), haystack: haystack.toLowerCase(),
        };
    });
}

export function filterRows(rows: readonly InventoryRow[], text: string, category: DeviceCategory | "all"): InventoryRow[] {
    const needle = text.trim().toLowerCase();
    return rows.filter(row => (category === "all" || row.category === category) &&
                              (needle === "" || row.haystack.includes(needle)));
}

export type SortColumn = "address" | "name" | "className" | "driver" | "iommuGroup" | "numaNode";

/** Missing values (no driver, no group) sort last in ascending order. */
export function sortRows(rows: readonly InventoryRow[], column: SortColumn, direction: "asc" | "desc"): InventoryRow[] {
    const byAddress = (a: InventoryRow, b: InventoryRow) => compareAddresses(a.address, b.address);
    const compare = (a: InventoryRow, b: InventoryRow): number => {
        switch (column) {
        case "address": return byAddress(a, b);
        case "name": return a.name.localeCompare(b.name);
        case "className": return a.className.localeCompare(b.className);
        case "driver": return compareMissingLast(a.fn.driver, b.fn.driver, (x, y) => x.localeCompare(y));
        case "iommuGroup": return compareMissingLast(a.fn.iommuGroup, b.fn.iommuGroup, (x, y) => x - y);
        case "numaNode": return compareMissingLast(a.fn.numaNode, b.fn.numaNode, (x, y) => x - y);
        }
    };
    const sign = direction === "asc" ? 1 : -1;
    return [...rows].sort((a, b) => (sign * compare(a, b)) || byAddress(a, b));
}

function compareMissingLast<T>(a: T | null, b: T | null, cmp: (x: T, y: T) => number): number {
    if (a === null && b === null)
        return 0;
    if (a === null)
        return 1;
    if (b === null)
        return -1;
    return cmp(a, b);
}

/** A row as the table shows it: VFs under their PF. */
export interface DisplayRow {
    row: InventoryRow;
    /** A VF shown under its PF (indented). */
    nested: boolean;
    /** On a PF: how many of its VFs are in the rows (shown under it when open). */
    vfCount: number;
}

/* Puts each VF right after its PF, in address order, when the PF is open, or
 * always when showAll (a filter is active: a matching VF is never hidden in a
 * closed PF). A VF whose PF is not in the rows (filtered out) stays a row of
 * its own where the sort put it. The PFs and other rows keep their order. */
export function nestVfs(rows: readonly InventoryRow[], open: ReadonlySet<PciAddress>, showAll: boolean): DisplayRow[] {
    const present = new Set(rows.map(r => r.address));
    const children = new Map<PciAddress, InventoryRow[]>();
    for (const row of rows) {
        const pf = row.fn.physfn;
        if (pf && present.has(pf)) {
            const list = children.get(pf); // (not a copy per VF: a PF has up to 256)
            if (list)
                list.push(row);
            else
                children.set(pf, [row]);
        }
    }
    const out: DisplayRow[] = [];
    for (const row of rows) {
        const pf = row.fn.physfn;
        if (pf && present.has(pf))
            continue;
        const vfs = children.get(row.address) ?? [];
        out.push({ row, nested: false, vfCount: vfs.length });
        if (vfs.length > 0 && (showAll || open.has(row.address))) {
            for (const vf of [...vfs].sort((a, b) => compareAddresses(a.address, b.address)))
                out.push({ row: vf, nested: true, vfCount: 0 });
        }
    }
    return out;
}
