// SPDX-License-Identifier: LGPL-2.1-or-later
// What "cockpit" resolves to in the bundle (tools/esbuild-cockpit-global.js).
export default window.cockpit;
