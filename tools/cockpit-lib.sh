#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Puts Cockpit's own pkg/lib (types, dialogs, hooks, superuser, po plugin) into
# pkg/lib (not in git), taken from Debian's `cockpit` source package at one
# pinned version, the way starter-kit takes it from Cockpit's git at one commit.
#
# apt runs with its own sources list, lists and cache under a temporary
# directory: the one deb-src entry exists only for this call and the system's
# apt configuration is not touched. apt checks the archive's signature and the
# tarball's checksum. A source tarball made by `make dist` already holds
# pkg/, so building from it needs no network.
set -eu

VERSION=337-1+deb13u2   # Debian 13 (trixie); the same upstream 337 as bookworm-backports
SUITE=trixie
UPSTREAM=${VERSION%%-*}
DEST=pkg
STAMP=$DEST/.cockpit-lib-version

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$VERSION" ]; then
    exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/src"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $SUITE main" >"$tmp/sources.list"
set -- -o Dir::Etc::SourceList="$tmp/sources.list" -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::State::Lists="$tmp/lists" -o Dir::Cache="$tmp/cache" -o Dir::State::status=/dev/null \
    -o Debug::NoLocking=1 -o APT::Sandbox::User="$(id -un)"
apt-get "$@" -qq update
(cd "$tmp/src" && apt-get "$@" -qq source --download-only "cockpit=$VERSION")

rm -rf "$DEST/lib" "$DEST/cockpit-package.json" "$STAMP"
mkdir -p "$DEST"
# Only pkg/lib (and the upstream package.json, for the versions it was built with).
tar -xJf "$tmp/src/cockpit_$UPSTREAM.orig.tar.xz" -C "$tmp" \
    "cockpit-$UPSTREAM/pkg/lib" "cockpit-$UPSTREAM/package.json"
mv "$tmp/cockpit-$UPSTREAM/pkg/lib" "$DEST/lib"
mv "$tmp/cockpit-$UPSTREAM/package.json" "$DEST/cockpit-package.json"
echo "$VERSION" >"$STAMP"
echo "cockpit-lib: Cockpit $VERSION pkg/lib in $DEST/lib"
