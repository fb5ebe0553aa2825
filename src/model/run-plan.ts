// SPDX-License-Identifier: LGPL-2.1-or-later
/* Runs a plan through the executor: each step, then its checks; on the first
 * failure, the rollbacks of every step done so far (the failing one included,
 * it may have half happened), latest first; then a check that every device is
 * back on the driver it had. The decisions live here, not in the executor,
 * which only validates and writes. */

import { actionOp, parseSriovState, type ExecOp, type ExecReply, type SriovState } from "./executor-ops.ts";
import {
    VFIO_PCI, isDriverName, type Action, type Check, type DriverName, type Plan, type PlanAction, type PrepareVfsAction,
} from "./plan.ts";
import type { PciAddress } from "./pci-address.ts";
import { currentSetting, parseVfRead, sameSetting, settingValue } from "./vf-settings.ts";

/** One open executor process. */
export interface ExecutorChannel {
    run(op: ExecOp): Promise<ExecReply>;
}

export type StepFailure =
    /** The executor refused the operation; nothing was written. */
    | { kind: "rejected"; reason: string }
    /** The kernel (or modprobe, driverctl) refused: explain with kernel-errors.ts. */
    | { kind: "kernel"; message: string }
    /** The write worked, the result is wrong. `actual` is what was found. */
    | { kind: "check"; check: Check; actual: string }
    /** The device is not on the driver the plan was made for: nothing was written. */
    | { kind: "changed"; address: PciAddress; expected: DriverName | null; actual: string }
    /** Another change holds the host lock (since `seconds`, by `user`): nothing was done. */
    | { kind: "busy"; seconds: number; user: string }
    /** The PF's number of VFs is not what the plan was made for: nothing was written. */
    | { kind: "sriov-changed"; address: PciAddress; expected: number; actual: number };

/** A PF's VFs after a "vfs" plan ran (or was rolled back). */
export interface SriovResult {
    pf: PciAddress;
    numVfs: number;
    vfs: PciAddress[];
    /** After a failure: the count the PF had before the plan. */
    expected: number;
    restored: boolean;
}

export interface DeviceResult {
    address: PciAddress;
    /** The driver the device is on now; null: none. */
    driver: DriverName | null;
    /** Returned devices that no driver took: which driver refused, and why. */
    refusal: { driver: DriverName | null; message: string } | null;
}

export interface DeviceRestore {
    address: PciAddress;
    expected: DriverName | null;
    driver: DriverName | null;
    restored: boolean;
}

export type PlanOutcome =
    | { status: "done"; devices: DeviceResult[]; sriov?: SriovResult }
    | {
        status: "failed";
        /** Index in plan.steps, null when the plan failed before its first step. */
        failedStep: number | null;
        failure: StepFailure;
        /** Rollback actions that failed (the devices may not all be restored). */
        rollbackProblems: string[];
        devices: DeviceRestore[];
        sriov?: SriovResult;
    };

export type Progress =
    | { phase: "step"; index: number }
    | { phase: "rollback"; index: number }
    | { phase: "finished" };

class Failed extends Error {
    constructor(readonly failure: StepFailure) {
        super(failure.kind);
    }
}

function replyFailure(reply: ExecReply): StepFailure | null {
    switch (reply.status) {
    case "ok": return null;
    case "error": return { kind: "kernel", message: reply.message };
    case "rejected": return { kind: "rejected", reason: reply.reason };
    case "busy": return { kind: "busy", seconds: reply.seconds, user: reply.user };
    }
}

async function must(channel: ExecutorChannel, op: ExecOp): Promise<string> {
    const reply = await channel.run(op);
    const failure = replyFailure(reply);
    if (failure)
        throw new Failed(failure);
    return reply.status === "ok" ? reply.value : "";
}

const asDriver = (text: string): DriverName | null => text !== "" && isDriverName(text) ? text : null;

async function readDriver(channel: ExecutorChannel, address: PciAddress): Promise<string> {
    return must(channel, { op: "read-driver", address });
}

async function readSriov(channel: ExecutorChannel, address: PciAddress): Promise<SriovState> {
    const value = await must(channel, { op: "read-sriov", address });
    const state = parseSriovState(value);
    if (!state)
        throw new Failed({ kind: "kernel", message: `Unexpected SR-IOV state of ${address}: ${value}` });
    return state;
}

/** Runs the checks; returns the results of the left-vfio checks. */
async function runChecks(channel: ExecutorChannel, checks: readonly Check[], results: Map<PciAddress, DeviceResult>) {
    for (const check of checks) {
        const fail = (actual: string) => { throw new Failed({ kind: "check", check, actual }) };
        switch (check.kind) {
        case "driver-loaded": {
            const found = await must(channel, { op: "has-driver", driver: check.driver });
            if (found !== "yes")
                fail("");
            break;
        }
        case "override": {
            const value = await must(channel, { op: "read-override", address: check.address });
            if (value !== (check.value ?? ""))
                fail(value);
            break;
        }
        case "driver": {
            const driver = await readDriver(channel, check.address);
            if (driver !== (check.driver ?? ""))
                fail(driver);
            break;
        }
        case "vfio-device": {
            const group = await must(channel, { op: "read-group", address: check.address });
            if (!/^[0-9]+$/.test(group))
                fail("");
            const exists = await must(channel, { op: "vfio-dev", group: Number(group) });
            if (exists !== "yes")
                fail(`/dev/vfio/${group}`);
            break;
        }
        case "left-vfio": {
            let driver = await readDriver(channel, check.address);
            if (driver === VFIO_PCI)
                fail(driver);
            let refusal: DeviceResult["refusal"] = null;
            if (driver === "") {
                // drivers_probe does not say why nothing bound. Binding the
                // remembered driver explicitly makes the kernel answer with the
                // probe's error: that is the reason to show. Without one (a VF
                // created without a driver), the driver whose ID table matches.
                let remembered = check.remembered;
                if (remembered === null)
                    remembered = asDriver(await must(channel, { op: "match-driver", address: check.address }));
                if (remembered === null) {
                    refusal = { driver: null, message: "" };
                } else if (await must(channel, { op: "has-driver", driver: remembered }) !== "yes") {
                    refusal = { driver: remembered, message: `${remembered} is not loaded` };
                } else {
                    const reply = await channel.run({ op: "write", write: { file: "drivers/bind", driver: remembered, address: check.address } });
                    driver = await readDriver(channel, check.address);
                    if (driver === "")
                        refusal = { driver: remembered, message: reply.status === "error" ? reply.message : reply.status === "rejected" ? reply.reason : "" };
                }
            }
            results.set(check.address, { address: check.address, driver: asDriver(driver), refusal });
            break;
        }
        case "vf-count": {
            // Both: sriov_numvfs is what the driver accepted, the links are the VFs that exist.
            const state = await readSriov(channel, check.address);
            if (state.numVfs !== check.count || state.vfs.length !== check.count)
                fail(`sriov_numvfs ${state.numVfs}, ${state.vfs.length} virtfn links`);
            break;
        }
        case "autoprobe": {
            const state = await readSriov(channel, check.address);
            if (state.autoprobe !== check.enabled)
                fail(state.autoprobe === null ? "" : state.autoprobe ? "1" : "0");
            break;
        }
        case "vf-setting": {
            const value = await must(channel, { op: "vf-read", pf: check.pf, vf: check.vf });
            const state = parseVfRead(value, check.vf);
            const now = state && currentSetting(state, check.setting.key);
            if (!sameSetting(now, check.setting))
                fail(now ? settingValue(now) : "");
            break;
        }
        }
    }
}

/* The new VFs of a PF, bound to vfio-pci one by one as planPrepare would:
 * driver_override, unbind from whatever took it (autoprobe on), drivers_probe,
 * then the driver link and /dev/vfio. A VF that fails stops the plan; the
 * rollback of the step that created the VFs removes them all. */
async function prepareVfs(channel: ExecutorChannel, action: PrepareVfsAction, results: Map<PciAddress, DeviceResult>) {
    const state = await readSriov(channel, action.pf);
    if (state.vfs.length !== action.count)
        throw new Failed({ kind: "check", check: { kind: "vf-count", address: action.pf, count: action.count }, actual: `${state.vfs.length} virtfn links` });
    for (const address of state.vfs) {
        const driver = await readDriver(channel, address);
        if (driver !== VFIO_PCI) {
            await must(channel, actionOp({ kind: "set-override", address, driver: VFIO_PCI }));
            await runChecks(channel, [{ kind: "override", address, value: VFIO_PCI }], results);
            const from = asDriver(driver);
            if (from !== null) {
                await must(channel, actionOp({ kind: "unbind", address, from }));
                await runChecks(channel, [{ kind: "driver", address, driver: null }], results);
            }
            await must(channel, actionOp({ kind: "probe", address }));
        }
        await runChecks(channel, [{ kind: "driver", address, driver: VFIO_PCI }, { kind: "vfio-device", address }], results);
        results.set(address, { address, driver: VFIO_PCI, refusal: null });
    }
}

async function perform(channel: ExecutorChannel, action: PlanAction, results: Map<PciAddress, DeviceResult>) {
    if (action.kind === "prepare-vfs")
        await prepareVfs(channel, action, results);
    else
        await must(channel, actionOp(action));
}

/** Rollback actions are guarded: each only undoes what is still there to undo. */
async function rollbackAction(channel: ExecutorChannel, action: Action): Promise<void> {
    if (action.kind === "set-numvfs") {
        const now = (await readSriov(channel, action.address)).numVfs;
        if (now === action.count)
            return;
        // The kernel refuses non-zero to non-zero (EBUSY).
        if (now > 0 && action.count > 0)
            await must(channel, actionOp({ kind: "set-numvfs", address: action.address, count: 0 }));
    }
    if (action.kind === "unbind" || action.kind === "unbind-any" || action.kind === "bind") {
        const driver = await readDriver(channel, action.address);
        if (action.kind === "unbind" && driver !== action.from)
            return;
        if (action.kind === "unbind-any" && driver === "")
            return;
        if (action.kind === "bind" && driver !== "")
            return;
    }
    await must(channel, actionOp(action));
}

function describeReply(reply: ExecReply): string {
    const failure = replyFailure(reply);
    return failure === null ? "" : failure.kind === "kernel" ? failure.message : failure.kind === "rejected" ? failure.reason : failure.kind;
}

function describeFailure(action: Action, failure: StepFailure): string {
    const what = failure.kind === "kernel" ? failure.message : failure.kind === "rejected" ? failure.reason : failure.kind;
    return `${action.kind} ${"address" in action ? action.address : "pf" in action ? `${action.pf} VF ${action.vf}` : ""}: ${what}`;
}

async function sriovResult(channel: ExecutorChannel, plan: Plan): Promise<SriovResult | undefined> {
    if (!plan.sriov)
        return undefined;
    const { pf, numVfsBefore } = plan.sriov;
    const state = await readSriov(channel, pf);
    return {
        pf, numVfs: state.numVfs, vfs: state.vfs, expected: numVfsBefore,
        restored: state.numVfs === numVfsBefore && state.vfs.length === numVfsBefore,
    };
}

export async function runPlan(plan: Plan, channel: ExecutorChannel,
                              onProgress: (p: Progress) => void = () => {}): Promise<PlanOutcome> {
    // The plan was made from a snapshot; refuse it if a device moved since.
    try {
        for (const d of plan.devices) {
            const actual = await readDriver(channel, d.address);
            if (actual !== (d.driverBefore ?? "")) {
                onProgress({ phase: "finished" });
                return {
                    status: "failed", failedStep: null, rollbackProblems: [],
                    failure: { kind: "changed", address: d.address, expected: d.driverBefore, actual },
                    devices: await finalState(channel, plan),
                };
            }
        }
        if (plan.sriov) {
            const { pf, numVfsBefore } = plan.sriov;
            const actual = (await readSriov(channel, pf)).numVfs;
            if (actual !== numVfsBefore) {
                onProgress({ phase: "finished" });
                return {
                    status: "failed", failedStep: null, rollbackProblems: [],
                    failure: { kind: "sriov-changed", address: pf, expected: numVfsBefore, actual },
                    devices: [],
                };
            }
        }
    } catch (ex) {
        if (!(ex instanceof Failed))
            throw ex;
        onProgress({ phase: "finished" });
        return { status: "failed", failedStep: null, failure: ex.failure, rollbackProblems: [], devices: [] };
    }

    const results = new Map<PciAddress, DeviceResult>();
    let index = 0;
    try {
        for (; index < plan.steps.length; index++) {
            onProgress({ phase: "step", index });
            const step = plan.steps[index];
            await perform(channel, step.action, results);
            await runChecks(channel, step.checks, results);
        }
    } catch (ex) {
        if (!(ex instanceof Failed))
            throw ex;
        const rollbackProblems: string[] = [];
        for (let i = index; i >= 0; i--) {
            onProgress({ phase: "rollback", index: i });
            for (const action of plan.steps[i].rollback) {
                try {
                    await rollbackAction(channel, action);
                } catch (rex) {
                    if (!(rex instanceof Failed))
                        throw rex;
                    rollbackProblems.push(describeFailure(action, rex.failure));
                }
            }
        }
        // The executor's journal has the state before the plan: whatever the
        // steps' own rollbacks left, it restores (and forgets) now.
        const host = await channel.run({ op: "rollback" });
        if (host.status !== "ok")
            rollbackProblems.push(`rollback: ${describeReply(host)}`);
        else if (host.value.trim() !== "")
            rollbackProblems.push(host.value.trim());
        const devices = await finalState(channel, plan).catch(() => []);
        const sriov = await sriovResult(channel, plan).catch(() => undefined);
        onProgress({ phase: "finished" });
        return { status: "failed", failedStep: index, failure: ex.failure, rollbackProblems, devices, ...sriov && { sriov } };
    }

    // Until "commit", the executor undoes the plan by itself if the page goes away.
    const committed = replyFailure(await channel.run({ op: "commit" }));
    if (committed) {
        onProgress({ phase: "finished" });
        return {
            status: "failed", failedStep: plan.steps.length - 1, failure: committed, rollbackProblems: [],
            devices: await finalState(channel, plan).catch(() => []),
        };
    }

    const devices: DeviceResult[] = [];
    for (const d of plan.devices) {
        const known = results.get(d.address);
        devices.push(known ?? { address: d.address, driver: asDriver(await readDriver(channel, d.address)), refusal: null });
    }
    // Devices only known at run time (the VFs a "prepare-vfs" step bound).
    for (const [address, result] of results) {
        if (!plan.devices.some(d => d.address === address))
            devices.push(result);
    }
    const sriov = await sriovResult(channel, plan).catch(() => undefined);
    onProgress({ phase: "finished" });
    return { status: "done", devices, ...sriov && { sriov } };
}

async function finalState(channel: ExecutorChannel, plan: Plan): Promise<DeviceRestore[]> {
    const out: DeviceRestore[] = [];
    for (const d of plan.devices) {
        const driver = asDriver(await readDriver(channel, d.address));
        out.push({ address: d.address, expected: d.driverBefore, driver, restored: driver === d.driverBefore });
    }
    return out;
}
