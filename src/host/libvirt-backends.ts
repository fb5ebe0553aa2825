// SPDX-License-Identifier: LGPL-2.1-or-later
/* The two libvirt backends behind model/domains.ts's Backend interface: thin
 * adapters, no decisions. libvirt-dbus for qemu:///system; virsh processes for
 * StratoVirt, which has no libvirt-dbus object. */

import type { Connection } from "../model/assignments.ts";
import type { Backend } from "../model/domains.ts";
import { CONNECTION_URIS } from "../model/virsh-script.ts";
import * as dbus from "./libvirt-dbus.ts";
import * as virsh from "./virsh.ts";

export function dbusBackend(): Backend {
    return {
        connection: "qemu",
        uri: CONNECTION_URIS.qemu,
        liveAttach: true,
        listRefs: () => dbus.listDomainPaths(),
        info: async path => {
            const [props, state] = await Promise.all([dbus.getDomainProps(path), dbus.getDomainState(path)]);
            return {
                uuid: props.uuid,
                name: props.name,
                state: state === dbus.VIR_DOMAIN_RUNNING ? "running" : state === dbus.VIR_DOMAIN_SHUTOFF ? "shut off" : "other",
                persistent: props.persistent,
            };
        },
        readXml: (path, inactive) => dbus.getDomainXml(path, inactive),
        attach: (path, xml, flags) => dbus.attachDevice(path, xml, flags),
        detach: (path, xml, flags) => dbus.detachDevice(path, xml, flags),
        define: async xml => { await dbus.defineXml(xml) },
        create: async xml => { await dbus.createXml(xml) },
        refByName: async name => {
            for (const path of await dbus.listDomainPaths()) {
                if ((await dbus.getDomainProps(path)).name === name)
                    return path;
            }
            return null;
        },
    };
}

/** The StratoVirt path. `uri` is a parameter so the same code is tested against qemu:///system. */
export function virshBackend(connection: Connection, uri: string): Backend {
    return {
        connection,
        uri,
        liveAttach: false,
        listRefs: () => virsh.listDomainUuids(uri),
        info: async uuid => {
            const i = await virsh.getDomainInfo(uri, uuid);
            return {
                uuid, name: i.name, persistent: i.persistent,
                state: i.state === "running" ? "running" : i.state === "shut off" ? "shut off" : "other",
            };
        },
        readXml: (uuid, inactive) => virsh.getDomainXml(uri, uuid, inactive),
        attach: (uuid, xml, flags) => virsh.attachDevice(uri, uuid, xml, flags),
        detach: (uuid, xml, flags) => virsh.detachDevice(uri, uuid, xml, flags),
        define: xml => virsh.defineXml(uri, xml),
        create: xml => virsh.createXml(uri, xml),
        refByName: async name => {
            for (const uuid of await virsh.listDomainUuids(uri)) {
                if ((await virsh.getDomainInfo(uri, uuid)).name === name)
                    return uuid;
            }
            return null;
        },
    };
}
