/* "Create VM from XML" on the aarch64 host (issue 13): the aarch64 template
 * (QEMU without KVM: nested TCG is too slow to start a guest worth checking),
 * defined with the e1000e at 00:02.0, checked with `virsh dumpxml`. */

import "../../lib/xml-dom.ts";

import assert from "node:assert/strict";
import { describe } from "node:test";

import { admin, browserTest, guest, openPage } from "../session.ts";

const DEV = "0000:00:02.0";
const VM = "pt-aarch64";
const virsh = (args: string) => guest(`LC_ALL=C virsh -c qemu:///system ${args}`);

describe("Create VM from XML on aarch64", () => {
    browserTest("the aarch64 template is defined with 00:02.0 as a managed hostdev", async () => {
        await guest(`virsh -c qemu:///system undefine --nvram ${VM} >/dev/null 2>&1 || true`);
        const frame = await openPage();
        await admin();
        await frame.getByRole("button", { name: "Create VM from XML" }).click();
        const dialog = frame.locator("#pt-create-vm-dialog");
        await dialog.waitFor();
        await dialog.locator("#pt-create-name").fill(VM);
        await dialog.locator("#pt-create-template").selectOption("qemu-emulated-aarch64");
        await dialog.locator(`[id="pt-create-dev-${DEV}"]`).check();
        await dialog.locator("#pt-create-define").check();
        await dialog.getByRole("button", { name: "Define", exact: true }).click();
        await dialog.waitFor({ state: "detached", timeout: 90_000 });
        await frame.locator(`[id="pt-vm-qemu-${VM}"]`).waitFor();

        try {
            assert.equal((await virsh(`domstate ${VM}`)).trim(), "shut off");
            assert.match(await virsh(`dominfo ${VM}`), /Persistent:\s+yes/);
            const doc = new DOMParser().parseFromString(await virsh(`dumpxml --inactive ${VM}`), "text/xml");
            const os = doc.getElementsByTagName("type")[0];
            assert.equal(os.getAttribute("arch"), "aarch64");
            assert.match(os.getAttribute("machine")!, /^virt/);
            const hostdevs = doc.getElementsByTagName("hostdev");
            assert.equal(hostdevs.length, 1);
            assert.equal(hostdevs[0].getAttribute("managed"), "yes");
            const a = hostdevs[0].getElementsByTagName("source")[0].getElementsByTagName("address")[0];
            assert.deepEqual(["bus", "slot", "function"].map(k => parseInt(a.getAttribute(k)!, 16)), [0, 2, 0]);
            // Defining takes nothing from the host.
            assert.equal((await guest(`basename "$(readlink /sys/bus/pci/devices/${DEV}/driver)"`)).trim(), "e1000e");
        } finally {
            await guest(`virsh -c qemu:///system undefine --nvram ${VM}`);
        }
    });
});
