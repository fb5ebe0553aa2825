// SPDX-License-Identifier: LGPL-2.1-or-later
/* The UI benchmark page: the real DeviceTable, fed a reader output of a
 * synthetic host, timed with performance marks. Driven by test/bench/ui-bench.ts.
 * Rows carry what PassthroughPage gives them: the kebab actions, the
 * Prepare / Return button (DeviceAction) and the VM assignment labels, for a
 * host with no VMs yet. */

import "./cockpit-stub.ts"; // must stay first: sets window.cockpit for the app modules
import "@patternfly/patternfly/patternfly-base.css";
import "../../src/app/app.css";

import { useLayoutEffect, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import type { IAction } from "@patternfly/react-table";
import { AssignmentStatus } from "../../src/app/AssignmentStatus.tsx";
import { DeviceAction } from "../../src/app/DeviceActions.tsx";
import { DeviceTable } from "../../src/app/DeviceTable.tsx";
import { indexAssignments } from "../../src/model/assignments.ts";
import { isBridge } from "../../src/model/pci-class.ts";
import { inventoryRows, type InventoryRow } from "../../src/model/inventory.ts";
import { iommuGroups } from "../../src/model/iommu-groups.ts";
import { parseSnapshot } from "../../src/model/parse-snapshot.ts";
import { parsePciIds } from "../../src/model/pci-ids.ts";

/** Resolves after the browser has painted what is in the DOM now. */
const painted = () => new Promise<void>(resolve => requestAnimationFrame(() => setTimeout(resolve, 0)));

/** Marks "committed" once React has written the first render to the DOM (before style, layout and paint). */
const Committed = ({ children }: { children: ReactNode }) => {
    useLayoutEffect(() => { performance.mark("committed") }, []);
    return children;
};

const measure = (name: string, start: string, end: string) => performance.measure(name, start, end).duration;

/* As PassthroughPage.actions with no VMs defined. */
const actions = (row: InventoryRow): IAction[] => isBridge(row.fn.classCode) ? [] : [
    ...row.fn.sriov ? [{ title: "Configure VFs", onClick: () => {} }] : [],
    { title: "Assign to VM", isAriaDisabled: true, tooltipProps: { content: "No virtual machines" }, onClick: () => {} },
];

const shownRows = () => document.querySelectorAll("#device-table tr[data-address]").length;
const countText = () => document.getElementById("device-count")?.textContent ?? "";

export interface UiTimings {
    parseAndRows: number;
    firstRender: number;
    /** Of firstRender: React and PatternFly building the DOM; the rest is style, layout and paint. */
    reactCommit: number;
    dataToFirstRender: number;
    rowsShown: number;
    count: string;
    filters: { text: string; ms: number; rowsShown: number; count: string }[];
}

async function run(readerOutput: string, pciIdsText: string, filters: string[]): Promise<UiTimings> {
    // pci.ids arrives on its own in the app (usePciIds), and so do the host
    // usage facts (empty here, as before they arrive): neither is part of
    // "data to first render". The snapshot-derived props are, as in Application.tsx.
    const pciIds = parsePciIds(pciIdsText);
    const container = document.getElementById("app")!;
    await painted();

    performance.mark("data");
    const snapshot = parseSnapshot(readerOutput);
    const rows = inventoryRows(snapshot, pciIds);
    const groups = iommuGroups(snapshot);
    const assignments = indexAssignments([], snapshot);
    performance.mark("rows");
    createRoot(container).render(
        <Committed>
            <DeviceTable rows={rows} usage={new Map()} groups={groups} actions={actions}
                         primaryAction={row => (
                             <DeviceAction fn={row.fn} onPrepare={() => {}} onReturn={() => {}} superuser={true} blocked={null} />)}
                         labels={row => [<AssignmentStatus key="vm" index={assignments} address={row.address} />]} />
        </Committed>);
    await painted();
    performance.mark("first-render");
    const result: UiTimings = {
        parseAndRows: measure("parse-and-rows", "data", "rows"),
        firstRender: measure("first-render", "rows", "first-render"),
        reactCommit: measure("react-commit", "rows", "committed"),
        dataToFirstRender: measure("data-to-first-render", "data", "first-render"),
        rowsShown: shownRows(),
        count: countText(),
        filters: [],
    };

    const input = container.querySelector<HTMLInputElement>("input[aria-label='Filter devices']");
    if (!input)
        throw new Error("the table did not render (no filter input)");
    const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")!.set!;
    for (const text of filters) {
        performance.mark(`filter-${text}`);
        setValue.call(input, text); // as typing does: React sees the input event
        input.dispatchEvent(new Event("input", { bubbles: true }));
        await painted();
        performance.mark(`filtered-${text}`);
        result.filters.push({ text, ms: measure(`filter ${text}`, `filter-${text}`, `filtered-${text}`),
            rowsShown: shownRows(), count: countText() });
    }
    return result;
}

(window as unknown as { runBench: typeof run }).runBench = run;
