// SPDX-License-Identifier: LGPL-2.1-or-later
/* Shows the exact bootloader change for the kernel arguments, then applies it. */

import { Alert, Button, CodeBlock, CodeBlockCode, Modal, ModalVariant, Stack, StackItem } from "@patternfly/react-core";
import cockpit from "cockpit";

import { useDialogs } from "dialogs";
import { applyKernelArgs } from "../host/readiness-fixes.ts";
import { DEFAULT_GRUB, grubbyArgv, lineDiff } from "../model/kernel-args.ts";
import type { Fix } from "../model/readiness.ts";
import { errorMessage, useApply } from "./useApply.ts";

const _ = cockpit.gettext;

type KernelArgsFix = Extract<Fix, { kind: "kernel-args" }>;

export const KernelArgsDialog = ({ fix, currentDefaultGrub, onDone }: {
    fix: KernelArgsFix;
    currentDefaultGrub: string | null;
    onDone: () => void;
}) => {
    const Dialogs = useDialogs();
    const { busy, error, apply } = useApply();

    let change: string;
    if (fix.bootloader.kind === "grubby") {
        change = "# " + _("Run for every installed kernel:") + "\n" + grubbyArgv(fix.args).map(a => a.includes(" ") ? `'${a}'` : a).join(" ");
    } else if (fix.bootloader.kind === "grub-default" && fix.newDefaultGrub !== null) {
        change = `# ${DEFAULT_GRUB}\n` + lineDiff(currentDefaultGrub ?? "", fix.newDefaultGrub).join("\n") +
            "\n\n# " + _("then regenerate the GRUB configuration:") + "\n" + fix.bootloader.mkconfig.join(" ");
    } else {
        change = "";
    }

    return (
        <Modal id="kernel-args-dialog" isOpen variant={ModalVariant.medium}
               title={_("Add kernel arguments")}
               onClose={Dialogs.close}
               footer={<>
                   <Button variant="primary" onClick={() => apply(() => applyKernelArgs(fix.args), onDone)} isLoading={busy} isDisabled={busy}>{_("Apply")}</Button>
                   <Button variant="link" onClick={Dialogs.close} isDisabled={busy}>{_("Cancel")}</Button>
               </>}>
            <Stack hasGutter>
                {error !== null &&
                    <StackItem>
                        <Alert variant="danger" isInline title={_("The bootloader configuration was not changed")}>{errorMessage(error)}</Alert>
                    </StackItem>}
                <StackItem>{cockpit.format(_("Adds $0 for every installed kernel. They take effect after a reboot."), fix.args.join(" "))}</StackItem>
                <StackItem>
                    <CodeBlock><CodeBlockCode id="kernel-args-change">{change}</CodeBlockCode></CodeBlock>
                </StackItem>
            </Stack>
        </Modal>
    );
};
