// SPDX-License-Identifier: LGPL-2.1-or-later
/* libvirt's error messages, explained in words: what happened and what to do.
 *
 * The model has no cockpit, so the caller passes its gettext; tests pass none
 * and get the English text. libvirt's own message is always kept alongside. */

export interface LibvirtFailure {
    /** D-Bus error name (e.g. org.libvirt.Error, org.freedesktop.DBus.Error.AccessDenied); null for virsh. */
    name: string | null;
    message: string;
}

export type LibvirtErrorKind =
    | { kind: "no-pci-slots" }
    /** A VF given as <interface type='hostdev'>: libvirt sets its MAC and VLAN through the PF, which must be up. */
    | { kind: "pf-offline"; pf: string | null }
    | { kind: "in-use"; domain: string | null }
    | { kind: "group-not-viable"; group: string | null }
    | { kind: "locked-memory" }
    | { kind: "iommu-container" }
    | { kind: "device-busy" }
    | { kind: "bar-reserve"; bar: string | null }
    | { kind: "access-denied" }
    | { kind: "daemon-unreachable" }
    | { kind: "dbus-missing" }
    | { kind: "no-live-attach" }
    | { kind: "transient-config" }
    | { kind: "domain-not-found" }
    | { kind: "domain-exists" }
    | { kind: "no-interrupt-remapping" }
    | { kind: "no-iommu" }
    | { kind: "xml-invalid" }
    | { kind: "unknown" };

/** Accepts what cockpit rejects with: a D-Bus error {name, message}, a process error {message}, or an Error. */
export function toFailure(error: unknown): LibvirtFailure {
    if (error && typeof error === "object") {
        const e = error as { name?: unknown; message?: unknown; problem?: unknown };
        const message = typeof e.message === "string" && e.message !== ""
            ? e.message
            : typeof e.problem === "string" ? e.problem : String(error);
        const name = typeof e.name === "string" && e.name.includes(".") ? e.name : null;
        return { name, message: message.trim() };
    }
    return { name: null, message: String(error).trim() };
}

export function classifyLibvirtError(failure: LibvirtFailure): LibvirtErrorKind {
    const { name, message } = failure;
    const m = message;
    if (/No more available PCI slots/i.test(m))
        return { kind: "no-pci-slots" };
    const pf = /because the PF is not online/i.test(m) ? /PF '([^']+)'/.exec(m) : null;
    if (pf || /because the PF is not online/i.test(m))
        return { kind: "pf-offline", pf: pf ? pf[1] : null };
    // QEMU's VFIO errors come first: they name an errno text the broader patterns below would also match.
    if (/VFIO_MAP_DMA|vfio_dma_map/i.test(m))
        return { kind: "locked-memory" };
    const bar = /BAR (\d+):? can'?t reserve/i.exec(m);
    if (bar || /can'?t reserve \[mem/i.test(m))
        return { kind: "bar-reserve", bar: bar ? bar[1] : null };
    if (/failed to set iommu for container/i.test(m))
        return { kind: "iommu-container" };
    if (/Device or resource busy|\bEBUSY\b/i.test(m))
        return { kind: "device-busy" };
    let match = /\bin use by driver \S+,? domain (\S+?)\.?$/im.exec(m) ?? /in use by domain (\S+?)\.?$/im.exec(m);
    if (match)
        return { kind: "in-use", domain: match[1].replace(/^'|'$/g, "") };
    if (/is in use|already in use/i.test(m) && /PCI|hostdev|device/i.test(m))
        return { kind: "in-use", domain: null };
    match = /group (\d+) is not viable/i.exec(m);
    if (match || /not viable/i.test(m))
        return { kind: "group-not-viable", group: match ? match[1] : null };
    if (name === "org.freedesktop.DBus.Error.AccessDenied" || /AccessDenied|access denied|authentication unavailable|not authorized|Permission denied.*libvirt-sock/i.test(m))
        return { kind: "access-denied" };
    if (name === "org.freedesktop.DBus.Error.ServiceUnknown" || /name org\.libvirt was not provided|ServiceUnknown/i.test(m))
        return { kind: "dbus-missing" };
    if (/Failed to connect socket|Connection refused|libvirtd.*not running|no connection driver available|failed to connect to the hypervisor|Cannot recv data|End of file while reading data/i.test(m))
        return { kind: "daemon-unreachable" };
    if (/this function is not supported by the connection driver|not supported by the connection driver|Operation not supported.*live/i.test(m))
        return { kind: "no-live-attach" };
    if (/transient domain|cannot modify the persistent configuration/i.test(m))
        return { kind: "transient-config" };
    if (/Domain not found|no domain with matching/i.test(m))
        return { kind: "domain-not-found" };
    if (/already exists/i.test(m) && /domain/i.test(m))
        return { kind: "domain-exists" };
    if (/interrupt remapping/i.test(m))
        return { kind: "no-interrupt-remapping" };
    if (/IOMMU|doesn't support passthrough|VFIO.*not supported|vfio.*No such device/i.test(m))
        return { kind: "no-iommu" };
    if (/XML error|XML document failed to validate|failed to parse xml|unsupported configuration|Expected single|missing name/i.test(m))
        return { kind: "xml-invalid" };
    return { kind: "unknown" };
}

type Gettext = (text: string) => string;
const identity: Gettext = s => s;

function fill(template: string, ...args: string[]): string {
    return template.replace(/\$(\d)/g, (_m, i: string) => args[Number(i)] ?? "");
}

export interface LibvirtErrorExplanation {
    kind: LibvirtErrorKind["kind"];
    /** What went wrong, in words. */
    summary: string;
    /** What the user can do; empty when there is nothing specific. */
    remedy: string;
    /** libvirt's own message, to show as detail. */
    detail: string;
}

export function explainLibvirtError(error: unknown, _: Gettext = identity): LibvirtErrorExplanation {
    const failure = toFailure(error);
    const k = classifyLibvirtError(failure);
    const out = (summary: string, remedy: string): LibvirtErrorExplanation =>
        ({ kind: k.kind, summary, remedy, detail: failure.message });
    switch (k.kind) {
    case "no-pci-slots":
        return out(_("The running VM has no free PCIe root port to plug the device into."),
                   _("Assign it from the next boot instead, or add a pcie-root-port controller to the VM's definition and restart the VM."));
    case "pf-offline":
        return out(k.pf
            ? fill(_("The VF's physical function $0 is down: libvirt sets the VF's MAC address and VLAN through it, and only while it is up."), k.pf)
            : _("The VF's physical function is down: libvirt sets the VF's MAC address and VLAN through it, and only while it is up."),
                   k.pf
                       ? fill(_("Bring the interface up (for example \"ip link set $0 up\", or in Networking) and keep it up at boot, then start the VM again."), k.pf)
                       : _("Bring the physical function's interface up (for example with \"ip link set <interface> up\", or in Networking), then start the VM again."));
    case "in-use":
        return out(k.domain
            ? fill(_("The device is used by another VM: $0."), k.domain)
            : _("The device is used by another VM."),
                   _("Remove it from that VM first, or stop that VM."));
    case "locked-memory":
        return out(_("VFIO could not pin the VM's memory (VFIO_MAP_DMA failed). A VM with a passed-through device keeps all of its memory locked in host RAM, and the host did not have that much, or the locked-memory limit was too low."),
                   _("Give the VM less memory, stop other VMs to free host memory, or raise the limit: libvirt sets it for VMs it manages; with <memoryBacking><locked/> set <memtune><hard_limit> above the VM's memory. With a virtual IOMMU each device may pin the memory again."));
    case "bar-reserve":
        return out(k.bar
            ? fill(_("The host still holds the device's memory region (BAR $0): usually the boot framebuffer (efifb, simplefb or vesafb) of the boot GPU."), k.bar)
            : _("The host still holds the device's memory region: usually the boot framebuffer (efifb, simplefb or vesafb) of the boot GPU."),
                   _("Add the kernel arguments video=efifb:off and initcall_blacklist=sysfb_init, reboot, and assign the device again. The host console then has no picture on that GPU."));
    case "iommu-container":
        return out(_("The kernel refused to put the device's IOMMU group into a protected memory domain (failed to set iommu for container)."),
                   _("Check the host log (dmesg): without interrupt remapping enable it in the firmware; a device with a reserved memory region (RMRR) cannot be passed through on this platform; otherwise check that the IOMMU is on."));
    case "device-busy":
        return out(_("The device or its IOMMU group is busy: another VM or process has it open, or the host driver does not let go of it."),
                   _("Stop the other VM that uses a device of the same IOMMU group, or return the device to vfio-pci, and try again."));
    case "group-not-viable":
        return out(k.group
            ? fill(_("IOMMU group $0 is not viable: another device in the group is still bound to a host driver."), k.group)
            : _("The IOMMU group is not viable: another device in the group is still bound to a host driver."),
                   _("Assign the whole IOMMU group to the VM, or bind the other devices of the group to vfio-pci."));
    case "access-denied":
        return out(_("This user may not use libvirt."),
                   _("Turn on administrative access, or add the user to the group \"libvirt\" and log in again."));
    case "dbus-missing":
        return out(_("The libvirt D-Bus service (libvirt-dbus) is not available."),
                   _("Install the libvirt-dbus package."));
    case "daemon-unreachable":
        return out(_("The libvirt daemon is not running or cannot be reached."),
                   _("Start it, for example with \"systemctl start libvirtd\" (or virtqemud on modular installations)."));
    case "no-live-attach":
        return out(_("This connection cannot attach devices to a running VM."),
                   _("StratoVirt takes devices only from its stored definition: assign from the next boot, then restart the VM."));
    case "transient-config":
        return out(_("The VM is transient: it has no stored definition to change."),
                   _("Attach the device to the running VM now, or define the VM persistently."));
    case "domain-not-found":
        return out(_("The VM no longer exists."), _("Reload the list of VMs."));
    case "domain-exists":
        return out(_("A VM with this name or UUID already exists."), _("Choose another name, or remove the <uuid> element."));
    case "no-interrupt-remapping":
        return out(_("The host has no interrupt remapping, so VFIO refuses the device."),
                   _("Enable interrupt remapping in the firmware (VT-d / AMD-Vi / SMMU). Allowing unsafe interrupts is a security risk."));
    case "no-iommu":
        return out(_("The host cannot pass this device through: the IOMMU is off or VFIO is unavailable."),
                   _("Turn on the IOMMU (firmware setting, and intel_iommu=on on Intel) and load vfio-pci."));
    case "xml-invalid":
        return out(_("libvirt refused the XML."), _("Correct the XML as the message below says."));
    case "unknown":
        return out(_("libvirt reported an error."), "");
    }
}
