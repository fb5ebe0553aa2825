/* Turns the output of src/host/read-sysfs.sh into a HostSnapshot.
 *
 * Kept apart from the reader so fixtures captured from real hosts (and
 * hand-written ones for hardware we do not have) exercise the same code.
 */

import { isPciAddress, lastAddressInPath, type PciAddress } from "./pci-address.ts";
import { makeSnapshot, type BlockDevice, type HostSnapshot, type PciFunction } from "./snapshot.ts";

interface RawFunction {
    files: Map<string, string>;
    links: Map<string, string>;
    present: Set<string>;
}

function basename(path: string): string {
    return path.slice(path.lastIndexOf("/") + 1);
}

function hex(value: string | undefined): number | null {
    if (value === undefined || !/^0x[0-9a-fA-F]+$/.test(value))
        return null;
    return parseInt(value, 16);
}

function int(value: string | undefined): number | null {
    if (value === undefined || !/^-?[0-9]+$/.test(value))
        return null;
    return parseInt(value, 10);
}

export function parseSnapshot(output: string): HostSnapshot {
    const raw = new Map<PciAddress, RawFunction>();
    const get = (address: PciAddress): RawFunction => {
        let r = raw.get(address);
        if (!r) {
            r = { files: new Map(), links: new Map(), present: new Set() };
            raw.set(address, r);
        }
        return r;
    };
    // "./0000:00:02.0/vendor" (up to `end`) -> [that function, "vendor"]; null for any other path.
    // The address check is cached per directory: a 4,096-function host has 60,000 records
    // but only 4,096 directories (test/bench measures this loop).
    const dirs = new Map<string, RawFunction | null>();
    const fileOf = (path: string, end: number): [RawFunction, string] | null => {
        const slash = path.lastIndexOf("/", end - 1);
        if (slash < 2 || slash === end - 1 || !path.startsWith("./"))
            return null;
        const dir = path.slice(2, slash);
        let r = dirs.get(dir);
        if (r === undefined) {
            r = isPciAddress(dir) ? get(dir) : null; // a dir with a "/" in it is no address either
            dirs.set(dir, r);
        }
        return r && [r, path.slice(slash + 1, end)];
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

    for (const line of output.split("\n")) {
        if (line.startsWith("L\t")) {
            const [, path, target] = line.split("\t");
            if (path === undefined || target === undefined)
                continue;
            const dev = fileOf(path, path.length);
            if (dev) {
                dev[0].links.set(dev[1], target);
                continue;
            }
            // class/net/<if> or class/block/<dev>: the link target runs through the owning function
            const owner = lastAddressInPath(target);
            if (!owner)
                continue;
            const name = basename(path);
            if (path.includes("/class/net/")) {
                addTo(netByOwner, owner, name);
            } else if (path.includes("/class/block/")) {
                const parts = target.split("/");
                const device: BlockDevice = { name, disk: null };
                blockParents.push([device, parts[parts.length - 2]]);
                addTo(blockByOwner, owner, device);
            }
        } else if (line.startsWith("F\t")) {
            const dev = fileOf(line.slice(2), line.length - 2);
            if (dev)
                dev[0].present.add(dev[1]);
        } else {
            // "./<address>/<name>:<value>": the address holds colons but no
            // slash, and attribute names hold neither, so the value starts
            // after the first colon past the second slash. (No grep -Z: the
            // Cockpit channel carries text, and NUL does not survive it.)
            const slash = line.indexOf("/", 2);
            const colon = slash < 0 ? -1 : line.indexOf(":", slash);
            if (colon < 0)
                continue;
            const dev = fileOf(line, colon);
            if (dev)
                dev[0].files.set(dev[1], line.slice(colon + 1).trim());
        }
    }

    // A partition lives inside its disk's directory (.../block/sda/sda1, .../nvme0n1/nvme0n1p1).
    const blockNames = new Set(blockParents.map(([dev]) => dev.name));
    for (const [dev, parent] of blockParents) {
        if (blockNames.has(parent))
            dev.disk = parent;
    }

    const functions: PciFunction[] = [];
    for (const [address, r] of raw) {
        const vendorId = hex(r.files.get("vendor"));
        const deviceId = hex(r.files.get("device"));
        const classCode = hex(r.files.get("class"));
        // A function whose identity could not be read vanished mid-read: skip it.
        if (vendorId === null || deviceId === null || classCode === null)
            continue;
        const link = (name: string) => r.links.get(name);
        const driverLink = link("driver");
        const groupLink = link("iommu_group");
        const physfnLink = link("physfn");
        const totalVfs = int(r.files.get("sriov_totalvfs"));
        const vfs = [...r.links.entries()]
                .filter(([name]) => /^virtfn[0-9]+$/.test(name))
                .sort(([a], [b]) => parseInt(a.slice(6)) - parseInt(b.slice(6)))
                .map(([, target]) => basename(target))
                .filter(isPciAddress);
        const override = r.files.get("driver_override");
        const numa = int(r.files.get("numa_node"));
        const autoprobe = int(r.files.get("sriov_drivers_autoprobe"));
        const physfn = physfnLink ? basename(physfnLink) : null;
        functions.push({
            address,
            vendorId,
            deviceId,
            subsystemVendorId: hex(r.files.get("subsystem_vendor")),
            subsystemDeviceId: hex(r.files.get("subsystem_device")),
            classCode,
            revision: hex(r.files.get("revision")),
            driver: driverLink ? basename(driverLink) : null,
            driverOverride: override && override !== "(null)" ? override : null,
            iommuGroup: groupLink ? int(basename(groupLink)) : null,
            numaNode: numa !== null && numa >= 0 ? numa : null,
            sriov: totalVfs !== null && totalVfs > 0
                ? {
                    totalVfs,
                    numVfs: int(r.files.get("sriov_numvfs")) ?? vfs.length,
                    driversAutoprobe: autoprobe === null ? null : autoprobe !== 0,
                    vfs,
                }
                : null,
            physfn: physfn && isPciAddress(physfn) ? physfn : null,
            netInterfaces: (netByOwner.get(address) ?? []).sort(),
            blockDevices: (blockByOwner.get(address) ?? []).sort((a, b) => a.name.localeCompare(b.name)),
            reset: {
                available: r.present.has("reset"),
                methods: (r.files.get("reset_method") ?? "").split(/\s+/).filter(Boolean),
            },
            bootVga: r.files.get("boot_vga") === "1",
        });
    }
    return makeSnapshot(functions);
}
