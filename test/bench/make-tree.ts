// SPDX-License-Identifier: LGPL-2.1-or-later
/* Synthetic hosts for the benchmark: a dual-socket server whose PCI function
 * count is dominated, as on real big hosts, by SR-IOV virtual functions.
 *
 * Every size has the same platform (host bridges, chipset multi-function
 * devices, a GPU with its HDMI audio, a PCIe switch with NVMe drives behind
 * nested bridges, an onboard dual-port NIC, a SATA disk) and then as many
 * dual-port SR-IOV NIC cards as the size needs, VFs spread evenly over their
 * PFs. IOMMU groups follow what the kernel does with ACS: one group per VF,
 * one per PF behind an ACS-capable root port, and a shared group for
 * multi-function devices without ACS (chipset, GPU + audio, onboard NIC).
 *
 * Besides the sizes, two hosts for the network state of VFs (issue 14): the
 * issue's case, 64 PFs with 63 VFs each and a netdev on every VF (4,096
 * functions, makeNetHost), and the platform alone, without any SR-IOV network
 * card (makePlainHost). fakeIpLinks gives, for every SR-IOV PF's interface,
 * what `ip -j -d link show dev <if>` prints (test/lib/fake-ip.ts answers with
 * it), so the reader never asks this machine's own ip.
 *
 * Usage as a script: node --import tsx test/bench/make-tree.ts <functions> <dir>
 */

import { pathToFileURL } from "node:url";
import { writeFakeSysfs, type FakeFunction } from "../lib/fake-sysfs.ts";

export const BENCH_SIZES = [64, 512, 4096] as const;

const INTEL = 0x8086;
const NVIDIA = 0x10de;
const MELLANOX = 0x15b3;
const SAMSUNG = 0x144d;
const BROADCOM = 0x14e4;

const addr = (domain: number, bus: number, slot: number, fn: number): string =>
    `${domain.toString(16).padStart(4, "0")}:${bus.toString(16).padStart(2, "0")}:` +
    `${slot.toString(16).padStart(2, "0")}.${fn}`;

/** A routing ID (bus << 8 | devfn) as an address: how ARI places VFs. */
const ridAddr = (domain: number, rid: number): string => addr(domain, rid >> 8, (rid >> 3) & 0x1f, rid & 7);

export interface TreeStats {
    functions: number;
    physicalFunctions: number;
    virtualFunctions: number;
    bridges: number;
    iommuGroups: number;
    maxVfsPerPf: number;
}

/** The platform every host has (no SR-IOV card); `newGroup` numbers IOMMU groups on after it. */
type RootPort = (bus: number, slot: number, numaNode: number) => FakeFunction;

function platform(): { fns: FakeFunction[]; newGroup: () => number; rootPort: RootPort } {
    const fns: FakeFunction[] = [];
    let group = 0;
    const newGroup = () => group++;

    // Per socket: a host bridge and a root port to hang cards on is added later.
    const rootPort = (bus: number, slot: number, numaNode: number, fn = 0): FakeFunction => ({
        address: addr(0, bus, slot, fn), vendor: INTEL, device: 0x2030 + slot, classCode: 0x060400,
        driver: "pcieport", iommuGroup: newGroup(), numaNode, resetMethods: ["bus"],
    });

    // --- Socket 0 platform, bus 00 ---
    fns.push({ address: addr(0, 0, 0, 0), vendor: INTEL, device: 0x2020, classCode: 0x060000, iommuGroup: newGroup(), numaNode: 0 });
    // Chipset: LPC, PMC, SMBus, SPI share one group (a multi-function device without ACS).
    const chipsetGroup = newGroup();
    fns.push(
        { address: addr(0, 0, 0x1f, 0), vendor: INTEL, device: 0xa1c2, classCode: 0x060100, iommuGroup: chipsetGroup, numaNode: 0 },
        { address: addr(0, 0, 0x1f, 2), vendor: INTEL, device: 0xa1a1, classCode: 0x058000, iommuGroup: chipsetGroup, numaNode: 0 },
        { address: addr(0, 0, 0x1f, 4), vendor: INTEL, device: 0xa1a3, classCode: 0x0c0500, driver: "i801_smbus", iommuGroup: chipsetGroup, numaNode: 0 },
        { address: addr(0, 0, 0x1f, 5), vendor: INTEL, device: 0xa1a4, classCode: 0x0c8000, driver: "intel-spi", iommuGroup: chipsetGroup, numaNode: 0 },
    );
    // USB xHCI + shared SRAM: one group.
    const usbGroup = newGroup();
    fns.push(
        { address: addr(0, 0, 0x14, 0), vendor: INTEL, device: 0xa1af, classCode: 0x0c0330, driver: "xhci_hcd", iommuGroup: usbGroup, numaNode: 0 },
        { address: addr(0, 0, 0x14, 2), vendor: INTEL, device: 0xa1b1, classCode: 0x118000, iommuGroup: usbGroup, numaNode: 0 },
    );
    // SATA with the root disk.
    fns.push({ address: addr(0, 0, 0x17, 0), vendor: INTEL, device: 0xa182, classCode: 0x010601, driver: "ahci",
        iommuGroup: newGroup(), numaNode: 0, block: ["sda"] });

    // GPU + HDMI audio behind root port 00:01.0: the two functions share a group.
    const gpuPort = rootPort(0, 1, 0);
    const gpuGroup = newGroup();
    fns.push(gpuPort,
        { address: addr(0, 1, 0, 0), vendor: NVIDIA, device: 0x1eb8, subsystemVendor: NVIDIA, subsystemDevice: 0x12a2,
            classCode: 0x030200, revision: 0xa1, driver: "vfio-pci", iommuGroup: gpuGroup, numaNode: 0,
            parent: gpuPort.address, resetMethods: ["bus"] },
        { address: addr(0, 1, 0, 1), vendor: NVIDIA, device: 0x10fa, classCode: 0x040300, revision: 0xa1,
            driver: "vfio-pci", iommuGroup: gpuGroup, numaNode: 0, parent: gpuPort.address, resetMethods: ["bus"] });

    // Onboard dual-port NIC without ACS between its functions: one group, two netdevs.
    const lomPort = rootPort(0, 0x1c, 0);
    const lomGroup = newGroup();
    fns.push(lomPort, ...[0, 1].map((f): FakeFunction => ({
        address: addr(0, 2, 0, f), vendor: BROADCOM, device: 0x165f, classCode: 0x020000, driver: "tg3",
        iommuGroup: lomGroup, numaNode: 0, parent: lomPort.address, net: [`eno${f + 1}`], resetMethods: ["flr", "bus"],
    })));

    // PCIe switch behind root port 00:03.0: upstream port 03:00.0, downstream ports 04:0N.0, NVMe on 05-08.
    const switchPort = rootPort(0, 3, 0);
    fns.push(switchPort);
    const upstream: FakeFunction = { address: addr(0, 3, 0, 0), vendor: BROADCOM, device: 0xc010, classCode: 0x060400,
        driver: "pcieport", iommuGroup: newGroup(), numaNode: 0, parent: switchPort.address };
    fns.push(upstream);
    for (let i = 0; i < 4; i++) {
        const down: FakeFunction = { address: addr(0, 4, i, 0), vendor: BROADCOM, device: 0xc010, classCode: 0x060400,
            driver: "pcieport", iommuGroup: newGroup(), numaNode: 0, parent: upstream.address };
        fns.push(down, {
            address: addr(0, 5 + i, 0, 0), vendor: SAMSUNG, device: 0xa80a, classCode: 0x010802, driver: "nvme",
            iommuGroup: newGroup(), numaNode: 0, parent: down.address, block: [`nvme${i}n1`], resetMethods: ["flr", "bus"],
        });
    }

    // --- Socket 1: a host bridge on bus 80 ---
    fns.push({ address: addr(0, 0x80, 0, 0), vendor: INTEL, device: 0x2020, classCode: 0x060000, iommuGroup: newGroup(), numaNode: 1 });
    return { fns, newGroup, rootPort };
}

/** The platform alone: network cards without SR-IOV only (the reader then runs no ip). */
export function makePlainHost(): FakeFunction[] {
    return platform().fns;
}

/** Dual-port mlx5 SR-IOV cards, each PF with `vfsPerPf[pf]` VFs, behind root ports on both sockets, added to `fns`.
 * `vfOnVfio(v)`: whether VF v is already on vfio-pci (then it has no netdev). */
function addSriovCards(fns: FakeFunction[], newGroup: () => number,
                       rootPort: RootPort,
                       cards: number, sriovTotalVfs: number, vfsPerPf: (pf: number) => number,
                       vfOnVfio: (v: number) => boolean): void {
    const nextBus = [0x10, 0x90]; // per socket
    let netIndex = 1;
    for (let c = 0; c < cards; c++) {
        const socket = c % 2;
        const numaNode = socket;
        const portBus = socket ? 0x80 : 0;
        const port = rootPort(portBus, 4 + Math.floor(c / 2), numaNode);
        fns.push(port);
        const bus = nextBus[socket];
        const slotName = `ens${netIndex++}`;
        // Routing IDs: the PFs at bus:00.0 and .1, then each PF's VFs in a row (ARI, stride 1).
        let rid = (bus << 8) + 2;
        const pfs: FakeFunction[] = [0, 1].map(p => ({
            address: addr(0, bus, 0, p), vendor: MELLANOX, device: 0x101d, subsystemVendor: MELLANOX, subsystemDevice: 0x0016,
            classCode: 0x020000, driver: "mlx5_core", iommuGroup: newGroup(), numaNode, parent: port.address,
            sriovTotalVfs, vfs: [], net: [`${slotName}f${p}np${p}`], resetMethods: ["flr", "bus"],
        }));
        const vfs: FakeFunction[] = [];
        pfs.forEach((pf, p) => {
            for (let v = 0; v < vfsPerPf(c * 2 + p); v++) {
                const address = ridAddr(0, rid++);
                pf.vfs!.push(address);
                const toVfio = vfOnVfio(v);
                vfs.push({
                    address, vendor: MELLANOX, device: 0x101e, classCode: 0x020000, driver: toVfio ? "vfio-pci" : "mlx5_core",
                    iommuGroup: newGroup(), numaNode, parent: port.address, physfn: pf.address,
                    net: toVfio ? [] : [`${slotName}f${p}v${v}`], resetMethods: ["flr"],
                });
            }
        });
        fns.push(...pfs, ...vfs);
        nextBus[socket] = (rid >> 8) + 1;
        if (nextBus[socket] > (socket ? 0xff : 0x7f))
            throw new Error("out of bus numbers");
    }
}

export function makeHost(total: number): FakeFunction[] {
    const { fns, newGroup, rootPort } = platform();

    // --- SR-IOV cards: a root port plus a dual-port PF pair, in separate groups (ACS). ---
    const perCardFixed = 3; // root port + 2 PFs
    const maxVfsPerPf = total >= 4096 ? 256 : total >= 512 ? 128 : 16;
    const left = total - fns.length;
    if (left < perCardFixed)
        throw new Error(`${total} functions is too few for the platform (${fns.length})`);
    const cards = Math.ceil(left / (perCardFixed + 2 * maxVfsPerPf));
    const vfTotal = left - cards * perCardFixed;
    const pfCount = cards * 2;

    // Most VFs stay on the host driver with a netdev; every 4th is already handed to vfio-pci.
    addSriovCards(fns, newGroup, rootPort, cards, maxVfsPerPf,
                  pf => Math.floor(vfTotal / pfCount) + (pf < vfTotal % pfCount ? 1 : 0), v => v % 4 === 3);
    if (fns.length !== total)
        throw new Error(`generated ${fns.length} functions, wanted ${total}`);
    return fns;
}

/** Issue 14's case: `pfs` mlx5 PFs (dual-port cards) with `vfsPerPf` VFs each, every VF on
 * mlx5_core with a netdev, on the same platform as the sizes. */
export function makeNetHost(pfs = 64, vfsPerPf = 63): FakeFunction[] {
    const { fns, newGroup, rootPort } = platform();
    addSriovCards(fns, newGroup, rootPort, pfs / 2, 127, () => vfsPerPf, () => false);
    return fns;
}

const hex2 = (n: number) => (n & 0xff).toString(16).padStart(2, "0");

/** What `ip -j -d link show dev <if>` prints for each interface of an SR-IOV PF in `fns` (iproute2 6.x,
 * mlx5 in legacy SR-IOV mode), VFs with varied settings: most with a MAC set, every 3rd with a VLAN
 * (and a qos), rates on a few, trust on some, spoof check off on some, a few links forced up or down. */
export function fakeIpLinks(fns: FakeFunction[]): Record<string, unknown[]> {
    const links: Record<string, unknown[]> = {};
    let ifindex = 10;
    fns.filter(f => f.sriovTotalVfs && f.net?.length).forEach((pf, p) => {
        for (const ifname of pf.net!) {
            const vfinfo = (pf.vfs ?? []).map((_address, v) => ({
                vf: v, link_type: "ether",
                address: v % 5 === 4 ? "00:00:00:00:00:00" : `52:54:00:${hex2(p)}:${hex2(v >> 8)}:${hex2(v)}`,
                broadcast: "ff:ff:ff:ff:ff:ff",
                ...(v % 3 === 0 ? { vlan_list: [{ vlan: 100 + v, qos: v % 8, protocol: "802.1Q" }] } : {}),
                rate: { tx_max: v % 7 === 0 ? 10000 : 0, tx_min: v % 14 === 0 ? 1000 : 0 },
                spoofchk: v % 4 !== 1, link_state: v % 10 === 9 ? "disable" : v % 10 === 8 ? "enable" : "auto",
                trust: v % 6 === 0, query_rss_en: false,
            }));
            links[ifname] = [{
                ifindex: ifindex++, ifname, flags: ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"], mtu: 1500, qdisc: "mq",
                operstate: "UP", linkmode: "DEFAULT", group: "default", txqlen: 1000, link_type: "ether",
                address: `b8:ce:f6:00:${hex2(p >> 8)}:${hex2(p)}`, broadcast: "ff:ff:ff:ff:ff:ff",
                promiscuity: 0, allmulti: 0, min_mtu: 68, max_mtu: 9978, inet6_addr_gen_mode: "eui64",
                num_tx_queues: 256, num_rx_queues: 64, gso_max_size: 65536, gso_max_segs: 65535,
                tso_max_size: 524280, tso_max_segs: 65535, gro_max_size: 65536,
                phys_port_name: `p${p % 2}`, phys_switch_id: `${hex2(p >> 1)}f6cefffe00b8ce`,
                parentbus: "pci", parentdev: pf.address, num_vf: vfinfo.length, vfinfo_list: vfinfo,
                altnames: [`enp${parseInt(pf.address.slice(5, 7), 16)}s0f${p % 2}np${p % 2}`],
            }];
        }
    });
    return links;
}

export function treeStats(fns: FakeFunction[]): TreeStats {
    const groups = new Set(fns.map(f => f.iommuGroup).filter(g => g !== undefined));
    const pfs = fns.filter(f => f.sriovTotalVfs);
    return {
        functions: fns.length,
        physicalFunctions: pfs.length,
        virtualFunctions: fns.filter(f => f.physfn).length,
        bridges: fns.filter(f => (f.classCode >> 16) === 0x06).length,
        iommuGroups: groups.size,
        maxVfsPerPf: Math.max(0, ...pfs.map(f => f.vfs?.length ?? 0)),
    };
}

/** Writes the synthetic host `fns` (default: the size `total`) as a sysfs tree under `root`. */
export function makeTree(root: string, total: number, fns: FakeFunction[] = makeHost(total)): TreeStats {
    writeFakeSysfs(root, fns);
    return treeStats(fns);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
    const [total, dir] = [Number(process.argv[2]), process.argv[3]];
    if (!Number.isInteger(total) || !dir) {
        console.error("usage: make-tree.ts <functions> <dir>");
        process.exit(2);
    }
    console.log(makeTree(dir, total));
}
