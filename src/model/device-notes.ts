/* What surrounds a device and decides whether passthrough works more than once:
 * how it can be reset, which NUMA node it sits on compared with the VM, whether
 * the host's console owns it (boot VGA), and why its IOMMU group is shared.
 * Pure: the device table's details and the Assign dialog show these notes. */

import { editDefaultGrub, missingArgs, parseCmdline } from "./kernel-args.ts";
import { addressParts, type PciAddress } from "./pci-address.ts";
import { isBridge } from "./pci-class.ts";
import type { HostSnapshot, PciFunction } from "./snapshot.ts";
import type { Fix, ReadinessFacts } from "./readiness.ts";
import { format, type Gettext } from "./translate.ts";

/** Kernel arguments that keep the boot framebuffer (efifb/simplefb/vesafb) off the boot GPU's memory. */
export const FRAMEBUFFER_ARGS = ["video=efifb:off", "initcall_blacklist=sysfb_init"];

/** The existing kernel-argument fix for other arguments (the framebuffer's); null without a known bootloader,
 * when the bootloader already has them all, or when /etc/default/grub is not safe to edit (kernel-args.ts). */
export function kernelArgsFix(facts: Pick<ReadinessFacts, "bootloader" | "defaultGrub" | "defaultGrubDropIns" | "cmdline">,
                              args: readonly string[]): Extract<Fix, { kind: "kernel-args" }> | null {
    const missing = missingArgs(parseCmdline(facts.cmdline), args);
    if (missing.length === 0 || facts.bootloader.kind === "unknown")
        return null;
    if (facts.bootloader.kind === "grubby")
        return { kind: "kernel-args", args: missing, bootloader: facts.bootloader, newDefaultGrub: null };
    const edit = editDefaultGrub(facts.defaultGrub ?? "", missing, facts.defaultGrubDropIns);
    if (edit.kind !== "edit")
        return null;
    return { kind: "kernel-args", args: missing, bootloader: facts.bootloader, newDefaultGrub: edit.content };
}

/** Reset methods that reset only this function (kernel: drivers/pci/pci.c, pci_reset_fn_methods). */
const OWN_RESETS = ["device_specific", "acpi", "flr", "af_flr", "pm"];

export type DeviceNote =
    /** reset_method lists methods; `ownReset` false when only the bus (or slot) can be reset. */
    | { kind: "reset"; methods: string[]; ownReset: boolean }
    /** No reset method at all: the device may keep the state a guest left it in. */
    | { kind: "no-reset" }
    /** The device's NUMA node; `vmNodes` the VM's memory nodes when known (a mismatch is a warning). */
    | { kind: "numa"; node: number; vmNodes: number[] | null }
    /** The firmware's boot display: the host console and its framebuffer use it. */
    | { kind: "boot-vga"; kernelArgs: string[] }
    /** The IOMMU group holds other endpoints: why, and where the isolation is missing. */
    | { kind: "shared-group"; group: number; others: PciAddress[]; sameCard: boolean; bridge: PciAddress | null };

export interface NoteContext {
    /** The NUMA nodes of the VM the device is about to go to (numatune); null when none is chosen or it is not pinned. */
    vmNodes?: number[] | null;
    /** The kernel command line: framebuffer arguments already there are not suggested again. */
    cmdline?: string | undefined;
}

/** Bridges above a function, nearest first (the reader's ./<address> link, then each bridge's own). */
export function upstreamChain(snapshot: HostSnapshot, fn: PciFunction): PciAddress[] {
    const chain: PciAddress[] = [];
    let up = fn.upstream ?? null;
    while (up && !chain.includes(up)) {
        chain.push(up);
        up = snapshot.byAddress.get(up)?.upstream ?? null;
    }
    return chain;
}

/** The nearest bridge above every one of `fns`: the point below which they are not isolated from each other. */
function commonUpstream(snapshot: HostSnapshot, fns: PciFunction[]): PciAddress | null {
    const chains = fns.map(f => upstreamChain(snapshot, f));
    if (chains.length === 0)
        return null;
    return chains[0].find(b => chains.every(c => c.includes(b))) ?? null;
}

const cardOf = (address: PciAddress) => address.slice(0, address.lastIndexOf("."));

/** The other functions of the same card (same domain:bus:slot), in function order.
 * VFs share slots with each other and often with their PF (a Hi1822's VFs are 03:00.1-4
 * beside PF 03:00.0) without being functions of one card: a VF is a card of its own,
 * and a PF's card leaves its VFs out, so "All functions" never takes a PF with a VF. */
export function cardFunctions(snapshot: HostSnapshot, address: PciAddress): PciFunction[] {
    const self = snapshot.byAddress.get(address);
    if (self?.physfn)
        return [self];
    const card = cardOf(address);
    return snapshot.functions.filter(f => cardOf(f.address) === card && !isBridge(f.classCode) && !f.physfn)
            .sort((a, b) => addressParts(a.address).func - addressParts(b.address).func);
}

export function deviceNotes(snapshot: HostSnapshot, fn: PciFunction, context: NoteContext = {}): DeviceNote[] {
    const notes: DeviceNote[] = [];
    if (isBridge(fn.classCode))
        return notes;

    const methods = fn.reset.methods;
    if (methods.length > 0)
        notes.push({ kind: "reset", methods: [...methods], ownReset: methods.some(m => OWN_RESETS.includes(m)) });
    else if (fn.reset.available)
        notes.push({ kind: "reset", methods: [], ownReset: true }); // an old kernel without reset_method
    else
        notes.push({ kind: "no-reset" });

    if (fn.numaNode !== null)
        notes.push({ kind: "numa", node: fn.numaNode, vmNodes: context.vmNodes ?? null });

    if (fn.bootVga) {
        const present = (context.cmdline ?? "").split(/\s+/);
        notes.push({ kind: "boot-vga", kernelArgs: FRAMEBUFFER_ARGS.filter(a => !present.includes(a)) });
    }

    if (fn.iommuGroup !== null) {
        const members = snapshot.functions.filter(f => f.iommuGroup === fn.iommuGroup && !isBridge(f.classCode));
        const others = members.filter(f => f.address !== fn.address);
        if (others.length > 0) {
            const sameCard = others.every(f => cardOf(f.address) === cardOf(fn.address));
            notes.push({
                kind: "shared-group",
                group: fn.iommuGroup,
                others: others.map(f => f.address),
                sameCard,
                bridge: sameCard ? null : commonUpstream(snapshot, members),
            });
        }
    }
    return notes;
}

export function numaMismatch(note: DeviceNote): boolean {
    return note.kind === "numa" && note.vmNodes !== null && note.vmNodes.length > 0 && !note.vmNodes.includes(note.node);
}

export interface NoteText {
    variant: "info" | "warning";
    title: string;
    body: string;
}

export function describeNote(note: DeviceNote, _: Gettext): NoteText {
    switch (note.kind) {
    case "reset":
        if (note.methods.length === 0)
            return { variant: "info", title: _("Can be reset on its own"), body: _("The kernel does not say which reset method it uses.") };
        return note.ownReset
            ? {
                variant: "info",
                title: format(_("Reset methods: $0"), note.methods.join(", ")),
                body: _("The device can be reset between VM runs."),
            }
            : {
                variant: "warning",
                title: format(_("Reset methods: $0"), note.methods.join(", ")),
                body: _("Only a bus or slot reset is possible: it resets every device behind the same bridge too, so pass those along or expect them to be reset."),
            };
    case "no-reset":
        return {
            variant: "warning",
            title: _("No reset method: this device may work only once per host boot"),
            body: _("The kernel cannot reset it (no FLR, power-management or bus reset). After the VM stops or restarts, the device may keep the state the guest left it in and fail until the host reboots (the \"reset bug\")."),
        };
    case "numa":
        if (numaMismatch(note))
            return {
                variant: "warning",
                title: format(_("Device on NUMA node $0, VM on node $1"), note.node, note.vmNodes!.join(", ")),
                body: _("Every DMA of the device crosses between sockets, which costs bandwidth and latency. Pin the VM's memory and vCPUs to the device's node, or use a device on the VM's node."),
            };
        return {
            variant: "info",
            title: format(_("NUMA node $0"), note.node),
            body: note.vmNodes && note.vmNodes.length > 0
                ? _("The VM is placed on the same node.")
                : _("For the best performance, pin the VM's memory and vCPUs to this node."),
        };
    case "boot-vga":
        return {
            variant: "warning",
            title: _("Boot display: the host console uses this GPU"),
            body: note.kernelArgs.length > 0
                ? format(_("The firmware framebuffer (efifb, simplefb or vesafb) keeps its memory, so the VM fails with \"BAR ... can't reserve\". Add the kernel arguments $0 and reboot; the host console then has no picture on this GPU. A second GPU for the host avoids this."),
                         note.kernelArgs.join(" "))
                : _("The kernel arguments that free the framebuffer are set. The host console has no picture on this GPU."),
        };
    case "shared-group":
        if (note.sameCard)
            return {
                variant: "info",
                title: format(_("Shares IOMMU group $0 with the other functions of its card"), note.group),
                body: format(_("$0 cannot be isolated from this function: pass all functions of the card to the same VM (\"All functions\")."), note.others.join(", ")),
            };
        return {
            variant: "warning",
            title: format(_("Shares IOMMU group $0 with $1"), note.group, note.others.join(", ")),
            body: (note.bridge
                ? format(_("The bridge or port $0 above them does not isolate its devices from each other (no ACS)."), note.bridge)
                : _("A bridge or port above them does not isolate its devices from each other (no ACS).")) + " " +
                _("Options: pass the whole group to one VM; move the card to another slot, preferably one attached to the CPU rather than the chipset; or check the firmware for an ACS setting. The kernel's ACS override patch (pcie_acs_override) only pretends the devices are isolated: a guest could then reach the other devices' memory, so it is not offered here."),
        };
    }
}
