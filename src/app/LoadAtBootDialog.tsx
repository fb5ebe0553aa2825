// SPDX-License-Identifier: LGPL-2.1-or-later
/* Shows the modules-load.d file before writing it. */

import { Alert, Button, CodeBlock, CodeBlockCode, Modal, ModalVariant, Stack, StackItem } from "@patternfly/react-core";
import cockpit from "cockpit";

import { useDialogs } from "dialogs";
import { VFIO_MODULES_LOAD, VFIO_MODULES_LOAD_CONTENT, writeVfioModulesLoad } from "../host/readiness-fixes.ts";
import { errorMessage, useApply } from "./useApply.ts";

const _ = cockpit.gettext;

export const LoadAtBootDialog = ({ onDone }: { onDone: () => void }) => {
    const Dialogs = useDialogs();
    const { busy, error, apply } = useApply();
    return (
        <Modal id="load-at-boot-dialog" isOpen variant={ModalVariant.small}
               title={_("Load vfio-pci at boot")}
               onClose={Dialogs.close}
               footer={<>
                   <Button variant="primary" onClick={() => apply(writeVfioModulesLoad, onDone)} isLoading={busy} isDisabled={busy}>{_("Write file")}</Button>
                   <Button variant="link" onClick={Dialogs.close} isDisabled={busy}>{_("Cancel")}</Button>
               </>}>
            <Stack hasGutter>
                {error !== null &&
                    <StackItem><Alert variant="danger" isInline title={_("The file was not written")}>{errorMessage(error)}</Alert></StackItem>}
                <StackItem>{cockpit.format(_("systemd-modules-load reads $0 at boot:"), VFIO_MODULES_LOAD)}</StackItem>
                <StackItem><CodeBlock><CodeBlockCode>{VFIO_MODULES_LOAD_CONTENT}</CodeBlockCode></CodeBlock></StackItem>
            </Stack>
        </Modal>
    );
};
