// SPDX-License-Identifier: LGPL-2.1-or-later
/* The guest's QEMU NVMe at 00:04.0 (sriov_totalvfs 4), as the SR-IOV and
 * "Kept after reboot" suites drive and read it. No describe() here: a module
 * that registers tests would run its suite again in every suite importing it. */

import type { Frame } from "playwright-core";

import { guest, until } from "./session.ts";

export const PF = "0000:00:04.0";
export const RULE = `/etc/udev/rules.d/70-cockpit-passthrough-vfs-${PF}.rules`;

export interface SriovSysfs {
    numVfs: number;
    autoprobe: string;
    /** virtfn links in order: VF address and its driver ("" for none). */
    vfs: [string, string][];
}

export async function sysfs(): Promise<SriovSysfs> {
    const out = await guest(
        `cd /sys/bus/pci/devices/${PF} && cat sriov_numvfs sriov_drivers_autoprobe && ` +
        'i=0; while [ -L virtfn$i ]; do t=$(readlink -f virtfn$i); d=$(readlink $t/driver); echo "${t##*/} ${d##*/}"; i=$((i+1)); done');
    const [numVfs, autoprobe, ...vfs] = out.trim().split("\n");
    // A VF without a driver prints "address " and trim() ate the last one's space.
    return { numVfs: Number(numVfs), autoprobe, vfs: vfs.map(l => { const [a, d = ""] = l.split(" "); return [a, d] }) };
}

export const vfRows = (frame: Frame) =>
    frame.$$eval(`#device-table tr.pt-vf-row[data-physfn="${PF}"]`, trs => trs.map(tr => tr.getAttribute("data-address")!));

/** Waits for the PF row to say "n of 4 VFs" (the page re-reads sysfs after a change). */
export async function pfShows(frame: Frame, n: number) {
    await until(() => frame.locator(`#device-table tr[data-address="${PF}"] [data-field="sriov"]`).textContent(),
                text => text === `${n} of 4 VFs`, `the PF row to show ${n} of 4 VFs`);
}

export async function openVfsDialog(frame: Frame) {
    await frame.click(`#device-table tr[data-address="${PF}"] button[aria-label="Kebab toggle"]`);
    await frame.getByRole("menuitem", { name: "Configure VFs" }).click();
    const dialog = frame.locator("#pt-vfs-dialog");
    await dialog.waitFor();
    return dialog;
}

/** Sets the count in the dialog, applies, and returns the outcome's text. */
export async function configure(frame: Frame, count: string, opts: { keep?: boolean; before?: (frame: Frame) => Promise<void> } = {}) {
    const dialog = await openVfsDialog(frame);
    await dialog.locator("#pt-vf-count").fill(count);
    if (opts.keep !== undefined)
        await dialog.locator("#pt-vfs-keep").setChecked(opts.keep);
    await opts.before?.(frame);
    await frame.click("#pt-vfs-apply");
    const outcome = dialog.locator(".pt-plan-outcome");
    await outcome.waitFor({ timeout: 120_000 });
    const text = (await outcome.textContent())!;
    await dialog.locator("button.pf-m-primary", { hasText: "Close" }).click();
    await dialog.waitFor({ state: "detached" });
    return text;
}

export async function showVfs(frame: Frame) {
    const toggle = frame.locator(`#device-table tr[data-address="${PF}"] [data-action="toggle-vfs"]`);
    if (await toggle.getAttribute("aria-expanded") !== "true")
        await toggle.click();
}
