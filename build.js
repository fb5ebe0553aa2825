// SPDX-License-Identifier: LGPL-2.1-or-later
// Builds the plugin into dist/: index.html, index.js, index.css, manifest.json,
// po.<lang>.js (Cockpit serves "po.js" as the file for the user's language).
import fs from "node:fs";
import path from "node:path";
import { cockpitPoEsbuildPlugin } from "./pkg/lib/cockpit-po-plugin.js";
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
    // Its po plugin writes po.<lang>.js from po/<lang>.po, plural rule from the PO header,
    // keeping the msgids used in src/ (the references `make update-po` writes).
    plugins: [cockpitGlobalPlugin, cockpitPoEsbuildPlugin({ src_directory: "src" })],
});

for (const file of ["src/index.html", "manifest.json"])
    fs.copyFileSync(file, path.join(outdir, path.basename(file)));
