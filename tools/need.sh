#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Makes sure the Debian packages a target needs are installed.
# As root it installs what is missing; as anyone else it names it and fails.
# Usage: tools/need.sh build|check|demo|bench|package|po [HOSTS]
# HOSTS (check, demo): comma-separated test host kinds (test/vm/hosts.ts);
# aarch64 needs the arm64 emulator and qemu-user-static to build its image;
# the x86_64 kinds need QEMU 8 or later (-device igb, the SR-IOV NIC), which
# Debian 12 has in bookworm-backports only.
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

# QEMU 8+ for the x86_64 kinds: the emulated Intel 82576 (-device igb) with
# SR-IOV. Debian 12 ships 7.2; bookworm-backports has 10.
x86_qemu_old=""
case "${1:-check}" in check|demo)
    case ",${2:-x86_64}," in *,x86_64,*|*,x86_64-backports,*)
        if command -v qemu-system-x86_64 >/dev/null 2>&1; then
            version=$(qemu-system-x86_64 --version | sed -n 's/^QEMU emulator version \([0-9.]*\).*/\1/p')
            [ "${version%%.*}" -ge 8 ] 2>/dev/null || x86_qemu_old="QEMU ${version:-of unknown version} is installed"
        else
            x86_qemu_old="QEMU is not installed"
        fi ;;
    esac ;;
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

# The QEMU system packages share qemu-system-common: once one comes from
# bookworm-backports, all of them must (qemu-system-arm too, when installed).
# qemu-user-static is left as it is (it shares nothing with them).
backports=""
installed_major=$(dpkg-query -W -f '${Version}' qemu-system-common 2>/dev/null | sed -n 's/^\([0-9]*:\)\{0,1\}\([0-9]*\)\..*/\2/p')
if [ -n "$x86_qemu_old" ] || [ "${installed_major:-0}" -ge 8 ]; then
    for pkg in qemu-system-x86 qemu-utils qemu-system-arm; do
        case " $missing " in
            *" $pkg "*) missing=$(echo " $missing " | sed "s/ $pkg / /; s/^ //; s/ $//"); backports="$backports $pkg" ;;
            *) if [ -n "$x86_qemu_old" ] && { [ "$pkg" != qemu-system-arm ] || dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q ' installed$'; }; then
                   backports="$backports $pkg"
               fi ;;
        esac
    done
fi
backports=${backports# }
[ -z "$missing" ] && [ -z "$backports" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    if [ -n "$missing" ]; then
        echo "Missing Debian packages for 'make ${1:-check}': $missing" >&2
        echo "Install them as root:  apt-get install -y $missing" >&2
    fi
    if [ -n "$backports" ]; then
        [ -z "$x86_qemu_old" ] || echo "The x86_64 test hosts need QEMU 8 or later (-device igb); $x86_qemu_old." >&2
        echo "Install it from bookworm-backports as root: add 'deb <your Debian mirror> bookworm-backports main'" \
            "to /etc/apt/sources.list.d/, apt-get update," \
            "apt-get install -y$(for p in $backports; do printf ' %s/bookworm-backports' "$p"; done)" >&2
    fi
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if [ -n "$backports" ] && ! apt-get indextargets --format '$(RELEASE)' 2>/dev/null | grep -qx bookworm-backports; then
    # The same mirror as the Debian archive apt already uses.
    mirror=$(apt-get indextargets --format '$(RELEASE) $(REPO_URI)' | sed -n 's/^bookworm //p' | head -n1)
    if [ -z "$mirror" ]; then
        echo "No bookworm entry in apt's sources to add bookworm-backports next to: add it by hand" >&2
        exit 1
    fi
    echo "deb ${mirror%/} bookworm-backports main" >/etc/apt/sources.list.d/bookworm-backports.list
    echo "Added bookworm-backports to apt's sources (/etc/apt/sources.list.d/bookworm-backports.list)"
fi
apt-get update -qq
if [ -n "$missing" ]; then
    echo "Installing Debian packages: $missing"
    # shellcheck disable=SC2086 # word splitting of the package list is intended
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if [ -n "$backports" ]; then
    echo "Installing from bookworm-backports: $backports"
    # pkg/bookworm-backports rather than -t: -t would also move other installed
    # QEMU packages (qemu-user-static) to backports.
    # shellcheck disable=SC2046 # one word per package is intended
    apt-get install -y -qq --no-install-recommends $(for p in $backports; do echo "$p/bookworm-backports"; done) >/dev/null
fi
