# SPDX-License-Identifier: LGPL-2.1-or-later
# The privileged executor: the ONLY code that writes to sysfs or keeps a
# binding after reboot. One process per plan; it reads one operation per line
# on stdin and answers one line per operation on stdout, so the page can check
# each step and decide on rollbacks while this process stays open.
#
# Every field is validated here, before anything is written, whatever the
# page already checked (src/model/executor-ops.ts speaks the same protocol):
#   - addresses match the kernel's form and are present under bus/pci/devices
#   - sysfs files are in a fixed allowlist, relative to bus/pci
#   - driver names exist under bus/pci/drivers
#   - values are an address, a driver name, a count, 0/1, or empty
#
# Operations (fields separated by one tab):
#   write <path> <value>         path: devices/<addr>/driver_override | devices/<addr>/driver/unbind
#                                      | devices/<addr>/sriov_numvfs | devices/<addr>/sriov_drivers_autoprobe
#                                      | drivers/<driver>/unbind | drivers/<driver>/bind | drivers_probe
#   read-driver <addr>           -> name of the bound driver, empty if none
#   read-override <addr>         -> driver_override, empty if unset
#   read-group <addr>            -> IOMMU group number, empty if none
#   vfio-dev <group>             -> yes | no: /dev/vfio/<group> exists
#   has-driver <driver>          -> yes | no: bus/pci/drivers/<driver> exists
#   modprobe vfio-pci            loads vfio-pci (the only module)
#   persist-udev <addr>          writes a udev rule keeping <addr> on vfio-pci at boot
#   unpersist-udev <addr>        removes that rule (the address need not be present)
#   persist-driverctl <addr>     driverctl set-override <addr> vfio-pci
#   unpersist-driverctl <addr>   removes driverctl's saved override, leaving the device as it is
#   match-driver <addr>          -> the loaded driver whose ID table matches the device (modprobe -R
#                                   of its modalias), empty if none: who refused a device left without a driver
#   read-sriov <addr>            -> "<sriov_numvfs> <sriov_drivers_autoprobe or -> <virtfn0> <virtfn1> ..."
#   persist-vfs <addr> <n> <0|1> writes a udev rule creating <n> VFs on the PF <addr> at boot
#   unpersist-vfs <addr>         removes that rule (the VFs that exist now stay)
# Answers: "ok<TAB>value", "error<TAB>message" (the kernel refused),
#          "rejected<TAB>reason" (refused here, nothing written).
#
# Arguments: sysfs root, /dev root, /etc root. Only the unit tests change them.

export LC_ALL=C
sys=${1:-/sys}
devroot=${2:-/dev}
etc=${3:-/etc}
pci=$sys/bus/pci
TAB=$(printf '\t')

answer() {
    # One line per answer, whatever the message holds.
    msg=$(printf '%s' "$2" | tr '\n\t' '  ')
    printf '%s\t%s\n' "$1" "$msg"
}

is_address() {
    printf '%s\n' "$1" | grep -Eqx '[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]'
}

is_driver_name() {
    [ ${#1} -le 64 ] && printf '%s\n' "$1" | grep -Eqx '[A-Za-z0-9_][A-Za-z0-9_.+-]*'
}

# Sets $reason and fails unless $1 is a present device address.
check_device() {
    if ! is_address "$1"; then reason="bad address: $1"; return 1; fi
    if [ ! -d "$pci/devices/$1" ]; then reason="no such device: $1"; return 1; fi
}

check_driver() {
    if ! is_driver_name "$1"; then reason="bad driver name: $1"; return 1; fi
    if [ ! -d "$pci/drivers/$1" ]; then reason="no such driver: $1"; return 1; fi
}

# Writes "$2" and a newline to "$1" in one write(2), as `echo` would; tee
# reports the errno text (dash's own printf only says "I/O error").
write_file() {
    if out=$(printf '%s\n' "$2" | tee "$1" 2>&1 >/dev/null); then
        answer ok ""
    else
        answer error "${out:-write to $1 failed}"
    fi
}

# Validates a write and sets $target; fails with $reason otherwise.
check_write() {
    path=$1 value=$2
    case $path in
    drivers_probe)
        check_device "$value" || return 1
        target=$pci/drivers_probe
        ;;
    drivers/*/unbind|drivers/*/bind)
        name=${path#drivers/}
        name=${name%/*}
        check_driver "$name" || return 1
        check_device "$value" || return 1
        target=$pci/$path
        ;;
    devices/*)
        addr=${path#devices/}
        addr=${addr%%/*}
        check_device "$addr" || return 1
        case ${path#devices/"$addr"/} in
        driver_override)
            if [ -n "$value" ]; then check_driver "$value" || return 1; fi
            ;;
        driver/unbind)
            if [ "$value" != "$addr" ]; then reason="unbind value must be the device address"; return 1; fi
            if [ ! -L "$pci/devices/$addr/driver" ]; then reason="$addr has no driver"; return 1; fi
            ;;
        sriov_numvfs)
            case $value in
            ''|*[!0-9]*) reason="bad VF count: $value"; return 1 ;;
            esac
            if [ ${#value} -gt 5 ]; then reason="bad VF count: $value"; return 1; fi
            ;;
        sriov_drivers_autoprobe)
            case $value in
            0|1) ;;
            *) reason="bad autoprobe value: $value"; return 1 ;;
            esac
            ;;
        *)
            reason="file not allowed: $path"; return 1
            ;;
        esac
        target=$pci/$path
        ;;
    *)
        reason="file not allowed: $path"; return 1
        ;;
    esac
    if [ ! -f "$target" ]; then reason="no such file: $path"; return 1; fi
}

link_name() {
    # The last component of where a symlink points, without forking readlink.
    if [ -L "$1" ] && d=$(cd -P "$1" 2>/dev/null && pwd); then
        printf '%s' "${d##*/}"
    fi
}

rule_file() {
    printf '%s' "$etc/udev/rules.d/70-cockpit-passthrough-$1.rules"
}

persist_udev() {
    a=$1
    vendor= device=
    read -r vendor < "$pci/devices/$a/vendor"
    read -r device < "$pci/devices/$a/device"
    for id in "$vendor" "$device"; do
        if ! printf '%s\n' "$id" | grep -Eqx '0x[0-9a-f]{4}'; then
            answer error "cannot read the vendor and device ID of $a"
            return
        fi
    done
    file=$(rule_file "$a")
    # At boot (udev coldplug), this runs before 80-drivers.rules loads the
    # device's own module: the override is set first, vfio-pci is loaded,
    # and a device a driver already took (built in, initramfs) is moved over.
    # The IDs must match too: new hardware at this address is left alone.
    # $kernel is udev's own substitution; $$ is a literal $.
    if { mkdir -p "$etc/udev/rules.d" &&
         printf '%s\n' \
            "# Written by Cockpit (Device passthrough): keep $a ($vendor:$device) on vfio-pci at boot." \
            "# Remove this file (or use the \"Kept after reboot\" list) to give the device back to its driver at the next boot." \
            "ACTION==\"add\", SUBSYSTEM==\"pci\", KERNEL==\"$a\", ATTR{vendor}==\"$vendor\", ATTR{device}==\"$device\", ATTR{driver_override}=\"vfio-pci\", RUN{builtin}+=\"kmod load vfio-pci\", RUN+=\"/bin/sh -c 'cd /sys/bus/pci/devices/\$kernel || exit 0; case \$\$(readlink driver) in */vfio-pci) ;; ?*) echo \$kernel > driver/unbind; echo \$kernel > /sys/bus/pci/drivers_probe ;; *) echo \$kernel > /sys/bus/pci/drivers_probe ;; esac'\"" \
            > "$file.tmp" &&
         mv -f "$file.tmp" "$file"; } 2>/dev/null; then
        answer ok "$file"
    else
        rm -f "$file.tmp"
        answer error "cannot write $file"
    fi
}

vfs_rule_file() {
    printf '%s' "$etc/udev/rules.d/70-cockpit-passthrough-vfs-$1.rules"
}

# The udev rule that recreates the VFs at boot, for this PF only (address AND
# vendor:device, so new hardware at the address is left alone).
# sriov_numvfs can only be written once the PF has a driver (the kernel answers
# ENOENT before), and only a driver with SR-IOV support takes it. At "add" time
# the driver has not bound yet, so the rule matches:
#   - "bind" with DRIVER set: the driver bound while udevd was running (a
#     module loaded by 80-drivers.rules at boot, or a later modprobe/rebind);
#   - "add" with DRIVER set: the coldplug replay (udevadm trigger --action=add)
#     of a device a driver took before udevd ran its rules (built-in driver,
#     or bound in the initramfs).
# Whichever comes first does the work; the kernel ignores a write of the count
# the PF already has. DRIVER is the driver the PF had when the rule was saved:
# on another driver (vfio-pci after a passthrough) it does not apply.
# ATTR assignments run in rule order: autoprobe is set before the VFs exist.
persist_vfs() {
    a=$1 count=$2 ap=$3
    vendor= device=
    read -r vendor < "$pci/devices/$a/vendor"
    read -r device < "$pci/devices/$a/device"
    for id in "$vendor" "$device"; do
        if ! printf '%s\n' "$id" | grep -Eqx '0x[0-9a-f]{4}'; then
            answer error "cannot read the vendor and device ID of $a"
            return
        fi
    done
    drv=$(link_name "$pci/devices/$a/driver")
    if [ -z "$drv" ] || ! is_driver_name "$drv"; then
        answer error "$a has no driver: No such file or directory"
        return
    fi
    file=$(vfs_rule_file "$a")
    if { mkdir -p "$etc/udev/rules.d" &&
         printf '%s\n' \
            "# Written by Cockpit (Device passthrough): create $count VFs on $a ($vendor:$device, driver $drv) at boot." \
            "# Remove this file (or use the \"Kept after reboot\" list) to stop creating them at the next boot." \
            "# sriov_numvfs needs the PF's driver: \"bind\" catches it binding, \"add\" with DRIVER the coldplug of a device bound earlier." \
            "ACTION==\"add|bind\", SUBSYSTEM==\"pci\", KERNEL==\"$a\", DRIVER==\"$drv\", ATTR{vendor}==\"$vendor\", ATTR{device}==\"$device\", ATTR{sriov_drivers_autoprobe}=\"$ap\", ATTR{sriov_numvfs}=\"$count\"" \
            > "$file.tmp" &&
         mv -f "$file.tmp" "$file"; } 2>/dev/null; then
        answer ok "$file"
    else
        rm -f "$file.tmp"
        answer error "cannot write $file"
    fi
}

while IFS= read -r line; do
    op=${line%%"$TAB"*}
    if [ "$op" = "$line" ]; then arg1= ; rest= ; else rest=${line#*"$TAB"}; arg1=${rest%%"$TAB"*}; fi
    reason=
    case $op in
    write)
        # Exactly two fields: the value may be empty, but may not hold a tab.
        case $rest in
        *"$TAB"*) ;;
        *) answer rejected "write needs a path and a value"; continue ;;
        esac
        value=${rest#*"$TAB"}
        case $value in
        *"$TAB"*) answer rejected "too many fields"; continue ;;
        esac
        if check_write "$arg1" "$value"; then
            write_file "$target" "$value"
        else
            answer rejected "$reason"
        fi
        ;;
    read-driver|read-override|read-group)
        if [ "$rest" != "$arg1" ] || ! check_device "$arg1"; then answer rejected "${reason:-too many fields}"; continue; fi
        case $op in
        read-driver) answer ok "$(link_name "$pci/devices/$arg1/driver")" ;;
        read-group) answer ok "$(link_name "$pci/devices/$arg1/iommu_group")" ;;
        read-override)
            v=
            read -r v < "$pci/devices/$arg1/driver_override"
            [ "$v" = "(null)" ] && v=
            answer ok "$v"
            ;;
        esac
        ;;
    vfio-dev)
        case $rest in
        ''|*[!0-9]*) answer rejected "bad group: $rest"; continue ;;
        esac
        if [ -e "$devroot/vfio/$rest" ]; then answer ok yes; else answer ok no; fi
        ;;
    has-driver)
        if ! is_driver_name "$rest"; then answer rejected "bad driver name: $rest"; continue; fi
        if [ -d "$pci/drivers/$rest" ]; then answer ok yes; else answer ok no; fi
        ;;
    modprobe)
        if [ "$rest" != "vfio-pci" ]; then answer rejected "only vfio-pci may be loaded"; continue; fi
        if out=$(modprobe vfio-pci 2>&1) && [ -d "$pci/drivers/vfio-pci" ]; then
            answer ok ""
        else
            answer error "${out:-vfio-pci did not register a driver}"
        fi
        ;;
    persist-udev|persist-driverctl)
        if [ "$rest" != "$arg1" ] || ! check_device "$arg1"; then answer rejected "${reason:-too many fields}"; continue; fi
        if [ "$op" = persist-udev ]; then
            persist_udev "$arg1"
        elif ! command -v driverctl >/dev/null 2>&1; then
            answer error "driverctl is not installed"
        # set-override also unbinds and reprobes; the device is on vfio-pci
        # already, so it comes straight back there.
        elif out=$(driverctl set-override "$arg1" vfio-pci 2>&1); then
            answer ok ""
        else
            answer error "$out"
        fi
        ;;
    unpersist-udev|unpersist-driverctl)
        # The address may be gone (hardware changed): the format is enough to
        # build a file name that cannot leave the directory.
        if [ "$rest" != "$arg1" ] || ! is_address "$arg1"; then answer rejected "bad address: $rest"; continue; fi
        if [ "$op" = unpersist-udev ]; then
            file=$(rule_file "$arg1")
        else
            # Not `driverctl unset-override`: it always unbinds the device, and
            # with --noprobe leaves it without a driver. Forgetting the saved
            # override is what removes it from the next boot.
            file=$etc/driverctl.d/pci-$arg1
        fi
        if out=$(rm -f "$file" 2>&1); then answer ok ""; else answer error "$out"; fi
        ;;
    match-driver)
        if [ "$rest" != "$arg1" ] || ! check_device "$arg1"; then answer rejected "${reason:-too many fields}"; continue; fi
        alias=
        read -r alias < "$pci/devices/$arg1/modalias"
        found=
        # Module names use "_" where some drivers register with "-" (hibmc_drm: hibmc-drm).
        for m in $(modprobe -R "$alias" 2>/dev/null); do
            for name in "$m" "$(printf '%s' "$m" | tr _ -)"; do
                if [ -z "$found" ] && is_driver_name "$name" && [ -d "$pci/drivers/$name" ]; then found=$name; fi
            done
        done
        answer ok "$found"
        ;;
    read-sriov)
        if [ "$rest" != "$arg1" ] || ! check_device "$arg1"; then answer rejected "${reason:-too many fields}"; continue; fi
        d=$pci/devices/$arg1
        if [ ! -f "$d/sriov_numvfs" ]; then answer rejected "$arg1 is not an SR-IOV physical function"; continue; fi
        n=
        read -r n < "$d/sriov_numvfs"
        ap=-
        if [ -f "$d/sriov_drivers_autoprobe" ]; then read -r ap < "$d/sriov_drivers_autoprobe"; fi
        out="$n $ap"
        # virtfn0..virtfnN-1, in index order (a glob would sort virtfn10 before virtfn2).
        i=0
        while [ -L "$d/virtfn$i" ]; do
            out="$out $(link_name "$d/virtfn$i")"
            i=$((i + 1))
        done
        answer ok "$out"
        ;;
    persist-vfs)
        # Exactly three fields: address, count (1-65535), autoprobe (0|1).
        a=$arg1 r=${rest#*"$TAB"}
        count=${r%%"$TAB"*} ap=${r#*"$TAB"}
        if [ "$r" = "$rest" ] || [ "$count" = "$r" ]; then answer rejected "persist-vfs needs an address, a count and 0 or 1"; continue; fi
        if ! check_device "$a"; then answer rejected "$reason"; continue; fi
        case $count in
        ''|*[!0-9]*|0) answer rejected "bad VF count: $count"; continue ;;
        esac
        if [ ${#count} -gt 5 ]; then answer rejected "bad VF count: $count"; continue; fi
        case $ap in
        0|1) ;;
        *) answer rejected "bad autoprobe value: $ap"; continue ;;
        esac
        if [ ! -f "$pci/devices/$a/sriov_numvfs" ]; then answer rejected "$a is not an SR-IOV physical function"; continue; fi
        persist_vfs "$a" "$count" "$ap"
        ;;
    unpersist-vfs)
        if [ "$rest" != "$arg1" ] || ! is_address "$arg1"; then answer rejected "bad address: $rest"; continue; fi
        if out=$(rm -f "$(vfs_rule_file "$arg1")" 2>&1); then answer ok ""; else answer error "$out"; fi
        ;;
    *)
        answer rejected "unknown operation: $op"
        ;;
    esac
done
