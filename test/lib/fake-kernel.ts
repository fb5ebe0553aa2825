// SPDX-License-Identifier: LGPL-2.1-or-later
/* A model of the kernel's PCI binding rules behind the executor protocol, to
 * test run-plan.ts's decisions (checks, rollbacks, refusals) where a fake
 * sysfs tree cannot: writing a file there binds nothing. The rules follow
 * drivers/base/bus.c and drivers/pci/pci-driver.c:
 *   - driver_override: only the named driver may match; "\n" clears it;
 *   - drivers/<d>/unbind: ENODEV unless the device is on <d>;
 *   - drivers/<d>/bind: ENODEV if bound or not matching, else the probe's error;
 *   - drivers_probe: binds the first matching driver that accepts, always succeeds.
 * and SR-IOV's (drivers/pci/iov.c, sriov_numvfs_store):
 *   - sriov_numvfs: ENOENT without a PF driver or one without SR-IOV support,
 *     ERANGE above the total, EBUSY from non-zero to another non-zero count;
 *     creating VFs adds devices (virtfn links) that host drivers probe only
 *     if sriov_drivers_autoprobe is 1; writing 0 removes them.
 * The real kernel is tested in the VM. */

import { encodeOp, writeTarget, type ExecOp, type ExecReply } from "../../src/model/executor-ops.ts";
import type { ExecutorChannel } from "../../src/model/run-plan.ts";

export interface KernelDevice {
    driver: string | null;
    override: string | null;
    group: number;
    /** The host driver whose ID table matches this device. */
    native: string | null;
    /** Drivers whose probe fails for this device, with the errno text. */
    probeFails?: Record<string, string> | undefined;
    /** Unbinding it fails with this text (e.g. a hung device). */
    unbindFails?: string;
    /** A PF. */
    sriov?: FakeSriov;
    /** A VF: its PF. */
    physfn?: string;
}

export interface FakeSriov {
    total: number;
    autoprobe: boolean;
    /** The VFs that exist, virtfn0 first. */
    vfs: string[];
    /** Drivers that implement sriov_configure (the PF's driver must be one). */
    supportedBy: string[];
    /** The host driver of the VFs (null: none matches, like QEMU's NVMe VFs). */
    vfNative: string | null;
    /** Probe errors of VFs, by driver. */
    vfProbeFails?: Record<string, string>;
    /** Creating this many VFs or more fails with ENOMEM. */
    enomemFrom?: number;
}

export interface KernelState {
    devices: Record<string, KernelDevice>;
    loaded: Set<string>;
    modprobeFails?: string;
    /** Writes to this file fail with the message (e.g. "driver_override" -> EINVAL). */
    writeFails?: { path: string; message: string };
    persisted: Set<string>;
    persistFails?: string;
    /** Another executor holds the host lock. */
    busy?: { seconds: number; user: string };
}

export class FakeKernel implements ExecutorChannel {
    /** Protocol lines, in order (as encodeOp makes them). */
    readonly log: string[] = [];
    readonly writes: string[] = [];

    constructor(readonly state: KernelState) {}

    private accepts(address: string, driver: string): string | null {
        const d = this.state.devices[address];
        if (d.override !== null && d.override !== driver)
            return "No such device";
        if (d.override === null && driver !== d.native)
            return "No such device";
        return d.probeFails?.[driver] ?? null;
    }

    private bind(address: string, driver: string): string | null {
        const d = this.state.devices[address];
        if (d.driver !== null || !this.state.loaded.has(driver))
            return "No such device";
        const err = this.accepts(address, driver);
        if (err === null)
            d.driver = driver;
        return err;
    }

    /** VF n of a PF: function n + 1 after the PF's (QEMU's NVMe: offset 1, stride 1). */
    private vfAddress(pf: string, n: number): string {
        const fn = Number(pf.slice(-1)) + 1 + n;
        const slot = parseInt(pf.slice(-4, -2), 16) + Math.floor(fn / 8);
        return `${pf.slice(0, -4)}${slot.toString(16).padStart(2, "0")}.${fn % 8}`;
    }

    private setNumVfs(address: string, count: number): string | null {
        const d = this.state.devices[address];
        const s = d.sriov!;
        if (d.driver === null || !s.supportedBy.includes(d.driver))
            return "No such file or directory";
        if (count === s.vfs.length)
            return null;
        if (count > s.total)
            return "Numerical result out of range";
        if (count === 0) {
            for (const vf of s.vfs)
                delete this.state.devices[vf];
            s.vfs = [];
            return null;
        }
        if (s.vfs.length > 0)
            return "Device or resource busy";
        if (s.enomemFrom !== undefined && count >= s.enomemFrom)
            return "Cannot allocate memory";
        const groups = Object.values(this.state.devices).map(x => x.group);
        for (let n = 0; n < count; n++) {
            const vf = this.vfAddress(address, n);
            this.state.devices[vf] = {
                driver: null, override: null, group: Math.max(...groups) + 1 + n, native: s.vfNative,
                probeFails: s.vfProbeFails, physfn: address,
            };
            s.vfs.push(vf);
            if (s.autoprobe && s.vfNative !== null)
                this.bind(vf, s.vfNative);
        }
        return null;
    }

    async run(op: ExecOp): Promise<ExecReply> {
        this.log.push(encodeOp(op));
        if (this.state.busy)
            return { status: "busy", ...this.state.busy };
        const ok = (value = ""): ExecReply => ({ status: "ok", value });
        const err = (message: string): ExecReply => ({ status: "error", message: `tee: ${message}` });
        const dev = "address" in op ? this.state.devices[op.address] : undefined;
        if ("address" in op && !dev && op.op !== "unpersist")
            return { status: "rejected", reason: "no such device" };
        switch (op.op) {
        // The host-side journal is the real executor's (tested in executor.test.ts
        // and in the VM); this model does the page's own steps and rollbacks.
        case "commit": case "rollback": case "clear-report": case "modules-load": case "kernel-args": return ok();
        // VF network settings are not modelled here: the real executor runs them against a fake ip (executor-vf.test.ts).
        case "vf-read": case "vf-set": case "persist-vf": case "unpersist-vf":
            return { status: "rejected", reason: "not modelled by the fake kernel" };
        case "read-driver": return ok(dev!.driver ?? "");
        case "read-override": return ok(dev!.override ?? "");
        case "read-group": return ok(String(dev!.group));
        case "vfio-dev":
            return ok(Object.values(this.state.devices).some(d => d.group === op.group && d.driver === "vfio-pci") ? "yes" : "no");
        case "has-driver": return ok(this.state.loaded.has(op.driver) ? "yes" : "no");
        case "modprobe-vfio":
            if (this.state.modprobeFails)
                return { status: "error", message: this.state.modprobeFails };
            this.state.loaded.add("vfio-pci");
            return ok();
        case "persist":
            if (this.state.persistFails)
                return { status: "error", message: this.state.persistFails };
            this.state.persisted.add(`${op.method} ${op.address}`);
            return ok();
        case "unpersist":
            this.state.persisted.delete(`${op.method} ${op.address}`);
            return ok();
        case "match-driver":
            return ok(dev!.native !== null && this.state.loaded.has(dev!.native) ? dev!.native : "");
        case "read-sriov": {
            const s = dev!.sriov;
            if (!s)
                return { status: "rejected", reason: `${op.address} is not an SR-IOV physical function` };
            return ok([String(s.vfs.length), s.autoprobe ? "1" : "0", ...s.vfs].join(" "));
        }
        case "persist-vfs":
            if (this.state.persistFails)
                return { status: "error", message: this.state.persistFails };
            for (const entry of this.state.persisted) {
                if (entry.startsWith(`vfs ${op.address} `))
                    this.state.persisted.delete(entry);
            }
            this.state.persisted.add(`vfs ${op.address} ${op.count} ${op.autoprobe ? 1 : 0}`);
            return ok();
        case "unpersist-vfs":
            for (const entry of this.state.persisted) {
                if (entry.startsWith(`vfs ${op.address} `))
                    this.state.persisted.delete(entry);
            }
            return ok();
        case "write": {
            const w = op.write;
            const { path, value } = writeTarget(w);
            this.writes.push(`${path} <- ${value}`);
            if (this.state.writeFails && path.endsWith(this.state.writeFails.path))
                return err(this.state.writeFails.message);
            const d = this.state.devices[w.address];
            switch (w.file) {
            case "driver_override":
                if (w.value !== null && !this.state.loaded.has(w.value))
                    return { status: "rejected", reason: `no such driver: ${w.value}` };
                d.override = w.value;
                return ok();
            case "drivers/unbind":
            case "driver/unbind":
                if (w.file === "drivers/unbind" && d.driver !== w.driver)
                    return err("No such device");
                if (d.driver === null)
                    return { status: "rejected", reason: "no driver" };
                if (d.unbindFails)
                    return err(d.unbindFails);
                d.driver = null;
                return ok();
            case "drivers/bind": {
                const e = this.bind(w.address, w.driver);
                return e === null ? ok() : err(e);
            }
            case "drivers_probe":
                if (d.driver === null) {
                    for (const driver of [d.override ?? d.native].filter((x): x is string => x !== null))
                        this.bind(w.address, driver);
                }
                return ok();
            case "sriov_numvfs": {
                if (!d.sriov)
                    return { status: "rejected", reason: "no such file" };
                const e = this.setNumVfs(w.address, w.count);
                return e === null ? ok() : err(e);
            }
            case "sriov_drivers_autoprobe":
                if (!d.sriov)
                    return { status: "rejected", reason: "no such file" };
                d.sriov.autoprobe = w.enabled;
                return ok();
            }
        }
        }
    }
}
