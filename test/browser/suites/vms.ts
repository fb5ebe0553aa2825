// SPDX-License-Identifier: LGPL-2.1-or-later
/* VMs through libvirt in the test VM: define a shut-off type='qemu' domain,
 * assign the e1000e at 00:02.0 from the UI, start it, hot plug, hot unplug
 * (the nested guest has no OS, so the device stays until the domain stops),
 * unassign, "Create VM from XML", the virsh path (StratoVirt's code with
 * qemu:///system), and libvirtd stopped. Every outcome is checked with
 * `virsh dumpxml` and the guest's sysfs over ssh. */

import "../../lib/xml-dom.ts";

import assert from "node:assert/strict";
import { after, describe } from "node:test";
import type { Frame } from "playwright-core";

import { canonicalXml } from "../../../src/model/domain-xml.ts";
import { templateById } from "../../../src/model/domain-templates.ts";
import { admin, browserTest, guest, openPage, session, until } from "../session.ts";

const DEV = "0000:00:02.0";
const DEV2 = "0000:00:03.0";
const VM = "pt-test";
const NOSLOT = "pt-noslot";
const DEFINED = "pt-define";
const CREATED = "pt-create";
const HOST_CONFIG = "/etc/cockpit/passthrough.conf";
const LIBVIRT_UNITS = "libvirtd.service libvirtd.socket libvirtd-ro.socket libvirtd-admin.socket";

const virsh = (args: string) => guest(`LC_ALL=C virsh -c qemu:///system ${args}`);

async function defineDomain(xml: string): Promise<void> {
    const r = await session().machine.ssh("virsh -c qemu:///system define /dev/stdin", { input: xml });
    assert.match(r.stdout, /defined from/);
}

/** Host addresses of the PCI hostdevs in a domain XML, read independently of the plugin's parser. */
function hostdevAddresses(xml: string): string[] {
    const doc = new DOMParser().parseFromString(xml, "text/xml");
    const out: string[] = [];
    const hostdevs = doc.getElementsByTagName("hostdev");
    for (let i = 0; i < hostdevs.length; i++) {
        const h = hostdevs[i];
        if (h.getAttribute("type") !== "pci")
            continue;
        const a = h.getElementsByTagName("source")[0].getElementsByTagName("address")[0];
        const n = (name: string, width: number) => parseInt(a.getAttribute(name)!, 16).toString(16).padStart(width, "0");
        out.push(`${n("domain", 4)}:${n("bus", 2)}:${n("slot", 2)}.${parseInt(a.getAttribute("function")!, 16)}`);
    }
    return out;
}

const inactiveXml = (vm: string) => virsh(`dumpxml --inactive ${vm}`);
const liveXml = (vm: string) => virsh(`dumpxml ${vm}`);
const domState = async (vm: string) => (await virsh(`domstate ${vm}`)).trim();

async function hostDriver(address: string): Promise<string> {
    const r = await session().machine.ssh(`readlink /sys/bus/pci/devices/${address}/driver`, { check: false });
    return r.stdout.trim().split("/").at(-1) ?? "";
}

const row = (address: string) => `#device-table tr[data-address="${address}"]`;

const rowLabels = (frame: Frame, address: string) =>
    frame.locator(`${row(address)} [data-field="status"]`).textContent().then(t => t ?? "");

const rowDriver = (frame: Frame, address: string) =>
    frame.locator(`${row(address)} [data-field="driver"]`).textContent().then(t => t ?? "");

const vmRow = (frame: Frame, connection: string, vm: string) => frame.locator(`[id="pt-vm-${connection}-${vm}"]`);

/** Opens "Assign to VM" from a device row's kebab, chooses the VM, optionally the timing, clicks Assign. */
async function openAssign(frame: Frame, address: string, vmKey: string) {
    await frame.click(`${row(address)} button[aria-label="Kebab toggle"]`);
    await frame.getByRole("menuitem", { name: "Assign to VM" }).click();
    const dialog = frame.locator("#pt-assign-dialog");
    await dialog.waitFor();
    await dialog.locator("#pt-assign-vm").selectOption(vmKey);
    // The preview is read from the VM's XML: wait for it before assigning.
    await until(() => dialog.locator("#pt-assign-preview").textContent(), t => (t ?? "").includes("<hostdev"), "the XML preview");
    return dialog;
}

async function assignAndClose(dialog: ReturnType<Frame["locator"]>) {
    await dialog.getByRole("button", { name: "Assign", exact: true }).click();
    await dialog.waitFor({ state: "detached", timeout: 90_000 });
}

async function cleanGuest(): Promise<void> {
    const m = session().machine;
    await m.ssh(`systemctl start ${LIBVIRT_UNITS}`, { check: false });
    for (const vm of [VM, NOSLOT, DEFINED, CREATED]) {
        await m.ssh(`virsh -c qemu:///system destroy ${vm}`, { check: false });
        await m.ssh(`virsh -c qemu:///system undefine ${vm}`, { check: false });
    }
    for (const a of [DEV, DEV2]) {
        if (await hostDriver(a) !== "e1000e")
            await m.ssh(`virsh -c qemu:///system nodedev-reattach pci_${a.replace(/[:.]/g, "_")}`, { check: false });
    }
}

describe("Virtual machines through libvirt", () => {
    /** The inactive XML right after define: unassigning must come back to it. */
    let original = "";

    after(async () => {
        await cleanGuest();
    });

    browserTest("a shut-off type='qemu' domain is listed", async () => {
        await cleanGuest();
        await defineDomain(templateById("qemu-emulated-x86_64").build(VM));
        original = await inactiveXml(VM);
        assert.match(original, /<domain type='qemu'/);
        assert.deepEqual(hostdevAddresses(original), []);
        assert.equal(await domState(VM), "shut off");

        const frame = await openPage();
        await admin();
        const vmRowLocator = vmRow(frame, "qemu", VM);
        await vmRowLocator.waitFor();
        assert.equal(await vmRowLocator.locator(".pt-vm-state").textContent(), "shut off");
    });

    browserTest("assigning 00:02.0 to the shut-off domain puts the hostdev in its XML", async () => {
        const frame = await openPage();
        await admin();
        await vmRow(frame, "qemu", VM).waitFor();
        const dialog = await openAssign(frame, DEV, `qemu/${VM}`);
        assert.equal(await dialog.locator("#pt-assign-now").count(), 0, "no hot plug choice for a shut-off VM");
        await assignAndClose(dialog);

        const xml = await inactiveXml(VM);
        assert.deepEqual(hostdevAddresses(xml), [DEV]);
        assert.match(xml, /<hostdev mode='subsystem' type='pci' managed='yes'>/);
        assert.equal(await hostDriver(DEV), "e1000e", "managed: still on the host driver until the VM starts");
        await until(() => rowLabels(frame, DEV), t => t.includes(`Assigned to ${VM} (shut off)`), "the row's assignment label");
        await until(() => vmRow(frame, "qemu", VM).locator(`.pt-vm-hostdev[data-address="${DEV}"]`).count(), n => n === 1,
                    "the VM card lists the device");
    });

    browserTest("starting the domain binds 00:02.0 to vfio-pci and the row shows the running VM", async () => {
        const frame = await openPage();
        await virsh(`start ${VM}`);
        assert.equal(await domState(VM), "running");
        assert.deepEqual(hostdevAddresses(await liveXml(VM)), [DEV]);
        assert.equal(await hostDriver(DEV), "vfio-pci");
        await until(() => rowLabels(frame, DEV), t => t.includes(`Assigned to ${VM} (running)`), "the row to show the running VM");
        await until(() => rowDriver(frame, DEV), t => t === "vfio-pci", "the row's driver");
        await until(() => vmRow(frame, "qemu", VM).locator(".pt-vm-state").textContent(), t => t === "running", "the VM state");
    });

    browserTest("hot plug into a running domain without a free root port is refused and explained", async () => {
        const xml = templateById("qemu-emulated-x86_64").build(NOSLOT)
                .split("\n").filter(l => !l.includes("pcie-root-port")).join("\n");
        await defineDomain(xml);
        await virsh(`start ${NOSLOT}`);
        const before = await inactiveXml(NOSLOT);

        const frame = await openPage();
        await admin();
        await vmRow(frame, "qemu", NOSLOT).locator(".pt-vm-state").filter({ hasText: "running" }).waitFor();
        const dialog = await openAssign(frame, DEV2, `qemu/${NOSLOT}`);
        await dialog.locator("#pt-assign-now").check();
        await dialog.getByRole("button", { name: "Assign", exact: true }).click();
        const alert = dialog.locator(".pf-v5-c-alert.pf-m-danger");
        await alert.waitFor({ timeout: 90_000 });
        const text = (await alert.textContent())!;
        assert.match(text, /The device could not be assigned/);
        assert.match(text, /no free PCIe root port/);
        assert.match(text, /add a pcie-root-port controller/);
        assert.match(text, /No more available PCI slots/, "libvirt's own message is shown too");
        // The form is taller than the dialog and the user scrolled to "When": the error must still be seen.
        assert.ok(await alert.evaluate(el => {
            const r = el.getBoundingClientRect();
            const body = el.closest(".pf-v5-c-modal-box__body")!.getBoundingClientRect();
            return r.top >= body.top - 1 && r.bottom <= body.bottom + 1;
        }), "the error is scrolled into view");
        await dialog.getByRole("button", { name: "Cancel" }).click();

        assert.deepEqual(hostdevAddresses(await liveXml(NOSLOT)), [], "not in the running domain");
        assert.equal(canonicalXml(await inactiveXml(NOSLOT)), canonicalXml(before), "the stored definition is unchanged");
        assert.equal(await hostDriver(DEV2), "e1000e", "libvirt gave the device back to its driver");
        await virsh(`destroy ${NOSLOT}`);
        await virsh(`undefine ${NOSLOT}`);
    });

    browserTest("hot plug (attach now) puts 00:03.0 into the running domain and its definition", async () => {
        const frame = await openPage();
        await admin();
        await vmRow(frame, "qemu", VM).locator(".pt-vm-state").filter({ hasText: "running" }).waitFor();
        const dialog = await openAssign(frame, DEV2, `qemu/${VM}`);
        await dialog.locator("#pt-assign-now").check();
        await assignAndClose(dialog);

        assert.deepEqual(hostdevAddresses(await liveXml(VM)).sort(), [DEV, DEV2]);
        assert.deepEqual(hostdevAddresses(await inactiveXml(VM)).sort(), [DEV, DEV2]);
        assert.equal(await hostDriver(DEV2), "vfio-pci");
        await until(() => rowLabels(frame, DEV2), t => t.includes(`Assigned to ${VM} (running)`), "the row to show the running VM");
    });

    browserTest("hot unplug waits for the guest; the XML is back to the original; destroy gives the devices back", async () => {
        const frame = await openPage();
        await admin();
        const card = vmRow(frame, "qemu", VM);
        for (const a of [DEV, DEV2]) {
            const item = card.locator(`.pt-vm-hostdev[data-address="${a}"]`);
            await item.getByRole("button", { name: `Remove ${a} from ${VM}` }).click();
            await item.locator(".pt-vm-hostdev-note").filter({ hasText: "Removal requested, waiting for the guest" })
                    .waitFor({ timeout: 90_000 });
        }
        // libvirt said "detached", yet the guest (no OS) never released them.
        assert.deepEqual(hostdevAddresses(await liveXml(VM)).sort(), [DEV, DEV2]);
        assert.equal(await hostDriver(DEV), "vfio-pci");
        // Unassign: the stored definition is the original again.
        assert.equal(canonicalXml(await inactiveXml(VM)), canonicalXml(original));

        // Still there after the page re-read the domains (polls every 10 s): never claimed gone.
        await new Promise(resolve => setTimeout(resolve, 12_000));
        assert.deepEqual(hostdevAddresses(await liveXml(VM)).sort(), [DEV, DEV2]);
        for (const a of [DEV, DEV2]) {
            assert.match((await card.locator(`.pt-vm-hostdev[data-address="${a}"]`).textContent())!,
                         /Removal requested, waiting for the guest/);
            assert.match(await rowLabels(frame, a), new RegExp(`Assigned to ${VM} \\(running\\)`));
        }

        await virsh(`destroy ${VM}`);
        await until(() => hostDriver(DEV), d => d === "e1000e", "00:02.0 back on e1000e");
        await until(() => hostDriver(DEV2), d => d === "e1000e", "00:03.0 back on e1000e");
        await until(() => rowDriver(frame, DEV), t => t === "e1000e", "the row's driver back to e1000e");
        await until(() => card.locator(".pt-vm-hostdev").count(), n => n === 0, "the VM card lists no device");
        assert.doesNotMatch(await rowLabels(frame, DEV), /Assigned to/);
        assert.equal(canonicalXml(await inactiveXml(VM)), canonicalXml(original));
    });

    browserTest("Create VM from XML with 00:02.0: Define and Create and start", async () => {
        const frame = await openPage();
        await admin();
        await vmRow(frame, "qemu", VM).waitFor();
        for (const [mode, name] of [["define", DEFINED], ["create", CREATED]] as const) {
            await frame.getByRole("button", { name: "Create VM from XML" }).click();
            const dialog = frame.locator("#pt-create-vm-dialog");
            await dialog.waitFor();
            await dialog.locator("#pt-create-name").fill(name);
            await dialog.locator("#pt-create-template").selectOption("qemu-emulated-x86_64");
            await dialog.locator(`[id="pt-create-dev-${DEV}"]`).check();
            await dialog.locator(mode === "define" ? "#pt-create-define" : "#pt-create-create").check();
            await dialog.getByRole("button", { name: mode === "define" ? "Define" : "Create and start", exact: true }).click();
            await dialog.waitFor({ state: "detached", timeout: 90_000 });
            await vmRow(frame, "qemu", name).waitFor();
        }

        assert.equal(await domState(DEFINED), "shut off");
        assert.match(await virsh(`dominfo ${DEFINED}`), /Persistent:\s+yes/);
        assert.deepEqual(hostdevAddresses(await inactiveXml(DEFINED)), [DEV]);

        assert.equal(await domState(CREATED), "running");
        assert.match(await virsh(`dominfo ${CREATED}`), /Persistent:\s+no/);
        assert.deepEqual(hostdevAddresses(await liveXml(CREATED)), [DEV]);
        assert.equal(await hostDriver(DEV), "vfio-pci");
        // One device in two VMs' definitions is flagged.
        await until(() => rowLabels(frame, DEV), t => t.includes("Assigned to more than one VM"), "the double assignment flag");

        await virsh(`destroy ${CREATED}`);
        await virsh(`undefine ${DEFINED}`);
        await until(() => hostDriver(DEV), d => d === "e1000e", "00:02.0 back on e1000e");
    });

    browserTest("the virsh (StratoVirt) path assigns and unassigns through the stored definition, keeping a VNC password", async () => {
        // The URI comes from the host's root-owned file; a URI in the browser's storage is ignored.
        await guest(["sh", "-c", `printf '# tests\\nstratovirt-uri = qemu:///system\\n' > ${HOST_CONFIG}`]);
        // A password the page must not lose: it is only in the XML read with --security-info.
        const withPassword = original.replace("</devices>", "<graphics type='vnc' port='-1' autoport='yes' passwd='secret'/></devices>");
        await defineDomain(withPassword);
        // Once more from libvirt's own output: a define sorts the controllers it added.
        await defineDomain(await virsh(`dumpxml --inactive --security-info ${VM}`));
        const before = await inactiveXml(VM);
        let frame = await openPage();
        await admin();
        await frame.evaluate(([key, uri]) => window.localStorage.setItem(key, uri), ["passthrough:stratovirt-uri", "qemu+ext:///system?command=/bin/false"]);
        try {
            frame = await openPage();
            const card = vmRow(frame, "stratovirt", VM);
            await card.waitFor();
            const dialog = await openAssign(frame, DEV, `stratovirt/${VM}`);
            await dialog.locator("#pt-assign-script").getByRole("button", { name: "View automation script" }).click();
            // The StratoVirt way: no attach-device, the edited stored definition is defined again.
            const script = await until(() => dialog.locator("#pt-assign-script").textContent(), t => (t ?? "").includes("define"),
                                       "the automation script");
            assert.match(script!, new RegExp(`dumpxml --inactive --security-info --domain ${VM}`));
            assert.doesNotMatch(script!, /attach-device/);
            await assignAndClose(dialog);

            const xml = await inactiveXml(VM);
            assert.deepEqual(hostdevAddresses(xml), [DEV]);
            assert.match(await virsh(`dumpxml --inactive --security-info ${VM}`), /passwd='secret'/, "the VNC password is kept");
            await until(() => card.locator(`.pt-vm-hostdev[data-address="${DEV}"]`).count(), n => n === 1, "the VM card lists the device");

            await card.getByRole("button", { name: `Remove ${DEV} from ${VM}` }).click();
            await until(() => card.locator(".pt-vm-hostdev").count(), n => n === 0, "the device gone from the card");
            assert.equal(canonicalXml(await inactiveXml(VM)), canonicalXml(before), "back to the definition before");
            assert.match(await virsh(`dumpxml --inactive --security-info ${VM}`), /passwd='secret'/, "still there after unassign");
        } finally {
            await frame.evaluate(key => window.localStorage.removeItem(key), "passthrough:stratovirt-uri");
            await guest(["rm", "-f", HOST_CONFIG]);
            await defineDomain(original);
        }
    });

    browserTest("a domain changed after the dialog read it is not written", async () => {
        const frame = await openPage();
        await admin();
        await vmRow(frame, "qemu", VM).waitFor();
        const dialog = await openAssign(frame, DEV, `qemu/${VM}`);
        await until(() => dialog.getByRole("button", { name: "Assign", exact: true }).isEnabled(), e => e, "Assign enabled");
        await virsh(`desc ${VM} --config --new-desc changed-behind-the-dialog`);
        const changed = await inactiveXml(VM);
        await dialog.getByRole("button", { name: "Assign", exact: true }).click();
        await dialog.getByText("The VM was changed since this dialog read it").waitFor();
        await dialog.getByRole("button", { name: "Cancel" }).click();
        assert.equal(canonicalXml(await inactiveXml(VM)), canonicalXml(changed), "nothing written");
        assert.deepEqual(hostdevAddresses(changed), []);
    });

    browserTest("with libvirtd stopped the VM section says why and the rest of the page works", async () => {
        await guest(`systemctl stop ${LIBVIRT_UNITS}`);
        try {
            const frame = await openPage();
            await admin();
            const alert = frame.locator("#pt-vms-unavailable-qemu");
            await alert.waitFor();
            const text = (await alert.textContent())!;
            assert.match(text, /the libvirt daemon is not running/);
            assert.match(text, /systemctl start libvirtd/);
            // The inventory is all there, and its actions open.
            const rows = await frame.$$eval("#device-table tr[data-address]", trs => trs.length);
            assert.ok(rows >= 7, `device rows: ${rows}`);
            await frame.click(`#device-table button[data-action="prepare"][data-address="${DEV}"]`);
            await frame.locator("#pt-prepare-dialog").waitFor();
            await frame.locator("#pt-prepare-dialog").getByRole("button", { name: "Cancel" }).click();
        } finally {
            await guest(`systemctl start ${LIBVIRT_UNITS}`);
        }
        const frame = await openPage();
        await vmRow(frame, "qemu", VM).waitFor();
    });
});
