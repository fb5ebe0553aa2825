// SPDX-License-Identifier: LGPL-2.1-or-later
/* Words for VM states and connections, shared by the VM card, dialogs and device rows. */

import cockpit from "cockpit";

import type { Assignment, Connection, Conflict, DomainState } from "../model/assignments.ts";

const _ = cockpit.gettext;

export function stateText(state: DomainState): string {
    switch (state) {
    case "running": return _("running");
    case "shut off": return _("shut off");
    case "other": return _("paused or in transition");
    }
}

export function connectionText(connection: Connection): string {
    return connection === "qemu" ? _("QEMU/KVM") : _("StratoVirt");
}

/** "Assigned to web (running)" */
export function assignmentText(a: Assignment): string {
    const base = cockpit.format(_("Assigned to $0 ($1)"), a.domain.name, stateText(a.state));
    if (a.where === "config" && a.state !== "shut off")
        return base + " " + _("from next boot");
    if (a.where === "live")
        return base + " " + _("until it stops");
    return base;
}

export function conflictText(c: Conflict): string {
    switch (c.kind) {
    case "multiple-vms":
        return cockpit.format(_("Assigned to more than one VM: $0"), c.domains.map(d => d.name).join(", "));
    case "group-split":
        return cockpit.format(_("IOMMU group $0 is split across VMs ($1): libvirt refuses that"), c.group,
                              c.domains.map(d => d.name).join(", "));
    case "group-incomplete":
        return cockpit.format(_("IOMMU group $0 is not viable: $1 still on a host driver"), c.group, c.others.join(", "));
    }
}
