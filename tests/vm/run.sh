#!/bin/bash
# Boot Debian's kernel under qemu with virtual controllers and run one
# scenario in it:  tests/vm/run.sh tests/vm/scenarios/01-legacy-pin.sh
# Prints PASS/FAIL and exits with the scenario's status; the guest's console
# goes to tests/vm/.out/NAME.log. A guest that prints no result line (crash,
# hang past VM_TIMEOUT seconds) is a failure.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
checkout=$(cd "$here/../.." && pwd)
cache=$here/.cache
out=$here/.out
timeout=${VM_TIMEOUT:-180}

[ $# -eq 1 ] || { echo "usage: $0 SCENARIO" >&2; exit 2; }
scenario=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -f "$scenario" ] || { echo "tests/vm: no scenario $1" >&2; exit 2; }
name=$(basename "$scenario" .sh)
for f in "$cache/vmlinuz" "$cache/initramfs.cpio.gz"; do
	[ -e "$f" ] || { echo "tests/vm: $f missing: run tests/vm/setup.sh" >&2; exit 1; }
done
command -v qemu-system-x86_64 >/dev/null ||
	{ echo "tests/vm: qemu-system-x86_64 missing: run tests/vm/setup.sh" >&2; exit 1; }

controllers=$(sed -n 's/^# controllers: *\([0-9]*\).*/\1/p' "$scenario" | head -n1)
mkdir -p "$out"
log=$out/$name.log
start=$(date +%s)

# TCG, not KVM: KVM hangs at boot on these machines. The host's root is
# shared read-only; the guest writes only to its own tmpfs.
# VM_CONSOLE=1 shows the guest's console as it runs (the demo does).
show_console() {
	if [ "${VM_CONSOLE:-0}" = 1 ]; then
		tee "$log" | tr -d '\r' | sed -u -n '/^Booting from ROM/,$p' |
			sed -u -e '1d' -e 's/^.*\x1b\[2J//' -e '/BTPAIR-VM-RESULT/d' \
				-e '/reboot: Power down/d'
	else
		cat >"$log"
	fi
}

timeout --kill-after=5 "$timeout" qemu-system-x86_64 \
	-accel tcg -m 768 -smp 1 -nographic -no-reboot -monitor none \
	-kernel "$cache/vmlinuz" -initrd "$cache/initramfs.cpio.gz" \
	-append "console=ttyS0 quiet loglevel=3 panic=-1 btpair.checkout=$checkout btpair.scenario=$scenario btpair.controllers=${controllers:-2}" \
	-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
	</dev/null 2>&1 | show_console
qemu_rc=${PIPESTATUS[0]}
elapsed=$(($(date +%s) - start))

result=$(tr -d '\r' <"$log" | grep -ao 'BTPAIR-VM-RESULT: .*' | tail -n1 |
	sed 's/^BTPAIR-VM-RESULT: //')
if [ -z "$result" ]; then
	if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
		why="no result: timed out after ${timeout}s"
	else
		why="no result: qemu exited $qemu_rc"
	fi
	echo "FAIL $name ($why, ${elapsed}s)"
	tail -n 40 "$log" | sed 's/^/     | /'
	exit 1
fi
# A kernel oops is the kernel's bug, but it must not pass unseen.
if tr -d '\r' <"$log" | grep -q 'kernel BUG at\|Oops:\|general protection fault'; then
	echo "note: $name: the guest kernel reported a BUG/Oops (see $log)"
fi
if [ "$result" = 0 ]; then
	echo "PASS $name (${elapsed}s)"
	exit 0
fi
echo "FAIL $name (status $result, ${elapsed}s)"
tr -d '\r' <"$log" | grep -v '^BTPAIR-VM-RESULT' | tail -n 60 | sed 's/^/     | /'
case $result in ''|*[!0-9]*) exit 1 ;; *) exit "$result" ;; esac
