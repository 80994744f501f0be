#!/bin/bash
# Prepare what the VM suite boots: qemu, busybox, BlueZ's test tools, and
# Debian's packaged kernel unpacked into tests/vm/.cache, plus an initramfs
# with the Bluetooth modules. Idempotent; fails loudly when anything is
# missing, so a machine that cannot run the suite never looks like a pass.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=$here/.cache
mkdir -p "$cache"

die() { echo "tests/vm/setup.sh: $*" >&2; exit 1; }

# Host tools the runner and the scenarios use; the guest runs the host's
# binaries through 9p, so everything is installed here.
need_pkgs=()
need() { # COMMAND PACKAGE
	command -v "$1" >/dev/null 2>&1 || need_pkgs+=("$2")
}
need qemu-system-x86_64 qemu-system-x86
need cpio cpio
need btvirt bluez-test-tools
need btmgmt bluez
need rctest bluez-test-tools
[ -x /bin/busybox ] || need_pkgs+=(busybox-static)
if [ ${#need_pkgs[@]} -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] || die "missing ${need_pkgs[*]}; run as root to install"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q "${need_pkgs[@]}" >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null && apt-get install -y -q "${need_pkgs[@]}"; } ||
		die "cannot install ${need_pkgs[*]}"
fi
busybox=$(command -v busybox || true)
[ -x /bin/busybox ] && busybox=/bin/busybox
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	ldd "$busybox" 2>&1 | grep -q 'not a dynamic' ||
	die "$busybox is not static: install busybox-static"

# The kernel: whatever linux-image-amd64 currently depends on.
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
if [ -z "$kpkg" ]; then
	apt-get update -q >/dev/null 2>&1 || true
	kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
fi
[ -n "$kpkg" ] || die "cannot tell which kernel package linux-image-amd64 needs"
kdir=$cache/$kpkg
if [ ! -f "$kdir/.unpacked" ]; then
	rm -rf "$kdir" "$cache"/dl
	mkdir -p "$cache/dl"
	(cd "$cache/dl" && apt-get download "$kpkg" >/dev/null 2>&1) ||
		die "cannot download $kpkg"
	dpkg -x "$cache"/dl/"$kpkg"_*.deb "$kdir" || die "cannot unpack $kpkg"
	rm -rf "$cache/dl"
	touch "$kdir/.unpacked"
fi
kver=${kpkg#linux-image-}
vmlinuz=$kdir/boot/vmlinuz-$kver
moddir=$kdir/lib/modules/$kver
[ -f "$vmlinuz" ] || die "no kernel image in $kpkg"

# The modules, in load order (dependencies first).
modules="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev
virtio_pci netfs fscache 9pnet 9pnet_virtio 9p crc16 rfkill ecc ecdh_generic
af_alg algif_hash algif_skcipher ecb cmac bluetooth hci_vhci rfcomm"

stage=$(mktemp -d "$cache/initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,host,modules}
cp "$busybox" "$stage/bin/busybox"
: >"$stage/modules/order"
for m in $modules; do
	ko=$(find "$moddir" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" | head -n1)
	if [ -z "$ko" ]; then
		# Built into this kernel: nothing to load.
		grep -q "/$m.ko" "$moddir/modules.builtin" 2>/dev/null && continue
		die "module $m not found in $kpkg"
	fi
	case $ko in
	*.xz) xz -dc "$ko" >"$stage/modules/$m.ko" ;;
	*.zst) zstd -qdc "$ko" >"$stage/modules/$m.ko" ;;
	*) cp "$ko" "$stage/modules/$m.ko" ;;
	esac
	echo "$m" >>"$stage/modules/order"
done
cp "$here/init" "$stage/init"
chmod 0755 "$stage/init"
(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$cache/initramfs.cpio.gz.new"
mv "$cache/initramfs.cpio.gz.new" "$cache/initramfs.cpio.gz"
ln -sf "$vmlinuz" "$cache/vmlinuz"
echo "tests/vm: kernel $kver ready"
