/* Hardware records: with each assignment the page writes the device's
 * vendor:device into the domain's <metadata>, under its own namespace, so that
 * later it can tell when a hostdev's address holds other hardware (a card was
 * moved, a firmware update renumbered the buses) or nothing at all, before the
 * VM starts with the wrong device. libvirt keeps foreign metadata as it is.
 *
 *   <metadata>
 *     <passthrough:hostdevs xmlns:passthrough="https://github.com/cockpit-passthrough/1">
 *       <passthrough:hostdev address="0000:03:00.0" vendor="8086" device="10d3"/>
 *     </passthrough:hostdevs>
 *   </metadata>
 */

import { listPciHostdevs, parseXml, serializeXml } from "./domain-xml.ts";
import { isPciAddress, type PciAddress } from "./pci-address.ts";
import type { HostSnapshot } from "./snapshot.ts";

export const RECORDS_NS = "https://github.com/cockpit-passthrough/1";
const PREFIX = "passthrough";

export interface HardwareRecord {
    address: PciAddress;
    vendorId: number;
    deviceId: number;
}

const hex4 = (n: number) => n.toString(16).padStart(4, "0");
export const idText = (r: { vendorId: number; deviceId: number }) => `${hex4(r.vendorId)}:${hex4(r.deviceId)}`;

function elementChildren(parent: Element, ns: string | null, name: string): Element[] {
    const out: Element[] = [];
    for (let n = parent.firstChild; n; n = n.nextSibling) {
        const el = n as Element;
        if (n.nodeType === 1 && el.localName === name && (ns === null ? !el.namespaceURI : el.namespaceURI === ns))
            out.push(el);
    }
    return out;
}

export function readRecords(xml: string): HardwareRecord[] {
    const root = parseXml(xml).documentElement;
    const out: HardwareRecord[] = [];
    for (const metadata of elementChildren(root, null, "metadata"))
        for (const list of elementChildren(metadata, RECORDS_NS, "hostdevs"))
            for (const el of elementChildren(list, RECORDS_NS, "hostdev")) {
                const address = el.getAttribute("address") ?? "";
                const vendorId = parseInt(el.getAttribute("vendor") ?? "", 16);
                const deviceId = parseInt(el.getAttribute("device") ?? "", 16);
                if (isPciAddress(address) && Number.isFinite(vendorId) && Number.isFinite(deviceId))
                    out.push({ address, vendorId, deviceId });
            }
    return out;
}

/** Records for the functions `addresses` as they are in the snapshot now (functions it lacks get none). */
export function recordsFor(snapshot: HostSnapshot, addresses: readonly PciAddress[]): HardwareRecord[] {
    return addresses.flatMap(address => {
        const fn = snapshot.byAddress.get(address);
        return fn ? [{ address, vendorId: fn.vendorId, deviceId: fn.deviceId }] : [];
    });
}

/** The XML with `add` recorded (replacing records of the same addresses) and the records of `drop` removed.
 * The page's element (and <metadata>, if it held nothing else) goes away when no record is left, so that
 * assigning and removing again gives back the original definition. */
export function updateRecords(xml: string, add: readonly HardwareRecord[], drop: readonly PciAddress[]): string {
    const doc = parseXml(xml);
    const root = doc.documentElement;
    const gone = new Set<string>([...drop, ...add.map(r => r.address)]);
    let metadata = elementChildren(root, null, "metadata")[0] ?? null;
    let list = metadata ? elementChildren(metadata, RECORDS_NS, "hostdevs")[0] ?? null : null;

    if (list) {
        for (const el of elementChildren(list, RECORDS_NS, "hostdev")) {
            if (gone.has(el.getAttribute("address") ?? ""))
                list.removeChild(el);
        }
    }
    if (add.length > 0) {
        if (!metadata) {
            metadata = doc.createElement("metadata");
            // after <uuid> or <name>, where libvirt puts it; position does not matter to libvirt
            const anchor = elementChildren(root, null, "uuid")[0] ?? elementChildren(root, null, "name")[0] ?? null;
            root.insertBefore(metadata, anchor ? anchor.nextSibling : root.firstChild);
        }
        if (!list) {
            list = doc.createElementNS(RECORDS_NS, `${PREFIX}:hostdevs`);
            metadata.appendChild(list);
        }
        for (const r of add) {
            const el = doc.createElementNS(RECORDS_NS, `${PREFIX}:hostdev`);
            el.setAttribute("address", r.address);
            el.setAttribute("vendor", hex4(r.vendorId));
            el.setAttribute("device", hex4(r.deviceId));
            list.appendChild(el);
        }
    }
    if (list && elementChildren(list, RECORDS_NS, "hostdev").length === 0) {
        metadata!.removeChild(list);
        let hasElements = false;
        for (let n = metadata!.firstChild; n; n = n.nextSibling)
            hasElements ||= n.nodeType === 1;
        if (!hasElements)
            root.removeChild(metadata!);
    }
    return serializeXml(doc);
}

export type HostdevCheck =
    /** The address holds what was recorded (or there is no record and nothing suggests a change). */
    | { kind: "ok" }
    /** Nothing at that address any more. */
    | { kind: "gone" }
    /** The address holds other hardware than was recorded with the assignment. */
    | { kind: "changed"; recorded: HardwareRecord; now: { vendorId: number; deviceId: number }; record: PciAddress };

/** Checks every hostdev of a domain XML against the host.
 *
 * A record is matched by address. A hostdev without a record of its own, in a
 * domain that has records matching no hostdev, was moved after the page
 * assigned it (its address edited by hand, say): compared with such an orphan
 * record, unless the hardware at its new address is the same model. */
export function checkHostdevs(xml: string, snapshot: HostSnapshot): Map<PciAddress, HostdevCheck> {
    const hostdevs = listPciHostdevs(xml).map(h => h.address);
    const records = readRecords(xml);
    const byAddress = new Map(records.map(r => [r.address, r]));
    const orphans = records.filter(r => !hostdevs.includes(r.address));
    const out = new Map<PciAddress, HostdevCheck>();
    for (const address of hostdevs) {
        const fn = snapshot.byAddress.get(address);
        if (!fn) {
            out.set(address, { kind: "gone" });
            continue;
        }
        const now = { vendorId: fn.vendorId, deviceId: fn.deviceId };
        const own = byAddress.get(address);
        const same = (r: HardwareRecord) => r.vendorId === now.vendorId && r.deviceId === now.deviceId;
        if (own)
            out.set(address, same(own) ? { kind: "ok" } : { kind: "changed", recorded: own, now, record: own.address });
        else if (orphans.length > 0 && !orphans.some(same))
            out.set(address, { kind: "changed", recorded: orphans[0], now, record: orphans[0].address });
        else
            out.set(address, { kind: "ok" });
    }
    return out;
}
