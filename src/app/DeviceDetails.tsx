// SPDX-License-Identifier: LGPL-2.1-or-later
/* The expanded part of a device row: what the host uses it for, its IOMMU
 * group and whether that group can be passed through now, reset support, and
 * the notes about what surrounds it (NUMA node, boot display, shared group). */

import { Button, HelperText, HelperTextItem, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, List, ListItem } from "@patternfly/react-core";
import cockpit from "cockpit";

import { describeNote, type DeviceNote } from "../model/device-notes.ts";
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

/** One note as helper text: a warning or plain information, with its explanation. */
export const NoteView = ({ note, address, onKernelArgs }: {
    note: DeviceNote; address: string; onKernelArgs?: ((args: string[]) => void) | undefined;
}) => {
    const text = describeNote(note, gettext);
    return (
        <HelperText className="pt-device-note" data-note={note.kind} data-address={address} data-variant={text.variant}>
            <HelperTextItem variant={text.variant === "warning" ? "warning" : "default"} hasIcon={text.variant === "warning"}>
                <strong className="pt-note-title">{text.title}</strong>
            </HelperTextItem>
            <HelperTextItem className="pt-note-body">{text.body}</HelperTextItem>
            {note.kind === "boot-vga" && note.kernelArgs.length > 0 && onKernelArgs &&
                <HelperTextItem>
                    <Button variant="secondary" size="sm" className="pt-note-kernel-args" onClick={() => onKernelArgs(note.kernelArgs)}>
                        {_("Add kernel arguments")}
                    </Button>
                </HelperTextItem>}
        </HelperText>
    );
};

const NOTE_TERMS: Record<Exclude<DeviceNote["kind"], "reset" | "no-reset">, string> = {
    numa: _("NUMA node"),
    "boot-vga": _("Boot display"),
    "shared-group": _("Shared group"),
};

export const DeviceDetails = ({ fn, usage, group, notes, vfNet, onKernelArgs }: {
    fn: PciFunction; usage?: DeviceUsage | undefined; group?: IommuGroup | undefined;
    /** A network card's VF: its settings as the PF reports them ("" while not known); undefined for other devices. */
    vfNet?: string | undefined;
    /** From model/device-notes.ts; without them the reset support is shown from the snapshot alone. */
    notes?: DeviceNote[] | undefined;
    onKernelArgs?: ((args: string[]) => void) | undefined;
}) => {
    const others = group ? group.members.filter(m => m.address !== fn.address) : [];
    const resetNote = notes?.find(n => n.kind === "reset" || n.kind === "no-reset");
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
            {vfNet !== undefined &&
                <DescriptionListGroup>
                    <DescriptionListTerm>{_("VF settings")}</DescriptionListTerm>
                    <DescriptionListDescription data-field="vf-net">
                        {vfNet || _("Not known yet: read with the next full refresh")}
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
                    {resetNote
                        ? <NoteView note={resetNote} address={fn.address} />
                        : fn.reset.available
                            ? cockpit.format(_("Can be reset on its own ($0)"), fn.reset.methods.join(", ") || _("method not reported"))
                            : _("Cannot be reset on its own: a guest may leave it in a bad state")}
                </DescriptionListDescription>
            </DescriptionListGroup>
            {(notes ?? []).map(note => note.kind === "reset" || note.kind === "no-reset"
                ? null
                : <DescriptionListGroup key={note.kind}>
                    <DescriptionListTerm>{NOTE_TERMS[note.kind]}</DescriptionListTerm>
                    <DescriptionListDescription data-field={`note-${note.kind}`}>
                        <NoteView note={note} address={fn.address} onKernelArgs={onKernelArgs} />
                    </DescriptionListDescription>
                </DescriptionListGroup>)}
            {fn.driverOverride &&
                <DescriptionListGroup>
                    <DescriptionListTerm>{_("Driver override")}</DescriptionListTerm>
                    <DescriptionListDescription>{fn.driverOverride}</DescriptionListDescription>
                </DescriptionListGroup>}
        </DescriptionList>
    );
};
