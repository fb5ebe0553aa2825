// SPDX-License-Identifier: LGPL-2.1-or-later
/* Thin client for libvirt-dbus, connection qemu:///system (/org/libvirt/QEMU).
 * Errors reject with {name, message}: libvirt's own message, unchanged. */

import cockpit, { type DBusClient } from "cockpit";

export const QEMU_PATH = "/org/libvirt/QEMU";
const CONNECT = "org.libvirt.Connect";
const DOMAIN = "org.libvirt.Domain";
const TIMEOUT = 30000;

export const VIR_DOMAIN_AFFECT_LIVE = 1;
export const VIR_DOMAIN_AFFECT_CONFIG = 2;
export const VIR_DOMAIN_XML_INACTIVE = 2;
/** With passwords (VNC/SPICE): what is defined again must keep them. */
export const VIR_DOMAIN_XML_SECURE = 1;

export interface DBusDomainProps {
    path: string;
    name: string;
    uuid: string;
    active: boolean;
    persistent: boolean;
}

let client: DBusClient | null = null;

function dbus(): DBusClient {
    if (!client) {
        client = cockpit.dbus("org.libvirt", { bus: "system", superuser: "try" });
        // A closed client (libvirt-dbus restarted, superuser changed) is useless: make a new one next time.
        client.addEventListener("close", () => { client = null });
    }
    return client;
}

/** Drop the client, e.g. after the superuser state changed, so the next call opens one with the new privileges. */
export function resetLibvirtDbus(): void {
    client?.close();
    client = null;
}

function call<T extends unknown[]>(path: string, iface: string, method: string, args: unknown[], type: string): Promise<T> {
    return dbus().call(path, iface, method, args, { type, timeout: TIMEOUT }) as Promise<T>;
}

export async function listDomainPaths(): Promise<string[]> {
    const [paths] = await call<[string[]]>(QEMU_PATH, CONNECT, "ListDomains", [0], "u");
    return paths;
}

interface Variant { t: string; v: unknown }

/* libvirt-dbus's GetAll wraps each value in one extra variant: {t: "v", v: {t: "s", v: "name"}}. */
function unwrap(props: Record<string, Variant>, name: string): unknown {
    let value: unknown = props[name];
    while (value && typeof value === "object" && "t" in value && "v" in value)
        value = (value as Variant).v;
    if (value === undefined)
        throw new Error(`libvirt-dbus: property ${name} missing`);
    return value;
}

export async function getDomainProps(path: string): Promise<DBusDomainProps> {
    const [props] = await call<[Record<string, Variant>]>(path, "org.freedesktop.DBus.Properties", "GetAll", [DOMAIN], "s");
    return {
        path,
        name: String(unwrap(props, "Name")),
        uuid: String(unwrap(props, "UUID")),
        active: Boolean(unwrap(props, "Active")),
        persistent: Boolean(unwrap(props, "Persistent")),
    };
}

export async function getDomainXml(path: string, inactive: boolean): Promise<string> {
    const [xml] = await call<[string]>(path, DOMAIN, "GetXMLDesc", [VIR_DOMAIN_XML_SECURE | (inactive ? VIR_DOMAIN_XML_INACTIVE : 0)], "u");
    return xml;
}

export async function attachDevice(path: string, xml: string, flags: { config: boolean; live: boolean }): Promise<void> {
    await call(path, DOMAIN, "AttachDevice", [xml, affectFlags(flags)], "su");
}

export async function detachDevice(path: string, xml: string, flags: { config: boolean; live: boolean }): Promise<void> {
    await call(path, DOMAIN, "DetachDevice", [xml, affectFlags(flags)], "su");
}

function affectFlags({ config, live }: { config: boolean; live: boolean }): number {
    if (!config && !live)
        throw new Error("neither CONFIG nor LIVE");
    return (config ? VIR_DOMAIN_AFFECT_CONFIG : 0) | (live ? VIR_DOMAIN_AFFECT_LIVE : 0);
}

/** Persistent definition (like `virsh define`); returns the domain's object path. */
export async function defineXml(xml: string): Promise<string> {
    const [path] = await call<[string]>(QEMU_PATH, CONNECT, "DomainDefineXML", [xml], "s");
    return path;
}

/** Transient domain, started at once (like `virsh create`). */
export async function createXml(xml: string): Promise<string> {
    const [path] = await call<[string]>(QEMU_PATH, CONNECT, "DomainCreateXML", [xml, 0], "su");
    return path;
}

export interface LibvirtDbusEvents {
    /** Lifecycle: defined, undefined, started, stopped... (virDomainEventType in `event`). */
    onDomainEvent(path: string, event: number, detail: number): void;
    /** A device left the running domain: the guest released it. */
    onDeviceRemoved(path: string, alias: string): void;
}

/** Subscribes to DomainEvent (on the connection object) and DeviceRemoved (on every domain).
 * libvirt-dbus registers for libvirt events only after its first method call, so call
 * listDomainPaths() after subscribing. */
export function subscribeLibvirtDbus(events: LibvirtDbusEvents): { remove(): void } {
    const c = dbus();
    const lifecycle = c.subscribe({ path: QEMU_PATH, interface: CONNECT, member: "DomainEvent" },
                                  (_path, _iface, _signal, args) =>
                                      events.onDomainEvent(String(args[0]), Number(args[1]), Number(args[2])));
    const removed = c.subscribe({ path_namespace: QEMU_PATH, interface: DOMAIN, member: "DeviceRemoved" },
                                (path, _iface, _signal, args) => events.onDeviceRemoved(path, String(args[0])));
    return { remove: () => { lifecycle.remove(); removed.remove() } };
}

export const VIR_DOMAIN_RUNNING = 1;
export const VIR_DOMAIN_SHUTOFF = 5;

/** virDomainState: RUNNING 1, PAUSED 3, SHUTOFF 5, ... */
export async function getDomainState(path: string): Promise<number> {
    const [[state]] = await call<[[number, number]]>(path, DOMAIN, "GetState", [0], "u");
    return state;
}
