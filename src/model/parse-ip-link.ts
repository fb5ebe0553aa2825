// SPDX-License-Identifier: LGPL-2.1-or-later
/* Reads `ip -j -d link show` output (one JSON array per interface, as
 * read-sysfs.sh prints it) into NetLinks: each interface's MAC and, on a PF,
 * the state of its VFs (issue 14).
 *
 * iproute2 has printed a VF's VLAN two ways: "vlan"/"qos" on the VF itself
 * (older releases, and drivers without a VLAN list), or "vlan_list" (802.1Q
 * and 802.1ad entries); the rate as "rate": {tx_min, tx_max} or an older
 * single "tx_rate". A VF without a VLAN may show "vlan_list": [{}]. A field the driver does not report is absent: kept null,
 * never guessed.
 */

import type { NetLink, VfLinkState } from "./snapshot.ts";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === "boolean" ? v : null);
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const mac = (v: unknown): string | null => (typeof v === "string" && MAC.test(v.toLowerCase()) ? v.toLowerCase() : null);

function linkState(v: unknown): VfLinkState["linkState"] {
    return v === "auto" || v === "enable" || v === "disable" ? v : null;
}

function parseVf(vf: Json): VfLinkState | null {
    const index = num(vf.vf);
    if (index === null)
        return null;
    let vlan = num(vf.vlan) ?? 0;
    let qos = num(vf.qos) ?? 0;
    // The first 802.1Q entry: what `ip link set ... vf N vlan V qos Q` sets.
    if (Array.isArray(vf.vlan_list)) {
        const first = vf.vlan_list.find(e => isObject(e) && (e.protocol === undefined || e.protocol === "802.1Q"));
        if (isObject(first)) {
            vlan = num(first.vlan) ?? 0;
            qos = num(first.qos) ?? 0;
        }
    }
    const rate = isObject(vf.rate) ? vf.rate : null;
    return {
        vf: index,
        mac: mac(vf.address) ?? mac(vf.mac),
        vlan,
        qos,
        spoofCheck: bool(vf.spoofchk),
        trust: bool(vf.trust),
        linkState: linkState(vf.link_state),
        // iproute2 6.x prints "max_tx"/"min_tx"; some releases "tx_max"/"tx_min".
        minTxRate: rate ? num(rate.min_tx) ?? num(rate.tx_min) : null,
        maxTxRate: rate ? num(rate.max_tx) ?? num(rate.tx_max) : num(vf.tx_rate),
    };
}

function parseLink(link: Json): NetLink | null {
    if (typeof link.ifname !== "string" || link.ifname === "")
        return null;
    let vfs: VfLinkState[] | null = null;
    if (Array.isArray(link.vfinfo_list)) {
        vfs = link.vfinfo_list.filter(isObject).map(parseVf)
                .filter((v): v is VfLinkState => v !== null)
                .sort((a, b) => a.vf - b.vf);
    }
    return { name: link.ifname, mac: link.link_type === "ether" ? mac(link.address) : null, vfs };
}

/** Adds the links of one output line (a JSON array) to `into`; a line that is not
 * valid JSON (cut short by a vanishing interface) adds nothing. */
export function addIpLinkLine(into: Map<string, NetLink>, line: string): void {
    let parsed: unknown;
    try {
        parsed = JSON.parse(line);
    } catch {
        return;
    }
    if (!Array.isArray(parsed))
        return;
    for (const entry of parsed) {
        const link = isObject(entry) ? parseLink(entry) : null;
        if (link)
            into.set(link.name, link);
    }
}

/** Whole `ip -j ... link show` output: one JSON array per line. */
export function parseIpLinks(output: string): Map<string, NetLink> {
    const links = new Map<string, NetLink>();
    for (const line of output.split("\n")) {
        if (line.startsWith("["))
            addIpLinkLine(links, line);
    }
    return links;
}
