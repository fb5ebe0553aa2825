// SPDX-License-Identifier: LGPL-2.1-or-later
/* The expanded part of a device row: what the host uses it for, its IOMMU
 * group and whether that group can be passed through now, reset support. */

import { DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, List, ListItem } from "@patternfly/react-core";
import cockpit from "cockpit";

import type { DeviceUsage } from "../model/host-usage.ts";
import { describeUsageReason } from "../model/host-usage.ts";
import type { IommuGroup } from "../model/iommu-groups.ts";
import { isBridge } from "../model/pci-class.ts";
import type { PciFunction } from "../model/snapshot.ts";
import { gettext } from "./translate.ts";

const _ = cockpit.gettext;

export function groupViabilityText(group: IommuGroup): string {
    if (group.viable)
        return _("Viable for passthrough now");
    return cockpit.format(_("Not viable: $0 still on a host driver"),
                          group.blockers.map(f => `${f.address} (${f.driver})`).join(", "));
}

export const DeviceDetails = ({ fn, usage, group }: {
    fn: PciFunction; usage?: DeviceUsage | undefined; group?: IommuGroup | undefined;
}) => {
    const others = group ? group.members.filter(m => m.address !== fn.address) : [];
    return (
        <DescriptionList isHorizontal isCompact className="pt-device-details">
            <DescriptionListGroup>
                <DescriptionListTerm>{_("Host usage")}</DescriptionListTerm>
                <DescriptionListDescription data-field="usage-reasons">
                    {usage && usage.reasons.length > 0
                        ? <List isPlain>{usage.reasons.map((r, i) => <ListItem key={i}>{describeUsageReason(r, gettext)}</ListItem>)}</List>
                        : _("Not used by the host")}
                </DescriptionListDescription>
            </DescriptionListGroup>
            {usage && usage.interfaces.length > 0 &&
                <DescriptionListGroup>
                    <DescriptionListTerm>{_("Network interfaces")}</DescriptionListTerm>
                    <DescriptionListDescription>
                        <List isPlain>
                            {usage.interfaces.map(i =>
                                <ListItem key={i.ifname}>
                                    {i.ifname}{i.master ? ` (${cockpit.format(_("port of $0"), i.master)})` : ""}
                                    {i.addresses.length > 0 ? `: ${i.addresses.join(", ")}` : ""}
                                </ListItem>)}
                        </List>
                    </DescriptionListDescription>
                </DescriptionListGroup>}
            {fn.blockDevices.length > 0 &&
                <DescriptionListGroup>
                    <DescriptionListTerm>{_("Block devices")}</DescriptionListTerm>
                    <DescriptionListDescription>{fn.blockDevices.map(b => b.name).join(", ")}</DescriptionListDescription>
                </DescriptionListGroup>}
            <DescriptionListGroup>
                <DescriptionListTerm>{_("IOMMU group")}</DescriptionListTerm>
                <DescriptionListDescription data-field="group-details">
                    {group
                        ? <>
                            <div data-field="group-viability">{groupViabilityText(group)}</div>
                            {others.length > 0
                                ? <List isPlain>
                                    {others.map(m =>
                                        <ListItem key={m.address}>
                                            {m.address} {m.driver ?? _("no driver")}
                                            {isBridge(m.classCode) ? ` (${_("bridge, exempt")})` : ""}
                                        </ListItem>)}
                                </List>
                                : <div>{_("Alone in its group")}</div>}
                        </>
                        : _("No IOMMU group (IOMMU off, or the device has not been probed yet)")}
                </DescriptionListDescription>
            </DescriptionListGroup>
            <DescriptionListGroup>
                <DescriptionListTerm>{_("Reset")}</DescriptionListTerm>
                <DescriptionListDescription data-field="reset">
                    {fn.reset.available
                        ? cockpit.format(_("Can be reset on its own ($0)"), fn.reset.methods.join(", ") || _("method not reported"))
                        : _("Cannot be reset on its own: a guest may leave it in a bad state")}
                </DescriptionListDescription>
            </DescriptionListGroup>
            {fn.driverOverride &&
                <DescriptionListGroup>
                    <DescriptionListTerm>{_("Driver override")}</DescriptionListTerm>
                    <DescriptionListDescription>{fn.driverOverride}</DescriptionListDescription>
                </DescriptionListGroup>}
        </DescriptionList>
    );
};
