# SPDX-License-Identifier: LGPL-2.1-or-later
# Reads what the inventory needs from sysfs for every PCI function at once.
#
# The number of processes is constant whatever the number of devices: this
# shell, one grep for file contents and one find for links. The two run at
# the same time (on separate cores, wall time is the slower of the two, not
# their sum): grep writes to stdout as it goes, find's output is held by the
# shell and written after grep has finished, so records never interleave and
# come in the same order as when they ran one after the other. Neither gets one
# argument per file: `find -exec grep {} +` would, and splits into a new grep
# every 128 KiB of arguments (8 greps at 4,096 functions). grep -r gets the
# function directories and picks the files by name instead; --exclude-dir
# '*[!/]' keeps it out of every subdirectory (child functions below bridges,
# power/, net/...) but not out of the "./<address>/" arguments, which end in a
# slash (grep matches command-line directories by name suffix).
# Arguments: the sysfs root (/sys; benchmarks and tests point it at a copy),
# then, for an incremental read (issue 16), the PCI addresses a uevent named.
# Those are widened here, where the current links can be seen, to their IOMMU
# group members and their PF; a named address that no longer exists is simply
# not printed (the merge in src/model/merge-snapshot.ts then drops it). Below
# the functions read, network interfaces and block devices are found through
# their `subsystem` links rather than by listing /sys/class/{net,block}, whose
# size grows with the host.
#
# Output, one record per line, parsed by src/model/parse-snapshot.ts:
#   L <TAB> path <TAB> link target   for driver, iommu_group, physfn, virtfnN and class/{net,block} entries,
#                                    and ./<address> itself (its target names the upstream bridge)
#   F <TAB> path                     for presence-only files (reset)
#   S <TAB> device dir <TAB> subsystem link target   for net/block devices below the functions (incremental only)
#   path:value                       for file contents (grep -H; the path has no colon after its last slash)
#   [...]                            full reads only: one JSON array per network interface of an SR-IOV
#                                    PF (`ip -j -d link show dev <if>`: its VFs' MAC, VLAN, trust...);
#                                    none when there is no such interface or no `ip`
# The attribute files read for each function, full and incremental alike (one
# list, so both reads always carry the same fields). Only ever run with "&": the
# forked shell becomes grep (exec), so the process count stays the same.
read_files() {
    exec grep -r -H -s --exclude-dir='*[!/]' \
        --include=vendor --include=device --include=subsystem_vendor --include=subsystem_device \
        --include=class --include=revision --include=numa_node --include=boot_vga \
        --include=sriov_totalvfs --include=sriov_numvfs --include=sriov_drivers_autoprobe \
        --include=driver_override --include=reset_method \
        '' "$@"
}

# The network interfaces of the SR-IOV PFs among the function directories
# given ("./<address>/", or "./<address>/sriov_totalvfs" as a glob found it),
# as `ip -batch` commands in $cmds; globs and builtins only, no process.
net_commands() {
    cmds=""
    for d in "$@"; do
        d=${d%sriov_totalvfs}
        [ -e "${d}sriov_totalvfs" ] || continue
        for n in "$d"net/*; do
            [ -e "$n" ] && cmds="${cmds}link show dev ${n##*/}
"
        done
    done
}

# One `ip` for all of them (issue 14): per-VF network state lives in the
# PF's netlink attributes, not in sysfs. -force: an interface that vanished
# mid-read only loses its own line. Called as net=$(read_net) only when $cmds
# is set: the command substitution's subshell becomes ip (exec), so the read
# costs one process more with an SR-IOV network card and none without.
read_net() {
    command -v ip >/dev/null || return 0
    exec ip -j -d -force -batch - 2>/dev/null <<EOF
$cmds
EOF
}

root=${1:-/sys}
cd "$root/bus/pci/devices" 2>/dev/null || { echo "No PCI bus in $root" >&2; exit 1; }
shift
devices=$PWD
if [ $# -gt 0 ]; then
    # Incremental: each address once, only if it is a PCI address in kernel form.
    want=" "
    add() {
        case "$1" in
            *[!0-9a-f:.]*|'') return ;;
            [0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f].[0-7]) ;;
            *) return ;;
        esac
        case "$want" in *" $1 "*) return ;; esac
        [ -d "./$1/" ] && want="$want$1 "
    }
    for a in "$@"; do
        add "$a"
        for m in "./$a/iommu_group/devices/"*; do add "${m##*/}"; done
        # The PF through cd -P, a builtin: no readlink process.
        if [ -L "./$a/physfn" ] && cd -P "./$a/physfn" 2>/dev/null; then
            p=${PWD##*/}
            cd "$devices" || exit 1
            add "$p"
        fi
    done
    set --
    for a in $want; do set -- "$@" "./$a/"; done
    [ $# -gt 0 ] || exit 0
    # grep and find side by side, as below.
    read_files "$@" &
    # One find: the function's own links at depth 1, and the subsystem links of
    # net/block devices below it, not descending into child functions (bridges).
    # Its start points are "./<address>/" (the directories) and "./<address>"
    # (the links themselves, whose target names the upstream bridge, as in a
    # full read); the directories pass the first test unpruned.
    for a in $want; do set -- "$@" "./$a"; done
    links=$(find "$@" \( -path './*/' \) -o \( -type l -path './*:*' ! -path './*/*' -printf 'L\t%p\t%l\n' \) -o \
        \( -type d -name '[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:*:*.[0-7]' -prune \) -o \( \
        \( -path './*/*/*' -name subsystem -type l \( -lname '*/net' -o -lname '*/block' \) -printf 'S\t%h\t%l\n' \) -o \
        \( -path './*/*/*' \) -o \
        \( -type l \( -name driver -o -name iommu_group -o -name physfn -o -name 'virtfn*' \) -printf 'L\t%p\t%l\n' \) -o \
        \( -name reset -printf 'F\t%p\n' \) \) 2>/dev/null)
    # No VF network state here: uevents do not report it (an `ip link set
    # ... vf` sends none), and a VF's bind or unbind does not change it. The
    # page reads it with every full read: at start and after its own changes.
    wait
    printf '%s\n' "$links"
    exit 0
fi
set -- ./*/
[ -d "$1" ] || exit 0
read_files "$@" &
# Only the PFs: a glob that names the file, not a test per function.
net_commands ./*/sriov_totalvfs
net=
for class in net block; do
    [ -d "$root/class/$class" ] && set -- "$@" "$root/class/$class/"
done
links=$(find . "$@" -mindepth 1 -maxdepth 1 \( \
    \( -type l \( -name driver -o -name iommu_group -o -name physfn -o -name 'virtfn*' -o -path '*/class/*' \
                 -o -path './*:*' ! -path './*/*' \) \
       -printf 'L\t%p\t%l\n' \) -o \
    \( -name reset -printf 'F\t%p\n' \) \))
[ -z "$cmds" ] || net=$(read_net)
wait
printf '%s\n' "$links"
[ -z "$net" ] || printf '%s\n' "$net"
# Unreadable attributes (permissions, devices vanishing mid-read) are normal in
# sysfs; what could be read is still a valid snapshot.
exit 0
