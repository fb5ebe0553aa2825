/* Kernel errors in words. The executor reports what tee, modprobe or driverctl
 * printed (in the C locale), e.g. "tee: /sys/bus/pci/drivers/e1000e/unbind:
 * No such device"; this finds the errno in it and says what it means here. */

import { format, untranslated, type Gettext } from "./plan-text.ts";

export type KernelErrorCode =
    | "EBUSY" | "ENODEV" | "EINVAL" | "ENOMEM" | "EPERM" | "EACCES" | "ENOENT" | "EEXIST"
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
        return _("The device is busy (EBUSY): something on the host is still using it, or another change is in progress. " +
                 "Stop what uses the device and try again.");
    case "ENODEV":
        return _("No such device (ENODEV): the device is not on the driver the page expected, or it has gone. " +
                 "Reload the page to see its current state.");
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
    case "NO_INTERRUPT_REMAPPING":
        return format(_("The host has no interrupt remapping, so VFIO refuses to give the device to a virtual machine. " +
                        "Turn on interrupt remapping in the firmware (part of $0). Allowing unsafe interrupts instead " +
                        "lets a virtual machine disturb the host."), "VT-d / AMD-Vi / SMMU");
    case "MODULE_NOT_FOUND":
        return _("The vfio-pci module is not installed for the running kernel.");
    case "MODULE_REFUSED":
        return _("The vfio-pci module could not be loaded: modprobe failed (see the message; a modprobe.d rule may block it).");
    case null:
        return _("The kernel refused the change.");
    }
}
