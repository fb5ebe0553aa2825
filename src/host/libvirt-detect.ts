// SPDX-License-Identifier: LGPL-2.1-or-later
/* Is libvirt usable, and if not, why: libvirt-dbus missing, daemon down,
 * access denied. And is StratoVirt there at all. */

import cockpit from "cockpit";
import { listDomainPaths } from "./libvirt-dbus.ts";
import { ping } from "./virsh.ts";
import { classifyLibvirtError, toFailure, type LibvirtFailure } from "../model/libvirt-errors.ts";

export type LibvirtAvailability =
    | { status: "available" }
    | { status: "unavailable"; reason: "dbus-missing" | "daemon-down" | "access-denied" | "error"; failure: LibvirtFailure };

async function systemdActive(unit: string): Promise<boolean> {
    try {
        await cockpit.spawn(["systemctl", "is-active", "--quiet", unit], { err: "ignore" });
        return true;
    } catch {
        return false;
    }
}

/** qemu:///system through libvirt-dbus. */
export async function detectQemu(): Promise<LibvirtAvailability> {
    try {
        await listDomainPaths();
        return { status: "available" };
    } catch (ex) {
        const failure = toFailure(ex);
        const kind = classifyLibvirtError(failure).kind;
        if (kind === "access-denied")
            return { status: "unavailable", reason: "access-denied", failure };
        if (kind === "dbus-missing")
            return { status: "unavailable", reason: "dbus-missing", failure };
        if (kind === "daemon-unreachable")
            return { status: "unavailable", reason: "daemon-down", failure };
        // libvirt-dbus may word a dead daemon differently: ask systemd (monolithic or modular daemon).
        if (!(await systemdActive("libvirtd.service")) && !(await systemdActive("virtqemud.service")))
            return { status: "unavailable", reason: "daemon-down", failure };
        return { status: "unavailable", reason: "error", failure };
    }
}

export type StratovirtPresence =
    | { status: "absent" }
    | { status: "available" }
    | { status: "unavailable"; failure: LibvirtFailure };

const STRATOVIRT_URI = "stratovirt:///system";

/** Shown only where it exists: the binary, or a libvirt that answers the URI. */
export async function detectStratovirt(): Promise<StratovirtPresence> {
    let binary = true;
    try {
        await cockpit.spawn(["test", "-x", "/usr/bin/stratovirt"], { err: "ignore" });
    } catch {
        binary = false;
    }
    try {
        await ping(STRATOVIRT_URI);
        return { status: "available" };
    } catch (ex) {
        return binary ? { status: "unavailable", failure: toFailure(ex) } : { status: "absent" };
    }
}
