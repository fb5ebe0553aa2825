// SPDX-License-Identifier: LGPL-2.1-or-later
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";

import { attachScript, createScript, defineScript, detachScript, shellQuote } from "../../src/model/virsh-script.ts";

const fragment = "<hostdev mode='subsystem' type='pci' managed='yes'>\n  <driver name='vfio'/>\n  <source>\n    <address domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>\n  </source>\n</hostdev>";

/** Runs a script with a fake `virsh` first in PATH that records its argv and the file it was given. */
function runWithFakeVirsh(script: string): { argv: string[]; file: string }[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virsh-script-"));
    try {
        const log = path.join(dir, "log");
        fs.writeFileSync(path.join(dir, "virsh"),
                         `#!/bin/sh\nfor a in "$@"; do printf '%s\\0' "$a"; done >> "${log}"\nprintf '\\1' >> "${log}"\n` +
                         `for a in "$@"; do [ -f "$a" ] && cat "$a" >> "${log}.files"; done; printf '\\2' >> "${log}.files"\n`, { mode: 0o755 });
        const result = spawnSync("sh", ["-c", script], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, encoding: "utf8" });
        assert.equal(result.status, 0, result.stderr);
        const calls = fs.readFileSync(log, "utf8").split("\x01").filter(Boolean).map(c => c.split("\0").filter(Boolean));
        const files = fs.existsSync(log + ".files") ? fs.readFileSync(log + ".files", "utf8").split("\x02") : [];
        return calls.map((argv, i) => ({ argv, file: files[i] ?? "" }));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("virsh automation scripts", () => {
    test("shell quoting survives quotes, spaces, $ and newlines", () => {
        for (const value of ["plain", "it's", "a b", "$(reboot)", "x\ny", "'", ""]) {
            const r = spawnSync("sh", ["-c", `printf '%s' ${shellQuote(value)}`], { encoding: "utf8" });
            assert.equal(r.stdout, value);
        }
    });

    test("attach: --config --live, the exact fragment through a heredoc, odd VM names intact", () => {
        const name = "vm 'one' $(touch /tmp/pwned)";
        const script = attachScript({ connection: "qemu", domain: name, fragments: [fragment], config: true, live: true });
        assert.match(script, /virsh -c qemu:\/\/\/system attach-device /);
        const calls = runWithFakeVirsh(script);
        assert.equal(calls.length, 1);
        // --domain and --file: a VM named "--help" stays a name.
        assert.deepEqual(calls[0].argv.slice(0, 5), ["-c", "qemu:///system", "attach-device", "--domain", name]);
        assert.equal(calls[0].argv[5], "--file");
        assert.deepEqual(calls[0].argv.slice(7), ["--config", "--live"]);
        assert.equal(calls[0].file.trim(), fragment);
    });

    test("from next boot only: --config without --live; one command per function", () => {
        const script = attachScript({ connection: "qemu", domain: "vm", fragments: [fragment, fragment.replace("0x02", "0x03")], config: true, live: false });
        const calls = runWithFakeVirsh(script);
        assert.equal(calls.length, 2);
        assert.deepEqual(calls.map(c => c.argv.slice(7)), [["--config"], ["--config"]]);
        assert.match(calls[1].file, /slot='0x03'/);
    });

    test("detach renders detach-device; nothing to affect is an error", () => {
        const calls = runWithFakeVirsh(detachScript({ connection: "qemu", domain: "vm", fragments: [fragment], config: false, live: true }));
        assert.deepEqual(calls[0].argv.slice(2, 5), ["detach-device", "--domain", "vm"]);
        assert.deepEqual(calls[0].argv.slice(7), ["--live"]);
        assert.throws(() => detachScript({ connection: "qemu", domain: "vm", fragments: [fragment], config: false, live: false }));
    });

    test("StratoVirt: define the edited XML, a delimiter line inside the XML cannot end the heredoc", () => {
        const xml = `<domain type='kvm'>\n<name>sv</name>\n<description>\nEOF_XML\n$(reboot)\n</description>\n</domain>`;
        const script = defineScript("stratovirt", "sv", xml);
        const calls = runWithFakeVirsh(script);
        assert.deepEqual(calls.map(c => c.argv.slice(0, 3)), [["-c", "stratovirt:///system", "dumpxml"], ["-c", "stratovirt:///system", "define"]]);
        assert.ok(calls[0].argv.includes("--security-info"), "the password survives the redefine");
        assert.deepEqual(calls[0].argv.slice(-2), ["--domain", "sv"]);
        assert.equal(calls[1].file.trim(), xml);
        assert.doesNotMatch(script, /attach-device|--live/);
    });

    test("a VF as network interface: the <interface> goes through attach-device or define like a hostdev, with a note", () => {
        const nic = "<interface type='hostdev' managed='yes'>\n  <mac address='52:54:00:ab:cd:ef'/>\n  <source>\n" +
                    "    <address type='pci' domain='0x0000' bus='0x03' slot='0x10' function='0x2'/>\n  </source>\n" +
                    "  <vlan>\n    <tag id='200'/>\n  </vlan>\n</interface>";
        const note = "libvirt sets the MAC on VF 1 of enp3s0 when the VM starts:\nreboot";
        const script = attachScript({ connection: "qemu", domain: "vm", fragments: [nic], config: true, live: false, comments: [note] });
        assert.match(script, /^# libvirt sets the MAC on VF 1 of enp3s0 when the VM starts: reboot$/m);
        const calls = runWithFakeVirsh(script);
        assert.equal(calls.length, 1, "the comment runs nothing");
        assert.deepEqual(calls[0].argv.slice(2, 5), ["attach-device", "--domain", "vm"]);
        assert.equal(calls[0].file.trim(), nic);
        const xml = `<domain><name>sv</name><devices>\n${nic}\n</devices></domain>`;
        const define = runWithFakeVirsh(defineScript("stratovirt", "sv", xml, [note]));
        assert.equal(define[1].file.trim(), xml);
    });

    test("a VM named --help is a name, not an option", () => {
        const calls = runWithFakeVirsh(attachScript({ connection: "qemu", domain: "--help", fragments: [fragment], config: true, live: false }));
        assert.deepEqual(calls[0].argv.slice(3, 5), ["--domain", "--help"]);
    });

    test("create and define modes", () => {
        assert.deepEqual(runWithFakeVirsh(createScript("qemu", "<domain/>", "create"))[0].argv.slice(0, 3), ["-c", "qemu:///system", "create"]);
        assert.deepEqual(runWithFakeVirsh(createScript("stratovirt", "<domain/>", "define"))[0].argv.slice(0, 3), ["-c", "stratovirt:///system", "define"]);
    });
});
