#!/bin/bash
# Install what building and testing btpair needs on Debian (run as root):
# the compiler and headers, Check, valgrind, clang with libFuzzer, and the
# VM suite's qemu, busybox, BlueZ tools and kernel package; the cross
# compilers, the Pi targets' libcheck (multiarch) and qemu-user; the man,
# systemd and Debian packaging tools. Safe to run again.
#   tests/deps.sh [PACKAGE...]   also install these (bench/deps.sh does)
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(gcc make pkg-config libbluetooth-dev check
	qemu-system-x86 busybox-static bluez bluez-test-tools cpio
	python3 bsdutils
	gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf qemu-user file
	check:arm64 check:armhf
	groff man-db bash-completion systemd
	dpkg-dev debhelper fakeroot lintian
	valgrind clang libclang-rt-14-dev
	"$@")
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "tests/deps.sh: missing ${missing[*]}: run as root" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	# check:arm64 and check:armhf need the Pi architectures known to dpkg.
	dpkg --add-architecture arm64
	dpkg --add-architecture armhf
	# A mirror caught mid-sync answers with a hash mismatch for a while:
	# try again rather than fail the whole run.
	for try in 1 2 3; do
		apt-get update -q && break
		[ "$try" -lt 3 ] || exit 1
		sleep 20
	done
	for try in 1 2 3; do
		apt-get install -y -q --no-install-recommends "${missing[@]}" &&
			break
		[ "$try" -lt 3 ] || exit 1
		sleep 20
		apt-get update -q || true
	done
fi
tests/vm/setup.sh
