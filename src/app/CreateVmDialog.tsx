// SPDX-License-Identifier: LGPL-2.1-or-later
/* "Create VM from XML" (the seed's workflow): paste or upload a domain XML, or
 * start from a template; pick devices to insert as hostdevs; Define
 * (persistent) or Create and start (transient, like `virsh create`). The XML is
 * checked before libvirt sees it; libvirt's refusal is shown in words. */

import { useMemo, useState } from "react";
import {
    Alert, Button, Checkbox, CodeBlock, CodeBlockCode, ExpandableSection, FileUpload, Form, FormGroup,
    FormHelperText, FormSelect, FormSelectOption, HelperText, HelperTextItem, Modal, ModalVariant, Radio, TextInput,
} from "@patternfly/react-core";
import cockpit from "cockpit";

import { useDialogs } from "dialogs";
import type { Connection } from "../model/assignments.ts";
import { DOMAIN_TEMPLATES, placeholders, templateById, type TemplateId } from "../model/domain-templates.ts";
import { checkDomainXml, hostdevXml, insertDevices, planHostdevs, type DomainXmlProblem } from "../model/domain-xml.ts";
import type { PciAddress } from "../model/pci-address.ts";
import { isBridge } from "../model/pci-class.ts";
import type { HostSnapshot } from "../model/snapshot.ts";
import { createScript } from "../model/virsh-script.ts";
import { createDomain, type CreateMode } from "../model/domains.ts";
import { LibvirtErrorAlert } from "./LibvirtErrorAlert.tsx";
import { useApply } from "./useApply.ts";
import { backendFor, type DomainsState } from "./useDomains.ts";
import { connectionText } from "./vm-text.ts";

const _ = cockpit.gettext;

export interface CreateVmDialogProps {
    domains: DomainsState;
    snapshot: HostSnapshot | null;
    deviceName: (address: PciAddress) => string;
    /** Devices ticked when the dialog opens. */
    initialDevices?: PciAddress[];
    /** After the VM exists: refresh domains. */
    onDone: () => void;
}

function problemText(p: DomainXmlProblem): string {
    switch (p.kind) {
    case "parse": return cockpit.format(_("The XML cannot be parsed: $0"), p.message);
    case "root": return cockpit.format(_("The root element must be <domain>, not <$0>."), p.found);
    case "no-name": return _("The domain has no <name>.");
    }
}

export const CreateVmDialog = ({ domains, snapshot, deviceName, initialDevices, onDone }: CreateVmDialogProps) => {
    const Dialogs = useDialogs();
    const connections = (["qemu", "stratovirt"] as Connection[]).filter(c => domains[c].status === "ready");
    const [connection, setConnection] = useState<Connection>(connections[0] ?? "qemu");
    const templates = DOMAIN_TEMPLATES.filter(t => t.connection === connection);
    const [templateId, setTemplateId] = useState<TemplateId | "">("");
    const [xml, setXml] = useState("");
    const [filename, setFilename] = useState("");
    const [devices, setDevices] = useState<PciAddress[]>(initialDevices ?? []);
    const [managed, setManaged] = useState(true);
    const [mode, setMode] = useState<CreateMode>("define");
    const { busy, error, apply } = useApply();
    const [showScript, setShowScript] = useState(false);
    const [vmName, setVmName] = useState("passthrough-vm");

    const endpoints = useMemo(() => snapshot?.functions.filter(f => !isBridge(f.classCode)) ?? [], [snapshot]);
    const check = useMemo(() => xml.trim() === "" ? null : checkDomainXml(xml), [xml]);
    const finalXml = useMemo(() => {
        if (!check?.valid || devices.length === 0)
            return check?.valid ? xml : "";
        // libvirt places each function; the user can edit guest addresses in the XML before adding devices.
        const specs = planHostdevs(devices, { managed, romBar: null }, []);
        return insertDevices(xml, specs.map(hostdevXml));
    }, [xml, check, devices, managed]);
    const unfilled = check?.valid ? placeholders(xml) : [];
    const backend = backendFor(domains, { connection });

    const applyTemplate = (id: TemplateId | "") => {
        setTemplateId(id);
        if (id !== "") {
            setXml(templateById(id).build(vmName));
            setFilename("");
        }
    };

    const submit = () => {
        if (!backend || !check?.valid)
            return;
        const name = check.name;
        apply(() => createDomain(backend, finalXml, name, mode, devices), onDone);
    };

    const toggleDevice = (address: PciAddress, on: boolean) =>
        setDevices(list => on ? [...list, address] : list.filter(a => a !== address));

    const blocker = !backend
        ? _("No libvirt connection is available.")
        : check === null
            ? _("Paste or upload a domain XML, or start from a template.")
            : !check.valid ? problemText(check.problem) : null;

    return (
        <Modal id="pt-create-vm-dialog" variant={ModalVariant.large} isOpen
               title={_("Create VM from XML")}
               onClose={Dialogs.close}
               footer={<>
                   <Button variant="primary" onClick={submit} isDisabled={blocker !== null || busy} isLoading={busy}>
                       {mode === "define" ? _("Define") : _("Create and start")}
                   </Button>
                   <Button variant="link" onClick={Dialogs.close} isDisabled={busy}>{_("Cancel")}</Button>
               </>}>
            <Form onSubmit={e => e.preventDefault()}>
                {/* On top: the form is taller than the dialog, and the user looks here after submitting. */}
                {error !== null && <LibvirtErrorAlert error={error} title={_("libvirt refused to create the VM")} />}
                <FormGroup label={_("Connection")} fieldId="pt-create-connection">
                    <FormSelect id="pt-create-connection" value={connection}
                                onChange={(_e, v) => { setConnection(v as Connection); setTemplateId("") }}>
                        {connections.map(c => <FormSelectOption key={c} value={c} label={connectionText(c)} />)}
                        {connections.length === 0 && <FormSelectOption value="qemu" label={_("No connection available")} isDisabled />}
                    </FormSelect>
                </FormGroup>

                <FormGroup label={_("Template")} fieldId="pt-create-template">
                    <TextInput id="pt-create-name" aria-label={_("Name for the template")} value={vmName}
                               onChange={(_e, v) => setVmName(v)} />
                    <FormSelect id="pt-create-template" value={templateId} onChange={(_e, v) => applyTemplate(v as TemplateId | "")}>
                        <FormSelectOption value="" label={_("Choose a template")} />
                        {templates.map(t => <FormSelectOption key={t.id} value={t.id} label={_(t.label)} />)}
                    </FormSelect>
                </FormGroup>

                <FormGroup label={_("Domain XML")} fieldId="pt-create-xml">
                    <FileUpload id="pt-create-xml" type="text" value={xml} filename={filename}
                                filenamePlaceholder={_("Paste XML below or upload a file")}
                                browseButtonText={_("Upload")} clearButtonText={_("Clear")}
                                allowEditingUploadedText
                                onFileInputChange={(_e, file) => setFilename(file.name)}
                                onDataChange={(_e, data) => setXml(data)}
                                onTextChange={(_e, text) => setXml(text)}
                                onClearClick={() => { setXml(""); setFilename(""); setTemplateId("") }}
                                validated={check && !check.valid ? "error" : "default"}
                                isDisabled={busy} />
                    <FormHelperText>
                        <HelperText>
                            {check && !check.valid && <HelperTextItem variant="error">{problemText(check.problem)}</HelperTextItem>}
                            {unfilled.length > 0 &&
                                <HelperTextItem variant="warning">
                                    {cockpit.format(_("Replace the placeholder paths: $0"), unfilled.join(", "))}
                                </HelperTextItem>}
                        </HelperText>
                    </FormHelperText>
                </FormGroup>

                <FormGroup label={_("Host devices to include")} fieldId="pt-create-devices" isStack>
                    {endpoints.length === 0 && <HelperText><HelperTextItem>{_("No PCI devices known.")}</HelperTextItem></HelperText>}
                    {endpoints.map(f => (
                        <Checkbox key={f.address} id={`pt-create-dev-${f.address}`} isChecked={devices.includes(f.address)}
                                  onChange={(_e, on) => toggleDevice(f.address, on)}
                                  label={`${f.address} ${deviceName(f.address)}`} />
                    ))}
                    {devices.length > 0 &&
                        <Checkbox id="pt-create-managed" isChecked={managed} onChange={(_e, v) => setManaged(v)}
                                  label={_("Managed by libvirt (binds to vfio-pci at start)")} />}
                </FormGroup>

                <FormGroup label={_("Mode")} role="radiogroup" fieldId="pt-create-mode" isStack>
                    <Radio id="pt-create-define" name="mode" isChecked={mode === "define"} onChange={() => setMode("define")}
                           label={_("Define")} description={_("Persistent: the VM is stored and can be started later.")} />
                    <Radio id="pt-create-create" name="mode" isChecked={mode === "create"} onChange={() => setMode("create")}
                           label={_("Create and start")} description={_("Transient, like \"virsh create\": the VM starts now and is gone when it stops.")} />
                </FormGroup>

                {finalXml !== "" && devices.length > 0 &&
                    <ExpandableSection toggleText={_("XML to submit")} id="pt-create-final-xml">
                        <CodeBlock><CodeBlockCode>{finalXml}</CodeBlockCode></CodeBlock>
                    </ExpandableSection>}
                <ExpandableSection toggleText={_("View automation script")} isExpanded={showScript}
                                   onToggle={(_e, v) => setShowScript(v)} id="pt-create-script">
                    {finalXml !== ""
                        ? <CodeBlock><CodeBlockCode>{createScript(connection, finalXml, mode)}</CodeBlockCode></CodeBlock>
                        : <HelperText><HelperTextItem>{blocker}</HelperTextItem></HelperText>}
                </ExpandableSection>

                {connection === "stratovirt" && mode === "define" &&
                    <Alert variant="info" isInline isPlain title={_("StratoVirt VMs take devices only when they start.")} />}
            </Form>
        </Modal>
    );
};
