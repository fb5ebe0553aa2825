/* The page in the shell's light and dark style (issue 13), with a screenshot
 * of each in test-results/<host>/ (docs/ holds the ones of the README), and a
 * contrast check of every piece of text the page shows. */

import assert from "node:assert/strict";
import path from "node:path";
import { describe } from "node:test";
import type { Frame } from "playwright-core";

import { admin, browserTest, HOST, openPage, RESULTS, session } from "../session.ts";

type Rgba = [number, number, number, number];

/** Texts whose WCAG contrast against what is behind them is under `minimum`.
 * Runs in the page; `fallback` is the shell's colour behind the iframe. */
function lowContrast(frame: Frame, fallback: Rgba, minimum: number) {
    return frame.evaluate(([fallback, minimum]) => {
        const parse = (c: string): Rgba => {
            const m = c.match(/[\d.]+/g)?.map(Number) ?? [0, 0, 0, 0];
            return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1];
        };
        const over = (top: Rgba, bottom: Rgba): Rgba =>
            [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3])).concat(1) as Rgba;
        const luminance = (c: Rgba) => {
            const [r, g, b] = c.slice(0, 3).map(v => {
                const s = v / 255;
                return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
            });
            return 0.2126 * r + 0.7152 * g + 0.0722 * b;
        };
        const background = (e: Element | null): Rgba => {
            const layers: Rgba[] = [];
            for (; e; e = e.parentElement) {
                const bg = parse(getComputedStyle(e).backgroundColor);
                if (bg[3] > 0)
                    layers.push(bg);
                if (bg[3] >= 1)
                    break;
            }
            let color = layers.length && layers[layers.length - 1][3] >= 1 ? layers.pop()! : fallback as Rgba;
            for (const layer of layers.reverse())
                color = over(layer, color);
            return color;
        };
        const bad: string[] = [];
        for (const e of Array.from(document.body.querySelectorAll("*"))) {
            const text = Array.from(e.childNodes).filter(n => n.nodeType === Node.TEXT_NODE)
                    .map(n => n.textContent!.trim()).join(" ").trim();
            if (!text || !(e as HTMLElement).offsetParent || e.closest("[aria-disabled=true], :disabled"))
                continue;
            const bg = background(e);
            const fg = over(parse(getComputedStyle(e).color), bg);
            const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
            const ratio = (l1 + 0.05) / (l2 + 0.05);
            if (ratio < minimum)
                bad.push(`${ratio.toFixed(2)} "${text.slice(0, 40)}" (${getComputedStyle(e).color} on rgba(${bg.join(",")}))`);
        }
        return bad;
    }, [fallback, minimum] as const);
}

/** The shell's colour behind the page's iframe. */
async function shellBackground(): Promise<Rgba> {
    return session().page.evaluate(() => {
        for (let e: Element | null = document.querySelector('iframe[name="cockpit1:localhost/passthrough"]'); e; e = e.parentElement) {
            const m = getComputedStyle(e).backgroundColor.match(/[\d.]+/g)?.map(Number) ?? [];
            if (m.length === 3 || (m.length === 4 && m[3] > 0))
                return [m[0], m[1], m[2], 1] as Rgba;
        }
        return [255, 255, 255, 1] as Rgba;
    });
}

const pageIsDark = (frame: Frame) => frame.evaluate(() => document.documentElement.classList.contains("pf-v5-theme-dark"));
const shellIsDark = () => session().page.evaluate(() => /pf-v\d-theme-dark/.test(document.documentElement.className));

describe("Shell theme", () => {
    browserTest("light and dark: the page follows the shell, every text readable", async () => {
        const { page } = session();
        await admin();
        try {
            for (const scheme of ["light", "dark"] as const) {
                await page.emulateMedia({ colorScheme: scheme });
                const frame = await openPage();
                await frame.waitForSelector("#readiness-verdict");
                assert.equal(await pageIsDark(frame), scheme === "dark", `page in ${scheme}`);
                if (HOST.cockpitVersion >= 337)
                    assert.equal(await shellIsDark(), scheme === "dark", `shell in ${scheme}`);
                // WCAG's minimum for large text and UI components; body text is far above it.
                assert.deepEqual(await lowContrast(frame, await shellBackground(), 3), [], `unreadable text in ${scheme}`);
                await page.screenshot({ path: path.join(RESULTS, `screenshot-${HOST.kind}-${scheme}.png`) });
            }
            // The shell's own choice wins over the system's, and the page follows it without a reload.
            const frame = await openPage();
            await page.evaluate(() => localStorage.setItem("shell:style", "light"));
            await frame.waitForFunction(() => !document.documentElement.classList.contains("pf-v5-theme-dark"));
        } finally {
            await page.evaluate(() => localStorage.removeItem("shell:style"));
            await page.emulateMedia({ colorScheme: "light" });
        }
    });
});
