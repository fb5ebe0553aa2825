// SPDX-License-Identifier: LGPL-2.1-or-later
/* Turns the output of src/host/read-sysfs.sh into a HostSnapshot.
 *
 * Kept apart from the reader so fixtures captured from real hosts (and
 * hand-written ones for hardware we do not have) exercise the same code.
 *
 * A 4,096-function host gives 60,000 records (2.5 MB), parsed on the page's
 * main thread before the first render, so the loop is written for speed
 * (test/bench measures it): one pass over the text with indexOf, no split
 * into lines, no regex per record, one plain object with fixed fields per
 * function, and the function looked up once per directory rather than per
 * record (grep and find print a directory's records together).
 */

import { isPciAddress, lastAddressInPath, type PciAddress } from "./pci-address.ts";
import { addIpLinkLine } from "./parse-ip-link.ts";
import { makeSnapshot, type BlockDevice, type HostSnapshot, type NetLink, type PciFunction } from "./snapshot.ts";

/** What the reader printed about one function directory; undefined = not printed. */
interface RawFunction {
    address: PciAddress;
    vendor: string | undefined;
    device: string | undefined;
    subsystemVendor: string | undefined;
    subsystemDevice: string | undefined;
    classCode: string | undefined;
    revision: string | undefined;
    numaNode: string | undefined;
    bootVga: string | undefined;
    sriovTotalVfs: string | undefined;
    sriovNumVfs: string | undefined;
    sriovAutoprobe: string | undefined;
    driverOverride: string | undefined;
    resetMethod: string | undefined;
    driverLink: string | undefined;
    groupLink: string | undefined;
    physfnLink: string | undefined;
    /** Where ./<address> itself points: .../<upstream bridge>/<address>, or .../pci<root bus>/<address>. */
    selfLink: string | undefined;
    /** virtfnN link name -> target; only PFs have any. */
    virtfns: Map<string, string> | null;
    /** The `reset` file exists. */
    reset: boolean;
}

function newRaw(address: PciAddress): RawFunction {
    return {
        address,
        vendor: undefined,
        device: undefined,
        subsystemVendor: undefined,
        subsystemDevice: undefined,
        classCode: undefined,
        revision: undefined,
        numaNode: undefined,
        bootVga: undefined,
        sriovTotalVfs: undefined,
        sriovNumVfs: undefined,
        sriovAutoprobe: undefined,
        driverOverride: undefined,
        resetMethod: undefined,
        driverLink: undefined,
        groupLink: undefined,
        physfnLink: undefined,
        selfLink: undefined,
        virtfns: null,
        reset: false,
    };
}

function setFile(r: RawFunction, name: string, value: string): void {
    switch (name) {
    case "vendor": r.vendor = value; break;
    case "device": r.device = value; break;
    case "subsystem_vendor": r.subsystemVendor = value; break;
    case "subsystem_device": r.subsystemDevice = value; break;
    case "class": r.classCode = value; break;
    case "revision": r.revision = value; break;
    case "numa_node": r.numaNode = value; break;
    case "boot_vga": r.bootVga = value; break;
    case "sriov_totalvfs": r.sriovTotalVfs = value; break;
    case "sriov_numvfs": r.sriovNumVfs = value; break;
    case "sriov_drivers_autoprobe": r.sriovAutoprobe = value; break;
    case "driver_override": r.driverOverride = value; break;
    case "reset_method": r.resetMethod = value; break;
    }
}

/** "virtfn12" -> 12; -1 for any other name (the kernel names VF links virtfn<N>). */
function virtfnIndex(name: string): number {
    if (name.length < 7 || !name.startsWith("virtfn"))
        return -1;
    for (let i = 6; i < name.length; i++) {
        const c = name.charCodeAt(i);
        if (c < 48 || c > 57)
            return -1;
    }
    return parseInt(name.slice(6), 10);
}

function setLink(r: RawFunction, name: string, target: string): void {
    switch (name) {
    case "driver": r.driverLink = target; return;
    case "iommu_group": r.groupLink = target; return;
    case "physfn": r.physfnLink = target; return;
    }
    if (virtfnIndex(name) >= 0)
        (r.virtfns ??= new Map()).set(name, target);
}

function basename(path: string): string {
    return path.slice(path.lastIndexOf("/") + 1);
}

const isHexDigit = (c: number) => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const isDigit = (c: number) => c >= 48 && c <= 57;

/** "0x1f" -> 31; null unless the whole value is 0x and hex digits. */
function hex(value: string | undefined): number | null {
    if (value === undefined || value.length < 3 || value.charCodeAt(0) !== 48 || value.charCodeAt(1) !== 120)
        return null;
    for (let i = 2; i < value.length; i++) {
        if (!isHexDigit(value.charCodeAt(i)))
            return null;
    }
    return parseInt(value, 16);
}

/** "-1" -> -1; null unless the whole value is an optional minus and decimal digits. */
function int(value: string | undefined): number | null {
    if (value === undefined)
        return null;
    const start = value.charCodeAt(0) === 45 ? 1 : 0;
    if (value.length <= start)
        return null;
    for (let i = start; i < value.length; i++) {
        if (!isDigit(value.charCodeAt(i)))
            return null;
    }
    return parseInt(value, 10);
}

export function parseSnapshot(output: string): HostSnapshot {
    const raws: RawFunction[] = [];
    // Directory name -> its function, or null when the name is no PCI address (checked once per directory).
    const dirs = new Map<string, RawFunction | null>();
    // The directory of the previous record, which is nearly always the directory of this one.
    let lastDir = "";
    let lastRaw: RawFunction | null = null;
    /* The function whose directory `output` names between `start` (just past
     * "./") and `slash` (the last "/" of the path); null if it is no function. */
    const functionAt = (start: number, slash: number): RawFunction | null => {
        if (slash - start === lastDir.length && output.startsWith(lastDir, start))
            return lastRaw;
        const dir = output.slice(start, slash);
        let r = dirs.get(dir);
        if (r === undefined) {
            // a dir with a "/" in it is no address either
            r = isPciAddress(dir) ? newRaw(dir) : null;
            if (r)
                raws.push(r);
            dirs.set(dir, r);
        }
        lastDir = dir;
        lastRaw = r;
        return r;
    };
    /* For the path "./<dir>/<name>" in output[start, end): the index of its
     * last slash, or -1 when it is not of that form (no "./", empty dir or name). */
    const lastSlashOf = (start: number, end: number): number => {
        if (end - start < 2 || output.charCodeAt(start) !== 46 || output.charCodeAt(start + 1) !== 47)
            return -1;
        const slash = output.lastIndexOf("/", end - 1);
        return slash < start + 2 || slash === end - 1 ? -1 : slash;
    };

    const netByOwner = new Map<PciAddress, string[]>();
    const blockByOwner = new Map<PciAddress, BlockDevice[]>();
    const blockParents: [BlockDevice, string][] = [];
    const addTo = <T>(map: Map<PciAddress, T[]>, owner: PciAddress, item: T) => {
        const list = map.get(owner);
        if (list)
            list.push(item);
        else
            map.set(owner, [item]);
    };

    /* A network interface or block device whose sysfs directory is `dir`: the
     * path runs through the owning function, and a partition sits in its disk. */
    const addClassDevice = (subsystem: "net" | "block", dir: string) => {
        const owner = lastAddressInPath(dir);
        if (!owner)
            return;
        const name = basename(dir);
        if (subsystem === "net") {
            addTo(netByOwner, owner, name);
            return;
        }
        const parts = dir.split("/");
        const device: BlockDevice = { name, disk: null };
        blockParents.push([device, parts[parts.length - 2]]);
        addTo(blockByOwner, owner, device);
        // NVMe native multipath: the disk users mount (nvme0n1) lives under
        // /sys/devices/virtual/nvme-subsystem; only its per-controller path
        // (nvme0c0n1, hidden) runs through the PCI function. Credit the disk
        // to that function too, or its mounts would go unnoticed.
        const head = /^nvme([0-9]+)c[0-9]+n([0-9]+)$/.exec(name);
        if (head)
            addTo(blockByOwner, owner, { name: `nvme${head[1]}n${head[2]}`, disk: null });
    };

    // `ip -j -d link show` lines of SR-IOV PFs' interfaces; null when there were none.
    let netLinks: Map<string, NetLink> | null = null;

    const length = output.length;
    for (let pos = 0; pos <= length;) {
        let end = output.indexOf("\n", pos);
        if (end < 0)
            end = length;
        const next = end + 1;
        const kind = output.charCodeAt(pos);
        const tagged = output.charCodeAt(pos + 1) === 9 && pos + 1 < end; // "L\t" or "F\t"
        if (kind === 76 && tagged) {
            // L <TAB> path <TAB> target [<TAB> ignored]
            const pathStart = pos + 2;
            const tab = output.indexOf("\t", pathStart);
            if (tab < 0 || tab >= end) {
                pos = next;
                continue;
            }
            let targetEnd = output.indexOf("\t", tab + 1);
            if (targetEnd < 0 || targetEnd > end)
                targetEnd = end;
            const target = output.slice(tab + 1, targetEnd);
            const slash = lastSlashOf(pathStart, tab);
            if (slash < 0 && output.charCodeAt(pathStart) === 46 && output.charCodeAt(pathStart + 1) === 47 &&
                output.indexOf("/", pathStart + 2) > tab) {
                // ./<address> itself
                const self = functionAt(pathStart + 2, tab);
                if (self)
                    self.selfLink = target;
                pos = next;
                continue;
            }
            const r = slash < 0 ? null : functionAt(pathStart + 2, slash);
            if (r) {
                setLink(r, output.slice(slash + 1, tab), target);
                pos = next;
                continue;
            }
            // class/net/<if> or class/block/<dev>: the link target runs through the owning function
            const path = output.slice(pathStart, tab);
            if (path.includes("/class/net/"))
                addClassDevice("net", target);
            else if (path.includes("/class/block/"))
                addClassDevice("block", target);
        } else if (kind === 83 && tagged) {
            // S <TAB> device dir <TAB> its subsystem link target (incremental reads)
            const tab = output.indexOf("\t", pos + 2);
            if (tab > 0 && tab < end) {
                const subsystem = output.slice(tab + 1, end);
                const dir = output.slice(pos + 2, tab);
                if (subsystem.endsWith("/net"))
                    addClassDevice("net", dir);
                else if (subsystem.endsWith("/block"))
                    addClassDevice("block", dir);
            }
        } else if (kind === 91) {
            // "[": one JSON array from `ip -j -d link show dev <if>`
            addIpLinkLine(netLinks ??= new Map(), output.slice(pos, end));
        } else if (kind === 70 && tagged) {
            // F <TAB> path
            const slash = lastSlashOf(pos + 2, end);
            const r = slash < 0 ? null : functionAt(pos + 4, slash);
            if (r && end - slash === 6 && output.startsWith("reset", slash + 1))
                r.reset = true;
        } else {
            // "./<address>/<name>:<value>": the address holds colons but no
            // slash, and attribute names hold neither, so the value starts
            // after the first colon past the second slash. (No grep -Z: the
            // Cockpit channel carries text, and NUL does not survive it.)
            const first = output.indexOf("/", pos + 2);
            const colon = first < 0 || first >= end ? -1 : output.indexOf(":", first);
            if (colon >= 0 && colon < end) {
                const slash = lastSlashOf(pos, colon);
                const r = slash < 0 ? null : functionAt(pos + 2, slash);
                if (r)
                    setFile(r, output.slice(slash + 1, colon), output.slice(colon + 1, end).trim());
            }
        }
        pos = next;
    }

    // A partition lives inside its disk's directory (.../block/sda/sda1, .../nvme0n1/nvme0n1p1).
    const blockNames = new Set(blockParents.map(([dev]) => dev.name));
    for (const [dev, parent] of blockParents) {
        if (blockNames.has(parent))
            dev.disk = parent;
    }

    // reset_method has a handful of distinct values on a host; split each once.
    const resetMethods = new Map<string, string[]>();
    const methodsOf = (value: string | undefined): string[] => {
        if (value === undefined)
            return [];
        let methods = resetMethods.get(value);
        if (!methods) {
            methods = value.split(/\s+/).filter(Boolean);
            resetMethods.set(value, methods);
        }
        return methods.slice(); // every function owns its array
    };

    const functions: PciFunction[] = [];
    for (const r of raws) {
        const address = r.address;
        const vendorId = hex(r.vendor);
        const deviceId = hex(r.device);
        const classCode = hex(r.classCode);
        // A function whose identity could not be read vanished mid-read: skip it.
        if (vendorId === null || deviceId === null || classCode === null)
            continue;
        const totalVfs = int(r.sriovTotalVfs);
        const vfs: PciAddress[] = [];
        if (r.virtfns) {
            const links = [...r.virtfns].map(([name, target]) => ({ n: virtfnIndex(name), target }));
            links.sort((a, b) => a.n - b.n);
            for (const { target } of links) {
                const vf = basename(target);
                if (isPciAddress(vf))
                    vfs.push(vf);
            }
        }
        const override = r.driverOverride;
        const numa = int(r.numaNode);
        const autoprobe = int(r.sriovAutoprobe);
        const physfn = r.physfnLink ? basename(r.physfnLink) : null;
        const parentDir = r.selfLink ? basename(r.selfLink.slice(0, r.selfLink.lastIndexOf("/"))) : null;
        functions.push({
            address,
            vendorId,
            deviceId,
            subsystemVendorId: hex(r.subsystemVendor),
            subsystemDeviceId: hex(r.subsystemDevice),
            classCode,
            revision: hex(r.revision),
            driver: r.driverLink ? basename(r.driverLink) : null,
            driverOverride: override && override !== "(null)" ? override : null,
            iommuGroup: r.groupLink ? int(basename(r.groupLink)) : null,
            numaNode: numa !== null && numa >= 0 ? numa : null,
            sriov: totalVfs !== null && totalVfs > 0
                ? {
                    totalVfs,
                    numVfs: int(r.sriovNumVfs) ?? vfs.length,
                    driversAutoprobe: autoprobe === null ? null : autoprobe !== 0,
                    vfs,
                }
                : null,
            physfn: physfn && isPciAddress(physfn) ? physfn : null,
            netInterfaces: (netByOwner.get(address) ?? []).sort(),
            blockDevices: (blockByOwner.get(address) ?? []).sort((a, b) => a.name.localeCompare(b.name)),
            reset: {
                available: r.reset,
                methods: methodsOf(r.resetMethod),
            },
            bootVga: r.bootVga === "1",
            upstream: parentDir && isPciAddress(parentDir) ? parentDir : null,
        });
    }
    return makeSnapshot(functions, netLinks);
}
