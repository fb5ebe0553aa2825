/* The page's one long-lived event source for devices: `udevadm monitor` on
 * the kernel's uevents for PCI functions, network interfaces and disks. One
 * process for the life of the page instead of a sysfs read every few seconds.
 * Receiving kernel uevents needs no privileges. */

import cockpit from "cockpit";
import { ueventParser, type Uevent } from "../model/uevents.ts";

export const UDEVADM_MONITOR = [
    "udevadm", "monitor", "--kernel",
    "--subsystem-match=pci", "--subsystem-match=net", "--subsystem-match=block", "--property",
];

export interface UeventMonitor {
    close(): void;
}

/**
 * `onListening`: udevadm's socket is bound; events from before then are lost,
 * so the caller re-reads everything once. `onFailed`: udevadm could not start
 * or stopped; the caller falls back to polling.
 */
export function monitorUevents(onListening: () => void, onEvents: (events: Uevent[]) => void,
                               onFailed: (message: string) => void): UeventMonitor {
    const parser = ueventParser();
    let closed = false;
    const proc = cockpit.spawn(UDEVADM_MONITOR, { err: "message" });
    proc.stream(chunk => {
        const { listening, events } = parser.push(chunk);
        if (listening)
            onListening();
        if (events.length > 0)
            onEvents(events);
    });
    proc.then(() => {
        if (!closed)
            onFailed(cockpit.gettext("udevadm monitor stopped"));
    }, (ex: { message?: string }) => {
        if (!closed)
            onFailed(ex.message || String(ex));
    });
    return {
        close() {
            closed = true;
            proc.close();
        },
    };
}
