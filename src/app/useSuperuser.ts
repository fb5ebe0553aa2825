// SPDX-License-Identifier: LGPL-2.1-or-later
/* Whether this session has administrative access (Cockpit's "Limited access"
 * toggle): Cockpit's one `superuser` object, shared by every component, so the
 * page watches the permission once. null while Cockpit has not answered yet. */

import type { EventMap, EventSource } from "cockpit";
import { useEvent } from "hooks";
import { superuser } from "superuser";

// superuser.js is plain JS: cockpit.event_target() adds the listener methods at
// run time, which its inferred type does not show.
const source = superuser as typeof superuser & EventSource<EventMap>;

export function useSuperuser(): boolean | null {
    useEvent(source, "changed");
    return source.allowed;
}
