/* The libvirt/QEMU errors users meet most with passthrough, explained in words.
 * Each fixture is the message shape QEMU and libvirt print for that failure
 * (test/fixtures/libvirt-errors/). */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import { explainLibvirtError } from "../../src/model/libvirt-errors.ts";

const fixture = (name: string) =>
    readFileSync(new URL(`../fixtures/libvirt-errors/${name}`, import.meta.url), "utf8");

describe("libvirt errors met with passthrough", () => {
    const cases: [file: string, kind: string, summary: RegExp, remedy: RegExp][] = [
        ["vfio-map-dma.txt", "locked-memory", /pin the VM's memory \(VFIO_MAP_DMA failed\)/, /less memory.*hard_limit/s],
        ["group-not-viable.txt", "group-not-viable", /IOMMU group 1 is not viable/, /whole IOMMU group/],
        ["iommu-container.txt", "iommu-container", /failed to set iommu for container/, /interrupt remapping.*RMRR/s],
        ["device-busy.txt", "device-busy", /busy: another VM or process/, /Stop the other VM/],
        ["bar-reserve.txt", "bar-reserve", /\(BAR 0\).*framebuffer/, /video=efifb:off and initcall_blacklist=sysfb_init/],
        // Seen starting a VM with a VF as <interface type='hostdev'> on the test VM's igb (libvirt 9).
        ["pf-offline.txt", "pf-offline", /physical function enp0s7 is down/, /ip link set enp0s7 up/],
    ];
    for (const [file, kind, summary, remedy] of cases) {
        test(`${file}: ${kind}`, () => {
            const message = fixture(file);
            const e = explainLibvirtError({ name: "org.libvirt.Error", message });
            assert.equal(e.kind, kind);
            assert.match(e.summary, summary);
            assert.match(e.remedy, remedy);
            assert.equal(e.detail, message.trim(), "libvirt's own message is kept");
        });
    }

    test("a bare ENOMEM without VFIO is not called a locked-memory problem", () => {
        assert.notEqual(explainLibvirtError({ message: "cannot allocate memory for the domain" }).kind, "locked-memory");
    });

    test("the explanations go through the caller's gettext", () => {
        for (const [file] of cases) {
            const e = explainLibvirtError({ message: fixture(file) }, s => `T(${s})`);
            assert.match(e.summary, /^T\(/);
            assert.match(e.remedy, /^T\(/);
        }
    });
});
