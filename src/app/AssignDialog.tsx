// SPDX-License-Identifier: LGPL-2.1-or-later
/* "Assign to VM": one device (and by default the rest of its IOMMU group) into
 * one VM's definition, and for a running QEMU VM optionally into the running VM
 * now. A VF of a network card goes by default as a network interface
 * (<interface type='hostdev'> with MAC and VLAN, which libvirt sets on the VF
 * at start), or as a plain PCI device. Preview shows the exact XML; "View
 * automation script" the virsh way. */

import { useEffect, useMemo, useRef, useState } from "react";
import {
    Alert, Button, Checkbox, CodeBlock, CodeBlockCode, ExpandableSection, Form, FormGroup, FormHelperText,
    FormSelect, FormSelectOption, HelperText, HelperTextItem, InputGroup, InputGroupItem, Modal, ModalVariant, Radio,
    Spinner, TextInput,
} from "@patternfly/react-core";
import cockpit from "cockpit";

import { useDialogs } from "dialogs";
import {
    assignCapabilities, domainKeyString, groupEndpoints, indexAssignments, type DomainKey,
} from "../model/assignments.ts";
import { cardFunctions, deviceNotes, numaMismatch } from "../model/device-notes.ts";
import { recordsFor } from "../model/hardware-records.ts";
import { checkMemoryLock, describeMemoryLock } from "../model/memory-lock.ts";
import { vmResources } from "../model/vm-resources.ts";
import { readMemAvailableKiB } from "../host/meminfo-reader.ts";
import { NoteView } from "./DeviceDetails.tsx";
import { gettext } from "./translate.ts";
import {
    freeRootPortBuses, hostdevXml, insertDevices, interfaceXml, planHostdevs, planNeedsColdPlug,
} from "../model/domain-xml.ts";
import type { InterfaceInfo } from "../model/host-usage.ts";
import type { PciAddress } from "../model/pci-address.ts";
import { isBridge } from "../model/pci-class.ts";
import type { HostSnapshot } from "../model/snapshot.ts";
import { isNicVf, locateVf } from "../model/vf-net.ts";
import { macUses, macUseText } from "../model/vf-net-macs.ts";
import { generateMac, parseMac, parseVlan } from "../model/vf-net-values.ts";
import { attachScript, defineScript } from "../model/virsh-script.ts";
import { assignDevices, readBaseline, type DomainBaseline, type DomainRecord } from "../model/domains.ts";
import { LibvirtErrorAlert } from "./LibvirtErrorAlert.tsx";
import { allDomains, backendFor, type DomainsState } from "./useDomains.ts";
import { useApply } from "./useApply.ts";
import { connectionText, stateText } from "./vm-text.ts";

const _ = cockpit.gettext;

export interface AssignDialogProps {
    domains: DomainsState;
    snapshot: HostSnapshot;
    /** "Intel 82574L Gigabit Network Connection" for an address (the inventory's name). */
    deviceName: (address: PciAddress) => string;
    /** Opened from a device row: the device. */
    address?: PciAddress;
    /** Opened from a VM's "Add host device": the VM. */
    domain?: DomainKey;
    /** After a successful assignment: refresh domains and the snapshot. */
    onDone: () => void;
    /** The host's interfaces with their MACs (host-usage facts), for the MAC warning. */
    hostInterfaces?: readonly InterfaceInfo[];
}

type Timing = "now" | "next-boot";
type RomBar = "default" | "on" | "off";
type AssignAs = "interface" | "hostdev";

/** What the MAC and VLAN fields start with: the VF's own settings when `ip link` reports
 * any (set by hand or by "VF settings"), so assigning does not silently replace them;
 * otherwise a new address. */
function initialNetValues(snapshot: HostSnapshot, address: PciAddress | ""): { mac: string; vlan: string } {
    const where = address === "" ? null : locateVf(snapshot, address);
    const state = where?.ok ? where.state : null;
    const current = state?.mac ? parseMac(state.mac) : null;
    return {
        mac: current?.ok ? current.mac : generateMac(),
        vlan: state && state.vlan > 0 ? String(state.vlan) : "",
    };
}

export const AssignDialog = ({
    domains, snapshot, deviceName, address: initialAddress, domain: initialDomain, onDone, hostInterfaces = [],
}: AssignDialogProps) => {
    const Dialogs = useDialogs();
    const candidates = useMemo(() => allDomains(domains), [domains]);
    const [vmKey, setVmKey] = useState<string>(initialDomain ? domainKeyString(initialDomain) : candidates[0] ? domainKeyString(candidates[0]) : "");
    const endpoints = useMemo(() => snapshot.functions.filter(f => !isBridge(f.classCode)), [snapshot]);
    const [address, setAddress] = useState<PciAddress | "">(initialAddress ?? endpoints[0]?.address ?? "");
    const [includeGroup, setIncludeGroup] = useState(true);
    const [allFunctions, setAllFunctions] = useState(true);
    const [memAvailable, setMemAvailable] = useState<number | null>(null);
    const [managed, setManaged] = useState(true);
    const [romBar, setRomBar] = useState<RomBar>("default");
    const [timing, setTiming] = useState<Timing>("now");
    const [baseline, setBaseline] = useState<DomainBaseline | null>(null);
    const [baselineError, setBaselineError] = useState<unknown>(null);
    const { busy, error, apply } = useApply();
    const [showScript, setShowScript] = useState(false);
    const nicVf = address !== "" && isNicVf(snapshot, address);
    const [assignAs, setAssignAs] = useState<AssignAs>("interface");
    const [macText, setMacText] = useState(() => initialNetValues(snapshot, address).mac);
    const [vlanText, setVlanText] = useState(() => initialNetValues(snapshot, address).vlan);
    // Another device chosen: start again from its own values. Not on snapshot refreshes, which would undo typing.
    const netFor = useRef({ address, snapshot });
    netFor.current.snapshot = snapshot;
    useEffect(() => {
        if (netFor.current.address === address)
            return;
        netFor.current.address = address;
        const initial = initialNetValues(netFor.current.snapshot, address);
        setAssignAs("interface");
        setMacText(initial.mac);
        setVlanText(initial.vlan);
    }, [address]);
    const asInterface = nicVf && assignAs === "interface";
    const mac = parseMac(macText, gettext);
    const vlan = parseVlan(vlanText, gettext);

    const vm: DomainRecord | undefined = candidates.find(d => domainKeyString(d) === vmKey);
    const backend = vm ? backendFor(domains, vm) : null;

    // The preview is based on the VM's XML as read now; Assign compares against it before writing.
    // Only a different VM re-reads it: a refreshed record of the same VM must not move the baseline.
    const chosen = useRef({ vm, backend });
    chosen.current = { vm, backend };
    useEffect(() => {
        const { vm, backend } = chosen.current;
        setBaseline(null);
        setBaselineError(null);
        if (!vm || !backend)
            return;
        let current = true;
        readBaseline(backend, vm).then(b => { if (current) setBaseline(b) },
                                        ex => { if (current) setBaselineError(ex) });
        return () => { current = false };
    }, [vmKey]);

    useEffect(() => { readMemAvailableKiB().then(setMemAvailable) }, []);

    /* A multifunction card (a GPU and its HDMI audio, a dual-port NIC) goes as one
     * unit: "All functions" is on by default when its functions share a group,
     * which VFIO needs anyway; each function gets its hostdev on one guest slot. */
    const card = useMemo(() => address === "" ? [] : cardFunctions(snapshot, address), [snapshot, address]);
    const cardSharesGroup = card.length > 1 && card.every(f => f.iommuGroup !== null && f.iommuGroup === card[0].iommuGroup);
    useEffect(() => { setAllFunctions(cardSharesGroup) }, [address, cardSharesGroup]);

    const addresses = useMemo(() => {
        if (address === "")
            return [];
        const set = new Set(includeGroup ? groupEndpoints(snapshot, address) : [address]);
        if (allFunctions && card.length > 1)
            card.forEach(f => set.add(f.address));
        return [...set].sort();
    }, [snapshot, address, includeGroup, allFunctions, card]);

    const caps = vm ? assignCapabilities(vm) : { config: false, live: false };
    const freeBuses = useMemo(() => {
        if (!baseline)
            return [];
        const lists = [baseline.inactiveXml, baseline.liveXml].filter((x): x is string => x !== null).map(freeRootPortBuses);
        return lists.length === 0 ? [] : lists.reduce((a, b) => a.filter(x => b.includes(x)));
    }, [baseline]);
    const specs = useMemo(
        () => planHostdevs(addresses, { managed, romBar: romBar === "default" ? null : romBar }, freeBuses),
        [addresses, managed, romBar, freeBuses]);
    const macValue = mac.ok ? mac.mac : null;
    const vlanValue = vlan.ok ? vlan.vlan : null;
    // The chosen VF becomes the interface; the rest of its group (if any) stays plain hostdevs.
    // With a bad MAC or VLAN the interface is left out of the preview; the field says why.
    const fragments = useMemo(() => specs.flatMap(spec => {
        if (!asInterface || spec.address !== address)
            return [hostdevXml(spec)];
        return macValue !== null && vlanValue !== null ? [interfaceXml({ ...spec, mac: macValue, vlan: vlanValue })] : [];
    }), [specs, asInterface, address, macValue, vlanValue]);
    const coldOnly = planNeedsColdPlug(specs);
    const liveAllowed = caps.live && !!backend?.liveAttach && !coldOnly;
    const live = liveAllowed && (timing === "now" || !caps.config);
    const config = caps.config;

    const resources = useMemo(() => {
        const xml = baseline?.inactiveXml ?? baseline?.liveXml ?? null;
        try {
            return xml ? vmResources(xml) : null;
        } catch {
            return null;
        }
    }, [baseline]);
    const notes = useMemo(() => addresses.flatMap(a => {
        const fn = snapshot.byAddress.get(a);
        return fn ? deviceNotes(snapshot, fn, { vmNodes: resources?.numaNodes ?? null }).map(note => ({ address: a, note })) : [];
    }), [addresses, snapshot, resources]);
    // The device itself: every note; the rest of the group or card: only what needs attention.
    const shownNotes = notes.filter(({ address: a, note }) =>
        a === address || note.kind === "no-reset" || note.kind === "boot-vga" || numaMismatch(note));
    const memoryLock = resources && memAvailable !== null ? checkMemoryLock(resources, memAvailable, addresses.length) : null;

    const index = useMemo(() => indexAssignments(candidates, snapshot), [candidates, snapshot]);
    const alreadyHere = vm ? addresses.filter(a => vm.liveHostdevs.includes(a) || vm.inactiveHostdevs.includes(a)) : [];
    const elsewhere = addresses.flatMap(a => index.assignments(a)
            .filter(asg => !vm || domainKeyString(asg.domain) !== vmKey)
            .map(asg => cockpit.format(_("$0 is assigned to $1 ($2)"), a, asg.domain.name, stateText(asg.state))));
    const unprepared = managed ? [] : addresses.filter(a => snapshot.byAddress.get(a)?.driver !== "vfio-pci");
    const macClashes = useMemo(() => asInterface && macValue !== null
        ? macUses(macValue, snapshot, candidates, address === "" ? null : address, hostInterfaces).map(u => macUseText(u, gettext))
        : [], [asInterface, macValue, snapshot, candidates, address, hostInterfaces]);

    let blocker: string | null = null;
    if (!vm)
        blocker = _("Choose a VM.");
    else if (addresses.length === 0)
        blocker = _("Choose a device.");
    else if (!config && !liveAllowed)
        blocker = vm.connection === "stratovirt"
            ? _("This StratoVirt VM is transient and running: StratoVirt cannot attach devices to a running VM, and there is no stored definition to change.")
            : coldOnly
                ? _("A multifunction card cannot be hot-plugged, and this transient VM has no stored definition.")
                : _("This VM can take no devices now.");
    else if (alreadyHere.length > 0)
        blocker = cockpit.format(_("Already assigned to this VM: $0"), alreadyHere.join(", "));
    else if (asInterface && !mac.ok)
        blocker = mac.error;
    else if (asInterface && !vlan.ok)
        blocker = vlan.error;
    else if (unprepared.length > 0)
        blocker = cockpit.format(_("With managed='no' the devices must already be bound to vfio-pci: $0"), unprepared.join(", "));
    else if (!baseline)
        blocker = baselineError ? _("Could not read the VM's definition.") : _("Reading the VM's definition...");

    // Where to see the result: the MAC appears on the VF in the PF's `ip link` once the VM runs.
    const scriptComments = useMemo(() => {
        const where = asInterface && address !== "" ? locateVf(snapshot, address) : null;
        return where?.ok && macValue !== null
            ? [cockpit.format(_("libvirt sets the MAC address $0 on VF $1 of $2 when the VM starts; to check: ip link show $2"),
                              macValue, where.index, where.pfName)]
            : [];
    }, [asInterface, address, snapshot, macValue]);
    const script = useMemo(() => {
        if (!vm || !backend || !baseline || blocker)
            return "";
        if (backend.liveAttach)
            return attachScript({ connection: vm.connection, domain: vm.name, fragments, config, live, comments: scriptComments });
        return defineScript(vm.connection, vm.name, insertDevices(baseline.inactiveXml!, fragments), scriptComments);
    }, [vm, backend, baseline, blocker, fragments, config, live, scriptComments]);

    const assign = () => {
        if (!vm || !backend || !baseline)
            return;
        apply(() => assignDevices(backend, vm, baseline, {
            fragments, addresses, config, live, records: config ? recordsFor(snapshot, addresses) : undefined,
            interfaces: asInterface && macValue !== null && vlanValue !== null ? [{ address, mac: macValue, vlan: vlanValue }] : undefined,
        }), onDone);
    };

    const vmHelp = !vm
        ? null
        : vm.connection === "stratovirt" && vm.state !== "shut off"
            ? _("StratoVirt cannot attach devices to a running VM: the device is added to its stored definition and used from the next boot.")
            : !caps.config
                ? _("This VM is transient: the device is attached to the running VM only and is gone when it stops.")
                : null;

    return (
        <Modal id="pt-assign-dialog" variant={ModalVariant.medium} isOpen
               title={_("Assign to VM")}
               onClose={Dialogs.close}
               footer={<>
                   <Button variant="primary" onClick={assign} isDisabled={blocker !== null || busy}
                           isLoading={busy}>
                       {_("Assign")}
                   </Button>
                   <Button variant="link" onClick={Dialogs.close} isDisabled={busy}>{_("Cancel")}</Button>
               </>}>
            <Form onSubmit={e => e.preventDefault()}>
                {/* On top: the form is taller than the dialog, and the user looks here after pressing Assign. */}
                {error !== null && <LibvirtErrorAlert error={error} title={_("The device could not be assigned")} />}
                <FormGroup label={_("Virtual machine")} fieldId="pt-assign-vm">
                    <FormSelect id="pt-assign-vm" value={vmKey} onChange={(_e, v) => setVmKey(v)} isDisabled={busy}>
                        {candidates.length === 0 && <FormSelectOption value="" label={_("No VMs")} isDisabled />}
                        {candidates.map(d => (
                            <FormSelectOption key={domainKeyString(d)} value={domainKeyString(d)}
                                              label={`${d.name} (${connectionText(d.connection)}, ${stateText(d.state)})`} />
                        ))}
                    </FormSelect>
                    {vmHelp && <FormHelperText><HelperText><HelperTextItem>{vmHelp}</HelperTextItem></HelperText></FormHelperText>}
                </FormGroup>

                <FormGroup label={_("Device")} fieldId="pt-assign-device">
                    {initialAddress
                        ? <span id="pt-assign-device">{initialAddress} {deviceName(initialAddress)}</span>
                        : <FormSelect id="pt-assign-device" value={address} onChange={(_e, v) => setAddress(v as PciAddress)}>
                            {endpoints.map(f => <FormSelectOption key={f.address} value={f.address} label={`${f.address} ${deviceName(f.address)}`} />)}
                        </FormSelect>}
                    <Checkbox id="pt-assign-group" isChecked={includeGroup} onChange={(_e, v) => setIncludeGroup(v)}
                              label={_("Include the rest of the IOMMU group")}
                              description={addresses.length > 1
                                  ? cockpit.format(_("Assigns $0"), addresses.join(", "))
                                  : _("VFIO needs every device of a group in the same VM or unbound.")} />
                    {card.length > 1 &&
                        <Checkbox id="pt-assign-all-functions" isChecked={allFunctions} onChange={(_e, v) => setAllFunctions(v)}
                                  label={_("All functions")}
                                  description={cockpit.format(_("One hostdev per function of the card ($0), on one guest slot; function 0 is marked multifunction."),
                                                              card.map(f => f.address).join(", "))} />}
                </FormGroup>

                {nicVf &&
                    <FormGroup label={_("Assign as")} role="radiogroup" fieldId="pt-assign-as" isStack>
                        <Radio id="pt-assign-as-interface" name="assign-as" isChecked={assignAs === "interface"}
                               onChange={() => setAssignAs("interface")}
                               label={_("As network interface")}
                               description={_("<interface type='hostdev'>: libvirt sets the MAC address and VLAN on the VF when the VM starts, so the guest always gets the same address.")} />
                        <Radio id="pt-assign-as-hostdev" name="assign-as" isChecked={assignAs === "hostdev"}
                               onChange={() => setAssignAs("hostdev")}
                               label={_("As PCI device")}
                               description={_("<hostdev>: the guest gets the VF as it is, with whatever MAC address the VF has.")} />
                    </FormGroup>}
                {asInterface &&
                    <FormGroup label={_("MAC address")} fieldId="pt-assign-mac" isRequired>
                        <InputGroup>
                            <InputGroupItem isFill>
                                <TextInput id="pt-assign-mac" value={macText} onChange={(_e, v) => setMacText(v)}
                                           validated={mac.ok ? "default" : "error"} isDisabled={busy} />
                            </InputGroupItem>
                            <InputGroupItem>
                                <Button id="pt-assign-mac-generate" variant="control" isDisabled={busy}
                                        onClick={() => setMacText(generateMac())}>
                                    {_("Generate")}
                                </Button>
                            </InputGroupItem>
                        </InputGroup>
                        <FormHelperText>
                            <HelperText>
                                {!mac.ok
                                    ? <HelperTextItem variant="error" id="pt-assign-mac-error">{mac.error}</HelperTextItem>
                                    : <HelperTextItem>{_("Generate gives a locally administered address under 52:54:00, the prefix libvirt uses.")}</HelperTextItem>}
                            </HelperText>
                        </FormHelperText>
                    </FormGroup>}
                {asInterface && macClashes.length > 0 &&
                    <Alert id="pt-assign-mac-used" variant="warning" isInline title={_("This MAC address is already in use")}>
                        {macClashes.map(t => <div key={t}>{t}</div>)}
                        <div>{_("Two interfaces with one MAC address on a network disturb each other's traffic.")}</div>
                    </Alert>}
                {asInterface &&
                    <FormGroup label={_("VLAN")} fieldId="pt-assign-vlan">
                        <TextInput id="pt-assign-vlan" value={vlanText} onChange={(_e, v) => setVlanText(v)}
                                   inputMode="numeric" validated={vlan.ok ? "default" : "error"} isDisabled={busy} />
                        <FormHelperText>
                            <HelperText>
                                {!vlan.ok
                                    ? <HelperTextItem variant="error" id="pt-assign-vlan-error">{vlan.error}</HelperTextItem>
                                    : <HelperTextItem>{_("Optional, 1-4094: the VF tags the guest's traffic with this VLAN. Empty: no VLAN.")}</HelperTextItem>}
                            </HelperText>
                        </FormHelperText>
                    </FormGroup>}

                {shownNotes.length > 0 &&
                    <FormGroup label={_("About the device")} fieldId="pt-assign-notes">
                        <div id="pt-assign-notes">
                            {shownNotes.map(({ address: a, note }) =>
                                <div key={`${a}-${note.kind}`}>
                                    {a !== address && <span className="pt-note-address">{a}: </span>}
                                    <NoteView note={note} address={a} />
                                </div>)}
                        </div>
                    </FormGroup>}
                {memoryLock && !memoryLock.fits &&
                    <Alert id="pt-assign-memory" variant="warning" isInline
                           title={describeMemoryLock(memoryLock, resources!.viommu, gettext).title}>
                        {describeMemoryLock(memoryLock, resources!.viommu, gettext).body}
                    </Alert>}

                <FormGroup label={_("Binding")} role="radiogroup" fieldId="pt-assign-managed" isStack>
                    <Radio id="pt-assign-managed-yes" name="managed" isChecked={managed} onChange={() => setManaged(true)}
                           label={_("Managed by libvirt (recommended)")}
                           description={_("libvirt binds the device to vfio-pci when the VM starts and gives it back when it stops.")} />
                    <Radio id="pt-assign-managed-no" name="managed" isChecked={!managed} onChange={() => setManaged(false)}
                           label={_("Prepared by hand (managed='no')")}
                           description={_("The device must already be bound to vfio-pci.")} />
                </FormGroup>
                {unprepared.length > 0 &&
                    <Alert variant="warning" isInline title={_("Not bound to vfio-pci yet")}>
                        {unprepared.join(", ")}
                    </Alert>}

                <FormGroup label={_("ROM BAR")} fieldId="pt-assign-rombar">
                    <FormSelect id="pt-assign-rombar" value={romBar} onChange={(_e, v) => setRomBar(v as RomBar)}>
                        <FormSelectOption value="default" label={_("Device default")} />
                        <FormSelectOption value="on" label={_("On")} />
                        <FormSelectOption value="off" label={_("Off")} />
                    </FormSelect>
                </FormGroup>

                {vm && vm.state !== "shut off" && caps.config && caps.live && backend?.liveAttach &&
                    <FormGroup label={_("When")} role="radiogroup" fieldId="pt-assign-when" isStack>
                        <Radio id="pt-assign-now" name="when" isChecked={timing === "now"} onChange={() => setTiming("now")}
                               isDisabled={!liveAllowed}
                               label={_("Also attach now (hot plug)")}
                               description={coldOnly ? _("A multifunction card cannot be hot-plugged.") : undefined} />
                        <Radio id="pt-assign-next-boot" name="when" isChecked={timing === "next-boot" || !liveAllowed}
                               onChange={() => setTiming("next-boot")}
                               label={_("From next boot")} />
                    </FormGroup>}

                {elsewhere.length > 0 &&
                    <Alert variant="warning" isInline title={_("Also assigned to another VM")}>
                        {elsewhere.map(t => <div key={t}>{t}</div>)}
                    </Alert>}
                {freeBuses.length === 0 && baseline && addresses.length > 1 &&
                    new Set(addresses.map(a => a.slice(0, -2))).size < addresses.length &&
                    <Alert variant="info" isInline title={_("No free PCIe root port for a multifunction slot")}>
                        {_("The functions get separate guest slots.")}
                    </Alert>}

                <FormGroup label={_("XML to add")} fieldId="pt-assign-preview">
                    <CodeBlock id="pt-assign-preview"><CodeBlockCode>{fragments.join("\n")}</CodeBlockCode></CodeBlock>
                </FormGroup>

                <ExpandableSection toggleText={_("View automation script")} isExpanded={showScript}
                                   onToggle={(_e, v) => setShowScript(v)} id="pt-assign-script">
                    {script
                        ? <CodeBlock><CodeBlockCode>{script}</CodeBlockCode></CodeBlock>
                        : <HelperText><HelperTextItem>{blocker}</HelperTextItem></HelperText>}
                </ExpandableSection>

                {blocker && vm && baseline && <HelperText><HelperTextItem variant="warning">{blocker}</HelperTextItem></HelperText>}
                {!baseline && !baselineError && vm && <Spinner size="md" aria-label={_("Reading the VM's definition...")} />}
                {baselineError !== null && <LibvirtErrorAlert error={baselineError} title={_("Could not read the VM's definition.")} />}
            </Form>
        </Modal>
    );
};
