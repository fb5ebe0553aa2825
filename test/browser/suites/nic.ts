// SPDX-License-Identifier: LGPL-2.1-or-later
/* SR-IOV network cards (issue 14) on the guest's emulated Intel 82576 (igb,
 * 00:07.0, interface enp0s7, QEMU >= 8): "VF settings" (MAC, VLAN, trust,
 * spoof check) and its automation script, a setting the emulated card refuses,
 * a VF assigned to a VM as a network interface. The settings kept after
 * reboot are checked in the "Kept after reboot" suite, in its two reboots.
 * Every outcome is checked in the guest with `ip -j -d link show` and
 * `virsh dumpxml`. */

import "../../lib/xml-dom.ts";

import assert from "node:assert/strict";
import { after, describe } from "node:test";

import { canonicalXml } from "../../../src/model/domain-xml.ts";
import { templateById } from "../../../src/model/domain-templates.ts";
import { RECORDS_NS } from "../../../src/model/hardware-records.ts";
import {
    apply, cleanIgb, close, createKeptVfs, DEFAULTS, fillSettings, IF, kebab, openVfSettings, PF, resetVfs, SET, showVfs, vfAddresses, vfIp,
} from "../igb.ts";
import { feedExecutor } from "../feed-executor.ts";
import { admin, browserTest, guest, openPage, session, until } from "../session.ts";

const VM = "pt-nic";
const virsh = (args: string) => guest(`LC_ALL=C virsh -c qemu:///system ${args}`);

describe("SR-IOV network cards", () => {
    let vfs: string[] = [];

    after(async () => {
        await session().machine.ssh(`virsh -c qemu:///system destroy ${VM}; virsh -c qemu:///system undefine ${VM}`, { check: false });
        await cleanIgb();
    });

    browserTest("2 VFs on the igb (kept after reboot), each a network VF with its own state in ip link", async () => {
        assert.equal((await guest(`cat /sys/bus/pci/devices/${PF}/sriov_totalvfs`)).trim(), "7");
        const frame = await openPage();
        await admin();
        await createKeptVfs(frame);
        vfs = await vfAddresses();
        assert.equal(vfs.length, 2);
        assert.deepEqual(await vfIp(0), DEFAULTS);
        assert.deepEqual(await vfIp(1), DEFAULTS);
    });

    browserTest("VF settings on VF 0: MAC, VLAN 100, trust on, spoof check off; ip shows exactly that; the script does the same", async () => {
        const frame = await openPage();
        await admin();
        let dialog = await openVfSettings(frame, vfs[0]);
        assert.equal(await frame.textContent("#pt-vf-where"), `VF 0 of ${IF} (${PF})`);
        await fillSettings(frame);
        const purposes = await dialog.locator("[data-step-purpose]").evaluateAll(lis => lis.map(li => li.getAttribute("data-step-purpose")));
        assert.deepEqual(purposes, ["set-vf", "set-vf", "set-vf", "set-vf"]);
        assert.match(await apply(frame), /VF settings applied/);
        assert.deepEqual(await vfIp(0), SET);
        assert.deepEqual(await vfIp(1), DEFAULTS, "VF 1 untouched");
        await close(frame);

        // The same settings by the automation script, run by hand on a VF put back to defaults.
        await resetVfs();
        await until(async () => JSON.stringify(await vfIp(0)), s => s === JSON.stringify(DEFAULTS), "VF 0 at its defaults");
        // A fresh page: ip link is read on full reads, and the reset above sent no uevent.
        const f = await openPage();
        dialog = await openVfSettings(f, vfs[0]);
        await fillSettings(f);
        await dialog.locator('.pt-plan-script button:has-text("View automation script")').click();
        const script = (await f.textContent("#pt-plan-script-code"))!;
        assert.match(script, /ip' 'link' 'set' 'dev' 'enp0s7' 'vf' '0' 'mac' '52:54:00:12:34:56'/);
        await dialog.getByRole("button", { name: "Cancel" }).click();
        assert.deepEqual(await vfIp(0), DEFAULTS, "viewing the script changes nothing");
        await session().machine.ssh("sh -s", { input: script });
        assert.deepEqual(await vfIp(0), SET);
    });

    browserTest("a link state the card refuses is explained at its field; the MAC set before it is undone", async () => {
        const frame = await openPage();
        await admin();
        await openVfSettings(frame, vfs[1]);
        await frame.fill("#pt-vf-mac", "52:54:00:77:77:77");
        await frame.selectOption("#pt-vf-state", "enable");
        const text = await apply(frame);
        assert.match(text, /Operation not supported/);
        const help = (await frame.textContent("#pt-vf-state-help"))!;
        assert.match(help, /The driver refused this setting: RTNETLINK answers: Operation not supported\. Nothing was changed/);
        assert.deepEqual(await vfIp(1), DEFAULTS, "VF 1 as it was: the MAC step was rolled back");
        await close(frame);
    });

    browserTest("a VF whose own interface carries a default route: VF settings refused with the reason, and by the executor", async () => {
        // The page makes VFs without a driver: VF 0 on igbvf gives it an interface of the host's.
        const vf0 = `/sys/bus/pci/devices/${vfs[0]}`;
        await guest(`modprobe igbvf && echo igbvf > ${vf0}/driver_override && echo ${vfs[0]} > /sys/bus/pci/drivers_probe && ` +
                    `echo > ${vf0}/driver_override || { echo > ${vf0}/driver_override; dmesg | tail -n 5 >&2; exit 1; }`);
        // udev renames the kernel's eth<N>: take the name once it has settled.
        const ifname = (await until(() => guest(`udevadm settle; ls /sys/bus/pci/devices/${vfs[0]}/net 2>/dev/null || true`),
                                    out => out.trim() !== "" && !/^eth[0-9]+$/.test(out.trim()), "VF 0's interface, renamed by udev")).trim();
        assert.match(ifname, /^[a-z0-9]+$/);
        // A second default route, far behind the guest's own (metric 100): nothing else changes.
        await guest(`ip link set ${ifname} up && ip route add default dev ${ifname} metric 4000`);
        try {
            const frame = await openPage();
            await admin();
            const dialog = await openVfSettings(frame, vfs[0]);
            const alert = dialog.locator("#pt-vf-host-needs");
            await alert.waitFor();
            assert.match((await alert.textContent())!, new RegExp(`Carries the default route \\(${ifname}\\)`));
            assert.equal(await frame.isDisabled("#pt-vf-settings-apply"), true);
            assert.match((await dialog.locator(".pt-disabled-reason").textContent())!, /The host needs this VF's network interface/);
            await dialog.getByRole("button", { name: "Cancel" }).click();

            const before = await vfIp(0);
            const answers = await feedExecutor([`vf-set\t${PF}\t0\tvlan\t200,0`, `persist-vf\t${PF}\t0\tvlan=200,0`, "commit"]);
            assert.deepEqual(answers.slice(0, 2), [`rejected\t${vfs[0]} carries the default route or a Cockpit session`,
                                                   `rejected\t${vfs[0]} carries the default route or a Cockpit session`]);
            assert.deepEqual(await vfIp(0), before, "the executor changed nothing");
            assert.doesNotMatch(await guest("ls /etc/udev/rules.d/"), /71-cockpit-passthrough-vf-0000:00:07\.0-0/);
        } finally {
            await guest(`ip route del default dev ${ifname} metric 4000; echo ${vfs[0]} > /sys/bus/pci/drivers/igbvf/unbind`);
        }
    });

    browserTest("VF 1 assigned as a network interface: MAC and VLAN in the domain XML, and on the VF once the VM runs", async () => {
        await session().machine.ssh(`virsh -c qemu:///system destroy ${VM}; virsh -c qemu:///system undefine ${VM}`, { check: false });
        const r = await session().machine.ssh("virsh -c qemu:///system define /dev/stdin", { input: templateById("qemu-emulated-x86_64").build(VM) });
        assert.match(r.stdout, /defined from/);
        const original = await virsh(`dumpxml --inactive ${VM}`);

        const frame = await openPage();
        await admin();
        await frame.locator(`[id="pt-vm-qemu-${VM}"]`).waitFor();
        await showVfs(frame);
        await kebab(frame, vfs[1], "Assign to VM");
        const dialog = frame.locator("#pt-assign-dialog");
        await dialog.waitFor();
        await dialog.locator("#pt-assign-vm").selectOption(`qemu/${VM}`);
        assert.ok(await frame.isChecked("#pt-assign-as-interface"), "network interface is the default for a NIC VF");
        await frame.fill("#pt-assign-mac", "52:54:00:ab:cd:ef");
        await frame.fill("#pt-assign-vlan", "200");
        await until(() => dialog.locator("#pt-assign-preview").textContent(), t => (t ?? "").includes("52:54:00:ab:cd:ef"), "the XML preview");
        await dialog.getByRole("button", { name: "Assign", exact: true }).click();
        await dialog.waitFor({ state: "detached", timeout: 90_000 });

        const xml = await virsh(`dumpxml --inactive ${VM}`);
        const doc = new DOMParser().parseFromString(xml, "text/xml");
        const ifaces = [...Array.from(doc.getElementsByTagName("interface"))].filter(i => i.getAttribute("type") === "hostdev");
        assert.equal(ifaces.length, 1);
        const iface = ifaces[0];
        assert.equal(iface.getElementsByTagName("mac")[0].getAttribute("address"), "52:54:00:ab:cd:ef");
        assert.equal(iface.getElementsByTagName("tag")[0].getAttribute("id"), "200");
        const a = iface.getElementsByTagName("source")[0].getElementsByTagName("address")[0];
        const [bus, slotFn] = vfs[1].split(":").slice(1);
        assert.equal(parseInt(a.getAttribute("bus")!, 16), parseInt(bus, 16));
        assert.equal(parseInt(a.getAttribute("slot")!, 16), parseInt(slotFn.split(".")[0], 16));
        assert.equal(parseInt(a.getAttribute("function")!, 16), Number(slotFn.split(".")[1]));
        // Nothing else changed: without the interface (and the page's record of
        // the hardware at its address, issue 15) the definition is the original.
        iface.parentNode!.removeChild(iface);
        const record = doc.getElementsByTagNameNS(RECORDS_NS, "hostdevs")[0];
        assert.ok(record, "the hardware record of the VF");
        const metadata = record.parentNode!;
        metadata.removeChild(record);
        if (Array.from(metadata.childNodes).every(n => n.nodeType !== 1))
            metadata.parentNode!.removeChild(metadata);
        const without = new XMLSerializer().serializeToString(doc);
        assert.equal(canonicalXml(without), canonicalXml(original));

        // libvirt sets the VF's MAC and VLAN through the PF, and only while it is up.
        await guest(`ip link set ${IF} up`);
        await virsh(`start ${VM}`);
        assert.equal((await vfIp(1)).mac, "52:54:00:ab:cd:ef", "libvirt set the MAC on VF 1 at start");
        assert.equal((await vfIp(1)).vlan, 200);
        await until(() => frame.locator(`[id="pt-vm-qemu-${VM}"]`).textContent(), t => (t ?? "").includes("MAC 52:54:00:ab:cd:ef"),
                    "the VM card shows the interface's MAC");
        await virsh(`destroy ${VM}`);
        await virsh(`undefine ${VM}`);
        await guest(`ip link set ${IF} down`);
    }, { timeout: 420_000 });
});
