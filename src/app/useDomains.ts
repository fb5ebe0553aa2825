// SPDX-License-Identifier: LGPL-2.1-or-later
/* The domains of both connections, kept fresh: libvirt-dbus events for QEMU,
 * and for StratoVirt (virsh has no events) a slow poll that runs only while
 * a StratoVirt connection exists, so an idle page starts no processes. */

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import cockpit from "cockpit";

import { resetLibvirtDbus, subscribeLibvirtDbus } from "../host/libvirt-dbus.ts";
import { detectQemu, detectStratovirt, type LibvirtAvailability } from "../host/libvirt-detect.ts";
import { toFailure, type LibvirtFailure } from "../model/libvirt-errors.ts";
import { CONNECTION_URIS } from "../model/virsh-script.ts";
import { HOST_CONFIG, parseHostConfig } from "../model/host-config.ts";
import { dbusBackend, virshBackend } from "../host/libvirt-backends.ts";
import { loadDomains, type Backend, type DomainRecord } from "../model/domains.ts";

const _ = cockpit.gettext;
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

/* The StratoVirt URI comes from the host's own config file (tests point it at
 * qemu:///system to run the virsh code where StratoVirt is not installed);
 * nothing in the browser chooses it. */
async function stratovirtUri(): Promise<string> {
    const file = cockpit.file(HOST_CONFIG);
    try {
        return parseHostConfig(await file.read()).stratovirtUri ?? CONNECTION_URIS.stratovirt;
    } catch {
        return CONNECTION_URIS.stratovirt;
    } finally {
        file.close();
    }
}

export function allDomains(state: DomainsState): DomainRecord[] {
    return [state.qemu, state.stratovirt].flatMap(c => c.status === "ready" ? c.domains : []);
}

/** Why VM use of devices is not known (a connection still loading or failing), or null. */
export function vmUseUnknownReason(state: DomainsState): string | null {
    for (const c of [state.qemu, state.stratovirt]) {
        if (c.status === "loading")
            return _("Checking which virtual machines use the device…");
        if (c.status === "unavailable")
            return cockpit.format(_("Could not tell which virtual machines use the device: $0"), c.failure.message);
    }
    return null;
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
        return () => subscription.remove();
    }, [refresh, superuser]);

    const stratovirtReady = stratovirt.status === "ready";
    useEffect(() => {
        if (!stratovirtReady)
            return;
        const timer = window.setInterval(() => {
            if (document.visibilityState === "visible")
                refresh();
        }, POLL_MS);
        return () => window.clearInterval(timer);
    }, [refresh, stratovirtReady]);

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
    const uri = await stratovirtUri();
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
