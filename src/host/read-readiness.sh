# SPDX-License-Identifier: LGPL-2.1-or-later
# Reads the facts behind the host readiness checks, as "key<TAB>value" lines
# (multi-line values repeat the key). Constant text; no arguments.
# Parsed by src/host/readiness-reader.ts into ReadinessFacts.
echo "arch	$(uname -m)"
while IFS= read -r line; do
    case "$line" in vendor_id*) echo "cpu_vendor	${line#*: }"; break ;; esac
done < /proc/cpuinfo
for f in /sys/class/iommu/*; do [ -e "$f" ] && echo "iommu	${f##*/}"; done
n=0
for f in /sys/kernel/iommu_groups/*; do [ -e "$f" ] && n=$((n + 1)); done
echo "iommu_groups	$n"
for t in DMAR IVRS IORT; do [ -e "/sys/firmware/acpi/tables/$t" ] && echo "acpi	$t"; done
read -r cmdline < /proc/cmdline; echo "cmdline	$cmdline"
[ -d /sys/module/vfio_pci ] && echo "vfio_loaded	1"
modprobe -n -q vfio-pci 2>/dev/null && echo "vfio_available	1"
for f in /etc/modules-load.d/*.conf /usr/lib/modules-load.d/*.conf /etc/modules; do
    [ -f "$f" ] || continue
    while IFS= read -r line; do
        case "$line" in vfio-pci|vfio_pci) echo "vfio_at_boot	$f" ;; esac
    done < "$f"
done
if [ -r /sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts ]; then
    read -r v < /sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts; echo "unsafe_interrupts	$v"
fi
if command -v grubby >/dev/null 2>&1; then
    echo "bootloader	grubby"
    grubby --info=DEFAULT 2>/dev/null | while IFS= read -r line; do
        case "$line" in args=*) v=${line#args=}; v=${v#\"}; echo "grubby_args	${v%\"}" ;; esac
    done
elif [ -f /etc/default/grub ]; then
    for tool in update-grub grub-mkconfig grub2-mkconfig; do
        command -v "$tool" >/dev/null 2>&1 && { echo "bootloader	grub-default	$tool"; break; }
    done
    while IFS= read -r line || [ -n "$line" ]; do echo "default_grub	$line"; done < /etc/default/grub
    for f in /etc/default/grub.d/*.cfg; do
        [ -f "$f" ] || continue
        while IFS= read -r line || [ -n "$line" ]; do echo "grub_dropin	$line"; done < "$f"
    done
fi
exit 0
