// SPDX-License-Identifier: LGPL-2.1-or-later
// Builds with esbuild, leaving out the CSS of PatternFly components whose
// code is not in the bundle. Shared by build.js and test/bench/ui-bench.ts.
//
// Every PatternFly component's class map (react-styles/css/components/X/x.mjs)
// imports its stylesheet, and CSS counts as a side effect: tree shaking drops
// the class maps we never use but keeps all their stylesheets (1.5 MB, 94 of
// them, for the 46 this page uses). So: build once without writing, see in
// the metafile which modules have code in the JS output, then build again with
// the stylesheets that only unused modules import replaced by nothing. Any
// stylesheet imported by something else (our own CSS, patternfly-base.css,
// CSS @import) is kept as it is.
import path from "node:path";
import esbuild from "esbuild";

const PRUNABLE = /[\\/]node_modules[\\/]@patternfly[\\/]react-styles[\\/]css[\\/].*\.css$/;

/** Absolute paths of the stylesheets that only modules without code in the JS output import. */
function unusedStylesheets(metafile, cwd) {
    const inJs = new Set();
    for (const output of Object.values(metafile.outputs)) {
        for (const [file, input] of Object.entries(output.inputs)) {
            if (/\.[cm]?[jt]sx?$/.test(file) && input.bytesInOutput > 0)
                inJs.add(file);
        }
    }
    const importers = new Map();
    for (const [file, input] of Object.entries(metafile.inputs)) {
        for (const imported of input.imports) {
            if (imported.path.endsWith(".css"))
                importers.set(imported.path, [...importers.get(imported.path) ?? [], file]);
        }
    }
    const unused = new Set();
    for (const [css, files] of importers) {
        const absolute = path.resolve(cwd, css);
        if (PRUNABLE.test(absolute) && files.every(f => /\.[cm]?js$/.test(f) && !inJs.has(f)))
            unused.add(absolute);
    }
    return unused;
}

/** esbuild.build(options), minus the stylesheets of unused PatternFly components. */
export async function buildWithoutUnusedCss(options) {
    const cwd = options.absWorkingDir ?? process.cwd();
    const probe = await esbuild.build({ ...options, write: false, metafile: true });
    const unused = unusedStylesheets(probe.metafile, cwd);
    const dropUnused = {
        name: "drop-unused-patternfly-css",
        setup(build) {
            build.onLoad({ filter: /\.css$/ }, args => unused.has(args.path) ? { contents: "", loader: "css" } : undefined);
        },
    };
    const result = await esbuild.build({ ...options, plugins: [...options.plugins ?? [], dropUnused] });
    return { result, unused };
}
