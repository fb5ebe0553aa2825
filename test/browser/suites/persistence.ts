// SPDX-License-Identifier: LGPL-2.1-or-later
/* "Keep after reboot" (issue 4): a real reboot of the same disk, twice. On
 * x86_64 hosts the same two reboots also check a VF's network settings kept
 * on the igb (issue 14): back with the VFs at boot, and at defaults once the
 * kept entry is removed. */

import assert from "node:assert/strict";
import { describe } from "node:test";

import { admin, browserTest, guest, HOST, openPage, rebootGuest, removeKept } from "../session.ts";
import { driverOf, openAction } from "./binding.ts";
import {
    apply, cleanIgb, close, createKeptVfs, DEFAULTS, fillSettings, openVfSettings, PF as IGB, SET, VF_RULE, vfAddresses, vfIp,
} from "../igb.ts";

const withIgb = HOST.arch === "x86_64";
const keptVfRow = `#pt-kept-after-reboot tr[data-method="vf-settings"][data-address="${IGB}"][data-vf="0"]`;

describe("Kept after reboot", () => {
    browserTest("a kept binding survives a reboot; removed, the device boots on e1000e", async () => {
        await admin();
        let frame = await openPage();
        await openAction(frame, "0000:00:02.0", "prepare");
        await frame.check("#pt-keep-after-reboot");
        await frame.click("#pt-prepare-button");
        await frame.waitForSelector(".pt-plan-outcome", { timeout: 120_000 });
        await frame.click('.pf-v5-c-modal-box__footer button:has-text("Close")');
        assert.equal(await driverOf("0000:00:02.0"), "vfio-pci");
        const rules = await guest("ls /etc/udev/rules.d/");
        assert.match(rules, /0000:00:02\.0/);
        await frame.waitForSelector('#pt-kept-after-reboot tr[data-address="0000:00:02.0"]');

        let vfs: string[] = [];
        if (withIgb) {
            // 2 VFs kept, and VF 0's network settings kept.
            await createKeptVfs(frame);
            vfs = await vfAddresses();
            await openVfSettings(frame, vfs[0]);
            await fillSettings(frame);
            await frame.locator("#pt-vf-keep").setChecked(true);
            assert.match(await apply(frame), /VF settings applied/);
            await close(frame);
            assert.deepEqual(await vfIp(0), SET);
            assert.match(await guest(`head -n 1 ${VF_RULE}`),
                         /VF 0 of 0000:00:07.0 \(0x8086:0x10c9, driver igb\): mac=52:54:00:12:34:56 vlan=100,0 spoofchk=off trust=on/);
            await frame.waitForSelector(keptVfRow);
        }

        await rebootGuest();
        assert.equal(await driverOf("0000:00:02.0"), "vfio-pci", "the binding was applied at boot");
        assert.equal(await driverOf("0000:00:03.0"), "e1000e", "the identical NIC was not grabbed");
        if (withIgb) {
            assert.deepEqual(await vfAddresses(), vfs, "the VF count rule made the VFs again");
            assert.deepEqual(await vfIp(0), SET, "the settings rule applied VF 0's settings");
            assert.deepEqual(await vfIp(1), DEFAULTS);
        }

        await admin();
        frame = await openPage();
        const row = '#pt-kept-after-reboot tr[data-address="0000:00:02.0"]';
        await frame.waitForSelector(row);
        await removeKept(frame, row);
        assert.doesNotMatch(await guest("ls /etc/udev/rules.d/"), /0000:00:02\.0/);
        if (withIgb) {
            await removeKept(frame, keptVfRow);
            assert.doesNotMatch(await guest("ls /etc/udev/rules.d/"), /71-cockpit-passthrough-vf-/);
        }

        await rebootGuest();
        assert.equal(await driverOf("0000:00:02.0"), "e1000e", "without the rule the kernel's own driver takes it");
        if (withIgb) {
            assert.deepEqual(await vfAddresses(), vfs, "the VF count is still kept");
            assert.deepEqual(await vfIp(0), DEFAULTS, "without the settings rule VF 0 boots at its defaults");
            await cleanIgb();
        }
    }, { timeout: 600_000 });
});
