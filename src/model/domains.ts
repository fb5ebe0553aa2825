// SPDX-License-Identifier: LGPL-2.1-or-later
/* Domains of both connections, and the changes this page makes to them.
 *
 * The decisions live here, against the Backend interface; the two adapters that
 * talk to libvirt are in host/libvirt-backends.ts (libvirt-dbus for
 * qemu:///system with live attach, virsh processes for stratovirt:///system,
 * stored definition only: dumpxml --inactive, edit, define). Every change
 * re-reads the domain first (stop if it changed since the dialog read it), and
 * reads it back afterwards to verify. test/unit/domains.test.ts runs it against
 * an in-memory backend. */

import { assignCapabilities, type Connection, type DomainInfo, type DomainState } from "./assignments.ts";
import {
    canonicalXml, hostdevElementXml, insertDevices, listPciHostdevs, removeHostdev, type DomainHostdev,
} from "./domain-xml.ts";
import { readRecords, updateRecords, type HardwareRecord } from "./hardware-records.ts";
import type { PciAddress } from "./pci-address.ts";
import { format, identity, type Gettext } from "./translate.ts";

export interface DomainRecord extends DomainInfo {
    uuid: string;
    /** What the backend addresses the domain by: the D-Bus object path, or the UUID for virsh. */
    ref: string;
    /** XML of the running domain; for a shut-off one, the same as inactiveXml. */
    liveXml: string;
    /** Stored definition; null for a transient domain. */
    inactiveXml: string | null;
    /** Hostdevs of the live XML (running) or the stored XML (shut off). */
    liveDevices: DomainHostdev[];
    inactiveDevices: DomainHostdev[];
}

export interface Backend {
    connection: Connection;
    uri: string;
    /** false: changes go through the stored definition only (StratoVirt). */
    liveAttach: boolean;
    listRefs(): Promise<string[]>;
    info(ref: string): Promise<{ uuid: string; name: string; state: DomainState; persistent: boolean }>;
    readXml(ref: string, inactive: boolean): Promise<string>;
    attach(ref: string, xml: string, flags: { config: boolean; live: boolean }): Promise<void>;
    detach(ref: string, xml: string, flags: { config: boolean; live: boolean }): Promise<void>;
    define(xml: string): Promise<void>;
    create(xml: string): Promise<void>;
    /** The ref of a domain by name, after define/create. */
    refByName(name: string): Promise<string | null>;
}

export async function loadDomain(backend: Backend, ref: string): Promise<DomainRecord> {
    const info = await backend.info(ref);
    const inactiveXml = info.persistent ? await backend.readXml(ref, true) : null;
    const liveXml = info.state === "shut off" && inactiveXml !== null ? inactiveXml : await backend.readXml(ref, false);
    const liveDevices = listPciHostdevs(liveXml);
    const inactiveDevices = inactiveXml === null ? [] : listPciHostdevs(inactiveXml);
    return {
        ...info,
        connection: backend.connection,
        ref,
        liveXml,
        inactiveXml,
        liveDevices,
        inactiveDevices,
        liveHostdevs: liveDevices.map(d => d.address),
        inactiveHostdevs: inactiveDevices.map(d => d.address),
    };
}

export async function loadDomains(backend: Backend): Promise<DomainRecord[]> {
    const refs = await backend.listRefs();
    // A domain can vanish between list and read: skip it rather than fail the whole list.
    const results = await Promise.allSettled(refs.map(ref => loadDomain(backend, ref)));
    return results.flatMap(r => r.status === "fulfilled" ? [r.value] : [])
            .sort((a, b) => a.name.localeCompare(b.name));
}

/** The XML a dialog based its preview on; compared again right before writing. */
export interface DomainBaseline {
    inactiveXml: string | null;
    liveXml: string | null;
}

export async function readBaseline(backend: Backend, d: DomainRecord): Promise<DomainBaseline> {
    const fresh = await loadDomain(backend, d.ref);
    return { inactiveXml: fresh.inactiveXml, liveXml: fresh.state === "shut off" ? null : fresh.liveXml };
}

export class DomainChangedError extends Error {
    constructor(name: string) {
        super(`The VM ${name} was changed since this dialog read it.`);
    }
}

/** libvirt said yes, but reading back shows otherwise. The English message is for logs;
 * the page shows verifyErrorText(), through the catalogue. */
export type VerifyProblem =
    | { kind: "not-added"; addresses: readonly PciAddress[] }
    | { kind: "not-removed"; address: PciAddress }
    | { kind: "no-domain"; name: string }
    | { kind: "created-without"; name: string; addresses: readonly PciAddress[] }
    | { kind: "record-missing"; addresses: readonly PciAddress[] }
    | { kind: "record-left"; address: PciAddress }
    /** An <interface type='hostdev'> that reads back with another MAC or VLAN than asked (or as a plain hostdev). */
    | { kind: "interface-differs"; address: PciAddress; mac: string; vlan: number };

export class VerifyError extends Error {
    readonly problem: VerifyProblem;
    constructor(problem: VerifyProblem) {
        super(verifyErrorText(problem, identity));
        this.problem = problem;
    }
}

export function verifyErrorText(problem: VerifyProblem, _: Gettext): string {
    switch (problem.kind) {
    case "not-added":
        return format(_("libvirt accepted the change, but $0 is not in the VM's XML."), problem.addresses.join(", "));
    case "not-removed":
        return format(_("libvirt accepted the change, but $0 is still in the VM's stored definition."), problem.address);
    case "no-domain":
        return format(_("libvirt accepted the XML, but there is no VM named $0."), problem.name);
    case "created-without":
        return format(_("The VM $0 exists, but $1 is not in its XML."), problem.name, problem.addresses.join(", "));
    case "record-missing":
        return format(_("libvirt accepted the change, but the hardware record of $0 is not in the VM's metadata."), problem.addresses.join(", "));
    case "record-left":
        return format(_("libvirt accepted the change, but the hardware record of $0 is still in the VM's metadata."), problem.address);
    case "interface-differs":
        return problem.vlan === 0
            ? format(_("libvirt accepted the change, but $0 is not in the VM's XML as a network interface with MAC $1. The change was undone."),
                     problem.address, problem.mac)
            : format(_("libvirt accepted the change, but $0 is not in the VM's XML as a network interface with MAC $1 on VLAN $2. The change was undone."),
                     problem.address, problem.mac, problem.vlan);
    default: {
        const never: never = problem;
        throw new Error(`unknown verify problem ${JSON.stringify(never)}`);
    }
    }
}

async function checkUnchanged(backend: Backend, d: DomainRecord, baseline: DomainBaseline): Promise<DomainRecord> {
    const fresh = await loadDomain(backend, d.ref);
    const same = (a: string | null, b: string | null) => (a === null || b === null) ? a === b : canonicalXml(a) === canonicalXml(b);
    const liveNow = fresh.state === "shut off" ? null : fresh.liveXml;
    if (!same(fresh.inactiveXml, baseline.inactiveXml) || !same(liveNow, baseline.liveXml))
        throw new DomainChangedError(d.name);
    return fresh;
}

export interface AssignRequest {
    fragments: string[];
    addresses: PciAddress[];
    /** Stored definition (from next boot). */
    config: boolean;
    /** Attach to the running VM now (QEMU only). */
    live: boolean;
    /** vendor:device of each function now, kept in the stored definition's metadata (with config only). */
    records?: HardwareRecord[] | undefined;
    /** The VFs given as <interface type='hostdev'>, with the MAC and VLAN (0: none) they must read back with. */
    interfaces?: { address: PciAddress; mac: string; vlan: number }[] | undefined;
}

/** The first interface whose MAC or VLAN libvirt did not keep as asked, in the stored or the live XML. */
function interfaceDiffering(after: DomainRecord, req: AssignRequest): { address: PciAddress; mac: string; vlan: number } | null {
    for (const want of req.interfaces ?? []) {
        const matches = (devices: readonly DomainHostdev[]) => devices.some(dev =>
            dev.address === want.address && dev.kind === "interface" && dev.net?.mac === want.mac &&
            dev.net.vlans.join(",") === (want.vlan === 0 ? "" : String(want.vlan)));
        if ((req.config && !matches(after.inactiveDevices)) || (req.live && !matches(after.liveDevices)))
            return want;
    }
    return null;
}

/** Assigns, then verifies by reading back. Throws DomainChangedError, VerifyError or libvirt's error. */
export async function assignDevices(backend: Backend, d: DomainRecord, baseline: DomainBaseline, req: AssignRequest): Promise<void> {
    const caps = assignCapabilities(d);
    if ((req.config && !caps.config) || (req.live && (!caps.live || !backend.liveAttach)) || (!req.config && !req.live))
        throw new Error("This VM cannot take the device that way.");
    const fresh = await checkUnchanged(backend, d, baseline);

    if (backend.liveAttach) {
        const done: string[] = [];
        try {
            for (const fragment of req.fragments) {
                // One call with CONFIG|LIVE: libvirt saves the config only if the live attach worked.
                await backend.attach(d.ref, fragment, { config: req.config, live: req.live });
                done.push(fragment);
            }
        } catch (ex) {
            await rollbackAttach(backend, d, done, req).catch(() => undefined);
            throw ex;
        }
        // The records go into the stored definition once the devices are there; without them
        // a later hardware change could not be noticed, so a failure undoes the attach too.
        if (req.config && req.records && req.records.length > 0) {
            try {
                const now = await loadDomain(backend, d.ref);
                await backend.define(updateRecords(now.inactiveXml!, req.records, []));
            } catch (ex) {
                await rollbackAttach(backend, d, done, req).catch(() => undefined);
                throw ex;
            }
        }
    } else {
        let edited = insertDevices(fresh.inactiveXml!, req.fragments);
        if (req.records && req.records.length > 0)
            edited = updateRecords(edited, req.records, []);
        await backend.define(edited);
    }

    const after = await loadDomain(backend, d.ref);
    const missing = req.addresses.filter(a =>
        (req.config && !after.inactiveHostdevs.includes(a)) || (req.live && !after.liveHostdevs.includes(a)));
    if (missing.length > 0)
        throw new VerifyError({ kind: "not-added", addresses: missing });
    const differing = interfaceDiffering(after, req);
    if (differing) {
        // Not what the admin asked for (a guest on the wrong VLAN): undo the whole assignment.
        await undoAssignment(backend, d, fresh, req);
        throw new VerifyError({ kind: "interface-differs", ...differing });
    }
    if (req.config && after.inactiveXml && req.records) {
        const kept = readRecords(after.inactiveXml).map(r => r.address);
        const unrecorded = req.records.filter(r => !kept.includes(r.address)).map(r => r.address);
        if (unrecorded.length > 0)
            throw new VerifyError({ kind: "record-missing", addresses: unrecorded });
    }
}

/** Functions attached before a later one failed: take them out again so a card is never half-assigned. */
/** Back to the definition before the assignment: the devices detached (or the stored XML
 * defined again, without live attach) and the hardware records as they were. */
async function undoAssignment(backend: Backend, d: DomainRecord, fresh: DomainRecord, req: AssignRequest): Promise<void> {
    if (!backend.liveAttach) {
        await backend.define(fresh.inactiveXml!);
        return;
    }
    await rollbackAttach(backend, d, req.fragments, req);
    if (req.config && req.records && req.records.length > 0 && fresh.inactiveXml) {
        const addresses = req.records.map(r => r.address);
        const before = readRecords(fresh.inactiveXml).filter(r => addresses.includes(r.address));
        const now = await loadDomain(backend, d.ref);
        await backend.define(updateRecords(now.inactiveXml!, before, addresses));
    }
}

async function rollbackAttach(backend: Backend, d: DomainRecord, fragments: string[], req: AssignRequest): Promise<void> {
    if (fragments.length === 0)
        return;
    const now = await loadDomain(backend, d.ref);
    for (const fragment of fragments) {
        const address = listPciHostdevs(`<domain><devices>${fragment}</devices></domain>`)[0]?.address;
        if (!address)
            continue;
        if (req.config && now.inactiveXml) {
            const el = hostdevElementXml(now.inactiveXml, address);
            if (el)
                await backend.detach(d.ref, el, { config: true, live: false });
        }
        if (req.live) {
            const el = hostdevElementXml(now.liveXml, address);
            if (el)
                await backend.detach(d.ref, el, { config: false, live: true });
        }
    }
}

export interface UnassignResult {
    /** The stored definition no longer has it (or never had). */
    configRemoved: boolean;
    /** "removed": gone from the running VM; "pending": libvirt asked the guest, which has not released it yet;
     * "stays": this connection cannot remove it live (StratoVirt): gone after the VM stops; "none": not in the running VM. */
    live: "removed" | "pending" | "stays" | "none";
}

/** Detach like cockpit-machines: from the inactive XML with CONFIG, and, when running, from the live XML with LIVE.
 * The hardware records of the address (and of `alsoDropRecords`, e.g. the record a moved hostdev left behind)
 * go too, or the stored definition would not come back to what it was before the assignment. */
export async function unassignDevice(backend: Backend, d: DomainRecord, address: PciAddress,
                                     alsoDropRecords: readonly PciAddress[] = []): Promise<UnassignResult> {
    const fresh = await loadDomain(backend, d.ref);
    const inConfig = fresh.inactiveXml !== null && fresh.inactiveHostdevs.includes(address);
    const inLive = fresh.state !== "shut off" && fresh.liveHostdevs.includes(address);
    const drop = [address, ...alsoDropRecords];
    const hasRecords = (xml: string | null) => xml !== null && readRecords(xml).some(r => drop.includes(r.address));

    if (inConfig) {
        if (backend.liveAttach) {
            await backend.detach(d.ref, hostdevElementXml(fresh.inactiveXml!, address)!, { config: true, live: false });
        } else {
            const { xml } = removeHostdev(fresh.inactiveXml!, address);
            await backend.define(updateRecords(xml, [], drop));
        }
    }
    if (inLive && backend.liveAttach)
        await backend.detach(d.ref, hostdevElementXml(fresh.liveXml, address)!, { config: false, live: true });
    if (backend.liveAttach && fresh.inactiveXml !== null && hasRecords(fresh.inactiveXml)) {
        const now = await loadDomain(backend, d.ref);
        if (now.inactiveXml !== null && hasRecords(now.inactiveXml))
            await backend.define(updateRecords(now.inactiveXml, [], drop));
    }

    const after = await loadDomain(backend, d.ref);
    const configRemoved = after.inactiveXml === null || !after.inactiveHostdevs.includes(address);
    if (inConfig && !configRemoved)
        throw new VerifyError({ kind: "not-removed", address });
    if (hasRecords(after.inactiveXml))
        throw new VerifyError({ kind: "record-left", address });
    const stillLive = after.state !== "shut off" && after.liveHostdevs.includes(address);
    const live = !inLive ? "none" : !backend.liveAttach ? "stays" : stillLive ? "pending" : "removed";
    return { configRemoved, live };
}

export type CreateMode = "define" | "create";

/** "Create VM from XML": define or create, then verify the domain exists with the devices. */
export async function createDomain(backend: Backend, xml: string, name: string, mode: CreateMode,
                                   addresses: readonly PciAddress[]): Promise<string> {
    if (mode === "define")
        await backend.define(xml);
    else
        await backend.create(xml);
    const ref = await backend.refByName(name);
    if (!ref)
        throw new VerifyError({ kind: "no-domain", name });
    const record = await loadDomain(backend, ref);
    const have = mode === "define" ? record.inactiveHostdevs : record.liveHostdevs;
    const missing = addresses.filter(a => !have.includes(a));
    if (missing.length > 0)
        throw new VerifyError({ kind: "created-without", name, addresses: missing });
    return ref;
}
