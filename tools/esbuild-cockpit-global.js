// SPDX-License-Identifier: LGPL-2.1-or-later
/* `import cockpit from "cockpit"` means the cockpit.js that cockpit-ws serves
 * (index.html loads ../base1/cockpit.js), not a copy of Cockpit 337's client
 * bundled into the page: the page then speaks the protocol of the bridge it
 * runs on, 287 or 337. Cockpit's pkg/lib modules (superuser, hooks) import
 * "cockpit" too and get the same object. Types still come from its cockpit.d.ts. */
import path from "node:path";
import { fileURLToPath } from "node:url";

const GLOBAL = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src/cockpit-global.js");

export const cockpitGlobalPlugin = {
    name: "cockpit-global",
    setup(build) {
        build.onResolve({ filter: /^cockpit$/ }, () => ({ path: GLOBAL }));
    },
};
