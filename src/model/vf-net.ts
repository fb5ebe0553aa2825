// SPDX-License-Identifier: LGPL-2.1-or-later
/* Where a VF of a network card sits for `ip link set <pf> vf <n>`: its PF's
 * interface name and its index, and what `ip -d link` last said about it
 * (issue 14). Pure: the snapshot carries the facts. */

import type { PciAddress } from "./pci-address.ts";
import type { HostSnapshot, PciFunction, VfLinkState } from "./snapshot.ts";
import { format, type Gettext } from "./translate.ts";

/** Network controllers are PCI base class 0x02. */
export function isNetworkFunction(fn: PciFunction): boolean {
    return (fn.classCode >> 16) === 0x02;
}

/** Where a VF is, as `ip link` names it; or why it cannot be named. */
export type VfLocation =
    | { ok: true; pf: PciFunction; pfName: string; index: number; state: VfLinkState | null }
    | { ok: false; reason: "not-a-vf" | "no-pf" | "not-listed" | "no-netdev" };

/**
 * The PF, its network interface and the VF's index N (its virtfnN link). A PF
 * with several interfaces (a multi-port function) is named by its first, as
 * the kernel orders them; `state` is null when the VF network state is unknown.
 */
export function locateVf(snapshot: HostSnapshot, vf: PciAddress): VfLocation {
    const fn = snapshot.byAddress.get(vf);
    if (!fn?.physfn)
        return { ok: false, reason: "not-a-vf" };
    const pf = snapshot.byAddress.get(fn.physfn);
    if (!pf?.sriov)
        return { ok: false, reason: "no-pf" };
    const index = pf.sriov.vfs.indexOf(vf);
    if (index < 0)
        return { ok: false, reason: "not-listed" };
    const pfName = pf.netInterfaces[0];
    if (!pfName)
        return { ok: false, reason: "no-netdev" };
    const state = snapshot.netLinks?.get(pfName)?.vfs?.find(v => v.vf === index) ?? null;
    return { ok: true, pf, pfName, index, state };
}

/** A VF of a network card whose PF has a network interface: the VFs "VF settings" and
 * "As network interface" are for. */
export function isNicVf(snapshot: HostSnapshot, vf: PciAddress): boolean {
    const fn = snapshot.byAddress.get(vf);
    return !!fn && isNetworkFunction(fn) && locateVf(snapshot, vf).ok;
}

/** The MAC the PF gives the VF; null when none is set (all zeros: the guest picks its own). */
export function assignedMac(state: VfLinkState): string | null {
    return state.mac && state.mac !== "00:00:00:00:00:00" ? state.mac : null;
}

/** A VF's network settings in one line, as its PF reports them (the row details). */
export function vfNetText(state: VfLinkState, _: Gettext): string {
    const parts: string[] = [];
    const mac = assignedMac(state);
    parts.push(mac ? format(_("MAC $0"), mac) : _("MAC set by the guest"));
    if (state.vlan !== 0)
        parts.push(state.qos !== 0 ? format(_("VLAN $0, priority $1"), state.vlan, state.qos) : format(_("VLAN $0"), state.vlan));
    if (state.spoofCheck !== null)
        parts.push(state.spoofCheck ? _("spoof checking on") : _("spoof checking off"));
    if (state.trust !== null)
        parts.push(state.trust ? _("trusted") : _("not trusted"));
    if (state.linkState !== null)
        parts.push(format(_("link state $0"), state.linkState));
    if (state.minTxRate)
        parts.push(format(_("at least $0 Mbit/s"), state.minTxRate));
    if (state.maxTxRate)
        parts.push(format(_("at most $0 Mbit/s"), state.maxTxRate));
    return parts.join(", ");
}
