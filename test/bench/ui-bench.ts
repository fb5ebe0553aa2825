// SPDX-License-Identifier: LGPL-2.1-or-later
/* Renders the real DeviceTable with a big snapshot in headless Chromium and
 * returns the page's own performance measures (see ui-entry.tsx). */

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { cockpitGlobalPlugin } from "../../tools/esbuild-cockpit-global.js";
import { buildWithoutUnusedCss } from "../../tools/esbuild-unused-css.js";
import type { UiTimings } from "./ui-entry.tsx";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

/** Bundles the bench page the way build.js bundles the plugin (minified, production React, unused CSS left out). */
export async function buildPage(dir: string): Promise<string> {
    await buildWithoutUnusedCss({
        entryPoints: { bench: path.join(HERE, "ui-entry.tsx") },
        bundle: true,
        outdir: dir,
        format: "iife",
        target: ["es2021"],
        minify: true,
        loader: { ".sh": "text", ".woff": "file", ".woff2": "file", ".ttf": "file", ".otf": "file", ".svg": "file" },
        assetNames: "assets/[name]-[hash]",
        define: { "process.env.NODE_ENV": JSON.stringify("production") },
        logLevel: "warning",
        plugins: [cockpitGlobalPlugin],
    });
    const html = path.join(dir, "index.html");
    fs.writeFileSync(html, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>bench</title>
<link rel="stylesheet" href="bench.css"></head>
<body><div id="app"></div><script src="bench.js"></script></body></html>
`);
    return pathToFileURL(html).href;
}

export interface UiResult {
    runs: UiTimings[];
    chromiumVersion: string;
}

export async function benchUi(workDir: string, readerOutput: string, pciIdsText: string,
    filters: string[], runs: number): Promise<UiResult> {
    const url = await buildPage(path.join(workDir, "page"));
    const context = await chromium.launchPersistentContext(path.join(workDir, "profile"), {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: 1600, height: 1000 },
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    try {
        const results: UiTimings[] = [];
        // One fresh page per run: every run is a first render. The first is a warm-up (cold caches).
        for (let i = 0; i <= runs; i++) {
            const page = await context.newPage();
            const errors: string[] = [];
            page.on("pageerror", e => errors.push(String(e)));
            await page.goto(url);
            await page.waitForFunction(() => "runBench" in window);
            const timings = await page.evaluate(([out, ids, f]) =>
                (window as unknown as { runBench: (o: string, i: string, f: string[]) => Promise<UiTimings> })
                        .runBench(out, ids, f), [readerOutput, pciIdsText, filters] as const);
            await page.close();
            if (errors.length)
                throw new Error(`bench page failed: ${errors.join("; ")}`);
            if (i > 0)
                results.push(timings);
        }
        return { runs: results, chromiumVersion: context.browser()?.version() ?? "" };
    } finally {
        await context.close();
    }
}
