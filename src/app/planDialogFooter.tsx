// SPDX-License-Identifier: LGPL-2.1-or-later
/* The footer every plan dialog shares: the primary action (disabled with its
 * reason shown beside it), Cancel, and Close once the plan has run. */

import { Button, HelperText, HelperTextItem } from "@patternfly/react-core";
import cockpit from "cockpit";

const _ = cockpit.gettext;

export function planDialogFooter({ id, label, phase, disabledReason, onStart, onClose }: {
    id: string;
    label: string;
    phase: "idle" | "running" | "finished";
    disabledReason: string | null;
    onStart: () => void;
    onClose: () => void;
}) {
    if (phase === "finished")
        return [<Button key="close" variant="primary" onClick={onClose}>{_("Close")}</Button>];
    const running = phase === "running";
    return [
        <Button key="start" variant="primary" id={id} onClick={onStart}
                isDisabled={disabledReason !== null || running} isLoading={running}>
            {label}
        </Button>,
        <Button key="cancel" variant="link" onClick={onClose} isDisabled={running}>{_("Cancel")}</Button>,
        disabledReason && !running &&
            <HelperText key="why" className="pt-disabled-reason">
                <HelperTextItem variant="indeterminate">{disabledReason}</HelperTextItem>
            </HelperText>,
    ];
}
