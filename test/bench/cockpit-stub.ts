// SPDX-License-Identifier: LGPL-2.1-or-later
/* A stand-in for the global `cockpit` that Cockpit's shell provides: only
 * what the table and its row actions use, with cockpit.js's own gettext/format semantics (no
 * translation, "$0" placeholders). Imported before any app module, because
 * src/cockpit-global.js reads window.cockpit when it is first imported. */

const format = (template: string, ...args: unknown[]): string =>
    template.replace(/\$([0-9]+)/g, (_m, i: string) => String(args[Number(i)] ?? ""));

(window as unknown as { cockpit: unknown }).cockpit = {
    gettext: (a: string, b?: string) => b ?? a,
    ngettext: (singular: string, plural: string, n: number) => n === 1 ? singular : plural,
    format,
    language: "en",
    // The page's DeviceAction asks per row (useSuperuser). Here the answer is
    // immediate; in Cockpit each one is a D-Bus watch over the websocket.
    permission: () => ({ allowed: true, addEventListener: () => {}, removeEventListener: () => {}, close: () => {} }),
};
