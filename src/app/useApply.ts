// SPDX-License-Identifier: LGPL-2.1-or-later
/* The one state machine of the simple dialogs (kernel arguments, load at boot,
 * assign to VM, create VM): apply once, busy meanwhile, close on success, keep
 * the dialog open with the error on failure. */

import { useState } from "react";
import { useDialogs } from "dialogs";

export interface Apply {
    busy: boolean;
    /** What the last attempt threw; null before and after a success. */
    error: unknown;
    /** Runs `action`; on success calls `onDone` and closes the dialog. */
    apply(action: () => Promise<unknown>, onDone?: () => void): void;
}

export function useApply(): Apply {
    const Dialogs = useDialogs();
    const [busy, setBusy] = useState(false);
    const [error, setError] = useState<unknown>(null);
    const apply = (action: () => Promise<unknown>, onDone?: () => void) => {
        setBusy(true);
        setError(null);
        action().then(() => {
            onDone?.();
            Dialogs.close();
        }, (ex: unknown) => {
            setError(ex);
            setBusy(false);
        });
    };
    return { busy, error, apply };
}

/** An error's message, for dialogs that show it as plain text. */
export function errorMessage(error: unknown): string {
    return (error as Error | null)?.message ?? String(error);
}
