// SPDX-License-Identifier: LGPL-2.1-or-later
/* Kernel errors in words. The executor reports what tee, modprobe or driverctl
 * printed (in the C locale), e.g. "tee: /sys/bus/pci/drivers/e1000e/unbind:
 * No such device"; this finds the errno in it and says what it means here. */

import { format, untranslated, type Gettext } from "./plan-text.ts";

export type KernelErrorCode =
    | "EBUSY" | "ENODEV" | "EINVAL" | "ENOMEM" | "EPERM" | "EACCES" | "ENOENT" | "EEXIST"
    | "ERANGE" | "ENOSYS" | "EOPNOTSUPP"
    | "NO_INTERRUPT_REMAPPING" | "MODULE_NOT_FOUND" | "MODULE_REFUSED";

/** strerror() texts of glibc and musl, and kernel log messages, by code. */
const PATTERNS: [KernelErrorCode, RegExp][] = [
    ["NO_INTERRUPT_REMAPPING", /no interrupt remapping|interrupt remapping (is )?not (supported|enabled)/i],
    // modprobe's own messages first: they may also quote an errno text.
    ["MODULE_NOT_FOUND", /Module \S+ not found|FATAL: Module/i],
    ["MODULE_REFUSED", /modprobe:.*(ERROR|failed)|Error running install command/i],
    ["EBUSY", /\bEBUSY\b|Device or resource busy|Resource busy/i],
    ["ENODEV", /\bENODEV\b|No such device(?! or address)/i],
    ["EINVAL", /\bEINVAL\b|Invalid argument/i],
    ["ENOMEM", /\bENOMEM\b|Cannot allocate memory|Out of memory/i],
    ["EPERM", /\bEPERM\b|Operation not permitted/i],
    ["EACCES", /\bEACCES\b|Permission denied/i],
    ["EEXIST", /\bEEXIST\b|File exists/i],
    ["ENOENT", /\bENOENT\b|No such file or directory/i],
    ["ERANGE", /\bERANGE\b|Numerical result out of range/i],
    ["ENOSYS", /\bENOSYS\b|Function not implemented/i],
    ["EOPNOTSUPP", /\bEOPNOTSUPP\b|\bENOTSUP\b|Operation not supported|Not supported/i],
];

export function kernelErrorCode(message: string): KernelErrorCode | null {
    for (const [code, re] of PATTERNS) {
        if (re.test(message))
            return code;
    }
    return null;
}

export interface ExplainedError {
    code: KernelErrorCode | null;
    /** What happened and what to do, in words. */
    explanation: string;
    /** The raw message, for the details. */
    message: string;
}

export function explainKernelError(message: string, _: Gettext = untranslated): ExplainedError {
    const code = kernelErrorCode(message);
    return { code, explanation: explainCode(code, _), message };
}

export function explainCode(code: KernelErrorCode | null, _: Gettext = untranslated): string {
    switch (code) {
    case "EBUSY":
        return _("The device is busy (EBUSY): something on the host is still using it, or another change is in progress. Stop what uses the device and try again.");
    case "ENODEV":
        return _("No such device (ENODEV): the device is not on the driver the page expected, or it has gone. Reload the page to see its current state.");
    case "EINVAL":
        return _("The driver refused the device (EINVAL): it does not support this device, or the device is in a state the driver cannot use.");
    case "ENOMEM":
        return _("The kernel ran out of memory for the device (ENOMEM).");
    case "EPERM": case "EACCES":
        return _("Permission denied: administrative access is needed, or a security policy (such as lockdown or SELinux) forbids the change.");
    case "EEXIST":
        return _("The device is already bound to a driver (EEXIST).");
    case "ENOENT":
        return _("A file the change needs does not exist (ENOENT): the driver or the device is not there.");
    case "ERANGE":
        return _("The value is out of range (ERANGE).");
    case "ENOSYS": case "EOPNOTSUPP":
        return _("The driver does not support this operation.");
    case "NO_INTERRUPT_REMAPPING":
        return format(_("The host has no interrupt remapping, so VFIO refuses to give the device to a virtual machine. Turn on interrupt remapping in the firmware (part of $0). Allowing unsafe interrupts instead lets a virtual machine disturb the host."), "VT-d / AMD-Vi / SMMU");
    case "MODULE_NOT_FOUND":
        return _("The vfio-pci module is not installed for the running kernel.");
    case "MODULE_REFUSED":
        return _("The vfio-pci module could not be loaded: modprobe failed (see the message; a modprobe.d rule may block it).");
    case null:
        return _("The kernel refused the change.");
    }
}

/** Errors of a write to sriov_numvfs, in words. The kernel's answers
 * (drivers/pci/iov.c, sriov_numvfs_store) differ by version: with no driver on
 * the PF, or a driver without SR-IOV support, newer kernels say ENOENT, older
 * ones ENOSYS, and some drivers EOPNOTSUPP or EINVAL. pfDriver is the PF's
 * driver when the plan was made. */
export function explainSriovError(message: string, pfDriver: string | null, _: Gettext = untranslated): ExplainedError {
    const code = kernelErrorCode(message);
    const noSupport = () => pfDriver === null
        ? _("The physical function has no driver. VFs can only be created while a driver with SR-IOV support is bound to it: load its driver (or return it to the host) first.")
        : format(_("The driver of the physical function, $0, does not support creating VFs through sriov_numvfs (or does not support it in its current mode)."), pfDriver);
    let explanation: string;
    switch (code) {
    case "EBUSY":
        explanation = _("The physical function is busy (EBUSY): VFs already exist, and the count can only change through 0, or a VF is still in use. Remove the VFs first, or stop what uses them.");
        break;
    case "ENOMEM":
        explanation = _("Not enough memory or PCI address space for the VFs (ENOMEM). The firmware may not reserve enough space for VFs: try fewer VFs, enable SR-IOV in the firmware settings, or boot with pci=realloc.");
        break;
    case "ERANGE":
        explanation = _("The number of VFs is above what the device supports (ERANGE).");
        break;
    case "ENOENT": case "ENOSYS": case "EOPNOTSUPP":
        explanation = noSupport();
        break;
    case "EINVAL":
        explanation = pfDriver === null ? noSupport() : format(_("$0 refused the number of VFs (EINVAL): the device or its driver does not accept it, or SR-IOV is not supported in its current mode."), pfDriver);
        break;
    default:
        return explainKernelError(message, _);
    }
    return { code, explanation, message };
}
