// SPDX-License-Identifier: LGPL-2.1-or-later
/* SR-IOV on the guest's QEMU NVMe at 00:04.0 (sriov_totalvfs 4): the
 * "Configure VFs" dialog, nested VF rows, preparing and returning a VF; each
 * outcome checked in the guest's sysfs. The count kept after reboot is checked
 * in the "Kept after reboot" suite's two reboots. */

import assert from "node:assert/strict";
import { describe } from "node:test";

import { admin, browserTest, guest, openPage } from "../session.ts";
import { configure, openVfsDialog, PF, pfShows, showVfs, sysfs, vfRows } from "../nvme-vfs.ts";

describe("SR-IOV virtual functions", () => {
    browserTest("setting 2 VFs gives 2 virtfn links, without a driver, and 2 nested rows", async () => {
        assert.equal((await sysfs()).numVfs, 0, "starts with no VFs");
        const frame = await openPage();
        await admin();
        const text = await configure(frame, "2");
        assert.match(text, /VFs configured/);
        const s = await sysfs();
        assert.equal(s.numVfs, 2);
        assert.equal(s.vfs.length, 2, "2 virtfn links");
        assert.equal(s.autoprobe, "0", "autoprobe off by default");
        assert.deepEqual(s.vfs.map(v => v[1]), ["", ""], "VFs created with autoprobe off are unbound");

        await pfShows(frame, 2);
        assert.deepEqual(await vfRows(frame), [], "closed at first");
        await showVfs(frame);
        assert.deepEqual(await vfRows(frame), s.vfs.map(v => v[0]));
        for (const [vf] of s.vfs)
            assert.equal(await frame.textContent(`#device-table tr[data-address="${vf}"] [data-field="driver"]`), "none");
    });

    browserTest("changing 2 to 3 goes through 0, naming the VFs to be removed", async () => {
        const frame = await openPage();
        await admin();
        const text = await configure(frame, "3", {
            before: async f => {
                await f.locator("#pt-vfs-removed").waitFor();
                assert.match((await f.textContent("#pt-vfs-removed"))!, /The 2 existing VFs will be removed/);
                const purposes = await f.$$eval("#pt-vfs-dialog [data-step-purpose]", lis => lis.map(li => li.getAttribute("data-step-purpose")));
                assert.deepEqual(purposes, ["remove-vfs", "create-vfs"]);
            },
        });
        assert.match(text, /VFs configured/);
        const s = await sysfs();
        assert.equal(s.numVfs, 3);
        assert.equal(s.vfs.length, 3);
        assert.deepEqual(s.vfs.map(v => v[1]), ["", "", ""]);
        await pfShows(frame, 3);
        await showVfs(frame);
        assert.equal((await vfRows(frame)).length, 3);
    });

    browserTest("5 is rejected before any write", async () => {
        const frame = await openPage();
        await admin();
        const before = await sysfs();
        const dialog = await openVfsDialog(frame);
        await dialog.locator("#pt-vf-count").fill("5");
        assert.equal(await frame.textContent("#pt-vf-count-help"), "5 is more than this device supports (at most 4 VFs).");
        assert.ok(await frame.isDisabled("#pt-vfs-apply"));
        await dialog.locator("#pt-vf-count").press("Enter"); // the form's submit is refused too
        await new Promise(resolve => setTimeout(resolve, 2000));
        assert.deepEqual(await sysfs(), before, "sriov_numvfs unchanged");
        await dialog.getByRole("button", { name: "Cancel" }).click();
    });

    browserTest("a VF is prepared for passthrough and returned; the UI says which driver refused it", async () => {
        const frame = await openPage();
        await admin();
        const vf = (await sysfs()).vfs[0][0];
        await showVfs(frame);
        await frame.click(`#device-table button[data-action="prepare"][data-address="${vf}"]`);
        const whole = frame.locator("#pt-whole-group");
        if (await whole.count() > 0)
            await whole.setChecked(false); // never take the PF (the host's NVMe) with it
        await frame.click("#pt-prepare-button");
        await frame.locator("#pt-prepare-dialog .pt-plan-outcome").waitFor({ timeout: 120_000 });
        assert.match((await frame.textContent("#pt-prepare-dialog .pt-plan-outcome"))!, new RegExp(`${vf} is now on vfio-pci`));
        assert.equal((await sysfs()).vfs[0][1], "vfio-pci");
        const group = (await guest(`readlink /sys/bus/pci/devices/${vf}/iommu_group`)).trim().split("/").at(-1);
        await guest(`test -e /dev/vfio/${group}`);
        await frame.locator("#pt-prepare-dialog").locator("button.pf-m-primary", { hasText: "Close" }).click();

        await showVfs(frame);
        const returnButton = frame.locator(`#device-table button[data-action="return"][data-address="${vf}"]`);
        await returnButton.waitFor();
        await returnButton.click();
        await frame.click("#pt-return-button");
        const outcome = frame.locator("#pt-return-dialog .pt-plan-outcome");
        await outcome.waitFor({ timeout: 120_000 });
        const text = (await outcome.textContent())!;
        assert.match(text, new RegExp(`${vf} has no driver`));
        assert.match(text, /nvme refused it/);
        assert.equal((await sysfs()).vfs[0][1], "", "back to no driver");
        assert.equal((await guest(`cat /sys/bus/pci/devices/${vf}/driver_override`)).trim(), "(null)");
        await frame.locator("#pt-return-dialog").locator("button.pf-m-primary", { hasText: "Close" }).click();
    });

    browserTest("back to 0 removes every VF", async () => {
        const frame = await openPage();
        await admin();
        if ((await sysfs()).numVfs === 0) {
            await configure(frame, "1");
            await pfShows(frame, 1);
        }
        assert.match(await configure(frame, "0"), /VFs configured/);
        const s = await sysfs();
        assert.equal(s.numVfs, 0);
        assert.deepEqual(s.vfs, []);
        await pfShows(frame, 0);
        assert.equal(await frame.locator(`#device-table tr[data-address="${PF}"] [data-action="toggle-vfs"]`).count(), 0);
        assert.deepEqual(await vfRows(frame), []);
    });
});
