// SPDX-License-Identifier: LGPL-2.1-or-later
// Playwright helpers for driving Cockpit in the test VM (test/vm/machine.ts)
// with Debian's Chromium; playwright-core never downloads a browser.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import type { Machine } from '../../vm/machine.js';

// Everything is slow under TCG: the first Cockpit login takes several seconds.
const TIMEOUT = 60_000;

/** Headless Chromium. Playwright gives every launch a fresh --user-data-dir in
 *  a temp dir (deleted on close); the flags keep Chromium off the network,
 *  which is closed here and would otherwise be retried many times. */
export function launchBrowser(): Promise<Browser> {
    return chromium.launch({
        executablePath: process.env.PASSTHROUGH_CHROMIUM ?? '/usr/bin/chromium',
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
}

/** Logs in through Cockpit's own login form and waits for the shell. */
export async function login(page: Page, machine: Machine): Promise<void> {
    page.setDefaultTimeout(TIMEOUT);
    await page.goto(machine.cockpitUrl + '/');
    await page.fill('#login-user-input', machine.user);
    await page.fill('#login-password-input', machine.password);
    await page.click('#login-button');
    // The shell's first page (system overview) lives in an iframe.
    await page.waitForSelector('iframe[name^="cockpit1:localhost/"]', { state: 'attached' });
}

/** Navigates the shell to `path` and returns the iframe holding that page,
 *  named `cockpit1:localhost<path>` (e.g. cockpit1:localhost/passthrough). */
export async function openPlugin(page: Page, machine: Machine, path = '/passthrough'): Promise<Frame> {
    await page.goto(machine.cockpitUrl + path);
    const name = 'cockpit1:localhost' + path.replace(/[?#].*$/, '');
    const element = await page.waitForSelector(`iframe[name="${name}"]`, { state: 'attached' });
    const frame = await element.contentFrame();
    if (!frame) throw new Error(`iframe ${name} has no frame`);
    await frame.waitForLoadState('load');
    return frame;
}

/** Switches the session to administrative access ("Limited access" button in
 *  the shell's top bar, then the sudo password), as an admin does by hand. */
export async function becomeAdmin(page: Page, machine: Machine): Promise<void> {
    // Cockpit 287 markup; the button's role name is not reliable (a closed
    // aria-modal dialog lingers), its class tells the state.
    const admin = page.locator('#super-user-indicator button.ct-unlocked');
    const limited = page.locator('#super-user-indicator button.ct-locked');
    await admin.or(limited).waitFor();
    if (await admin.isVisible()) return;
    await limited.click();
    await page.fill('#switch-to-admin-access-password', machine.password);
    await page.getByRole('dialog').getByRole('button', { name: 'Authenticate' }).click();
    await admin.waitFor();
}

/** Writes <name>.png (the whole page) and <name>.journal.txt (the guest's
 *  journal) to dir; never throws, so it can run in a failure handler. */
export async function saveFailureArtefacts(page: Page, machine: Machine, dir: string, name: string): Promise<void> {
    mkdirSync(dir, { recursive: true });
    try {
        await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true, timeout: 15_000 });
    } catch (e) {
        writeFileSync(join(dir, `${name}.png.error.txt`), String(e));
    }
    writeFileSync(join(dir, `${name}.journal.txt`), await machine.journal());
}
