/* The packaging files agree with each other (issue 12): one version in
 * package.json, the spec, debian/changelog and the metainfo's newest release;
 * the metainfo names the Cockpit package this tree builds and has its zh_CN
 * text. The packages themselves are built by test/packaging/ (make check-packaging). */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { DOMParser } from "@xmldom/xmldom";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const read = (f: string) => fs.readFileSync(path.join(root, f), "utf8");

const metainfo = new DOMParser({
    onError: (level: string, message: string) => {
        throw new Error(`XML ${level}: ${message}`);
    },
}).parseFromString(read("org.cockpit_project.passthrough.metainfo.xml"), "text/xml");

function elements(name: string): Element[] {
    return Array.from(metainfo.getElementsByTagName(name) as unknown as ArrayLike<Element>);
}

describe("packaging metadata", () => {
    const version = JSON.parse(read("package.json")).version;

    test("one version everywhere", () => {
        assert.equal(/^Version:\s*(\S+)$/m.exec(read("cockpit-passthrough.spec"))?.[1], version, "spec Version");
        assert.equal(/^cockpit-passthrough \(([^-)]+)-\d+\)/.exec(read("debian/changelog"))?.[1], version, "debian/changelog");
        assert.equal(elements("release")[0]?.getAttribute("version"), version, "metainfo's newest release");
    });

    test("the metainfo is a Cockpit addon for the package in manifest.json's directory", () => {
        const component = metainfo.documentElement!;
        assert.equal(component.getAttribute("type"), "addon");
        assert.equal(elements("extends")[0]?.textContent, "org.cockpit_project.cockpit");
        const launchable = elements("launchable")[0];
        assert.equal(launchable?.getAttribute("type"), "cockpit-manifest");
        // The Makefile installs dist/ to share/cockpit/$(PACKAGE): the launchable names it.
        assert.equal(launchable?.textContent, /^PACKAGE = (\S+)$/m.exec(read("Makefile"))?.[1]);
        assert.equal(elements("name")[0]?.textContent, JSON.parse(read("manifest.json")).menu.index.label,
            "the same name as the menu entry");
        assert.match(elements("image")[0]?.textContent ?? "", /^https:\/\/.+\.png$/, "a screenshot URL");
    });

    test("name, summary, description and screenshot caption have zh_CN text", () => {
        for (const tag of ["name", "summary", "caption"]) {
            const zh = elements(tag).filter(e => e.getAttribute("xml:lang") === "zh_CN");
            assert.equal(zh.length, 1, `<${tag} xml:lang="zh_CN">`);
            assert.match(zh[0].textContent!, /\p{Script=Han}/u);
        }
        const paragraphs = elements("p");
        assert.equal(paragraphs.filter(p => p.getAttribute("xml:lang") === "zh_CN").length,
            paragraphs.filter(p => !p.hasAttribute("xml:lang")).length, "each paragraph translated");
    });
});
