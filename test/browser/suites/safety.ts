/* Safety on the host, not in the tab (issue 10), in the test VM: the lock,
 * the host-side rollback, the page failing closed and the executor's own
 * policy, each checked in the guest over ssh. */

import assert from "node:assert/strict";
import { describe } from "node:test";
import { admin, browserTest, guest, openPage, openTab, session, until } from "../session.ts";
import { driverOf, openAction } from "./binding.ts";
import { feedExecutor } from "../feed-executor.ts";

const NIC = "0000:00:02.0";
const RUN = "/run/cockpit-passthrough";

const override = async (address: string) => (await guest(`cat /sys/bus/pci/devices/${address}/driver_override`)).trim();

/** Puts a device back on its host driver from the guest, whatever the page did. */
async function restore(address: string, driver: string) {
    await guest(`cd /sys/bus/pci/devices/${address} && echo > driver_override && ` +
                `{ [ "$(basename "$(readlink driver)")" = ${driver} ] || { [ -e driver ] && echo ${address} > driver/unbind; echo ${address} > /sys/bus/pci/drivers/${driver}/bind; }; }`);
    assert.equal(await driverOf(address), driver);
}

describe("Safety on the host", () => {
    browserTest("two tabs press Prepare together: it ends on vfio-pci, one succeeds, the other says another change was running", async () => {
        await admin();
        await guest("modprobe vfio-pci"); // the plans then start with the same first step
        const one = await openPage();
        const two = await openTab();
        try {
            for (const frame of [one, two.frame])
                await openAction(frame, NIC, "prepare");
            await Promise.all([one.click("#pt-prepare-button"), two.frame.click("#pt-prepare-button")]);
            const outcomes = await Promise.all([one, two.frame].map(async frame => {
                await frame.waitForSelector(".pt-plan-outcome", { timeout: 120_000 });
                return (await frame.textContent(".pt-plan-outcome")) ?? "";
            }));
            assert.equal(outcomes.filter(t => /0000:00:02\.0 is now on vfio-pci/.test(t)).length, 1, outcomes.join("\n---\n"));
            assert.equal(outcomes.filter(t => new RegExp(`Another change is running on this host \\(started [0-9]+ s ago by ${session().machine.user}\\)`).test(t)).length, 1,
                         outcomes.join("\n---\n"));
            assert.equal(await driverOf(NIC), "vfio-pci");
            assert.equal(await override(NIC), "vfio-pci");
        } finally {
            await two.page.close();
            await restore(NIC, "e1000e");
        }
    });

    browserTest("the tab closes right after the first step of a Prepare: the host puts the device back and the next page load says so", async () => {
        await admin();
        await guest(`modprobe vfio-pci; rm -f ${RUN}/report`);
        const tab = await openTab();
        await openAction(tab.frame, NIC, "prepare");
        await tab.frame.click("#pt-prepare-button");
        // The executor journals before its first write: close the tab as soon as it has.
        await until(() => guest(`test -s ${RUN}/journal && echo yes || true`), t => t.trim() === "yes", "the first step", 30_000);
        await tab.page.close();
        const state = () => guest(`echo "$(basename "$(readlink /sys/bus/pci/devices/${NIC}/driver)") ` +
                                  `$(cat /sys/bus/pci/devices/${NIC}/driver_override) ` +
                                  `$(test -e ${RUN}/journal && echo journal || echo no-journal) $(test -s ${RUN}/report && echo report || echo no-report)"`);
        await until(state, s => s.trim() === "e1000e (null) no-journal report", "the device back, journal empty, report left", 10_000);

        const frame = await openPage();
        const alert = frame.locator("#pt-recovery");
        await alert.waitFor();
        assert.match((await alert.textContent())!, /interrupted.*undone on the host.*0000:00:02\.0 is back on e1000e/s);
        await alert.getByRole("button", { name: "Dismiss" }).click();
        await alert.waitFor({ state: "detached" });
        assert.equal((await guest(`test -e ${RUN}/report && echo yes || echo no`)).trim(), "no", "shown once");
    });

    browserTest("with ip failing the session NIC cannot be prepared and the page says why; the executor refuses too", async () => {
        await admin();
        const ip = (await guest("readlink -f \"$(command -v ip)\"")).trim();
        await guest(`printf '#!/bin/sh\\necho "Cannot open netlink socket: Permission denied" >&2\\nexit 1\\n' > /tmp/ip-fails && chmod +x /tmp/ip-fails && mount --bind /tmp/ip-fails ${ip}`);
        try {
            const frame = await openPage();
            for (const address of ["0000:00:05.0", NIC]) {
                const button = `tr[data-address="${address}"] button[data-action="prepare"]`;
                const reason = await until(() => frame.getAttribute(button, "data-disabled-reason"),
                                           r => !!r && r.includes("Could not tell which devices the host uses"), "the reason");
                assert.match(reason!, /Cannot open netlink socket/);
                assert.equal(await frame.getAttribute(button, "aria-disabled"), "true");
            }
            const answers = await feedExecutor([`write\tdevices/${NIC}/driver_override\tvfio-pci`]);
            assert.match(answers[0], /^rejected\tcannot tell whether 0000:00:02\.0 carries this session: ip: Cannot open netlink socket/);
            assert.equal(await override(NIC), "(null)");
        } finally {
            await guest(`umount ${ip}`);
        }
    });

    browserTest("with libvirt stopped, Return of a device on vfio-pci says VM use is unknown and refuses", async () => {
        await admin();
        await guest(`modprobe vfio-pci && cd /sys/bus/pci/devices/${NIC} && echo vfio-pci > driver_override && echo ${NIC} > driver/unbind && echo ${NIC} > /sys/bus/pci/drivers_probe`);
        await guest("systemctl stop libvirtd.service libvirtd.socket libvirtd-ro.socket libvirtd-admin.socket");
        try {
            const frame = await openPage();
            const button = `tr[data-address="${NIC}"] button[data-action="return"]`;
            const reason = await until(() => frame.getAttribute(button, "data-disabled-reason"),
                                       r => !!r && r.includes("Could not tell which virtual machines use the device"), "the reason");
            assert.ok(reason);
            assert.equal(await frame.getAttribute(button, "aria-disabled"), "true");
            assert.equal(await driverOf(NIC), "vfio-pci");
        } finally {
            await guest("systemctl start libvirtd.socket libvirtd-ro.socket libvirtd-admin.socket libvirtd.service");
            await restore(NIC, "e1000e");
        }
    });

    browserTest("fed directly as root, the executor refuses the session NIC, the root disk's controller and a device a process holds", async () => {
        // 00:05.0 carries the default route and the sessions; 00:06.0 is the root disk's virtio-blk.
        const answers = await feedExecutor([
            "write\tdevices/0000:00:05.0/driver_override\tvfio-pci",
            "write\tdevices/0000:00:06.0/driver/unbind\t0000:00:06.0",
        ]);
        assert.match(answers[0], /^rejected\t0000:00:05\.0 carries the default route or a Cockpit session$/);
        assert.match(answers[1], /^rejected\t0000:00:06\.0 holds the root filesystem$/);
        assert.equal(await override("0000:00:05.0"), "(null)");
        assert.equal(await driverOf("0000:00:06.0"), "virtio-pci");

        // A process holding the VFIO group, as QEMU does for a running VM.
        await guest(`modprobe vfio-pci && cd /sys/bus/pci/devices/${NIC} && echo vfio-pci > driver_override && echo ${NIC} > driver/unbind && echo ${NIC} > /sys/bus/pci/drivers_probe`);
        const group = (await guest(`basename "$(readlink /sys/bus/pci/devices/${NIC}/iommu_group)"`)).trim();
        await guest(`nohup sh -c 'exec 3<>/dev/vfio/${group}; exec sleep 600' >/dev/null 2>&1 & echo $! > /tmp/holder.pid`);
        try {
            await until(() => guest(`ls -l /proc/$(cat /tmp/holder.pid)/fd/ | grep -c /dev/vfio/${group} || true`), n => n.trim() === "1", "the holder");
            const held = await feedExecutor([`write\tdrivers/vfio-pci/unbind\t${NIC}`, `persist-driverctl\t${NIC}`]);
            assert.match(held[0], new RegExp(`^rejected\t${NIC.replace(/\./g, "\\.")} is in use: /dev/vfio/${group} is open by process [0-9]+`));
            assert.match(held[1], /^rejected\t.* is open by process/);
            assert.equal(await driverOf(NIC), "vfio-pci", "nothing changed");
        } finally {
            await guest("kill $(cat /tmp/holder.pid) || true");
            await restore(NIC, "e1000e");
        }
    });
});
