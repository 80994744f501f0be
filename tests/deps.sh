#!/bin/bash
# Install what building and testing btpair needs on Debian 12 (run as root),
# then prepare the VM suite's kernel. Safe to run again; quick when nothing
# is missing.
#
#   tests/deps.sh                 everything `make check fuzz` runs: compiler
#                                 and headers, Check, valgrind, clang with
#                                 libFuzzer, the VM suite's qemu, busybox,
#                                 BlueZ tools and kernels, the Pi cross
#                                 compilers with their libc headers and
#                                 libcheck, qemu-user, the man, systemd and
#                                 Debian packaging tools
#   tests/deps.sh --demo          only what `make demo` needs
#   tests/deps.sh [--demo] [--only] PACKAGE...
#                                 also (--only: just) these packages
#
# An index that cannot be fetched (a mirror caught mid-sync, an extra source
# that is down) is a warning naming it: what decides is whether the packages
# install. A package no configured archive has is an error naming it.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=check
only=0
extra=()
while [ $# -gt 0 ]; do
	case $1 in
	--demo) profile=demo ;;
	--only) only=1 ;;
	-h | --help)
		sed -n '2,/^set /{/^#/s/^# \{0,1\}//p}' "$0"
		exit 0
		;;
	-*) echo "tests/deps.sh: unknown option $1" >&2; exit 2 ;;
	*) extra+=("$1") ;;
	esac
	shift
done

# make demo: build btpair and the responder, boot the guest (qemu, busybox,
# cpio, the kernel package's xz-compressed modules), run BlueZ's btvirt.
demo_pkgs=(gcc make libc6-dev pkg-config libbluetooth-dev
	qemu-system-x86 busybox-static bluez bluez-test-tools cpio kmod
	xz-utils python3 bsdutils util-linux procps)
# make check fuzz: the rest. The cross compilers only recommend their libc
# headers, and this installs without recommends: name them. debootstrap
# builds the Debian root the systemd scenarios boot (tests/vm/sysroot.sh);
# e2fsprogs makes the disk that keeps that root across the boots of a
# two-guest scenario (tests/vm/run.sh).
check_pkgs=(check
	gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf
	libc6-dev-arm64-cross libc6-dev-armhf-cross
	qemu-user file check:arm64 check:armhf
	groff man-db bash-completion systemd dbus-daemon
	dpkg-dev build-essential debhelper fakeroot lintian
	valgrind clang libclang-rt-14-dev clang-format
	debootstrap e2fsprogs)

if [ "$only" = 1 ]; then
	pkgs=("${extra[@]}")
elif [ "$profile" = demo ]; then
	pkgs=("${demo_pkgs[@]}" "${extra[@]}")
else
	pkgs=("${demo_pkgs[@]}" "${check_pkgs[@]}" "${extra[@]}")
fi

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'
}

missing=()
for p in "${pkgs[@]}"; do
	installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "tests/deps.sh: missing ${missing[*]}: run as root" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	# Foreign architectures only for the packages that are of one
	# (check:arm64 for the Pi's unit tests under qemu-user).
	for p in "${missing[@]}"; do
		case $p in
		*:*)
			arch=${p##*:}
			dpkg --print-foreign-architectures | grep -qx "$arch" ||
				dpkg --add-architecture "$arch"
			;;
		esac
	done

	log=$(mktemp)
	trap 'rm -f "$log"' EXIT
	# apt-get update exits non-zero when any one index fails, even though
	# every other index was read: say which, and go on.
	update() {
		if apt-get update -q >"$log" 2>&1; then
			return 0
		fi
		local failed
		failed=$(sed -n 's/^E: Failed to fetch \([^ ]*\).*/\1/p' "$log" | sort -u)
		if [ -n "$failed" ]; then
			echo "tests/deps.sh: warning: apt-get update could not fetch:" >&2
			sed 's/^/  /' <<<"$failed" >&2
		else
			echo "tests/deps.sh: warning: apt-get update failed:" >&2
			sed 's/^/  | /' "$log" >&2
		fi
		return 1
	}
	update || true

	# Name what no configured archive has before trying to install, so the
	# error says which package, not just that the install failed.
	unknown=()
	for p in "${missing[@]}"; do
		apt-cache show --no-all-versions "$p" >/dev/null 2>&1 ||
			unknown+=("$p")
	done
	if [ ${#unknown[@]} -gt 0 ]; then
		echo "tests/deps.sh: no package ${unknown[*]} in the configured archives" >&2
		exit 1
	fi

	# A mirror caught mid-sync can also fail a download: try again.
	for try in 1 2 3; do
		if apt-get install -y -q --no-install-recommends "${missing[@]}" \
			>"$log" 2>&1; then
			break
		fi
		if [ "$try" -eq 3 ]; then
			sed 's/^/  | /' "$log" >&2
			echo "tests/deps.sh: cannot install ${missing[*]}" >&2
			exit 1
		fi
		sleep 10
		update || true
	done
	for p in "${missing[@]}"; do
		installed "$p" || {
			echo "tests/deps.sh: $p did not install" >&2
			exit 1
		}
	done
	echo "tests/deps.sh: installed ${missing[*]}"
fi

# The VM suite's kernels: make demo boots one (6.1 unless KERNEL=6.12),
# make check both, and the Debian root its systemd scenarios boot.
if [ "$only" != 1 ]; then
	if [ "$profile" = demo ]; then
		k=${KERNEL:-6.1}
		[ "$k" = all ] && k=6.1
		KERNEL=$k tests/vm/setup.sh
	else
		# Both mostly wait on the network: side by side. (debootstrap
		# keeps its own package lists; setup.sh's apt-get download
		# takes no lock debootstrap needs.)
		tests/vm/sysroot.sh &
		sysroot=$!
		setup_rc=0
		tests/vm/setup.sh || setup_rc=$?
		wait "$sysroot" || exit $?
		[ "$setup_rc" = 0 ] || exit "$setup_rc"
	fi
fi
