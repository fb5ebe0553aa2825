/* What a VM's definition says about its memory and placement: how much memory
 * VFIO will pin, on which NUMA nodes, and whether it has a virtual IOMMU. */

import { listPciHostdevs, parseXml } from "./domain-xml.ts";

export interface VmResources {
    /** <memory>, in KiB; null when absent or unreadable. */
    memoryKiB: number | null;
    /** <numatune><memory nodeset=...>: the host nodes the memory comes from; null when not pinned. */
    numaNodes: number[] | null;
    /** <devices><iommu>: each passed-through device may pin the memory again. */
    viommu: boolean;
    hostdevCount: number;
}

const UNIT_KIB: Record<string, number> = {
    b: 1 / 1024, bytes: 1 / 1024, k: 1, kib: 1, kb: 1000 / 1024, m: 1024, mib: 1024, mb: 1e6 / 1024,
    g: 1024 ** 2, gib: 1024 ** 2, gb: 1e9 / 1024, t: 1024 ** 3, tib: 1024 ** 3, tb: 1e12 / 1024,
};

/** libvirt's nodeset syntax: "0-3,^2,5". null when it cannot be read. */
export function parseNodeset(text: string): number[] | null {
    const take = new Set<number>();
    const drop = new Set<number>();
    for (const part of text.split(",").map(p => p.trim()).filter(Boolean)) {
        const m = /^(\^?)(\d+)(?:-(\d+))?$/.exec(part);
        if (!m)
            return null;
        const from = Number(m[2]);
        const to = m[3] === undefined ? from : Number(m[3]);
        if (to < from || to - from > 4096)
            return null;
        for (let n = from; n <= to; n++)
            (m[1] ? drop : take).add(n);
    }
    const nodes = [...take].filter(n => !drop.has(n)).sort((a, b) => a - b);
    return nodes.length > 0 ? nodes : null;
}

export function vmResources(xml: string): VmResources {
    const root = parseXml(xml).documentElement;
    const child = (parent: Element | null, name: string): Element | null => {
        for (let n = parent?.firstChild ?? null; n; n = n.nextSibling)
            if (n.nodeType === 1 && (n as Element).tagName === name)
                return n as Element;
        return null;
    };
    const memory = child(root, "memory");
    let memoryKiB: number | null = null;
    if (memory) {
        const value = Number((memory.textContent ?? "").trim());
        const factor = UNIT_KIB[(memory.getAttribute("unit") ?? "KiB").toLowerCase()];
        if (Number.isFinite(value) && factor !== undefined)
            memoryKiB = Math.round(value * factor);
    }
    const nodeset = child(child(root, "numatune"), "memory")?.getAttribute("nodeset");
    return {
        memoryKiB,
        numaNodes: nodeset ? parseNodeset(nodeset) : null,
        viommu: child(child(root, "devices"), "iommu") !== null,
        hostdevCount: listPciHostdevs(xml).length,
    };
}
