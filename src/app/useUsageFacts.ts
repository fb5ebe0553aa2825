import { useEffect, useState } from "react";
import { readUsageFacts } from "../host/host-usage-reader.ts";
import type { UsageFacts } from "../model/host-usage.ts";
import type { LiveState } from "./useHostSnapshot.ts";

const POLL_MS = 15000;
/** Interface and disk events come in bursts (an interface: add, rename, up); read once per burst. */
const BURST_MS = 300;

/**
 * Addresses, routes and mounts: null until first read. Re-read when
 * `usageEvents` changes (uevents about interfaces and disks: binding a NIC
 * away removes its interface); polled only when there are no events.
 */
export function useUsageFacts(live: LiveState, usageEvents: number): UsageFacts | null {
    const [facts, setFacts] = useState<UsageFacts | null>(null);
    const [reads, setReads] = useState(0);

    useEffect(() => {
        if (usageEvents === 0)
            return;
        const t = window.setTimeout(() => setReads(n => n + 1), BURST_MS);
        return () => window.clearTimeout(t);
    }, [usageEvents]);

    useEffect(() => {
        let current = true;
        readUsageFacts().then(f => { if (current) setFacts(f) }, () => {});
        return () => { current = false };
    }, [reads]);

    useEffect(() => {
        if (live !== "polling")
            return;
        const timer = window.setInterval(() => setReads(n => n + 1), POLL_MS);
        return () => window.clearInterval(timer);
    }, [live]);

    return facts;
}
