// SPDX-License-Identifier: LGPL-2.1-or-later
/* A boot without the emulated IOMMU (issue 3): "Not ready", and the
 * kernel-argument fix writes the bootloader configuration. Last suite: it
 * leaves the guest without an IOMMU. */

import assert from "node:assert/strict";
import { describe } from "node:test";

import { admin, browserTest, guest, openPage, rebootGuest } from "../session.ts";

describe("Host without an IOMMU", () => {
    browserTest("reads Not ready and adds the kernel arguments with update-grub", async () => {
        await rebootGuest({ iommu: false });
        assert.equal((await guest("ls /sys/class/iommu | wc -l")).trim(), "0");
        await admin();
        const frame = await openPage();
        await frame.waitForSelector('[data-check="iommu"][data-status="error"]');
        assert.match((await frame.textContent("#readiness-verdict"))!, /^Not ready \(\d+ problems?\)$/);
        assert.match((await frame.textContent('[data-check="iommu"]'))!, /firmware/);

        const before = await guest("cat /etc/default/grub");
        await frame.click("#fix-kernel-args");
        await frame.waitForSelector("#kernel-args-dialog");
        const change = (await frame.textContent("#kernel-args-change"))!;
        assert.match(change, /\/etc\/default\/grub/);
        assert.match(change, /\+ GRUB_CMDLINE_LINUX_DEFAULT=".*iommu=pt.*"/);
        await frame.click('#kernel-args-dialog button:has-text("Apply")');
        await frame.waitForSelector("#kernel-args-dialog", { state: "detached", timeout: 120_000 });

        const after = await guest("cat /etc/default/grub");
        const line = after.split("\n").find(l => l.startsWith("GRUB_CMDLINE_LINUX_DEFAULT="))!;
        assert.match(line, /iommu=pt/);
        const beforeLines = before.split("\n").filter(l => !l.startsWith("GRUB_CMDLINE_LINUX_DEFAULT="));
        const afterLines = after.split("\n").filter(l => !l.startsWith("GRUB_CMDLINE_LINUX_DEFAULT="));
        assert.deepEqual(afterLines, beforeLines, "nothing else in the file changed");
        assert.match(await guest("cat /boot/grub/grub.cfg"), /iommu=pt/, "update-grub regenerated grub.cfg");
        await frame.waitForSelector('[data-check="cmdline"][data-status="reboot"]');
        assert.match((await frame.textContent("#readiness-verdict"))!, /Ready after reboot|Not ready/);

        // Applying twice adds them once: the fix is gone, and the file keeps one copy.
        assert.equal(await frame.$("#fix-kernel-args"), null);
        assert.equal((line.match(/iommu=pt/g) ?? []).length, 1);
    }, { timeout: 600_000 });
});
