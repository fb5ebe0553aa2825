// SPDX-License-Identifier: LGPL-2.1-or-later
/* MAC and VLAN values for a VF of a network card (issue 14, "Bad input"):
 * refused with a message before anything reaches libvirt or `ip link`. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { generateMac, parseMac, parseVlan } from "../../src/model/vf-net-values.ts";

describe("MAC addresses", () => {
    test("valid unicast addresses, normalised to lower case", () => {
        assert.deepEqual(parseMac("52:54:00:12:34:56"), { ok: true, mac: "52:54:00:12:34:56" });
        assert.deepEqual(parseMac(" 52:54:00:AB:cd:EF "), { ok: true, mac: "52:54:00:ab:cd:ef" });
        // a vendor's burned-in address is unicast too
        assert.deepEqual(parseMac("00:1b:21:0a:0b:0c"), { ok: true, mac: "00:1b:21:0a:0b:0c" });
    });

    test("broadcast and multicast are refused", () => {
        for (const text of ["ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:01", "33:33:00:00:00:01"]) {
            const r = parseMac(text);
            assert.equal(r.ok, false, text);
            assert.equal(!r.ok && r.problem, "multicast", text);
            assert.match(!r.ok ? r.error : "", /multicast/);
        }
    });

    test("short, long, wrong separators or digits, empty and all-zero are refused", () => {
        const problem = (text: string) => { const r = parseMac(text); return r.ok ? "ok" : r.problem };
        assert.equal(problem("00:11:22:33:44"), "format");
        assert.equal(problem("00:11:22:33:44:55:66"), "format");
        assert.equal(problem("00-11-22-33-44-55"), "format");
        assert.equal(problem("0:11:22:33:44:55"), "format");
        assert.equal(problem("52:54:00:12:34:5g"), "format");
        assert.equal(problem(""), "empty");
        assert.equal(problem("00:00:00:00:00:00"), "zero");
        const short = parseMac("00:11:22:33:44");
        assert.match(!short.ok ? short.error : "", /"00:11:22:33:44" is not a MAC address/);
    });

    test("messages go through the caller's gettext", () => {
        const r = parseMac("x", m => `[${m}]`);
        assert.match(!r.ok ? r.error : "", /^\[/);
    });
});

describe("VLAN IDs", () => {
    test("1-4094 are VLANs; empty and 0 mean none", () => {
        assert.deepEqual(parseVlan("100"), { ok: true, vlan: 100 });
        assert.deepEqual(parseVlan(" 4094 "), { ok: true, vlan: 4094 });
        assert.deepEqual(parseVlan("1"), { ok: true, vlan: 1 });
        assert.deepEqual(parseVlan(""), { ok: true, vlan: 0 });
        assert.deepEqual(parseVlan("0"), { ok: true, vlan: 0 });
    });

    test("4095 (reserved), negative, fractions and words are refused", () => {
        for (const text of ["4095", "10000", "-1", "1.5", "1e3", "abc", "0x10"]) {
            const r = parseVlan(text);
            assert.equal(r.ok, false, text);
            assert.match(!r.ok ? r.error : "", /1 to 4094/);
        }
    });
});

describe("generating a MAC", () => {
    test("52:54:00 and three random octets: locally administered, unicast, and it parses", () => {
        assert.equal(generateMac(b => b.set([0xab, 0x0c, 0xff])), "52:54:00:ab:0c:ff");
        const mac = generateMac();
        assert.match(mac, /^52:54:00(:[0-9a-f]{2}){3}$/);
        assert.deepEqual(parseMac(mac), { ok: true, mac });
        const first = parseInt(mac.slice(0, 2), 16);
        assert.equal(first & 1, 0, "unicast");
        assert.equal(first & 2, 2, "locally administered");
    });

    test("uses the random source: two calls differ", () => {
        const seen = new Set(Array.from({ length: 20 }, () => generateMac()));
        assert.ok(seen.size > 1);
    });
});
