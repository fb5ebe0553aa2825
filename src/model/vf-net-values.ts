// SPDX-License-Identifier: LGPL-2.1-or-later
/* The values a user types for a VF of a network card: a MAC address and a
 * VLAN ID (issue 14). Used by "Assign to VM" (as network interface) and by
 * "VF settings"; the same checks run before the values reach libvirt or
 * `ip link set <pf> vf <n>`, so bad input is refused with a message before
 * any write. Pure: the caller passes gettext in and, for "Generate", may pass
 * its own random source. */

import { format, identity, type Gettext } from "./translate.ts";

export type MacProblem = "empty" | "format" | "multicast" | "zero";

export type MacParse =
    /** `mac`: lower case, colon separated, what libvirt and `ip -j link` print. */
    | { ok: true; mac: string }
    | { ok: false; problem: MacProblem; error: string };

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** A unicast MAC address in the form xx:xx:xx:xx:xx:xx (either case). Multicast
 * (low bit of the first octet; ff:ff:ff:ff:ff:ff is one) and all-zero are refused:
 * neither can be a NIC's own address, and the kernel rejects them for a VF. */
export function parseMac(text: string, _: Gettext = identity): MacParse {
    const mac = text.trim().toLowerCase();
    if (mac === "")
        return { ok: false, problem: "empty", error: _("Enter a MAC address.") };
    if (!MAC_RE.test(mac))
        return {
            ok: false, problem: "format",
            error: format(_("\"$0\" is not a MAC address: six pairs of hex digits separated by colons, like 52:54:00:12:34:56."), text.trim()),
        };
    const octets = mac.split(":").map(o => parseInt(o, 16));
    if (octets.every(o => o === 0))
        return { ok: false, problem: "zero", error: _("00:00:00:00:00:00 is not a usable MAC address.") };
    if (octets[0] & 1)
        return {
            ok: false, problem: "multicast",
            error: format(_("$0 is a multicast address (the lowest bit of the first octet is set): a network interface needs a unicast address."), mac),
        };
    return { ok: true, mac };
}

export const VLAN_MAX = 4094;

export type VlanParse =
    /** 0: no VLAN. */
    | { ok: true; vlan: number }
    | { ok: false; error: string };

/** A VLAN ID 1-4094; empty or 0 means none (0 is how `ip link` clears a VF's VLAN).
 * 4095 is reserved by 802.1Q. */
export function parseVlan(text: string, _: Gettext = identity): VlanParse {
    const t = text.trim();
    if (t === "")
        return { ok: true, vlan: 0 };
    if (!/^[0-9]+$/.test(t) || Number(t) > VLAN_MAX)
        return { ok: false, error: format(_("The VLAN ID must be a number from 1 to $0 (0 or empty: no VLAN)."), VLAN_MAX) };
    return { ok: true, vlan: Number(t) };
}

/** Fills a byte array with random values: crypto.getRandomValues in the browser and in Node. */
export type RandomFill = (bytes: Uint8Array) => void;

const cryptoFill: RandomFill = bytes => { crypto.getRandomValues(bytes) };

/** A new MAC under 52:54:00, the prefix libvirt and QEMU give guests: locally
 * administered (bit 1 of 0x52) and unicast (bit 0 clear), so it cannot clash with
 * any vendor's burned-in address. Uniqueness among the host's and the VMs'
 * addresses is the caller's check (macUses in vf-net-macs.ts). */
export function generateMac(fill: RandomFill = cryptoFill): string {
    const tail = new Uint8Array(3);
    fill(tail);
    return [0x52, 0x54, 0x00, ...tail].map(o => o.toString(16).padStart(2, "0")).join(":");
}

export type NumberParse = { ok: true; value: number } | { ok: false; error: string };

/** The 802.1p priority (qos) of a VF's VLAN: 0-7, empty for 0. */
export function parseQos(text: string, _: Gettext = identity): NumberParse {
    const t = text.trim();
    if (t === "")
        return { ok: true, value: 0 };
    if (!/^[0-9]+$/.test(t) || Number(t) > 7)
        return { ok: false, error: _("The priority must be a number from 0 to 7.") };
    return { ok: true, value: Number(t) };
}

/** A transmit rate limit in Mbit/s; empty or 0 means no limit. */
export function parseRate(text: string, _: Gettext = identity): NumberParse {
    const t = text.trim();
    if (t === "")
        return { ok: true, value: 0 };
    if (!/^[0-9]{1,7}$/.test(t) || Number(t) > 1000000)
        return { ok: false, error: _("The rate must be a whole number of Mbit/s (0 or empty: no limit).") };
    return { ok: true, value: Number(t) };
}

/* Linux interface names: at most 15 bytes, no "/" and no whitespace. Narrower
 * here (no "..", a small alphabet): the name goes into a script an admin runs. */
const IFNAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,14}$/;

export function isInterfaceName(name: string): boolean {
    return IFNAME_RE.test(name) && !name.includes("..");
}
