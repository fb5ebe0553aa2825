// SPDX-License-Identifier: LGPL-2.1-or-later
/* "Host readiness": can this host pass devices through, why not, and the fixes. */

import { useState, type ReactNode } from "react";
import {
    Alert, Card, CardBody, CardHeader, CardTitle, CodeBlock, CodeBlockCode, ExpandableSection,
    Flex, FlexItem, Label, Spinner, Stack, StackItem,
} from "@patternfly/react-core";
import {
    CheckCircleIcon, ExclamationCircleIcon, ExclamationTriangleIcon, InfoCircleIcon, OutlinedQuestionCircleIcon,
} from "@patternfly/react-icons";
import cockpit from "cockpit";

import { useDialogs } from "dialogs";
import { PrivilegedButton } from "./PrivilegedButton.tsx";
import { loadVfio } from "../host/readiness-fixes.ts";
import { readinessChecks, verdict, type Check, type CheckStatus, type Fix } from "../model/readiness.ts";
import { KernelArgsDialog } from "./KernelArgsDialog.tsx";
import { LoadAtBootDialog } from "./LoadAtBootDialog.tsx";
import { gettext } from "./translate.ts";
import type { ReadinessState } from "./useReadiness.ts";

const _ = cockpit.gettext;

const STATUS_ICONS: Record<CheckStatus, ReactNode> = {
    ok: <CheckCircleIcon color="var(--pf-v5-global--success-color--100)" />,
    warning: <ExclamationTriangleIcon color="var(--pf-v5-global--warning-color--100)" />,
    error: <ExclamationCircleIcon color="var(--pf-v5-global--danger-color--100)" />,
    reboot: <InfoCircleIcon color="var(--pf-v5-global--info-color--100)" />,
    unknown: <OutlinedQuestionCircleIcon />,
};

/** Extra rows (libvirt) are checks judged elsewhere but shown here. */
export interface ExtraCheck {
    id: string;
    title: string;
    status: CheckStatus;
    summary: string;
    evidence: string[];
    advice: string | null;
}

const FixButton = ({ fix, superuser, defaultGrub, onChanged }: {
    fix: Fix; superuser: boolean | null; defaultGrub: string | null; onChanged: () => void;
}) => {
    const Dialogs = useDialogs();
    const [busy, setBusy] = useState(false);
    const [error, setError] = useState<string | null>(null);
    switch (fix.kind) {
    case "load-vfio":
        return (
            <>
                <PrivilegedButton superuser={superuser} variant="secondary" size="sm" id="load-vfio-now" isLoading={busy}
                                  onClick={() => {
                                      setBusy(true);
                                      setError(null);
                                      loadVfio().then(onChanged, ex => setError(ex.message))
                                              .finally(() => setBusy(false));
                                  }}>
                    {_("Load now")}
                </PrivilegedButton>
                {error && <Alert variant="danger" isInline isPlain title={cockpit.format(_("modprobe failed: $0"), error)} />}
            </>
        );
    case "load-vfio-at-boot":
        return (
            <PrivilegedButton superuser={superuser} variant="secondary" size="sm" id="load-vfio-at-boot"
                              onClick={() => Dialogs.show(<LoadAtBootDialog onDone={onChanged} />)}>
                {_("Load at boot")}
            </PrivilegedButton>
        );
    case "kernel-args":
        return (
            <PrivilegedButton superuser={superuser} variant="secondary" size="sm" id="fix-kernel-args"
                              onClick={() => Dialogs.show(
                                  <KernelArgsDialog fix={fix} currentDefaultGrub={defaultGrub} onDone={onChanged} />)}>
                {_("Add kernel arguments")}
            </PrivilegedButton>
        );
    }
};

const CheckRow = ({ check, fixes }: { check: Check | ExtraCheck; fixes: ReactNode }) => {
    const [expanded, setExpanded] = useState(false);
    return (
        <Flex className="pt-check" data-check={check.id} data-status={check.status} flexWrap={{ default: "nowrap" }}
              alignItems={{ default: "alignItemsFlexStart" }}>
            <FlexItem className="pt-check-icon">{STATUS_ICONS[check.status]}</FlexItem>
            <FlexItem grow={{ default: "grow" }}>
                <Stack>
                    <StackItem>
                        <strong>{check.title}</strong>: <span className="pt-check-summary">{check.summary}</span>
                    </StackItem>
                    {check.advice && <StackItem className="pt-check-advice">{check.advice}</StackItem>}
                    {check.evidence.length > 0 &&
                        <StackItem>
                            <ExpandableSection toggleText={_("Evidence")} isExpanded={expanded}
                                               onToggle={(_event, value) => setExpanded(value)}>
                                <CodeBlock><CodeBlockCode className="pt-check-evidence">{check.evidence.join("\n")}</CodeBlockCode></CodeBlock>
                            </ExpandableSection>
                        </StackItem>}
                    {fixes && <StackItem><Flex>{fixes}</Flex></StackItem>}
                </Stack>
            </FlexItem>
        </Flex>
    );
};

export const ReadinessCard = ({ state, superuser, extraChecks, onChanged }: {
    state: ReadinessState;
    superuser: boolean | null;
    extraChecks: ExtraCheck[];
    onChanged: () => void;
}) => {
    let body: ReactNode;
    let summary: ReactNode = null;
    if (state.status === "loading") {
        body = <Spinner size="md" aria-label={_("Checking the host")} />;
    } else if (state.status === "error") {
        body = <Alert variant="danger" isInline title={_("Could not check the host")}>{state.message}</Alert>;
    } else {
        const checks = readinessChecks(state.facts, gettext);
        const v = verdict([...checks, ...extraChecks]);
        summary = v.kind === "ready"
            ? <Label color="green" id="readiness-verdict">{_("Ready")}</Label>
            : v.kind === "ready-after-reboot"
                ? <Label color="blue" id="readiness-verdict">{_("Ready after reboot")}</Label>
                : <Label color="red" id="readiness-verdict">
                    {_("Not ready")} ({cockpit.format(cockpit.ngettext("$0 problem", "$0 problems", v.problems), v.problems)})
                </Label>;
        body = (
            <Stack hasGutter>
                {superuser === false &&
                    <Alert variant="info" isInline title={_("Fixes need administrative access")}>
                        {_("Everything is shown, but the kernel log and the fixes need administrative access. Use the \"Limited access\" button at the top of the page to switch.")}
                    </Alert>}
                {checks.map(check =>
                    <CheckRow key={check.id} check={check}
                              fixes={check.fixes.length > 0 &&
                                  check.fixes.map(fix => <FixButton key={fix.kind} fix={fix} superuser={superuser}
                                                                    defaultGrub={state.facts.defaultGrub} onChanged={onChanged} />)} />)}
                {extraChecks.map(check => <CheckRow key={check.id} check={check} fixes={null} />)}
            </Stack>
        );
    }
    return (
        <Card id="host-readiness">
            <CardHeader>
                <Flex alignItems={{ default: "alignItemsCenter" }}>
                    <CardTitle component="h2">{_("Host readiness")}</CardTitle>
                    {summary}
                </Flex>
            </CardHeader>
            <CardBody>{body}</CardBody>
        </Card>
    );
};
