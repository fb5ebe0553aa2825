/* udevadm monitor output as the page receives it (chunks split anywhere), and
 * what each event makes the page re-read (issue 16). The text follows the
 * format of `udevadm monitor --kernel --property` (systemd 252, Debian 12):
 * a VF added by `echo 1 > sriov_numvfs` on the NVMe at 00:04.0, the PF's
 * change event, and a virtual interface. The browser suite "Live refresh"
 * checks the real thing in the test VM. */

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { addEvents, emptyNeed, ueventParser } from "../../src/model/uevents.ts";

const OUTPUT = `monitor will print the received events for:
KERNEL - the kernel uevent

KERNEL[512.401822] add      /devices/pci0000:00/0000:00:04.1 (pci)
ACTION=add
DEVPATH=/devices/pci0000:00/0000:00:04.1
SUBSYSTEM=pci
PCI_CLASS=10802
PCI_ID=1B36:0010
PCI_SUBSYS_ID=1AF4:1100
PCI_SLOT_NAME=0000:00:04.1
MODALIAS=pci:v00001B36d00000010sv00001AF4sd00001100bc01sc08i02
SEQNUM=3012

KERNEL[512.402901] change   /devices/pci0000:00/0000:00:04.0 (pci)
ACTION=change
DEVPATH=/devices/pci0000:00/0000:00:04.0
SUBSYSTEM=pci
SEQNUM=3013

KERNEL[513.100000] add      /devices/virtual/net/vnet0 (net)
ACTION=add
DEVPATH=/devices/virtual/net/vnet0
SUBSYSTEM=net
INTERFACE=vnet0
SEQNUM=3014

`;

describe("ueventParser", () => {
    test("listening once udevadm says so, then one event per block, whatever the chunking", () => {
        for (const size of [1, 7, 64, OUTPUT.length]) {
            const parser = ueventParser();
            let listening = 0;
            const events = [];
            for (let i = 0; i < OUTPUT.length; i += size) {
                const r = parser.push(OUTPUT.slice(i, i + size));
                listening += r.listening ? 1 : 0;
                events.push(...r.events);
            }
            assert.equal(listening, 1, `chunks of ${size}`);
            assert.deepEqual(events, [
                { action: "add", devpath: "/devices/pci0000:00/0000:00:04.1", subsystem: "pci" },
                { action: "change", devpath: "/devices/pci0000:00/0000:00:04.0", subsystem: "pci" },
                { action: "add", devpath: "/devices/virtual/net/vnet0", subsystem: "net" },
            ], `chunks of ${size}`);
        }
    });

    test("no event is reported before its block ends", () => {
        const parser = ueventParser();
        const r = parser.push(OUTPUT.slice(0, OUTPUT.indexOf("SEQNUM=3012")));
        assert.equal(r.listening, true);
        assert.deepEqual(r.events, []);
    });
});

describe("addEvents", () => {
    const ev = (subsystem: string, devpath: string, action = "change") => ({ action, devpath, subsystem });

    test("a PCI event names its function; net and block events name their owner and the host usage", () => {
        const need = addEvents(emptyNeed(), [
            ev("pci", "/devices/pci0000:00/0000:00:01.0/0000:01:00.0", "bind"),
            ev("net", "/devices/pci0000:00/0000:00:02.0/net/enp0s2", "add"),
            ev("block", "/devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1", "remove"),
        ]);
        assert.deepEqual([...need.addresses].sort(), ["0000:00:02.0", "0000:00:04.0", "0000:01:00.0"]);
        assert.equal(need.full, false);
        assert.equal(need.usage, true);
    });

    test("a PCI remove event marks its function removed until a later event names it again", () => {
        const need = addEvents(emptyNeed(), [ev("pci", "/devices/pci0000:00/0000:00:04.1", "remove"),
                                             ev("pci", "/devices/pci0000:00/0000:00:04.2", "remove")]);
        assert.deepEqual([...need.removed].sort(), ["0000:00:04.1", "0000:00:04.2"]);
        addEvents(need, [ev("pci", "/devices/pci0000:00/0000:00:04.2", "add")]);
        assert.deepEqual([...need.removed], ["0000:00:04.1"]);
        assert.deepEqual([...need.addresses].sort(), ["0000:00:04.1", "0000:00:04.2"]);
    });

    test("virtual interfaces touch only the host usage; a PCI path without a function means a full read", () => {
        const virtual = addEvents(emptyNeed(), [ev("net", "/devices/virtual/net/vnet0", "add")]);
        assert.deepEqual([...virtual.addresses], []);
        assert.equal(virtual.usage, true);
        assert.equal(virtual.full, false);
        const odd = addEvents(emptyNeed(), [ev("pci", "/devices/pci0000:00", "change")]);
        assert.equal(odd.full, true);
        assert.equal(odd.usage, false);
    });
});
