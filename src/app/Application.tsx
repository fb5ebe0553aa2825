/* The page: host readiness on top (later), then the PCI inventory. */

import { useMemo } from "react";
import {
    Alert, Card, CardBody, CardHeader, CardTitle, Page, PageSection, Spinner, Title,
} from "@patternfly/react-core";
import cockpit from "cockpit";

import { DeviceTable } from "./DeviceTable.tsx";
import { useHostSnapshot } from "./useHostSnapshot.ts";
import { usePciIds } from "./usePciIds.ts";
import { inventoryRows } from "../model/inventory.ts";

const _ = cockpit.gettext;

export const Application = () => {
    const [state] = useHostSnapshot();
    const pciIds = usePciIds();
    const rows = useMemo(
        () => state.status === "ready" ? inventoryRows(state.snapshot, pciIds) : [],
        [state, pciIds]);

    return (
        <Page>
            <PageSection variant="light">
                <Title headingLevel="h1">{_("Device passthrough")}</Title>
            </PageSection>
            <PageSection>
                <Card id="pci-devices">
                    <CardHeader><CardTitle component="h2">{_("PCI devices")}</CardTitle></CardHeader>
                    <CardBody>
                        {state.status === "loading" && <Spinner aria-label={_("Reading PCI devices")} />}
                        {state.status === "error" &&
                            <Alert variant="danger" isInline title={_("Could not read the PCI devices")}>
                                {state.message}
                            </Alert>}
                        {state.status === "ready" && <DeviceTable rows={rows} />}
                    </CardBody>
                </Card>
            </PageSection>
        </Page>
    );
};
