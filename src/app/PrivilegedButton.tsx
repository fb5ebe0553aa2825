// SPDX-License-Identifier: LGPL-2.1-or-later
/* A button for an action that needs administrative access: in limited access
 * it stays visible but disabled, and says why (tooltip and aria-description). */

import type { ComponentProps } from "react";
import { Button, Tooltip } from "@patternfly/react-core";
import cockpit from "cockpit";

const _ = cockpit.gettext;

type Props = ComponentProps<typeof Button> & {
    superuser: boolean | null;
    /** Another reason the action is unavailable (shown the same way). */
    disabledReason?: string | null;
};

export const PrivilegedButton = ({ superuser, disabledReason, children, ...props }: Props) => {
    const reason = disabledReason ?? (superuser ? null : _("Administrative access is required"));
    if (!reason)
        return <Button {...props}>{children}</Button>;
    return (
        <Tooltip content={reason}>
            <Button {...props} isAriaDisabled data-disabled-reason={reason}>{children}</Button>
        </Tooltip>
    );
};
