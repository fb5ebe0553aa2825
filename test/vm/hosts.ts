// The test matrix (issue 13): each kind of test host, how QEMU boots it, which
// image recipe builds it (build-image.sh <kind>) and which browser suites run
// on it. `make check HOSTS=aarch64` runs one kind; the default is all three.
//
// Guest PCI layout, the same on every kind (tests rely on it):
//   00:01.0 VGA (x86_64 only: QEMU's default, the boot VGA)
//   00:02.0 e1000e (no backend)                00:04.0 NVMe, SR-IOV (4 VFs)
//   00:03.0 e1000e (no backend)                00:05.0 virtio-net, user net + hostfwd
//   00:06.0 virtio-blk root disk
// and on x86_64 kinds the surroundings of machine.ts: 00:07.0 igb (Intel 82576,
// SR-IOV NIC, up to 7 VFs on igbvf; QEMU 8 or later), 00:08.x, 00:09.0, 81:00.0.

export type HostKind = "x86_64" | "x86_64-backports" | "aarch64";

export interface HostSpec {
    kind: HostKind;
    /** uname -m in the guest */
    arch: "x86_64" | "aarch64";
    /** What the browser suites expect from the page on this host */
    cockpitVersion: number;
    qemu: string;
    /** Machine, CPU and IOMMU arguments; `iommu` false boots the host with its IOMMU off */
    machineArgs(iommu: boolean): string[];
    /** Kernel command line (root, console, IOMMU arguments) */
    kernelArgs(iommu: boolean): string[];
    /** "IOMMU: ... is active" as the readiness card words it */
    iommuName: string;
    /** The kernel argument that is the equivalent of iommu=pt on this host */
    passthroughArg: string;
    hasBootVga: boolean;
    /** Files in test/browser/suites/, in run order (reboot-heavy ones last) */
    suites: string[];
    /** Boot timeout: TCG emulating another architecture is several times slower */
    bootTimeoutS: number;
}

const ROOT = ["root=/dev/vda", "rootfstype=ext4", "rw"];

const x86_64: HostSpec = {
    kind: "x86_64",
    arch: "x86_64",
    cockpitVersion: 287,
    qemu: "qemu-system-x86_64",
    machineArgs: iommu => [
        "-accel", "tcg", "-cpu", "max", "-M", "q35,kernel-irqchip=split",
        // Two NUMA nodes (machine.ts puts a bridge on node 1).
        "-object", "memory-backend-ram,id=mem0,size=1536M", "-object", "memory-backend-ram,id=mem1,size=1536M",
        "-numa", "node,nodeid=0,cpus=0,memdev=mem0", "-numa", "node,nodeid=1,cpus=1,memdev=mem1",
        // The IOMMU must come before the devices it translates for.
        ...(iommu ? ["-device", "intel-iommu,intremap=on,caching-mode=on"] : []),
    ],
    kernelArgs: iommu => [...ROOT, "console=ttyS0,115200", ...(iommu ? ["intel_iommu=on", "iommu=pt"] : [])],
    iommuName: "Intel VT-d",
    passthroughArg: "iommu=pt",
    hasBootVga: true,
    suites: ["inventory", "readiness", "binding", "safety", "live", "vms", "sriov", "nic", "persistence", "package", "surroundings", "no-iommu"],
    bootTimeoutS: 300,
};

export const HOSTS: Record<HostKind, HostSpec> = {
    "x86_64": x86_64,
    // Same machine, current Cockpit and libvirt: the suites whose results must
    // match Cockpit 287's, plus the theme screenshots.
    "x86_64-backports": {
        ...x86_64,
        kind: "x86_64-backports",
        cockpitVersion: 337,
        suites: ["inventory", "readiness", "binding", "safety", "vms", "theme"],
    },
    "aarch64": {
        kind: "aarch64",
        arch: "aarch64",
        cockpitVersion: 287,
        qemu: "qemu-system-aarch64",
        // GICv3 with its ITS: the MSI isolation vfio wants on Arm (the
        // equivalent of interrupt remapping). Without iommu=smmuv3 the host
        // has no SMMU at all, as a Kunpeng with the SMMU off in its firmware.
        machineArgs: iommu => ["-accel", "tcg", "-cpu", "max", "-M", `virt,gic-version=3${iommu ? ",iommu=smmuv3" : ""}`],
        kernelArgs: () => [...ROOT, "console=ttyAMA0"],
        iommuName: "Arm SMMUv3",
        passthroughArg: "iommu.passthrough=1",
        hasBootVga: false,
        suites: ["readiness", "binding", "persistence", "sriov", "vms-aarch64", "theme", "no-smmu"],
        bootTimeoutS: 900,
    },
};

export const HOST_KINDS = Object.keys(HOSTS) as HostKind[];

/** The host of this process: PASSTHROUGH_HOST, default x86_64. */
export function currentHost(): HostSpec {
    const kind = process.env.PASSTHROUGH_HOST || "x86_64";
    if (!(kind in HOSTS))
        throw new Error(`PASSTHROUGH_HOST=${kind}: not one of ${HOST_KINDS.join(", ")}`);
    return HOSTS[kind as HostKind];
}
