# Reads what is kept after reboot: this page's udev rules (device bindings,
# and VF counts: 70-cockpit-passthrough-vfs-*.rules, which the glob covers) and driverctl's
# saved overrides. Readable without administrative access.
# Argument: the /etc root (only tests change it).
# Output: path NUL line, for every line of every such file (grep -H -Z),
# parsed by src/model/persistence.ts.
etc=${1:-/etc}
set -- "$etc"/udev/rules.d/70-cockpit-passthrough-*.rules "$etc"/driverctl.d/pci-*
for f in "$@"; do
    [ -f "$f" ] && grep -H -Z -s '' "$f"
done
exit 0
