// SPDX-License-Identifier: LGPL-2.1-or-later
/* A plan as a POSIX shell script ("View automation script"): the same writes
 * in the same order, each followed by the same check, stopping at the first
 * failure. Run as root in the host, it has the effect of the dialog's button
 * (without the automatic rollback: the script says how to undo by hand).
 *
 * Every value is single-quoted; nothing from the host is interpreted. */

import type { Check, Plan, PlanAction, PlanKind } from "./plan.ts";
import { untranslated, type Gettext } from "./plan-text.ts";
import { settingArgs, settingValue, type VfSetting } from "./vf-settings.ts";

/** Single-quotes a value for sh: 'it'\''s'. */
export function shellQuote(value: string): string {
    return "'" + value.replace(/'/g, "'\\''") + "'";
}

/* The udev rule, written exactly as executor.sh writes it (a unit test runs
 * both and compares the files). Reads the IDs from sysfs, like the executor. */
const PERSIST_UDEV_FUNCTION = `persist_udev() {
    vendor= device=
    read -r vendor < "$pci/devices/$1/vendor"
    read -r device < "$pci/devices/$1/device"
    mkdir -p "$etc/udev/rules.d"
    printf '%s\\n' \\
        "# Written by Cockpit (Device passthrough): keep $1 ($vendor:$device) on vfio-pci at boot." \\
        "# Remove this file (or use the \\"Kept after reboot\\" list) to give the device back to its driver at the next boot." \\
        "ACTION==\\"add\\", SUBSYSTEM==\\"pci\\", KERNEL==\\"$1\\", ATTR{vendor}==\\"$vendor\\", ATTR{device}==\\"$device\\", ATTR{driver_override}=\\"vfio-pci\\", RUN{builtin}+=\\"kmod load vfio-pci\\", RUN+=\\"/bin/sh -c 'cd /sys/bus/pci/devices/\\$kernel || exit 0; case \\$\\$(readlink driver) in */vfio-pci) ;; ?*) echo \\$kernel > driver/unbind; echo \\$kernel > /sys/bus/pci/drivers_probe ;; *) echo \\$kernel > /sys/bus/pci/drivers_probe ;; esac'\\"" \\
        > "$etc/udev/rules.d/70-cockpit-passthrough-$1.rules"
}`;

/* The VF count rule, written exactly as executor.sh writes it (see the comment
 * there for why it matches "add|bind" with DRIVER). */
const PERSIST_VFS_FUNCTION = `persist_vfs() {
    vendor= device=
    read -r vendor < "$pci/devices/$1/vendor"
    read -r device < "$pci/devices/$1/device"
    drv=$(driver_of "$1")
    [ -n "$drv" ] || fail "$1 has no driver"
    mkdir -p "$etc/udev/rules.d"
    printf '%s\\n' \\
        "# Written by Cockpit (Device passthrough): create $2 VFs on $1 ($vendor:$device, driver $drv) at boot." \\
        "# Remove this file (or use the \\"Kept after reboot\\" list) to stop creating them at the next boot." \\
        "# sriov_numvfs needs the PF's driver: \\"bind\\" catches it binding, \\"add\\" with DRIVER the coldplug of a device bound earlier." \\
        "ACTION==\\"add|bind\\", SUBSYSTEM==\\"pci\\", KERNEL==\\"$1\\", DRIVER==\\"$drv\\", ATTR{vendor}==\\"$vendor\\", ATTR{device}==\\"$device\\", ATTR{sriov_drivers_autoprobe}=\\"$3\\", ATTR{sriov_numvfs}=\\"$2\\"" \\
        > "$etc/udev/rules.d/70-cockpit-passthrough-vfs-$1.rules"
}`;

/* The VF settings rule, written as executor.sh writes it: the same events as
 * the VF count rule (which creates the VFs first), one RUN per setting, the
 * PF's interface looked up from sysfs when it runs. Arguments: the PF, the VF
 * index, then key=value pairs in the order mac vlan spoofchk trust state rate. */
const PERSIST_VF_FUNCTION = `persist_vf() {
    a=$1 n=$2
    shift 2
    vendor= device=
    read -r vendor < "$pci/devices/$a/vendor"
    read -r device < "$pci/devices/$a/device"
    drv=$(driver_of "$a")
    [ -n "$drv" ] || fail "$a has no driver"
    ipbin=$(command -v ip) || fail "ip is not installed"
    summary= runs=
    for kv in "$@"; do
        key=\${kv%%=*} v=\${kv#*=}
        case $key in
        vlan) args="vlan \${v%%,*} qos \${v#*,}" ;;
        rate) args="min_tx_rate \${v%%,*} max_tx_rate \${v#*,}" ;;
        *) args="$key $v" ;;
        esac
        summary="$summary $key=$v"
        __RUNS__
    done
    mkdir -p "$etc/udev/rules.d"
    printf '%s\\n' \\
        "# Written by Cockpit (Device passthrough): VF $n of $a ($vendor:$device, driver $drv):$summary" \\
        "# Remove this file (or use the \\"Kept after reboot\\" list) to stop applying these settings at the next boot." \\
        "# The same events as 70-cockpit-passthrough-vfs-$a.rules, which creates the VFs first; the PF's interface is looked up when it runs." \\
        "ACTION==\\"add|bind\\", SUBSYSTEM==\\"pci\\", KERNEL==\\"$a\\", DRIVER==\\"$drv\\", ATTR{vendor}==\\"$vendor\\", ATTR{device}==\\"$device\\"$runs" \\
        > "$etc/udev/rules.d/71-cockpit-passthrough-vf-$a-$n.rules"
}`.replace("__RUNS__",
           // One RUN per setting; udev's escapes ($$, \") inside a shell string: kept out of the template literal.
           "runs=\"$runs, RUN+=\\\"/bin/sh -c 'for n in /sys/bus/pci/devices/\\$kernel/net/*; do [ -e \\\\\\\"\\$\\$n\\\\\\\" ] && exec $ipbin link set dev \\\\\\\"\\$\\${n##*/}\\\\\\\" vf $n $args; done'\\\"\"");

const HELPERS = `fail() { echo "FAILED: $*" >&2; exit 1; }
# The driver a device is on, empty if none (the \`driver\` symlink).
driver_of() { if [ -L "$pci/devices/$1/driver" ]; then basename "$(readlink "$pci/devices/$1/driver")"; fi; }
override_of() { v=$(cat "$pci/devices/$1/driver_override"); [ "$v" = "(null)" ] || echo "$v"; }
group_of() { if [ -L "$pci/devices/$1/iommu_group" ]; then basename "$(readlink "$pci/devices/$1/iommu_group")"; fi; }
# The line of VF $2 in \`ip -d link show\` of the PF $1's (first) network interface.
vf_line() { for n in "$pci/devices/$1/net/"*; do ip -d link show dev "\${n##*/}" | awk -v n="$2" '$1 == "vf" && $2 == n'; break; done; }
# The VFs of a PF, one per line, in virtfn order.
vfs_of() { i=0; while [ -L "$pci/devices/$1/virtfn$i" ]; do basename "$(readlink "$pci/devices/$1/virtfn$i")"; i=$((i + 1)); done; }`;

function actionLines(action: PlanAction): string[] {
    switch (action.kind) {
    case "load-vfio":
        return ["modprobe vfio-pci"];
    case "set-override":
        return action.driver === null
            ? [`echo > "$pci/devices/"${shellQuote(action.address)}/driver_override`]
            : [`echo ${shellQuote(action.driver)} > "$pci/devices/"${shellQuote(action.address)}/driver_override`];
    case "unbind":
        return [`echo ${shellQuote(action.address)} > "$pci/drivers/"${shellQuote(action.from)}/unbind`];
    case "unbind-any":
        return [`echo ${shellQuote(action.address)} > "$pci/devices/"${shellQuote(action.address)}/driver/unbind`];
    case "bind":
        return [`echo ${shellQuote(action.address)} > "$pci/drivers/"${shellQuote(action.to)}/bind`];
    case "probe":
        return [`echo ${shellQuote(action.address)} > "$pci/drivers_probe"`];
    case "persist":
        return action.method === "driverctl"
            ? [`driverctl set-override ${shellQuote(action.address)} vfio-pci`]
            : [`persist_udev ${shellQuote(action.address)}`];
    case "unpersist":
        return action.method === "driverctl"
            ? [`rm -f "$etc/driverctl.d/pci-"${shellQuote(action.address)}`]
            : [`rm -f "$etc/udev/rules.d/70-cockpit-passthrough-"${shellQuote(action.address)}.rules`];
    case "set-numvfs":
        return [`echo ${action.count} > "$pci/devices/"${shellQuote(action.address)}/sriov_numvfs`];
    case "set-autoprobe":
        return [`echo ${action.enabled ? 1 : 0} > "$pci/devices/"${shellQuote(action.address)}/sriov_drivers_autoprobe`];
    case "prepare-vfs":
        // The VFs' addresses are only known now: read them from the virtfn links.
        return [
            `for vf in $(vfs_of ${shellQuote(action.pf)}); do`,
            `    now=$(driver_of "$vf")`,
            `    [ "$now" != vfio-pci ] || continue`,
            `    echo vfio-pci > "$pci/devices/$vf/driver_override"`,
            `    [ -z "$now" ] || echo "$vf" > "$pci/drivers/$now/unbind"`,
            `    echo "$vf" > "$pci/drivers_probe"`,
            `    [ "$(driver_of "$vf")" = vfio-pci ] || fail "$vf is not on vfio-pci: $(driver_of "$vf")"`,
            `    group=$(group_of "$vf")`,
            `    [ -n "$group" ] && [ -e "$dev/vfio/$group" ] || fail "/dev/vfio/<group> of $vf does not exist"`,
            `done`,
        ];
    case "persist-vfs":
        return [`persist_vfs ${shellQuote(action.address)} ${action.count} ${action.autoprobe ? 1 : 0}`];
    case "unpersist-vfs":
        return [`rm -f "$etc/udev/rules.d/70-cockpit-passthrough-vfs-"${shellQuote(action.address)}.rules`];
    case "set-vf":
        return [["ip", "link", "set", "dev", action.pfName, "vf", String(action.vf), ...settingArgs(action.setting)].map(shellQuote).join(" ")];
    case "persist-vf":
        return [["persist_vf", action.pf, String(action.vf), ...action.settings.map(s => `${s.key}=${settingValue(s)}`)].map(shellQuote).join(" ")];
    case "unpersist-vf":
        return [`rm -f "$etc/udev/rules.d/71-cockpit-passthrough-vf-"${shellQuote(`${action.pf}-${action.vf}`)}.rules`];
    }
}

function checkLines(check: Check): string[] {
    switch (check.kind) {
    case "driver-loaded":
        return [`[ -d "$pci/drivers/"${shellQuote(check.driver)} ] || fail ${shellQuote(`${check.driver} is not loaded`)}`];
    case "override": {
        const a = shellQuote(check.address);
        const want = shellQuote(check.value ?? "");
        return [`[ "$(override_of ${a})" = ${want} ] || fail ${shellQuote(`driver_override of ${check.address} is not ${check.value ?? "empty"}`)}`];
    }
    case "driver": {
        const a = shellQuote(check.address);
        const what = check.driver === null ? `${check.address} still has a driver` : `${check.address} is not on ${check.driver}`;
        return [`[ "$(driver_of ${a})" = ${shellQuote(check.driver ?? "")} ] || fail ${shellQuote(what)}: "$(driver_of ${a})"`];
    }
    case "vfio-device": {
        const a = shellQuote(check.address);
        return [
            `group=$(group_of ${a})`,
            `[ -n "$group" ] && [ -e "$dev/vfio/$group" ] || fail ${shellQuote(`/dev/vfio/<group> of ${check.address} does not exist`)}`,
        ];
    }
    case "left-vfio": {
        const a = shellQuote(check.address);
        return [
            `now=$(driver_of ${a})`,
            `[ "$now" != vfio-pci ] || fail ${shellQuote(`${check.address} is still on vfio-pci`)}`,
            `echo ${a} is now on "\${now:-no driver}"`,
        ];
    }
    case "vf-count": {
        const a = shellQuote(check.address);
        return [`[ "$(cat "$pci/devices/"${a}/sriov_numvfs)" = ${check.count} ] && [ "$(vfs_of ${a} | wc -l)" -eq ${check.count} ] || ` +
                `fail ${shellQuote(`${check.address} does not have ${check.count} VFs`)}`];
    }
    case "autoprobe": {
        const a = shellQuote(check.address);
        return [`[ "$(cat "$pci/devices/"${a}/sriov_drivers_autoprobe)" = ${check.enabled ? 1 : 0} ] || ` +
                `fail ${shellQuote(`sriov_drivers_autoprobe of ${check.address} is not ${check.enabled ? 1 : 0}`)}`];
    }
    case "vf-setting": {
        // What `ip -d link show` prints on the VF's line for the setting.
        const line = `vf_line ${shellQuote(check.pf)} ${check.vf}`;
        const what = shellQuote(`VF ${check.vf} of ${check.pf} does not report ${check.setting.key} ${settingValue(check.setting)}`);
        return vfSettingGreps(check.setting).map(([present, text]) =>
            `${line} | grep -q${present ? "" : "v"}F ${shellQuote(text)} || fail ${what}`);
    }
    }
}

/** Fragments the VF's line of `ip -d link show` holds (true) or lacks (false) once the setting applies. */
function vfSettingGreps(s: VfSetting): [boolean, string][] {
    switch (s.key) {
    case "mac": return [[true, ` ${s.mac}`]];
    case "vlan": return s.vlan === 0 ? [[false, ", vlan "]] : [[true, `, vlan ${s.vlan}`], [s.qos !== 0, `, qos ${s.qos === 0 ? "" : s.qos}`]];
    case "spoofchk": return [[true, `spoof checking ${s.on ? "on" : "off"}`]];
    case "trust": return [[true, `trust ${s.on ? "on" : "off"}`]];
    case "state": return [[true, `link-state ${s.state}`]];
    case "rate": return [[s.max !== 0, `max_tx_rate ${s.max === 0 ? "" : `${s.max}Mbps`}`], [s.min !== 0, `min_tx_rate ${s.min === 0 ? "" : `${s.min}Mbps`}`]];
    }
}

/** Comment lines of at most ~80 columns; no newline can end the comment early. */
function comment(text: string): string {
    const lines: string[] = [];
    let line = "";
    for (const word of text.split(/\s+/).filter(Boolean)) {
        if (line && line.length + word.length > 76) {
            lines.push(line);
            line = "";
        }
        line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
    return lines.map(l => `# ${l}`).join("\n");
}

export interface ScriptRoots {
    sysfs: string;
    dev: string;
    etc: string;
}

const DEFAULT_ROOTS: ScriptRoots = { sysfs: "/sys", dev: "/dev", etc: "/etc" };

function scriptPurpose(kind: PlanKind, _: Gettext): string {
    switch (kind) {
    case "prepare":
        return _("Prepare devices for passthrough: the same steps as the Prepare button. Run as root.");
    case "return":
        return _("Return devices to the host: the same steps as the Return button. Run as root.");
    case "vfs":
        return _("Configure the virtual functions (VFs): the same steps as the Apply button. Run as root.");
    case "vf-settings":
        return _("Set the network settings of a VF: the same steps as the Apply button of \"VF settings\". Run as root.");
    default: {
        const never: never = kind;
        throw new Error(`unknown plan kind ${JSON.stringify(never)}`);
    }
    }
}

export function renderPlanScript(plan: Plan, _: Gettext = untranslated, roots: ScriptRoots = DEFAULT_ROOTS): string {
    const usesUdev = plan.steps.some(s => s.action.kind === "persist" && s.action.method === "udev");
    const out: string[] = [
        "#!/bin/sh",
        comment(scriptPurpose(plan.kind, _)),
        comment(_("It stops at the first failed step; unlike the button it does not undo the steps already done.")),
        ...plan.notes.map(comment),
        "set -eu",
        `sys=${shellQuote(roots.sysfs)}`,
        `dev=${shellQuote(roots.dev)}`,
        `etc=${shellQuote(roots.etc)}`,
        `pci="$sys/bus/pci"`,
        HELPERS,
    ];
    if (usesUdev)
        out.push(PERSIST_UDEV_FUNCTION);
    if (plan.steps.some(s => s.action.kind === "persist-vfs"))
        out.push(PERSIST_VFS_FUNCTION);
    if (plan.steps.some(s => s.action.kind === "persist-vf"))
        out.push(PERSIST_VF_FUNCTION);
    plan.steps.forEach((step, i) => {
        out.push("", comment(`${i + 1}. ${step.description}`), ...actionLines(step.action));
        for (const check of step.checks)
            out.push(...checkLines(check));
    });
    out.push("", `echo ${shellQuote(_("All steps done."))}`, "");
    return out.join("\n");
}
