/* The PCI inventory: every function the host has, sortable and filterable. */

import { useMemo, useState } from "react";
import {
    EmptyState, EmptyStateBody, EmptyStateHeader, FormSelect, FormSelectOption, Pagination,
    SearchInput, Toolbar, ToolbarContent, ToolbarItem,
} from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr, type ThProps } from "@patternfly/react-table";
import cockpit from "cockpit";

import { filterRows, sortRows, type InventoryRow, type SortColumn } from "../model/inventory.ts";
import { CATEGORIES, type DeviceCategory } from "../model/pci-class.ts";

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
];

function sriovText(row: InventoryRow): string {
    const { sriov, physfn } = row.fn;
    if (sriov)
        return cockpit.format(_("$0 of $1 VFs"), sriov.numVfs, sriov.totalVfs);
    if (physfn)
        return cockpit.format(_("VF of $0"), physfn);
    return "";
}

const Missing = ({ text }: { text: string }) => <span className="pt-missing">{text}</span>;

export const DeviceTable = ({ rows }: { rows: InventoryRow[] }) => {
    const [search, setSearch] = useState("");
    const [category, setCategory] = useState<DeviceCategory | "all">("all");
    const [sortBy, setSortBy] = useState<{ column: SortColumn; direction: "asc" | "desc" }>({ column: "address", direction: "asc" });
    const [page, setPage] = useState(1);
    const [perPage, setPerPage] = useState(100);

    const shown = useMemo(
        () => sortRows(filterRows(rows, search, category), sortBy.column, sortBy.direction),
        [rows, search, category, sortBy]);
    const firstIndex = (page - 1) * perPage;
    const pageRows = shown.slice(firstIndex, firstIndex + perPage);

    const countText = shown.length === rows.length
        ? cockpit.format(cockpit.ngettext("$0 device", "$0 devices", rows.length), rows.length)
        : cockpit.format(_("$0 of $1 devices"), shown.length, rows.length);

    const sortParams = (column: SortColumn, index: number): ThProps["sort"] => ({
        sortBy: { index: COLUMNS.findIndex(c => c.key === sortBy.column), direction: sortBy.direction },
        onSort: (_event, _index, direction) => { setSortBy({ column, direction }); setPage(1) },
        columnIndex: index,
    });

    return (
        <>
            <Toolbar>
                <ToolbarContent>
                    <ToolbarItem>
                        <SearchInput placeholder={_("Filter by address, name, driver...")}
                                     aria-label={_("Filter devices")}
                                     value={search}
                                     onChange={(_event, value) => { setSearch(value); setPage(1) }}
                                     onClear={() => { setSearch(""); setPage(1) }} />
                    </ToolbarItem>
                    <ToolbarItem>
                        <FormSelect id="device-class-filter" aria-label={_("Device class")} value={category}
                                    onChange={(_event, value) => { setCategory(value as DeviceCategory | "all"); setPage(1) }}>
                            <FormSelectOption value="all" label={_("All classes")} />
                            {CATEGORIES.map(c => <FormSelectOption key={c} value={c} label={CATEGORY_LABELS[c]} />)}
                        </FormSelect>
                    </ToolbarItem>
                    <ToolbarItem id="device-count">{countText}</ToolbarItem>
                    <ToolbarItem variant="pagination" align={{ default: "alignRight" }}>
                        <Pagination itemCount={shown.length} perPage={perPage} page={page} isCompact
                                    onSetPage={(_event, p) => setPage(p)}
                                    onPerPageSelect={(_event, pp) => { setPerPage(pp); setPage(1) }}
                                    perPageOptions={[20, 100, 500].map(n => ({ title: String(n), value: n }))} />
                    </ToolbarItem>
                </ToolbarContent>
            </Toolbar>
            <Table aria-label={_("PCI devices")} variant="compact" id="device-table">
                <Thead>
                    <Tr>
                        {COLUMNS.map((c, i) =>
                            <Th key={c.title} sort={c.key ? sortParams(c.key, i) : undefined}>{c.title}</Th>)}
                    </Tr>
                </Thead>
                <Tbody>
                    {pageRows.map(row => (
                        <Tr key={row.address} data-address={row.address}>
                            <Td dataLabel={COLUMNS[0].title} data-field="address" className="pt-address">{row.address}</Td>
                            <Td dataLabel={COLUMNS[1].title} data-field="name">
                                {row.name} <span className="pt-ids">[{row.ids}]</span>
                            </Td>
                            <Td dataLabel={COLUMNS[2].title} data-field="class">{row.className}</Td>
                            <Td dataLabel={COLUMNS[3].title} data-field="driver">
                                {row.fn.driver ?? <Missing text={_("none")} />}
                            </Td>
                            <Td dataLabel={COLUMNS[4].title} data-field="iommu-group">
                                {row.fn.iommuGroup ?? <Missing text={_("none")} />}
                            </Td>
                            <Td dataLabel={COLUMNS[5].title} data-field="numa-node">{row.fn.numaNode ?? "-"}</Td>
                            <Td dataLabel={COLUMNS[6].title} data-field="sriov">{sriovText(row)}</Td>
                            <Td dataLabel={COLUMNS[7].title} data-field="interfaces">{row.fn.netInterfaces.join(", ")}</Td>
                        </Tr>
                    ))}
                </Tbody>
            </Table>
            {shown.length === 0 &&
                <EmptyState variant="sm">
                    <EmptyStateHeader titleText={_("No matching devices")} headingLevel="h3" />
                    <EmptyStateBody>{_("Change the filter to see more devices.")}</EmptyStateBody>
                </EmptyState>}
        </>
    );
};
