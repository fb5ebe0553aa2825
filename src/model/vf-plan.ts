// SPDX-License-Identifier: LGPL-2.1-or-later
/* Plans that change the number of SR-IOV virtual functions (VFs) of a
 * physical function (PF), following the kernel's rules (REFERENCE.md section 2,
 * Documentation/PCI/pci-iov-howto.rst):
 *
 *   - sriov_numvfs accepts 0..sriov_totalvfs; from one non-zero count to
 *     another the kernel answers EBUSY, so the plan writes 0 first;
 *   - sriov_drivers_autoprobe decides whether host drivers take new VFs; it
 *     only affects VFs created after it is written, so it goes right before
 *     the creation (and after the removal, so that a rollback recreates the old
 *     VFs with the old setting);
 *   - the result is checked: sriov_numvfs and the number of virtfn links;
 *   - "Prepare new VFs for passthrough" binds the new VFs to vfio-pci in the
 *     same run (their addresses are read back from the virtfn links);
 *   - removing VFs that a running VM uses can hang the host: refused.
 *
 * Rollback (run-plan.ts runs the rollbacks of the steps done, latest first):
 * the creation is undone by writing 0, autoprobe gets its old value back, and
 * the removal is undone by creating the old count again. Recreated VFs are new
 * devices: a binding the old VFs had (vfio-pci) is not restored.
 */

import type { Assignment } from "./assignments.ts";
import { PlanError } from "./bind-plan.ts";
import type { PciAddress } from "./pci-address.ts";
import { isDriverName, VFIO_PCI, type Action, type Check, type Plan, type PlanAction, type Step, type StepPurpose } from "./plan.ts";
import { describeAction, format, untranslated, type Gettext } from "./plan-text.ts";
import type { HostSnapshot, PciFunction, SriovCapability } from "./snapshot.ts";

export type CountProblem =
    | { kind: "empty" }
    | { kind: "not-integer"; text: string }
    | { kind: "negative"; value: number }
    | { kind: "above-total"; value: number; total: number };

export type CountCheck = { ok: true; count: number } | { ok: false; problem: CountProblem };

/** Checks a VF count as typed (or as a number) against the PF's sriov_totalvfs. */
export function validateVfCount(raw: string | number, totalVfs: number): CountCheck {
    const text = String(raw).trim();
    if (text === "")
        return { ok: false, problem: { kind: "empty" } };
    if (!/^[+-]?[0-9]+$/.test(text)) {
        const value = Number(text);
        // "-1.5" is negative before it is a fraction; "abc", "1e3", "2.0" are not integers as typed.
        if (Number.isFinite(value) && value < 0)
            return { ok: false, problem: { kind: "negative", value } };
        return { ok: false, problem: { kind: "not-integer", text } };
    }
    const value = Number(text);
    if (value < 0)
        return { ok: false, problem: { kind: "negative", value } };
    if (value > totalVfs)
        return { ok: false, problem: { kind: "above-total", value, total: totalVfs } };
    return { ok: true, count: value };
}

export function describeCountProblem(problem: CountProblem, _: Gettext = untranslated): string {
    switch (problem.kind) {
    case "empty": return _("Enter the number of VFs.");
    case "not-integer": return format(_("\"$0\" is not a whole number."), problem.text);
    case "negative": return _("The number of VFs cannot be negative.");
    case "above-total": return format(_("$0 is more than this device supports (at most $1 VFs)."), problem.value, problem.total);
    }
}

/** Who uses the PF's existing VFs, from the assignments index (assignments.ts). */
export interface VfUser {
    vf: PciAddress;
    vm: string;
    /** A running (or paused) VM holds the VF now: removing it could hang the host. */
    running: boolean;
}

export function vfUsers(snapshot: HostSnapshot, pf: PciAddress,
                        assignments: (address: PciAddress) => readonly Assignment[]): VfUser[] {
    const sriov = snapshot.byAddress.get(pf)?.sriov;
    const out: VfUser[] = [];
    for (const vf of sriov?.vfs ?? []) {
        for (const a of assignments(vf))
            out.push({ vf, vm: a.domain.name, running: a.state !== "shut off" && a.where !== "config" });
    }
    return out;
}

export interface VfCountOptions {
    /** The count as typed (validated here) or a number. */
    count: string | number;
    /** sriov_drivers_autoprobe for the new VFs: false keeps them without a driver. */
    autoprobe: boolean;
    /** Bind the new VFs to vfio-pci in the same run. */
    prepareNewVfs: boolean;
    keepAfterReboot: boolean;
    /** The rule kept after reboot for this PF now, if any (vf-persistence.ts). */
    kept?: { count: number; autoprobe: boolean } | null;
    /** Whether vfio-pci must be loaded first (only matters with prepareNewVfs). */
    loadVfio?: boolean;
    /** Who uses the existing VFs (vfUsers); a running VM blocks their removal. */
    users?: readonly VfUser[];
    /** VFs the host itself needs (host-usage.ts), with why: they block their removal. */
    hostUsed?: readonly { vf: PciAddress; reason: string }[];
}

function sriovOf(snapshot: HostSnapshot, pf: PciAddress): { fn: PciFunction; sriov: SriovCapability } {
    const fn = snapshot.byAddress.get(pf);
    if (!fn)
        throw new PlanError(`${pf} is not on this host`);
    if (!fn.sriov)
        throw new PlanError(`${pf} is not an SR-IOV physical function`);
    return { fn, sriov: fn.sriov };
}

function step(_: Gettext, purpose: StepPurpose, action: PlanAction, checks: Check[], rollback: Action[]): Step {
    return { purpose, description: describeAction(action, _), action, checks, rollback };
}

export function planVfCount(snapshot: HostSnapshot, pf: PciAddress, opts: VfCountOptions,
                            gettext: Gettext = untranslated): Plan {
    const _ = gettext;
    const { fn, sriov } = sriovOf(snapshot, pf);
    const checked = validateVfCount(opts.count, sriov.totalVfs);
    if (!checked.ok)
        throw new PlanError(describeCountProblem(checked.problem, _));
    const target = checked.count;
    const before = sriov.numVfs;
    const apBefore = sriov.driversAutoprobe;
    const driver = fn.driver !== null && isDriverName(fn.driver) ? fn.driver : null;
    const changesCount = target !== before;
    const removes = changesCount && before > 0;
    const creates = changesCount && target > 0;

    const running = (opts.users ?? []).filter(u => u.running);
    if (removes && running.length > 0)
        throw new PlanError(format(_("A running virtual machine uses a VF that would be removed: $0. Shut it down first."),
                                   [...new Set(running.map(u => u.vm))].join(", ")));
    const hostUsed = (opts.hostUsed ?? []).filter(h => sriov.vfs.includes(h.vf));
    if (removes && hostUsed.length > 0)
        throw new PlanError(format(_("The host itself uses a VF that would be removed: $0."),
                                   hostUsed.map(h => `${h.vf} (${h.reason})`).join(", ")));
    if (creates && driver === null)
        throw new PlanError(format(_("$0 has no driver: VFs can only be created while a driver with SR-IOV support is bound to it."), pf));

    const steps: Step[] = [];
    const notes: string[] = [];

    const prepare = opts.prepareNewVfs && creates;
    if (prepare && opts.loadVfio)
        steps.push(step(_, "load-vfio", { kind: "load-vfio" }, [{ kind: "driver-loaded", driver: VFIO_PCI }], []));

    if (removes) {
        steps.push(step(_, "remove-vfs", { kind: "set-numvfs", address: pf, count: 0 },
                        [{ kind: "vf-count", address: pf, count: 0 }],
                        [{ kind: "set-numvfs", address: pf, count: before }]));
        if (creates)
            notes.push(format(_("The kernel only changes the number of VFs from or to 0: the $0 existing VFs are removed first, then $1 new ones are created."),
                              before, target));
        if ((opts.users ?? []).length > 0)
            notes.push(format(_("Virtual machines that use the removed VFs: $0. Their definitions keep the VF addresses."),
                              [...new Set((opts.users ?? []).map(u => u.vm))].join(", ")));
    }

    if (creates) {
        if (apBefore === null) {
            notes.push(_("This kernel has no sriov_drivers_autoprobe: host drivers may take the new VFs."));
        } else if (apBefore !== opts.autoprobe) {
            steps.push(step(_, "set-autoprobe", { kind: "set-autoprobe", address: pf, enabled: opts.autoprobe },
                            [{ kind: "autoprobe", address: pf, enabled: opts.autoprobe }],
                            [{ kind: "set-autoprobe", address: pf, enabled: apBefore }]));
        }
        steps.push(step(_, "create-vfs", { kind: "set-numvfs", address: pf, count: target },
                        [{ kind: "vf-count", address: pf, count: target }],
                        [{ kind: "set-numvfs", address: pf, count: 0 }]));
        if (!opts.autoprobe)
            notes.push(_("The new VFs are created without a driver (sriov_drivers_autoprobe = 0): nothing on the host takes them, so they are ready for passthrough."));
        if (prepare) {
            steps.push(step(_, "prepare-vfs", { kind: "prepare-vfs", pf, count: target }, [], []));
            notes.push(_("The new VFs are bound to vfio-pci with driver_override, one by one: their addresses are read from the physical function's virtfn links once they exist."));
        }
    }

    const kept = opts.kept ?? null;
    if (opts.keepAfterReboot && target > 0) {
        if (!kept || kept.count !== target || kept.autoprobe !== opts.autoprobe || changesCount) {
            steps.push(step(_, "persist-vfs", { kind: "persist-vfs", address: pf, count: target, autoprobe: opts.autoprobe }, [],
                            [kept ? { kind: "persist-vfs", address: pf, count: kept.count, autoprobe: kept.autoprobe }
                                : { kind: "unpersist-vfs", address: pf }]));
            notes.push(format(_("A udev rule creates the VFs at boot once $0 binds, only for this address with the same vendor and device ID."),
                              driver ?? _("the driver")));
        }
    } else if (kept) {
        steps.push(step(_, "unpersist-vfs", { kind: "unpersist-vfs", address: pf }, [],
                        [{ kind: "persist-vfs", address: pf, count: kept.count, autoprobe: kept.autoprobe }]));
    }

    return {
        kind: "vfs",
        devices: [{
            address: pf, vendorId: fn.vendorId, deviceId: fn.deviceId, driverBefore: driver,
            overrideBefore: fn.driverOverride !== null && isDriverName(fn.driverOverride) ? fn.driverOverride : null,
            iommuGroup: fn.iommuGroup,
        }],
        steps,
        notes,
        sriov: { pf, numVfsBefore: before, autoprobeBefore: apBefore, numVfsAfter: target },
    };
}
