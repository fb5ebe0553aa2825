// SPDX-License-Identifier: LGPL-2.1-or-later
/* Which PCI functions the host itself needs: the NIC that carries this
 * Cockpit session or the default route, the controller of a mounted disk
 * (the root file system above all), the boot VGA device. Giving one of those
 * to a VM strands the host. */

import type { PciAddress } from "./pci-address.ts";
import type { HostSnapshot } from "./snapshot.ts";
import { format, type Gettext } from "./translate.ts";

export interface InterfaceInfo {
    ifname: string;
    addresses: string[];      // "10.0.2.15/24"
    master: string | null;    // bridge or bond this interface is a port of
    link: string | null;      // lower device of a VLAN/macvlan
    mac: string | null;       // link-layer address (MAC uniqueness warnings)
}

export interface UsageFacts {
    interfaces: InterfaceInfo[];
    defaultRouteInterfaces: string[];
    /** Local addresses of established connections to Cockpit's port */
    cockpitLocalAddresses: string[];
    /** disk kernel name -> mount points anywhere on it (partitions, LVM) */
    diskMounts: Map<string, string[]>;
    /** Reads that failed ("ip: Cannot open netlink socket"): then the facts are not known. */
    failures: string[];
}

export type UsageReason =
    | { kind: "session"; ifname: string }
    | { kind: "default-route"; ifname: string }
    | { kind: "mounted"; disk: string; mountpoints: string[] }
    | { kind: "boot-vga" };

export interface DeviceUsage {
    reasons: UsageReason[];
    /** True for the NIC that carries this Cockpit session: never offered for passthrough. */
    refuse: boolean;
    /** This function's interfaces with their addresses, for display. */
    interfaces: InterfaceInfo[];
}

function sections(output: string): Map<string, string> {
    const map = new Map<string, string>();
    let current = "";
    for (const line of output.split("\n")) {
        if (line.startsWith("@")) {
            current = line.slice(1).trim();
            if (!map.has(current)) // "@failed" may come more than once
                map.set(current, "");
        } else if (current) {
            map.set(current, map.get(current) + line + "\n");
        }
    }
    return map;
}

function json<T>(text: string | undefined, fallback: T): T {
    try {
        return text && text.trim() ? JSON.parse(text) as T : fallback;
    } catch {
        return fallback;
    }
}

/** "10.0.2.15:9090", "[::ffff:10.0.2.15]:9090", "[fe80::1%ens5]:9090" -> [address, port] */
function splitHostPort(text: string): [string, number] | null {
    const m = /^\[?(.*?)\]?:([0-9]+)$/.exec(text);
    if (!m)
        return null;
    let address = m[1].replace(/%.*$/, "");
    if (address.startsWith("::ffff:") && address.includes("."))
        address = address.slice(7);
    return [address, Number(m[2])];
}

interface LsblkNode { kname?: string; name?: string; type?: string; mountpoint?: string | null; children?: LsblkNode[] }

export function parseUsageFacts(output: string): UsageFacts {
    const s = sections(output);
    type IpAddr = {
        ifname: string; master?: string; link?: string; link_type?: string; address?: string;
        addr_info?: { local: string; prefixlen: number }[];
    };
    const interfaces = json<IpAddr[]>(s.get("addr"), []).map(i => ({
        ifname: i.ifname,
        addresses: (i.addr_info ?? []).map(a => `${a.local}/${a.prefixlen}`),
        master: i.master ?? null,
        link: i.link ?? null,
        mac: i.link_type === "ether" && typeof i.address === "string" ? i.address.toLowerCase() : null,
    }));
    const routes = [...json<{ dev?: string }[]>(s.get("route4"), []), ...json<{ dev?: string }[]>(s.get("route6"), [])];
    const defaultRouteInterfaces = [...new Set(routes.map(r => r.dev).filter((d): d is string => !!d))];

    // Listen=[::]:9090 (Stream) — Cockpit's port; 9090 unless changed.
    const listen = /Listen=\S*:([0-9]+)/.exec(s.get("listen") ?? "");
    const port = listen ? Number(listen[1]) : 9090;
    const cockpitLocalAddresses = new Set<string>();
    for (const line of (s.get("conn") ?? "").split("\n")) {
        const fields = line.trim().split(/\s+/);
        if (fields.length < 4)
            continue;
        const local = splitHostPort(fields[2]);
        if (local && local[1] === port)
            cockpitLocalAddresses.add(local[0]);
    }

    const diskMounts = new Map<string, string[]>();
    const collect = (node: LsblkNode): string[] =>
        [...(node.mountpoint ? [node.mountpoint] : []), ...(node.children ?? []).flatMap(collect)];
    for (const disk of json<{ blockdevices?: LsblkNode[] }>(s.get("lsblk"), {}).blockdevices ?? []) {
        const name = disk.kname ?? disk.name;
        if (name)
            diskMounts.set(name, collect(disk));
    }
    const failures = (s.get("failed") ?? "").split("\n").filter(l => l.trim() !== "");
    return { interfaces, defaultRouteInterfaces, cockpitLocalAddresses: [...cockpitLocalAddresses], diskMounts, failures };
}

/** The interface and every interface below it (bridge/bond ports, VLAN parents). */
function lowerInterfaces(ifname: string, interfaces: InterfaceInfo[], seen = new Set<string>()): string[] {
    if (seen.has(ifname))
        return [];
    seen.add(ifname);
    const me = interfaces.find(i => i.ifname === ifname);
    const below = interfaces.filter(i => i.master === ifname).map(i => i.ifname);
    if (me?.link)
        below.push(me.link);
    return [ifname, ...below.flatMap(b => lowerInterfaces(b, interfaces, seen))];
}

export function analyzeHostUsage(snapshot: HostSnapshot, facts: UsageFacts): Map<PciAddress, DeviceUsage> {
    const owner = new Map<string, PciAddress>();
    const diskOwner = new Map<string, PciAddress>();
    for (const fn of snapshot.functions) {
        fn.netInterfaces.forEach(i => owner.set(i, fn.address));
        fn.blockDevices.filter(b => b.disk === null).forEach(b => diskOwner.set(b.name, fn.address));
    }
    const result = new Map<PciAddress, DeviceUsage>();
    const entry = (address: PciAddress): DeviceUsage => {
        let u = result.get(address);
        if (!u) {
            u = { reasons: [], refuse: false, interfaces: [] };
            result.set(address, u);
        }
        return u;
    };
    const addressOwner = (address: string) =>
        facts.interfaces.filter(i => i.addresses.some(a => a.split("/")[0] === address)).map(i => i.ifname);

    const sessionIfs = facts.cockpitLocalAddresses.flatMap(addressOwner);
    for (const top of sessionIfs) {
        for (const ifname of lowerInterfaces(top, facts.interfaces)) {
            const address = owner.get(ifname);
            if (address) {
                const u = entry(address);
                u.refuse = true;
                u.reasons.push({ kind: "session", ifname: top });
            }
        }
    }
    for (const top of facts.defaultRouteInterfaces) {
        for (const ifname of lowerInterfaces(top, facts.interfaces)) {
            const address = owner.get(ifname);
            if (address && !entry(address).reasons.some(r => r.kind === "default-route"))
                entry(address).reasons.push({ kind: "default-route", ifname: top });
        }
    }
    for (const [disk, mountpoints] of facts.diskMounts) {
        const address = diskOwner.get(disk);
        if (address && mountpoints.length > 0)
            entry(address).reasons.push({ kind: "mounted", disk, mountpoints });
    }
    for (const fn of snapshot.functions) {
        if (fn.bootVga)
            entry(fn.address).reasons.push({ kind: "boot-vga" });
        const ifs = facts.interfaces.filter(i => fn.netInterfaces.includes(i.ifname));
        if (ifs.length > 0)
            entry(fn.address).interfaces = ifs;
    }
    return result;
}

export function isUsedByHost(usage: DeviceUsage | undefined): boolean {
    return !!usage && usage.reasons.length > 0;
}

export function describeUsageReason(reason: UsageReason, _: Gettext): string {
    switch (reason.kind) {
    case "session": return format(_("Carries this Cockpit session ($0)"), reason.ifname);
    case "default-route": return format(_("Carries the default route ($0)"), reason.ifname);
    case "mounted":
        return reason.mountpoints.includes("/")
            ? format(_("Holds the root file system (/dev/$0)"), reason.disk)
            : format(_("Holds mounted file systems on /dev/$0: $1"), reason.disk, reason.mountpoints.join(", "));
    case "boot-vga": return _("Boot display (VGA) device");
    }
}
