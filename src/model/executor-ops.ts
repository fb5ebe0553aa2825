// SPDX-License-Identifier: LGPL-2.1-or-later
/* The line protocol of the privileged executor (src/host/executor.sh).
 * (Lock, journal and policy: see the head of executor.sh.)
 *
 * One operation per line, fields separated by a tab; one answer line per
 * operation:
 *   ok <TAB> value          done (value: what a read found; empty for writes)
 *   busy <TAB> s <TAB> user another executor has held the host lock for s seconds
 *   error <TAB> message     the kernel or a tool refused (e.g. "tee: ...: Device or resource busy")
 *   rejected <TAB> reason   the executor refused the operation; nothing was written
 *
 * The executor validates every field itself. This side validates too, before
 * sending anything (defence in depth), with the same rules.
 */

import { isPciAddress, type PciAddress } from "./pci-address.ts";
import { isDriverName, type Action, type DriverName, type PersistMethod } from "./plan.ts";
import { invalidSetting, settingValue, type VfSetting } from "./vf-settings.ts";

/** The only sysfs files the executor writes, relative to /sys/bus/pci. */
export type SysfsWrite =
    | { file: "driver_override"; address: PciAddress; value: DriverName | null }
    | { file: "driver/unbind"; address: PciAddress }
    | { file: "drivers/unbind"; driver: DriverName; address: PciAddress }
    | { file: "drivers/bind"; driver: DriverName; address: PciAddress }
    | { file: "drivers_probe"; address: PciAddress }
    | { file: "sriov_numvfs"; address: PciAddress; count: number }
    | { file: "sriov_drivers_autoprobe"; address: PciAddress; enabled: boolean };

export type ExecOp =
    | { op: "write"; write: SysfsWrite }
    | { op: "read-driver"; address: PciAddress }
    | { op: "read-override"; address: PciAddress }
    | { op: "read-group"; address: PciAddress }
    | { op: "vfio-dev"; group: number }
    | { op: "has-driver"; driver: DriverName }
    | { op: "modprobe-vfio" }
    | { op: "persist"; method: PersistMethod; address: PciAddress }
    | { op: "unpersist"; method: PersistMethod; address: PciAddress }
    /** -> "<sriov_numvfs> <sriov_drivers_autoprobe or -> <virtfn0 address> <virtfn1 address> ..." */
    | { op: "read-sriov"; address: PciAddress }
    /** -> the loaded driver whose ID table matches the device (its modalias), empty if none. */
    | { op: "match-driver"; address: PciAddress }
    /** Writes the udev rule that creates `count` VFs on the PF at boot. */
    | { op: "persist-vfs"; address: PciAddress; count: number; autoprobe: boolean }
    | { op: "unpersist-vfs"; address: PciAddress }
    /** The plan is complete: the executor forgets its journal (and records previous drivers). */
    | { op: "commit" }
    /** Undo everything this executor changed, from its journal -> failed restores, if any. */
    | { op: "rollback" }
    /** Forget the report of a change that was interrupted and undone. */
    | { op: "clear-report" }
    /** Load vfio-pci at boot (the page's own modules-load.d file). */
    | { op: "modules-load" }
    /** Add kernel arguments (grubby, or /etc/default/grub + regeneration, restored on failure). */
    | { op: "kernel-args"; args: string[] }
    /** -> "mac|vlan|qos|spoofchk|trust|state|min|max" of VF <vf> of the PF (ip -d link; "-": not reported). */
    | { op: "vf-read"; pf: PciAddress; vf: number }
    /** ip link set dev <the PF's interface> vf <vf> <setting>, read back -> the new vf-read answer. */
    | { op: "vf-set"; pf: PciAddress; vf: number; setting: VfSetting }
    /** The udev rule applying these settings to VF <vf> at boot. */
    | { op: "persist-vf"; pf: PciAddress; vf: number; settings: readonly VfSetting[] }
    | { op: "unpersist-vf"; pf: PciAddress; vf: number };

export type ExecReply =
    | { status: "ok"; value: string }
    | { status: "error"; message: string }
    | { status: "rejected"; reason: string }
    /** Another executor holds the host lock: nothing was done. */
    | { status: "busy"; seconds: number; user: string };

/** What read-sriov answers. */
export interface SriovState {
    numVfs: number;
    autoprobe: boolean | null;
    /** virtfn0, virtfn1, ... in that order. */
    vfs: PciAddress[];
}

export function parseSriovState(value: string): SriovState | null {
    const [numVfs, autoprobe, ...vfs] = value.trim().split(/\s+/);
    if (!/^[0-9]+$/.test(numVfs ?? "") || !["0", "1", "-"].includes(autoprobe ?? "") || !vfs.every(isPciAddress))
        return null;
    return { numVfs: Number(numVfs), autoprobe: autoprobe === "-" ? null : autoprobe === "1", vfs: vfs as PciAddress[] };
}

/** The path (relative to /sys/bus/pci) and the value a write puts there. */
export function writeTarget(w: SysfsWrite): { path: string; value: string } {
    switch (w.file) {
    case "driver_override": return { path: `devices/${w.address}/driver_override`, value: w.value ?? "" };
    case "driver/unbind": return { path: `devices/${w.address}/driver/unbind`, value: w.address };
    case "drivers/unbind": return { path: `drivers/${w.driver}/unbind`, value: w.address };
    case "drivers/bind": return { path: `drivers/${w.driver}/bind`, value: w.address };
    case "drivers_probe": return { path: "drivers_probe", value: w.address };
    case "sriov_numvfs": return { path: `devices/${w.address}/sriov_numvfs`, value: String(w.count) };
    case "sriov_drivers_autoprobe": return { path: `devices/${w.address}/sriov_drivers_autoprobe`, value: w.enabled ? "1" : "0" };
    }
}

/** Why an operation must not be sent, or null when it is well-formed.
 * The types already rule most of this out; data from outside (snapshots,
 * files) is cast into them, so check the strings themselves. */
export function invalidReason(op: ExecOp): string | null {
    const badAddress = (a: string) => isPciAddress(a) ? null : `bad address ${JSON.stringify(a)}`;
    const badDriver = (d: string) => isDriverName(d) ? null : `bad driver name ${JSON.stringify(d)}`;
    const badIndex = (n: number) => Number.isSafeInteger(n) && n >= 0 && n <= 65535 ? null : `bad VF index ${n}`;
    switch (op.op) {
    case "write": {
        const w = op.write;
        const reason = badAddress(w.address);
        if (reason)
            return reason;
        switch (w.file) {
        case "driver_override": return w.value === null ? null : badDriver(w.value);
        case "drivers/unbind": case "drivers/bind": return badDriver(w.driver);
        case "sriov_numvfs": return Number.isSafeInteger(w.count) && w.count >= 0 && w.count <= 65535 ? null : `bad VF count ${w.count}`;
        default: return null;
        }
    }
    case "read-driver": case "read-override": case "read-group": case "persist": case "unpersist":
    case "read-sriov": case "unpersist-vfs": case "match-driver":
        return badAddress(op.address);
    case "persist-vfs":
        return badAddress(op.address) ??
            (Number.isSafeInteger(op.count) && op.count >= 1 && op.count <= 65535 ? null : `bad VF count ${op.count}`);
    case "vfio-dev":
        return Number.isSafeInteger(op.group) && op.group >= 0 ? null : `bad group ${op.group}`;
    case "has-driver":
        return badDriver(op.driver);
    case "modprobe-vfio": case "commit": case "rollback": case "clear-report": case "modules-load":
        return null;
    case "vf-read": case "unpersist-vf":
        return badAddress(op.pf) ?? badIndex(op.vf);
    case "vf-set":
        return badAddress(op.pf) ?? badIndex(op.vf) ?? invalidSetting(op.setting);
    case "persist-vf":
        return badAddress(op.pf) ?? badIndex(op.vf) ??
            (op.settings.length === 0 ? "no settings to keep" : null) ??
            op.settings.map(invalidSetting).find(r => r !== null) ?? null;
    case "kernel-args":
        return op.args.length > 0 && op.args.length <= 8 && op.args.every(a => a.length <= 64 && /^[a-z0-9_.-]+(=[A-Za-z0-9_.,:-]+)?$/.test(a))
            ? null
            : `bad kernel arguments ${JSON.stringify(op.args)}`;
    }
}

/** The protocol line for an operation (no newline). Throws on an invalid operation. */
export function encodeOp(op: ExecOp): string {
    const reason = invalidReason(op);
    if (reason)
        throw new Error(`Refusing to send an invalid operation: ${reason}`);
    switch (op.op) {
    case "write": {
        const { path, value } = writeTarget(op.write);
        return ["write", path, value].join("\t");
    }
    case "read-driver": case "read-override": case "read-group": case "read-sriov": case "unpersist-vfs": case "match-driver":
        return [op.op, op.address].join("\t");
    case "persist-vfs":
        return [op.op, op.address, String(op.count), op.autoprobe ? "1" : "0"].join("\t");
    case "vfio-dev": return ["vfio-dev", String(op.group)].join("\t");
    case "has-driver": return ["has-driver", op.driver].join("\t");
    case "modprobe-vfio": return ["modprobe", "vfio-pci"].join("\t");
    case "commit": case "rollback": case "clear-report": case "modules-load": return op.op;
    case "kernel-args": return ["kernel-args", ...op.args].join("\t");
    case "persist": case "unpersist":
        return [`${op.op}-${op.method}`, op.address].join("\t");
    case "vf-read": case "unpersist-vf":
        return [op.op, op.pf, String(op.vf)].join("\t");
    case "vf-set":
        return [op.op, op.pf, String(op.vf), op.setting.key, settingValue(op.setting)].join("\t");
    case "persist-vf":
        return [op.op, op.pf, String(op.vf), ...op.settings.map(s => `${s.key}=${settingValue(s)}`)].join("\t");
    }
}

export function parseReply(line: string): ExecReply {
    const tab = line.indexOf("\t");
    const head = tab < 0 ? line : line.slice(0, tab);
    const rest = tab < 0 ? "" : line.slice(tab + 1);
    switch (head) {
    case "ok": return { status: "ok", value: rest };
    case "error": return { status: "error", message: rest };
    case "rejected": return { status: "rejected", reason: rest };
    case "busy": {
        const [seconds, user] = rest.split("\t");
        return { status: "busy", seconds: /^[0-9]+$/.test(seconds ?? "") ? Number(seconds) : 0, user: user ?? "" };
    }
    default: return { status: "error", message: `Unexpected answer from the executor: ${line}` };
    }
}

/** The executor operation that performs a plan action. */
export function actionOp(action: Action): ExecOp {
    switch (action.kind) {
    case "load-vfio": return { op: "modprobe-vfio" };
    case "set-override": return { op: "write", write: { file: "driver_override", address: action.address, value: action.driver } };
    case "unbind": return { op: "write", write: { file: "drivers/unbind", driver: action.from, address: action.address } };
    case "unbind-any": return { op: "write", write: { file: "driver/unbind", address: action.address } };
    case "bind": return { op: "write", write: { file: "drivers/bind", driver: action.to, address: action.address } };
    case "probe": return { op: "write", write: { file: "drivers_probe", address: action.address } };
    case "persist": return { op: "persist", method: action.method, address: action.address };
    case "unpersist": return { op: "unpersist", method: action.method, address: action.address };
    case "set-numvfs": return { op: "write", write: { file: "sriov_numvfs", address: action.address, count: action.count } };
    case "set-autoprobe": return { op: "write", write: { file: "sriov_drivers_autoprobe", address: action.address, enabled: action.enabled } };
    case "persist-vfs": return { op: "persist-vfs", address: action.address, count: action.count, autoprobe: action.autoprobe };
    case "unpersist-vfs": return { op: "unpersist-vfs", address: action.address };
    case "set-vf": return { op: "vf-set", pf: action.pf, vf: action.vf, setting: action.setting };
    case "persist-vf": return { op: "persist-vf", pf: action.pf, vf: action.vf, settings: action.settings };
    case "unpersist-vf": return { op: "unpersist-vf", pf: action.pf, vf: action.vf };
    }
}
