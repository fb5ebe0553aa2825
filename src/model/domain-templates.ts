// SPDX-License-Identifier: LGPL-2.1-or-later
/* Starting points for "Create VM from XML".
 *
 * The StratoVirt ones follow the layout of StratoVirt's docs/stratovirt_x86.xml
 * and docs/stratovirt_aarch64.xml: type='kvm', direct kernel boot, <acpi/>
 * (StratoVirt's standard VM needs it), a pcie-root bus with pcie-root-port
 * controllers for the devices, and the StratoVirt binary as emulator. Paths
 * are placeholders the user must replace; placeholders() lists what is left.
 *
 * The QEMU one boots nothing on its own (no disk), which is enough to hold
 * passthrough devices; type='qemu' runs without KVM (nested test guests),
 * type='kvm' is the normal choice. The USB controller and balloon are turned
 * off so that all root ports stay free for hot plug. */

import type { Connection } from "./assignments.ts";
import { N_ } from "./translate.ts";

export type TemplateId = "stratovirt-x86_64" | "stratovirt-aarch64" | "qemu-kvm-x86_64" | "qemu-kvm-aarch64" | "qemu-emulated-x86_64" | "qemu-emulated-aarch64";

export interface DomainTemplate {
    id: TemplateId;
    /** English label, marked with N_(); the UI translates it. */
    label: string;
    connection: Connection;
    build(name: string): string;
}

/** Root ports the templates provide: each takes one device (or one multifunction card). */
export const TEMPLATE_ROOT_PORTS = 6;

/** Text for an XML element body. */
function escapeXml(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
            .replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/** Root ports start at bus 1; `first` skips buses the template already uses for its own devices. */
function rootPorts(count: number, first = 1): string[] {
    const lines: string[] = [];
    for (let i = 0; i < count; i++)
        lines.push(`    <controller type='pci' index='${first + i}' model='pcie-root-port'/>`);
    return lines;
}

const PLACEHOLDER_RE = /\/path\/to\/[^<'"\s]*/g;

/** The /path/to/... placeholders still in an XML, so the dialog can say what to fill in. */
export function placeholders(xml: string): string[] {
    return [...new Set(xml.match(PLACEHOLDER_RE) ?? [])];
}

function stratovirt(name: string, arch: "x86_64" | "aarch64"): string {
    const x86 = arch === "x86_64";
    // x86 (q35): the block device sits on the first root port as in the upstream example;
    // aarch64 (virt): on the root bus, as upstream, and the root ports are all free.
    return [
        `<domain type='kvm'>`,
        `  <name>${escapeXml(name)}</name>`,
        `  <memory unit='GiB'>2</memory>`,
        `  <vcpu>2</vcpu>`,
        `  <os>`,
        `    <type arch='${arch}' machine='${x86 ? "q35" : "virt"}'>hvm</type>`,
        `    <kernel>/path/to/standard_vm_kernel</kernel>`,
        `    <cmdline>console=${x86 ? "hvc0" : "ttyAMA0"} root=/dev/vda reboot=k panic=1 rw</cmdline>`,
        `    <loader readonly='yes' type='pflash'>/path/to/pflash</loader>`,
        ...(x86 ? [`    <nvram template='/path/to/OVMF_VARS'>/path/to/OVMF_VARS</nvram>`] : []),
        `  </os>`,
        `  <features>`,
        `    <acpi/>`,
        ...(x86 ? [] : [`    <gic version='3'/>`]),
        `  </features>`,
        `  <devices>`,
        `    <emulator>/usr/bin/stratovirt</emulator>`,
        `    <controller type='pci' index='0' model='pcie-root'/>`,
        ...rootPorts(TEMPLATE_ROOT_PORTS + (x86 ? 1 : 0)),
        `    <disk type='file' device='disk'>`,
        `      <driver name='qemu' type='raw'/>`,
        `      <source file='/path/to/rootfs'/>`,
        `      <target dev='vda' bus='virtio'/>`,
        x86 ? `      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>`
            : `      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>`,
        `    </disk>`,
        `    <console type='pty'>`,
        `      <target type='virtio' port='0'/>`,
        `    </console>`,
        `  </devices>`,
        `</domain>`,
    ].join("\n") + "\n";
}

function qemu(name: string, arch: "x86_64" | "aarch64", type: "kvm" | "qemu"): string {
    const x86 = arch === "x86_64";
    return [
        `<domain type='${type}'>`,
        `  <name>${escapeXml(name)}</name>`,
        `  <memory unit='MiB'>256</memory>`,
        `  <vcpu>1</vcpu>`,
        `  <os>`,
        `    <type arch='${arch}' machine='${x86 ? "q35" : "virt"}'>hvm</type>`,
        ...(x86 ? [] : [`    <loader readonly='yes' type='pflash'>/usr/share/AAVMF/AAVMF_CODE.fd</loader>`]),
        `  </os>`,
        `  <features>`,
        `    <acpi/>`,
        ...(x86 ? [] : [`    <gic version='3'/>`]),
        `  </features>`,
        ...(type === "kvm" ? [`  <cpu mode='host-passthrough'/>`] : []),
        // Without KVM QEMU's virt machine would default to a 32-bit Cortex-A15.
        ...(type === "qemu" && !x86 ? [`  <cpu mode='maximum'/>`] : []),
        `  <devices>`,
        `    <controller type='pci' index='0' model='pcie-root'/>`,
        ...rootPorts(TEMPLATE_ROOT_PORTS),
        `    <controller type='usb' model='none'/>`,
        `    <console type='pty'/>`,
        `    <memballoon model='none'/>`,
        `  </devices>`,
        `</domain>`,
    ].join("\n") + "\n";
}

export const DOMAIN_TEMPLATES: readonly DomainTemplate[] = [
    { id: "qemu-kvm-x86_64", label: N_("QEMU/KVM, x86_64 (q35)"), connection: "qemu", build: name => qemu(name, "x86_64", "kvm") },
    { id: "qemu-kvm-aarch64", label: N_("QEMU/KVM, aarch64 (virt)"), connection: "qemu", build: name => qemu(name, "aarch64", "kvm") },
    { id: "qemu-emulated-x86_64", label: N_("QEMU without KVM, x86_64 (q35)"), connection: "qemu", build: name => qemu(name, "x86_64", "qemu") },
    { id: "qemu-emulated-aarch64", label: N_("QEMU without KVM, aarch64 (virt)"), connection: "qemu", build: name => qemu(name, "aarch64", "qemu") },
    { id: "stratovirt-x86_64", label: N_("StratoVirt, x86_64 (q35)"), connection: "stratovirt", build: name => stratovirt(name, "x86_64") },
    { id: "stratovirt-aarch64", label: N_("StratoVirt, aarch64 (virt)"), connection: "stratovirt", build: name => stratovirt(name, "aarch64") },
];

export function templateById(id: TemplateId): DomainTemplate {
    return DOMAIN_TEMPLATES.find(t => t.id === id)!;
}
