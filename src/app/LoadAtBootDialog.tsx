// SPDX-License-Identifier: LGPL-2.1-or-later
/* Shows the modules-load.d file before writing it. */

import { useState } from "react";
import { Alert, Button, CodeBlock, CodeBlockCode, Modal, ModalVariant, Stack, StackItem } from "@patternfly/react-core";
import cockpit from "cockpit";

import { useDialogs } from "dialogs";
import { VFIO_MODULES_LOAD, VFIO_MODULES_LOAD_CONTENT, writeVfioModulesLoad } from "../host/readiness-fixes.ts";

const _ = cockpit.gettext;

export const LoadAtBootDialog = ({ onDone }: { onDone: () => void }) => {
    const Dialogs = useDialogs();
    const [busy, setBusy] = useState(false);
    const [error, setError] = useState<string | null>(null);
    const apply = () => {
        setBusy(true);
        writeVfioModulesLoad()
                .then(() => { Dialogs.close(); onDone() })
                .catch(ex => { setError(ex.message ?? String(ex)); setBusy(false) });
    };
    return (
        <Modal id="load-at-boot-dialog" isOpen variant={ModalVariant.small}
               title={_("Load vfio-pci at boot")}
               onClose={Dialogs.close}
               footer={<>
                   <Button variant="primary" onClick={apply} isLoading={busy} isDisabled={busy}>{_("Write file")}</Button>
                   <Button variant="link" onClick={Dialogs.close} isDisabled={busy}>{_("Cancel")}</Button>
               </>}>
            <Stack hasGutter>
                {error && <StackItem><Alert variant="danger" isInline title={_("The file was not written")}>{error}</Alert></StackItem>}
                <StackItem>{cockpit.format(_("systemd-modules-load reads $0 at boot:"), VFIO_MODULES_LOAD)}</StackItem>
                <StackItem><CodeBlock><CodeBlockCode>{VFIO_MODULES_LOAD_CONTENT}</CodeBlockCode></CodeBlock></StackItem>
            </Stack>
        </Modal>
    );
};
