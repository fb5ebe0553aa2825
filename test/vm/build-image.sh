#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the Debian 12 test-host image for the VM tests, once per recipe, and
# prints its directory as the last line of stdout (progress goes to stderr).
#
# The image lives outside the repo, in
#   ${PASSTHROUGH_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cockpit-passthrough}/debian12-<hash>/
# where <hash> covers this script and guest/ (the files copied into the image),
# so any recipe change gives a new directory. It holds vmlinuz, initrd.img,
# disk.raw (whole-disk ext4, no partitions) and the root ssh key id_ed25519.
# Needs root, mmdebstrap and e2fsprogs; never touches the host's /sys.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

# mmdebstrap customize hook (called below as `build-image.sh --customize ROOT
# PUBKEY`): runs outside the chroot, on the finished tree.
if [ "${1:-}" = --customize ]; then
	root=$2
	in_root() { chroot "$root" "$@"; }
	cp -a "$here/guest/." "$root/"
	# An admin as on a real host: sudo asks for the password.
	in_root useradd -m -s /bin/bash -G sudo,libvirt admin
	echo admin:foobar | in_root chpasswd
	install -d -m 700 "$root/root/.ssh"
	install -m 600 "$3" "$root/root/.ssh/authorized_keys"
	in_root systemctl enable cockpit.socket libvirtd.service virtlogd.service ssh.service \
		systemd-networkd.service
	# Nothing waits for the network; background jobs only add noise under TCG.
	in_root systemctl disable systemd-networkd-wait-online.service
	in_root systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer
	# ~5 s each of a TCG boot, useless here (libvirt-guests only acts at shutdown).
	in_root systemctl mask libvirt-guests.service cockpit-motd.service
	# libvirt's NAT network would want dnsmasq and a bridge at every boot.
	rm -f "$root"/etc/libvirt/qemu/networks/autostart/*.xml
	mkdir -p "$root/boot/grub" # update-grub writes /boot/grub/grub.cfg
	# Empty (not "uninitialized"): a fresh id each boot, but no first-boot
	# preset run that could re-enable what is disabled above.
	: >"$root/etc/machine-id"
	# cockpit.service would make this self-signed cert at first start: slow in TCG.
	in_root /usr/lib/cockpit/cockpit-certificate-ensure >/dev/null 2>&1
	exit 0
fi

cache_root=${PASSTHROUGH_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cockpit-passthrough}
hash=$(cd "$here" && {
	find build-image.sh guest -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
	find guest -type f -perm -u+x | LC_ALL=C sort # exec bits matter too (hooks)
} | sha256sum | cut -c1-16)
out="$cache_root/debian12-$hash"

mkdir -p "$cache_root"
# One build at a time: parallel test runs wait here and then reuse the result.
exec 9>"$cache_root/.lock"
flock 9

if [ -d "$out" ]; then
	touch "$out" # keeps it out of the pruning below
	echo "$out"
	exit 0
fi

[ "$(id -u)" = 0 ] || { echo "build-image.sh: must run as root (mmdebstrap root mode)" >&2; exit 1; }

start=$SECONDS
tmp=$(mktemp -d "$cache_root/.build-XXXXXX")
# --one-file-system: if mmdebstrap died with /proc or /dev still mounted in the
# chroot, never recurse into the host's.
trap 'rm -rf --one-file-system "$tmp"' EXIT

ssh-keygen -q -t ed25519 -N '' -C cockpit-passthrough-test -f "$tmp/id_ed25519"

packages=(
	systemd systemd-sysv udev dbus libpam-systemd kmod passwd
	# The kernel boots directly from QEMU; grub is here only so that update-grub
	# works as on a real host (grub-pc-bin gives grub-mkconfig a platform
	# without grub-pc, which would want to install a boot loader).
	linux-image-amd64 grub2-common grub-pc-bin
	cockpit-ws cockpit-bridge cockpit-system
	libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients libvirt-dbus qemu-system-x86
	polkitd sudo pciutils iproute2 openssh-server
)

# Kernel modules the tests never need (sound, GPUs, wireless, exotic HBAs and
# file systems): ~100 MiB of modules remain. Kept on purpose: vfio,
# kvm, virtio, nvme, ethernet/intel (e1000e, igbvf/iavf for SR-IOV), bridge,
# tun, macvtap, netfilter (libvirt), ext4/overlay/fuse, and drm core + bochs so
# the boot VGA at 00:01.0 has a driver as on a real host.
dpkgopts=(
	'path-exclude=/usr/share/man/*' 'path-exclude=/usr/share/info/*'
	'path-exclude=/usr/share/locale/*' 'path-exclude=/usr/share/lintian/*'
	'path-exclude=/usr/share/doc/*' 'path-include=/usr/share/doc/*/copyright'
)
for m in /lib/modules/'*'/kernel /usr/lib/modules/'*'/kernel; do
	for d in sound drivers/media drivers/infiniband drivers/staging drivers/net/wireless \
		drivers/net/can drivers/net/usb drivers/net/wwan drivers/net/ieee802154 drivers/net/hamradio \
		drivers/isdn drivers/bluetooth drivers/usb drivers/hid drivers/iio drivers/input \
		drivers/mtd drivers/mfd drivers/platform drivers/target drivers/atm drivers/firewire \
		drivers/nfc drivers/w1 drivers/pcmcia drivers/leds drivers/spi drivers/power \
		drivers/hwmon drivers/thunderbolt drivers/fpga drivers/edac drivers/comedi \
		net/wireless net/mac80211 net/bluetooth net/ceph net/sunrpc net/rxrpc net/rds net/tipc \
		net/nfc net/can net/ieee802154 net/mac802154 net/batman-adv net/6lowpan net/atm \
		fs/btrfs fs/xfs fs/ocfs2 fs/gfs2 fs/nfs fs/nfsd fs/ceph fs/smb fs/cifs fs/f2fs fs/ntfs3 \
		fs/jfs fs/reiserfs fs/ubifs fs/nilfs2 fs/afs fs/dlm fs/orangefs fs/hfsplus fs/udf; do
		dpkgopts+=("path-exclude=$m/$d/*")
	done
	dpkgopts+=(
		"path-exclude=$m/drivers/net/ethernet/*" "path-include=$m/drivers/net/ethernet/intel/*"
		"path-exclude=$m/drivers/gpu/*" "path-include=$m/drivers/gpu/drm/drm*"
		"path-include=$m/drivers/gpu/drm/ttm/*" "path-include=$m/drivers/gpu/drm/tiny/*"
		"path-exclude=$m/drivers/scsi/*/*"
	)
done

args=(--variant=apt --mode=root --format=directory
	--aptopt="APT::Sandbox::User \"root\"" # the cache may sit in root's 0700 home
	--include="$(IFS=,; echo "${packages[*]}")"
	# No sysfs in the chroot at all: package scripts must not see or poke the
	# host's devices (mmdebstrap would mount it read-only, or rbind it rw).
	--skip=chroot/mount/sys
	# Before the kernel package runs update-initramfs: small initrd (MODULES=list)
	# with what the root fs needs.
	--setup-hook="mkdir -p \"\$1/etc\" && cp -a '$here/guest/etc/initramfs-tools' \"\$1/etc/\""
	--customize-hook="bash '$here/build-image.sh' --customize \"\$1\" '$tmp/id_ed25519.pub'"
)
for o in "${dpkgopts[@]}"; do args+=(--dpkgopt="$o"); done

echo "build-image.sh: building $out" >&2
mmdebstrap "${args[@]}" bookworm "$tmp/root" \
	"deb http://deb.debian.org/debian bookworm main" \
	"deb http://deb.debian.org/debian bookworm-updates main" \
	"deb http://deb.debian.org/debian-security bookworm-security main" >&2

cp "$tmp"/root/boot/vmlinuz-* "$tmp/vmlinuz"
cp "$tmp"/root/boot/initrd.img-* "$tmp/initrd.img"
basename "$tmp"/root/boot/vmlinuz-* | sed 's/^vmlinuz-//' >"$tmp/kernel-version"
# Whole-disk ext4 from the tree, no loop mount; 1.5 GiB free for the tests
# (the file is sparse, so only the used part takes space).
used=$(du -sm --one-file-system "$tmp/root" | cut -f1)
mkfs.ext4 -q -L root -d "$tmp/root" "$tmp/disk.raw" "$((used * 11 / 10 + 1536))M" >&2
rm -rf --one-file-system "$tmp/root"

mv -T "$tmp" "$out"
trap - EXIT
# Images of older recipes that no run has used for a day.
find "$cache_root" -maxdepth 1 -name 'debian12-*' ! -name "debian12-$hash" -mtime +1 \
	-exec rm -rf --one-file-system {} + || true
echo "build-image.sh: built in $((SECONDS - start)) s, $(du -sm "$out" | cut -f1) MiB on disk" >&2
echo "$out"
