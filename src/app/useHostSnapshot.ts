// SPDX-License-Identifier: LGPL-2.1-or-later
/* Keeps a fresh HostSnapshot: sysfs has no change notification, so poll it
 * while the page is visible. One batched read per poll. */

import { useCallback, useEffect, useRef, useState } from "react";
import { readHostSnapshot } from "../host/sysfs-reader.ts";
import type { HostSnapshot } from "../model/snapshot.ts";

const POLL_MS = 5000;

export type SnapshotState =
    | { status: "loading" }
    | { status: "error"; message: string }
    | { status: "ready"; snapshot: HostSnapshot };

export function useHostSnapshot(): [SnapshotState, () => Promise<void>] {
    const [state, setState] = useState<SnapshotState>({ status: "loading" });
    const busy = useRef(false);

    const refresh = useCallback(async () => {
        if (busy.current)
            return;
        busy.current = true;
        try {
            const snapshot = await readHostSnapshot();
            setState({ status: "ready", snapshot });
        } catch (ex) {
            setState({ status: "error", message: (ex as { message?: string }).message ?? String(ex) });
        } finally {
            busy.current = false;
        }
    }, []);

    useEffect(() => {
        refresh();
        const timer = window.setInterval(() => {
            if (document.visibilityState === "visible")
                refresh();
        }, POLL_MS);
        return () => window.clearInterval(timer);
    }, [refresh]);

    return [state, refresh];
}
