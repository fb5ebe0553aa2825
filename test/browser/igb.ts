// SPDX-License-Identifier: LGPL-2.1-or-later
/* The test VM's SR-IOV network card (Intel 82576, igb, 00:07.0 on x86_64
 * kinds): its VFs' state as `ip -j -d link show` reports it in the guest,
 * and the page's "Configure VFs" and "VF settings" dialogs for it. Shared by
 * the "SR-IOV network cards" and "Kept after reboot" suites. */

import assert from "node:assert/strict";
import type { Frame } from "playwright-core";

import { guest, session, until } from "./session.ts";

export const PF = "0000:00:07.0";
export const IF = "enp0s7";
export const VF_RULE = `/etc/udev/rules.d/71-cockpit-passthrough-vf-${PF}-0.rules`;
export const COUNT_RULE = `/etc/udev/rules.d/70-cockpit-passthrough-vfs-${PF}.rules`;

export interface VfIp {
    mac: string;
    vlan: number;
    qos: number;
    spoofchk: boolean;
    trust: boolean;
    link_state: string;
}

/** VF n of the igb as `ip -j -d link show` reports it in the guest. */
export async function vfIp(n: number): Promise<VfIp> {
    const [link] = JSON.parse(await guest(`ip -j -d link show ${IF}`));
    const vf = link.vfinfo_list.find((v: { vf: number }) => v.vf === n);
    assert.ok(vf, `ip shows VF ${n}`);
    const vlan = vf.vlan_list?.[0] ?? {};
    return { mac: vf.address, vlan: vlan.vlan ?? 0, qos: vlan.qos ?? 0, spoofchk: vf.spoofchk, trust: vf.trust, link_state: vf.link_state };
}

export const DEFAULTS: VfIp = { mac: "00:00:00:00:00:00", vlan: 0, qos: 0, spoofchk: true, trust: false, link_state: "auto" };
export const SET: VfIp = { mac: "52:54:00:12:34:56", vlan: 100, qos: 0, spoofchk: false, trust: true, link_state: "auto" };

export async function vfAddresses(): Promise<string[]> {
    const out = await guest(`cd /sys/bus/pci/devices/${PF} && i=0; while [ -L virtfn$i ]; do t=$(readlink -f virtfn$i); echo "\${t##*/}"; i=$((i+1)); done`);
    return out.trim().split("\n").filter(Boolean);
}

const row = (address: string) => `#device-table tr[data-address="${address}"]`;

export async function showVfs(frame: Frame) {
    const toggle = frame.locator(`${row(PF)} [data-action="toggle-vfs"]`);
    await toggle.waitFor();
    if (await toggle.getAttribute("aria-expanded") !== "true")
        await toggle.click();
}

export async function kebab(frame: Frame, address: string, item: string) {
    await frame.click(`${row(address)} button[aria-label="Kebab toggle"]`);
    await frame.getByRole("menuitem", { name: item, exact: true }).click();
}

export async function openVfSettings(frame: Frame, vf: string) {
    await showVfs(frame);
    await frame.locator(row(vf)).waitFor();
    await kebab(frame, vf, "VF settings");
    const dialog = frame.locator("#pt-vf-settings-dialog");
    await dialog.waitFor();
    return dialog;
}

export async function fillSettings(frame: Frame) {
    await frame.fill("#pt-vf-mac", SET.mac);
    await frame.fill("#pt-vf-vlan", String(SET.vlan));
    await frame.locator("#pt-vf-trust").setChecked(true);
    await frame.locator("#pt-vf-spoofchk").setChecked(false);
}

export async function apply(frame: Frame): Promise<string> {
    const dialog = frame.locator("#pt-vf-settings-dialog");
    await until(() => frame.isEnabled("#pt-vf-settings-apply"), v => v, "Apply to be enabled");
    await frame.click("#pt-vf-settings-apply");
    const outcome = dialog.locator(".pt-plan-outcome");
    await outcome.waitFor({ timeout: 120_000 });
    return (await outcome.textContent())!;
}

export async function close(frame: Frame) {
    const dialog = frame.locator("#pt-vf-settings-dialog");
    await dialog.locator("button.pf-m-primary", { hasText: "Close" }).click();
    await dialog.waitFor({ state: "detached" });
}

/** "Configure VFs" on the igb: 2 VFs, kept after reboot. */
export async function createKeptVfs(frame: Frame) {
    await kebab(frame, PF, "Configure VFs");
    await frame.fill("#pt-vf-count", "2");
    await frame.locator("#pt-vfs-keep").setChecked(true);
    await frame.click("#pt-vfs-apply");
    await frame.locator("#pt-vfs-dialog .pt-plan-outcome").waitFor({ timeout: 120_000 });
    assert.match((await frame.textContent("#pt-vfs-dialog .pt-plan-outcome"))!, /VFs configured/);
    await frame.locator("#pt-vfs-dialog button.pf-m-primary", { hasText: "Close" }).click();
    await frame.locator("#pt-vfs-dialog").waitFor({ state: "detached" });
}

/** Back to no VFs, nothing kept: what the suites after these expect. */
export async function cleanIgb() {
    const m = session().machine;
    await m.ssh(`rm -f ${VF_RULE} ${COUNT_RULE}; echo 0 > /sys/bus/pci/devices/${PF}/sriov_numvfs`, { check: false });
}

export async function resetVfs(): Promise<void> {
    for (const n of [0, 1])
        await guest(`ip link set ${IF} vf ${n} mac 00:00:00:00:00:00 vlan 0 trust off spoofchk on`);
}
