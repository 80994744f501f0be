#!/bin/bash
# Build, once, the Debian 12 root that "# root: systemd" scenarios boot with
# systemd as PID 1: debootstrap's minimal variant from Debian's archive, with
# systemd, udev, the BlueZ tools the scenarios use (btvirt, btmgmt,
# rctest, bluetoothd) and python3, which Raspberry Pi OS ships (the
# programs users write, and the benchmarks' timing ones). Cached in tests/vm/.cache/sysroot; rebuilt when the
# package list below changes. About 4 minutes and 200 MB.
#   tests/vm/sysroot.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
dir=$here/.cache/sysroot
packages=systemd,systemd-sysv,udev,dbus,procps,bluez,bluez-test-tools,python3
suite=bookworm
want="$suite minbase $packages"

die() {
	echo "tests/vm: $*" >&2
	exit 1
}

mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
if [ -f "$dir/root/.built" ] && [ "$(cat "$dir/root/.built")" = "$want" ]; then
	exit 0
fi
command -v debootstrap >/dev/null ||
	die "debootstrap missing: run tests/deps.sh"
mirror=$("$here/../apt-mirror.sh") || exit 1
echo "tests/vm: building the systemd root ($suite, $packages) from $mirror" >&2
rm -rf "$dir/root" "$dir/root.new"
if ! debootstrap --variant=minbase --include="$packages" "$suite" \
	"$dir/root.new" "$mirror" >"$dir/debootstrap.log" 2>&1; then
	tail -n 20 "$dir/debootstrap.log" >&2
	die "debootstrap failed (log: $dir/debootstrap.log)"
fi
# bluetoothd is started by a scenario when it wants one, not at boot. (The
# Pi of a two-guest run enables it again, as Debian's package does:
# tests/vm/init.)
rm -f "$dir/root.new/etc/systemd/system/bluetooth.target.wants/bluetooth.service" \
	"$dir/root.new/etc/systemd/system/dbus-org.bluez.service"
echo "$want" >"$dir/root.new/.built"
mv "$dir/root.new" "$dir/root"
echo "tests/vm: systemd root ready" >&2
