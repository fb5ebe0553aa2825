/* make dist, make rpm and make deb on a fresh copy of the tree (what a clone
 * holds: no node_modules, no dist/), then what is in the packages and what
 * the linters say (issue 12). Run by `make check-packaging`; boots no VM. */

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";

const repo = path.resolve(import.meta.dirname, "../..");
const version = JSON.parse(fs.readFileSync(path.join(repo, "package.json"), "utf8")).version as string;
const debVersion = /\(([^)]+)\)/.exec(fs.readFileSync(path.join(repo, "debian/changelog"), "utf8"))![1];
const release = /^Release:\s*(\d+)/m.exec(fs.readFileSync(path.join(repo, "cockpit-passthrough.spec"), "utf8"))![1];
const METAINFO = "org.cockpit_project.passthrough.metainfo.xml";

let work = "";
let tree = "";

/** Runs argv in dir; returns stdout, or throws with the command's output. */
function run(argv: string[], dir = tree): string {
    const r = spawnSync(argv[0], argv.slice(1), { cwd: dir, encoding: "utf8", maxBuffer: 64 << 20,
        // Not the make that runs this test: its flags (-j, -s) are not ours.
        env: { ...process.env, MAKEFLAGS: "", MAKELEVEL: "", MFLAGS: "" } });
    if (r.status !== 0)
        throw new Error(`${argv.join(" ")} exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
}

before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "passthrough-packaging-"));
    tree = path.join(work, "tree");
    // The files of a clone (tracked and new, not ignored) as they are now.
    const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        { cwd: repo, encoding: "utf8" }).split("\0").filter(f => f && fs.existsSync(path.join(repo, f)));
    for (const f of files) {
        fs.mkdirSync(path.dirname(path.join(tree, f)), { recursive: true });
        fs.cpSync(path.join(repo, f), path.join(tree, f));
    }
    assert.ok(!fs.existsSync(path.join(tree, "node_modules")) && !fs.existsSync(path.join(tree, "dist")));
    run(["make", "--no-print-directory", "dist", "rpm", "deb"]);
}, { timeout: 600_000 });

after(() => {
    if (work)
        fs.rmSync(work, { recursive: true, force: true });
});

describe("make dist", () => {
    test("the tarball unpacks to the sources and the built dist/", () => {
        const out = path.join(work, "unpacked");
        fs.mkdirSync(out);
        run(["tar", "-C", out, "-xf", path.join(tree, `cockpit-passthrough-${version}.tar.xz`)]);
        const top = path.join(out, `cockpit-passthrough-${version}`);
        assert.deepEqual(JSON.parse(fs.readFileSync(path.join(top, "dist/manifest.json"), "utf8")),
            JSON.parse(fs.readFileSync(path.join(repo, "manifest.json"), "utf8")));
        for (const f of ["dist/index.js", "dist/index.html", "dist/po.zh_CN.js", "src/index.tsx", "Makefile",
            METAINFO, "cockpit-passthrough.spec", "LICENSE"])
            assert.ok(fs.existsSync(path.join(top, f)), `${f} is in the tarball`);
        assert.ok(!fs.existsSync(path.join(top, "node_modules")), "no node_modules in the tarball");
        // In the unpacked tarball nothing is rebuilt (no npm there) and install works.
        run(["make", "--no-print-directory", "install", `DESTDIR=${path.join(work, "root")}`, "PREFIX=/usr"], top);
        assert.ok(fs.existsSync(path.join(work, "root/usr/share/cockpit/passthrough/manifest.json")));
        assert.ok(fs.existsSync(path.join(work, "root/usr/share/metainfo", METAINFO)));
    });
});

describe("make rpm", () => {
    const rpm = () => path.join(tree, `cockpit-passthrough-${version}-${release}.noarch.rpm`);

    test("the noarch rpm holds the page and the metainfo", () => {
        const files = run(["rpm", "-qlp", rpm()]).split("\n");
        assert.ok(files.includes("/usr/share/cockpit/passthrough/manifest.json"), files.join("\n"));
        assert.ok(files.includes("/usr/share/cockpit/passthrough/index.js"));
        assert.ok(files.includes(`/usr/share/metainfo/${METAINFO}`));
        assert.equal(run(["rpm", "-qp", "--qf", "%{ARCH} %{LICENSE}", rpm()]), "noarch LGPL-2.1-or-later AND MIT AND OFL-1.1");
    });

    test("requires cockpit-bridge >= 287, recommends libvirt-dbus and driverctl", () => {
        assert.ok(run(["rpm", "-qp", "--requires", rpm()]).split("\n").includes("cockpit-bridge >= 287"));
        assert.deepEqual(run(["rpm", "-qp", "--recommends", rpm()]).trim().split("\n").sort(), ["driverctl", "libvirt-dbus"]);
    });

    test("rpmlint finds nothing (filters explained in the spec)", () => {
        const out = run(["rpmlint", "-c", path.join(tree, "tools/rpmlint.toml"), "cockpit-passthrough.spec", rpm(),
            path.join(tree, `cockpit-passthrough-${version}-${release}.src.rpm`)]);
        assert.match(out, / 0 errors, 0 warnings/);
    });
});

describe("make deb", () => {
    const deb = () => path.join(tree, `cockpit-passthrough_${debVersion}_all.deb`);

    test("the deb holds the page and the metainfo", () => {
        const files = run(["dpkg-deb", "-c", deb()]).split("\n").map(l => l.split(/\s+/).at(-1));
        assert.ok(files.includes("./usr/share/cockpit/passthrough/manifest.json"), files.join("\n"));
        assert.ok(files.includes("./usr/share/cockpit/passthrough/index.js"));
        assert.ok(files.includes(`./usr/share/metainfo/${METAINFO}`));
    });

    test("depends on cockpit-bridge >= 287, recommends libvirt-dbus and driverctl", () => {
        assert.equal(run(["dpkg-deb", "-f", deb(), "Architecture"]).trim(), "all");
        assert.equal(run(["dpkg-deb", "-f", deb(), "Depends"]).trim(), "cockpit-bridge (>= 287)");
        assert.equal(run(["dpkg-deb", "-f", deb(), "Recommends"]).trim(), "libvirt-dbus, driverctl");
    });

    test("lintian finds nothing, not even pedantic tags (overrides give their reasons)", () => {
        const changes = fs.readdirSync(path.join(tree, "build/deb")).find(f => f.endsWith(".changes"))!;
        run(["lintian", "--fail-on", "error,warning,info,pedantic", "--info", "--pedantic",
            path.join(tree, "build/deb", changes)]);
    });
});

describe("AppStream metainfo", () => {
    test("appstreamcli validate --no-net and appstream-util validate pass", () => {
        run(["appstreamcli", "validate", "--no-net", METAINFO], repo);
        // appstream-util (libappstream-glib) is what the spec's %check runs; strict here.
        run(["appstream-util", "validate", "--nonet", METAINFO], repo);
    });
});
