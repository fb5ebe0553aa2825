// SPDX-License-Identifier: LGPL-2.1-or-later
/* The per-device action: "Prepare for passthrough", or "Return to host" for
 * a device on vfio-pci. In limited access it is disabled and says why
 * (tooltip, and data-disabled-reason for tests). */

import cockpit from "cockpit";

import { categoryOf, isBridge } from "../model/pci-class.ts";
import type { PciFunction } from "../model/snapshot.ts";
import { PrivilegedButton } from "./PrivilegedButton.tsx";

const _ = cockpit.gettext;

export interface DeviceActionProps {
    fn: PciFunction;
    onPrepare: (fn: PciFunction) => void;
    onReturn: (fn: PciFunction) => void;
    /** Passed down, not read per row: each read would open its own permission watch. */
    superuser: boolean | null;
    /** Why the action cannot be offered now (a fact it depends on is unknown), or null. */
    blocked: string | null;
}

export const DeviceAction = ({ fn, onPrepare, onReturn, superuser, blocked }: DeviceActionProps) => {
    // Host, ISA and PCI bridges are the host's plumbing, never a guest's device.
    if (isBridge(fn.classCode) || categoryOf(fn.classCode) === "bridge")
        return null;
    const onVfio = fn.driver === "vfio-pci";
    const label = onVfio ? _("Return to host") : _("Prepare for passthrough");
    // Until Cockpit has said (null), the action stays disabled too.
    const accessReason = superuser === true
        ? null
        : superuser === null
            ? _("Checking administrative access…")
            : (onVfio
                ? _("Administrative access is required to return devices to the host.")
                : _("Administrative access is required to prepare devices for passthrough."));
    return (
        <PrivilegedButton superuser={superuser} disabledReason={accessReason ?? blocked} variant="secondary" size="sm"
                          data-action={onVfio ? "return" : "prepare"} data-address={fn.address}
                          onClick={() => onVfio ? onReturn(fn) : onPrepare(fn)}>
            {label}
        </PrivilegedButton>
    );
};
