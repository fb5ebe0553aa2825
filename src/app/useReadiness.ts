// SPDX-License-Identifier: LGPL-2.1-or-later
/* Readiness facts, re-read when administrative access changes (dmesg needs it)
 * and after a fix is applied. */

import { useCallback, useEffect, useState } from "react";
import { readReadinessFacts } from "../host/readiness-reader.ts";
import type { ReadinessFacts } from "../model/readiness.ts";

export type ReadinessState =
    | { status: "loading" }
    | { status: "error"; message: string }
    | { status: "ready"; facts: ReadinessFacts };

export function useReadiness(superuser: boolean | null): [ReadinessState, () => Promise<void>] {
    const [state, setState] = useState<ReadinessState>({ status: "loading" });
    const refresh = useCallback(async () => {
        if (superuser === null)
            return;
        try {
            setState({ status: "ready", facts: await readReadinessFacts(superuser) });
        } catch (ex) {
            setState({ status: "error", message: (ex as { message?: string }).message ?? String(ex) });
        }
    }, [superuser]);
    useEffect(() => { refresh() }, [refresh]);
    return [state, refresh];
}
