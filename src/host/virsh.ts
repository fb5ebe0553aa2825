// SPDX-License-Identifier: LGPL-2.1-or-later
/* The same operations through `virsh -c <uri>` processes: for StratoVirt
 * (stratovirt:///system has no libvirt-dbus object), and for testing that path
 * against qemu:///system. Values go in argv, XML through stdin (/dev/stdin). */

import cockpit from "cockpit";

function virsh(uri: string, args: string[], input?: string): Promise<string> {
    const proc = cockpit.spawn(["virsh", "-c", uri, ...args], { superuser: "try", err: "message", environ: ["LC_ALL=C"] });
    if (input !== undefined)
        proc.input(input);
    return proc;
}

export interface VirshDomainInfo {
    uuid: string;
    name: string;
    /** virsh's words: "running", "shut off", "paused", ... */
    state: string;
    persistent: boolean;
}

/** Domains by UUID (names could hold anything a line-based list would trip on). */
export async function listDomainUuids(uri: string): Promise<string[]> {
    const out = await virsh(uri, ["list", "--all", "--uuid"]);
    return out.split("\n").map(l => l.trim()).filter(l => l !== "");
}

/** `virsh dominfo` is "Key:   value" lines; Name, State and Persistent are all we need. */
export async function getDomainInfo(uri: string, uuid: string): Promise<VirshDomainInfo> {
    const out = await virsh(uri, ["dominfo", "--domain", uuid]);
    const field = (key: string) => {
        const line = out.split("\n").find(l => l.startsWith(key + ":"));
        return line === undefined ? null : line.slice(key.length + 1).trim();
    };
    const name = field("Name");
    if (name === null)
        throw new Error(`virsh dominfo ${uuid}: no Name`);
    return { uuid, name, state: field("State") ?? "", persistent: field("Persistent") === "yes" };
}

export function getDomainXml(uri: string, domain: string, inactive: boolean): Promise<string> {
    // --security-info: a redefine from this XML must keep VNC/SPICE passwords.
    // --domain: a VM named like an option ("--help") stays a name.
    return virsh(uri, ["dumpxml", "--domain", domain, "--security-info", ...(inactive ? ["--inactive"] : [])]);
}

export async function defineXml(uri: string, xml: string): Promise<void> {
    await virsh(uri, ["define", "--file", "/dev/stdin"], xml);
}

export async function createXml(uri: string, xml: string): Promise<void> {
    await virsh(uri, ["create", "--file", "/dev/stdin"], xml);
}

/** QEMU only: StratoVirt's driver has no attach/detach. */
export async function attachDevice(uri: string, domain: string, xml: string, flags: { config: boolean; live: boolean }): Promise<void> {
    await virsh(uri, ["attach-device", "--domain", domain, "--file", "/dev/stdin", ...flagArgs(flags)], xml);
}

export async function detachDevice(uri: string, domain: string, xml: string, flags: { config: boolean; live: boolean }): Promise<void> {
    await virsh(uri, ["detach-device", "--domain", domain, "--file", "/dev/stdin", ...flagArgs(flags)], xml);
}

function flagArgs({ config, live }: { config: boolean; live: boolean }): string[] {
    if (!config && !live)
        throw new Error("neither --config nor --live");
    return [...(config ? ["--config"] : []), ...(live ? ["--live"] : [])];
}

/** A cheap call that fails unless the URI's driver answers. */
export async function ping(uri: string): Promise<void> {
    await virsh(uri, ["uri"]);
}
