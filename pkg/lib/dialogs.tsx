// SPDX-License-Identifier: LGPL-2.1-or-later
/* One dialog at a time, opened from anywhere (like cockpit's pkg/lib/dialogs):
 *   const Dialogs = useDialogs();
 *   Dialogs.show(<PrepareDialog ... />);   // the dialog calls Dialogs.close()
 */

import { createContext, useContext, useMemo, useState, type ReactNode } from "react";

export interface DialogsApi {
    show(dialog: ReactNode): void;
    close(): void;
    isActive(): boolean;
}

const DialogsContext = createContext<DialogsApi | null>(null);

export function useDialogs(): DialogsApi {
    const api = useContext(DialogsContext);
    if (!api)
        throw new Error("useDialogs() outside <WithDialogs>");
    return api;
}

export const WithDialogs = ({ children }: { children: ReactNode }) => {
    const [dialog, setDialog] = useState<ReactNode>(null);
    const api = useMemo<DialogsApi>(() => ({
        show: d => setDialog(d),
        close: () => setDialog(null),
        isActive: () => dialog !== null,
    }), [dialog]);
    return (
        <DialogsContext.Provider value={api}>
            {children}
            {dialog}
        </DialogsContext.Provider>
    );
};
