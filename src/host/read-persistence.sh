# SPDX-License-Identifier: LGPL-2.1-or-later
# Reads what is kept after reboot: this page's udev rules (device bindings,
# and VF counts: 70-cockpit-passthrough-vfs-*.rules, which the first glob covers; VF
# network settings: 71-cockpit-passthrough-vf-*.rules) and driverctl's saved overrides. Readable without administrative access.
# And the driver each device had before "Prepare" (the executor records it in
# /var/lib/cockpit-passthrough/previous-drivers/<address>: "vendor:device driver"):
#   P <TAB> address <TAB> line
# Arguments: the /etc root and the /var/lib/cockpit-passthrough root (only tests change them).
# Output, parsed by src/model/persistence.ts: for every such file
#   F <TAB> path
#   L <TAB> line      for each of its lines
# (Not grep -Z: a NUL does not survive Cockpit's text channel; and the path
# cannot be split from the line on a colon: addresses hold colons.)
etc=${1:-/etc}
lib=${2:-/var/lib/cockpit-passthrough}
set -- "$etc"/udev/rules.d/70-cockpit-passthrough-*.rules "$etc"/udev/rules.d/71-cockpit-passthrough-vf-*.rules "$etc"/driverctl.d/pci-*
for f in "$@"; do
    [ -f "$f" ] || continue
    printf 'F\t%s\n' "$f"
    while IFS= read -r line || [ -n "$line" ]; do
        printf 'L\t%s\n' "$line"
    done < "$f"
done
for f in "$lib"/previous-drivers/*; do
    [ -f "$f" ] || continue
    line=
    read -r line < "$f"
    printf 'P\t%s\t%s\n' "${f##*/}" "$line"
done
exit 0
