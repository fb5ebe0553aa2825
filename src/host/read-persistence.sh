# SPDX-License-Identifier: LGPL-2.1-or-later
# Reads what is kept after reboot: this page's udev rules (device bindings,
# and VF counts: 70-cockpit-passthrough-vfs-*.rules, which the glob covers) and driverctl's
# saved overrides. Readable without administrative access.
# Argument: the /etc root (only tests change it).
# Output, parsed by src/model/persistence.ts: for every such file
#   F <TAB> path
#   L <TAB> line      for each of its lines
# (Not grep -Z: a NUL does not survive Cockpit's text channel; and the path
# cannot be split from the line on a colon: addresses hold colons.)
etc=${1:-/etc}
set -- "$etc"/udev/rules.d/70-cockpit-passthrough-*.rules "$etc"/driverctl.d/pci-*
for f in "$@"; do
    [ -f "$f" ] || continue
    printf 'F\t%s\n' "$f"
    while IFS= read -r line || [ -n "$line" ]; do
        printf 'L\t%s\n' "$line"
    done < "$f"
done
exit 0
