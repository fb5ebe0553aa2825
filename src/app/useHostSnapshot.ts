// SPDX-License-Identifier: LGPL-2.1-or-later
/* Keeps a fresh HostSnapshot (issue 16): one full read at start, then the
 * kernel's uevents (udevadm monitor, one process for the page's life) name the
 * functions that changed and only those are re-read and merged. A full read
 * again only when udevadm starts listening (events before then are lost), for
 * an event the page cannot place, and on an explicit refresh. If udevadm cannot
 * run, poll as before and say so (the page shows `live`). */

import { useCallback, useEffect, useRef, useState } from "react";
import { readHostSnapshot } from "../host/sysfs-reader.ts";
import { monitorUevents } from "../host/uevent-monitor.ts";
import { addressesToRead, mergeSnapshot, nicVfCountChanged, unsettledFunctions } from "../model/merge-snapshot.ts";
import type { HostSnapshot } from "../model/snapshot.ts";
import { addEvents, emptyNeed, type RefreshNeed } from "../model/uevents.ts";

const POLL_MS = 5000;
/** Events come in bursts (VFs: add + bind per VF, then the PF); read once per burst. */
const BURST_MS = 50;
/** A VF's links come after its add uevent and its directory goes after its
 * remove uevent: read functions that disagree again after these waits (longer
 * later: a slow or loaded host takes longer), then read everything so that the
 * table never keeps a stale row. */
const SETTLE_MS = [250, 250, 500, 1000];

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
    const settleTries = useRef(0);
    const settleTimer = useRef<number | undefined>(undefined);

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
                const full = need.full || !old;
                try {
                    let next: HostSnapshot;
                    if (full) {
                        settleTries.current = 0;
                        next = await readHostSnapshot();
                    } else {
                        const requested = addressesToRead(old, need.addresses);
                        const partial = await readHostSnapshot("/sys", requested);
                        next = mergeSnapshot(old, partial, requested);
                        // New VFs of a network card: their network state comes with a full read.
                        if (nicVfCountChanged(old, next, partial.byAddress.keys()))
                            pending.current.full = true;
                        const unsettled = unsettledFunctions(next, [...requested, ...partial.byAddress.keys()], need.removed);
                        if (unsettled.length > 0) {
                            const tries = settleTries.current++;
                            window.clearTimeout(settleTimer.current);
                            settleTimer.current = window.setTimeout(() => {
                                if (tries < SETTLE_MS.length)
                                    unsettled.forEach(a => pending.current.addresses.add(a));
                                else
                                    pending.current.full = true;
                                drain();
                            }, SETTLE_MS[Math.min(tries, SETTLE_MS.length - 1)]);
                        } else {
                            settleTries.current = 0;
                        }
                    }
                    snapshot.current = next;
                    setState({ status: "ready", snapshot: next });
                } catch (ex) {
                    // A failed incremental read leaves the held snapshot unsure: read everything instead.
                    if (!full)
                        pending.current.full = true;
                    else
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
                settleTries.current = 0;
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
            window.clearTimeout(settleTimer.current);
        };
    }, [refresh, drain]);

    return { state, live, liveFailure, usageEvents, refresh };
}
