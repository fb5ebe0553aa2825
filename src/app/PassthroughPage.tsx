// SPDX-License-Identifier: LGPL-2.1-or-later
/* The page: host readiness on top, the PCI inventory, then the VMs. Holds
 * the state every section reads, and the row actions that open dialogs. */

import { useCallback, useEffect, useMemo, useState } from "react";
import {
    Alert, Card, CardBody, CardHeader, CardTitle, Page, PageSection, Spinner, Stack, StackItem, Title,
} from "@patternfly/react-core";
import type { IAction } from "@patternfly/react-table";
import cockpit from "cockpit";

import { useDialogs } from "dialogs";
import { useSuperuser } from "./useSuperuser.ts";
import { indexAssignments } from "../model/assignments.ts";
import { deviceNotes, kernelArgsFix } from "../model/device-notes.ts";
import { analyzeHostUsage } from "../model/host-usage.ts";
import { inventoryRows, type InventoryRow } from "../model/inventory.ts";
import { iommuGroups } from "../model/iommu-groups.ts";
import type { PciAddress } from "../model/pci-address.ts";
import { isBridge } from "../model/pci-class.ts";
import { readKeptAfterReboot, hasDriverctl, type KeptAfterReboot } from "../host/persistence-reader.ts";
import { describeUsageReason, type DeviceUsage } from "../model/host-usage.ts";
import type { PciFunction } from "../model/snapshot.ts";
import { isNicVf, locateVf, vfNetText } from "../model/vf-net.ts";
import { vfUsers } from "../model/vf-plan.ts";
import { AssignDialog } from "./AssignDialog.tsx";
import { ConfigureVfsDialog } from "./ConfigureVfsDialog.tsx";
import { VfSettingsDialog } from "./VfSettingsDialog.tsx";
import { DeviceAction } from "./DeviceActions.tsx";
import { KeptAfterRebootCard } from "./KeptAfterRebootCard.tsx";
import { LiveStatus } from "./LiveStatus.tsx";
import { KernelArgsDialog } from "./KernelArgsDialog.tsx";
import { PrepareDialog, type HostUsage } from "./PrepareDialog.tsx";
import { previousDriverOf } from "../model/persistence.ts";
import { isDriverName, type DriverName } from "../model/plan.ts";
import { RecoveryAlert } from "./RecoveryAlert.tsx";
import { ReturnDialog } from "./ReturnDialog.tsx";
import { gettext } from "./translate.ts";
import { AssignmentStatus } from "./AssignmentStatus.tsx";
import { DeviceTable } from "./DeviceTable.tsx";
import { libvirtCheck } from "./libvirt-check.ts";
import { ReadinessCard } from "./ReadinessCard.tsx";
import { allDomains, useDomains, vmUseUnknownReason } from "./useDomains.ts";
import { useHostSnapshot } from "./useHostSnapshot.ts";
import { usePciIds } from "./usePciIds.ts";
import { useReadiness } from "./useReadiness.ts";
import { usageUnknownReason, useUsageFacts } from "./useUsageFacts.ts";
import { VmsCard } from "./VmsCard.tsx";

const _ = cockpit.gettext;
const asDriver = (d: string | null): DriverName | null => d !== null && isDriverName(d) ? d : null;

function toHostUsage(u: DeviceUsage | undefined): HostUsage | undefined {
    if (!u || u.reasons.length === 0)
        return undefined;
    return { reasons: u.reasons.map(r => describeUsageReason(r, gettext)), refuse: u.refuse };
}

/** What is kept after reboot (bindings, VF counts, previous drivers), and
 * whether driverctl is there to keep bindings. null until read; an error
 * message when it could not be read (then Return stays disabled). */
function usePersistence(): [KeptAfterReboot | null, string | null, boolean, () => void] {
    const [kept, setKept] = useState<KeptAfterReboot | null>(null);
    const [error, setError] = useState<string | null>(null);
    const [driverctl, setDriverctl] = useState(false);
    const refresh = useCallback(() => {
        readKeptAfterReboot().then(k => { setKept(k); setError(null) },
                                   (ex: { message?: string }) => { setKept(null); setError(ex.message ?? String(ex)) });
    }, []);
    useEffect(() => {
        refresh();
        hasDriverctl().then(setDriverctl, () => {});
    }, [refresh]);
    return [kept, error, driverctl, refresh];
}

export const PassthroughPage = () => {
    const Dialogs = useDialogs();
    const superuser = useSuperuser();
    const { state, refresh: refreshSnapshot, live, liveFailure, usageEvents } = useHostSnapshot();
    const [readiness, refreshReadiness] = useReadiness(superuser);
    const [domains, refreshDomains] = useDomains(superuser);
    const usageState = useUsageFacts(live, usageEvents);
    const usageFacts = usageState.status === "ready" ? usageState.facts : null;
    const [kept, keptError, driverctlAvailable, refreshBindings] = usePersistence();
    const bindings = kept?.bindings ?? null;
    const pciIds = usePciIds();

    const snapshot = state.status === "ready" ? state.snapshot : null;
    const rows = useMemo(() => snapshot ? inventoryRows(snapshot, pciIds) : [], [snapshot, pciIds]);
    const groups = useMemo(() => snapshot ? iommuGroups(snapshot) : new Map(), [snapshot]);
    const usage = useMemo(() => snapshot && usageFacts ? analyzeHostUsage(snapshot, usageFacts) : new Map(),
                          [snapshot, usageFacts]);
    const assignments = useMemo(() => indexAssignments(allDomains(domains), snapshot), [domains, snapshot]);
    const names = useMemo(() => new Map(rows.map(r => [r.address, r.name])), [rows]);
    const deviceName = useCallback((a: PciAddress) => names.get(a) ?? "", [names]);

    const cmdline = readiness.status === "ready" ? readiness.facts.cmdline : undefined;
    const vfNetFor = useCallback((fn: PciFunction): string | undefined => {
        if (!snapshot || !isNicVf(snapshot, fn.address))
            return undefined;
        const where = locateVf(snapshot, fn.address);
        return where.ok && where.state ? vfNetText(where.state, gettext) : "";
    }, [snapshot]);
    const notesFor = useCallback((fn: PciFunction) => snapshot ? deviceNotes(snapshot, fn, { cmdline }) : [], [snapshot, cmdline]);
    // The boot display's framebuffer arguments go through the same fix as the IOMMU arguments.
    const openKernelArgs = (args: string[]) => {
        if (readiness.status !== "ready")
            return;
        const fix = kernelArgsFix(readiness.facts, args);
        if (fix)
            Dialogs.show(<KernelArgsDialog fix={fix} currentDefaultGrub={readiness.facts.defaultGrub} onDone={refreshAll} />);
    };

    const refreshAll = () => { refreshReadiness(); refreshSnapshot() };
    const afterVmChange = () => { refreshDomains(); refreshSnapshot() };
    const afterBindingChange = () => { refreshSnapshot(); refreshBindings(); refreshReadiness() };
    const vfioLoaded = readiness.status === "ready" ? readiness.facts.vfioLoaded : false;

    // Fail closed: an action that depends on a fact the page does not know is
    // disabled, with the reason. (The executor refuses on its own too.)
    const prepareBlocked = usageUnknownReason(usageState);
    const keptUnknown = kept !== null
        ? null
        : keptError !== null
            ? cockpit.format(_("Could not read what is kept after reboot: $0"), keptError)
            : _("Reading what is kept after reboot…");
    const returnBlocked = vmUseUnknownReason(domains) ?? keptUnknown;
    const vfsBlocked = prepareBlocked ?? vmUseUnknownReason(domains);

    const openPrepare = (fn: PciFunction) => {
        if (!snapshot)
            return;
        const others = new Map<PciAddress, HostUsage>();
        for (const [a, u] of usage) {
            const h = toHostUsage(u);
            if (h && a !== fn.address)
                others.set(a, h);
        }
        Dialogs.show(
            <PrepareDialog snapshot={snapshot} address={fn.address} deviceName={deviceName(fn.address)}
                           vfioLoaded={vfioLoaded} driverctlAvailable={driverctlAvailable}
                           alreadyKept={(bindings ?? []).map(b => b.address)}
                           hostUsage={toHostUsage(usage.get(fn.address))} otherHostUsage={others}
                           onFinished={afterBindingChange} />);
    };
    const openReturn = (fn: PciFunction) => {
        if (!snapshot)
            return;
        const usedByVms = assignments.canReturnToHost(fn.address)
            ? []
            : assignments.assignments(fn.address).filter(a => a.state !== "shut off").map(a => a.domain.name);
        Dialogs.show(
            <ReturnDialog snapshot={snapshot} address={fn.address} deviceName={deviceName(fn.address)}
                          rememberedDriver={asDriver(previousDriverOf(kept?.previousDrivers ?? new Map(), fn))}
                          kept={bindings ?? []} usedByVms={usedByVms}
                          onFinished={afterBindingChange} />);
    };

    const openConfigureVfs = (fn: PciFunction) => {
        if (!snapshot)
            return;
        Dialogs.show(
            <ConfigureVfsDialog snapshot={snapshot} pf={fn.address} deviceName={deviceName(fn.address)}
                                vfioLoaded={vfioLoaded} kept={kept?.vfCounts.find(k => k.address === fn.address) ?? null}
                                users={vfUsers(snapshot, fn.address, assignments.assignments)}
                                hostUsed={(fn.sriov?.vfs ?? []).flatMap(vf => {
                                    const u = toHostUsage(usage.get(vf));
                                    return u ? [{ vf, reason: u.reasons.join(", ") }] : [];
                                })}
                                onFinished={afterBindingChange} />);
    };

    const openVfSettings = (fn: PciFunction) => {
        if (!snapshot)
            return;
        const where = locateVf(snapshot, fn.address);
        Dialogs.show(
            <VfSettingsDialog snapshot={snapshot} vf={fn.address} deviceName={deviceName(fn.address)} domains={allDomains(domains)}
                              hostInterfaces={usageFacts?.interfaces ?? []} hostUsage={toHostUsage(usage.get(fn.address))}
                              kept={where.ok ? kept?.vfSettings.find(k => k.pf === where.pf.address && k.vf === where.index) ?? null : null}
                              onFinished={afterBindingChange} />);
    };

    const actions = (row: InventoryRow): IAction[] => {
        if (!snapshot || isBridge(row.fn.classCode))
            return [];
        const noVms = allDomains(domains).length === 0;
        const vfsReason = superuser === false ? _("Administrative access is required to configure VFs.") : vfsBlocked;
        const vfSettingsReason = superuser === false
            ? _("Administrative access is required to change VF settings.")
            : snapshot.netLinks === null ? _("The network state of the VFs could not be read (ip link).") : prepareBlocked;
        return [
            ...row.fn.sriov
                ? [{
                    title: _("Configure VFs"),
                    isAriaDisabled: vfsReason !== null,
                    ...vfsReason && { tooltipProps: { content: vfsReason } },
                    onClick: () => openConfigureVfs(row.fn),
                }]
                : [],
            ...isNicVf(snapshot, row.address)
                ? [{
                    title: _("VF settings"),
                    isAriaDisabled: vfSettingsReason !== null,
                    ...vfSettingsReason && { tooltipProps: { content: vfSettingsReason } },
                    onClick: () => openVfSettings(row.fn),
                }]
                : [],
            {
                title: _("Assign to VM"),
                isAriaDisabled: noVms,
                ...noVms && { tooltipProps: { content: _("No virtual machines") } },
                onClick: () => Dialogs.show(
                    <AssignDialog domains={domains} snapshot={snapshot} deviceName={deviceName} address={row.address}
                                  hostInterfaces={usageFacts?.interfaces ?? []} onDone={afterVmChange} />),
            },
        ];
    };

    return (
        <Page>
            <PageSection variant="light">
                <Title headingLevel="h1">{_("Device passthrough")}</Title>
            </PageSection>
            <PageSection>
                <Stack hasGutter>
                    <RecoveryAlert superuser={superuser} />
                    <StackItem>
                        <ReadinessCard state={readiness} superuser={superuser} extraChecks={[libvirtCheck(domains)]}
                                       onChanged={refreshAll} />
                    </StackItem>
                    <StackItem>
                        <Card id="pci-devices" data-live={live}>
                            <CardHeader><CardTitle component="h2">{_("PCI devices")}</CardTitle></CardHeader>
                            <CardBody>
                                <LiveStatus live={live} failure={liveFailure} />
                                {state.status === "loading" && <Spinner aria-label={_("Reading PCI devices")} />}
                                {state.status === "error" &&
                                    <Alert variant="danger" isInline title={_("Could not read the PCI devices")}>
                                        {state.message}
                                    </Alert>}
                                {state.status === "ready" &&
                                    <DeviceTable rows={rows} usage={usage} groups={groups} actions={actions}
                                                 primaryAction={row => (
                                                     <DeviceAction fn={row.fn} onPrepare={openPrepare} onReturn={openReturn}
                                                                   superuser={superuser}
                                                                   blocked={row.fn.driver === "vfio-pci" ? returnBlocked : prepareBlocked} />)}
                                                 labels={row => [<AssignmentStatus key="vm" index={assignments} address={row.address} />]}
                                                 notes={notesFor} vfNet={vfNetFor}
                                                 onKernelArgs={readiness.status === "ready" && superuser !== false ? openKernelArgs : undefined} />}
                            </CardBody>
                        </Card>
                    </StackItem>
                    {snapshot &&
                        <StackItem>
                            <KeptAfterRebootCard snapshot={snapshot} bindings={bindings} vfCounts={kept?.vfCounts ?? null}
                                                 vfSettings={kept?.vfSettings ?? null}
                                                 onChanged={afterBindingChange} />
                        </StackItem>}
                    <StackItem>
                        <VmsCard domains={domains} refreshDomains={refreshDomains} snapshot={snapshot}
                                 deviceName={deviceName} onChanged={refreshSnapshot} />
                    </StackItem>
                </Stack>
            </PageSection>
        </Page>
    );
};
