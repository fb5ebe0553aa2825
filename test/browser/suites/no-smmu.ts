/* The aarch64 host booted without its SMMU (QEMU virt without iommu=smmuv3),
 * as a Kunpeng with the SMMU off in its firmware (issue 13): "Not ready", and
 * the fix is the firmware setup, not a kernel argument. Last suite: it leaves
 * the guest without an SMMU. */

import assert from "node:assert/strict";
import { describe } from "node:test";

import { admin, browserTest, guest, openPage, rebootGuest } from "../session.ts";

describe("Arm host without an SMMU", () => {
    browserTest("reads Not ready and asks for the SMMU in the firmware setup", async () => {
        await rebootGuest({ iommu: false });
        assert.equal((await guest("ls /sys/class/iommu | wc -l")).trim(), "0");
        await admin();
        const frame = await openPage();
        await frame.waitForSelector('[data-check="iommu"][data-status="error"]');
        assert.equal(await frame.textContent("#readiness-verdict"), "Not ready (1 problem)");
        assert.equal(await frame.textContent('[data-check="iommu"] .pt-check-summary'), "Arm SMMU is not active");
        const iommu = (await frame.textContent('[data-check="iommu"]'))!;
        assert.match(iommu, /Enable the SMMU in the firmware \(BIOS\) setup/);
        assert.match(iommu, /No kernel argument turns it on/);
        // No fix button (the Evidence toggle is the only button): only the firmware can fix it.
        assert.equal(await frame.$('[data-check="iommu"] button:not(.pf-v5-c-expandable-section__toggle)'), null);
        // iommu.passthrough=1 is still offered, as advice, not as the remedy.
        assert.equal(await frame.getAttribute('[data-check="cmdline"]', "data-status"), "warning");
        assert.match((await frame.textContent('[data-check="cmdline"]'))!, /Missing iommu\.passthrough=1/);
        // The devices have no group, and the table says so rather than inventing one.
        assert.equal((await guest("ls /sys/kernel/iommu_groups | wc -l")).trim(), "0");
        assert.equal((await frame.textContent('tr[data-address="0000:00:02.0"] [data-field="iommu-group"]'))!.trim(), "none");
    }, { timeout: 1_200_000 });
});
