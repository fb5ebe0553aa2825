// SPDX-License-Identifier: LGPL-2.1-or-later
/* The layer rule of docs/ARCHITECTURE.md, checked on every import:
 * src/model is pure (no cockpit, React, PatternFly, host or app), src/host
 * never reaches up into src/app. Imports are read with the TypeScript parser. */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import ts from "typescript";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Module specifiers of import/export declarations and dynamic import() calls. */
export function importsOf(source: string, fileName: string): string[] {
    const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true,
                                   fileName.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
    const found: string[] = [];
    const visit = (node: ts.Node): void => {
        if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
            node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier))
            found.push(node.moduleSpecifier.text);
        else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword &&
                 node.arguments[0] && ts.isStringLiteral(node.arguments[0]))
            found.push(node.arguments[0].text);
        ts.forEachChild(node, visit);
    };
    visit(sf);
    return found;
}

interface Layer { dir: string; forbiddenPackages: RegExp; forbiddenDirs: string[] }

const LAYERS: Layer[] = [
    {
        dir: "src/model",
        forbiddenPackages: /^(cockpit|react|react-dom|@patternfly\/.*|dialogs|hooks|superuser|cockpit-components-.*)(\/.*)?$/,
        forbiddenDirs: ["src/host", "src/app", "pkg", "build"],
    },
    { dir: "src/host", forbiddenPackages: /^(react|react-dom|@patternfly\/.*)(\/.*)?$/, forbiddenDirs: ["src/app"] },
];

/** "file: import" for every import in `fileName` (relative to the root) that its layer forbids. */
export function violations(layer: Layer, fileName: string, source: string): string[] {
    return importsOf(source, fileName).filter(spec => {
        if (spec.startsWith(".")) {
            const target = path.relative(root, path.resolve(root, path.dirname(fileName), spec));
            return layer.forbiddenDirs.some(dir => target === dir || target.startsWith(dir + "/"));
        }
        return layer.forbiddenPackages.test(spec);
    }).map(spec => `${fileName}: ${spec}`);
}

const sources = (dir: string) => fs.readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" })
        .filter(f => /\.tsx?$/.test(f)).map(f => path.join(dir, f));

describe("layers", () => {
    for (const layer of LAYERS) {
        test(`${layer.dir} imports only what its layer may`, () => {
            const files = sources(layer.dir);
            assert.ok(files.length > 5, `no sources found in ${layer.dir}`);
            const found = files.flatMap(f => violations(layer, f, fs.readFileSync(path.join(root, f), "utf8")));
            assert.deepEqual(found, []);
        });
    }

    test("the check catches each kind of leak", () => {
        const [model, host] = LAYERS;
        assert.deepEqual(violations(model, "src/model/x.ts", `
            import cockpit from "cockpit";
            import { useState } from "react";
            import { Button } from "@patternfly/react-core";
            import { readSnapshot } from "../host/sysfs-reader.ts";
            export { x } from "../app/y.ts";
            const z = await import("../app/z.ts");
            import { ok } from "./plan.ts";
            import type { Gettext } from "./translate.ts";`), [
            "src/model/x.ts: cockpit", "src/model/x.ts: react", "src/model/x.ts: @patternfly/react-core",
            "src/model/x.ts: ../host/sysfs-reader.ts", "src/model/x.ts: ../app/y.ts", "src/model/x.ts: ../app/z.ts",
        ]);
        assert.deepEqual(violations(host, "src/host/x.ts", `
            import { plan } from "../model/plan.ts";
            import cockpit from "cockpit";
            import { thing } from "../app/domains.ts";`), ["src/host/x.ts: ../app/domains.ts"]);
    });
});
