// SPDX-License-Identifier: LGPL-2.1-or-later
/* "Keep after reboot" (issue 4): a real reboot of the same disk, twice. The
 * same two reboots check every kind of kept entry, one boot each way: a
 * binding, the NVMe's VF count (issue 5), and on x86_64 hosts a VF's network
 * settings on the igb (issue 14): applied at boot while kept, gone once the
 * kept entry is removed. */

import assert from "node:assert/strict";
import { describe } from "node:test";

import { admin, browserTest, guest, HOST, openPage, rebootGuest, removeKept, until } from "../session.ts";
import { driverOf, openAction } from "./binding.ts";
import { configure, PF as NVME, pfShows, RULE as NVME_RULE, sysfs as nvmeSysfs } from "../nvme-vfs.ts";
import {
    apply, cleanIgb, close, createKeptVfs, DEFAULTS, fillSettings, openVfSettings, PF as IGB, SET, VF_RULE, vfAddresses, vfIp,
} from "../igb.ts";

const withIgb = HOST.arch === "x86_64";
const keptCountRow = `#pt-kept-after-reboot tr[data-method="vfs"][data-address="${NVME}"]`;
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

        // 2 VFs on the NVMe, kept: the rule makes them again at boot, unbound.
        assert.equal((await nvmeSysfs()).numVfs, 0, "the NVMe starts with no VFs");
        assert.match(await configure(frame, "2", { keep: true }), /VFs configured/);
        assert.equal((await nvmeSysfs()).numVfs, 2);
        assert.match(await guest(`cat ${NVME_RULE}`),
                     new RegExp(`ACTION=="add\\|bind", SUBSYSTEM=="pci", KERNEL=="${NVME}", DRIVER=="nvme", ` +
                                'ATTR\\{vendor\\}=="0x1b36", ATTR\\{device\\}=="0x0010", ' +
                                'ATTR\\{sriov_drivers_autoprobe\\}="0", ATTR\\{sriov_numvfs\\}="2"'));
        await frame.waitForSelector(keptCountRow);

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
        const nvme = await until(nvmeSysfs, s => s.numVfs === 2, "2 NVMe VFs after the reboot", 120_000);
        assert.equal(nvme.autoprobe, "0");
        assert.deepEqual(nvme.vfs.map(v => v[1]), ["", ""], "the VFs are made without a driver");
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
        await pfShows(frame, 2);
        await frame.waitForSelector(keptCountRow);
        await removeKept(frame, keptCountRow);
        assert.equal((await guest(`test -e ${NVME_RULE}; echo $?`)).trim(), "1", "the VF count rule is gone");
        assert.equal((await nvmeSysfs()).numVfs, 2, "removing the rule leaves the VFs that exist");
        if (withIgb) {
            await removeKept(frame, keptVfRow);
            assert.doesNotMatch(await guest("ls /etc/udev/rules.d/"), /71-cockpit-passthrough-vf-/);
        }

        await rebootGuest();
        assert.equal(await driverOf("0000:00:02.0"), "e1000e", "without the rule the kernel's own driver takes it");
        await guest("udevadm settle");
        assert.equal((await nvmeSysfs()).numVfs, 0, "no NVMe VFs after a reboot without the rule");
        frame = await openPage();
        await pfShows(frame, 0);
        if (withIgb) {
            assert.deepEqual(await vfAddresses(), vfs, "the VF count is still kept");
            assert.deepEqual(await vfIp(0), DEFAULTS, "without the settings rule VF 0 boots at its defaults");
            await cleanIgb();
        }
    }, { timeout: 900_000 });
});
