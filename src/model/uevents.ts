/* What `udevadm monitor --kernel --property` prints, as events, and what the
 * page must re-read for them (issue 16). Pure, so it is unit-tested on text
 * captured from the test VM. */

import { isPciAddress, lastAddressInPath, type PciAddress } from "./pci-address.ts";

export interface Uevent {
    action: string;
    /** Below /sys, e.g. /devices/pci0000:00/0000:00:04.1 */
    devpath: string;
    subsystem: string;
}

export interface UeventParser {
    /** Feeds a chunk of output (chunks split lines anywhere). */
    push(chunk: string): { listening: boolean; events: Uevent[] };
}

/* udevadm prints "KERNEL - the kernel uevent" once its netlink socket is
 * bound, then per event a "KERNEL[time] action devpath (subsystem)" line, the
 * KEY=VALUE properties, and an empty line. */
export function ueventParser(): UeventParser {
    let rest = "";
    let current: Partial<Uevent> | null = null;
    return {
        push(chunk) {
            const lines = (rest + chunk).split("\n");
            rest = lines.pop() ?? "";
            let listening = false;
            const events: Uevent[] = [];
            const finish = () => {
                if (current?.action && current.devpath && current.subsystem)
                    events.push({ action: current.action, devpath: current.devpath, subsystem: current.subsystem });
                current = null;
            };
            for (const line of lines) {
                if (line.startsWith("KERNEL - ")) {
                    listening = true;
                } else if (line.startsWith("KERNEL[")) {
                    finish();
                    const m = /^KERNEL\[[^\]]*\]\s+(\S+)\s+(\S+)\s+\((\S+)\)/.exec(line);
                    current = m ? { action: m[1], devpath: m[2], subsystem: m[3] } : {};
                } else if (line === "") {
                    finish();
                } else if (current) {
                    const eq = line.indexOf("=");
                    const key = line.slice(0, eq);
                    const value = line.slice(eq + 1);
                    if (key === "ACTION")
                        current.action = value;
                    else if (key === "DEVPATH")
                        current.devpath = value;
                    else if (key === "SUBSYSTEM")
                        current.subsystem = value;
                }
            }
            return { listening, events };
        },
    };
}

export interface RefreshNeed {
    /** PCI functions to re-read (incremental). */
    addresses: Set<PciAddress>;
    /** Among them, those a "remove" event named: the kernel sends that event
     * before it deletes the directory, so a read right after can still find them. */
    removed: Set<PciAddress>;
    /** An event the page cannot place: read everything. */
    full: boolean;
    /** Interfaces or disks changed: re-read which devices the host needs. */
    usage: boolean;
}

export function emptyNeed(): RefreshNeed {
    return { addresses: new Set(), removed: new Set(), full: false, usage: false };
}

/** Adds what `events` require to `need` (mutated, so bursts accumulate). */
export function addEvents(need: RefreshNeed, events: readonly Uevent[]): RefreshNeed {
    for (const e of events) {
        if (e.subsystem === "pci") {
            const name = e.devpath.slice(e.devpath.lastIndexOf("/") + 1);
            if (isPciAddress(name)) {
                need.addresses.add(name);
                if (e.action === "remove")
                    need.removed.add(name);
                else
                    need.removed.delete(name);
            } else
                need.full = true;
        } else if (e.subsystem === "net" || e.subsystem === "block") {
            need.usage = true;
            // An interface or disk appearing below a function changes that function's row;
            // virtual ones (lo, bridges, loop devices) belong to no function.
            const owner = lastAddressInPath(e.devpath);
            if (owner)
                need.addresses.add(owner);
        }
    }
    return need;
}
