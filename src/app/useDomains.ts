// SPDX-License-Identifier: LGPL-2.1-or-later
/* The domains of both connections, kept fresh: libvirt-dbus events for QEMU,
 * polling for StratoVirt (virsh has no events) and as a safety net. */

import { useCallback, useEffect, useMemo, useRef, useState } from "react";

import { resetLibvirtDbus, subscribeLibvirtDbus } from "../host/libvirt-dbus.ts";
import { detectQemu, detectStratovirt, type LibvirtAvailability } from "../host/libvirt-detect.ts";
import { toFailure, type LibvirtFailure } from "../model/libvirt-errors.ts";
import { CONNECTION_URIS } from "../model/virsh-script.ts";
import { dbusBackend, virshBackend } from "../host/libvirt-backends.ts";
import { loadDomains, type Backend, type DomainRecord } from "../model/domains.ts";

const POLL_MS = 10000;

export type ConnectionState =
    | { status: "loading" }
    /** StratoVirt only: not installed here, so not shown. */
    | { status: "absent" }
    | { status: "unavailable"; reason: Extract<LibvirtAvailability, { status: "unavailable" }>["reason"]; failure: LibvirtFailure }
    | { status: "ready"; backend: Backend; domains: DomainRecord[] };

export interface DomainsState {
    qemu: ConnectionState;
    stratovirt: ConnectionState;
}

/* Tests point the StratoVirt path at another URI (qemu:///system in the test VM) to run the
 * virsh code where StratoVirt is not installed:
 *   localStorage.setItem("passthrough:stratovirt-uri", "qemu:///system") */
function stratovirtUri(): string {
    try {
        return window.localStorage.getItem("passthrough:stratovirt-uri") || CONNECTION_URIS.stratovirt;
    } catch {
        return CONNECTION_URIS.stratovirt;
    }
}

export function allDomains(state: DomainsState): DomainRecord[] {
    return [state.qemu, state.stratovirt].flatMap(c => c.status === "ready" ? c.domains : []);
}

export function backendFor(state: DomainsState, d: Pick<DomainRecord, "connection">): Backend | null {
    const c = state[d.connection];
    return c.status === "ready" ? c.backend : null;
}

/** `superuser` is passed so that gaining admin access reloads with the new privileges. */
export function useDomains(superuser: boolean | null): [DomainsState, () => Promise<void>] {
    const [qemu, setQemu] = useState<ConnectionState>({ status: "loading" });
    const [stratovirt, setStratovirt] = useState<ConnectionState>({ status: "loading" });
    const busy = useRef(false);
    const again = useRef(false);

    const refresh = useCallback(async () => {
        if (busy.current) {
            again.current = true;
            return;
        }
        busy.current = true;
        try {
            do {
                again.current = false;
                await Promise.all([refreshQemu(setQemu), refreshStratovirt(setStratovirt)]);
            } while (again.current);
        } finally {
            busy.current = false;
        }
    }, []);

    useEffect(() => {
        // New privileges need a new D-Bus client.
        resetLibvirtDbus();
        // Subscribe before the first call: libvirt-dbus sends events only after a method call.
        const subscription = subscribeLibvirtDbus({
            onDomainEvent: () => { refresh() },
            onDeviceRemoved: () => { refresh() },
        });
        refresh();
        const timer = window.setInterval(() => {
            if (document.visibilityState === "visible")
                refresh();
        }, POLL_MS);
        return () => {
            window.clearInterval(timer);
            subscription.remove();
        };
    }, [refresh, superuser]);

    const state = useMemo(() => ({ qemu, stratovirt }), [qemu, stratovirt]);
    return [state, refresh];
}

async function refreshQemu(set: (s: ConnectionState) => void): Promise<void> {
    const backend = dbusBackend();
    try {
        set({ status: "ready", backend, domains: await loadDomains(backend) });
    } catch {
        const availability = await detectQemu();
        if (availability.status === "unavailable")
            set({ status: "unavailable", reason: availability.reason, failure: availability.failure });
        else
            set({ status: "unavailable", reason: "error", failure: { name: null, message: "libvirt did not answer" } });
    }
}

let stratovirtPresent: Promise<boolean> | null = null;

async function refreshStratovirt(set: (s: ConnectionState) => void): Promise<void> {
    const uri = stratovirtUri();
    const backend = virshBackend("stratovirt", uri);
    if (uri === CONNECTION_URIS.stratovirt) {
        // Installing StratoVirt while the page is open is rare: look once per page load.
        stratovirtPresent ??= detectStratovirt().then(p => p.status !== "absent");
        if (!(await stratovirtPresent)) {
            set({ status: "absent" });
            return;
        }
    }
    try {
        set({ status: "ready", backend, domains: await loadDomains(backend) });
    } catch (ex) {
        const failure = toFailure(ex);
        set({ status: "unavailable", reason: "error", failure });
    }
}
