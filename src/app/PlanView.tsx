// SPDX-License-Identifier: LGPL-2.1-or-later
/* A plan in words: its steps (with their progress while it runs), its notes,
 * and the equivalent shell script, which can be copied. */

import { useState } from "react";
import {
    ClipboardCopyButton, CodeBlock, CodeBlockAction, CodeBlockCode, ExpandableSection, List, ListItem, Spinner,
    Text, TextContent,
} from "@patternfly/react-core";
import { CheckCircleIcon, ExclamationCircleIcon, UndoIcon } from "@patternfly/react-icons";
import cockpit from "cockpit";

import type { Plan } from "../model/plan.ts";
import { renderPlanScript } from "../model/plan-script.ts";
import type { Progress } from "../model/run-plan.ts";
import { gettext } from "./translate.ts";

const _ = cockpit.gettext;

/** Where a running plan is: the step being done, the rollback, or the end. */
export type RunState =
    | { phase: "idle" }
    | { phase: "running"; progress: Progress | null }
    | { phase: "finished"; failedStep: number | null; rolledBack: boolean };

function stepIcon(index: number, run: RunState) {
    if (run.phase === "running" && run.progress?.phase === "step") {
        if (index < run.progress.index)
            return <CheckCircleIcon className="pt-step-done" />;
        if (index === run.progress.index)
            return <Spinner size="sm" aria-label={_("Running")} />;
    }
    if (run.phase === "running" && run.progress?.phase === "rollback" && index >= run.progress.index)
        return <UndoIcon className="pt-step-undone" />;
    if (run.phase === "finished") {
        if (run.failedStep === null)
            return <CheckCircleIcon className="pt-step-done" />;
        if (index === run.failedStep)
            return <ExclamationCircleIcon className="pt-step-failed" />;
        if (index < run.failedStep)
            return <UndoIcon className="pt-step-undone" />;
    }
    return null;
}

export const PlanSteps = ({ plan, run }: { plan: Plan; run: RunState }) => (
    <List isPlain={false} component="ol" className="pt-plan-steps">
        {plan.steps.map((step, i) => (
            <ListItem key={i} icon={stepIcon(i, run)} data-step-purpose={step.purpose}>
                {step.description}
            </ListItem>
        ))}
    </List>
);

export const PlanNotes = ({ plan }: { plan: Plan }) => (
    <TextContent className="pt-plan-notes">
        {plan.notes.map((note, i) => <Text key={i} component="small">{note}</Text>)}
    </TextContent>
);

export const PlanScript = ({ plan }: { plan: Plan }) => {
    const [expanded, setExpanded] = useState(false);
    const [copied, setCopied] = useState(false);
    const script = renderPlanScript(plan, gettext);
    const copy = () => {
        // The Clipboard API needs a secure context; plain-http Cockpit is not one.
        const fallback = () => {
            const area = document.createElement("textarea");
            area.value = script;
            document.body.appendChild(area);
            area.select();
            setCopied(document.execCommand("copy"));
            area.remove();
        };
        if (navigator.clipboard && window.isSecureContext)
            navigator.clipboard.writeText(script).then(() => setCopied(true), fallback);
        else
            fallback();
    };
    return (
        <ExpandableSection toggleText={_("View automation script")} isExpanded={expanded}
                           onToggle={(_event, value) => setExpanded(value)} className="pt-plan-script">
            <CodeBlock actions={
                <CodeBlockAction>
                    <ClipboardCopyButton id="pt-plan-script-copy" textId="pt-plan-script-code" variant="plain"
                                         aria-label={_("Copy to clipboard")} onClick={copy}
                                         exitDelay={copied ? 1500 : 600} onTooltipHidden={() => setCopied(false)}>
                        {copied ? _("Copied") : _("Copy to clipboard")}
                    </ClipboardCopyButton>
                </CodeBlockAction>
            }>
                <CodeBlockCode id="pt-plan-script-code">{script}</CodeBlockCode>
            </CodeBlock>
        </ExpandableSection>
    );
};
