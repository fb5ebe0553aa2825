// SPDX-License-Identifier: LGPL-2.1-or-later
/* The inventory lists exactly what the guest's sysfs holds. */

import assert from "node:assert/strict";
import { describe } from "node:test";

import { browserTest, guest, openPage, until } from "../session.ts";

/** address -> [driver, group], straight from the guest's sysfs. */
async function sysfsDevices(): Promise<Map<string, [string, string]>> {
    const out = await guest(
        'for d in /sys/bus/pci/devices/*; do ' +
        'drv=$(readlink "$d/driver"); grp=$(readlink "$d/iommu_group"); ' +
        'echo "${d##*/} ${drv##*/} ${grp##*/}"; done');
    return new Map(out.trim().split("\n").map(line => {
        const [address, driver, group] = line.split(" ");
        return [address, [driver, group]];
    }));
}

describe("PCI inventory", () => {
    browserTest("lists every PCI function of the guest with its driver and IOMMU group", async () => {
        const frame = await openPage();
        const expected = await sysfsDevices();
        assert.ok(expected.size >= 7, `the guest has its PCI devices (${expected.size})`);
        assert.ok(expected.has("0000:00:02.0") && expected.has("0000:00:04.0"));

        const rows = await frame.$$eval("#device-table tr[data-address]", trs => trs.map(tr => ({
            address: tr.getAttribute("data-address")!,
            driver: tr.querySelector('[data-field="driver"]')!.textContent!.trim(),
            group: tr.querySelector('[data-field="iommu-group"]')!.textContent!.trim(),
            name: tr.querySelector('[data-field="name"]')!.textContent!.trim(),
        })));
        assert.deepEqual(rows.map(r => r.address).sort(), [...expected.keys()].sort());
        for (const row of rows) {
            const [driver, group] = expected.get(row.address)!;
            assert.equal(row.driver, driver || "none", `driver of ${row.address}`);
            assert.equal(row.group, group || "none", `group of ${row.address}`);
        }
        // Names come from the guest's pci.ids a moment after the table.
        await until(() => frame.textContent('tr[data-address="0000:00:02.0"] [data-field="name"]'),
                    t => !!t && /82574L Gigabit Network Connection \[8086:10d3\]/.test(t), "the name from pci.ids");
        assert.equal(await frame.textContent("#device-count"), `${expected.size} devices`);
    });

    browserTest("filters by text and by class, and sorts", async () => {
        const frame = await openPage();
        // 00:02.0, 00:03.0 and 81:00.0 behind the pxb-pcie (test/vm/machine.ts)
        await frame.fill('input[aria-label="Filter devices"]', "e1000e");
        await frame.waitForFunction(() => document.querySelectorAll("#device-table tr[data-address]").length === 3);
        assert.match((await frame.textContent("#device-count"))!, /^3 of \d+ devices$/);
        await frame.fill('input[aria-label="Filter devices"]', "");
        await frame.selectOption("#device-class-filter", "storage");
        const storage = await frame.$$eval("#device-table tr[data-address]", trs => trs.map(tr => tr.getAttribute("data-address")));
        assert.ok(storage.includes("0000:00:04.0") && storage.includes("0000:00:06.0"), `storage: ${storage}`);
        assert.ok(!storage.includes("0000:00:02.0"));
        await frame.selectOption("#device-class-filter", "all");
        await frame.click('th:has-text("Driver") button');
        const drivers = await frame.$$eval('#device-table tr[data-address] [data-field="driver"]', tds => tds.map(td => td.textContent!.trim()));
        const bound = drivers.filter(d => d !== "none");
        assert.deepEqual(bound, [...bound].sort((a, b) => a.localeCompare(b)), "sorted by driver");
    });
});
