#!/bin/bash
# Prepare what the VM suite boots: qemu, busybox, BlueZ's test tools, and
# Debian's packaged kernels (KERNEL=6.1|6.12|all, default all) each unpacked
# into tests/vm/.cache/LABEL, with an initramfs of its Bluetooth modules. Idempotent and cheap when nothing changed; fails
# loudly when anything is missing, so a machine that cannot run the suite
# never looks like a pass.
#
# Everything lives inside the checkout: the guest sees the host's tree over
# 9p but has its own tmpfs over /tmp.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=$here/.cache
mkdir -p "$cache"

die() {
	echo "tests/vm/setup.sh: $*" >&2
	exit 1
}

# Scenarios run in parallel and each may call this first: one at a time, so
# no run ever boots a half-written kernel or initramfs.
exec 9>"$cache/.lock"
flock 9

# quietly LOG CMD...: run CMD with its chatter in LOG, shown only on failure.
quietly() {
	local log=$1
	shift
	if "$@" >"$log" 2>&1; then
		return 0
	fi
	sed 's/^/  | /' "$log" >&2
	return 1
}

apt_log=$cache/apt.log
apt_updated=0
apt_update() {
	[ "$apt_updated" = 1 ] && return 0
	apt_updated=1
	quietly "$apt_log" apt-get update -q
}

# Host tools the runner and the scenarios use; the guest runs the host's
# binaries through 9p, so everything is installed here.
need_pkgs=()
need() { # COMMAND PACKAGE
	command -v "$1" >/dev/null 2>&1 || need_pkgs+=("$2")
}
need qemu-system-x86_64 qemu-system-x86
need cpio cpio
need btvirt bluez-test-tools
need rctest bluez-test-tools
need btmgmt bluez
need btmon bluez
need modinfo kmod
need script bsdutils
need flock util-linux
need python3 python3
if [ ${#need_pkgs[@]} -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] || die "missing ${need_pkgs[*]}; run as root to install"
	export DEBIAN_FRONTEND=noninteractive
	# The lists may be empty or stale on a fresh machine: update only then.
	quietly "$apt_log" apt-get install -y -q --no-install-recommends "${need_pkgs[@]}" ||
		{ apt_update && quietly "$apt_log" apt-get install -y -q --no-install-recommends "${need_pkgs[@]}"; } ||
		die "cannot install ${need_pkgs[*]}"
fi

is_static() {
	[ -x "$1" ] || return 1
	# ldd fails on a static binary, and says why.
	case $(ldd "$1" 2>&1) in
	*"not a dynamic executable"*) return 0 ;;
	*) return 1 ;;
	esac
}

# apt_fetch PACKAGE DIR: download PACKAGE's .deb into DIR, updating the lists
# once if they are empty or name a version the archive no longer has.
apt_fetch() {
	(cd "$2" && quietly "$apt_log" apt-get download "$1") ||
		{ apt_update && (cd "$2" && quietly "$apt_log" apt-get download "$1"); }
}

# The initramfs needs a static busybox. Debian's busybox-static provides
# /bin/busybox; when the host has the dynamic busybox package instead, take
# the static binary from busybox-static's .deb rather than replace it.
busybox=/bin/busybox
if ! is_static "$busybox"; then
	if ! dpkg-query -W -f='${Status}' busybox 2>/dev/null | grep -q 'ok installed'; then
		[ "$(id -u)" -eq 0 ] || die "missing busybox-static; run as root to install"
		quietly "$apt_log" apt-get install -y -q busybox-static ||
			{ apt_update && quietly "$apt_log" apt-get install -y -q busybox-static; } ||
			die "cannot install busybox-static"
	fi
fi
if ! is_static "$busybox"; then
	busybox=$cache/busybox-static/bin/busybox
	if ! is_static "$busybox"; then
		dl=$(mktemp -d "$cache/dl.XXXXXX")
		apt_fetch busybox-static "$dl" || die "cannot download busybox-static"
		rm -rf "$cache/busybox-static"
		dpkg -x "$dl"/busybox-static_*.deb "$cache/busybox-static" ||
			die "cannot unpack busybox-static"
		rm -rf "$dl"
	fi
	is_static "$busybox" || die "no static busybox in busybox-static"
fi

# The kernels: Debian 12's default line (linux-image-amd64, 6.1) and its
# second line (linux-image-6.12-amd64, the 6.12 series Raspberry Pi OS runs).
# KERNEL=6.1|6.12|all (default all) says which to prepare. Each lives in a
# folder of its own, .cache/LABEL: the unpacked package, vmlinuz (a link into
# it) and initramfs.cpio.gz.
kernel_meta() { # LABEL: the metapackage that names the current kernel
	case $1 in
	6.1) echo linux-image-amd64 ;;
	6.12) echo linux-image-6.12-amd64 ;;
	*) return 1 ;;
	esac
}
case ${KERNEL:-all} in
all) labels="6.1 6.12" ;;
6.1 | 6.12) labels=$KERNEL ;;
*) die "KERNEL=$KERNEL: say 6.1, 6.12 or all" ;;
esac

# What the guest needs: virtio-9p to see the host, the kernel crypto user API
# (btvirt's emulated controllers open AF_ALG sockets for AES and CMAC; ecb and
# cmac are only ever requested by name, so they are named here), and the
# Bluetooth core, the vhci driver btvirt uses, and RFCOMM. Their own
# dependencies come from the modules themselves (modinfo), so a kernel whose
# modules depend on others (6.12's bluetooth needs no ecdh_generic, say)
# gets exactly its own list. Two guests on one air (run.sh's "# air:")
# reach the host's btvirt over a virtio console (virtio_console, a module on
# 6.1 and built into 6.12) through the H4 UART driver (hci_uart, which
# btattach drives), and the Pi's root of several boots persists on a
# virtio disk (virtio_blk, ext4, whose checksums need crc32c_generic: it is
# only ever requested by name).
roots="virtio_pci 9pnet_virtio 9p af_alg algif_hash algif_skcipher ecb cmac
bluetooth hci_vhci rfcomm overlay hci_uart virtio_console virtio_blk ext4
crc32c_generic"

# package_version KDIR KPKG: the version of the package unpacked in KDIR,
# as recorded when it was unpacked. A tree unpacked before that was recorded
# still says it: Debian's kernel image names the package version in its
# version string ("... #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (date)"),
# which the bzImage header points to (a 16-bit offset at 0x20e, from 0x200).
package_version() {
	local kdir=$1 kpkg=$2 image off
	if [ -s "$kdir/.version" ]; then
		cat "$kdir/.version"
		return 0
	fi
	image=$kdir/boot/vmlinuz-${kpkg#linux-image-}
	[ -f "$image" ] || return 0
	off=$(od -An -tu2 -j526 -N2 "$image" | tr -d ' ')
	[ -n "$off" ] || return 0
	# dd reads just the string: no head leaving early (pipefail).
	dd if="$image" bs=1 skip=$((off + 512)) count=512 status=none |
		tr '\0' '\n' | sed -n '1s/.* Debian \([^ ]*\) .*/\1/p'
}

# prepare LABEL: download and unpack LABEL's kernel into .cache/LABEL if it is
# not there yet, and (re)build its initramfs when an input changed.
prepare() {
	local label=$1 meta kpkg kdir kver vmlinuz moddir initramfs fresh input
	local dl old have want kcache=$cache/$1
	meta=$(kernel_meta "$label")
	mkdir -p "$kcache"
	kpkg=$(apt-cache depends "$meta" 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	if [ -z "$kpkg" ]; then
		apt_update || die "apt-get update failed"
		kpkg=$(apt-cache depends "$meta" 2>/dev/null |
			awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	fi
	[ -n "$kpkg" ] || die "cannot tell which kernel package $meta needs"
	kdir=$kcache/$kpkg
	# A newer upload under the same package name (Debian keeps the name
	# while the ABI stays) is a different kernel: fetch it too, rather than
	# go on testing the old one under the new one's name.
	if [ -f "$kdir/.unpacked" ]; then
		have=$(package_version "$kdir" "$kpkg")
		want=$(apt-cache policy "$kpkg" 2>/dev/null | sed -n 's/^ *Candidate: //p')
		case $want in
		'' | '(none)') ;;
		*) if [ -z "$have" ] || dpkg --compare-versions "$want" gt "$have"; then
			rm -f "$kdir/.unpacked"
		fi ;;
		esac
	fi
	# A cache laid out before there were two kernels: keep its download.
	if [ "$label" = 6.1 ] && [ ! -f "$kdir/.unpacked" ] &&
		[ -f "$cache/$kpkg/.unpacked" ]; then
		rm -rf "$kdir"
		mv "$cache/$kpkg" "$kdir"
		rm -f "$cache/vmlinuz" "$cache/initramfs.cpio.gz"
	fi
	if [ ! -f "$kdir/.unpacked" ]; then
		dl=$(mktemp -d "$cache/dl.XXXXXX")
		echo "tests/vm: downloading $kpkg (about 70-100 MB, once)" >&2
		apt_fetch "$kpkg" "$dl" || die "cannot download $kpkg"
		rm -rf "$kdir"
		dpkg -x "$dl"/"$kpkg"_*.deb "$kdir" || die "cannot unpack $kpkg"
		dpkg-deb -f "$dl"/"$kpkg"_*.deb Version >"$kdir/.version" ||
			die "cannot read the version of $kpkg"
		rm -rf "$dl"
		touch "$kdir/.unpacked"
		# An older kernel left from a previous Debian point release is
		# 400 MB.
		for old in "$kcache"/linux-image-*; do
			[ "$old" = "$kdir" ] || rm -rf "$old"
		done
	fi
	kver=${kpkg#linux-image-}
	vmlinuz=$kdir/boot/vmlinuz-$kver
	moddir=$kdir/lib/modules/$kver
	[ -f "$vmlinuz" ] || die "no kernel image in $kpkg"
	[ -d "$moddir/kernel" ] || die "no modules in $kpkg"

	initramfs=$kcache/initramfs.cpio.gz
	ln -sfn "$vmlinuz" "$kcache/vmlinuz"
	# The exact package, name and version, for run.sh's and run-all.sh's
	# reports: a kernel update shows in them as such.
	echo "$kpkg $(package_version "$kdir" "$kpkg")" >"$kcache/package.new"
	mv "$kcache/package.new" "$kcache/package"
	echo "$kver" >"$kcache/release.new"
	if cmp -s "$kcache/release.new" "$kcache/release" 2>/dev/null; then
		rm -f "$kcache/release.new"
	else
		mv "$kcache/release.new" "$kcache/release"
	fi
	# Rebuilt only when something that goes into it changed.
	fresh=1
	[ -f "$initramfs" ] || fresh=0
	for input in "$here/init" "$here/setup.sh" "$kdir/.unpacked" "$busybox"; do
		[ "$input" -nt "$initramfs" ] && fresh=0
	done
	if [ "$fresh" = 1 ]; then
		echo "tests/vm: kernel $kver ready"
		return 0
	fi
	build_initramfs "$kpkg" "$moddir" "$initramfs"
	echo "tests/vm: kernel $kver ready (modules: ${order[*]})"
}

# build_initramfs KPKG MODDIR OUTPUT
stage=
trap '[ -z "$stage" ] || rm -rf "$stage" "$stage.cpio.gz"' EXIT
build_initramfs() {
	local kpkg=$1 moddir=$2 initramfs=$3 f n m
	# Module file by name; names use '_' where file names may use '-'.
	unset ko seen
	declare -gA ko=() seen=()
	order=()
	while IFS= read -r f; do
		n=${f##*/}
		n=${n%%.ko*}
		ko[${n//-/_}]=$f
	done < <(find "$moddir/kernel" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz')

	# Dependencies first: insmod, unlike modprobe, loads exactly what it
	# is given.
	visit() {
		local m=$1 d deps
		[ -n "${seen[$m]:-}" ] && return 0
		seen[$m]=1
		if [ -z "${ko[$m]:-}" ]; then
			# Built into this kernel: nothing to load.
			grep -q "/${m//_/[-_]}\.ko" "$moddir/modules.builtin" 2>/dev/null && return 0
			die "module $m not found in $kpkg"
		fi
		deps=$(modinfo -F depends "${ko[$m]}") || die "modinfo failed on ${ko[$m]}"
		for d in ${deps//,/ }; do
			visit "${d//-/_}"
		done
		order+=("$m")
	}
	for m in $roots; do
		visit "$m"
	done

	stage=$(mktemp -d "$cache/initramfs.XXXXXX")
	mkdir -p "$stage"/{bin,dev,proc,sys,host,modules}
	cp "$busybox" "$stage/bin/busybox"
	# busybox's insmod reads only plain modules: unpack compressed ones
	# here.
	for m in "${order[@]}"; do
		f=${ko[$m]}
		case $f in
		*.xz) command -v xz >/dev/null || die "$f is xz-compressed: install xz-utils"
			xz -dc "$f" >"$stage/modules/$m.ko" ;;
		*.zst) command -v zstd >/dev/null || die "$f is zstd-compressed: install zstd"
			zstd -qdc "$f" >"$stage/modules/$m.ko" ;;
		*.gz) gzip -dc "$f" >"$stage/modules/$m.ko" ;;
		*) cp "$f" "$stage/modules/$m.ko" ;;
		esac
	done
	printf '%s\n' "${order[@]}" >"$stage/modules/order"
	cp "$here/init" "$stage/init"
	chmod 0755 "$stage/init"
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$stage.cpio.gz"
	rm -rf "$stage"
	# Atomic: a run already booting keeps the file it opened.
	mv "$stage.cpio.gz" "$initramfs"
	stage=
}

for label in $labels; do
	prepare "$label"
done
