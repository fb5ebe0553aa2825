import { useEffect, useState } from "react";
import cockpit from "cockpit";

import { readUsageFacts } from "../host/host-usage-reader.ts";
import type { UsageFacts } from "../model/host-usage.ts";

const _ = cockpit.gettext;
const POLL_MS = 15000;

export type UsageState =
    | { status: "loading" }
    | { status: "error"; message: string }
    | { status: "ready"; facts: UsageFacts };

/** Addresses, routes and mounts change rarely. A read that fails (in part)
 * keeps the state unknown: nothing that depends on it goes ahead. */
export function useUsageFacts(): UsageState {
    const [state, setState] = useState<UsageState>({ status: "loading" });
    useEffect(() => {
        let live = true;
        const read = () => readUsageFacts().then(
            facts => { if (live) setState(facts.failures.length > 0 ? { status: "error", message: facts.failures.join("; ") } : { status: "ready", facts }) },
            (ex: { message?: string }) => { if (live) setState({ status: "error", message: ex.message ?? String(ex) }) });
        read();
        const timer = window.setInterval(read, POLL_MS);
        return () => { live = false; window.clearInterval(timer) };
    }, []);
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
