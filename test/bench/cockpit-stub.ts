/* A stand-in for the global `cockpit` that Cockpit's shell provides: only
 * what the table uses, with cockpit.js's own gettext/format semantics (no
 * translation, "$0" placeholders). Imported before any app module, because
 * pkg/lib/cockpit.ts reads window.cockpit when it is first imported. */

const format = (template: string, ...args: unknown[]): string =>
    template.replace(/\$([0-9]+)/g, (_m, i: string) => String(args[Number(i)] ?? ""));

(window as unknown as { cockpit: unknown }).cockpit = {
    gettext: (a: string, b?: string) => b ?? a,
    ngettext: (singular: string, plural: string, n: number) => n === 1 ? singular : plural,
    format,
    language: "en",
};
