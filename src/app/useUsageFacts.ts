// SPDX-License-Identifier: LGPL-2.1-or-later
import { useEffect, useState } from "react";
import cockpit from "cockpit";

import { readUsageFacts } from "../host/host-usage-reader.ts";
import type { UsageFacts } from "../model/host-usage.ts";
import type { LiveState } from "./useHostSnapshot.ts";

const _ = cockpit.gettext;
const POLL_MS = 15000;
/** Interface and disk events come in bursts (an interface: add, rename, up); read once per burst. */
const BURST_MS = 300;

export type UsageState =
    | { status: "loading" }
    | { status: "error"; message: string }
    | { status: "ready"; facts: UsageFacts };

/** Addresses, routes and mounts. A read that fails (in part) keeps the state
 * unknown: nothing that depends on it goes ahead. Re-read when `usageEvents`
 * changes (uevents about interfaces and disks); polled only when there are no
 * events (`live` polling). */
export function useUsageFacts(live: LiveState, usageEvents: number): UsageState {
    const [state, setState] = useState<UsageState>({ status: "loading" });
    const [reads, setReads] = useState(0);

    useEffect(() => {
        if (usageEvents === 0)
            return;
        const t = window.setTimeout(() => setReads(n => n + 1), BURST_MS);
        return () => window.clearTimeout(t);
    }, [usageEvents]);

    useEffect(() => {
        let current = true;
        readUsageFacts().then(
            facts => { if (current) setState(facts.failures.length > 0 ? { status: "error", message: facts.failures.join("; ") } : { status: "ready", facts }) },
            (ex: { message?: string }) => { if (current) setState({ status: "error", message: ex.message ?? String(ex) }) });
        return () => { current = false };
    }, [reads]);

    useEffect(() => {
        if (live !== "polling")
            return;
        const timer = window.setInterval(() => setReads(n => n + 1), POLL_MS);
        return () => window.clearInterval(timer);
    }, [live]);

    return state;
}

/** Why actions that need to know the host's own devices are disabled, or null. */
export function usageUnknownReason(state: UsageState): string | null {
    switch (state.status) {
    case "ready": return null;
    case "loading": return _("Checking which devices the host uses…");
    case "error": return cockpit.format(_("Could not tell which devices the host uses: $0"), state.message);
    }
}
