/* Says when the device list is not following the host live: udevadm could
 * not start, so it is re-read every few seconds instead (issue 16). */

import { Alert } from "@patternfly/react-core";
import cockpit from "cockpit";
import type { LiveState } from "./useHostSnapshot.ts";

const _ = cockpit.gettext;

export const LiveStatus = ({ live, failure }: { live: LiveState; failure: string | null }) => {
    if (live !== "polling")
        return null;
    return (
        <Alert id="pt-live-polling" variant="info" isInline isPlain
               title={_("Changes are not followed live: the list is re-read every 5 seconds")}>
            {cockpit.format(_("udevadm monitor could not run: $0"), failure ?? "")}
        </Alert>
    );
};
