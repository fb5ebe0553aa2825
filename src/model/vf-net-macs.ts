// SPDX-License-Identifier: LGPL-2.1-or-later
/* Where a MAC address is already in use (issue 14): another VF (what `ip link`
 * reports per VF of a PF), a host interface, or an interface of any known VM.
 * Two stations with one MAC on a network break each other's traffic, yet the
 * duplicate may be intended (a VM moved from one VF to another), so the page
 * warns and does not block. */

import type { DomainKey } from "./assignments.ts";
import { interfaceMacs } from "./domain-xml.ts";
import type { PciAddress } from "./pci-address.ts";
import type { HostSnapshot } from "./snapshot.ts";
import { locateVf } from "./vf-net.ts";
import { format, type Gettext } from "./translate.ts";

export type MacUse =
    | { kind: "vf"; pfName: string; vf: number }
    | { kind: "host"; name: string }
    | { kind: "vm"; domain: DomainKey };

export interface MacDomain extends DomainKey {
    liveXml: string;
    inactiveXml: string | null;
}

/** Every use of `mac` (lower case, as parseMac returns it) except by the VF `self`
 * itself: its own VF entry and its own netdev carry the MAC it is being given
 * (say, after "VF settings" set it), which is no clash. Domains whose XML cannot be
 * parsed are skipped: this is a warning, not a guard. */
export function macUses(mac: string, snapshot: HostSnapshot, domains: readonly MacDomain[], self: PciAddress | null,
                        hostInterfaces: readonly { ifname: string; mac: string | null }[] = []): MacUse[] {
    const uses: MacUse[] = [];
    const where = self ? locateVf(snapshot, self) : null;
    const ownNetdevs = new Set(self ? snapshot.byAddress.get(self)?.netInterfaces ?? [] : []);
    for (const link of snapshot.netLinks?.values() ?? []) {
        if (link.mac?.toLowerCase() === mac && !ownNetdevs.has(link.name))
            uses.push({ kind: "host", name: link.name });
        for (const vf of link.vfs ?? []) {
            const own = where?.ok && where.pfName === link.name && where.index === vf.vf;
            if (vf.mac?.toLowerCase() === mac && !own)
                uses.push({ kind: "vf", pfName: link.name, vf: vf.vf });
        }
    }
    // Every host interface (the host-usage facts' `ip -j addr`); netLinks only holds SR-IOV PFs.
    for (const i of hostInterfaces) {
        if (i.mac === mac && !ownNetdevs.has(i.ifname) && !uses.some(u => u.kind === "host" && u.name === i.ifname))
            uses.push({ kind: "host", name: i.ifname });
    }
    for (const d of domains) {
        let macs: string[];
        try {
            macs = [d.liveXml, d.inactiveXml].flatMap(xml => xml === null ? [] : interfaceMacs(xml));
        } catch {
            continue;
        }
        if (macs.includes(mac))
            uses.push({ kind: "vm", domain: { connection: d.connection, name: d.name } });
    }
    return uses;
}

export function macUseText(use: MacUse, _: Gettext): string {
    switch (use.kind) {
    case "vf":
        return format(_("VF $1 of $0"), use.pfName, use.vf);
    case "host":
        return format(_("host interface $0"), use.name);
    case "vm":
        return format(_("an interface of the VM $0"), use.domain.name);
    default: {
        const never: never = use;
        throw new Error(`unknown MAC use ${JSON.stringify(never)}`);
    }
    }
}
