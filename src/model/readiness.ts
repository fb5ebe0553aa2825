// SPDX-License-Identifier: LGPL-2.1-or-later
/* Host readiness: can this host pass devices through, and if not, what to do.
 * Every check has a status, the evidence it was judged on, and advice. */

import { argValue, argsInDefaultGrub, ARM_SMMU_ARGS, editDefaultGrub, missingArgs, parseCmdline, wantedKernelArgs,
    type Bootloader, type IommuVendor } from "./kernel-args.ts";
import { format, type Gettext } from "./translate.ts";

export interface ReadinessFacts {
    /** uname -m */
    arch: string;
    /** vendor_id from /proc/cpuinfo (x86 only), e.g. GenuineIntel */
    cpuVendor: string | null;
    /** Entries of /sys/class/iommu: dmar0 (Intel), ivhd0 (AMD), smmu3.0x... (Arm) */
    iommuDevices: string[];
    iommuGroupCount: number;
    /** ACPI tables that announce an IOMMU: DMAR (Intel), IVRS (AMD), IORT (Arm) */
    acpiTables: string[];
    cmdline: string;
    /** dmesg; null when it cannot be read (it needs administrative access) */
    kernelLog: string | null;
    vfioLoaded: boolean;
    /** modprobe finds vfio-pci (a module file or built in) */
    vfioAvailable: boolean;
    vfioLoadAtBoot: boolean;
    /** vfio_iommu_type1.allow_unsafe_interrupts; null when the module is not loaded */
    unsafeInterrupts: boolean | null;
    bootloader: Bootloader;
    /** /etc/default/grub when it exists */
    defaultGrub: string | null;
    /** /etc/default/grub.d/*.cfg, in the order grub-mkconfig sources them */
    defaultGrubDropIns: string[];
    /** Arguments of the default kernel entry according to grubby, when grubby exists */
    grubbyArgs: string | null;
}

export type CheckStatus = "ok" | "warning" | "error" | "reboot" | "unknown";

export type Fix =
    | { kind: "kernel-args"; args: string[]; bootloader: Bootloader; newDefaultGrub: string | null }
    | { kind: "load-vfio" }
    | { kind: "load-vfio-at-boot" };

export interface Check {
    id: "iommu" | "cmdline" | "interrupt-remapping" | "vfio";
    title: string;
    status: CheckStatus;
    summary: string;
    evidence: string[];
    advice: string | null;
    fixes: Fix[];
}

export function iommuVendor(facts: ReadinessFacts): IommuVendor | null {
    const names = facts.iommuDevices.join(" ");
    if (/\bdmar/.test(names) || facts.acpiTables.includes("DMAR"))
        return "intel";
    if (/\bivhd/.test(names) || facts.acpiTables.includes("IVRS"))
        return "amd";
    if (/smmu/.test(names) || facts.arch === "aarch64")
        return "arm";
    if (facts.cpuVendor === "GenuineIntel")
        return "intel";
    if (facts.cpuVendor === "AuthenticAMD" || facts.cpuVendor === "HygonGenuine")
        return "amd";
    return null;
}

const VENDOR_NAMES: Record<IommuVendor, string> = { intel: "Intel VT-d", amd: "AMD-Vi", arm: "Arm SMMU" };

/** "Arm SMMUv3" when the SMMU says it is one: its /sys/class/iommu name
 * (smmu3.0x...) or the arm-smmu-v3 driver in the kernel log. */
function vendorName(facts: ReadinessFacts, vendor: IommuVendor): string {
    if (vendor === "arm" && (facts.iommuDevices.some(d => d.startsWith("smmu3.")) || /arm-smmu-v3/.test(facts.kernelLog ?? "")))
        return "Arm SMMUv3";
    return VENDOR_NAMES[vendor];
}

const IOMMU_LOG_RE = /iommu|DMAR|AMD-Vi|SMMU|remapping|vfio/i;

export function iommuLogLines(log: string, limit = 12): string[] {
    return log.split("\n").filter(l => IOMMU_LOG_RE.test(l)).slice(0, limit);
}

/** Arguments configured for the next boot, by the bootloader's own configuration. */
function configuredArgs(facts: ReadinessFacts): string[] | null {
    switch (facts.bootloader.kind) {
    case "grubby": return facts.grubbyArgs === null ? null : parseCmdline(facts.grubbyArgs);
    case "grub-default": return facts.defaultGrub === null ? null : argsInDefaultGrub(facts.defaultGrub, facts.defaultGrubDropIns);
    case "unknown": return null;
    }
}

function kernelArgsState(facts: ReadinessFacts, vendor: IommuVendor | null) {
    const wanted = wantedKernelArgs(vendor ?? "intel");
    const running = parseCmdline(facts.cmdline);
    const missingNow = missingArgs(running, wanted);
    const configured = configuredArgs(facts);
    const missingNextBoot = configured === null ? missingNow : missingArgs([...configured, ...running], wanted);
    return { wanted, missingNow, missingNextBoot };
}

export function checkIommu(facts: ReadinessFacts, _: Gettext): Check {
    const vendor = iommuVendor(facts);
    // Arm hosts add a device to a group only when a driver probes it, so an
    // SMMU with no group yet is on all the same: judge by /sys/class/iommu.
    const active = facts.iommuDevices.length > 0 && (facts.iommuGroupCount > 0 || vendor === "arm");
    const name = vendor ? vendorName(facts, vendor) : _("IOMMU");
    const evidence = [
        format(_("/sys/class/iommu: $0"), facts.iommuDevices.length ? facts.iommuDevices.join(", ") : _("empty")),
        format(_("/sys/kernel/iommu_groups: $0 groups"), facts.iommuGroupCount),
    ];
    if (facts.kernelLog === null)
        evidence.push(_("The kernel log needs administrative access to read."));
    else
        evidence.push(...iommuLogLines(facts.kernelLog));

    if (vendor === "arm" && facts.iommuGroupCount === 0)
        evidence.splice(2, 0, _("Devices join an IOMMU group when a driver probes them."));
    if (active) {
        return {
            id: "iommu", title: _("IOMMU"), status: "ok",
            summary: format(_("$0 is active"), name), evidence, advice: null, fixes: [],
        };
    }
    const args = kernelArgsState(facts, vendor);
    // On Arm no kernel argument turns the SMMU on: only the firmware does.
    if (vendor !== "arm" && args.missingNow.length > 0 && args.missingNextBoot.length === 0) {
        return {
            id: "iommu", title: _("IOMMU"), status: "reboot",
            summary: _("Off; the kernel arguments that enable it take effect at the next boot"),
            evidence, advice: _("Reboot the host."), fixes: [],
        };
    }
    let advice: string;
    switch (vendor) {
    case "intel":
        advice = _("Enable \"VT-d\" (Intel Virtualization Technology for Directed I/O) in the firmware setup, then add intel_iommu=on iommu=pt to the kernel command line and reboot.");
        break;
    case "amd":
        advice = _("Enable \"IOMMU\" or \"AMD-Vi\" in the firmware setup (AMD-Vi is on by default in the kernel), add iommu=pt to the kernel command line, and reboot.");
        break;
    case "arm":
        advice = _("Enable the SMMU in the firmware (BIOS) setup (on Kunpeng: \"SMMU\" under the PCIe or IOMMU settings), make sure the kernel has the arm-smmu-v3 driver, and reboot. No kernel argument turns it on.");
        break;
    default:
        advice = _("Enable the IOMMU in the firmware setup (VT-d on Intel, AMD-Vi on AMD, SMMU on Arm), then reboot.");
    }
    return {
        id: "iommu", title: _("IOMMU"), status: "error",
        summary: format(_("$0 is not active"), name), evidence, advice, fixes: [],
    };
}

export function checkCmdline(facts: ReadinessFacts, _: Gettext): Check {
    const vendor = iommuVendor(facts);
    const { wanted, missingNow, missingNextBoot } = kernelArgsState(facts, vendor);
    const evidence = [format(_("/proc/cmdline: $0"), facts.cmdline.trim())];
    if (vendor === "arm") {
        const running = parseCmdline(facts.cmdline);
        for (const key of ARM_SMMU_ARGS)
            evidence.push(format(_("$0: $1"), key, argValue(running, key) ?? _("not set (kernel default)")));
    }
    const base = { id: "cmdline" as const, title: _("Kernel command line"), evidence };
    if (missingNow.length === 0)
        return { ...base, status: "ok", summary: format(_("Has $0"), wanted.join(" ")), advice: null, fixes: [] };
    if (missingNextBoot.length === 0) {
        return {
            ...base, status: "reboot",
            summary: format(_("$0 configured; reboot required"), missingNow.join(" ")),
            advice: _("The bootloader has the arguments. They take effect when the host reboots."), fixes: [],
        };
    }
    // Without an active IOMMU this is a problem; with one, iommu=pt is only
    // advice. On Arm it is always only advice: the SMMU is the firmware's.
    const iommuActive = facts.iommuDevices.length > 0;
    const status: CheckStatus = iommuActive || vendor === "arm" ? "warning" : "error";
    const summary = format(_("Missing $0"), missingNextBoot.join(" "));
    if (facts.bootloader.kind === "unknown") {
        return {
            ...base, status, summary, fixes: [],
            advice: format(_("No GRUB configuration was found. Add \"$0\" to the kernel command line in your bootloader's configuration (for systemd-boot, the \"options\" line of each entry in /boot/loader/entries/), then reboot."),
                           missingNextBoot.join(" ")),
        };
    }
    let newDefaultGrub: string | null = null;
    if (facts.bootloader.kind === "grub-default") {
        const edit = editDefaultGrub(facts.defaultGrub ?? "", missingNextBoot, facts.defaultGrubDropIns);
        // A file this page cannot edit safely is never rewritten: exact instructions instead.
        if (edit.kind === "manual")
            return {
                ...base, status, summary, fixes: [],
                advice: format(_("Add \"$0\" to GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub yourself ($1), run $2, then reboot."),
                               missingNextBoot.join(" "), edit.reason, facts.bootloader.mkconfig.join(" ")),
            };
        newDefaultGrub = edit.kind === "edit" ? edit.content : null;
    }
    return {
        ...base, status, summary,
        advice: _("Add the arguments for every installed kernel, then reboot."),
        fixes: [{ kind: "kernel-args", args: missingNextBoot, bootloader: facts.bootloader, newDefaultGrub }],
    };
}

export function checkInterruptRemapping(facts: ReadinessFacts, _: Gettext): Check {
    const base = { id: "interrupt-remapping" as const, title: _("Interrupt remapping"), fixes: [] };
    const risk = _("Without interrupt remapping, vfio refuses devices (\"No interrupt remapping support\"). Setting vfio_iommu_type1 allow_unsafe_interrupts=1 lets a guest forge interrupts to the host: a security hole. Use hardware with interrupt remapping instead.");
    if (facts.unsafeInterrupts === true) {
        return {
            ...base, status: "warning", summary: _("Unsafe interrupts are allowed"),
            evidence: [_("vfio_iommu_type1 allow_unsafe_interrupts = Y")], advice: risk,
        };
    }
    if (facts.kernelLog === null) {
        return {
            ...base, status: "unknown", summary: _("Unknown"),
            evidence: [_("The kernel log needs administrative access to read.")],
            advice: _("Switch to administrative access to check."),
        };
    }
    const lines = facts.kernelLog.split("\n");
    const on = lines.filter(l => /Enabled IRQ remapping|Interrupt remapping enabled|IRQ remapping.*enabled/i.test(l) ||
                                 /GICv3.*ITS|ITS@0x/.test(l));
    if (on.length > 0)
        return { ...base, status: "ok", summary: _("On"), evidence: on.slice(0, 4), advice: null };
    const off = lines.filter(l => /remapping/i.test(l));
    return {
        ...base, status: facts.iommuDevices.length > 0 ? "error" : "unknown",
        summary: _("Off"), evidence: off.length ? off.slice(0, 4) : [_("No interrupt remapping lines in the kernel log.")],
        advice: risk,
    };
}

export function checkVfio(facts: ReadinessFacts, _: Gettext): Check {
    const evidence = [facts.vfioLoaded ? _("/sys/module/vfio_pci exists") : _("/sys/module/vfio_pci does not exist"),
        facts.vfioLoadAtBoot ? _("Listed in /etc/modules-load.d") : _("Not listed in /etc/modules-load.d")];
    if (!facts.vfioLoaded && !facts.vfioAvailable) {
        return {
            id: "vfio", title: _("vfio-pci driver"), status: "error", summary: _("Not installed"), evidence,
            advice: _("This kernel has no vfio-pci module. Install a kernel built with CONFIG_VFIO_PCI (all distribution kernels are)."),
            fixes: [],
        };
    }
    const fixes: Fix[] = [];
    if (!facts.vfioLoaded)
        fixes.push({ kind: "load-vfio" });
    if (!facts.vfioLoadAtBoot)
        fixes.push({ kind: "load-vfio-at-boot" });
    // Not loaded is no obstacle: preparing a device loads it first.
    return {
        id: "vfio", title: _("vfio-pci driver"),
        status: facts.vfioLoaded ? "ok" : "warning",
        summary: facts.vfioLoaded ? _("Loaded") : _("Not loaded"),
        evidence,
        advice: facts.vfioLoaded ? null : _("Load the vfio-pci module now, or let \"Prepare for passthrough\" load it."),
        fixes,
    };
}

export type Verdict = { kind: "ready" } | { kind: "ready-after-reboot" } | { kind: "not-ready"; problems: number };

export function readinessChecks(facts: ReadinessFacts, _: Gettext): Check[] {
    return [checkIommu(facts, _), checkCmdline(facts, _), checkInterruptRemapping(facts, _), checkVfio(facts, _)];
}

export function verdict(checks: readonly { status: CheckStatus }[]): Verdict {
    const problems = checks.filter(c => c.status === "error").length;
    if (problems > 0)
        return { kind: "not-ready", problems };
    if (checks.some(c => c.status === "reboot"))
        return { kind: "ready-after-reboot" };
    return { kind: "ready" };
}
