// SPDX-License-Identifier: LGPL-2.1-or-later
/* Every user-visible string in src/ has a zh_CN translation.
 * The msgids are found with the TypeScript parser, not regular expressions,
 * so escapes, multi-line calls and comments are handled the way JS does. */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import gettextParser, { type PoEntry } from "gettext-parser";
import ts from "typescript";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const PO_FILE = path.join(root, "po/zh_CN.po");

interface Msg {
    msgctxt: string;
    msgid: string;
    msgid_plural?: string;
    where: string;
}

/** The literal text of a plain string literal; null for anything else
 * (template literals, variables, concatenations are not msgids). */
function literal(node: ts.Expression | undefined): string | null {
    return node !== undefined && ts.isStringLiteral(node) ? node.text : null;
}

/** Name of the function called: "_" for _(...), "gettext" for cockpit.gettext(...). */
function calleeName(call: ts.CallExpression): string | null {
    const e = call.expression;
    if (ts.isIdentifier(e))
        return e.text;
    if (ts.isPropertyAccessExpression(e))
        return e.name.text;
    return null;
}

export function extractMsgids(source: string, fileName: string): Msg[] {
    const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true,
                                   fileName.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
    const found: Msg[] = [];
    const where = (n: ts.Node) => `${fileName}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`;
    const visit = (node: ts.Node): void => {
        if (ts.isCallExpression(node)) {
            const name = calleeName(node);
            const args = node.arguments;
            if (name === "_" || name === "gettext") {
                // gettext(message) or cockpit.gettext(context, message)
                const [ctx, msg] = args.length >= 2 ? [literal(args[0]), literal(args[1])] : ["", literal(args[0])];
                if (ctx !== null && msg !== null)
                    found.push({ msgctxt: ctx, msgid: msg, where: where(node) });
            } else if (name === "ngettext") {
                // ngettext(singular, plural, n) or ngettext(context, singular, plural, n)
                const [ctx, s, p] = args.length >= 4
                    ? [literal(args[0]), literal(args[1]), literal(args[2])]
                    : ["", literal(args[0]), literal(args[1])];
                if (ctx !== null && s !== null && p !== null)
                    found.push({ msgctxt: ctx, msgid: s, msgid_plural: p, where: where(node) });
            }
        }
        ts.forEachChild(node, visit);
    };
    visit(sf);
    return found;
}

function sourceFiles(dir: string): string[] {
    return (fs.readdirSync(path.join(root, dir), { recursive: true }) as string[])
        .filter(f => /\.tsx?$/.test(f))
        .map(f => path.join(dir, f))
        .sort();
}

function extractAll(): Msg[] {
    return ["src"].flatMap(sourceFiles)
        .flatMap(f => extractMsgids(fs.readFileSync(path.join(root, f), "utf8"), f));
}

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

describe("msgid extraction", () => {
    test("unescapes JS string literals and skips what is not a msgid", () => {
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
        ].join("\n");
        assert.deepEqual(extractMsgids(src, "x.tsx").map(({ where: _w, ...m }) => m), [
            { msgctxt: "", msgid: `Say "hi"` },
            { msgctxt: "", msgid: `It's a \\ backslash` },
            { msgctxt: "", msgid: "$0 device", msgid_plural: "$0 devices" },
            { msgctxt: "", msgid: "Multi-line \u00e9 call" },
            { msgctxt: "ctx", msgid: "With context" },
        ]);
    });

    test("finds the strings of this project", () => {
        const ids = new Set(extractAll().map(m => m.msgid));
        assert.ok(ids.size > 100, `only ${ids.size} msgids found`);
        for (const known of ["Device passthrough", "$0 device", "IOMMU group"])
            assert.ok(ids.has(known), `"${known}" not extracted`);
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

    test("translates every msgid used in src/", () => {
        const missing = new Map<string, string>();
        for (const m of extractAll()) {
            const e = po.translations[m.msgctxt]?.[m.msgid];
            const problem = !e ? "missing"
                : isFuzzy(e) ? "fuzzy"
                    : e.msgstr.length === 0 || e.msgstr.some(s => s === "") ? "empty"
                        : (e.msgid_plural ?? null) !== (m.msgid_plural ?? null) ? `msgid_plural should be ${JSON.stringify(m.msgid_plural ?? null)}`
                            : null;
            if (problem && !missing.has(m.msgid))
                missing.set(m.msgid, `${JSON.stringify(m.msgid)} (${problem}; ${m.where})`);
        }
        assert.equal(missing.size, 0, `${missing.size} msgids without a zh_CN translation:\n  ${[...missing.values()].join("\n  ")}`);
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
