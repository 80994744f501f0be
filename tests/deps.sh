#!/bin/bash
# Install what building and testing btpair needs on Debian (run as root):
# the compiler and headers, Check, and the VM suite's qemu, busybox, BlueZ
# tools and kernel package. Safe to run again.
#   tests/deps.sh [PACKAGE...]   also install these (bench/deps.sh does)
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(gcc make pkg-config libbluetooth-dev check
	qemu-system-x86 busybox-static bluez bluez-test-tools cpio
	python3 bsdutils "$@")
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
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
tests/vm/setup.sh
