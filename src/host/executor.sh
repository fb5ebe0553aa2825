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
#   vf-read <pf> <n>             -> "<mac>|<vlan>|<qos>|<spoofchk>|<trust>|<state>|<min>|<max>": VF n of the
#                                   PF, from `ip -d link show dev <if>` (text, parsed with awk). mac lower case,
#                                   "-" if not shown; vlan, qos, min, max: 0 if not shown (max from max_tx_rate
#                                   or "tx rate"); spoofchk, trust: on|off; state: auto|enable|disable; "-" if
#                                   not shown. <if>: the first entry of devices/<pf>/net/ (sorted), which must
#                                   match ^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,14}$ and not hold ".."; n < sriov_numvfs
#   vf-set <pf> <n> <key> <value>  ip link set dev <if> vf <n> ...; keys: mac xx:xx:xx:xx:xx:xx (lower case,
#                                   unicast, not all zero) | vlan V,Q (V 0-4094, Q 0-7, Q>0 needs V>0: vlan V qos Q)
#                                   | spoofchk on|off | trust on|off | state auto|enable|disable
#                                   | rate MIN,MAX (0-1000000 Mbit/s, MIN <= MAX unless MAX is 0:
#                                   min_tx_rate MIN max_tx_rate MAX). Read back: -> the new vf-read line, or
#                                   "error <key> did not apply: the VF reports <value>"; ip's refusal -> "error <its stderr>"
#   persist-vf <pf> <n> <key>=<value>...  (keys and values as vf-set, each key once) writes a udev rule
#                                   (71-cockpit-passthrough-vf-<pf>-<n>.rules) applying them at boot, after the
#                                   VF count rule, to the PF's interface as named then -> the file
#   unpersist-vf <pf> <n>        removes that rule (the VF keeps its settings now)
#   commit                       the plan is complete: forget the journal (see below)
#   rollback                     undo everything this process changed, newest first -> problems, if any
#   modules-load                 writes /etc/modules-load.d/cockpit-passthrough.conf (load vfio-pci at boot)
#   kernel-args <arg>...         adds kernel arguments with grubby, or to /etc/default/grub and regenerates
#                                (restoring the file if that fails); "rejected manual: ..." when the file
#                                is not safe to edit
#   clear-report                 forgets the report of an interrupted change (after the page showed it)
# Answers: "ok<TAB>value", "error<TAB>message" (the kernel refused),
#          "rejected<TAB>reason" (refused here, nothing written),
#          "busy<TAB>seconds<TAB>user": another executor holds the host lock.
#
# Safety that holds whatever the browser does:
#   - One host-wide lock (flock on $run/lock) for the life of the process. A second
#     executor answers "busy" to everything and changes nothing.
#   - A journal ($run/journal): before the first write to a device, a PF's VF count,
#     a VF's network settings or a file, its state is recorded. If the input ends or a signal arrives
#     before "commit", the journal is rolled back here, newest first, the old
#     drivers are verified, and a report is left in $run/report for the page.
#     A journal left by a crash is rolled back by the next executor start.
#   - Every write has a timeout.
#   - Policy: no bridges; not the device under the root filesystem; not a NIC that
#     carries the default route or a Cockpit session (and if that cannot be
#     told, no NIC); no unbind of a device whose /dev/vfio/<group> a process has
#     open (a running VM); no VF count above sriov_totalvfs or while a VF is open;
#     no VF network settings on a VF whose own interface the host needs.
#   - On commit, the driver each prepared device had before is recorded in
#     $lib/previous-drivers/<address> ("vendor:device driver"), so "Return to
#     host" finds it from any browser.
#
# Arguments: sysfs root, /dev root, /etc root, /run state dir, /var/lib state
# dir, /proc root. Only the unit tests change them.

export LC_ALL=C
sys=${1:-/sys}
devroot=${2:-/dev}
etc=${3:-/etc}
run=${4:-/run/cockpit-passthrough}
lib=${5:-/var/lib/cockpit-passthrough}
proc=${6:-/proc}
pci=$sys/bus/pci
TAB=$(printf '\t')
write_timeout=${PASSTHROUGH_WRITE_TIMEOUT:-30}
journal=$run/journal

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

# Writes "$2" and a newline to "$1" in one write(2), as `echo` would, within
# the write timeout; tee reports the errno text (dash's own printf only says
# "I/O error"). Sets $out to the error. Answers nothing.
put() {
    if out=$(printf '%s\n' "$2" | timeout -k 2 "$write_timeout" tee "$1" 2>&1 >/dev/null); then
        return 0
    else
        rc=$?
        if [ "$rc" -ge 124 ]; then out="writing $1 did not finish within $write_timeout s (timed out)"; fi
        out=${out:-write to $1 failed}
        return 1
    fi
}

write_file() {
    if put "$1" "$2"; then answer ok ""; else answer error "$out"; fi
}

# Validates a write and sets $target; fails with $reason otherwise.
check_write() {
    path=$1 value=$2
    # What the journal records before the write: the device (driver and
    # override) or the PF (VF count and autoprobe).
    subject=
    case $path in
    drivers_probe)
        check_device "$value" || return 1
        target=$pci/drivers_probe subject=dev:$value
        ;;
    drivers/*/unbind|drivers/*/bind)
        name=${path#drivers/}
        name=${name%/*}
        check_driver "$name" || return 1
        check_device "$value" || return 1
        case $path in
        */unbind) may_unbind "$value" || return 1 ;;
        esac
        target=$pci/$path subject=dev:$value
        ;;
    devices/*)
        addr=${path#devices/}
        addr=${addr%%/*}
        check_device "$addr" || return 1
        case ${path#devices/"$addr"/} in
        driver_override)
            if [ -n "$value" ]; then
                check_driver "$value" || return 1
                critical "$addr" && return 1
            fi
            subject=dev:$addr
            ;;
        driver/unbind)
            if [ "$value" != "$addr" ]; then reason="unbind value must be the device address"; return 1; fi
            if [ ! -L "$pci/devices/$addr/driver" ]; then reason="$addr has no driver"; return 1; fi
            may_unbind "$addr" || return 1
            subject=dev:$addr
            ;;
        sriov_numvfs)
            case $value in
            ''|*[!0-9]*) reason="bad VF count: $value"; return 1 ;;
            esac
            if [ ${#value} -gt 5 ]; then reason="bad VF count: $value"; return 1; fi
            may_set_numvfs "$addr" "$value" || return 1
            subject=sriov:$addr
            ;;
        sriov_drivers_autoprobe)
            case $value in
            0|1) ;;
            *) reason="bad autoprobe value: $value"; return 1 ;;
            esac
            subject=sriov:$addr
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

# ---- Policy: what this executor refuses whatever the page asked ----------

ADDRESS_RE='[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]'

# The PCI addresses in a resolved sysfs path (the device and its bridges).
pci_in_path() {
    printf '%s\n' "$1" | tr / '\n' | grep -Ex "$ADDRESS_RE"
}

# PCI devices under a block device, through dm/md slaves.
block_pci() {
    local p s
    p=$(cd -P "$1" 2>/dev/null && pwd) || return 0
    pci_in_path "$p"
    [ "$2" -lt 4 ] || return 0
    for s in "$p"/slaves/* "${p%/*}"/slaves/*; do
        if [ -e "$s" ]; then block_pci "$s" $(($2 + 1)); fi
    done
}

# PCI devices under a network interface, through bridge/bond/VLAN lower devices.
net_pci() {
    local p l
    p=$(cd -P "$sys/class/net/$1" 2>/dev/null && pwd) || return 0
    pci_in_path "$p"
    [ "$2" -lt 4 ] || return 0
    for l in "$sys/class/net/$1"/lower_*; do
        if [ -e "$l" ]; then net_pci "${l##*/lower_}" $(($2 + 1)); fi
    done
}

# Interfaces that carry a default route or a Cockpit (or ssh) connection, one
# per line; "?<why>" when that cannot be told.
host_interfaces() {
    routes=$(ip -o -4 route show default 2>&1) || { echo "?ip: $routes"; return; }
    routes="$routes
$(ip -o -6 route show default 2>/dev/null)" # IPv6 may be off: not an error
    printf '%s\n' "$routes" | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") print $(i + 1) }'
    conns=$(ss -Htnp state established 2>&1) || { echo "?ss: $conns"; return; }
    addrs=$(ip -o addr show 2>&1) || { echo "?ip: $addrs"; return; }
    printf '%s\n' "$conns" | grep -E 'users:\(\("(cockpit-[a-z]+|sshd)"' | awk '{ print $3 }' |
        sed -e 's/:[0-9]*$//' -e 's/^\[//' -e 's/\]$//' -e 's/^::ffff://' | sort -u |
        while IFS= read -r local_addr; do
            printf '%s\n' "$addrs" | awk -v a="$local_addr" '{ split($4, x, "/"); if (x[1] == a) print $2 }'
        done
}

facts_read=
critical_facts() {
    [ -n "$facts_read" ] && return
    facts_read=1
    root_unknown= net_unknown=
    mm=$(awk '$5 == "/" { mm = $3 } END { print mm }' "$proc/self/mountinfo" 2>/dev/null)
    if [ -z "$mm" ]; then
        root_unknown="cannot read the root filesystem's device from $proc/self/mountinfo"
        root_addrs=
    else
        root_addrs=" $(block_pci "$sys/dev/block/$mm" 0 | tr '\n' ' ')"
    fi
    ifaces=$(host_interfaces)
    net_addrs=" "
    while IFS= read -r i; do
        case $i in
        "?"*) net_unknown=$(printf '%s' "${i#?}" | head -c 200) ;;
        ''|*[!A-Za-z0-9_.@:-]*) ;;
        *) net_addrs="$net_addrs$(net_pci "${i%%@*}" 0 | tr '\n' ' ')" ;;
        esac
    done <<IFACES
$ifaces
IFACES
}

# True (and sets $reason) if the host itself needs the device: a bridge, the
# root filesystem's controller, the NIC of the default route or of a Cockpit
# session. A fact that cannot be read counts against every device it could
# concern: fail closed.
critical() {
    cls=
    read -r cls < "$pci/devices/$1/class"
    case $cls in
    0x06*) reason="$1 is a bridge: the host needs it"; return 0 ;;
    esac
    critical_facts
    case $root_addrs in
    *" $1 "*) reason="$1 holds the root filesystem"; return 0 ;;
    esac
    case $net_addrs in
    *" $1 "*) reason="$1 carries the default route or a Cockpit session"; return 0 ;;
    esac
    if [ -n "$root_unknown" ]; then
        case $cls in 0x01*) reason="cannot tell whether $1 holds the root filesystem: $root_unknown"; return 0 ;; esac
    fi
    if [ -n "$net_unknown" ] && { [ -d "$pci/devices/$1/net" ] || case $cls in 0x02*) true ;; *) false ;; esac; }; then
        reason="cannot tell whether $1 carries this session: $net_unknown"
        return 0
    fi
    return 1
}

# True (and sets $reason) if a process (a running VM) has the device's VFIO group open.
held() {
    g=$(link_name "$pci/devices/$1/iommu_group")
    [ -n "$g" ] && [ -e "$devroot/vfio/$g" ] || return 1
    holder=$(find "$proc"/[0-9]*/fd -maxdepth 1 -lname "$devroot/vfio/$g" 2>/dev/null | head -n 1)
    [ -n "$holder" ] || return 1
    pid=${holder#"$proc"/}
    reason="$1 is in use: /dev/vfio/$g is open by process ${pid%%/*} (a running VM)"
    return 0
}

may_unbind() {
    if critical "$1" || held "$1"; then return 1; fi
}

# True (and sets $reason) if VF $2 of PF $1 is one the host needs: its own
# interface carries the default route or a session (or that cannot be told).
# Its MAC, VLAN, link state or rate would cut the host off.
vf_needed() {
    v=$(link_name "$pci/devices/$1/virtfn$2")
    if [ -z "$v" ]; then reason="cannot find VF $2 of $1"; return 0; fi
    critical "$v"
}

# Above sriov_totalvfs, or removing VFs that a VM has open or the host needs.
may_set_numvfs() {
    total=
    read -r total < "$pci/devices/$1/sriov_totalvfs" 2>/dev/null
    if [ -n "$total" ] && [ "$2" -gt "$total" ]; then reason="$1 supports at most $total VFs"; return 1; fi
    now=
    read -r now < "$pci/devices/$1/sriov_numvfs"
    [ "$now" = "$2" ] && return 0
    for v in "$pci/devices/$1"/virtfn*; do
        [ -L "$v" ] || continue
        vf=$(link_name "$v")
        if critical "$vf" || held "$vf"; then reason="cannot change the VFs of $1: $reason"; return 1; fi
    done
}

# ---- The journal: the undo of every change, on the host ------------------
# One line per subject, recorded before its first write, fields split by "|"
# (no field can hold one; a tab would collapse empty fields in `read`):
#   dev|<addr>|<override>|<driver>      sriov|<addr>|<numvfs>|<autoprobe or ->
#   file|<path>|<saved copy or ->
#   vf|<pf>|<n>|<mac>,<vlan>,<qos>,<spoofchk>,<trust>,<state>,<min>,<max>   (vf-read's fields)

touched=" "
journal_add() {
    case $touched in *" $1 "*) return 0 ;; esac
    mkdir -p "$run" && printf '%s\n' "$2" >> "$journal" || return 1
    touched="$touched$1 "
}

read_override() {
    ov=
    read -r ov < "$pci/devices/$1/driver_override"
    [ "$ov" = "(null)" ] && ov=
    printf '%s' "$ov"
}

note() {
    case $1 in
    dev:*)
        a=${1#dev:}
        journal_add "$1" "dev|$a|$(read_override "$a")|$(link_name "$pci/devices/$a/driver")"
        ;;
    sriov:*)
        a=${1#sriov:}
        n= ap=-
        read -r n < "$pci/devices/$a/sriov_numvfs"
        if [ -f "$pci/devices/$a/sriov_drivers_autoprobe" ]; then read -r ap < "$pci/devices/$a/sriov_drivers_autoprobe"; fi
        journal_add "$1" "sriov|$a|$n|$ap"
        ;;
    file:*)
        f=${1#file:}
        case $touched in *" $1 "*) return 0 ;; esac
        saved=-
        if [ -e "$f" ]; then
            saved=$run/saved.$(printf '%s' "$touched" | wc -w)
            cp -p "$f" "$saved" || return 1
        fi
        journal_add "$1" "file|$f|$saved"
        ;;
    esac
}

# One outcome line of a rollback (src/model/recovery.ts parses them).
reported() {
    printf '%s\n' "$1" >> "$run/rollback.tmp"
}

restore_device() {
    a=$1 ov0=$2 drv0=$3
    [ -d "$pci/devices/$a" ] || return 0 # removed since (a VF): nothing to restore
    ov=$(read_override "$a")
    cur=$(link_name "$pci/devices/$a/driver")
    [ "$ov" = "$ov0" ] && [ "$cur" = "$drv0" ] && return 0
    [ "$ov" = "$ov0" ] || put "$pci/devices/$a/driver_override" "$ov0" || true
    if [ "$cur" != "$drv0" ]; then
        if [ -n "$cur" ]; then put "$pci/devices/$a/driver/unbind" "$a" || true; fi
        if [ -n "$drv0" ]; then
            put "$pci/drivers/$drv0/bind" "$a" || put "$pci/drivers_probe" "$a" || true
        fi
    fi
    now=$(link_name "$pci/devices/$a/driver")
    if [ "$now" = "$drv0" ]; then
        reported "device|$a|$drv0|$now|restored"
    else
        reported "device|$a|$drv0|$now|failed"
    fi
}

restore_sriov() {
    a=$1 n0=$2 ap0=$3
    [ -f "$pci/devices/$a/sriov_numvfs" ] || return 0
    n=
    read -r n < "$pci/devices/$a/sriov_numvfs"
    ap=-
    if [ -f "$pci/devices/$a/sriov_drivers_autoprobe" ]; then read -r ap < "$pci/devices/$a/sriov_drivers_autoprobe"; fi
    [ "$n" = "$n0" ] && [ "$ap" = "$ap0" ] && return 0
    if [ "$n" != "$n0" ] && [ "$n" != 0 ]; then put "$pci/devices/$a/sriov_numvfs" 0 || true; fi
    if [ "$ap" != "$ap0" ] && [ "$ap0" != - ]; then put "$pci/devices/$a/sriov_drivers_autoprobe" "$ap0" || true; fi
    if [ "$n" != "$n0" ] && [ "$n0" != 0 ]; then put "$pci/devices/$a/sriov_numvfs" "$n0" || true; fi
    read -r n < "$pci/devices/$a/sriov_numvfs"
    if [ "$n" = "$n0" ]; then reported "vfs|$a|$n0|$n|restored"; else reported "vfs|$a|$n0|$n|failed"; fi
}

restore_file() {
    f=$1 saved=$2
    if [ "$saved" = - ]; then
        [ -e "$f" ] || return 0
        if rm -f "$f"; then reported "file|$f|removed"; else reported "file|$f|failed"; fi
    elif cmp -s "$saved" "$f"; then
        rm -f "$saved"
    elif mv -f "$saved" "$f"; then
        reported "file|$f|restored"
    else
        reported "file|$f|failed"
    fi
}

# Undoes the journal, newest first. $1: "requested" (the page asked, after a
# failed step) or "interrupted" (input ended, a signal, a crash): then the
# outcome is kept in $run/report for the page to show once.
roll_back() {
    problems=
    [ -s "$journal" ] || { rm -f "$journal"; return 0; }
    : > "$run/rollback.tmp"
    sed '1!G;h;$!d' "$journal" | while IFS='|' read -r kind x y z; do
        case $kind in
        dev) restore_device "$x" "$y" "$z" ;;
        sriov) restore_sriov "$x" "$y" "$z" ;;
        file) restore_file "$x" "$y" ;;
        vf) restore_vf "$x" "$y" "$z" ;;
        esac
    done
    problems=$(grep '|failed$' "$run/rollback.tmp" | tr '\n' ' ')
    if [ "$1" = interrupted ] && [ -s "$run/rollback.tmp" ]; then
        { printf 'interrupted|%s\n' "$(date +%s)"; cat "$run/rollback.tmp"; } > "$run/report.tmp" &&
            mv -f "$run/report.tmp" "$run/report"
    fi
    rm -f "$journal" "$run"/saved.* "$run/rollback.tmp"
    touched=" "
}

# The plan is complete: remember the drivers of devices now on vfio-pci (for
# "Return to host" from any browser), forget those of devices back on the host.
commit() {
    if [ -s "$journal" ]; then
        mkdir -p "$lib/previous-drivers" 2>/dev/null
        while IFS='|' read -r kind a ov0 drv0; do
            [ "$kind" = dev ] && [ -d "$pci/devices/$a" ] || continue
            rec=$lib/previous-drivers/$a
            if [ "$(link_name "$pci/devices/$a/driver")" != vfio-pci ]; then
                rm -f "$rec"
            elif [ -n "$drv0" ] && [ "$drv0" != vfio-pci ]; then
                vendor= device=
                read -r vendor < "$pci/devices/$a/vendor"
                read -r device < "$pci/devices/$a/device"
                printf '%s:%s %s\n' "$vendor" "$device" "$drv0" > "$rec.tmp" && mv -f "$rec.tmp" "$rec"
            fi
        done < "$journal"
    fi
    rm -f "$journal" "$run"/saved.*
    touched=" "
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

# ---- VF network settings (issue 14): ip link set dev <PF's if> vf <n> ... ----
# The interface name comes from sysfs only (never from the page) and every
# value is checked here; ip gets them as arguments, never as shell text.

# What vf-read answers: mac|vlan|qos|spoofchk|trust|state|min|max.
VF_STATE_RE='(-|[0-9a-f]{2}(:[0-9a-f]{2}){5})\|[0-9]{1,4}\|[0-7]\|(on|off|-)\|(on|off|-)\|(auto|enable|disable|-)\|[0-9]{1,7}\|[0-9]{1,7}'

# Narrower than the kernel's rule (15 bytes, no "/", no whitespace, not "." or
# ".."): the name also goes into scripts an admin may run (src/model/vf-net-values.ts).
is_ifname() {
    case $1 in
    ''|*..*|[.:-]*|*[!A-Za-z0-9_.:-]*) return 1 ;;
    esac
    [ ${#1} -le 15 ]
}

# A decimal number without leading zeros (ip reads "010" as octal), at most $2 digits.
is_number() {
    case $1 in
    ''|*[!0-9]*|0?*) return 1 ;;
    esac
    [ ${#1} -le "$2" ]
}

# The PF's network interface: the first entry of its net/ directory, in the
# shell's sorted order (as read-sysfs.sh lists them). Sets $ifname; fails with $reason.
pf_ifname() {
    ifname=
    for entry in "$pci/devices/$1"/net/*; do
        if [ -e "$entry" ] || [ -L "$entry" ]; then ifname=${entry##*/}; break; fi
    done
    if [ -z "$ifname" ]; then reason="$1 has no network interface"; return 1; fi
    if ! is_ifname "$ifname"; then reason="bad interface name: $ifname"; return 1; fi
}

# <pf> <n>: a present SR-IOV PF with a network interface, and one of the VFs
# it has now. Sets $ifname; fails with $reason.
check_vf() {
    check_device "$1" || return 1
    if [ ! -f "$pci/devices/$1/sriov_numvfs" ]; then reason="$1 is not an SR-IOV physical function"; return 1; fi
    if ! is_number "$2" 5; then reason="bad VF index: $2"; return 1; fi
    numvfs=
    read -r numvfs < "$pci/devices/$1/sriov_numvfs"
    if ! is_number "$numvfs" 5; then reason="cannot read sriov_numvfs of $1"; return 1; fi
    if [ "$2" -ge "$numvfs" ]; then reason="VF index $2 is past sriov_numvfs ($numvfs)"; return 1; fi
    pf_ifname "$1"
}

# Validates one setting: <key> <value> as vf-set takes them. Sets $key and
# $val (the value, which vf_field reads back in the same form); fails with $reason.
vf_setting() {
    key=$1 val=$2
    case $key in
    mac)
        case $val in
        [0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]) ;;
        *) reason="bad MAC address: $val (six pairs of lower-case hexadecimal digits, such as 52:54:00:12:34:56)"; return 1 ;;
        esac
        case $val in
        ?[13579bdf]:*) reason="$val is a multicast address: a VF needs a unicast one (the first byte must be even)"; return 1 ;;
        00:00:00:00:00:00) reason="00:00:00:00:00:00 is not a usable address"; return 1 ;;
        esac
        ;;
    vlan)
        v=${val%%,*} q=${val#*,}
        if [ "$v" = "$val" ] || ! is_number "$v" 4 || ! is_number "$q" 1; then
            reason="bad VLAN: $val (VLAN ID,priority, such as 100,0)"; return 1
        fi
        if [ "$v" -gt 4094 ]; then reason="bad VLAN ID: $v (0 for none, 1 to 4094)"; return 1; fi
        if [ "$q" -gt 7 ]; then reason="bad VLAN priority (qos): $q (0 to 7)"; return 1; fi
        if [ "$q" -gt 0 ] && [ "$v" = 0 ]; then reason="a VLAN priority (qos) needs a VLAN ID"; return 1; fi
        ;;
    spoofchk|trust)
        case $val in
        on|off) ;;
        *) reason="bad $key value: $val (on or off)"; return 1 ;;
        esac
        ;;
    state)
        case $val in
        auto|enable|disable) ;;
        *) reason="bad link state: $val (auto, enable or disable)"; return 1 ;;
        esac
        ;;
    rate)
        lo=${val%%,*} hi=${val#*,}
        if [ "$lo" = "$val" ] || ! is_number "$lo" 7 || ! is_number "$hi" 7 || [ "$lo" -gt 1000000 ] || [ "$hi" -gt 1000000 ]; then
            reason="bad rates: $val (minimum,maximum in Mbit/s, 0 to 1000000, 0 for no limit)"; return 1
        fi
        if [ "$hi" != 0 ] && [ "$lo" -gt "$hi" ]; then reason="the minimum rate $lo is above the maximum $hi"; return 1; fi
        ;;
    *)
        reason="unknown VF setting: $key"; return 1
        ;;
    esac
}

# The state of VF $2 of interface $1, from ip's text output (no JSON in
# shell). Sets $vfstate (vf-read's answer); fails with $out.
vf_state() {
    if ! shown=$(timeout -k 2 "$write_timeout" ip -d link show dev "$1" 2>&1); then
        out=${shown:-ip -d link show dev $1 failed}
        return 1
    fi
    # Lines such as (iproute2 6.x, then older):
    #   vf 0     link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff, vlan 100, qos 3, spoof checking off, link-state auto, trust on, query_rss off
    #   vf 1 MAC 02:00:00:00:00:02, vlan 7, qos 1, tx rate 100 (Mbps), max_tx_rate 100Mbps, min_tx_rate 10Mbps, spoof checking on, link-state disable
    vfstate=$(printf '%s\n' "$shown" | awk -v n="$2" '
        $1 == "vf" && $2 == n && !found {
            found = 1
            mac = "-"; vlan = 0; qos = 0; spoof = "-"; trust = "-"; state = "-"; min = 0; max = -1; tx = 0
            line = $0
            sub(/^[ \t]*vf[ \t]+[0-9]+[ \t]+/, "", line)
            k = split(line, items, /,[ \t]*/)
            for (i = 1; i <= k; i++) {
                w = split(items[i], t, /[ \t]+/)
                if (t[1] == "") { for (j = 1; j < w; j++) t[j] = t[j + 1]; w-- }
                if (i == 1) {
                    for (j = 1; j < w; j++) if (t[j] == "MAC" || t[j] == "link/ether") { mac = tolower(t[j + 1]); break }
                }
                if (w == 2 && t[1] == "vlan" && t[2] ~ /^[0-9]+$/) vlan = t[2] + 0
                else if (w == 2 && t[1] == "qos" && t[2] ~ /^[0-9]+$/) qos = t[2] + 0
                else if (w == 3 && t[1] == "spoof" && t[2] == "checking" && t[3] ~ /^(on|off)$/) spoof = t[3]
                else if (w == 2 && t[1] == "trust" && t[2] ~ /^(on|off)$/) trust = t[2]
                else if (w == 2 && t[1] == "link-state" && t[2] ~ /^(auto|enable|disable)$/) state = t[2]
                else if (w == 2 && t[1] == "max_tx_rate" && t[2] ~ /^[0-9]+Mbps$/) max = t[2] + 0
                else if (w == 2 && t[1] == "min_tx_rate" && t[2] ~ /^[0-9]+Mbps$/) min = t[2] + 0
                else if (w == 4 && t[1] == "tx" && t[2] == "rate" && t[3] ~ /^[0-9]+$/) tx = t[3] + 0
            }
            if (max < 0) max = tx
            h = "[0-9a-f][0-9a-f]"
            if (mac !~ ("^" h ":" h ":" h ":" h ":" h ":" h "$")) mac = "-"
            print mac "|" vlan "|" qos "|" spoof "|" trust "|" state "|" min "|" max
        }')
    if ! printf '%s\n' "$vfstate" | grep -Eqx "$VF_STATE_RE"; then
        out="ip -d link show dev $1 does not show VF $2"
        return 1
    fi
}

# The value of setting $1 in a vf-read line $2, in vf-set's form.
vf_field() {
    IFS='|' read -r f_mac f_vlan f_qos f_spoof f_trust f_state f_min f_max <<FIELDS
$2
FIELDS
    case $1 in
    mac) printf '%s' "$f_mac" ;;
    vlan) printf '%s,%s' "$f_vlan" "$f_qos" ;;
    spoofchk) printf '%s' "$f_spoof" ;;
    trust) printf '%s' "$f_trust" ;;
    state) printf '%s' "$f_state" ;;
    rate) printf '%s,%s' "$f_min" "$f_max" ;;
    esac
}

# ip link set dev <if $1> vf <$2> with setting $3 = $4 (validated), within
# the write timeout. Sets $out to ip's complaint.
vf_ip() {
    vi_if=$1 vi_n=$2
    case $3 in
    vlan) set -- vlan "${4%%,*}" qos "${4#*,}" ;;
    rate) set -- min_tx_rate "${4%%,*}" max_tx_rate "${4#*,}" ;;
    *) set -- "$3" "$4" ;;
    esac
    if out=$(timeout -k 2 "$write_timeout" ip link set dev "$vi_if" vf "$vi_n" "$@" 2>&1); then
        return 0
    else
        rc=$?
        if [ "$rc" -ge 124 ]; then out="ip link set dev $vi_if vf $vi_n $* did not finish within $write_timeout s (timed out)"; fi
        out=${out:-ip link set dev $vi_if vf $vi_n $* failed}
        return 1
    fi
}

# True if every setting recorded in $1 (vf-read's form; "-": not known, skipped)
# is what $2 shows.
vf_same() {
    for vs_key in mac vlan spoofchk trust state rate; do
        vs_was=$(vf_field "$vs_key" "$1")
        [ "$vs_was" = - ] || [ "$vs_was" = "$(vf_field "$vs_key" "$2")" ] || return 1
    done
}

# Rollback of a "vf" journal line: each recorded setting that differs now is
# set back (an all-zero MAC too: "not set"), then read back.
restore_vf() {
    a=$1 rn=$2 was=$(printf '%s' "$3" | tr , '|')
    # The VF may be gone since (its VF count rolled back first): nothing to restore.
    [ -f "$pci/devices/$a/sriov_numvfs" ] && is_number "$rn" 5 || return 0
    numvfs=
    read -r numvfs < "$pci/devices/$a/sriov_numvfs"
    is_number "$numvfs" 5 && [ "$rn" -lt "$numvfs" ] || return 0
    if ! printf '%s\n' "$was" | grep -Eqx "$VF_STATE_RE" || ! pf_ifname "$a" || ! vf_state "$ifname" "$rn"; then
        reported "vf|$a|$rn|failed"
        return 0
    fi
    vf_same "$was" "$vfstate" && return 0
    now=$vfstate
    for key in mac vlan spoofchk trust state rate; do
        v0=$(vf_field "$key" "$was")
        [ "$v0" = - ] || [ "$v0" = "$(vf_field "$key" "$now")" ] || vf_ip "$ifname" "$rn" "$key" "$v0" || true
    done
    if vf_state "$ifname" "$rn" && vf_same "$was" "$vfstate"; then
        reported "vf|$a|$rn|restored"
    else
        reported "vf|$a|$rn|failed"
    fi
}

vf_rule_file() {
    printf '%s' "$etc/udev/rules.d/71-cockpit-passthrough-vf-$1-$2.rules"
}

# Validates "<key>=<value>" fields (tab-separated, at least one, each key
# once, as vf-set takes them) into $s_mac $s_vlan $s_spoofchk $s_trust
# $s_state $s_rate; fails with $reason.
vf_settings() {
    s_mac= s_vlan= s_spoofchk= s_trust= s_state= s_rate= sr=$1
    while :; do
        item=${sr%%"$TAB"*}
        case $item in
        ?*=?*) ;;
        *) reason="bad setting: \"$item\" (key=value)"; return 1 ;;
        esac
        vf_setting "${item%%=*}" "${item#*=}" || return 1
        case $key in
        mac) given=$s_mac s_mac=$val ;;
        vlan) given=$s_vlan s_vlan=$val ;;
        spoofchk) given=$s_spoofchk s_spoofchk=$val ;;
        trust) given=$s_trust s_trust=$val ;;
        state) given=$s_state s_state=$val ;;
        rate) given=$s_rate s_rate=$val ;;
        esac
        if [ -n "$given" ]; then reason="$key is given twice"; return 1; fi
        [ "$item" = "$sr" ] && break
        sr=${sr#*"$TAB"}
    done
}

# The udev rule applying VF settings at boot: the same events and the same PF
# (address, vendor:device, driver) as the VF count rule of persist_vfs, and
# after it (71 > 70: the VFs exist when RUN runs, after all rules). The PF's
# interface may be named otherwise at boot: each RUN looks it up in sysfs then
# (the first entry of net/, as here). Validated values only; one RUN per setting.
# In udev's strings $kernel is its substitution, $$ a literal $ and \" a ".
persist_vf() {
    a=$1 n=$2
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
    ipbin=$(command -v ip)
    case $ipbin in
    /*) ;;
    *) answer error "ip is not installed"; return ;;
    esac
    case $ipbin in
    *..*|*[!A-Za-z0-9_./+-]*) answer error "ip is at a path this rule cannot name: $ipbin"; return ;;
    esac
    summary= runs=
    for key in mac vlan spoofchk trust state rate; do
        case $key in
        mac) v=$s_mac ;;
        vlan) v=$s_vlan ;;
        spoofchk) v=$s_spoofchk ;;
        trust) v=$s_trust ;;
        state) v=$s_state ;;
        rate) v=$s_rate ;;
        esac
        [ -n "$v" ] || continue
        case $key in
        vlan) args="vlan ${v%%,*} qos ${v#*,}" ;;
        rate) args="min_tx_rate ${v%%,*} max_tx_rate ${v#*,}" ;;
        *) args="$key $v" ;;
        esac
        summary="$summary $key=$v"
        runs="$runs, RUN+=\"/bin/sh -c 'for n in /sys/bus/pci/devices/\$kernel/net/*; do [ -e \\\"\$\$n\\\" ] && exec $ipbin link set dev \\\"\$\${n##*/}\\\" vf $n $args; done'\""
    done
    file=$(vf_rule_file "$a" "$n")
    if { mkdir -p "$etc/udev/rules.d" &&
         printf '%s\n' \
            "# Written by Cockpit (Device passthrough): VF $n of $a ($vendor:$device, driver $drv):$summary" \
            "# Remove this file (or use the \"Kept after reboot\" list) to stop applying these settings at the next boot." \
            "# The same events as 70-cockpit-passthrough-vfs-$a.rules, which creates the VFs first; the PF's interface is looked up when it runs." \
            "ACTION==\"add|bind\", SUBSYSTEM==\"pci\", KERNEL==\"$a\", DRIVER==\"$drv\", ATTR{vendor}==\"$vendor\", ATTR{device}==\"$device\"$runs" \
            > "$file.tmp" &&
         mv -f "$file.tmp" "$file"; } 2>/dev/null; then
        answer ok "$file"
    else
        rm -f "$file.tmp"
        answer error "cannot write $file"
    fi
}

# ---- Kernel arguments: one privileged step (edit, regenerate, restore) ----
# The same rules as src/model/kernel-args.ts editDefaultGrub: only the last
# GRUB_CMDLINE_LINUX_DEFAULT (else GRUB_CMDLINE_LINUX) assignment, only when it
# is one plain quoted value; not when a grub.d drop-in sets it. Anything else
# is refused with "manual: <why>" and the file is not touched.
GRUB_ASSIGN='^[[:space:]]*(export[[:space:]]+)?'

kernel_args() {
    args=$1
    if command -v grubby >/dev/null 2>&1; then
        if out=$(timeout 300 grubby --update-kernel=ALL --args="$args" 2>&1); then answer ok grubby; else answer error "$out"; fi
        return
    fi
    f=$etc/default/grub
    if command -v update-grub >/dev/null 2>&1; then set -- update-grub
    elif command -v grub-mkconfig >/dev/null 2>&1; then set -- grub-mkconfig -o /boot/grub/grub.cfg
    elif command -v grub2-mkconfig >/dev/null 2>&1; then set -- grub2-mkconfig -o /boot/grub2/grub.cfg
    else answer rejected "manual: no grubby, update-grub or grub-mkconfig"; return
    fi
    var=GRUB_CMDLINE_LINUX_DEFAULT
    if ! grep -Eq "${GRUB_ASSIGN}$var=" "$f" 2>/dev/null && grep -Eq "${GRUB_ASSIGN}GRUB_CMDLINE_LINUX=" "$f" 2>/dev/null; then
        var=GRUB_CMDLINE_LINUX
    fi
    for d in "$etc"/default/grub.d/*.cfg; do
        if [ -f "$d" ] && grep -Eq "${GRUB_ASSIGN}$var=" "$d"; then answer rejected "manual: $var is set in /etc/default/grub.d"; return; fi
    done
    last=$(grep -En "${GRUB_ASSIGN}$var=" "$f" 2>/dev/null | tail -n 1)
    n=${last%%:*} line=${last#*:}
    if [ -z "$last" ]; then
        value=
    elif printf '%s\n' "$line" | grep -Eq "${GRUB_ASSIGN}$var=(\"[^\"'\$\`\\\\]*\"|'[^\"'\$\`\\\\]*')[[:space:]]*\$"; then
        value=$(printf '%s\n' "${line#*=}" | sed 's/[[:space:]]*$//')
        value=${value#?}
        value=${value%?}
    else
        answer rejected "manual: $var in /etc/default/grub is not a plain quoted value: $line"
        return
    fi
    new=$value changed=
    for a in $args; do
        case " $value " in *" $a "*) ;; *) new="${new:+$new }$a" changed=1 ;; esac
    done
    if [ -z "$changed" ]; then answer ok unchanged; return; fi
    note "file:$f" || { answer error "cannot record the undo of this change"; return; }
    if [ -z "$last" ]; then
        { cat "$f" 2>/dev/null; printf '%s="%s"\n' "$var" "$new"; } > "$f.tmp"
    else
        prefix=${line%%=*}
        awk -v n="$n" -v repl="$prefix=\"$new\"" 'NR == n { print repl; next } { print }' "$f" > "$f.tmp"
    fi &&
        chmod 0644 "$f.tmp" && mv -f "$f.tmp" "$f" || { rm -f "$f.tmp"; answer error "cannot write $f"; return; }
    if out=$(timeout 300 "$@" 2>&1); then
        answer ok "$*"
    else
        # Leave the bootloader as it was: the file back now, not only at rollback.
        saved=$(grep "^file|$f|" "$journal" | head -n 1 | cut -d'|' -f3)
        if [ -n "$saved" ] && [ "$saved" != - ]; then cp -p "$saved" "$f"; fi
        answer error "$* failed, $f restored: $(printf '%s' "$out" | tail -n 3)"
    fi
}

# ---- The host lock -------------------------------------------------------

user=${SUDO_USER:-$(id -un 2>/dev/null)}
mkdir -p "$run" && chmod 0755 "$run"
exec 9>>"$run/lock"
if ! flock -n 9; then
    # The holder writes its owner line right after taking the lock.
    i=0
    owner=
    while [ $i -lt 20 ]; do
        if [ -s "$run/owner" ]; then read -r owner < "$run/owner"; break; fi
        sleep 0.1
        i=$((i + 1))
    done
    since=${owner%% *} who=${owner#* }
    case $since in ''|*[!0-9]*) since=$(date +%s) who=unknown ;; esac
    while IFS= read -r line; do
        printf 'busy\t%s\t%s\n' "$(($(date +%s) - since))" "$(printf '%s' "$who" | tr -c 'A-Za-z0-9_.@-' '?')"
    done
    exit 0
fi
printf '%s %s\n' "$(date +%s)" "$user" > "$run/owner.tmp" && mv -f "$run/owner.tmp" "$run/owner"

# A journal left by an executor that died: finish it before anything else.
roll_back interrupted

finish() {
    trap '' TERM HUP INT PIPE
    roll_back interrupted
    rm -f "$run/owner"
}
trap 'finish; exit 1' TERM HUP INT PIPE

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
            if note "$subject"; then
                write_file "$target" "$value"
            else
                answer error "cannot record the undo of this write in $journal"
            fi
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
        # A device the host needs must not be taken at the next boot either;
        # driverctl unbinds and reprobes, so not on a device a VM holds.
        if critical "$arg1" || { [ "$op" = persist-driverctl ] && held "$arg1"; }; then answer rejected "$reason"; continue; fi
        if [ "$op" = persist-udev ]; then
            note "file:$(rule_file "$arg1")"
            persist_udev "$arg1"
        elif ! command -v driverctl >/dev/null 2>&1; then
            answer error "driverctl is not installed"
        # set-override also unbinds and reprobes; the device is on vfio-pci
        # already, so it comes straight back there.
        elif ! note "file:$etc/driverctl.d/pci-$arg1"; then
            answer error "cannot record the undo of this change"
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
        note "file:$file"
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
        note "file:$(vfs_rule_file "$a")"
        persist_vfs "$a" "$count" "$ap"
        ;;
    unpersist-vfs)
        if [ "$rest" != "$arg1" ] || ! is_address "$arg1"; then answer rejected "bad address: $rest"; continue; fi
        note "file:$(vfs_rule_file "$arg1")"
        if out=$(rm -f "$(vfs_rule_file "$arg1")" 2>&1); then answer ok ""; else answer error "$out"; fi
        ;;
    vf-read|unpersist-vf)
        # Exactly two fields: the PF's address and the VF's index.
        case $rest in
        *"$TAB"*"$TAB"*|"$arg1") answer rejected "$op needs a PF address and a VF index"; continue ;;
        esac
        pf=$arg1 n=${rest#*"$TAB"}
        if [ "$op" = unpersist-vf ]; then
            # The PF may be gone (hardware changed): the formats are enough to
            # build a file name that cannot leave the directory.
            if ! is_address "$pf"; then answer rejected "bad address: $pf"; continue; fi
            if ! is_number "$n" 5; then answer rejected "bad VF index: $n"; continue; fi
            file=$(vf_rule_file "$pf" "$n")
            if ! note "file:$file"; then answer error "cannot record the undo of this change"; continue; fi
            if out=$(rm -f "$file" 2>&1); then answer ok ""; else answer error "$out"; fi
            continue
        fi
        if ! check_vf "$pf" "$n"; then answer rejected "$reason"; continue; fi
        if vf_state "$ifname" "$n"; then answer ok "$vfstate"; else answer error "$out"; fi
        ;;
    vf-set)
        # Exactly four fields: PF, VF index, key, value.
        case $rest in
        *"$TAB"*"$TAB"*"$TAB"*"$TAB"*) answer rejected "too many fields"; continue ;;
        *"$TAB"*"$TAB"*"$TAB"*) ;;
        *) answer rejected "vf-set needs a PF address, a VF index, a setting and a value"; continue ;;
        esac
        pf=$arg1 r=${rest#*"$TAB"}
        n=${r%%"$TAB"*} r=${r#*"$TAB"}
        if ! check_vf "$pf" "$n" || ! vf_setting "${r%%"$TAB"*}" "${r#*"$TAB"}" || vf_needed "$pf" "$n"; then
            answer rejected "$reason"; continue
        fi
        if ! vf_state "$ifname" "$n"; then answer error "$out"; continue; fi
        if ! journal_add "vf:$pf:$n" "vf|$pf|$n|$(printf '%s' "$vfstate" | tr '|' ',')"; then
            answer error "cannot record the undo of this change in $journal"
            continue
        fi
        if ! vf_ip "$ifname" "$n" "$key" "$val"; then answer error "$out"; continue; fi
        if ! vf_state "$ifname" "$n"; then answer error "$out"; continue; fi
        got=$(vf_field "$key" "$vfstate")
        if [ "$got" = "$val" ]; then answer ok "$vfstate"; else answer error "$key did not apply: the VF reports $got"; fi
        ;;
    persist-vf)
        # PF, VF index, then one or more key=value fields.
        case $rest in
        *"$TAB"*"$TAB"*) ;;
        *) answer rejected "persist-vf needs a PF address, a VF index and at least one key=value setting"; continue ;;
        esac
        pf=$arg1 r=${rest#*"$TAB"}
        n=${r%%"$TAB"*} r=${r#*"$TAB"}
        if ! check_vf "$pf" "$n" || ! vf_settings "$r" || vf_needed "$pf" "$n"; then answer rejected "$reason"; continue; fi
        if ! note "file:$(vf_rule_file "$pf" "$n")"; then answer error "cannot record the undo of this change"; continue; fi
        persist_vf "$pf" "$n"
        ;;
    commit)
        commit
        answer ok ""
        ;;
    rollback)
        roll_back requested
        answer ok "$problems"
        ;;
    kernel-args)
        # One or more arguments, each key or key=value from a small alphabet.
        args=$(printf '%s' "$rest" | tr '\t' ' ')
        ok=1 count=0
        for a in $args; do
            count=$((count + 1))
            if [ ${#a} -gt 64 ] || ! printf '%s\n' "$a" | grep -Eqx '[a-z0-9_.-]+(=[A-Za-z0-9_.,:-]+)?'; then ok=; fi
        done
        if [ -z "$ok" ] || [ "$count" -eq 0 ] || [ "$count" -gt 8 ]; then answer rejected "bad kernel arguments: $args"; continue; fi
        kernel_args "$args"
        ;;
    clear-report)
        rm -f "$run/report"
        answer ok ""
        ;;
    modules-load)
        # A file the page owns: nothing else in modules-load.d is edited.
        f=$etc/modules-load.d/cockpit-passthrough.conf
        note "file:$f"
        if { mkdir -p "$etc/modules-load.d" &&
             printf '%s\n' "# Written by Cockpit (Device passthrough): load vfio-pci at boot." vfio-pci > "$f.tmp" &&
             mv -f "$f.tmp" "$f"; } 2>/dev/null; then
            answer ok "$f"
        else
            rm -f "$f.tmp"
            answer error "cannot write $f"
        fi
        ;;
    *)
        answer rejected "unknown operation: $op"
        ;;
    esac
done

# The input ended without "commit" (the page went away): undo it here.
finish
exit 0
