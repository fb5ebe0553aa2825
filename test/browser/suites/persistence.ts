// SPDX-License-Identifier: LGPL-2.1-or-later
/* "Keep after reboot" for bindings (issue 4): a real reboot of the same disk. */

import assert from "node:assert/strict";
import { describe } from "node:test";

import { admin, browserTest, guest, openPage, rebootGuest, removeKept } from "../session.ts";
import { driverOf, openAction } from "./binding.ts";

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

        await rebootGuest();
        assert.equal(await driverOf("0000:00:02.0"), "vfio-pci", "the binding was applied at boot");
        assert.equal(await driverOf("0000:00:03.0"), "e1000e", "the identical NIC was not grabbed");

        await admin();
        frame = await openPage();
        const row = '#pt-kept-after-reboot tr[data-address="0000:00:02.0"]';
        await frame.waitForSelector(row);
        await removeKept(frame, row);
        assert.doesNotMatch(await guest("ls /etc/udev/rules.d/"), /0000:00:02\.0/);

        await rebootGuest();
        assert.equal(await driverOf("0000:00:02.0"), "e1000e", "without the rule the kernel's own driver takes it");
    }, { timeout: 600_000 });
});
