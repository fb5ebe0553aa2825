// SPDX-License-Identifier: LGPL-2.1-or-later
/* Whether this session has administrative access (Cockpit's "Limited access"
 * toggle). Writes are offered only when it does; the page reads everything either way. */

import { useEffect, useState } from "react";
import cockpit from "cockpit";

/** null while Cockpit has not answered yet. */
export function useSuperuser(): boolean | null {
    const [allowed, setAllowed] = useState<boolean | null>(null);
    useEffect(() => {
        const permission = cockpit.permission({ admin: true });
        const update = () => setAllowed(permission.allowed);
        permission.addEventListener("changed", update);
        update();
        return () => {
            permission.removeEventListener("changed", update);
            permission.close();
        };
    }, []);
    return allowed;
}
