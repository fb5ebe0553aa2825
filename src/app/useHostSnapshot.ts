/* Keeps a fresh HostSnapshot (issue 16): one full read at start, then the
 * kernel's uevents (udevadm monitor, one process for the page's life) name the
 * functions that changed and only those are re-read and merged. A full read
 * again only when udevadm starts listening (events before then are lost), for
 * an event the page cannot place, and on an explicit refresh. If udevadm cannot
 * run, poll as before and say so (the page shows `live`). */

import { useCallback, useEffect, useRef, useState } from "react";
import { readHostSnapshot } from "../host/sysfs-reader.ts";
import { monitorUevents } from "../host/uevent-monitor.ts";
import { addressesToRead, mergeSnapshot } from "../model/merge-snapshot.ts";
import type { HostSnapshot } from "../model/snapshot.ts";
import { addEvents, emptyNeed, type RefreshNeed } from "../model/uevents.ts";

const POLL_MS = 5000;
/** Events come in bursts (VFs: add + bind per VF, then the PF); read once per burst. */
const BURST_MS = 50;

export type SnapshotState =
    | { status: "loading" }
    | { status: "error"; message: string }
    | { status: "ready"; snapshot: HostSnapshot };

/** starting: udevadm not listening yet; listening: changes show as they happen; polling: udevadm failed. */
export type LiveState = "starting" | "listening" | "polling";

export interface HostSnapshotHook {
    state: SnapshotState;
    live: LiveState;
    /** Why the page polls; null otherwise. */
    liveFailure: string | null;
    /** Counts uevents about interfaces and disks: host usage facts re-read when it changes. */
    usageEvents: number;
    /** A full read. */
    refresh: () => Promise<void>;
}

export function useHostSnapshot(): HostSnapshotHook {
    const [state, setState] = useState<SnapshotState>({ status: "loading" });
    const [live, setLive] = useState<LiveState>("starting");
    const [liveFailure, setLiveFailure] = useState<string | null>(null);
    const [usageEvents, setUsageEvents] = useState(0);
    const snapshot = useRef<HostSnapshot | null>(null);
    const pending = useRef<RefreshNeed>(emptyNeed());
    const busy = useRef(false);

    /* Runs what is pending, one read at a time; events that arrive during a
     * read are taken by the next turn of the loop. */
    const drain = useCallback(async () => {
        if (busy.current)
            return;
        busy.current = true;
        try {
            for (;;) {
                const need = pending.current;
                if (!need.full && need.addresses.size === 0)
                    break;
                pending.current = emptyNeed();
                const old = snapshot.current;
                try {
                    let next: HostSnapshot;
                    if (need.full || !old) {
                        next = await readHostSnapshot();
                    } else {
                        const requested = addressesToRead(old, need.addresses);
                        next = mergeSnapshot(old, await readHostSnapshot("/sys", requested), requested);
                    }
                    snapshot.current = next;
                    setState({ status: "ready", snapshot: next });
                } catch (ex) {
                    setState({ status: "error", message: (ex as { message?: string }).message ?? String(ex) });
                }
            }
        } finally {
            busy.current = false;
        }
    }, []);

    const refresh = useCallback(async () => {
        pending.current.full = true;
        await drain();
        // A read was already running: wait for the loop to take ours.
        while (busy.current)
            await new Promise(resolve => window.setTimeout(resolve, 20));
    }, [drain]);

    useEffect(() => {
        let timer: number | undefined;
        let burst: number | undefined;
        let stopped = false;
        refresh();
        const monitor = monitorUevents(
            () => {
                // Whatever changed before udevadm listened was missed: read everything once.
                refresh().then(() => { if (!stopped) setLive("listening") });
            },
            events => {
                const need = addEvents(pending.current, events);
                if (need.usage)
                    setUsageEvents(n => n + 1);
                need.usage = false;
                if (burst === undefined) {
                    burst = window.setTimeout(() => {
                        burst = undefined;
                        drain();
                    }, BURST_MS);
                }
            },
            message => {
                if (stopped)
                    return;
                setLive("polling");
                setLiveFailure(message);
                timer ??= window.setInterval(() => {
                    if (document.visibilityState === "visible")
                        refresh();
                }, POLL_MS);
            });
        return () => {
            stopped = true;
            monitor.close();
            window.clearInterval(timer);
            window.clearTimeout(burst);
        };
    }, [refresh, drain]);

    return { state, live, liveFailure, usageEvents, refresh };
}
