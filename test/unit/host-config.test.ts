import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { parseHostConfig } from "../../src/model/host-config.ts";

describe("/etc/cockpit/passthrough.conf", () => {
    test("a plain local URI is taken", () => {
        assert.equal(parseHostConfig("# tests\nstratovirt-uri = qemu:///system\n").stratovirtUri, "qemu:///system");
        assert.equal(parseHostConfig(null).stratovirtUri, null);
    });

    test("a URI that would run a program, or reach another host, is ignored", () => {
        for (const uri of ["qemu+ext:///system?command=/tmp/x", "qemu+ssh://root@evil/system", "qemu:///system?socket=/tmp/s",
                           "qemu:///system extra", "test:///default"]) {
            const config = parseHostConfig(`stratovirt-uri = ${uri}\n`);
            assert.equal(config.stratovirtUri, null, uri);
            assert.equal(config.ignored.length, 1);
        }
    });
});
