/* The page as admins get it (issue 12): installed from the .deb by apt,
 * listed in Cockpit's menu, and gone from the menu after `apt remove`. It
 * installs the package again at the end, so suites after it still work. */

import assert from "node:assert/strict";
import { describe } from "node:test";

import { browserTest, guest, loginAgain, openPage, reinstallPackage, session } from "../session.ts";

const MENU_ENTRY = '#host-apps a[href="/passthrough"]';
// Always in the menu of Cockpit 287 (cockpit-system): shows the menu has loaded.
const OVERVIEW_ENTRY = '#host-apps a[href="/system"]';

describe("Installed package", () => {
    browserTest("is installed by apt from the .deb with its files and metainfo", async () => {
        assert.equal(await guest(["dpkg-query", "-W", "-f", "${Status}", "cockpit-passthrough"]), "install ok installed");
        assert.equal((await guest(["dpkg", "-S", "/usr/share/cockpit/passthrough/manifest.json"])).trim(),
            "cockpit-passthrough: /usr/share/cockpit/passthrough/manifest.json");
        assert.match(await guest(["cat", "/usr/share/metainfo/org.cockpit_project.passthrough.metainfo.xml"]),
            /<launchable type="cockpit-manifest">passthrough<\/launchable>/);
        await openPage();
    });

    browserTest("apt remove takes the page out of Cockpit's menu; installing it brings it back", async () => {
        const { page } = session();
        await loginAgain();
        await page.waitForSelector(OVERVIEW_ENTRY);
        await page.waitForSelector(MENU_ENTRY);
        assert.equal((await page.textContent(MENU_ENTRY))!.trim(), "Device passthrough");

        await guest(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "remove", "-y", "-q", "cockpit-passthrough"]);
        assert.equal((await guest("test -e /usr/share/cockpit/passthrough && echo present || echo absent")).trim(), "absent");
        assert.equal((await guest("test -e /usr/share/metainfo/org.cockpit_project.passthrough.metainfo.xml && echo present || echo absent")).trim(), "absent");
        await loginAgain();
        await page.waitForSelector(OVERVIEW_ENTRY);
        assert.equal(await page.locator(MENU_ENTRY).count(), 0, "no Device passthrough entry after apt remove");

        await reinstallPackage();
        await loginAgain();
        await page.waitForSelector(MENU_ENTRY);
        await openPage();
    });
});
