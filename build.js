// SPDX-License-Identifier: LGPL-2.1-or-later
// Builds the plugin into dist/: index.html, index.js, index.css, manifest.json,
// po.<lang>.js (Cockpit serves "po.js" as the file for the user's language).
import fs from "node:fs";
import path from "node:path";
import gettextParser from "gettext-parser";
import { cockpitGlobalPlugin } from "./tools/esbuild-cockpit-global.js";
import { buildWithoutUnusedCss } from "./tools/esbuild-unused-css.js";

const production = process.env.NODE_ENV !== "development";
const outdir = "dist";

fs.rmSync(outdir, { recursive: true, force: true });
fs.mkdirSync(outdir, { recursive: true });

// Without the stylesheets of PatternFly components the page does not use
// (1.5 MB of CSS otherwise; see tools/esbuild-unused-css.js).
await buildWithoutUnusedCss({
    entryPoints: { index: "src/index.tsx" },
    bundle: true,
    outdir,
    format: "iife",
    target: ["es2021"],
    minify: production,
    sourcemap: production ? false : "linked",
    legalComments: "external",
    loader: { ".sh": "text", ".woff": "file", ".woff2": "file", ".ttf": "file", ".otf": "file", ".svg": "file" },
    assetNames: "assets/[name]-[hash]",
    define: { "process.env.NODE_ENV": JSON.stringify(production ? "production" : "development") },
    logLevel: "warning",
    // Cockpit's pkg/lib (tools/cockpit-lib.sh) resolves through tsconfig.json's "paths".
    plugins: [cockpitGlobalPlugin],
});

for (const file of ["src/index.html", "manifest.json"])
    fs.copyFileSync(file, path.join(outdir, path.basename(file)));

// Translations: po/<lang>.po -> dist/po.<lang>.js in cockpit.locale() form.
for (const po of fs.readdirSync("po").filter(f => f.endsWith(".po"))) {
    const lang = po.slice(0, -3);
    const parsed = gettextParser.po.parse(fs.readFileSync(path.join("po", po)));
    const messages = {};
    for (const [context, entries] of Object.entries(parsed.translations)) {
        for (const [msgid, entry] of Object.entries(entries)) {
            if (!msgid || !entry.msgstr.some(Boolean) || entry.comments?.flag?.includes("fuzzy"))
                continue;
            const key = context ? `${context}\u0004${msgid}` : msgid;
            messages[key] = [entry.msgid_plural ?? null, ...entry.msgstr];
        }
    }
    const header = `{"": {"plural-forms": function(n) { return 0; }, "language": ${JSON.stringify(lang)}, "language-direction": "ltr"}`;
    const body = Object.entries(messages).map(([k, v]) => `,\n ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join("");
    fs.writeFileSync(path.join(outdir, `po.${lang}.js`), `cockpit.locale(${header}${body}});\n`);
}
