// SPDX-License-Identifier: LGPL-2.1-or-later
/* The message catalogue template: `make po/passthrough.pot` runs this.
 *
 * Why not xgettext: Debian 12's xgettext (0.21) reads .ts/.tsx only as C or
 * JavaScript, and loses strings after JSX text with apostrophes and regular
 * expressions with quotes (78 of 420 msgids here, measured). The TypeScript
 * parser reads them as the compiler does. Keywords are Cockpit's:
 * _ / gettext / cockpit.gettext([context,] msgid), ngettext([context,] one, many, n),
 * N_(msgid) and NC_(context, msgid) to mark text that is translated elsewhere. */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import gettextParser, { type PoEntry } from "gettext-parser";
import ts from "typescript";

export interface Msg {
    msgctxt: string;
    msgid: string;
    msgid_plural?: string;
    where: string;
}

/** The literal text of a plain string literal; null for anything else. */
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

/** Text that is built (concatenation, template) cannot be in a catalogue. */
const isBuilt = (node: ts.Expression | undefined) =>
    node !== undefined && (ts.isBinaryExpression(node) || ts.isTemplateExpression(node) || ts.isNoSubstitutionTemplateLiteral(node));

export function extractMsgids(source: string, fileName: string): { msgs: Msg[]; unextractable: string[] } {
    const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true,
                                   fileName.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
    const msgs: Msg[] = [];
    const unextractable: string[] = [];
    const where = (n: ts.Node) => `${fileName}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`;
    const visit = (node: ts.Node): void => {
        if (ts.isCallExpression(node)) {
            const name = calleeName(node);
            const args = node.arguments;
            let texts: (ts.Expression | undefined)[] = [];
            if (name === "_" || name === "gettext" || name === "N_" || name === "NC_") {
                // gettext(message) or cockpit.gettext(context, message); NC_(context, message)
                const withContext = name === "NC_" || args.length >= 2;
                const [ctx, msg] = withContext ? [literal(args[0]), literal(args[1])] : ["", literal(args[0])];
                texts = withContext ? [args[0], args[1]] : [args[0]];
                if (ctx !== null && msg !== null)
                    msgs.push({ msgctxt: ctx, msgid: msg, where: where(node) });
            } else if (name === "ngettext") {
                // ngettext(singular, plural, n) or ngettext(context, singular, plural, n)
                texts = args.length >= 4 ? [args[0], args[1], args[2]] : [args[0], args[1]];
                const [ctx, s, p] = args.length >= 4
                    ? [literal(args[0]), literal(args[1]), literal(args[2])]
                    : ["", literal(args[0]), literal(args[1])];
                if (ctx !== null && s !== null && p !== null)
                    msgs.push({ msgctxt: ctx, msgid: s, msgid_plural: p, where: where(node) });
            }
            if (texts.some(isBuilt))
                unextractable.push(`${where(node)}: ${node.getText(sf).slice(0, 80)}`);
        }
        ts.forEachChild(node, visit);
    };
    visit(sf);
    return { msgs, unextractable };
}

export function sourceFiles(root: string, dir: string): string[] {
    return (fs.readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" }))
            .filter(f => /\.tsx?$/.test(f) && !f.endsWith(".d.ts"))
            .map(f => path.join(dir, f))
            .sort();
}

/** Every msgid of src/, in file order, and every gettext call whose text cannot be extracted. */
export function extractTree(root: string): { msgs: Msg[]; unextractable: string[] } {
    const results = sourceFiles(root, "src").map(f => extractMsgids(fs.readFileSync(path.join(root, f), "utf8"), f));
    return { msgs: results.flatMap(r => r.msgs), unextractable: results.flatMap(r => r.unextractable) };
}

/** The POT text: one entry per (context, msgid), with every place it is used. */
export function potText(msgs: readonly Msg[]): Buffer {
    const translations: Record<string, Record<string, PoEntry>> = { "": { "": { msgid: "", msgstr: [""] } } };
    for (const m of msgs) {
        const ctx = (translations[m.msgctxt] ??= {});
        const e = ctx[m.msgid] ??= {
            ...m.msgctxt && { msgctxt: m.msgctxt },
            msgid: m.msgid,
            ...m.msgid_plural !== undefined && { msgid_plural: m.msgid_plural },
            msgstr: m.msgid_plural !== undefined ? ["", ""] : [""],
            comments: { reference: "" },
        };
        e.comments!.reference = [e.comments!.reference, m.where].filter(Boolean).join("\n");
    }
    return gettextParser.po.compile({
        charset: "utf-8",
        headers: {
            "Project-Id-Version": "cockpit-passthrough",
            "MIME-Version": "1.0",
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "8bit",
            "Plural-Forms": "nplurals=INTEGER; plural=EXPRESSION;",
        },
        translations,
    }, { foldLength: 0 });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
    const { msgs, unextractable } = extractTree(root);
    if (unextractable.length > 0) {
        console.error("po-extract: text built at run time cannot be translated:\n  " + unextractable.join("\n  "));
        process.exit(1);
    }
    fs.writeFileSync(process.argv[2] ?? "po/passthrough.pot", potText(msgs));
}
