// SPDX-License-Identifier: LGPL-2.1-or-later
import { useEffect, useState } from "react";
import { readUsageFacts } from "../host/host-usage-reader.ts";
import type { UsageFacts } from "../model/host-usage.ts";

const POLL_MS = 15000;

/** Addresses, routes and mounts change rarely; null until first read. */
export function useUsageFacts(): UsageFacts | null {
    const [facts, setFacts] = useState<UsageFacts | null>(null);
    useEffect(() => {
        let live = true;
        const read = () => readUsageFacts().then(f => { if (live) setFacts(f) }, () => {});
        read();
        const timer = window.setInterval(read, POLL_MS);
        return () => { live = false; window.clearInterval(timer) };
    }, []);
    return facts;
}
