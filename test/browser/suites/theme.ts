/* The page in the shell's light and dark style (issue 13), with a screenshot
 * of each in test-results/<host>/ (docs/ holds the ones of the README), and a
 * contrast check of every piece of text the page shows. */

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe } from "node:test";
import type { Frame } from "playwright-core";

import { admin, browserTest, HOST, openPage, RESULTS, session } from "../session.ts";

type Rgba = [number, number, number, number];

const LOW_CONTRAST = fs.readFileSync(new URL("../harness/low-contrast.js", import.meta.url), "utf8");

/** Texts whose WCAG contrast against what is behind them is under `minimum`
 * (test/browser/harness/low-contrast.js, run in the page). */
function lowContrast(frame: Frame, fallback: Rgba, minimum: number): Promise<string[]> {
    return frame.evaluate(`${LOW_CONTRAST}(${JSON.stringify([fallback, minimum])})`);
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
            // Light and dark in Cockpit 337 (PatternFly 6 shell); the older shells in light.
            for (const scheme of HOST.cockpitVersion >= 337 ? ["light", "dark"] as const : ["light"] as const) {
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
            await page.emulateMedia({ colorScheme: "dark" });
            const frame = await openPage();
            await frame.waitForFunction(() => document.documentElement.classList.contains("pf-v5-theme-dark"));
            await page.evaluate(() => localStorage.setItem("shell:style", "light"));
            await frame.waitForFunction(() => !document.documentElement.classList.contains("pf-v5-theme-dark"));
        } finally {
            await page.evaluate(() => localStorage.removeItem("shell:style"));
            await page.emulateMedia({ colorScheme: "light" });
        }
    });
});
