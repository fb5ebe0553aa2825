// SPDX-License-Identifier: LGPL-2.1-or-later
/* "VF settings" (issue 14): the network settings of one VF of an SR-IOV
 * network card, set on its PF with `ip link set dev <pf> vf <n> ...`.
 *
 * One step per setting that changes, in a fixed order, each read back. The
 * plan is all or nothing: when the driver refuses one setting (the emulated
 * igb has no link state or rate control), the run stops there and the steps
 * done are undone, so the VF is left as it was; the dialog then names the
 * refused field. A kept entry (udev rule) holds the whole wanted state.
 */

import { PlanError } from "./bind-plan.ts";
import type { PciAddress } from "./pci-address.ts";
import type { Action, Plan, Step } from "./plan.ts";
import { describeAction, format, untranslated, type Gettext } from "./plan-text.ts";
import type { HostSnapshot, VfLinkState } from "./snapshot.ts";
import { isInterfaceName } from "./vf-net-values.ts";
import { locateVf } from "./vf-net.ts";

export type LinkState = "auto" | "enable" | "disable";

export type VfSetting =
    | { key: "mac"; mac: string }
    /** vlan 0: no VLAN (qos must then be 0). */
    | { key: "vlan"; vlan: number; qos: number }
    | { key: "spoofchk"; on: boolean }
    | { key: "trust"; on: boolean }
    | { key: "state"; state: LinkState }
    /** Mbit/s, 0: no limit. */
    | { key: "rate"; min: number; max: number };

export type VfSettingKey = VfSetting["key"];

/** The order settings are applied in (and listed in a kept rule). */
export const SETTING_KEYS: readonly VfSettingKey[] = ["mac", "vlan", "spoofchk", "trust", "state", "rate"];

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const int = (n: number, max: number) => Number.isSafeInteger(n) && n >= 0 && n <= max;

/** Why a setting may not be sent, or null: the executor's rules, checked here first. */
export function invalidSetting(s: VfSetting): string | null {
    switch (s.key) {
    case "mac":
        return MAC_RE.test(s.mac) && !(parseInt(s.mac.slice(0, 2), 16) & 1) && s.mac !== "00:00:00:00:00:00"
            ? null : `bad MAC ${JSON.stringify(s.mac)}`;
    case "vlan":
        return int(s.vlan, 4094) && int(s.qos, 7) && (s.vlan > 0 || s.qos === 0) ? null : `bad VLAN ${s.vlan} qos ${s.qos}`;
    case "spoofchk": case "trust":
        return null;
    case "state":
        return ["auto", "enable", "disable"].includes(s.state) ? null : `bad link state ${JSON.stringify(s.state)}`;
    case "rate":
        return int(s.min, 1000000) && int(s.max, 1000000) && (s.max === 0 || s.min <= s.max) ? null : `bad rate ${s.min}-${s.max}`;
    }
}

/** The value field of the executor's vf-set and persist-vf operations. */
export function settingValue(s: VfSetting): string {
    switch (s.key) {
    case "mac": return s.mac;
    case "vlan": return `${s.vlan},${s.qos}`;
    case "spoofchk": case "trust": return s.on ? "on" : "off";
    case "state": return s.state;
    case "rate": return `${s.min},${s.max}`;
    }
}

/** What follows `ip link set dev <pf> vf <n>` (plan-script.ts prints it). */
export function settingArgs(s: VfSetting): string[] {
    switch (s.key) {
    case "mac": return ["mac", s.mac];
    case "vlan": return ["vlan", String(s.vlan), "qos", String(s.qos)];
    case "spoofchk": return ["spoofchk", s.on ? "on" : "off"];
    case "trust": return ["trust", s.on ? "on" : "off"];
    case "state": return ["state", s.state];
    case "rate": return ["min_tx_rate", String(s.min), "max_tx_rate", String(s.max)];
    }
}

/** The current value of `key` as the driver reports it; null when it does not. */
export function currentSetting(state: VfLinkState, key: VfSettingKey): VfSetting | null {
    switch (key) {
    case "mac": return state.mac ? { key, mac: state.mac } : null;
    case "vlan": return { key, vlan: state.vlan, qos: state.qos };
    case "spoofchk": return state.spoofCheck === null ? null : { key, on: state.spoofCheck };
    case "trust": return state.trust === null ? null : { key, on: state.trust };
    case "state": return state.linkState === null ? null : { key, state: state.linkState };
    case "rate":
        return state.minTxRate === null && state.maxTxRate === null ? null : { key, min: state.minTxRate ?? 0, max: state.maxTxRate ?? 0 };
    }
}

export function sameSetting(a: VfSetting | null, b: VfSetting | null): boolean {
    return a !== null && b !== null && a.key === b.key && settingValue(a) === settingValue(b);
}

/** Parses the executor's vf-read answer, "mac|vlan|qos|spoofchk|trust|state|min|max" ("-": not reported). */
export function parseVfRead(value: string, vf: number): VfLinkState | null {
    const f = value.trim().split("|");
    if (f.length !== 8)
        return null;
    const [mac, vlan, qos, spoof, trust, state, min, max] = f;
    const n = (t: string) => (/^[0-9]+$/.test(t) ? Number(t) : null);
    const onOff = (t: string) => (t === "on" ? true : t === "off" ? false : null);
    if (n(vlan) === null || n(qos) === null)
        return null;
    return {
        vf,
        mac: MAC_RE.test(mac) ? mac : null,
        vlan: n(vlan)!,
        qos: n(qos)!,
        spoofCheck: onOff(spoof),
        trust: onOff(trust),
        linkState: state === "auto" || state === "enable" || state === "disable" ? state : null,
        minTxRate: n(min),
        maxTxRate: n(max),
    };
}

export interface VfSettingsOptions {
    /** Keep the wanted settings after reboot. */
    keepAfterReboot: boolean;
    /** Whether a kept entry exists for this VF now. */
    kept: boolean;
}

/**
 * The plan that gives VF `vf` the `wanted` settings (each key at most once;
 * keys left out are not touched). Settings the VF already has are skipped.
 * Throws PlanError (translated) when the VF cannot be addressed.
 */
export function planVfSettings(snapshot: HostSnapshot, vf: PciAddress, wanted: readonly VfSetting[],
                               opts: VfSettingsOptions, gettext: Gettext = untranslated): Plan {
    const _ = gettext;
    const where = locateVf(snapshot, vf);
    if (!where.ok) {
        switch (where.reason) {
        case "not-a-vf": throw new PlanError(format(_("$0 is not a virtual function."), vf));
        case "no-pf": case "not-listed":
            throw new PlanError(format(_("The physical function of $0 does not list it: the VFs may have just been changed. Try again."), vf));
        case "no-netdev":
            throw new PlanError(format(_("The physical function of $0 has no network interface: VF network settings are set through it."), vf));
        }
    }
    const { pf, pfName, index, state } = where;
    if (!isInterfaceName(pfName))
        throw new PlanError(format(_("The network interface name \"$0\" of $1 cannot be used safely."), pfName, pf.address));
    if (pf.sriov && index >= pf.sriov.numVfs)
        throw new PlanError(format(_("VF $0 is past the number of VFs of $1 ($2)."), index, pf.address, pf.sriov.numVfs));
    if (state === null)
        throw new PlanError(_("The network state of this VF is not known yet (ip link could not be read): nothing is changed."));
    const keys = new Set<VfSettingKey>();
    for (const s of wanted) {
        const bad = invalidSetting(s);
        if (bad)
            throw new PlanError(bad);
        if (keys.has(s.key))
            throw new PlanError(`${s.key} given twice`);
        keys.add(s.key);
    }

    const ordered = [...wanted].sort((a, b) => SETTING_KEYS.indexOf(a.key) - SETTING_KEYS.indexOf(b.key));
    const steps: Step[] = [];
    const notes: string[] = [];
    for (const setting of ordered) {
        const now = currentSetting(state, setting.key);
        if (sameSetting(now, setting))
            continue;
        const action: Action = { kind: "set-vf", pf: pf.address, pfName, vf: index, setting };
        steps.push({
            purpose: "set-vf",
            description: describeAction(action, _),
            action,
            checks: [{ kind: "vf-setting", pf: pf.address, vf: index, setting }],
            // The executor journals the VF's state before its first change and
            // restores all of it on "rollback" (or if the page goes away), read
            // from the host rather than from this snapshot.
            rollback: [],
        });
    }
    if (steps.length > 1)
        notes.push(_("If the driver refuses one setting, the ones already applied are undone: the VF is left as it was."));

    if (opts.keepAfterReboot && ordered.length > 0 && (steps.length > 0 || !opts.kept)) {
        const action: Action = { kind: "persist-vf", pf: pf.address, pfName, vf: index, settings: ordered };
        steps.push({ purpose: "persist-vf", description: describeAction(action, _), action, checks: [], rollback: [] });
        notes.push(format(_("A udev rule applies these settings at boot, after the VFs of $0 are created."), pf.address));
    } else if (!opts.keepAfterReboot && opts.kept) {
        const action: Action = { kind: "unpersist-vf", pf: pf.address, vf: index };
        steps.push({ purpose: "unpersist-vf", description: describeAction(action, _), action, checks: [], rollback: [] });
    }

    return {
        kind: "vf-settings",
        // No binding changes: nothing for the driver checks before and after the run.
        devices: [],
        steps,
        notes,
    };
}
