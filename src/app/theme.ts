/* Follows the Cockpit shell's light or dark style, as Cockpit's own pages do:
 * the shell keeps the user's choice in localStorage "shell:style" (auto, light
 * or dark; the iframe shares the shell's origin, so it sees the same storage
 * and its "storage" events), and "auto" means the browser's
 * prefers-color-scheme. The value only picks light or dark here; nothing of it
 * goes anywhere else. The page's PatternFly is v5, so the class is
 * pf-v5-theme-dark whatever the shell's own PatternFly is. */

const DARK_CLASS = "pf-v5-theme-dark";
const STYLE_KEY = "shell:style";

export function isDark(style: string | null, systemDark: boolean): boolean {
    return style === "dark" || (style !== "light" && systemDark);
}

export function followShellTheme(win: Window = window): void {
    const media = win.matchMedia?.("(prefers-color-scheme: dark)");
    const apply = () => {
        let style: string | null = null;
        try {
            style = win.localStorage.getItem(STYLE_KEY);
        } catch { /* storage disabled: follow the system */ }
        win.document.documentElement.classList.toggle(DARK_CLASS, isDark(style, media?.matches ?? false));
    };
    win.addEventListener("storage", event => {
        if (event.key === STYLE_KEY || event.key === null)
            apply();
    });
    media?.addEventListener("change", apply);
    apply();
}
