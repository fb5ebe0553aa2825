// SPDX-License-Identifier: LGPL-2.1-or-later
import { useEffect, useState } from "react";
import { readPciIds } from "../host/pci-ids-reader.ts";
import { NO_PCI_IDS, type PciIds } from "../model/pci-ids.ts";

/** Names arrive a moment after the table; until then IDs stand in. */
export function usePciIds(): PciIds {
    const [ids, setIds] = useState<PciIds>(NO_PCI_IDS);
    useEffect(() => {
        readPciIds().then(setIds);
    }, []);
    return ids;
}
