// SPDX-License-Identifier: LGPL-2.1-or-later
/* Host readiness and device safety in the test VM (issue 3), without reboots.
 * The boot without the emulated IOMMU is in no-iommu.ts, the last suite. */

import assert from "node:assert/strict";
import { describe } from "node:test";

import { admin, browserTest, guest, HOST, limitedAccess, openPage, until } from "../session.ts";

const checkStatus = (frame: Awaited<ReturnType<typeof openPage>>, id: string) =>
    frame.getAttribute(`[data-check="${id}"]`, "data-status");

describe("Host readiness", () => {
    browserTest("limited access shows everything and disables every fix with its reason", async () => {
        await limitedAccess();
        await guest("modprobe -r vfio-pci vfio_iommu_type1 vfio || true");
        const frame = await openPage();
        await frame.waitForSelector('[data-check="vfio"]');
        assert.equal(await checkStatus(frame, "iommu"), "ok");
        assert.equal(await checkStatus(frame, "interrupt-remapping"), "unknown", "dmesg needs admin");
        assert.match((await frame.textContent("#host-readiness"))!, /Fixes need administrative access/);
        for (const id of ["#load-vfio-now", "#load-vfio-at-boot"]) {
            assert.equal(await frame.getAttribute(id, "aria-disabled"), "true", id);
            assert.equal(await frame.getAttribute(id, "data-disabled-reason"), "Administrative access is required", id);
        }
        // The inventory is still there, in full.
        assert.ok(await frame.$('#device-table tr[data-address="0000:00:02.0"]'));
    });

    browserTest("reads Ready, with the e1000e and the NVMe each alone in an IOMMU group", async () => {
        await admin();
        const frame = await openPage();
        await frame.waitForSelector('[data-check="interrupt-remapping"][data-status="ok"]');
        assert.equal(await frame.textContent("#readiness-verdict"), "Ready");
        assert.equal(await checkStatus(frame, "iommu"), "ok");
        assert.equal(await frame.textContent('[data-check="iommu"] .pt-check-summary'), `${HOST.iommuName} is active`);
        if (HOST.arch === "aarch64") {
            // The SMMU's evidence: its sysfs entry, its driver in the kernel
            // log, and the Arm kernel arguments (iommu.passthrough=1 offered
            // as the iommu=pt of Arm).
            const smmu = (await guest("ls /sys/class/iommu")).trim();
            assert.match(smmu, /^smmu3\./);
            const iommu = (await frame.textContent('[data-check="iommu"]'))!;
            assert.ok(iommu.includes(`/sys/class/iommu: ${smmu}`), iommu);
            assert.match(iommu, /arm-smmu-v3/);
            const cmdline = (await frame.textContent('[data-check="cmdline"]'))!;
            assert.match(cmdline, /iommu\.passthrough: not set \(kernel default\)/);
            assert.match(cmdline, /iommu\.strict: not set/);
            assert.match(cmdline, /arm-smmu-v3\.disable_bypass: not set/);
            assert.match(cmdline, /Missing iommu\.passthrough=1/);
            assert.doesNotMatch(cmdline, /iommu=pt/);
        }
        // Arm: no iommu.passthrough=1 on the test host's command line, which is only advice.
        assert.equal(await checkStatus(frame, "cmdline"), HOST.arch === "aarch64" ? "warning" : "ok");
        await until(() => checkStatus(frame, "libvirt"), s => s === "ok", "libvirt check to pass");

        await frame.click("#view-groups");
        for (const address of ["0000:00:02.0", "0000:00:03.0", "0000:00:04.0"]) {
            const group = (await guest(`basename "$(readlink /sys/bus/pci/devices/${address}/iommu_group)"`)).trim();
            const header = await frame.textContent(`tr[data-group="${group}"]`);
            assert.match(header!, new RegExp(`IOMMU group ${group}`));
            // On their host drivers they keep their groups from being viable, and the header says why.
            const driver = (await guest(`basename "$(readlink /sys/bus/pci/devices/${address}/driver)"`)).trim();
            assert.match(header!, new RegExp(`Not viable: ${address.replace(/\./g, "\\.")} \\(${driver}\\) still on a host driver`));
        }
        await frame.click("#view-list");
    });

    browserTest("Load now loads vfio-pci, Load at boot writes modules-load.d", async () => {
        await admin();
        await guest("modprobe -r vfio-pci vfio_iommu_type1 vfio || true; rm -f /etc/modules-load.d/cockpit-passthrough.conf");
        assert.equal((await guest("test -d /sys/module/vfio_pci && echo yes || echo no")).trim(), "no");
        const frame = await openPage();
        await frame.waitForSelector('[data-check="vfio"][data-status="warning"]');
        await frame.click("#load-vfio-now");
        await frame.waitForSelector('[data-check="vfio"][data-status="ok"]');
        assert.equal((await guest("test -d /sys/module/vfio_pci && echo yes || echo no")).trim(), "yes");

        await frame.click("#load-vfio-at-boot");
        await frame.waitForSelector("#load-at-boot-dialog");
        assert.match((await frame.textContent("#load-at-boot-dialog"))!, /\/etc\/modules-load\.d\/cockpit-passthrough\.conf/);
        await frame.click('#load-at-boot-dialog button:has-text("Write file")');
        await frame.waitForSelector("#load-at-boot-dialog", { state: "detached" });
        const content = await guest("cat /etc/modules-load.d/cockpit-passthrough.conf");
        assert.match(content, /^vfio-pci$/m);
        await until(() => frame.$("#load-vfio-at-boot"), b => b === null, "the Load at boot fix to go away");
    });
});

describe("Device safety", () => {
    browserTest("the session's virtio NIC and the root disk's controller are used by the host", async () => {
        const frame = await openPage();
        const status = (address: string) => frame.textContent(`tr[data-address="${address}"] [data-field="status"]`);
        const nic = await until(() => status("0000:00:05.0"), t => !!t && t.includes("Used by the host"), "usage of 00:05.0");
        assert.match(nic!, /Carries this Cockpit session \(enp0s5\)/);
        assert.match(nic!, /Carries the default route \(enp0s5\)/);
        const disk = await status("0000:00:06.0");
        assert.match(disk!, /Used by the host/);
        assert.match(disk!, /Holds the root file system \(\/dev\/vda\)/);
        if (HOST.hasBootVga)
            assert.match((await status("0000:00:01.0"))!, /Boot display \(VGA\) device/);
        assert.doesNotMatch((await status("0000:00:02.0"))!, /Used by the host/);

        // The details name the interface's addresses and the group and reset facts.
        await frame.click('tr[data-address="0000:00:05.0"] td button[aria-label="Details"], tr[data-address="0000:00:05.0"] td:first-child button');
        const details = await frame.waitForSelector(".pt-device-details");
        const text = await details.textContent();
        assert.match(text!, /enp0s5: 10\.0\.2\.15\/24/);
        assert.match(text!, /Alone in its group/);
        assert.match(text!, /Reset/);
    });
});
