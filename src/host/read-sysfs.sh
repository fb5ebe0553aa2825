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
# Argument: the sysfs root (/sys; benchmarks and tests point it at a copy).
#
# Output, one record per line, parsed by src/model/parse-snapshot.ts:
#   L <TAB> path <TAB> link target   for driver, iommu_group, physfn, virtfnN and class/{net,block} entries,
#                                    and ./<address> itself (its target names the upstream bridge)
#   F <TAB> path                     for presence-only files (reset)
#   path:value                       for file contents (grep -H; the path has no colon after its last slash)
root=${1:-/sys}
cd "$root/bus/pci/devices" 2>/dev/null || { echo "No PCI bus in $root" >&2; exit 1; }
set -- ./*/
[ -d "$1" ] || exit 0
grep -r -H -s --exclude-dir='*[!/]' \
    --include=vendor --include=device --include=subsystem_vendor --include=subsystem_device \
    --include=class --include=revision --include=numa_node --include=boot_vga \
    --include=sriov_totalvfs --include=sriov_numvfs --include=sriov_drivers_autoprobe \
    --include=driver_override --include=reset_method \
    '' "$@" &
for class in net block; do
    [ -d "$root/class/$class" ] && set -- "$@" "$root/class/$class/"
done
links=$(find . "$@" -mindepth 1 -maxdepth 1 \( \
    \( -type l \( -name driver -o -name iommu_group -o -name physfn -o -name 'virtfn*' -o -path '*/class/*' \
                 -o -path './*:*' ! -path './*/*' \) \
       -printf 'L\t%p\t%l\n' \) -o \
    \( -name reset -printf 'F\t%p\n' \) \))
wait
printf '%s\n' "$links"
# Unreadable attributes (permissions, devices vanishing mid-read) are normal in
# sysfs; what could be read is still a valid snapshot.
exit 0
