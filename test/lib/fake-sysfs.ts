// SPDX-License-Identifier: LGPL-2.1-or-later
/* Writes a fake sysfs tree that read-sysfs.sh (and lspci -A linux-sysfs) can
 * read: the same files and symlinks a kernel shows, for hardware we do not
 * have (a Kunpeng host, a 4,096-function server). */

import fs from "node:fs";
import path from "node:path";

export interface FakeFunction {
    address: string;
    vendor: number;
    device: number;
    subsystemVendor?: number;
    subsystemDevice?: number;
    classCode: number;
    revision?: number;
    driver?: string | undefined;
    iommuGroup?: number;
    numaNode?: number;
    /** Parent bridge address: the function's directory is nested under it, as in /sys/devices. */
    parent?: string;
    sriovTotalVfs?: number;
    /** For a PF: its VFs (which must also be listed as functions, with physfn). */
    vfs?: string[];
    physfn?: string;
    autoprobe?: boolean;
    net?: string[];
    block?: string[];
    resetMethods?: string[];
    bootVga?: boolean;
}

const hex = (n: number, width: number) => "0x" + n.toString(16).padStart(width, "0");

function functionDir(root: string, fns: Map<string, FakeFunction>, address: string): string {
    const fn = fns.get(address);
    if (!fn)
        throw new Error(`unknown function ${address}`);
    if (fn.parent)
        return path.join(functionDir(root, fns, fn.parent), address);
    return path.join(root, "devices", `pci${address.slice(0, address.lastIndexOf(":"))}`, address);
}

function link(target: string, at: string) {
    fs.mkdirSync(path.dirname(at), { recursive: true });
    fs.symlinkSync(path.relative(path.dirname(at), target), at);
}

/** A 256-byte config space: vendor, device, class and header type, enough for lspci. */
function configSpace(fn: FakeFunction): Buffer {
    const b = Buffer.alloc(256);
    b.writeUInt16LE(fn.vendor, 0);
    b.writeUInt16LE(fn.device, 2);
    b.writeUInt8(fn.revision ?? 0, 8);
    b.writeUInt8(fn.classCode & 0xff, 9);
    b.writeUInt16LE(fn.classCode >> 8, 10);
    b.writeUInt8((fn.classCode >> 8) === 0x0604 ? 1 : 0, 14);
    b.writeUInt16LE(fn.subsystemVendor ?? 0, 0x2c);
    b.writeUInt16LE(fn.subsystemDevice ?? 0, 0x2e);
    return b;
}

/** Drivers registered with no device bound (e.g. vfio-pci loaded, nothing on it). */
export interface FakeSysfsOptions {
    extraDrivers?: string[];
}

/** A driver directory with the files the kernel gives every PCI driver. */
function driverDir(root: string, name: string): string {
    const dir = path.join(root, "bus/pci/drivers", name);
    fs.mkdirSync(dir, { recursive: true });
    for (const file of ["bind", "unbind", "new_id", "remove_id"]) {
        if (!fs.existsSync(path.join(dir, file)))
            fs.writeFileSync(path.join(dir, file), "");
    }
    return dir;
}

export function writeFakeSysfs(root: string, functions: FakeFunction[], options: FakeSysfsOptions = {}): void {
    const fns = new Map(functions.map(f => [f.address, f]));
    fs.mkdirSync(path.join(root, "bus/pci/devices"), { recursive: true });
    fs.writeFileSync(path.join(root, "bus/pci/drivers_probe"), "");
    for (const name of options.extraDrivers ?? [])
        driverDir(root, name);
    for (const fn of functions) {
        const dir = functionDir(root, fns, fn.address);
        fs.mkdirSync(dir, { recursive: true });
        const files: Record<string, string> = {
            vendor: hex(fn.vendor, 4),
            device: hex(fn.device, 4),
            subsystem_vendor: hex(fn.subsystemVendor ?? 0, 4),
            subsystem_device: hex(fn.subsystemDevice ?? 0, 4),
            class: hex(fn.classCode, 6),
            revision: hex(fn.revision ?? 0, 2),
            numa_node: String(fn.numaNode ?? -1),
            driver_override: "(null)",
            enable: "1",
            irq: "0",
            modalias: `pci:v0000${fn.vendor.toString(16).toUpperCase().padStart(4, "0")}d0000${fn.device.toString(16).toUpperCase().padStart(4, "0")}`,
            resource: "0x0000000000000000 0x0000000000000000 0x0000000000000000\n".repeat(13),
        };
        if (fn.resetMethods?.length) {
            files.reset_method = fn.resetMethods.join(" ");
            files.reset = "";
        }
        if ((fn.classCode >> 16) === 0x03)
            files.boot_vga = fn.bootVga ? "1" : "0";
        if (fn.sriovTotalVfs) {
            files.sriov_totalvfs = String(fn.sriovTotalVfs);
            files.sriov_numvfs = String(fn.vfs?.length ?? 0);
            files.sriov_drivers_autoprobe = fn.autoprobe === false ? "0" : "1";
        }
        for (const [name, value] of Object.entries(files))
            fs.writeFileSync(path.join(dir, name), value + "\n");
        fs.writeFileSync(path.join(dir, "config"), configSpace(fn));

        link(dir, path.join(root, "bus/pci/devices", fn.address));
        if (fn.driver) {
            const drvDir = driverDir(root, fn.driver);
            link(drvDir, path.join(dir, "driver"));
            link(dir, path.join(drvDir, fn.address));
        }
        if (fn.iommuGroup !== undefined) {
            const groupDir = path.join(root, "kernel/iommu_groups", String(fn.iommuGroup));
            fs.mkdirSync(path.join(groupDir, "devices"), { recursive: true });
            link(groupDir, path.join(dir, "iommu_group"));
            link(dir, path.join(groupDir, "devices", fn.address));
        }
        if (fn.physfn)
            link(functionDir(root, fns, fn.physfn), path.join(dir, "physfn"));
        fn.vfs?.forEach((vf, i) => link(functionDir(root, fns, vf), path.join(dir, `virtfn${i}`)));
        for (const ifname of fn.net ?? []) {
            const netDir = path.join(dir, "net", ifname);
            fs.mkdirSync(netDir, { recursive: true });
            link(netDir, path.join(root, "class/net", ifname));
            // Every device directory links its class; incremental reads find net/block devices by it.
            link(path.join(root, "class/net"), path.join(netDir, "subsystem"));
        }
        for (const disk of fn.block ?? []) {
            const diskDir = path.join(dir, "host0/target0:0:0/0:0:0:0/block", disk);
            fs.mkdirSync(path.join(diskDir, `${disk}1`), { recursive: true });
            link(diskDir, path.join(root, "class/block", disk));
            link(path.join(diskDir, `${disk}1`), path.join(root, "class/block", `${disk}1`));
            link(path.join(root, "class/block"), path.join(diskDir, "subsystem"));
            link(path.join(root, "class/block"), path.join(diskDir, `${disk}1`, "subsystem"));
        }
    }
    fs.mkdirSync(path.join(root, "class/net"), { recursive: true });
    fs.mkdirSync(path.join(root, "class/block"), { recursive: true });
}
