// SPDX-License-Identifier: LGPL-2.1-or-later
/* The executor's own refusals in words. executor.sh answers "rejected" with an
 * English reason (it runs without the page's catalogue, and its tests and the
 * journal read the same text); the refusals its policy makes, which a user can
 * meet whatever the page checked first (another tab changed the host, a fact
 * the page did not know), are matched here and said through gettext. The
 * English stays as the details. */

import { format, type Gettext } from "./translate.ts";

const ADDR = "([0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7])";

/** executor.sh's policy reasons (critical, held, may_set_numvfs, vf_needed, check_vf), in its words. */
const REFUSALS: [RegExp, (_: Gettext, m: RegExpExecArray) => string][] = [
    [new RegExp(`^${ADDR} is a bridge: the host needs it$`),
        (_, m) => format(_("$0 is a PCI bridge: the host needs it."), m[1])],
    [new RegExp(`^${ADDR} holds the root filesystem$`),
        (_, m) => format(_("$0 is the controller of the root file system."), m[1])],
    [new RegExp(`^${ADDR} carries the default route or a Cockpit session$`),
        (_, m) => format(_("$0 carries the default route or a Cockpit session: the host would lose its network."), m[1])],
    [new RegExp(`^cannot tell whether ${ADDR} holds the root filesystem: (.*)$`),
        (_, m) => format(_("The host could not tell whether $0 holds the root file system ($1), so it is left alone."), m[1], m[2])],
    [new RegExp(`^cannot tell whether ${ADDR} carries this session: (.*)$`),
        (_, m) => format(_("The host could not tell whether $0 carries this session ($1), so it is left alone."), m[1], m[2])],
    [new RegExp(`^${ADDR} is in use: /dev/vfio/([0-9]+) is open by process ([0-9]+) \\(a running VM\\)$`),
        (_, m) => format(_("$0 is in use by a running VM (process $2 has /dev/vfio/$1 open)."), m[1], m[2], m[3])],
    [new RegExp(`^${ADDR} supports at most ([0-9]+) VFs$`),
        (_, m) => format(_("$0 supports at most $1 VFs."), m[1], m[2])],
    [new RegExp(`^${ADDR} has no network interface$`),
        (_, m) => format(_("$0 has no network interface: VF network settings are set through it."), m[1])],
    [new RegExp(`^VF index ([0-9]+) is past sriov_numvfs \\(([0-9]+)\\)$`),
        (_, m) => format(_("VF $0 does not exist: the card has $1 VFs now."), m[1], m[2])],
    [new RegExp(`^no such device: ${ADDR}$`),
        (_, m) => format(_("$0 is no longer on the host."), m[1])],
];

/** The refusal in the user's language, or null for a reason the page itself would have caught first. */
export function explainRefusal(reason: string, _: Gettext): string | null {
    const nested = new RegExp(`^cannot change the VFs of ${ADDR}: (.*)$`).exec(reason);
    if (nested) {
        const inner = explainRefusal(nested[2], _);
        return inner === null ? null : format(_("The VFs of $0 cannot change: $1"), nested[1], inner);
    }
    for (const [re, say] of REFUSALS) {
        const m = re.exec(reason);
        if (m)
            return say(_, m);
    }
    return null;
}
