// SPDX-License-Identifier: LGPL-2.1-or-later
import "../lib/xml-dom.ts";

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { DOMAIN_TEMPLATES, TEMPLATE_ROOT_PORTS, placeholders, templateById } from "../../src/model/domain-templates.ts";
import {
    checkDomainXml, freeRootPortBuses, hostdevXml, insertDevices, listPciHostdevs, parseXml,
} from "../../src/model/domain-xml.ts";
import type { PciAddress } from "../../src/model/pci-address.ts";

const first = (doc: Document, tag: string) => doc.getElementsByTagName(tag)[0] ?? null;

describe("domain templates", () => {
    for (const template of DOMAIN_TEMPLATES) {
        test(`${template.id}: valid, named, ACPI, free pcie-root-ports`, () => {
            const xml = template.build("test-vm");
            assert.deepEqual(checkDomainXml(xml), { valid: true, name: "test-vm" });
            const doc = parseXml(xml);
            assert.ok(first(doc, "acpi"), "needs <acpi/>");
            const rootBus = [...Array.from(doc.getElementsByTagName("controller"))]
                    .filter(c => c.getAttribute("model") === "pcie-root");
            assert.equal(rootBus.length, 1);
            assert.equal(rootBus[0].getAttribute("index"), "0");
            assert.equal(freeRootPortBuses(xml).length, TEMPLATE_ROOT_PORTS);
            const machine = first(doc, "type")!.getAttribute("machine");
            const arch = first(doc, "type")!.getAttribute("arch");
            assert.equal(machine, arch === "x86_64" ? "q35" : "virt");
            if (arch === "aarch64")
                assert.equal(first(doc, "gic")?.getAttribute("version"), "3");
            // a hostdev goes in and is found again
            const withDevice = insertDevices(xml, [hostdevXml({ address: "0000:03:00.0" as PciAddress, managed: true, romBar: null, guest: null })]);
            assert.deepEqual(listPciHostdevs(withDevice).map(h => h.address), ["0000:03:00.0"]);
        });
    }

    test("StratoVirt: type kvm, StratoVirt emulator, direct kernel boot, paths to fill in", () => {
        for (const id of ["stratovirt-x86_64", "stratovirt-aarch64"] as const) {
            const t = templateById(id);
            assert.equal(t.connection, "stratovirt");
            const xml = t.build("sv");
            const doc = parseXml(xml);
            assert.equal(doc.documentElement.getAttribute("type"), "kvm");
            assert.equal(first(doc, "emulator")?.textContent, "/usr/bin/stratovirt");
            assert.ok(first(doc, "kernel"));
            assert.match(first(doc, "cmdline")?.textContent ?? "", /root=\/dev\/vda/);
            assert.ok(placeholders(xml).includes("/path/to/standard_vm_kernel"));
            assert.ok(placeholders(xml).includes("/path/to/rootfs"));
        }
        assert.match(first(parseXml(templateById("stratovirt-aarch64").build("a")), "cmdline")!.textContent!, /ttyAMA0/);
    });

    test("QEMU without KVM: type qemu, q35, nothing else on the root ports", () => {
        const t = templateById("qemu-emulated-x86_64");
        assert.equal(t.connection, "qemu");
        const xml = t.build("nested");
        const doc = parseXml(xml);
        assert.equal(doc.documentElement.getAttribute("type"), "qemu");
        assert.equal(first(doc, "disk"), null);
        assert.deepEqual(placeholders(xml), []);
        const usb = [...Array.from(doc.getElementsByTagName("controller"))].find(c => c.getAttribute("type") === "usb");
        assert.equal(usb?.getAttribute("model"), "none");
        assert.equal(first(doc, "memballoon")?.getAttribute("model"), "none");
        assert.equal(parseXml(templateById("qemu-kvm-x86_64").build("k")).documentElement.getAttribute("type"), "kvm");
    });

    test("QEMU without KVM on aarch64: virt, a 64-bit CPU model, UEFI from AAVMF", () => {
        const doc = parseXml(templateById("qemu-emulated-aarch64").build("nested"));
        assert.equal(doc.documentElement.getAttribute("type"), "qemu");
        assert.equal(first(doc, "type")!.getAttribute("machine"), "virt");
        assert.equal(first(doc, "cpu")!.getAttribute("mode"), "maximum");
        assert.equal(first(doc, "loader")!.textContent, "/usr/share/AAVMF/AAVMF_CODE.fd");
        assert.equal(first(parseXml(templateById("qemu-kvm-aarch64").build("k")), "cpu")!.getAttribute("mode"), "host-passthrough");
    });

    test("the name is escaped, not spliced", () => {
        const xml = templateById("qemu-kvm-x86_64").build("a<b>&'c\"");
        assert.deepEqual(checkDomainXml(xml), { valid: true, name: "a<b>&'c\"" });
    });
});
