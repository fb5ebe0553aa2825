/* The message for a change refused because another one holds the host lock. */

import { format, type Gettext } from "./translate.ts";

/** "Another change is running on this host (started 12 s ago by admin)." */
export function busyText(seconds: number, user: string, _: Gettext): string {
    return format(_("Another change is running on this host (started $0 s ago by $1). Nothing was changed; try again when it has finished."),
                  seconds, user || _("another user"));
}
