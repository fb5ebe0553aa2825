// SPDX-License-Identifier: LGPL-2.1-or-later
/* Words for plan steps and notes. The model does not import cockpit: the
 * caller passes its gettext (cockpit.gettext in the page, identity in tests),
 * and every string is a literal _("...") call so translators find it. */

import type { PlanAction } from "./plan.ts";
import type { VfSetting } from "./vf-settings.ts";

export { format, type Gettext } from "./translate.ts";
import { format, type Gettext } from "./translate.ts";

export const untranslated: Gettext = message => message;

export function describeAction(action: PlanAction, _: Gettext): string {
    switch (action.kind) {
    case "load-vfio":
        return _("Load the vfio-pci kernel module");
    case "set-override":
        return action.driver === null
            ? format(_("Clear the driver override of $0, so that its usual driver may take it"), action.address)
            : format(_("Allow only $1 to take $0 (driver_override)"), action.address, action.driver);
    case "unbind":
        return format(_("Detach $0 from $1"), action.address, action.from);
    case "unbind-any":
        return format(_("Detach $0 from its driver"), action.address);
    case "bind":
        return format(_("Attach $0 to $1"), action.address, action.to);
    case "probe":
        return format(_("Ask the kernel to find a driver for $0"), action.address);
    case "persist":
        return action.method === "driverctl"
            ? format(_("Keep $0 on vfio-pci after reboot (driverctl)"), action.address)
            : format(_("Keep $0 on vfio-pci after reboot (udev rule)"), action.address);
    case "unpersist":
        return format(_("Stop keeping $0 on vfio-pci after reboot"), action.address);
    case "set-numvfs":
        return action.count === 0
            ? format(_("Remove the VFs of $0 (sriov_numvfs = 0)"), action.address)
            : format(_("Create $1 VFs on $0 (sriov_numvfs = $1)"), action.address, action.count);
    case "set-autoprobe":
        return action.enabled
            ? format(_("Let host drivers take new VFs of $0 (sriov_drivers_autoprobe = 1)"), action.address)
            : format(_("Keep new VFs of $0 without a driver (sriov_drivers_autoprobe = 0)"), action.address);
    case "prepare-vfs":
        return format(_("Prepare the new VFs of $0 for passthrough (vfio-pci)"), action.pf);
    case "persist-vfs":
        return format(_("Create $1 VFs on $0 at every boot (udev rule)"), action.address, action.count);
    case "unpersist-vfs":
        return format(_("Stop creating VFs on $0 at boot"), action.address);
    case "set-vf":
        return describeVfSetting(action.pfName, action.vf, action.setting, _);
    case "persist-vf":
        return format(_("Apply these settings to VF $1 of $0 at every boot (udev rule)"), action.pfName, action.vf);
    case "unpersist-vf":
        return format(_("Stop applying settings to VF $1 of $0 at boot"), action.pf, action.vf);
    }
}

function describeVfSetting(pf: string, vf: number, s: VfSetting, _: Gettext): string {
    const on = (v: boolean) => (v ? _("on") : _("off"));
    switch (s.key) {
    case "mac": return format(_("Set the MAC address of VF $1 of $0 to $2"), pf, vf, s.mac);
    case "vlan":
        return s.vlan === 0
            ? format(_("Remove the VLAN of VF $1 of $0"), pf, vf)
            : format(_("Put VF $1 of $0 on VLAN $2 with priority $3"), pf, vf, s.vlan, s.qos);
    case "spoofchk": return format(_("Turn spoof checking of VF $1 of $0 $2"), pf, vf, on(s.on));
    case "trust": return format(_("Turn trust of VF $1 of $0 $2"), pf, vf, on(s.on));
    case "state": return format(_("Set the link state of VF $1 of $0 to $2"), pf, vf, s.state);
    case "rate": return format(_("Limit the transmit rate of VF $1 of $0 to $2-$3 Mbit/s (0: no limit)"), pf, vf, s.min, s.max);
    }
}
