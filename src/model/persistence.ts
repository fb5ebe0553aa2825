// SPDX-License-Identifier: LGPL-2.1-or-later
/* Bindings kept after reboot: this page's udev rules
 * (/etc/udev/rules.d/70-cockpit-passthrough-<address>.rules) and driverctl's
 * saved overrides (/etc/driverctl.d/pci-<address>), as read-persistence.sh
 * prints them (a file's path, then its lines), checked against the hardware now.
 * The same output holds the VF count rules
 * (70-cockpit-passthrough-vfs-<address>.rules, parseVfPersistence) and the
 * VF network settings rules (71-cockpit-passthrough-vf-<pf>-<n>.rules,
 * parseVfSettingsPersistence); each parser takes only its own file names. */

import { compareAddresses, isPciAddress, type PciAddress } from "./pci-address.ts";
import type { PersistMethod } from "./plan.ts";
import type { HostSnapshot, VfLinkState } from "./snapshot.ts";
import { locateVf } from "./vf-net.ts";

export interface PersistedBinding {
    address: PciAddress;
    method: PersistMethod;
    /** The driver it keeps the device on (always vfio-pci for udev rules). */
    driver: string;
    /** The IDs the rule is limited to; null for driverctl, which saves none. */
    vendorId: number | null;
    deviceId: number | null;
    file: string;
}

const UDEV_FILE_RE = /\/70-cockpit-passthrough-([^/]+)\.rules$/;
const DRIVERCTL_FILE_RE = /\/driverctl\.d\/pci-([^/]+)$/;

/* "F<TAB>path" starts a file, "L<TAB>line" is one of its lines. */
function linesByFile(output: string): Map<string, string[]> {
    const byFile = new Map<string, string[]>();
    let current: string[] | null = null;
    for (const record of output.split("\n")) {
        if (record.startsWith("F\t")) {
            current = [];
            byFile.set(record.slice(2), current);
        } else if (record.startsWith("L\t") && current) {
            current.push(record.slice(2));
        }
    }
    return byFile;
}

export function parsePersistence(output: string): PersistedBinding[] {
    const out: PersistedBinding[] = [];
    for (const [file, lines] of linesByFile(output)) {
        const udev = UDEV_FILE_RE.exec(file);
        if (udev) {
            const rule = lines.find(l => !l.trimStart().startsWith("#") && l.includes("KERNEL=="));
            const kernel = rule && /KERNEL=="([^"]*)"/.exec(rule)?.[1];
            const vendor = rule && /ATTR\{vendor\}=="0x([0-9a-fA-F]{4})"/.exec(rule)?.[1];
            const device = rule && /ATTR\{device\}=="0x([0-9a-fA-F]{4})"/.exec(rule)?.[1];
            // The file name and the rule must agree; a rule edited by hand into
            // something else is not ours to describe.
            if (kernel && isPciAddress(kernel) && kernel === udev[1] && vendor && device) {
                out.push({
                    address: kernel, method: "udev", driver: "vfio-pci",
                    vendorId: parseInt(vendor, 16), deviceId: parseInt(device, 16), file,
                });
            }
            continue;
        }
        const dctl = DRIVERCTL_FILE_RE.exec(file);
        if (dctl && isPciAddress(dctl[1])) {
            const driver = (lines.find(l => l.trim() !== "") ?? "").trim();
            if (driver)
                out.push({ address: dctl[1], method: "driverctl", driver, vendorId: null, deviceId: null, file });
        }
    }
    return out.sort((a, b) => compareAddresses(a.address, b.address) || a.method.localeCompare(b.method));
}

export type KeptStatus =
    /** The device at the address is the one the binding was made for (or driverctl, which cannot tell). */
    | { kind: "matches"; onDriver: string | null }
    /** Another vendor:device now sits at the address. A udev rule does not apply to it. */
    | { kind: "hardware-changed"; nowVendorId: number; nowDeviceId: number }
    /** Nothing at that address now. */
    | { kind: "absent" };

export interface KeptEntry {
    binding: PersistedBinding;
    status: KeptStatus;
}

export function keptEntries(bindings: readonly PersistedBinding[], snapshot: HostSnapshot): KeptEntry[] {
    return bindings.map(binding => {
        const fn = snapshot.byAddress.get(binding.address);
        if (!fn)
            return { binding, status: { kind: "absent" } };
        if (binding.vendorId !== null && (fn.vendorId !== binding.vendorId || fn.deviceId !== binding.deviceId))
            return { binding, status: { kind: "hardware-changed", nowVendorId: fn.vendorId, nowDeviceId: fn.deviceId } };
        return { binding, status: { kind: "matches", onDriver: fn.driver } };
    });
}

/** A VF count kept after reboot (the executor's persist-vfs rule). */
export interface PersistedVfCount {
    address: PciAddress;
    vendorId: number;
    deviceId: number;
    /** The PF driver the rule waits for. */
    driver: string;
    count: number;
    autoprobe: boolean;
    file: string;
}

const VFS_FILE_RE = /\/70-cockpit-passthrough-vfs-([^/]+)\.rules$/;

export function parseVfPersistence(output: string): PersistedVfCount[] {
    const out: PersistedVfCount[] = [];
    for (const [file, lines] of linesByFile(output)) {
        const name = VFS_FILE_RE.exec(file);
        if (!name)
            continue;
        const rule = lines.find(l => !l.trimStart().startsWith("#") && l.includes("KERNEL=="));
        if (!rule)
            continue;
        const kernel = /KERNEL=="([^"]*)"/.exec(rule)?.[1];
        const driver = /DRIVER=="([^"]*)"/.exec(rule)?.[1];
        const vendor = /ATTR\{vendor\}=="0x([0-9a-fA-F]{4})"/.exec(rule)?.[1];
        const device = /ATTR\{device\}=="0x([0-9a-fA-F]{4})"/.exec(rule)?.[1];
        const count = /ATTR\{sriov_numvfs\}="([0-9]{1,5})"/.exec(rule)?.[1];
        const autoprobe = /ATTR\{sriov_drivers_autoprobe\}="([01])"/.exec(rule)?.[1];
        if (kernel && isPciAddress(kernel) && kernel === name[1] && driver && vendor && device && count && autoprobe) {
            out.push({
                address: kernel, vendorId: parseInt(vendor, 16), deviceId: parseInt(device, 16), driver,
                count: Number(count), autoprobe: autoprobe === "1", file,
            });
        }
    }
    return out.sort((a, b) => compareAddresses(a.address, b.address));
}

export type KeptVfStatus =
    /** The PF the rule was made for; numVfs: how many VFs it has now. */
    | { kind: "matches"; numVfs: number | null; onDriver: string | null }
    | { kind: "hardware-changed"; nowVendorId: number; nowDeviceId: number }
    | { kind: "absent" };

export interface KeptVfEntry {
    rule: PersistedVfCount;
    status: KeptVfStatus;
}

export function keptVfEntries(rules: readonly PersistedVfCount[], snapshot: HostSnapshot): KeptVfEntry[] {
    return rules.map(rule => {
        const fn = snapshot.byAddress.get(rule.address);
        if (!fn)
            return { rule, status: { kind: "absent" } };
        if (fn.vendorId !== rule.vendorId || fn.deviceId !== rule.deviceId)
            return { rule, status: { kind: "hardware-changed", nowVendorId: fn.vendorId, nowDeviceId: fn.deviceId } };
        return { rule, status: { kind: "matches", numVfs: fn.sriov?.numVfs ?? null, onDriver: fn.driver } };
    });
}

/** A VF network setting, as the executor's vf-set and persist-vf name it (issue 14). */
export type VfSettingKey = "mac" | "vlan" | "spoofchk" | "trust" | "state" | "rate";

/** The order the executor writes them in. */
export const VF_SETTING_KEYS: readonly VfSettingKey[] = ["mac", "vlan", "spoofchk", "trust", "state", "rate"];

/* The values in the executor's form (it validated them before writing). */
const VF_SETTING_VALUE_RE: Record<VfSettingKey, RegExp> = {
    mac: /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/,
    vlan: /^(0|[1-9][0-9]{0,3}),[0-7]$/,
    spoofchk: /^(on|off)$/,
    trust: /^(on|off)$/,
    state: /^(auto|enable|disable)$/,
    rate: /^(0|[1-9][0-9]{0,6}),(0|[1-9][0-9]{0,6})$/,
};

/** VF network settings kept after reboot (the executor's persist-vf rule). */
export interface PersistedVfSettings {
    /** The PF, and the VF's index N on it (its virtfnN). */
    pf: PciAddress;
    vf: number;
    /** The PF's IDs and the PF driver the rule waits for. */
    vendorId: number;
    deviceId: number;
    driver: string;
    /** The kept settings, in the executor's form: mac "52:54:00:12:34:56", vlan "<id>,<qos>",
     * spoofchk and trust "on" | "off", state "auto" | "enable" | "disable", rate "<min>,<max>" (Mbit/s). */
    settings: Partial<Record<VfSettingKey, string>>;
    file: string;
}

const VF_SETTINGS_FILE_RE = /\/71-cockpit-passthrough-vf-([^/]+)-(0|[1-9][0-9]{0,4})\.rules$/;
/* The rule's first line, which the executor writes to be read back:
 * "# Written by Cockpit (Device passthrough): VF <n> of <pf> (0x<vendor>:0x<device>, driver <drv>): <key>=<value>..." */
const VF_SETTINGS_HEAD_RE =
    /^# Written by Cockpit \(Device passthrough\): VF ([0-9]+) of (\S+) \(0x([0-9a-f]{4}):0x([0-9a-f]{4}), driver ([A-Za-z0-9_][A-Za-z0-9_.+-]*)\):((?: [a-z]+=\S+)+)$/;

function parseVfSettings(text: string): Partial<Record<VfSettingKey, string>> | null {
    const settings: Partial<Record<VfSettingKey, string>> = {};
    for (const pair of text.trim().split(" ")) {
        const eq = pair.indexOf("=");
        const key = pair.slice(0, eq) as VfSettingKey;
        const value = pair.slice(eq + 1);
        if (!VF_SETTING_KEYS.includes(key) || key in settings || !VF_SETTING_VALUE_RE[key].test(value))
            return null;
        const [a, b] = value.split(",").map(Number);
        if ((key === "vlan" && (a > 4094 || (b > 0 && a === 0))) || (key === "rate" && (a > 1000000 || b > 1000000)))
            return null;
        settings[key] = value;
    }
    return settings;
}

/** The VF settings rules in read-persistence.sh's output. A file whose name, first
 * line and rule do not agree (edited by hand) is not ours to describe, and is left out. */
export function parseVfSettingsPersistence(output: string): PersistedVfSettings[] {
    const out: PersistedVfSettings[] = [];
    for (const [file, lines] of linesByFile(output)) {
        const name = VF_SETTINGS_FILE_RE.exec(file);
        const head = name && VF_SETTINGS_HEAD_RE.exec(lines[0] ?? "");
        if (!name || !head || head[1] !== name[2] || head[2] !== name[1] || !isPciAddress(head[2]))
            continue;
        const rule = lines.find(l => !l.trimStart().startsWith("#") && l.includes("KERNEL=="));
        const settings = parseVfSettings(head[6]);
        if (!rule || /KERNEL=="([^"]*)"/.exec(rule)?.[1] !== head[2] || !settings)
            continue;
        out.push({
            pf: head[2], vf: Number(head[1]), vendorId: parseInt(head[3], 16), deviceId: parseInt(head[4], 16),
            driver: head[5], settings, file,
        });
    }
    return out.sort((a, b) => compareAddresses(a.pf, b.pf) || a.vf - b.vf);
}

/** Whether a VF's network state shows a setting with this value; null when the driver does not report it. */
export function vfSettingShown(key: VfSettingKey, value: string, state: VfLinkState): boolean | null {
    switch (key) {
    case "mac":
        return state.mac === null ? null : state.mac.toLowerCase() === value;
    case "vlan":
        return `${state.vlan},${state.qos}` === value;
    case "spoofchk":
        return state.spoofCheck === null ? null : state.spoofCheck === (value === "on");
    case "trust":
        return state.trust === null ? null : state.trust === (value === "on");
    case "state":
        return state.linkState === null ? null : state.linkState === value;
    case "rate":
        return state.minTxRate === null || state.maxTxRate === null ? null : `${state.minTxRate},${state.maxTxRate}` === value;
    }
}

export type KeptVfSettingsStatus =
    /** The PF the rule was made for (same vendor:device). vf: the VF's address now, null when the
     * PF has no VF N now. current: whether the VF shows the kept settings now ("unknown": no VF,
     * its network state was not read, or the driver does not report a setting); differing: the
     * kept settings it shows otherwise. */
    | { kind: "matches"; onDriver: string | null; vf: PciAddress | null;
        current: "applied" | "differs" | "unknown"; differing: VfSettingKey[] }
    | { kind: "hardware-changed"; nowVendorId: number; nowDeviceId: number }
    | { kind: "absent" };

export interface KeptVfSettingsEntry {
    rule: PersistedVfSettings;
    status: KeptVfSettingsStatus;
    /** Whether VF N will exist when the rule runs at boot: the rule only sets up a VF the
     * VF count kept for its PF creates ("no-count": none kept; "too-few": fewer than N + 1). */
    atBoot: { kind: "applies" } | { kind: "no-count" } | { kind: "too-few"; count: number };
}

export function keptVfSettingsEntries(rules: readonly PersistedVfSettings[], snapshot: HostSnapshot,
                                      vfCounts: readonly PersistedVfCount[] = []): KeptVfSettingsEntry[] {
    return rules.map(rule => {
        const count = vfCounts.find(c => c.address === rule.pf)?.count;
        const atBoot: KeptVfSettingsEntry["atBoot"] = count === undefined
            ? { kind: "no-count" }
            : count <= rule.vf ? { kind: "too-few", count } : { kind: "applies" };
        return { rule, status: vfSettingsStatus(rule, snapshot), atBoot };
    });
}

function vfSettingsStatus(rule: PersistedVfSettings, snapshot: HostSnapshot): KeptVfSettingsStatus {
    const fn = snapshot.byAddress.get(rule.pf);
    if (!fn)
        return { kind: "absent" };
    if (fn.vendorId !== rule.vendorId || fn.deviceId !== rule.deviceId)
        return { kind: "hardware-changed", nowVendorId: fn.vendorId, nowDeviceId: fn.deviceId };
    const vf = fn.sriov?.vfs[rule.vf] ?? null;
    const where = vf ? locateVf(snapshot, vf) : null;
    const state = where?.ok ? where.state : null;
    const differing: VfSettingKey[] = [];
    let unknown = !state;
    if (state) {
        for (const key of VF_SETTING_KEYS) {
            const value = rule.settings[key];
            if (value === undefined)
                continue;
            const shown = vfSettingShown(key, value, state);
            if (shown === false)
                differing.push(key);
            else if (shown === null)
                unknown = true;
        }
    }
    const current = differing.length > 0 ? "differs" : unknown ? "unknown" : "applied";
    return { kind: "matches", onDriver: fn.driver, vf, current, differing };
}

/** The driver a device had before "Prepare", as the executor recorded it on the host. */
export interface PreviousDriver {
    vendorId: number;
    deviceId: number;
    driver: string;
}

/** "P<TAB>address<TAB>0x8086:0x10d3 e1000e" records of read-persistence.sh. */
export function parsePreviousDrivers(output: string): Map<PciAddress, PreviousDriver> {
    const out = new Map<PciAddress, PreviousDriver>();
    for (const record of output.split("\n")) {
        const [kind, address, line] = record.split("\t");
        const m = /^0x([0-9a-f]{4}):0x([0-9a-f]{4}) ([A-Za-z0-9_][A-Za-z0-9_.+-]*)$/.exec(line ?? "");
        if (kind === "P" && isPciAddress(address) && m)
            out.set(address, { vendorId: parseInt(m[1], 16), deviceId: parseInt(m[2], 16), driver: m[3] });
    }
    return out;
}

/** The recorded driver of a device, if the record is for this very hardware (same IDs). */
export function previousDriverOf(previous: ReadonlyMap<PciAddress, PreviousDriver>,
                                 fn: { address: PciAddress; vendorId: number; deviceId: number }): string | null {
    const p = previous.get(fn.address);
    return p && p.vendorId === fn.vendorId && p.deviceId === fn.deviceId ? p.driver : null;
}
