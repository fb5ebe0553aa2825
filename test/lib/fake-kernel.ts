/* A model of the kernel's PCI binding rules behind the executor protocol, to
 * test run-plan.ts's decisions (checks, rollbacks, refusals) where a fake
 * sysfs tree cannot: writing a file there binds nothing. The rules follow
 * drivers/base/bus.c and drivers/pci/pci-driver.c:
 *   - driver_override: only the named driver may match; "\n" clears it;
 *   - drivers/<d>/unbind: ENODEV unless the device is on <d>;
 *   - drivers/<d>/bind: ENODEV if bound or not matching, else the probe's error;
 *   - drivers_probe: binds the first matching driver that accepts, always succeeds.
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
    probeFails?: Record<string, string>;
    /** Unbinding it fails with this text (e.g. a hung device). */
    unbindFails?: string;
}

export interface KernelState {
    devices: Record<string, KernelDevice>;
    loaded: Set<string>;
    modprobeFails?: string;
    /** Writes to this file fail with the message (e.g. "driver_override" -> EINVAL). */
    writeFails?: { path: string; message: string };
    persisted: Set<string>;
    persistFails?: string;
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

    async run(op: ExecOp): Promise<ExecReply> {
        this.log.push(encodeOp(op));
        const ok = (value = ""): ExecReply => ({ status: "ok", value });
        const err = (message: string): ExecReply => ({ status: "error", message: `tee: ${message}` });
        const dev = "address" in op ? this.state.devices[op.address] : undefined;
        if ("address" in op && !dev && op.op !== "unpersist")
            return { status: "rejected", reason: "no such device" };
        switch (op.op) {
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
            default:
                return ok();
            }
        }
        }
    }
}
