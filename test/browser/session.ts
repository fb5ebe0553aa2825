// SPDX-License-Identifier: LGPL-2.1-or-later
/* One test VM and one logged-in browser shared by every browser suite:
 * booting under TCG costs ~20-60 s, so suites reuse it and reboot only
 * where a test is about reboots. */

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test, type TestContext } from "node:test";
import type { Browser, Frame, Page } from "playwright-core";

import { startMachine, type Machine } from "../vm/machine.ts";
import { currentHost, type HostSpec } from "../vm/hosts.ts";
import { becomeAdmin, launchBrowser, login, openPlugin, saveFailureArtefacts } from "./harness/browser.ts";

// One directory per host, so that a matrix run keeps every host's artefacts.
export const RESULTS = path.resolve("test-results", currentHost().kind);

/** The .deb of this tree, from `make deb` (which does nothing when it is up to date). */
function debPackage(): string {
    execFileSync("make", ["--no-print-directory", "deb"], { stdio: ["ignore", process.stderr, "inherit"] });
    const debs = fs.readdirSync(".").filter(f => /^cockpit-passthrough_.*_all\.deb$/.test(f))
            .map(f => path.resolve(f))
            .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
    if (!debs.length)
        throw new Error("make deb made no cockpit-passthrough_*_all.deb");
    return debs[0];
}

let deb = "";

interface Session {
    machine: Machine;
    browser: Browser;
    page: Page;
}

let current: Session | null = null;

/** The kind of test host this process runs on (PASSTHROUGH_HOST, see test/vm/hosts.ts). */
export const HOST: HostSpec = currentHost();

export function session(): Session {
    if (!current)
        throw new Error("browser session not started");
    return current;
}

export async function startSession(): Promise<void> {
    fs.rmSync(RESULTS, { recursive: true, force: true });
    const machine = await startMachine({ host: HOST, disk: "overlay", logDir: path.join(RESULTS, "vm") });
    try {
        deb = debPackage();
        await machine.installDeb(deb);
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

/** Opens the plugin in a second tab of the same login session (closed by the caller). */
export async function openTab(): Promise<{ page: Page; frame: Frame }> {
    const { page, machine } = session();
    // The session's page has a context of its own (browser.newPage): a new
    // context with its cookies is the same Cockpit login.
    const context = await page.context().browser()!.newContext({ viewport: { width: 1600, height: 1000 } });
    await context.addCookies(await page.context().cookies());
    const tab = await context.newPage();
    tab.setDefaultTimeout(60_000);
    const frame = await openPlugin(tab, machine);
    await frame.waitForSelector("#device-table tbody tr[data-address]");
    return { page: tab, frame };
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

/** Installs the package again (apt), e.g. after a test removed it. */
export async function reinstallPackage(): Promise<void> {
    await session().machine.installDeb(deb);
}

/** Logs out (drops the session cookie) and logs in again: a new session's
 *  bridge reads the installed Cockpit packages afresh. */
export async function loginAgain(): Promise<void> {
    const { machine, page } = session();
    await page.context().clearCookies();
    await login(page, machine);
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
