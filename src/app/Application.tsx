/* The page: host readiness on top, then the PCI inventory. */

import { useMemo } from "react";
import {
    Alert, Card, CardBody, CardHeader, CardTitle, Page, PageSection, Spinner, Stack, StackItem, Title,
} from "@patternfly/react-core";
import cockpit from "cockpit";

import { WithDialogs } from "../../pkg/lib/dialogs.tsx";
import { useSuperuser } from "../../pkg/lib/superuser.ts";
import { analyzeHostUsage } from "../model/host-usage.ts";
import { inventoryRows } from "../model/inventory.ts";
import { iommuGroups } from "../model/iommu-groups.ts";
import { DeviceTable } from "./DeviceTable.tsx";
import { ReadinessCard } from "./ReadinessCard.tsx";
import { useHostSnapshot } from "./useHostSnapshot.ts";
import { usePciIds } from "./usePciIds.ts";
import { useReadiness } from "./useReadiness.ts";
import { useUsageFacts } from "./useUsageFacts.ts";

const _ = cockpit.gettext;

export const Application = () => {
    const superuser = useSuperuser();
    const [state, refreshSnapshot] = useHostSnapshot();
    const [readiness, refreshReadiness] = useReadiness(superuser);
    const usageFacts = useUsageFacts();
    const pciIds = usePciIds();

    const snapshot = state.status === "ready" ? state.snapshot : null;
    const rows = useMemo(() => snapshot ? inventoryRows(snapshot, pciIds) : [], [snapshot, pciIds]);
    const groups = useMemo(() => snapshot ? iommuGroups(snapshot) : new Map(), [snapshot]);
    const usage = useMemo(() => snapshot && usageFacts ? analyzeHostUsage(snapshot, usageFacts) : new Map(),
                          [snapshot, usageFacts]);

    const refreshAll = () => { refreshReadiness(); refreshSnapshot() };

    return (
        <WithDialogs>
            <Page>
                <PageSection variant="light">
                    <Title headingLevel="h1">{_("Device passthrough")}</Title>
                </PageSection>
                <PageSection>
                    <Stack hasGutter>
                        <StackItem>
                            <ReadinessCard state={readiness} superuser={superuser} extraChecks={[]} onChanged={refreshAll} />
                        </StackItem>
                        <StackItem>
                            <Card id="pci-devices">
                                <CardHeader><CardTitle component="h2">{_("PCI devices")}</CardTitle></CardHeader>
                                <CardBody>
                                    {state.status === "loading" && <Spinner aria-label={_("Reading PCI devices")} />}
                                    {state.status === "error" &&
                                        <Alert variant="danger" isInline title={_("Could not read the PCI devices")}>
                                            {state.message}
                                        </Alert>}
                                    {state.status === "ready" && <DeviceTable rows={rows} usage={usage} groups={groups} />}
                                </CardBody>
                            </Card>
                        </StackItem>
                    </Stack>
                </PageSection>
            </Page>
        </WithDialogs>
    );
};
