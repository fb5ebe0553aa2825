// SPDX-License-Identifier: LGPL-2.1-or-later
/* One test VM and one logged-in browser shared by every browser suite:
 * booting under TCG costs ~20-60 s, so suites reuse it and reboot only
 * where a test is about reboots. */

import fs from "node:fs";
import path from "node:path";
import { test, type TestContext } from "node:test";
import type { Browser, Frame, Page } from "playwright-core";

import { startMachine, type Machine } from "../vm/machine.ts";
import { becomeAdmin, launchBrowser, login, openPlugin, saveFailureArtefacts } from "./harness/browser.ts";

export const DIST = path.resolve("dist");
export const RESULTS = path.resolve("test-results");

interface Session {
    machine: Machine;
    browser: Browser;
    page: Page;
}

let current: Session | null = null;

export function session(): Session {
    if (!current)
        throw new Error("browser session not started");
    return current;
}

export async function startSession(): Promise<void> {
    fs.rmSync(RESULTS, { recursive: true, force: true });
    const machine = await startMachine({ disk: "overlay", logDir: path.join(RESULTS, "vm") });
    try {
        await machine.installPlugin(DIST);
        const browser = await launchBrowser();
        const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
        current = { machine, browser, page };
        await login(page, machine);
    } catch (ex) {
        await machine.stop();
        throw ex;
    }
}

export async function stopSession(): Promise<void> {
    const s = current;
    current = null;
    await s?.browser.close().catch(() => {});
    await s?.machine.stop();
}

/** (Re)opens the plugin page, fresh, and waits for the device table. */
export async function openPage(): Promise<Frame> {
    const { page, machine } = session();
    const frame = await openPlugin(page, machine);
    await frame.waitForSelector("#device-table tbody tr[data-address]");
    return frame;
}

export async function admin(): Promise<void> {
    const { page, machine } = session();
    await becomeAdmin(page, machine);
}

/** Switches back to limited access through the shell's dialog. */
export async function limitedAccess(): Promise<void> {
    const { page } = session();
    // Cockpit 287 leaves aria-hidden on the shell after its dialog closes, so
    // role queries find nothing there: match buttons by their text instead.
    const admin = page.locator('button:has-text("Administrative access")');
    const limited = page.locator('button:has-text("Limited access")');
    await admin.or(limited).first().waitFor();
    if (await limited.isVisible())
        return;
    await admin.click();
    await page.locator('button:has-text("Limit access")').click();
    await limited.waitFor();
}

/** Reboots the guest from the same disk (an overlay that survives) and logs in again. */
export async function rebootGuest(opts: { iommu?: boolean } = {}): Promise<void> {
    const { machine, page } = session();
    await machine.reboot(opts);
    await login(page, machine);
}

/** Runs as root in the guest; throws on failure. */
export async function guest(command: string | string[]): Promise<string> {
    return (await session().machine.ssh(command)).stdout;
}

/** A browser test: on failure it keeps the screenshot and the guest journal. */
export function browserTest(name: string, fn: (t: TestContext) => Promise<void>, options: { timeout?: number } = {}) {
    test(name, { timeout: options.timeout ?? 300_000 }, async t => {
        try {
            await fn(t);
        } catch (ex) {
            if (current)
                await saveFailureArtefacts(current.page, current.machine, RESULTS, name.replace(/[^A-Za-z0-9]+/g, "-"));
            throw ex;
        }
    });
}

/** Polls `probe` until it returns a value that satisfies `ok`; sysfs and the UI settle asynchronously. */
export async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: T | undefined;
    while (Date.now() < deadline) {
        last = await probe();
        if (ok(last))
            return last;
        await new Promise(resolve => setTimeout(resolve, 500));
    }
    throw new Error(`Timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
}

/** Removes a "Kept after reboot" row; fails with the card's own error if it shows one. */
export async function removeKept(frame: Frame, row: string): Promise<void> {
    const button = frame.locator(`${row} button:has-text("Remove")`);
    // Right after a (re)load the page may not know yet that it has administrative access.
    await until(() => button.getAttribute("aria-disabled"), v => v !== "true", "Remove to be enabled");
    await button.click();
    const gone = frame.waitForSelector(row, { state: "detached", timeout: 60_000 })
            .then(() => "gone", () => "still listed after 60 s");
    const error = frame.waitForSelector("#pt-kept-after-reboot .pf-v5-c-alert.pf-m-danger", { timeout: 60_000 })
            .then(async e => `error: ${await e.textContent()}`, () => "still listed after 60 s");
    const result = await Promise.race([gone, error]);
    if (result !== "gone")
        throw new Error(`The kept entry ${row} was not removed: ${result}`);
}
