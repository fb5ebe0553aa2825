#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Makes sure the Debian packages a target needs are installed.
# As root it installs what is missing; as anyone else it names it and fails.
# Usage: tools/need.sh build|check|demo|bench|package|po [HOSTS]
# HOSTS (check, demo): comma-separated test host kinds (test/vm/hosts.ts);
# aarch64 needs the arm64 emulator and qemu-user-static to build its image.
set -eu

# command:package pairs per target
case "${1:-check}" in
    build) wanted="node:nodejs npm:npm" ;;
    check) wanted="node:nodejs npm:npm qemu-system-x86_64:qemu-system-x86 qemu-img:qemu-utils mmdebstrap:mmdebstrap
                   mkfs.ext4:e2fsprogs curl:curl ssh:openssh-client ssh-keygen:openssh-client chromium:chromium" ;;
    demo)  wanted="node:nodejs npm:npm qemu-system-x86_64:qemu-system-x86 qemu-img:qemu-utils mmdebstrap:mmdebstrap
                   mkfs.ext4:e2fsprogs curl:curl ssh:openssh-client ssh-keygen:openssh-client" ;;
    po)    wanted="node:nodejs msgmerge:gettext" ;;
    bench) wanted="node:nodejs npm:npm lspci:pciutils chromium:chromium strace:strace cc:gcc" ;;
    # make rpm, make deb, make check-packaging: the builders, the linters, and
    # the Debian equivalents of the spec's BuildRequires (make, appstream-util).
    package) wanted="node:nodejs npm:npm git:git xz:xz-utils make:make rpmbuild:rpm rpmlint:rpmlint
                   dpkg-buildpackage:dpkg-dev dh:debhelper fakeroot:fakeroot lintian:lintian
                   appstreamcli:appstream appstream-util:appstream-util" ;;
    *) echo "usage: $0 build|check|demo|bench|package|po [HOSTS]" >&2; exit 2 ;;
esac
case ",${2:-}," in
    *,aarch64,*) wanted="$wanted qemu-system-aarch64:qemu-system-arm qemu-aarch64-static:qemu-user-static
                         update-binfmts:binfmt-support arch-test:arch-test" ;;
esac

missing=""
for pair in $wanted; do
    cmd=${pair%%:*}
    pkg=${pair#*:}
    if ! command -v "$cmd" >/dev/null 2>&1 && ! [ -x "/usr/sbin/$cmd" ] && ! [ -x "/sbin/$cmd" ]; then
        case " $missing " in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
    fi
done
missing=${missing# }
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages for 'make ${1:-check}': $missing" >&2
    echo "Install them as root:  apt-get install -y $missing" >&2
    exit 1
fi
echo "Installing Debian packages: $missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y -qq --no-install-recommends $missing >/dev/null
