// SPDX-License-Identifier: LGPL-2.1-or-later
/* The executor's policy refusals in words: every reason executor.sh's policy
 * can give is matched, checked against the executor's own text so that a
 * change there cannot silently leave the page showing English only. */

import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, test } from "node:test";

import { explainRefusal } from "../../src/model/executor-refusals.ts";
import { identity } from "../../src/model/translate.ts";

const EXECUTOR = fs.readFileSync(new URL("../../src/host/executor.sh", import.meta.url), "utf8");

describe("explainRefusal", () => {
    const cases: [string, RegExp][] = [
        ["0000:00:1c.0 is a bridge: the host needs it", /^0000:00:1c\.0 is a PCI bridge: the host needs it\.$/],
        ["0000:00:1f.2 holds the root filesystem", /^0000:00:1f\.2 is the controller of the root file system\.$/],
        ["0000:00:03.0 carries the default route or a Cockpit session", /^0000:00:03\.0 carries the default route or a Cockpit session: the host/],
        ["cannot tell whether 0000:00:1f.2 holds the root filesystem: cannot read /proc/self/mountinfo",
         /^The host could not tell whether 0000:00:1f\.2 holds the root file system \(cannot read \/proc\/self\/mountinfo\)/],
        ["cannot tell whether 0000:00:03.0 carries this session: ip: Cannot open netlink socket",
         /^The host could not tell whether 0000:00:03\.0 carries this session \(ip: Cannot open netlink socket\)/],
        ["0000:00:02.0 is in use: /dev/vfio/7 is open by process 4242 (a running VM)",
         /^0000:00:02\.0 is in use by a running VM \(process 4242 has \/dev\/vfio\/7 open\)\.$/],
        ["0000:00:04.0 supports at most 4 VFs", /^0000:00:04\.0 supports at most 4 VFs\.$/],
        ["cannot change the VFs of 0000:00:04.0: 0000:00:04.1 is in use: /dev/vfio/9 is open by process 17 (a running VM)",
         /^The VFs of 0000:00:04\.0 cannot change: 0000:00:04\.1 is in use by a running VM \(process 17 has \/dev\/vfio\/9 open\)\.$/],
        ["0000:00:07.0 has no network interface", /^0000:00:07\.0 has no network interface: /],
        ["VF index 5 is past sriov_numvfs (2)", /^VF 5 does not exist: the card has 2 VFs now\.$/],
        ["no such device: 0000:00:09.0", /^0000:00:09\.0 is no longer on the host\.$/],
    ];

    for (const [reason, said] of cases) {
        test(reason, () => {
            assert.match(explainRefusal(reason, identity) ?? "(not matched)", said);
        });
    }

    test("a reason the page catches first (bad input) is left to the generic text", () => {
        assert.equal(explainRefusal("bad VLAN ID: 4095 (0 for none, 1 to 4094)", identity), null);
        assert.equal(explainRefusal("cannot change the VFs of 0000:00:04.0: bad thing", identity), null);
    });

    test("each policy reason the page says in words is still written so by executor.sh", () => {
        for (const template of [
            "$1 is a bridge: the host needs it", "$1 holds the root filesystem", "$1 carries the default route or a Cockpit session",
            "cannot tell whether $1 holds the root filesystem: $root_unknown", "cannot tell whether $1 carries this session: $net_unknown",
            "$1 is in use: /dev/vfio/$g is open by process ${pid%%/*} (a running VM)", "$1 supports at most $total VFs",
            "cannot change the VFs of $1: $reason", "$1 has no network interface", "VF index $2 is past sriov_numvfs ($numvfs)",
            "no such device: $1",
        ])
            assert.ok(EXECUTOR.includes(`reason="${template}"`), template);
    });
});
