// SPDX-License-Identifier: LGPL-2.1-or-later
/* Prepare for passthrough / Return to host in the test VM (issue 4), checked
 * in the guest's sysfs. Persistence across reboots is in persistence.ts. */

import assert from "node:assert/strict";
import { describe } from "node:test";
import type { Frame } from "playwright-core";

import { admin, browserTest, guest, limitedAccess, openPage, session, until } from "../session.ts";

export const driverOf = async (address: string) =>
    (await guest(`d=$(readlink /sys/bus/pci/devices/${address}/driver) && basename "$d" || echo none`)).trim();
export const groupOf = async (address: string) =>
    (await guest(`basename "$(readlink /sys/bus/pci/devices/${address}/iommu_group)"`)).trim();

export async function openAction(frame: Frame, address: string, action: "prepare" | "return") {
    const button = `tr[data-address="${address}"] button[data-action="${action}"]`;
    await frame.waitForSelector(button);
    await frame.click(button);
    await frame.waitForSelector(action === "prepare" ? "#pt-prepare-dialog" : "#pt-return-dialog");
}

async function finish(frame: Frame, button: string) {
    await frame.click(button);
    await frame.waitForSelector(".pt-plan-outcome", { timeout: 120_000 });
}

async function close(frame: Frame) {
    await frame.click('.pf-v5-c-modal-box__footer button:has-text("Close"), .pf-v5-c-modal-box__footer button:has-text("Cancel")');
    await frame.waitForSelector(".pf-v5-c-modal-box", { state: "detached" });
}

describe("Prepare for passthrough and Return to host", () => {
    browserTest("in limited access the actions are disabled with the reason", async () => {
        await limitedAccess();
        const frame = await openPage();
        const selector = 'tr[data-address="0000:00:02.0"] button[data-action="prepare"]';
        const button = await frame.waitForSelector(selector);
        assert.equal(await button.textContent(), "Prepare for passthrough");
        // Disabled while Cockpit answers, then with the reason.
        const reason = await until(() => frame.getAttribute(selector, "data-disabled-reason"),
                                   r => !!r && r.includes("Administrative access is required"), "the disabled reason");
        assert.match(reason!, /prepare devices for passthrough/);
        assert.equal(await frame.getAttribute(selector, "aria-disabled"), "true");
        assert.equal(await frame.$('tr[data-address="0000:00:00.0"] button[data-action]'), null, "no action on the host bridge");
    });

    // The NVMe too: on the aarch64 host it is the device the guide's Kunpeng
    // users pass through most, and its group exists only once nvme probed it.
    for (const [address, native] of [["0000:00:02.0", "e1000e"], ["0000:00:04.0", "nvme"]]) {
        const re = address.replace(/\./g, "\\.");
        browserTest(`prepares ${native} ${address.slice(5)} for vfio-pci and returns it to ${native}`, async () => {
            await admin();
            assert.equal(await driverOf(address), native);
            const frame = await openPage();
            await openAction(frame, address, "prepare");
            assert.match((await frame.textContent("#pt-prepare-dialog"))!, /driver_override/);
            await finish(frame, "#pt-prepare-button");
            assert.match((await frame.textContent(".pt-plan-outcome"))!, new RegExp(`${re} is now on vfio-pci`));
            assert.equal(await driverOf(address), "vfio-pci");
            const group = await groupOf(address);
            assert.equal((await guest(`test -c /dev/vfio/${group} && echo yes`)).trim(), "yes");
            await close(frame);
            await frame.waitForSelector(`tr[data-address="${address}"][data-driver="vfio-pci"]`);

            await openAction(frame, address, "return");
            assert.equal((await frame.textContent("#pt-remembered-driver"))?.trim(), native);
            await finish(frame, "#pt-return-button");
            assert.match((await frame.textContent(".pt-plan-outcome"))!, new RegExp(`${re} is now on ${native}`));
            assert.equal(await driverOf(address), native);
            assert.equal((await guest(`cat /sys/bus/pci/devices/${address}/driver_override`)).trim(), "(null)");
            await close(frame);
        });
    }

    browserTest("refuses the NIC that carries this Cockpit session", async () => {
        await admin();
        const frame = await openPage();
        await until(() => frame.textContent('tr[data-address="0000:00:05.0"] [data-field="status"]'),
                    t => !!t && t.includes("Used by the host"), "host usage");
        await openAction(frame, "0000:00:05.0", "prepare");
        await frame.waitForSelector("#pt-prepare-refused");
        assert.match((await frame.textContent("#pt-prepare-refused"))!, /Carries this Cockpit session/);
        assert.equal(await frame.isDisabled("#pt-prepare-button"), true);
        await close(frame);
        assert.equal(await driverOf("0000:00:05.0"), "virtio-pci");
    });

    browserTest("a failing bind is rolled back to e1000e and explained", async () => {
        await admin();
        await guest("modprobe -r vfio-pci vfio_iommu_type1 vfio || true; echo 'install vfio-pci /bin/false' > /etc/modprobe.d/zz-passthrough-test.conf");
        try {
            const frame = await openPage();
            await frame.waitForSelector('[data-check="vfio"][data-status="warning"]');
            await openAction(frame, "0000:00:02.0", "prepare");
            await finish(frame, "#pt-prepare-button");
            const outcome = (await frame.textContent(".pt-plan-outcome"))!;
            assert.match(outcome, /vfio-pci/);
            assert.match(outcome, /could not be loaded|modprobe/i);
            assert.equal(await driverOf("0000:00:02.0"), "e1000e");
            assert.equal((await guest("cat /sys/bus/pci/devices/0000:00:02.0/driver_override")).trim(), "(null)");
            await close(frame);
        } finally {
            await guest("rm -f /etc/modprobe.d/zz-passthrough-test.conf");
        }
    });

    browserTest("the automation script, run by hand, does what the button does", async () => {
        await admin();
        assert.equal(await driverOf("0000:00:03.0"), "e1000e");
        const frame = await openPage();
        await openAction(frame, "0000:00:03.0", "prepare");
        await frame.click('.pt-plan-script button:has-text("View automation script")');
        const script = (await frame.textContent("#pt-plan-script-code"))!;
        assert.match(script, /driver_override/);
        await close(frame);
        assert.equal(await driverOf("0000:00:03.0"), "e1000e", "viewing the script changes nothing");

        await session().machine.ssh("sh -s", { input: script });
        assert.equal(await driverOf("0000:00:03.0"), "vfio-pci");
        const group = await groupOf("0000:00:03.0");
        assert.equal((await guest(`test -c /dev/vfio/${group} && echo yes`)).trim(), "yes");

        // And back through the UI.
        await frame.waitForSelector('tr[data-address="0000:00:03.0"][data-driver="vfio-pci"]', { timeout: 30_000 });
        await openAction(frame, "0000:00:03.0", "return");
        await finish(frame, "#pt-return-button");
        assert.equal(await driverOf("0000:00:03.0"), "e1000e");
        await close(frame);
    });
});
