# SPDX-License-Identifier: LGPL-2.1-or-later
# Reads what tells which devices the host itself needs: interface addresses
# and routes, Cockpit's own connections, and mounted block devices.
# Constant text; sections start with "@name". A command that fails gives
# "@failed" and "<name>: <its first error line>" instead: the page then does
# not know which devices the host uses, and says so (fail closed).
# Parsed by src/model/host-usage.ts.
section() {
    name=$1
    shift
    if out=$("$@" 2>/dev/null); then
        printf '@%s\n%s\n' "$name" "$out"
    else
        err=$("$@" 2>&1 >/dev/null | head -n 1)
        printf '@failed\n%s: %s\n' "$name" "${err:-$1 failed}"
    fi
}
section addr ip -j addr show
section route4 ip -j -4 route show default
echo "@route6"; ip -j -6 route show default 2>/dev/null # IPv6 may be off: not an error
echo "@listen"; systemctl show -p Listen cockpit.socket 2>/dev/null
section conn ss -Htn state established
section lsblk lsblk -J -o NAME,KNAME,TYPE,MOUNTPOINT
exit 0
