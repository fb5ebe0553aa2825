// SPDX-License-Identifier: LGPL-2.1-or-later
/* Reads the system's pci.ids: hwdata's copy first (Fedora, RHEL, openEuler),
 * then Debian's /usr/share/misc. A file channel, not a process. */

import cockpit from "cockpit";
import { NO_PCI_IDS, parsePciIds, type PciIds } from "../model/pci-ids.ts";

const PCI_IDS_PATHS = ["/usr/share/hwdata/pci.ids", "/usr/share/misc/pci.ids"];

export async function readPciIds(): Promise<PciIds> {
    for (const path of PCI_IDS_PATHS) {
        const file = cockpit.file(path, { max_read_size: 16 * 1024 * 1024 });
        try {
            const text = await file.read();
            if (text)
                return parsePciIds(text);
        } catch {
            // try the next location
        } finally {
            file.close();
        }
    }
    return NO_PCI_IDS;
}
