// SPDX-License-Identifier: LGPL-2.1-or-later
/* The "libvirt" row of Host readiness, judged from the VM section's state:
 * libvirt-dbus answers, the daemon runs, this user may use it; StratoVirt. */

import cockpit from "cockpit";
import { explainLibvirtError } from "../model/libvirt-errors.ts";
import type { ExtraCheck } from "./ReadinessCard.tsx";
import { gettext } from "./translate.ts";
import type { DomainsState } from "./useDomains.ts";

const _ = cockpit.gettext;

export function libvirtCheck(state: DomainsState): ExtraCheck {
    const base = { id: "libvirt", title: _("libvirt") };
    const strato = state.stratovirt.status === "ready"
        ? _("StratoVirt: available (stratovirt:///system)")
        : state.stratovirt.status === "unavailable"
            ? _("StratoVirt: installed, but stratovirt:///system does not answer")
            : _("StratoVirt: not installed");
    const q = state.qemu;
    if (q.status === "loading")
        return { ...base, status: "unknown", summary: _("Checking..."), evidence: [], advice: null };
    if (q.status === "ready") {
        return {
            ...base, status: "ok", summary: _("libvirt-dbus answers and libvirtd runs"),
            evidence: [cockpit.format(_("qemu:///system: $0 VMs"), q.domains.length), strato], advice: null,
        };
    }
    if (q.status === "absent")
        return { ...base, status: "warning", summary: _("Not installed"), evidence: [strato], advice: _("Install libvirt and libvirt-dbus to assign devices to VMs.") };
    const e = explainLibvirtError(q.failure, gettext);
    // Without libvirt the host can still prepare devices; assigning needs it.
    return { ...base, status: "warning", summary: e.summary, evidence: [e.detail, strato], advice: e.remedy || null };
}
