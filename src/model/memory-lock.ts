/* Locked memory: VFIO pins every page of a VM with a passed-through device, so
 * the whole of its memory must fit in the host's free RAM at once, and the
 * QEMU process's locked-memory limit must cover it (libvirt raises it for the
 * VMs it manages: memory + 1 GiB, times the number of devices with a virtual
 * IOMMU, where each device gets its own address space). When it does not fit,
 * QEMU fails with "VFIO_MAP_DMA ... Cannot allocate memory". */

import { format, type Gettext } from "./translate.ts";
import type { VmResources } from "./vm-resources.ts";

export interface MemoryLockCheck {
    /** What will be pinned in host RAM, in KiB. */
    pinnedKiB: number;
    /** The locked-memory limit libvirt sets for the QEMU process, in KiB. */
    limitKiB: number;
    availableKiB: number;
    fits: boolean;
}

const GIB_KIB = 1024 * 1024;

/** MemAvailable from /proc/meminfo, in KiB; null when missing. */
export function memAvailableKiB(meminfo: string): number | null {
    const m = /^MemAvailable:\s+(\d+)\s*kB/m.exec(meminfo);
    return m ? Number(m[1]) : null;
}

/** `addedHostdevs`: devices about to be assigned on top of the ones already in the XML. */
export function checkMemoryLock(vm: VmResources, availableKiB: number, addedHostdevs = 0): MemoryLockCheck | null {
    if (vm.memoryKiB === null)
        return null;
    const devices = Math.max(1, vm.hostdevCount + addedHostdevs);
    const limitKiB = (vm.memoryKiB + GIB_KIB) * (vm.viommu ? devices : 1);
    // The pages are pinned once, however many mappings point at them.
    const pinnedKiB = vm.memoryKiB;
    return { pinnedKiB, limitKiB, availableKiB, fits: pinnedKiB <= availableKiB };
}

const gib = (kib: number) => (kib / GIB_KIB).toFixed(1);

export function describeMemoryLock(check: MemoryLockCheck, viommu: boolean, _: Gettext): { title: string; body: string } {
    const body = format(_("VFIO keeps all of a VM's memory locked in host RAM while a device is passed through: $0 GiB, and the host has $1 GiB available now. Starting it may fail with \"VFIO_MAP_DMA ... Cannot allocate memory\". Give the VM less memory or free memory on the host."),
                        gib(check.pinnedKiB), gib(check.availableKiB));
    return {
        title: check.fits ? _("The VM's memory fits in the host's available memory") : _("The VM's memory does not fit in the host's available memory"),
        body: viommu
            ? body + " " + format(_("With its virtual IOMMU every device maps the memory separately: libvirt sets the locked-memory limit to $0 GiB."), gib(check.limitKiB))
            : body,
    };
}
