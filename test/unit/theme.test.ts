/* The page follows the shell's light/dark style (issue 13). */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { followShellTheme, isDark } from "../../src/app/theme.ts";

/** The parts of a window followShellTheme uses, with the shell's storage and the system's scheme settable. */
function fakeWindow(style: string | null, systemDark: boolean) {
    const classes = new Set<string>();
    const listeners = new Map<string, ((e: { key: string | null }) => void)[]>();
    const mediaListeners: (() => void)[] = [];
    const storage = new Map<string, string>(style === null ? [] : [["shell:style", style]]);
    const media = { matches: systemDark, addEventListener: (_: string, f: () => void) => mediaListeners.push(f) };
    const win = {
        matchMedia: () => media,
        localStorage: { getItem: (k: string) => storage.get(k) ?? null },
        document: { documentElement: { classList: { toggle: (c: string, on: boolean) => (on ? classes.add(c) : classes.delete(c)) } } },
        addEventListener: (type: string, f: (e: { key: string | null }) => void) => listeners.set(type, [...listeners.get(type) ?? [], f]),
    };
    return {
        win: win as unknown as Window,
        dark: () => classes.has("pf-v5-theme-dark"),
        setStyle(value: string, key = "shell:style") {
            storage.set(key, value);
            for (const f of listeners.get("storage") ?? []) f({ key });
        },
        setSystemDark(on: boolean) {
            media.matches = on;
            for (const f of mediaListeners) f();
        },
    };
}

describe("shell theme", () => {
    test("auto (or nothing stored) follows the system; light and dark override it", () => {
        assert.equal(isDark(null, true), true);
        assert.equal(isDark("auto", false), false);
        assert.equal(isDark("light", true), false);
        assert.equal(isDark("dark", false), true);
    });
    test("the page's class follows the shell's storage and the system, live", () => {
        const w = fakeWindow(null, false);
        followShellTheme(w.win);
        assert.equal(w.dark(), false);
        w.setSystemDark(true);
        assert.equal(w.dark(), true, "auto follows prefers-color-scheme");
        w.setStyle("light");
        assert.equal(w.dark(), false, "the shell's explicit light wins");
        w.setStyle("dark", "other-key");
        assert.equal(w.dark(), false, "other keys change nothing");
        w.setStyle("dark");
        assert.equal(w.dark(), true);
    });
});
