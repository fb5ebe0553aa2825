// SPDX-License-Identifier: LGPL-2.1-or-later
/* Domain XML: read PCI hostdevs (and VFs held as <interface type='hostdev'>),
 * build and insert their fragments, remove them, and canonicalise for comparison. Pure functions on strings, using the
 * standard DOMParser/XMLSerializer (the browser's; @xmldom/xmldom in tests).
 *
 * Edits touch only the added or removed element (and its one line of
 * indentation), so "nothing else changed" can be checked by comparing
 * canonicalXml() of before and after. */

import { addressParts, parsePciAddress, type PciAddress } from "./pci-address.ts";

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

export class XmlParseError extends Error {}

/** Parses XML strictly: throws XmlParseError for anything a browser reports as <parsererror>. */
export function parseXml(text: string): Document {
    let doc: Document;
    try {
        doc = new DOMParser().parseFromString(text, "text/xml");
    } catch (ex) {
        throw new XmlParseError(String((ex as Error).message ?? ex));
    }
    const root = doc?.documentElement;
    if (!root)
        throw new XmlParseError("no root element");
    // Browsers return a document with <parsererror> (Firefox: as root; Chromium: inside it).
    const errors = doc.getElementsByTagName("parsererror");
    if (errors.length > 0)
        throw new XmlParseError((errors[0].textContent ?? "").trim() || "XML parse error");
    return doc;
}

export function serializeXml(node: Node): string {
    return new XMLSerializer().serializeToString(node);
}

function childElements(parent: Element, name?: string): Element[] {
    const out: Element[] = [];
    for (let n = parent.firstChild; n; n = n.nextSibling) {
        if (n.nodeType === ELEMENT_NODE && (name === undefined || (n as Element).tagName === name))
            out.push(n as Element);
    }
    return out;
}

function firstChild(parent: Element, name: string): Element | null {
    return childElements(parent, name)[0] ?? null;
}

/* ---------- validation ---------- */

export type DomainXmlProblem =
    | { kind: "parse"; message: string }
    | { kind: "root"; found: string }
    | { kind: "no-name" };

export type DomainXmlCheck = { valid: true; name: string } | { valid: false; problem: DomainXmlProblem };

/** What the "Create VM from XML" dialog checks before giving the XML to libvirt. */
export function checkDomainXml(text: string): DomainXmlCheck {
    let doc: Document;
    try {
        doc = parseXml(text);
    } catch (ex) {
        return { valid: false, problem: { kind: "parse", message: (ex as Error).message } };
    }
    const root = doc.documentElement;
    if (root.tagName !== "domain")
        return { valid: false, problem: { kind: "root", found: root.tagName } };
    const name = firstChild(root, "name")?.textContent?.trim() ?? "";
    if (name === "")
        return { valid: false, problem: { kind: "no-name" } };
    return { valid: true, name };
}

export function domainName(xml: string): string | null {
    const name = firstChild(parseXml(xml).documentElement, "name")?.textContent?.trim();
    return name || null;
}

/* ---------- PCI addresses in libvirt form ---------- */

/** libvirt reads these attributes with base 0: "0x1f" is hex, "31" decimal. */
function parseNumberAttr(value: string | null): number | null {
    if (value === null || value.trim() === "")
        return null;
    const v = value.trim();
    const n = /^0x[0-9a-f]+$/i.test(v) ? parseInt(v.slice(2), 16) : /^[0-9]+$/.test(v) ? parseInt(v, 10) : NaN;
    return Number.isFinite(n) ? n : null;
}

/** The host address of an <address domain bus slot function/> element, or null if incomplete. */
function pciAddressOf(el: Element): PciAddress | null {
    const domain = parseNumberAttr(el.getAttribute("domain")) ?? 0;
    const bus = parseNumberAttr(el.getAttribute("bus"));
    const slot = parseNumberAttr(el.getAttribute("slot"));
    const func = parseNumberAttr(el.getAttribute("function"));
    if (bus === null || slot === null || func === null || bus > 0xff || slot > 0x1f || func > 7 || domain > 0xffffffff)
        return null;
    const text = `${domain.toString(16).padStart(4, "0")}:${bus.toString(16).padStart(2, "0")}:` +
                 `${slot.toString(16).padStart(2, "0")}.${func.toString(16)}`;
    return parsePciAddress(text);
}

export interface GuestPciAddress {
    domain: number;
    bus: number;
    slot: number;
    function: number;
    multifunction: boolean;
}

function guestAddressOf(hostdev: Element): GuestPciAddress | null {
    const el = firstChild(hostdev, "address");
    if (!el || el.getAttribute("type") !== "pci")
        return null;
    const bus = parseNumberAttr(el.getAttribute("bus"));
    const slot = parseNumberAttr(el.getAttribute("slot"));
    const func = parseNumberAttr(el.getAttribute("function"));
    if (bus === null || slot === null || func === null)
        return null;
    return {
        domain: parseNumberAttr(el.getAttribute("domain")) ?? 0,
        bus, slot, function: func,
        multifunction: el.getAttribute("multifunction") === "on",
    };
}

/* ---------- listing ---------- */

export interface DomainHostdev {
    /** <hostdev mode='subsystem' type='pci'> or <interface type='hostdev'> (SR-IOV VF with MAC/VLAN). */
    kind: "hostdev" | "interface";
    address: PciAddress;
    managed: boolean;
    /** Guest-side address; differs between live and inactive XML. */
    guest: GuestPciAddress | null;
    alias: string | null;
    /** The network side of an <interface type='hostdev'>; null for a <hostdev>. */
    net: InterfaceNet | null;
}

export interface InterfaceNet {
    /** <mac address>, lower case; null when absent (libvirt then generates one when it defines the domain). */
    mac: string | null;
    /** <vlan><tag id/></vlan>: one tag, or several for a trunk; empty without VLAN. */
    vlans: number[];
}

function interfaceNetOf(el: Element): InterfaceNet {
    const mac = firstChild(el, "mac")?.getAttribute("address")?.trim().toLowerCase() || null;
    const vlan = firstChild(el, "vlan");
    const vlans = vlan
        ? childElements(vlan, "tag").map(t => parseNumberAttr(t.getAttribute("id"))).filter((n): n is number => n !== null)
        : [];
    return { mac, vlans };
}

interface FoundHostdev {
    element: Element;
    hostdev: DomainHostdev;
}

function findHostdevs(doc: Document): FoundHostdev[] {
    const devices = firstChild(doc.documentElement, "devices");
    if (!devices)
        return [];
    const found: FoundHostdev[] = [];
    for (const el of childElements(devices)) {
        let kind: DomainHostdev["kind"];
        if (el.tagName === "hostdev" && el.getAttribute("mode") === "subsystem" && el.getAttribute("type") === "pci")
            kind = "hostdev";
        else if (el.tagName === "interface" && el.getAttribute("type") === "hostdev")
            kind = "interface";
        else
            continue;
        const sourceAddress = firstChild(firstChild(el, "source") ?? el, "address");
        // <interface type='hostdev'> may name its source type='pci' explicitly; <hostdev> leaves it out.
        if (!sourceAddress || (sourceAddress.getAttribute("type") ?? "pci") !== "pci")
            continue;
        const address = pciAddressOf(sourceAddress);
        if (!address)
            continue;
        found.push({
            element: el,
            hostdev: {
                kind,
                address,
                managed: el.getAttribute("managed") === "yes",
                guest: guestAddressOf(el),
                alias: firstChild(el, "alias")?.getAttribute("name") ?? null,
                net: kind === "interface" ? interfaceNetOf(el) : null,
            },
        });
    }
    return found;
}

/** Every PCI hostdev and hostdev interface of a domain, in document order. */
export function listPciHostdevs(xml: string): DomainHostdev[] {
    return findHostdevs(parseXml(xml)).map(f => f.hostdev);
}

/** The MAC address of every <interface> of a domain (any type: network, bridge, hostdev...), lower case:
 * what a new VF interface's MAC must not repeat. */
export function interfaceMacs(xml: string): string[] {
    const devices = firstChild(parseXml(xml).documentElement, "devices");
    if (!devices)
        return [];
    return childElements(devices, "interface")
            .map(el => firstChild(el, "mac")?.getAttribute("address")?.trim().toLowerCase() ?? "")
            .filter(mac => mac !== "");
}

/** The element for one host address, serialised: what DetachDevice wants (from the live XML for LIVE, the inactive XML for CONFIG). */
export function hostdevElementXml(xml: string, address: PciAddress): string | null {
    const found = findHostdevs(parseXml(xml)).find(f => f.hostdev.address === address);
    return found ? serializeXml(found.element) : null;
}

/* ---------- building fragments ---------- */

export interface HostdevSpec {
    address: PciAddress;
    managed: boolean;
    /** null: leave <rom> out (the device's own ROM BAR setting stays). */
    romBar: "on" | "off" | null;
    /** null: libvirt picks a free guest slot. */
    guest: GuestPciAddress | null;
}

const hex = (n: number, width: number) => "0x" + n.toString(16).padStart(width, "0");

function guestAddressLine(g: GuestPciAddress): string {
    return `  <address type='pci' domain='${hex(g.domain, 4)}' bus='${hex(g.bus, 2)}' slot='${hex(g.slot, 2)}' ` +
           `function='${hex(g.function, 1)}'${g.multifunction ? " multifunction='on'" : ""}/>`;
}

/** The <hostdev> element for one function. All values are numbers or enums, so no escaping is needed. */
export function hostdevXml(spec: HostdevSpec): string {
    const p = addressParts(spec.address);
    const lines = [
        `<hostdev mode='subsystem' type='pci' managed='${spec.managed ? "yes" : "no"}'>`,
        `  <driver name='vfio'/>`,
        `  <source>`,
        `    <address domain='${hex(p.domain, 4)}' bus='${hex(p.bus, 2)}' slot='${hex(p.slot, 2)}' function='${hex(p.func, 1)}'/>`,
        `  </source>`,
    ];
    if (spec.romBar)
        lines.push(`  <rom bar='${spec.romBar}'/>`);
    if (spec.guest)
        lines.push(guestAddressLine(spec.guest));
    lines.push(`</hostdev>`);
    return lines.join("\n");
}

export interface InterfaceSpec extends HostdevSpec {
    /** Already checked with parseMac (vf-net-values.ts): lower-case xx:xx:xx:xx:xx:xx. */
    mac: string;
    /** 0: no <vlan>. */
    vlan: number;
}

/** A VF as a guest network interface: libvirt sets the MAC (and VLAN) on the VF through
 * its PF before the VM starts, so the guest sees the address the admin chose, and the
 * host's `ip link` shows it on that VF. Values are checked numbers and a checked MAC,
 * so no escaping is needed; the order is the one libvirt writes back. */
export function interfaceXml(spec: InterfaceSpec): string {
    if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(spec.mac) || !Number.isInteger(spec.vlan) || spec.vlan < 0 || spec.vlan > 4094)
        throw new Error(`invalid MAC or VLAN: ${spec.mac} ${spec.vlan}`);
    const p = addressParts(spec.address);
    const lines = [
        `<interface type='hostdev' managed='${spec.managed ? "yes" : "no"}'>`,
        `  <mac address='${spec.mac}'/>`,
        `  <source>`,
        `    <address type='pci' domain='${hex(p.domain, 4)}' bus='${hex(p.bus, 2)}' slot='${hex(p.slot, 2)}' function='${hex(p.func, 1)}'/>`,
        `  </source>`,
    ];
    if (spec.vlan > 0)
        lines.push(`  <vlan>`, `    <tag id='${spec.vlan}'/>`, `  </vlan>`);
    if (spec.romBar)
        lines.push(`  <rom bar='${spec.romBar}'/>`);
    if (spec.guest)
        lines.push(guestAddressLine(spec.guest));
    lines.push(`</interface>`);
    return lines.join("\n");
}

/** Buses of pcie-root-port controllers that nothing is plugged into yet: where a device (or a multifunction card) can go. */
export function freeRootPortBuses(xml: string): number[] {
    const doc = parseXml(xml);
    const devices = firstChild(doc.documentElement, "devices");
    if (!devices)
        return [];
    const ports: number[] = [];
    for (const c of childElements(devices, "controller")) {
        if (c.getAttribute("type") === "pci" && c.getAttribute("model") === "pcie-root-port") {
            const index = parseNumberAttr(c.getAttribute("index"));
            if (index !== null)
                ports.push(index);
        }
    }
    const used = new Set<number>();
    const addresses = devices.getElementsByTagName("address");
    for (let i = 0; i < addresses.length; i++) {
        const a = addresses[i];
        if (a.getAttribute("type") === "pci") {
            const bus = parseNumberAttr(a.getAttribute("bus"));
            if (bus !== null)
                used.add(bus);
        }
    }
    return ports.filter(p => !used.has(p)).sort((a, b) => a - b);
}

export interface HostdevOptions {
    managed: boolean;
    romBar: "on" | "off" | null;
}

/** Hostdev specs for a set of host functions. Functions of one card (same host
 * domain:bus:slot, function 0 among them) share one guest slot on a free root
 * port, keep their function numbers, and function 0 carries multifunction='on'.
 * Without a free root port, or without function 0, each function gets its own
 * slot from libvirt. Single functions always get their slot from libvirt. */
export function planHostdevs(addresses: readonly PciAddress[], options: HostdevOptions, freeBuses: readonly number[]): HostdevSpec[] {
    const cards = new Map<string, PciAddress[]>();
    for (const address of [...new Set(addresses)]) {
        const key = address.slice(0, address.lastIndexOf("."));
        cards.set(key, [...(cards.get(key) ?? []), address]);
    }
    const buses = [...freeBuses];
    const specs: HostdevSpec[] = [];
    for (const functions of cards.values()) {
        functions.sort((a, b) => addressParts(a).func - addressParts(b).func);
        const multi = functions.length > 1 && addressParts(functions[0]).func === 0;
        const bus = multi ? buses.shift() : undefined;
        for (const address of functions) {
            const func = addressParts(address).func;
            specs.push({
                address,
                managed: options.managed,
                romBar: options.romBar,
                guest: bus === undefined ? null : { domain: 0, bus, slot: 0, function: func, multifunction: func === 0 },
            });
        }
    }
    return specs;
}

/** Multifunction guest placement cannot be hot-plugged function by function; such plans attach from next boot. */
export function planNeedsColdPlug(specs: readonly HostdevSpec[]): boolean {
    return specs.some(s => s.guest?.multifunction);
}

/* ---------- editing ---------- */

function isWhitespaceText(n: Node | null): boolean {
    return !!n && n.nodeType === TEXT_NODE && (n.nodeValue ?? "").trim() === "";
}

/** Inserts device elements (serialised XML fragments) at the end of <devices>, indented like their siblings. */
export function insertDevices(xml: string, fragments: readonly string[]): string {
    const doc = parseXml(xml);
    const root = doc.documentElement;
    let devices = firstChild(root, "devices");
    if (!devices) {
        devices = doc.createElement("devices");
        root.appendChild(devices);
    }
    // Indentation: the closing tag's is the whitespace before it; children get theirs from the first child.
    const tail = isWhitespaceText(devices.lastChild) ? devices.lastChild : null;
    const closingIndent = tail ? (tail.nodeValue ?? "").replace(/^[^\n]*\n?/, "") : "";
    const head = isWhitespaceText(devices.firstChild) && devices.firstChild !== tail ? devices.firstChild : null;
    const childIndent = head ? (head.nodeValue ?? "").replace(/^[^\n]*\n/, "") : closingIndent + "  ";
    for (const fragment of fragments) {
        const indented = fragment.trim().split("\n").map((line, i) => i === 0 ? line : childIndent + line).join("\n");
        const element = doc.importNode(parseXml(indented).documentElement, true);
        devices.insertBefore(doc.createTextNode("\n" + childIndent), tail);
        devices.insertBefore(element, tail);
    }
    if (!tail)
        devices.appendChild(doc.createTextNode("\n" + closingIndent));
    return serializeXml(doc);
}

/** Removes the hostdev (or hostdev interface) for one host address, with its line's indentation. */
export function removeHostdev(xml: string, address: PciAddress): { xml: string; removed: number } {
    const doc = parseXml(xml);
    let removed = 0;
    for (const { element, hostdev } of findHostdevs(doc)) {
        if (hostdev.address !== address)
            continue;
        const parent = element.parentNode!;
        if (isWhitespaceText(element.previousSibling))
            parent.removeChild(element.previousSibling!);
        parent.removeChild(element);
        removed++;
    }
    return { xml: serializeXml(doc), removed };
}

/* ---------- canonical form ---------- */

function escapeText(s: string): string {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function escapeAttr(s: string): string {
    return escapeText(s).replace(/"/g, "&quot;");
}

function canonicalElement(el: Element): string {
    const attrs: [string, string][] = [];
    for (let i = 0; i < el.attributes.length; i++)
        attrs.push([el.attributes[i].name, el.attributes[i].value]);
    attrs.sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
    let out = "<" + el.tagName + attrs.map(([k, v]) => ` ${k}="${escapeAttr(v)}"`).join("");
    let inner = "";
    for (let n = el.firstChild; n; n = n.nextSibling) {
        if (n.nodeType === ELEMENT_NODE)
            inner += canonicalElement(n as Element);
        else if (n.nodeType === TEXT_NODE || n.nodeType === CDATA_SECTION_NODE) {
            const text = (n.nodeValue ?? "").trim();
            if (text !== "")
                inner += escapeText(text);
        }
        // comments and processing instructions: libvirt drops them, so they do not count
    }
    out += inner === "" ? "/>" : ">" + inner + "</" + el.tagName + ">";
    return out;
}

/** One line, attributes sorted, formatting whitespace and comments gone, quoting normalised:
 * equal strings mean equal domain definitions as far as libvirt is concerned. */
export function canonicalXml(xml: string): string {
    return canonicalElement(parseXml(xml).documentElement);
}

export function sameXml(a: string, b: string): boolean {
    return canonicalXml(a) === canonicalXml(b);
}
