// SPDX-License-Identifier: LGPL-2.1-or-later
/* The PCI inventory: every function the host has, sortable and filterable,
 * as a list or grouped by IOMMU group. Rows expand to DeviceDetails.
 * In the list, SR-IOV VFs sit under their PF, which opens and closes them
 * (closed at first: a PF can have hundreds). The sort orders the PFs and other
 * devices; VFs follow their PF in address order. While a filter is active,
 * matching VFs are shown even under a closed PF, and a VF whose PF does not
 * match is a row of its own. Grouped by IOMMU group, VFs are not nested (each
 * has its own group). */

import { Fragment, useMemo, useState, type ReactNode } from "react";
import {
    Button, EmptyState, EmptyStateBody, EmptyStateHeader, FormSelect, FormSelectOption, Label, LabelGroup, Pagination,
    SearchInput, ToggleGroup, ToggleGroupItem, Toolbar, ToolbarContent, ToolbarItem,
} from "@patternfly/react-core";
import { AngleDownIcon, AngleRightIcon } from "@patternfly/react-icons";
import { ActionsColumn, ExpandableRowContent, Table, Tbody, Td, Th, Thead, Tr, type IAction, type ThProps } from "@patternfly/react-table";
import cockpit from "cockpit";

import type { DeviceUsage } from "../model/host-usage.ts";
import { describeUsageReason } from "../model/host-usage.ts";
import { filterRows, nestVfs, sortRows, type DisplayRow, type InventoryRow, type SortColumn } from "../model/inventory.ts";
import type { DeviceNote } from "../model/device-notes.ts";
import type { IommuGroup } from "../model/iommu-groups.ts";
import type { PciAddress } from "../model/pci-address.ts";
import { CATEGORIES, type DeviceCategory } from "../model/pci-class.ts";
import type { PciFunction } from "../model/snapshot.ts";
import { DeviceDetails, groupViabilityText } from "./DeviceDetails.tsx";
import { gettext } from "./translate.ts";

const _ = cockpit.gettext;

const CATEGORY_LABELS: Record<DeviceCategory, string> = {
    network: _("Network"),
    storage: _("Storage"),
    display: _("Display"),
    usb: _("USB"),
    bridge: _("Bridge"),
    other: _("Other"),
};

const COLUMNS: { key: SortColumn | null; title: string }[] = [
    { key: "address", title: _("Address") },
    { key: "name", title: _("Device") },
    { key: "className", title: _("Class") },
    { key: "driver", title: _("Driver") },
    { key: "iommuGroup", title: _("IOMMU group") },
    { key: "numaNode", title: _("NUMA node") },
    { key: null, title: _("SR-IOV") },
    { key: null, title: _("Interfaces") },
    { key: null, title: _("Status") },
];
// The expand toggle comes first; sort indexes count it.
const COLUMN_OFFSET = 1;

function sriovText(row: InventoryRow): string {
    const { sriov, physfn } = row.fn;
    if (sriov)
        return cockpit.format(_("$0 of $1 VFs"), sriov.numVfs, sriov.totalVfs);
    if (physfn)
        return cockpit.format(_("VF of $0"), physfn);
    return "";
}

const Missing = ({ text }: { text: string }) => <span className="pt-missing">{text}</span>;

export interface DeviceTableProps {
    rows: InventoryRow[];
    usage: ReadonlyMap<PciAddress, DeviceUsage>;
    groups: ReadonlyMap<number, IommuGroup>;
    /** Row actions (Prepare for passthrough, ...), from the features that own them. */
    actions?: (row: InventoryRow) => IAction[];
    /** The main action button of a row (Prepare for passthrough / Return to host). */
    primaryAction?: (row: InventoryRow) => ReactNode;
    /** Extra status labels for a row (e.g. "Assigned to vm1 (running)"). */
    labels?: (row: InventoryRow) => ReactNode[];
    /** Notes for a device's details (reset, NUMA, boot display, shared group). */
    notes?: (fn: PciFunction) => DeviceNote[];
    /** A network card VF's settings in words ("" while not known); undefined for other devices. */
    vfNet?: (fn: PciFunction) => string | undefined;
    /** Opens the kernel-argument fix with these arguments (the boot display's framebuffer). */
    onKernelArgs?: ((args: string[]) => void) | undefined;
}

export const DeviceTable = ({ rows, usage, groups, actions, primaryAction, labels, notes, vfNet, onKernelArgs }: DeviceTableProps) => {
    const [search, setSearch] = useState("");
    const [category, setCategory] = useState<DeviceCategory | "all">("all");
    const [sortBy, setSortBy] = useState<{ column: SortColumn; direction: "asc" | "desc" }>({ column: "address", direction: "asc" });
    const [byGroup, setByGroup] = useState(false);
    const [expanded, setExpanded] = useState<ReadonlySet<PciAddress>>(new Set());
    const [openPfs, setOpenPfs] = useState<ReadonlySet<PciAddress>>(new Set());
    const [page, setPage] = useState(1);
    // 20 rows keep first render and filtering fast on hosts with thousands of VFs (docs/PERFORMANCE.md).
    const [perPage, setPerPage] = useState(20);

    const shown = useMemo(() => {
        const filtered = filterRows(rows, search, category);
        return byGroup ? sortRows(filtered, "iommuGroup", "asc") : sortRows(filtered, sortBy.column, sortBy.direction);
    }, [rows, search, category, sortBy, byGroup]);
    const filtering = search.trim() !== "" || category !== "all";
    const display = useMemo((): DisplayRow[] => byGroup
        ? shown.map(row => ({ row, nested: false, vfCount: 0 }))
        : nestVfs(shown, openPfs, filtering), [shown, byGroup, openPfs, filtering]);
    const firstIndex = (page - 1) * perPage;
    const pageRows = display.slice(firstIndex, firstIndex + perPage);

    const countText = shown.length === rows.length
        ? cockpit.format(cockpit.ngettext("$0 device", "$0 devices", rows.length), rows.length)
        : cockpit.format(_("$0 of $1 devices"), shown.length, rows.length);

    const sortParams = (column: SortColumn, index: number): ThProps["sort"] | undefined => byGroup ? undefined : {
        sortBy: { index: COLUMNS.findIndex(c => c.key === sortBy.column) + COLUMN_OFFSET, direction: sortBy.direction },
        onSort: (_event, _index, direction) => { setSortBy({ column, direction }); setPage(1) },
        columnIndex: index + COLUMN_OFFSET,
    };
    const toggle = (address: PciAddress) => {
        const next = new Set(expanded);
        if (!next.delete(address))
            next.add(address);
        setExpanded(next);
    };
    const togglePf = (address: PciAddress) => {
        const next = new Set(openPfs);
        if (!next.delete(address))
            next.add(address);
        setOpenPfs(next);
    };
    const resetPage = () => setPage(1);

    const sriovCell = ({ row, vfCount }: DisplayRow) => {
        if (vfCount === 0 || filtering)
            return sriovText(row);
        const open = openPfs.has(row.address);
        return (
            <Button variant="link" isInline data-action="toggle-vfs" aria-expanded={open}
                    aria-label={cockpit.format(open ? _("Hide the VFs of $0") : _("Show the VFs of $0"), row.address)}
                    icon={open ? <AngleDownIcon /> : <AngleRightIcon />} onClick={() => togglePf(row.address)}>
                {sriovText(row)}
            </Button>
        );
    };

    const renderRow = (item: DisplayRow, rowIndex: number) => {
        const { row, nested } = item;
        const u = usage.get(row.address);
        const group = row.fn.iommuGroup === null ? undefined : groups.get(row.fn.iommuGroup);
        const isExpanded = expanded.has(row.address);
        const rowActions = actions?.(row) ?? [];
        const extraLabels = labels?.(row) ?? [];
        return (
            <Tbody key={row.address} isExpanded={isExpanded}>
                <Tr data-address={row.address} data-driver={row.fn.driver ?? ""}
                    data-physfn={nested ? row.fn.physfn ?? undefined : undefined} {...nested && { className: "pt-vf-row" }}>
                    <Td expand={{ rowIndex, isExpanded, onToggle: () => toggle(row.address) }} />
                    <Td dataLabel={COLUMNS[0].title} data-field="address" className="pt-address">{row.address}</Td>
                    <Td dataLabel={COLUMNS[1].title} data-field="name">
                        {row.name} <span className="pt-ids">[{row.ids}]</span>
                    </Td>
                    <Td dataLabel={COLUMNS[2].title} data-field="class">{row.className}</Td>
                    <Td dataLabel={COLUMNS[3].title} data-field="driver">{row.fn.driver ?? <Missing text={_("none")} />}</Td>
                    <Td dataLabel={COLUMNS[4].title} data-field="iommu-group">{row.fn.iommuGroup ?? <Missing text={_("none")} />}</Td>
                    <Td dataLabel={COLUMNS[5].title} data-field="numa-node">{row.fn.numaNode ?? "-"}</Td>
                    <Td dataLabel={COLUMNS[6].title} data-field="sriov">{sriovCell(item)}</Td>
                    <Td dataLabel={COLUMNS[7].title} data-field="interfaces">{row.fn.netInterfaces.join(", ")}</Td>
                    <Td dataLabel={COLUMNS[8].title} data-field="status">
                        <LabelGroup numLabels={4}>
                            {u && u.reasons.length > 0 &&
                                <Label color={u.refuse ? "red" : "orange"} className="pt-used-by-host"
                                       title={u.reasons.map(r => describeUsageReason(r, gettext)).join("\n")}>
                                    {_("Used by the host")}
                                </Label>}
                            {extraLabels}
                        </LabelGroup>
                        {u && u.reasons.length > 0 &&
                            <div className="pt-usage-reasons" data-field="usage-summary">
                                {u.reasons.map(r => describeUsageReason(r, gettext)).join("; ")}
                            </div>}
                    </Td>
                    <Td className="pt-row-action" data-field="action">{primaryAction?.(row)}</Td>
                    <Td isActionCell>
                        {rowActions.length > 0 && <ActionsColumn items={rowActions} />}
                    </Td>
                </Tr>
                {/* Mounted only when open: a hidden row per device doubles the cost of a page. */}
                {isExpanded &&
                    <Tr isExpanded>
                        <Td colSpan={COLUMNS.length + 3}>
                            <ExpandableRowContent>
                                <DeviceDetails fn={row.fn} usage={u} group={group} notes={notes?.(row.fn)} vfNet={vfNet?.(row.fn)}
                                               onKernelArgs={onKernelArgs} />
                            </ExpandableRowContent>
                        </Td>
                    </Tr>}
            </Tbody>
        );
    };

    const body: ReactNode[] = [];
    let lastGroup: number | null | undefined;
    pageRows.forEach((item, i) => {
        const row = item.row;
        const g = row.fn.iommuGroup;
        if (byGroup && g !== lastGroup) {
            const group = g === null ? undefined : groups.get(g);
            body.push(
                <Tbody key={`group-${g}`}>
                    <Tr className="pt-group-header" data-group={g ?? "none"}>
                        <Td colSpan={COLUMNS.length + 3}>
                            <strong>{g === null ? _("No IOMMU group") : cockpit.format(_("IOMMU group $0"), g)}</strong>
                            {group && <span className="pt-group-viability"> — {groupViabilityText(group)}</span>}
                        </Td>
                    </Tr>
                </Tbody>);
            lastGroup = g;
        }
        body.push(<Fragment key={row.address}>{renderRow(item, i)}</Fragment>);
    });

    return (
        <>
            <Toolbar>
                <ToolbarContent>
                    <ToolbarItem>
                        <SearchInput placeholder={_("Filter by address, name, driver...")}
                                     aria-label={_("Filter devices")}
                                     value={search}
                                     onChange={(_event, value) => { setSearch(value); resetPage() }}
                                     onClear={() => { setSearch(""); resetPage() }} />
                    </ToolbarItem>
                    <ToolbarItem>
                        <FormSelect id="device-class-filter" aria-label={_("Device class")} value={category}
                                    onChange={(_event, value) => { setCategory(value as DeviceCategory | "all"); resetPage() }}>
                            <FormSelectOption value="all" label={_("All classes")} />
                            {CATEGORIES.map(c => <FormSelectOption key={c} value={c} label={CATEGORY_LABELS[c]} />)}
                        </FormSelect>
                    </ToolbarItem>
                    <ToolbarItem>
                        <ToggleGroup aria-label={_("View")}>
                            <ToggleGroupItem text={_("List")} buttonId="view-list" isSelected={!byGroup}
                                             onChange={() => { setByGroup(false); resetPage() }} />
                            <ToggleGroupItem text={_("Group by IOMMU group")} buttonId="view-groups" isSelected={byGroup}
                                             onChange={() => { setByGroup(true); resetPage() }} />
                        </ToggleGroup>
                    </ToolbarItem>
                    <ToolbarItem id="device-count">{countText}</ToolbarItem>
                    <ToolbarItem variant="pagination" align={{ default: "alignRight" }}>
                        <Pagination itemCount={display.length} perPage={perPage} page={page} isCompact
                                    onSetPage={(_event, p) => setPage(p)}
                                    onPerPageSelect={(_event, pp) => { setPerPage(pp); resetPage() }}
                                    perPageOptions={[20, 100, 500].map(n => ({ title: String(n), value: n }))} />
                    </ToolbarItem>
                </ToolbarContent>
            </Toolbar>
            <div className="pt-table-scroll">
            <Table aria-label={_("PCI devices")} variant="compact" id="device-table">
                <Thead>
                    <Tr>
                        <Th screenReaderText={_("Details")} />
                        {COLUMNS.map((c, i) => {
                            const sort = c.key ? sortParams(c.key, i) : undefined;
                            return <Th key={c.title} modifier="wrap" {...sort && { sort }}>{c.title}</Th>;
                        })}
                        <Th screenReaderText={_("Action")} />
                        <Th screenReaderText={_("More actions")} />
                    </Tr>
                </Thead>
                {body}
            </Table>
            </div>
            {shown.length === 0 &&
                <EmptyState variant="sm">
                    <EmptyStateHeader titleText={_("No matching devices")} headingLevel="h3" />
                    <EmptyStateBody>{_("Change the filter to see more devices.")}</EmptyStateBody>
                </EmptyState>}
        </>
    );
};
