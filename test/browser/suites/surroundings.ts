/* What surrounds a device, in the test VM (test/vm/machine.ts): reset methods
 * for every endpoint and the warning for the e1000 pair at 00:08 that has none;
 * the e1000e at 81:00.0 behind a pxb-pcie on NUMA node 1 and a VM pinned to
 * node 0; "All functions" for the multifunction pair; a hostdev whose address
 * was edited by virsh to other hardware, flagged and removed. Every outcome is
 * checked in the guest (sysfs, virsh dumpxml). */

import "../../lib/xml-dom.ts";

import assert from "node:assert/strict";
import { after, describe } from "node:test";
import type { Frame } from "playwright-core";

import { templateById } from "../../../src/model/domain-templates.ts";
import { admin, browserTest, guest, openPage, session, until } from "../session.ts";

const PAIR = ["0000:00:08.0", "0000:00:08.1"];
const NUMA_DEV = "0000:81:00.0";
const NIC = "0000:00:02.0";
const NVME = "0000:00:04.0";
const VM = "pt-surround";
const PINNED = "pt-pinned";
const NS = "https://github.com/cockpit-passthrough/1";

const virsh = (args: string) => guest(`LC_ALL=C virsh -c qemu:///system ${args}`);
const inactiveXml = (vm: string) => virsh(`dumpxml --inactive ${vm}`);

async function defineDomain(xml: string): Promise<void> {
    const r = await session().machine.ssh("virsh -c qemu:///system define /dev/stdin", { input: xml });
    assert.match(r.stdout, /defined from/);
}

async function cleanGuest(): Promise<void> {
    for (const vm of [VM, PINNED])
        await session().machine.ssh(`virsh -c qemu:///system undefine ${vm}`, { check: false });
}

interface Hostdev { source: string; bus: number; slot: number; func: number; multifunction: boolean }

/** PCI hostdevs of a domain XML, read independently of the plugin's parser. */
function hostdevs(xml: string): Hostdev[] {
    const doc = new DOMParser().parseFromString(xml, "text/xml");
    const out: Hostdev[] = [];
    const list = doc.getElementsByTagName("hostdev");
    for (let i = 0; i < list.length; i++) {
        const h = list[i];
        const src = h.getElementsByTagName("source")[0].getElementsByTagName("address")[0];
        const n = (el: Element, name: string) => parseInt(el.getAttribute(name) ?? "0", 16);
        const guestAddress = [...Array.from(h.childNodes)].find(c => (c as Element).tagName === "address") as Element | undefined;
        out.push({
            source: `${n(src, "domain").toString(16).padStart(4, "0")}:${n(src, "bus").toString(16).padStart(2, "0")}:` +
                    `${n(src, "slot").toString(16).padStart(2, "0")}.${n(src, "function")}`,
            bus: guestAddress ? n(guestAddress, "bus") : -1,
            slot: guestAddress ? n(guestAddress, "slot") : -1,
            func: guestAddress ? n(guestAddress, "function") : -1,
            multifunction: guestAddress?.getAttribute("multifunction") === "on",
        });
    }
    return out.sort((a, b) => a.source < b.source ? -1 : 1);
}

/** The page's hardware records in a domain XML: address -> vendor:device. */
function records(xml: string): Record<string, string> {
    const doc = new DOMParser().parseFromString(xml, "text/xml");
    const out: Record<string, string> = {};
    const list = doc.getElementsByTagNameNS(NS, "hostdev");
    for (let i = 0; i < list.length; i++)
        out[list[i].getAttribute("address")!] = `${list[i].getAttribute("vendor")}:${list[i].getAttribute("device")}`;
    return out;
}

const row = (address: string) => `#device-table tr[data-address="${address}"]`;

async function details(frame: Frame, address: string) {
    const toggle = frame.locator(`${row(address)} td:first-child button`).first();
    if (await toggle.getAttribute("aria-expanded") !== "true")
        await toggle.click();
    const box = frame.locator(`${row(address)} + tr .pt-device-details`);
    await box.waitFor();
    return box;
}

async function openAssign(frame: Frame, address: string, vm: string) {
    await frame.click(`${row(address)} button[aria-label="Kebab toggle"]`);
    await frame.getByRole("menuitem", { name: "Assign to VM" }).click();
    const dialog = frame.locator("#pt-assign-dialog");
    await dialog.waitFor();
    await dialog.locator("#pt-assign-vm").selectOption(`qemu/${vm}`);
    await until(() => dialog.locator("#pt-assign-preview").textContent(), t => (t ?? "").includes("<hostdev"), "the XML preview");
    return dialog;
}

describe("What surrounds a device", () => {
    after(cleanGuest);

    browserTest("reset methods are shown for every endpoint; the e1000 pair without one shows the warning", async () => {
        await cleanGuest();
        const frame = await openPage();
        // Endpoints as the guest's sysfs has them: everything but PCI-to-PCI bridges (class 0x0604xx).
        const listing = await guest(`cd /sys/bus/pci/devices && for d in *; do echo "$d $(cat $d/class) $(cat $d/reset_method 2>/dev/null)"; done`);
        const endpoints = listing.trim().split("\n").map(l => l.trim().split(/\s+/)).filter(([, cls]) => !/^0x060[479]/.test(cls));
        assert.ok(endpoints.length >= 10, `endpoints: ${endpoints.length}`);
        for (const [address, , ...methods] of endpoints) {
            const reset = (await details(frame, address)).locator('[data-field="reset"]');
            const text = (await reset.textContent())!;
            if (methods.length > 0)
                assert.match(text, new RegExp(`Reset methods: ${methods.join(", ")}`), address);
            else
                assert.match(text, /No reset method: this device may work only once per host boot/, address);
        }
        for (const address of PAIR) {
            assert.equal((await guest(`cat /sys/bus/pci/devices/${address}/reset_method 2>/dev/null || echo none`)).trim(), "none");
            const note = (await details(frame, address)).locator('[data-field="reset"] [data-note="no-reset"]');
            assert.equal(await note.getAttribute("data-variant"), "warning");
        }
        // The pair shares its group because it is one card: said so, with the way out.
        assert.match((await (await details(frame, PAIR[0])).locator('[data-field="note-shared-group"]').textContent())!,
                     /other functions of its card.*All functions/);
        // The boot VGA: the framebuffer arguments, offered through the kernel-argument fix.
        await admin();
        const vga = (await details(frame, "0000:00:01.0")).locator('[data-field="note-boot-vga"]');
        assert.match((await vga.textContent())!, /video=efifb:off initcall_blacklist=sysfb_init/);
        await vga.locator(".pt-note-kernel-args").click();
        const change = frame.locator("#kernel-args-change");
        await change.waitFor();
        assert.match((await change.textContent())!, /video=efifb:off initcall_blacklist=sysfb_init/);
        await frame.locator("#kernel-args-dialog").getByRole("button", { name: "Cancel" }).click();
        assert.doesNotMatch(await guest("cat /etc/default/grub"), /efifb/, "cancel changes nothing");
    });

    browserTest("the device on NUMA node 1 shows node 1; assigning it to a VM pinned to node 0 warns", async () => {
        assert.equal((await guest(`cat /sys/bus/pci/devices/${NUMA_DEV}/numa_node`)).trim(), "1");
        const frame = await openPage();
        await until(() => frame.locator(`${row(NUMA_DEV)} [data-field="numa-node"]`).textContent(), t => t === "1", "the NUMA column");
        assert.match((await (await details(frame, NUMA_DEV)).locator('[data-field="note-numa"]').textContent())!, /NUMA node 1/);

        // 8 GiB does not fit in the guest's 3 GiB either: the locked-memory warning too.
        const xml = templateById("qemu-emulated-x86_64").build(PINNED)
                .replace(/<memory unit='MiB'>\d+<\/memory>/, "<memory unit='GiB'>8</memory>")
                .replace("</vcpu>", "</vcpu>\n  <numatune>\n    <memory mode='strict' nodeset='0'/>\n  </numatune>");
        await defineDomain(xml);
        assert.match(await inactiveXml(PINNED), /<memory mode='strict' nodeset='0'\/>/);
        await admin();
        const page = await openPage();
        await page.locator(`[id="pt-vm-qemu-${PINNED}"]`).waitFor();
        const dialog = await openAssign(page, NUMA_DEV, PINNED);
        const numa = dialog.locator(`#pt-assign-notes [data-note="numa"][data-address="${NUMA_DEV}"]`);
        await until(() => numa.getAttribute("data-variant"), v => v === "warning", "the NUMA warning");
        assert.match((await numa.textContent())!, /Device on NUMA node 1, VM on node 0/);
        const memory = dialog.locator("#pt-assign-memory");
        await memory.waitFor();
        assert.match((await memory.textContent())!, /does not fit.*8\.0 GiB.*VFIO_MAP_DMA/);
        await dialog.getByRole("button", { name: "Cancel" }).click();
        assert.deepEqual(hostdevs(await inactiveXml(PINNED)), [], "cancel assigns nothing");
    });

    browserTest("All functions: one guest slot with two functions, function 0 multifunction='on', recorded", async () => {
        await defineDomain(templateById("qemu-emulated-x86_64").build(VM));
        const frame = await openPage();
        await admin();
        await frame.locator(`[id="pt-vm-qemu-${VM}"]`).waitFor();
        const dialog = await openAssign(frame, PAIR[0], VM);
        assert.equal(await dialog.locator("#pt-assign-all-functions").isChecked(), true, "on: the functions share a group");
        await dialog.getByRole("button", { name: "Assign", exact: true }).click();
        await dialog.waitFor({ state: "detached", timeout: 90_000 });

        const xml = await inactiveXml(VM);
        const devs = hostdevs(xml);
        assert.deepEqual(devs.map(d => d.source), PAIR);
        assert.equal(devs[0].bus, devs[1].bus, "one guest bus");
        assert.equal(devs[0].slot, devs[1].slot, "one guest slot");
        assert.deepEqual(devs.map(d => [d.func, d.multifunction]), [[0, true], [1, false]]);
        const id = (a: string) => guest(`cat /sys/bus/pci/devices/${a}/vendor /sys/bus/pci/devices/${a}/device`)
                .then(t => t.trim().split("\n").map(x => x.slice(2)).join(":"));
        assert.deepEqual(records(xml), { [PAIR[0]]: await id(PAIR[0]), [PAIR[1]]: await id(PAIR[1]) });

        const card = frame.locator(`[id="pt-vm-qemu-${VM}"] .pt-vm-card`);
        await card.waitFor();
        assert.equal(await card.locator(".pt-vm-hostdev").count(), 2, "the VM view groups the card's functions");
    });

    browserTest("a hostdev edited by virsh to other hardware, or to no hardware, is flagged; Remove drops just it and its record", async () => {
        const frame = await openPage();
        await admin();
        const vmRow = frame.locator(`[id="pt-vm-qemu-${VM}"]`);
        await vmRow.waitFor();
        const dialog = await openAssign(frame, NIC, VM);
        await dialog.getByRole("button", { name: "Assign", exact: true }).click();
        await dialog.waitFor({ state: "detached", timeout: 90_000 });
        const assigned = await inactiveXml(VM);
        assert.equal(records(assigned)[NIC], "8086:10d3");
        await until(() => vmRow.locator(`.pt-vm-hostdev[data-address="${NIC}"]`).getAttribute("data-check"), c => c === "ok", "00:02.0 listed, not flagged");

        // An address that no longer exists.
        const edit = (from: RegExp, to: string) => defineDomain(assigned.replace(from, to));
        const nicSource = /<address domain='0x0000' bus='0x00' slot='0x02' function='0x0'\/>/;
        assert.match(assigned, nicSource);
        await edit(nicSource, "<address domain='0x0000' bus='0x42' slot='0x00' function='0x0'/>");
        await until(() => vmRow.locator('.pt-vm-hostdev[data-address="0000:42:00.0"]').getAttribute("data-check"),
                    c => c === "gone", "the vanished address flagged", 90_000);
        assert.match((await vmRow.locator('.pt-vm-hostdev[data-address="0000:42:00.0"]').textContent())!, /No device at this address/);

        // Other hardware: the NVMe's address.
        await edit(nicSource, "<address domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>");
        const moved = vmRow.locator(`.pt-vm-hostdev[data-address="${NVME}"]`);
        await until(() => moved.getAttribute("data-check"), c => c === "changed", "the changed hardware flagged", 90_000);
        assert.match((await moved.textContent())!, /other hardware \(1b36:0010\) than when it was assigned \(8086:10d3 at 0000:00:02\.0\)/);

        await moved.getByRole("button", { name: `Remove ${NVME} from ${VM}` }).click();
        await moved.waitFor({ state: "detached", timeout: 90_000 });
        const after = await inactiveXml(VM);
        assert.deepEqual(hostdevs(after).map(d => d.source), PAIR, "only that hostdev is gone");
        assert.deepEqual(Object.keys(records(after)).sort(), PAIR, "and its record with it");
    });
});
