# SPDX-License-Identifier: LGPL-2.1-or-later
# Reads what tells which devices the host itself needs: interface addresses
# and routes, Cockpit's own connections, and mounted block devices.
# Constant text; sections start with "@name". Parsed by src/model/host-usage.ts.
echo "@addr";   ip -j addr show 2>/dev/null
echo "@route4"; ip -j -4 route show default 2>/dev/null
echo "@route6"; ip -j -6 route show default 2>/dev/null
echo "@listen"; systemctl show -p Listen cockpit.socket 2>/dev/null
echo "@conn";   ss -Htn state established 2>/dev/null
echo "@lsblk";  lsblk -J -o NAME,KNAME,TYPE,MOUNTPOINT 2>/dev/null
exit 0
