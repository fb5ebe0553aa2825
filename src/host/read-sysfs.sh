# Reads what the inventory needs from sysfs for every PCI function at once.
#
# The number of processes is constant whatever the number of devices: this
# shell, one find, and the grep that find batches file reads into (-exec +
# packs as many files into one grep as the argument limit allows).
# Argument: the sysfs root (/sys; benchmarks and tests point it at a copy).
#
# Output, one record per line, parsed by src/model/parse-snapshot.ts:
#   L <TAB> path <TAB> link target   for driver, iommu_group, physfn, virtfnN and class/{net,block} entries
#   F <TAB> path                     for presence-only files (reset)
#   path NUL value                   for file contents (grep -H -Z)
root=${1:-/sys}
cd "$root/bus/pci/devices" 2>/dev/null || { echo "No PCI bus in $root" >&2; exit 1; }
set -- ./*/
[ -d "$1" ] || exit 0
for class in net block; do
    [ -d "$root/class/$class" ] && set -- "$@" "$root/class/$class/"
done
find "$@" -mindepth 1 -maxdepth 1 \( \
    \( -type l \( -name driver -o -name iommu_group -o -name physfn -o -name 'virtfn*' -o -path '*/class/*' \) \
       -printf 'L\t%p\t%l\n' \) -o \
    \( -name reset -printf 'F\t%p\n' \) -o \
    \( -type f \( -name vendor -o -name device -o -name subsystem_vendor -o -name subsystem_device \
                 -o -name class -o -name revision -o -name numa_node -o -name boot_vga \
                 -o -name sriov_totalvfs -o -name sriov_numvfs -o -name sriov_drivers_autoprobe \
                 -o -name driver_override -o -name reset_method \) \
       -exec grep -H -Z -s '' {} + \) \)
# Unreadable attributes (permissions, devices vanishing mid-read) are normal in
# sysfs; what could be read is still a valid snapshot.
exit 0
