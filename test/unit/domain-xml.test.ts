// SPDX-License-Identifier: LGPL-2.1-or-later
import "../lib/xml-dom.ts";

import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, test } from "node:test";

import {
    canonicalXml, checkDomainXml, freeRootPortBuses, hostdevElementXml, hostdevXml, insertDevices, interfaceMacs,
    interfaceXml, listPciHostdevs, planHostdevs, planNeedsColdPlug, removeHostdev, sameXml,
} from "../../src/model/domain-xml.ts";
import type { PciAddress } from "../../src/model/pci-address.ts";

const fixture = (name: string) => fs.readFileSync(new URL(`../fixtures/libvirt/${name}`, import.meta.url), "utf8");
const inactive = fixture("q35-inactive.xml");
const live = fixture("q35-live.xml");
const at = (s: string) => s as PciAddress;

describe("listing hostdevs", () => {
    test("finds <hostdev> and <interface type='hostdev'> with host addresses", () => {
        assert.deepEqual(listPciHostdevs(live).map(h => [h.kind, h.address, h.managed, h.alias]), [
            ["interface", "0000:05:00.1", true, "hostdev0"],
            ["hostdev", "0000:00:02.0", true, "hostdev1"],
        ]);
        assert.deepEqual(listPciHostdevs(inactive).map(h => h.address), ["0000:05:00.1"]);
        assert.deepEqual(listPciHostdevs(live)[1].guest, { domain: 0, bus: 2, slot: 0, function: 0, multifunction: false });
    });

    test("ignores USB and non-PCI hostdevs, reads StratoVirt's short domain and decimal numbers", () => {
        const xml = `<domain><name>x</name><devices>
            <hostdev mode='subsystem' type='usb'><source><vendor id='0x1'/><product id='0x2'/></source></hostdev>
            <hostdev mode='subsystem' type='pci' managed='no'><source><address domain='0x000' bus='3' slot='0x00' function='0x1'/></source></hostdev>
            <interface type='network'><source network='default'/></interface>
        </devices></domain>`;
        assert.deepEqual(listPciHostdevs(xml).map(h => [h.address, h.managed]), [["0000:03:00.1", false]]);
    });

    test("a domain without devices has none", () => {
        assert.deepEqual(listPciHostdevs("<domain><name>x</name></domain>"), []);
    });
});

describe("building hostdevs", () => {
    test("fragment: managed, vfio driver, source address, ROM BAR", () => {
        const xml = hostdevXml({ address: at("0000:03:00.0"), managed: true, romBar: "off", guest: null });
        assert.equal(xml, [
            "<hostdev mode='subsystem' type='pci' managed='yes'>",
            "  <driver name='vfio'/>",
            "  <source>",
            "    <address domain='0x0000' bus='0x03' slot='0x00' function='0x0'/>",
            "  </source>",
            "  <rom bar='off'/>",
            "</hostdev>",
        ].join("\n"));
        const unmanaged = hostdevXml({ address: at("0001:af:1f.7"), managed: false, romBar: null, guest: null });
        assert.match(unmanaged, /managed='no'/);
        assert.doesNotMatch(unmanaged, /<rom/);
        assert.match(unmanaged, /domain='0x0001' bus='0xaf' slot='0x1f' function='0x7'/);
        // and it reads back as what it was built from
        const wrapped = insertDevices("<domain><name>x</name><devices/></domain>", [unmanaged]);
        assert.deepEqual(listPciHostdevs(wrapped).map(h => [h.address, h.managed]), [["0001:af:1f.7", false]]);
    });

    test("free root ports: those no device address points at", () => {
        // bus 1 holds the hostdev interface; 2..4 are free in the stored XML, 2 is taken in the live one
        assert.deepEqual(freeRootPortBuses(inactive), [2, 3, 4]);
        assert.deepEqual(freeRootPortBuses(live), [3, 4]);
    });

    test("functions of one card share a guest slot, keep function numbers, multifunction on function 0", () => {
        const specs = planHostdevs([at("0000:03:00.1"), at("0000:03:00.0"), at("0000:04:00.0")],
                                   { managed: true, romBar: null }, [3, 4]);
        assert.deepEqual(specs.map(s => [s.address, s.guest]), [
            ["0000:03:00.0", { domain: 0, bus: 3, slot: 0, function: 0, multifunction: true }],
            ["0000:03:00.1", { domain: 0, bus: 3, slot: 0, function: 1, multifunction: false }],
            ["0000:04:00.0", null],
        ]);
        assert.equal(planNeedsColdPlug(specs), true);
        const fragment = hostdevXml(specs[0]);
        assert.match(fragment, /<address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x0' multifunction='on'\/>/);
        assert.doesNotMatch(hostdevXml(specs[1]), /multifunction/);
    });

    test("without a free root port or without function 0, functions get separate slots", () => {
        const noPort = planHostdevs([at("0000:03:00.0"), at("0000:03:00.1")], { managed: true, romBar: null }, []);
        assert.deepEqual(noPort.map(s => s.guest), [null, null]);
        const noZero = planHostdevs([at("0000:03:00.1"), at("0000:03:00.2")], { managed: true, romBar: null }, [5]);
        assert.deepEqual(noZero.map(s => s.guest), [null, null]);
        assert.equal(planNeedsColdPlug(noZero), false);
        const single = planHostdevs([at("0000:00:02.0")], { managed: false, romBar: "on" }, [3]);
        assert.deepEqual(single, [{ address: "0000:00:02.0", managed: false, romBar: "on", guest: null }]);
    });
});

describe("editing keeps everything else", () => {
    test("assign then unassign is canonically the original", () => {
        const fragment = hostdevXml({ address: at("0000:00:02.0"), managed: true, romBar: null, guest: null });
        const assigned = insertDevices(inactive, [fragment]);
        assert.notEqual(canonicalXml(assigned), canonicalXml(inactive));
        assert.deepEqual(listPciHostdevs(assigned).map(h => h.address), ["0000:05:00.1", "0000:00:02.0"]);
        const { xml: back, removed } = removeHostdev(assigned, at("0000:00:02.0"));
        assert.equal(removed, 1);
        assert.equal(canonicalXml(back), canonicalXml(inactive));
        // whitespace handling is exact too: the text round-trips byte for byte, apart from quote style
        assert.equal(back.replace(/"/g, "'"), inactive.trim().replace(/"/g, "'"));
    });

    test("the insertion is indented like its siblings", () => {
        const fragment = hostdevXml({ address: at("0000:00:02.0"), managed: true, romBar: null, guest: null });
        const assigned = insertDevices(inactive, [fragment]);
        assert.match(assigned, /\n {4}<memballoon model=.none.\/>\n {4}<hostdev mode=.subsystem.[^\n]*\n {6}<driver name=.vfio.\/>\n {6}<source>\n {8}<address [^\n]*\n {6}<\/source>\n {4}<\/hostdev>\n {2}<\/devices>/);
    });

    test("the only difference after assign is the added element", () => {
        const fragments = planHostdevs([at("0000:03:00.0"), at("0000:03:00.1")], { managed: true, romBar: "on" }, freeRootPortBuses(inactive))
                .map(hostdevXml);
        let xml = insertDevices(inactive, fragments);
        assert.equal(listPciHostdevs(xml).length, 3);
        xml = removeHostdev(xml, at("0000:03:00.1")).xml;
        xml = removeHostdev(xml, at("0000:03:00.0")).xml;
        assert.ok(sameXml(xml, inactive));
    });

    test("removing a hostdev interface; removing what is absent changes nothing", () => {
        const { xml, removed } = removeHostdev(inactive, at("0000:05:00.1"));
        assert.equal(removed, 1);
        assert.deepEqual(listPciHostdevs(xml), []);
        assert.match(xml, /<controller type=.usb./);
        const none = removeHostdev(inactive, at("0000:09:00.0"));
        assert.equal(none.removed, 0);
        assert.ok(sameXml(none.xml, inactive));
    });

    test("the element for DetachDevice comes from the XML it is detached from", () => {
        const el = hostdevElementXml(live, at("0000:00:02.0"))!;
        assert.match(el, /<alias name="hostdev1"\/>/);
        assert.equal(listPciHostdevs(`<domain><devices>${el}</devices></domain>`)[0].address, "0000:00:02.0");
        assert.equal(hostdevElementXml(inactive, at("0000:00:02.0")), null);
    });

    test("inserting into a domain without <devices> creates it", () => {
        const xml = insertDevices("<domain type='kvm'><name>a</name></domain>", [hostdevXml({ address: at("0000:03:00.0"), managed: true, romBar: null, guest: null })]);
        assert.deepEqual(listPciHostdevs(xml).map(h => h.address), ["0000:03:00.0"]);
    });
});

describe("VFs as network interfaces", () => {
    const VF = at("0000:03:10.2");
    const spec = { address: VF, managed: true, romBar: null, guest: null, mac: "52:54:00:ab:cd:ef", vlan: 200 };

    test("fragment: managed, MAC, PCI source, VLAN tag; no <vlan> for 0", () => {
        assert.equal(interfaceXml(spec), [
            "<interface type='hostdev' managed='yes'>",
            "  <mac address='52:54:00:ab:cd:ef'/>",
            "  <source>",
            "    <address type='pci' domain='0x0000' bus='0x03' slot='0x10' function='0x2'/>",
            "  </source>",
            "  <vlan>",
            "    <tag id='200'/>",
            "  </vlan>",
            "</interface>",
        ].join("\n"));
        const plain = interfaceXml({ ...spec, vlan: 0, managed: false, romBar: "off" });
        assert.doesNotMatch(plain, /<vlan/);
        assert.match(plain, /managed='no'/);
        assert.match(plain, /<rom bar='off'\/>/);
    });

    test("values that did not pass parseMac/parseVlan never reach the XML", () => {
        assert.throws(() => interfaceXml({ ...spec, mac: "52:54:00:ab:cd:ef'/><x a='" }));
        assert.throws(() => interfaceXml({ ...spec, vlan: 4095 }));
        assert.throws(() => interfaceXml({ ...spec, vlan: -1 }));
    });

    test("reads back as an interface with its MAC and VLAN; hostdevs have no network side", () => {
        const xml = insertDevices(inactive, [interfaceXml(spec)]);
        const found = listPciHostdevs(xml).find(h => h.address === VF)!;
        assert.equal(found.kind, "interface");
        assert.equal(found.managed, true);
        assert.deepEqual(found.net, { mac: "52:54:00:ab:cd:ef", vlans: [200] });
        assert.deepEqual(listPciHostdevs(live).map(h => h.net),
                         [{ mac: "52:54:00:6d:90:02", vlans: [42] }, null]);
        // a trunk lists its tags; a MAC in upper case reads as lower case
        const trunk = `<domain><devices><interface type='hostdev'><mac address='52:54:00:AA:00:01'/>
            <source><address type='pci' domain='0' bus='3' slot='0x10' function='0'/></source>
            <vlan trunk='yes'><tag id='10'/><tag id='20'/></vlan></interface></devices></domain>`;
        assert.deepEqual(listPciHostdevs(trunk)[0].net, { mac: "52:54:00:aa:00:01", vlans: [10, 20] });
    });

    test("assign then unassign gives back the fixture byte for byte (apart from quote style)", () => {
        for (const base of [inactive, live]) {
            const assigned = insertDevices(base, [interfaceXml(spec)]);
            assert.match(assigned, /\n {4}<interface type=.hostdev. managed=.yes.>\n {6}<mac address=.52:54:00:ab:cd:ef.\/>\n {6}<source>/);
            assert.deepEqual(listPciHostdevs(assigned).map(h => h.address).slice(-1), [VF]);
            const { xml: back, removed } = removeHostdev(assigned, VF);
            assert.equal(removed, 1);
            assert.ok(sameXml(back, base));
            assert.equal(back.replace(/"/g, "'"), base.trim().replace(/"/g, "'"));
        }
    });

    test("removing the new interface leaves the other interface, the metadata and the rest alone", () => {
        const assigned = insertDevices(inactive, [interfaceXml(spec), hostdevXml({ address: at("0000:00:02.0"), managed: true, romBar: null, guest: null })]);
        const { xml } = removeHostdev(assigned, VF);
        assert.deepEqual(listPciHostdevs(xml).map(h => [h.kind, h.address]), [["interface", "0000:05:00.1"], ["hostdev", "0000:00:02.0"]]);
        assert.match(xml, /keep me/);
        assert.ok(sameXml(removeHostdev(xml, at("0000:00:02.0")).xml, inactive));
    });

    test("the element DetachDevice gets for an interface is the interface", () => {
        const el = hostdevElementXml(live, at("0000:05:00.1"))!;
        assert.match(el, /^<interface type="hostdev"/);
        assert.match(el, /<mac address="52:54:00:6d:90:02"\/>/);
    });

    test("every interface's MAC, whatever its type", () => {
        assert.deepEqual(interfaceMacs(live), ["52:54:00:6d:90:02"]);
        const xml = `<domain><devices><interface type='network'><mac address='52:54:00:00:00:0A'/><source network='default'/></interface>
            <interface type='bridge'><source bridge='br0'/></interface></devices></domain>`;
        assert.deepEqual(interfaceMacs(xml), ["52:54:00:00:00:0a"]);
        assert.deepEqual(interfaceMacs("<domain><name>x</name></domain>"), []);
    });
});

describe("canonical form", () => {
    test("ignores attribute order, quote style, formatting whitespace and comments", () => {
        assert.equal(canonicalXml(`<a y='1' x="2">\n  <!-- c -->\n  <b/>\n</a>`), canonicalXml(`<a x='2' y='1'><b></b></a>`));
        assert.equal(canonicalXml(`<a x='2' y='1'><b/></a>`), `<a x="2" y="1"><b/></a>`);
    });

    test("sees real changes: values, text, element order, namespaced metadata", () => {
        assert.notEqual(canonicalXml(`<a x='1'/>`), canonicalXml(`<a x='2'/>`));
        assert.notEqual(canonicalXml(`<a><b/><c/></a>`), canonicalXml(`<a><c/><b/></a>`));
        assert.notEqual(canonicalXml(`<a>1</a>`), canonicalXml(`<a>2</a>`));
        assert.notEqual(canonicalXml(inactive), canonicalXml(inactive.replace("keep me", "changed")));
        assert.notEqual(canonicalXml(inactive), canonicalXml(live));
    });
});

describe("validation before submission", () => {
    test("parse errors, wrong root, missing name", () => {
        assert.deepEqual(checkDomainXml(inactive), { valid: true, name: "nested-q35" });
        const broken = checkDomainXml("<domain><name>x</name>");
        assert.equal(broken.valid, false);
        assert.equal(!broken.valid && broken.problem.kind, "parse");
        assert.equal(checkDomainXml("").valid, false);
        assert.deepEqual(checkDomainXml("<network><name>x</name></network>"), { valid: false, problem: { kind: "root", found: "network" } });
        assert.deepEqual(checkDomainXml("<domain type='kvm'><name>  </name></domain>"), { valid: false, problem: { kind: "no-name" } });
        assert.deepEqual(checkDomainXml("<domain type='kvm'></domain>"), { valid: false, problem: { kind: "no-name" } });
    });
});
