// SPDX-License-Identifier: LGPL-2.1-or-later
/* Every user-visible string in src/ has a zh_CN translation, checked against
 * the catalogue template that `make po/passthrough.pot` writes (tools/po-extract.ts,
 * which reads the sources with the TypeScript parser): a gettext call whose text
 * cannot be extracted fails here, and so does a msgid without a translation. */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import gettextParser, { type PoEntry } from "gettext-parser";
import Jed from "jed";

import { extractMsgids, extractTree, potText } from "../../tools/po-extract.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const PO_FILE = path.join(root, "po/zh_CN.po");

/** PO string escapes (\" \\ \n \t ...) undone. */
function unescapePo(s: string): string {
    return s.replace(/\\(["\\nrtabfv?']|[0-7]{1,3}|x[0-9a-fA-F]+)/g, (_m, e: string) => {
        const simple: Record<string, string> = { n: "\n", r: "\r", t: "\t", a: "\x07", b: "\b", f: "\f", v: "\v" };
        if (e in simple)
            return simple[e]!;
        if (e[0] === "x")
            return String.fromCharCode(parseInt(e.slice(1), 16));
        if (/^[0-7]/.test(e))
            return String.fromCharCode(parseInt(e, 8));
        return e;
    });
}

/** (msgctxt, msgid) keys in file order, read from the raw text: gettext-parser
 * silently keeps only one of two entries with the same key. */
export function rawPoKeys(text: string): string[] {
    const keys: string[] = [];
    const lines = text.split(/\r?\n/);
    let ctx = "";
    for (let i = 0; i < lines.length; i++) {
        const m = /^(msgctxt|msgid)\s+"(.*)"\s*$/.exec(lines[i]!);
        if (!m)
            continue;
        let value = unescapePo(m[2]!);
        while (i + 1 < lines.length && /^\s*"/.test(lines[i + 1]!))
            value += unescapePo(/^\s*"(.*)"\s*$/.exec(lines[++i]!)![1]!);
        if (m[1] === "msgctxt") {
            ctx = value;
        } else {
            keys.push(`${ctx}\u0004${value}`);
            ctx = "";
        }
    }
    return keys;
}

function placeholders(s: string): string {
    return [...new Set(s.match(/\$[0-9]+/g) ?? [])].sort().join(" ");
}

const isFuzzy = (e: PoEntry) => (e.comments?.flag ?? "").split(",").some(f => f.trim() === "fuzzy");

/** The catalogue template as `make po/passthrough.pot` writes it, read back. */
function catalogue(): PoEntry[] {
    const pot = gettextParser.po.parse(potText(extractTree(root).msgs));
    return Object.values(pot.translations).flatMap(c => Object.values(c)).filter(e => e.msgid !== "");
}

describe("msgid extraction", () => {
    test("unescapes JS string literals, and reports text built at run time", () => {
        const src = [
            `const a = _("Say \\"hi\\"");`,
            `const b = _('It\\'s a \\\\ backslash');`,
            "const c = _(`template ${x}`);",
            "const d = _(`plain template`);",
            `const e = _(label);`,
            `const f = cockpit.format(cockpit.ngettext("$0 device", "$0 devices", n), n);`,
            `const g = _(`,
            `    "Multi-line \\u00e9 call");`,
            `// _("in a comment")`,
            `const h = "_(\\"in a string\\")";`,
            `const i = cockpit.gettext("ctx", "With context");`,
            `const j = _("Two " +`,
            `            "halves");`,
            `const k = { label: N_("Marked here, translated elsewhere") };`,
        ].join("\n");
        const { msgs, unextractable } = extractMsgids(src, "x.tsx");
        assert.deepEqual(msgs.map(({ where: _w, ...m }) => m), [
            { msgctxt: "", msgid: `Say "hi"` },
            { msgctxt: "", msgid: `It's a \\ backslash` },
            { msgctxt: "", msgid: "$0 device", msgid_plural: "$0 devices" },
            { msgctxt: "", msgid: "Multi-line \u00e9 call" },
            { msgctxt: "ctx", msgid: "With context" },
            { msgctxt: "", msgid: "Marked here, translated elsewhere" },
        ]);
        assert.deepEqual(unextractable.map(u => u.split(":")[1]), ["3", "4", "12"]);
    });

    test("finds the strings of this project, and no text built inside a gettext call", () => {
        const { msgs, unextractable } = extractTree(root);
        const ids = new Set(msgs.map(m => m.msgid));
        assert.ok(ids.size > 100, `only ${ids.size} msgids found`);
        for (const known of ["Device passthrough", "$0 device", "IOMMU group", "QEMU/KVM, x86_64 (q35)"])
            assert.ok(ids.has(known), `"${known}" not extracted`);
        assert.deepEqual(unextractable, []);
    });

    test("reads duplicate keys from raw PO text", () => {
        const po = 'msgid ""\nmsgstr ""\n\nmsgid "A \\"q\\""\nmsgstr "x"\n\nmsgid ""\n"A \\"q\\""\nmsgstr "y"\n\nmsgctxt "c"\nmsgid "A \\"q\\""\nmsgstr "z"\n';
        assert.deepEqual(rawPoKeys(po), ["\u0004", "\u0004A \"q\"", "\u0004A \"q\"", "c\u0004A \"q\""]);
    });
});

describe("po/zh_CN.po", () => {
    const raw = fs.readFileSync(PO_FILE, "utf8");
    const po = gettextParser.po.parse(raw);
    const entries: PoEntry[] = Object.values(po.translations).flatMap(c => Object.values(c)).filter(e => e.msgid !== "");

    test("has no duplicate msgid", () => {
        const seen = new Set<string>();
        const dups = new Set<string>();
        for (const k of rawPoKeys(raw))
            (seen.has(k) ? dups : seen).add(k);
        assert.deepEqual([...dups].map(k => k.replace("\u0004", " | ")), []);
    });

    test("translates every msgid of the catalogue template", () => {
        const missing: string[] = [];
        for (const m of catalogue()) {
            const e = po.translations[m.msgctxt ?? ""]?.[m.msgid];
            const problem = !e ? "missing"
                : isFuzzy(e) ? "fuzzy"
                    : e.msgstr.length === 0 || e.msgstr.some(s => s === "") ? "empty"
                        : (e.msgid_plural ?? null) !== (m.msgid_plural ?? null)
                            ? `msgid_plural should be ${JSON.stringify(m.msgid_plural ?? null)}`
                            : null;
            if (problem)
                missing.push(`${JSON.stringify(m.msgid)} (${problem}; ${m.comments?.reference?.split("\n")[0]})`);
        }
        assert.equal(missing.length, 0, `${missing.length} msgids without a zh_CN translation:\n  ${missing.join("\n  ")}`);
    });

    test("names where each msgid is used (make update-po): Cockpit's po plugin keeps only those", () => {
        const stale = catalogue().filter(m => {
            const e = po.translations[m.msgctxt ?? ""]?.[m.msgid];
            return e && !(e.comments?.reference ?? "").split(/\s/).some(r => r.startsWith("src/"));
        });
        assert.deepEqual(stale.map(m => m.msgid), [], "run make update-po");
    });

    test("has a plural rule in its header that Cockpit's po plugin accepts", () => {
        const rule = po.headers["Plural-Forms"];
        assert.ok(rule, "no Plural-Forms header");
        assert.doesNotThrow(() => Jed.PF.parse(rule));
        assert.equal(po.headers.Language, "zh_CN");
    });

    test("keeps the $N placeholders of every msgid", () => {
        const wrong: string[] = [];
        for (const e of entries) {
            const want = placeholders(e.msgid_plural ?? e.msgid);
            for (const s of e.msgstr) {
                if (s !== "" && placeholders(s) !== want)
                    wrong.push(`${JSON.stringify(e.msgid)}: [${want}] vs ${JSON.stringify(s)}`);
            }
        }
        assert.deepEqual(wrong, []);
    });
});
