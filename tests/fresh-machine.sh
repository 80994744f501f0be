#!/bin/bash
# Rehearse a fresh Debian 12 machine: build a Debian 12 root from Debian's
# archive with debootstrap (what a new install has: the required and
# important packages), copy a clean clone of this repository's HEAD into it,
# and run the README's two commands there, in order, from nothing:
#   tests/deps.sh --demo && make demo
#   tests/deps.sh && make check fuzz
# Run as root; it downloads a few hundred megabytes and takes as long as the
# whole suite, so `make check` does not run it.
#   tests/fresh-machine.sh [--demo-only] [DIR]   DIR: where the root goes
#                                                (default: a new folder
#                                                under /var/tmp)
# FRESH_CHECK overrides the second command's make targets (default
# "check fuzz"), for a shorter rehearsal of the installs alone.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

demo_only=0
if [ "${1:-}" = --demo-only ]; then
	demo_only=1
	shift
fi
[ "$(id -u)" -eq 0 ] || { echo "tests/fresh-machine.sh: run as root" >&2; exit 1; }
root=${1:-$(mktemp -d /var/tmp/btpair-fresh.XXXXXX)}

command -v debootstrap >/dev/null || {
	apt-get install -y -q --no-install-recommends debootstrap ||
		{ apt-get update -q || true; apt-get install -y -q --no-install-recommends debootstrap; }
}

mirror=$("$repo/tests/apt-mirror.sh") || exit 1

mounted=()
cleanup() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount -l "${mounted[$i]}" 2>/dev/null || true
	done
}
trap cleanup EXIT
bind() { # what where
	mkdir -p "$2"
	mount --bind "$1" "$2"
	mounted+=("$2")
}

start=$(date +%s)
if [ ! -x "$root/usr/bin/apt-get" ]; then
	echo "fresh-machine: debootstrap bookworm into $root ($mirror)"
	debootstrap bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 || {
		tail -n 30 "$root.debootstrap.log" >&2
		exit 1
	}
fi
# The sources a Debian 12 install has: the release, its updates, security.
rm -f "$root/etc/apt/sources.list"
cat >"$root/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# The root as a machine's /: a mount point (the two-guest VM runs make a
# mount namespace of their own and set / private in it, which fails on a
# plain directory), and 0755 (mktemp made it 0700: the VM guests, which see
# this tree as their /, would let no other user read anything in it).
chmod 755 "$root"
bind "$root" "$root"
bind /proc "$root/proc"
bind /sys "$root/sys"
bind /dev "$root/dev"
bind /dev/pts "$root/dev/pts"

rm -rf "$root/root/btpair"
git clone -q --no-local "$repo" "$root/root/btpair"
echo "fresh-machine: clone of $(git -C "$repo" rev-parse --short HEAD) ready after $(($(date +%s) - start)) s"

run_in_root() { # DESCRIPTION COMMAND
	local t0=$(date +%s) rc=0
	echo "fresh-machine: $2"
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root TERM=dumb CI=${CI:-} /bin/bash -c "cd /root/btpair && $2" \
		>"$root.$1.log" 2>&1 || rc=$?
	tail -n 15 "$root.$1.log"
	echo "fresh-machine: $1: exit $rc after $(($(date +%s) - t0)) s (log: $root.$1.log)"
	return "$rc"
}

rc=0
run_in_root demo "tests/deps.sh --demo && make demo" || rc=1
if [ "$demo_only" = 0 ] && [ "$rc" -eq 0 ]; then
	run_in_root check "tests/deps.sh && make ${FRESH_CHECK:-check fuzz}" || rc=1
fi
echo "fresh-machine: $([ "$rc" -eq 0 ] && echo passed || echo FAILED) in $(($(date +%s) - start)) s"
exit "$rc"
