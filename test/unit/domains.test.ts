// SPDX-License-Identifier: LGPL-2.1-or-later
/* model/domains.ts against an in-memory libvirt: the rollback of a half-done
 * assignment, the "changed since the dialog read it" stop, and the read-back
 * verification. The fake keeps real domain XML and edits it with the same
 * domain-xml functions libvirt's answers are parsed with. */
import "../lib/xml-dom.ts";

import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, test } from "node:test";

import type { DomainState } from "../../src/model/assignments.ts";
import {
    assignDevices, createDomain, DomainChangedError, loadDomain, readBaseline, unassignDevice, VerifyError, type Backend,
} from "../../src/model/domains.ts";
import { canonicalXml, hostdevXml, insertDevices, interfaceXml, listPciHostdevs, removeHostdev } from "../../src/model/domain-xml.ts";
import { readRecords } from "../../src/model/hardware-records.ts";
import type { PciAddress } from "../../src/model/pci-address.ts";

const BASE = fs.readFileSync(new URL("../fixtures/libvirt/q35-inactive.xml", import.meta.url), "utf8");
const A = "0000:00:02.0" as PciAddress;
const B = "0000:00:03.0" as PciAddress;
const fragment = (address: PciAddress) => hostdevXml({ address, managed: true, romBar: null, guest: null });

interface FakeDomain { uuid: string; name: string; state: DomainState; persistent: boolean; inactiveXml: string; liveXml: string }

/** One running, persistent domain "nested-q35". `failAttach` makes libvirt refuse that address. */
function fakeLibvirt(opts: { liveAttach: boolean; failAttach?: PciAddress; ignoreWrites?: boolean }) {
    const d: FakeDomain = { uuid: "u1", name: "nested-q35", state: "running", persistent: true, inactiveXml: BASE, liveXml: BASE };
    const calls: string[] = [];
    const addressOf = (xml: string) => listPciHostdevs(`<domain><devices>${xml}</devices></domain>`)[0].address;
    const backend: Backend = {
        connection: opts.liveAttach ? "qemu" : "stratovirt",
        uri: "test:///fake",
        liveAttach: opts.liveAttach,
        listRefs: async () => [d.uuid],
        info: async () => ({ uuid: d.uuid, name: d.name, state: d.state, persistent: d.persistent }),
        readXml: async (_ref, inactive) => inactive ? d.inactiveXml : d.liveXml,
        attach: async (_ref, xml, flags) => {
            const address = addressOf(xml);
            calls.push(`attach ${address} config=${flags.config} live=${flags.live}`);
            if (address === opts.failAttach)
                throw new Error("internal error: No more available PCI slots");
            if (opts.ignoreWrites)
                return;
            if (flags.config)
                d.inactiveXml = insertDevices(d.inactiveXml, [xml]);
            if (flags.live)
                d.liveXml = insertDevices(d.liveXml, [xml]);
        },
        detach: async (_ref, xml, flags) => {
            const address = addressOf(xml);
            calls.push(`detach ${address} config=${flags.config} live=${flags.live}`);
            if (flags.config)
                d.inactiveXml = removeHostdev(d.inactiveXml, address).xml;
            if (flags.live)
                d.liveXml = removeHostdev(d.liveXml, address).xml;
        },
        define: async xml => {
            calls.push("define");
            if (!opts.ignoreWrites)
                d.inactiveXml = xml;
        },
        create: async () => { calls.push("create") },
        refByName: async name => name === d.name ? d.uuid : null,
    };
    return { d, calls, backend };
}

describe("assigning devices to a VM", () => {
    test("a failed attach of the second function detaches the first again: the VM is left as it was", async () => {
        const { d, calls, backend } = fakeLibvirt({ liveAttach: true, failAttach: B });
        const record = await loadDomain(backend, d.uuid);
        const baseline = await readBaseline(backend, record);
        await assert.rejects(
            assignDevices(backend, record, baseline,
                          { fragments: [fragment(A), fragment(B)], addresses: [A, B], config: true, live: true }),
            /No more available PCI slots/);
        assert.deepEqual(calls, [
            "attach 0000:00:02.0 config=true live=true",
            "attach 0000:00:03.0 config=true live=true",
            "detach 0000:00:02.0 config=true live=false",
            "detach 0000:00:02.0 config=false live=true",
        ]);
        assert.equal(canonicalXml(d.inactiveXml), canonicalXml(BASE));
        assert.equal(canonicalXml(d.liveXml), canonicalXml(BASE));
    });

    test("both functions attached: the read-back finds them in the stored and the live XML", async () => {
        const { d, backend } = fakeLibvirt({ liveAttach: true });
        const record = await loadDomain(backend, d.uuid);
        const baseline = await readBaseline(backend, record);
        await assignDevices(backend, record, baseline,
                            { fragments: [fragment(A), fragment(B)], addresses: [A, B], config: true, live: true });
        const after = await loadDomain(backend, d.uuid);
        assert.ok([A, B].every(a => after.inactiveHostdevs.includes(a) && after.liveHostdevs.includes(a)));
    });

    test("a VM changed since the dialog read it is not touched", async () => {
        const { d, calls, backend } = fakeLibvirt({ liveAttach: true });
        const record = await loadDomain(backend, d.uuid);
        const baseline = await readBaseline(backend, record);
        d.inactiveXml = d.inactiveXml.replace("<vcpu placement='static'>1</vcpu>", "<vcpu placement='static'>2</vcpu>");
        await assert.rejects(
            assignDevices(backend, record, baseline, { fragments: [fragment(A)], addresses: [A], config: true, live: false }),
            DomainChangedError);
        assert.deepEqual(calls, []);
    });

    test("libvirt answers success but the XML lacks the device: VerifyError", async () => {
        const { d, backend } = fakeLibvirt({ liveAttach: true, ignoreWrites: true });
        const record = await loadDomain(backend, d.uuid);
        const baseline = await readBaseline(backend, record);
        await assert.rejects(
            assignDevices(backend, record, baseline, { fragments: [fragment(A)], addresses: [A], config: true, live: false }),
            VerifyError);
    });

    test("StratoVirt (no live attach): one define of the edited stored XML", async () => {
        const { d, calls, backend } = fakeLibvirt({ liveAttach: false });
        const record = await loadDomain(backend, d.uuid);
        const baseline = await readBaseline(backend, record);
        await assignDevices(backend, record, baseline,
                            { fragments: [fragment(A), fragment(B)], addresses: [A, B], config: true, live: false });
        assert.deepEqual(calls, ["define"]);
        assert.deepEqual((await loadDomain(backend, d.uuid)).inactiveHostdevs.filter(a => a === A || a === B), [A, B]);
    });
});

describe("a VF as a network interface, through both backends", () => {
    const VF = "0000:03:10.2" as PciAddress;
    const nic = interfaceXml({ address: VF, managed: true, romBar: null, guest: null, mac: "52:54:00:ab:cd:ef", vlan: 200 });
    const records = [{ address: VF, vendorId: 0x8086, deviceId: 0x10ca }];

    for (const liveAttach of [true, false]) {
        test(`${liveAttach ? "libvirt-dbus" : "virsh"}: assigned with its record, read back, removed again to the original`, async () => {
            const { d, backend } = fakeLibvirt({ liveAttach });
            d.state = "shut off";
            d.liveXml = d.inactiveXml;
            const record = await loadDomain(backend, d.uuid);
            const baseline = await readBaseline(backend, record);
            await assignDevices(backend, record, baseline, { fragments: [nic], addresses: [VF], config: true, live: false, records });
            const after = await loadDomain(backend, d.uuid);
            const dev = after.inactiveDevices.find(h => h.address === VF)!;
            assert.equal(dev.kind, "interface");
            assert.deepEqual(dev.net, { mac: "52:54:00:ab:cd:ef", vlans: [200] });
            assert.deepEqual(readRecords(d.inactiveXml), records);
            // the fixture's own interface (05:00.1) and everything else stay
            assert.ok(after.inactiveHostdevs.includes("0000:05:00.1" as PciAddress));

            d.liveXml = d.inactiveXml;
            const result = await unassignDevice(backend, await loadDomain(backend, d.uuid), VF);
            assert.deepEqual(result, { configRemoved: true, live: "none" });
            assert.equal(canonicalXml(d.inactiveXml), canonicalXml(BASE));
        });
    }

    for (const liveAttach of [true, false]) {
        test(`${liveAttach ? "libvirt-dbus" : "virsh"}: libvirt drops the VLAN: VerifyError, and the VM and its records are as before`, async () => {
            const { d, backend } = fakeLibvirt({ liveAttach });
            d.state = "shut off";
            d.liveXml = d.inactiveXml;
            // A libvirt (or hypervisor driver) that stores the interface without its <vlan>.
            const realAttach = backend.attach;
            const realDefine = backend.define;
            const dropVlan = (xml: string) => xml.replace(/<vlan>\s*<tag id=['"]200['"]\s*\/>\s*<\/vlan>/, "");
            backend.attach = (ref, xml, flags) => realAttach(ref, dropVlan(xml), flags);
            backend.define = xml => realDefine(dropVlan(xml));
            const record = await loadDomain(backend, d.uuid);
            const baseline = await readBaseline(backend, record);
            const interfaces = [{ address: VF, mac: "52:54:00:ab:cd:ef", vlan: 200 }];
            await assert.rejects(
                assignDevices(backend, record, baseline,
                              { fragments: [nic], addresses: [VF], config: true, live: false, records, interfaces }),
                (ex: unknown) => ex instanceof VerifyError && ex.problem.kind === "interface-differs" &&
                    /not in the VM's XML as a network interface with MAC 52:54:00:ab:cd:ef on VLAN 200/.test(ex.message));
            assert.equal(canonicalXml(d.inactiveXml), canonicalXml(BASE), "the device and its record are gone again");

            // The same request, kept as asked: no error.
            backend.attach = realAttach;
            backend.define = realDefine;
            await assignDevices(backend, await loadDomain(backend, d.uuid), await readBaseline(backend, await loadDomain(backend, d.uuid)),
                                { fragments: [nic], addresses: [VF], config: true, live: false, records, interfaces });
        });
    }

    test("hot plug of the interface: CONFIG|LIVE in one call; a running VM keeps it until the guest lets go", async () => {
        const { d, calls, backend } = fakeLibvirt({ liveAttach: true });
        const record = await loadDomain(backend, d.uuid);
        await assignDevices(backend, record, await readBaseline(backend, record),
                            { fragments: [nic], addresses: [VF], config: true, live: true });
        assert.deepEqual(calls, [`attach ${VF} config=true live=true`]);
        const after = await loadDomain(backend, d.uuid);
        assert.equal(after.liveDevices.find(h => h.address === VF)?.kind, "interface");
        assert.deepEqual(await unassignDevice(backend, after, VF), { configRemoved: true, live: "removed" });
        assert.deepEqual(calls.slice(1), [`detach ${VF} config=true live=false`, `detach ${VF} config=false live=true`]);
    });
});

describe("unassigning and creating", () => {
    test("a device in both XMLs is detached from each; a guest that keeps it live reads as pending", async () => {
        const { d, backend } = fakeLibvirt({ liveAttach: true });
        d.inactiveXml = insertDevices(BASE, [fragment(A)]);
        d.liveXml = d.inactiveXml;
        const realDetach = backend.detach;
        // The guest does not release the device: libvirt answers, the live XML keeps it.
        backend.detach = async (ref, xml, flags) => flags.live ? undefined : realDetach(ref, xml, flags);
        assert.deepEqual(await unassignDevice(backend, await loadDomain(backend, d.uuid), A), { configRemoved: true, live: "pending" });
    });

    test("create verifies the new VM holds the devices", async () => {
        const { backend } = fakeLibvirt({ liveAttach: true });
        await assert.rejects(createDomain(backend, BASE, "nested-q35", "define", [A]), VerifyError);
        await assert.rejects(createDomain(backend, BASE, "other", "define", []), VerifyError);
    });
});
