#!/bin/bash
# Boot one of Debian's kernels under qemu with virtual controllers and run one
# scenario in it:
#   [KERNEL=6.1|6.12] tests/vm/run.sh tests/vm/scenarios/01-legacy-pin.sh [ARGS...]
# KERNEL picks the kernel setup.sh prepared (default 6.1, which "all" means
# here too: one run boots one kernel). The scenario's header line
# "# controllers: N" (default 2) says how many controllers btvirt makes; ARGS
# are passed to it; "# timeout: S" how long the guest may run (default
# 420 s; VM_TIMEOUT overrides both). Prints one PASS/FAIL/OOPS line, which
# names the kernel package and version booted, and exits with the
# scenario's status; the guest's console goes to tests/vm/.out/KERNEL/NAME.log,
# the JSON lines btpair printed in it to tests/vm/.out/KERNEL/NAME.json.
# A guest that prints no result line (crash, hang past VM_TIMEOUT seconds) is
# a failure.
#
# Kernel oopses (tests/vm/KERNELS.md): the header "# kernel-oops: 6.1" says the
# scenario takes a path on which that kernel has a known bug that oopses it.
# On such a kernel, a guest that printed an Oops and no failed check is
# reported "OOPS" and exits 3: neither passed nor a btpair failure. An Oops
# anywhere else is a failure. "# kernel-oops-expected: 6.1" marks a
# reproducer: on that kernel it passes only if the Oops appears after the
# scenario's oops_step line (lib.sh) with no check failed before it,
# elsewhere only if there is no Oops.
#
# Two machines on one virtual air: "# air: hc05 [sdp] [off=S|wait]
# [off@K=S|wait]..." (with "# root: systemd") boots, besides the scenario's
# guest (the Pi), a small device guest that plays an HC-05
# (tests/vm/air-device.sh: legacy PIN 1234, an RFCOMM line server on channel
# 1 that demands authentication, with sdp a Serial Port record); each guest
# reaches a btvirt -s run here for this run alone (its own mount namespace,
# a tmpfs over /tmp) over a virtio console, and gets its controller from
# btattach, as a Pi's UART controller. off=S keeps the device's controller
# off for its first S seconds, off=wait until the scenario switches it on
# (lib.sh air_switch_on); off@K= says it for boot K alone. The device's
# console goes to tests/vm/.out/KERNEL/NAME.device.log, its tail into a
# failure's report. "# boots: N" boots the Pi N times on one root kept on a
# disk of the run's own (an SD card); the scenario runs in each ($BOOT) and
# every boot must pass. "# kernel-args: ..." adds kernel parameters for the
# scenario's guest (module parameters too: init hands them to insmod). A
# timeout is each boot's.
set -euo pipefail

# Physical paths: the guest resolves them in the 9p tree, where an absolute
# symlink on the way would point into the guest's own root instead.
here=$(cd "$(dirname "$0")" && pwd -P)
checkout=$(cd "$here/../.." && pwd -P)
kernel=${KERNEL:-6.1}
[ "$kernel" = all ] && kernel=6.1
case $kernel in
6.1 | 6.12) ;;
*) echo "tests/vm: KERNEL=$kernel: say 6.1 or 6.12" >&2; exit 2 ;;
esac
cache=$here/.cache/$kernel
out=$here/.out/$kernel
# Generous: the slowest scenarios (scan, the doctor's, five fresh rounds)
# take two to three minutes on a loaded 2-core machine under TCG.
timeout=${VM_TIMEOUT:-420}

die() {
	echo "tests/vm: $*" >&2
	exit 1
}

[ $# -ge 1 ] || { echo "usage: $0 SCENARIO [ARGS...]" >&2; exit 2; }
all_args=("$@")
[ -f "$1" ] || { echo "tests/vm: no scenario $1" >&2; exit 2; }
scenario=$(cd "$(dirname "$1")" && pwd -P)/$(basename "$1")
shift
name=$(basename "$scenario" .sh)
# The guest sees the host's tree, but only the checkout survives its tmpfs
# mounts (/tmp, /root, ... are covered): the scenario must live there.
case $scenario in
"$checkout"/*) ;;
*) die "$scenario is outside the checkout $checkout: the guest cannot see it" ;;
esac
# The kernel command line carries these paths and splits on blanks.
case $checkout$scenario in
*[[:space:]]*) die "the checkout path must not contain blanks: $checkout" ;;
esac
for f in "$cache/vmlinuz" "$cache/initramfs.cpio.gz"; do
	[ -e "$f" ] || die "$f missing: run KERNEL=$kernel tests/vm/setup.sh"
done
[ "$here/init" -nt "$cache/initramfs.cpio.gz" ] &&
	die "the initramfs is older than tests/vm/init: run KERNEL=$kernel tests/vm/setup.sh"
command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 missing: run tests/vm/setup.sh"

# header FIELD: the value of the scenario's first "# FIELD: ..." line. sed
# quits at it by itself: no reader that stops early, whose SIGPIPE upstream
# pipefail would turn into a failure (or, under !, a success).
header() {
	sed -n "/^# $1:/{s/^# $1: *//p;q;}" "$scenario"
}
controllers=$(header controllers | sed 's/^\([0-9]*\).*/\1/')
controllers=${controllers:-2}
# header_has FIELD: the scenario's "# FIELD: K1 K2 ..." names this kernel.
# grep reads all its input (no -q): see header.
header_has() {
	header "$1" | tr ' ,' '\n\n' | grep -xF "$kernel" >/dev/null
}
oops_known=0 oops_expected=0
header_has kernel-oops && oops_known=1
header_has kernel-oops-expected && oops_expected=1
air=$(header air)
boots=$(header boots | sed 's/^\([0-9]*\).*/\1/')
boots=${boots:-1}
[ "$boots" -ge 1 ] 2>/dev/null || die "$name: \"# boots: $boots\" is not a number of boots"
kernel_args=$(header kernel-args)
# Only the systemd root is kept on a disk from boot to boot.
[ "$boots" = 1 ] || [ "$(header root)" = systemd ] ||
	die "$name: \"# boots:\" needs \"# root: systemd\""
if [ -n "$air" ]; then
	[ "$(header root)" = systemd ] ||
		die "$name: \"# air:\" needs \"# root: systemd\" (the Pi boots with systemd)"
	for w in $air; do
		case $w in
		hc05 | sdp | off=wait | off@[0-9]*=wait) ;;
		off=[0-9]* | off@[0-9]*=[0-9]*)
			case ${w#*=} in *[!0-9]*) die "$name: air: $w: say off=SECONDS or off=wait" ;; esac ;;
		*) die "$name: air: unknown word $w (hc05, sdp, off=S|wait, off@BOOT=S|wait)" ;;
		esac
	done
	for t in unshare stdbuf mkfs.ext4; do
		command -v "$t" >/dev/null || die "$t missing: run tests/deps.sh"
	done
	# A run of its own: btvirt -s listens at fixed paths under /tmp, so
	# each run gets its own /tmp in its own mount namespace.
	if [ -z "${BTPAIR_VM_AIR_NS:-}" ]; then
		err=$(unshare --mount --propagation private true 2>&1) ||
			die "$name: cannot make the run a mount namespace of its own (is / a mount point?): $err"
		exec unshare --mount --propagation private \
			env BTPAIR_VM_AIR_NS=1 "$0" "${all_args[@]}"
	fi
	mount -t tmpfs -o mode=1777 tmpfs /tmp || die "cannot mount a tmpfs over /tmp"
fi
if [ -z "${VM_TIMEOUT:-}" ]; then
	timeout=$(header timeout | sed 's/^\([0-9]*\).*/\1/')
	timeout=${timeout:-420}
fi
mkdir -p "$out"
log=$out/$name.log

# Arguments travel in a file of this run's own, NUL-separated, so parallel
# runs never share one and any argument survives.
append="btpair.checkout=$checkout btpair.scenario=$scenario btpair.controllers=$controllers"
# "# root: systemd": the guest boots the Debian root of tests/vm/sysroot.sh
# with systemd as PID 1 (built here once), with more memory for it.
memory=768
if [ "$(header root)" = systemd ]; then
	"$here/sysroot.sh" || die "cannot build the systemd root"
	append="$append btpair.root=systemd"
	memory=1024
fi
[ -z "$kernel_args" ] || append="$append $kernel_args"
append="$append btpair.boots=$boots"
argsfile=
if [ $# -gt 0 ]; then
	argsfile=$(mktemp "$out/$name.args.XXXXXX")
	trap 'rm -f "$argsfile"' EXIT
	printf '%s\0' "$@" >"$argsfile"
	append="$append btpair.args=$argsfile"
fi

# BTPAIR names another btpair to test (the sanitized build-san/btpair, say),
# absolute or from the checkout. The kernel hands a NAME=VALUE parameter it
# does not know to init as an environment variable, and so to the scenario.
if [ -n "${BTPAIR:-}" ]; then
	case $BTPAIR in
	/*) ;;
	*) BTPAIR=$checkout/$BTPAIR ;;
	esac
	[ -x "$BTPAIR" ] || die "no btpair at $BTPAIR"
	append="$append BTPAIR=$BTPAIR"
fi

# VM_CONSOLE=1 shows the guest's console as it runs (the demo does); the log
# is written either way.
show_console() {
	if [ "${VM_CONSOLE:-0}" = 1 ]; then
		tee -a "$log" | tr -d '\r' | sed -u -n '/^Booting from ROM/,$p' |
			sed -u -e '1d' -e 's/^.*\x1b\[2J//' -e '/BTPAIR-VM-RESULT/d' -e '/^BTPAIR-JSON: /d' \
				-e '/reboot: Power down/d'
	else
		cat >>"$log"
	fi
}

# The run's air (see the top): btvirt -s, the device guest, the folder both
# guests share with this script (tests/vm/.out/KERNEL/NAME.air: the device
# says there when it is on, and keeps what it remembers across boots).
dlog=$out/$name.device.log
airdir=$out/$name.air
air_pids=()
air_stop() {
	local pid
	for pid in "${air_pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${air_pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	air_pids=()
}
trap 'air_stop; rm -f "${argsfile:-}"' EXIT
# air_start BOOT: btvirt, then the device guest; returns once the device's
# qemu holds the air's first controller (address 00:AA:01:00:00:42), so the
# Pi's is always the second (00:AA:01:01:00:42), boot after boot.
air_start() {
	local boot=$1 pid
	rm -f /tmp/bt-server-*
	stdbuf -oL btvirt -s >"$airdir/btvirt.$boot.log" 2>&1 &
	air_pids+=($!)
	for _ in $(seq 100); do
		[ -S /tmp/bt-server-bredr ] && break
		sleep 0.1
	done
	[ -S /tmp/bt-server-bredr ] || { echo "btvirt -s did not start"; return 1; }
	echo "=== boot $boot" >>"$dlog"
	timeout --kill-after=5 "$((timeout + 60))" qemu-system-x86_64 \
		-accel tcg -m 512 -smp 1 -nographic -no-reboot -monitor none -nic none \
		-kernel "$cache/vmlinuz" -initrd "$cache/initramfs.cpio.gz" \
		-append "console=ttyS0 quiet loglevel=3 panic=-1 no_timer_check btpair.checkout=$checkout btpair.scenario=$scenario btpair.air=device btpair.boot=$boot" \
		-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$airdir,mount_tag=air,security_model=none,multidevs=remap" \
		-chardev socket,id=bt,path=/tmp/bt-server-bredr \
		-device virtio-serial-pci -device virtconsole,chardev=bt \
		</dev/null >>"$dlog" 2>&1 &
	pid=$!
	air_pids+=("$pid")
	for _ in $(seq 300); do
		grep -q 'Request for /tmp/bt-server-bredr' "$airdir/btvirt.$boot.log" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "the device guest did not connect to btvirt"
	return 1
}

start=$(date +%s)
# TCG, not KVM: KVM hangs at boot on these machines. One CPU: the suite runs
# one guest per host core. No network device: the guest needs none, and
# without one no boot ROM is probed. The console is stdio, so parallel guests
# share no port. The host's root is shared read-only; the guest writes only
# to its own tmpfs. quiet/loglevel keep kernel chatter out of the scenario's
# output but a panic or oops still reaches the log. no_timer_check: on a
# loaded host the emulated timer can miss the kernel's early IO-APIC check,
# which then panics the boot ("IO-APIC + timer doesn't work").
qemu_rc=0
: >"$log"
extra=()
if [ -n "$air" ]; then
	rm -rf "$airdir"
	mkdir -p "$airdir"
	: >"$dlog"
	extra+=(-virtfs "local,path=$airdir,mount_tag=air,security_model=none,multidevs=remap"
		-chardev socket,id=bt,path=/tmp/bt-server-bredr
		-device virtio-serial-pci -device virtconsole,chardev=bt)
	append="$append btpair.air=pi"
fi
if [ "$boots" -gt 1 ]; then
	# The Pi's SD card: what its root changes, kept from boot to boot.
	# Sparse; in this run's own /tmp when it has one.
	disk=/tmp/$name.root.img
	[ -n "$air" ] || disk=$(mktemp "$out/$name.root.XXXXXX")
	truncate -s 1G "$disk"
	mkfs.ext4 -q -F "$disk" || die "cannot make the root's disk"
	extra+=(-drive "file=$disk,format=raw,if=virtio")
	append="$append btpair.disk=1"
fi
boot=0 air_failed=
while [ "$boot" -lt "$boots" ]; do
	boot=$((boot + 1))
	[ "$boots" -eq 1 ] || echo "=== boot $boot of $boots" >>"$log"
	if [ -n "$air" ] && ! air_start "$boot" >>"$log" 2>&1; then
		air_failed="the device guest of boot $boot did not start (see the log)"
		air_stop
		break
	fi
	timeout --foreground --kill-after=5 "$timeout" qemu-system-x86_64 \
		-accel tcg -m "$memory" -smp 1 -nographic -no-reboot -monitor none -nic none \
		-kernel "$cache/vmlinuz" -initrd "$cache/initramfs.cpio.gz" \
		-append "console=ttyS0 quiet loglevel=3 panic=-1 no_timer_check $append btpair.boot=$boot" \
		-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
		"${extra[@]}" \
		</dev/null 2>&1 | show_console || qemu_rc=${PIPESTATUS[0]}
	air_stop
	# A boot that did not pass ends the run: the next would start from a
	# state the scenario did not reach.
	[ "$(tr -d '\r' <"$log" | grep -ac '^BTPAIR-VM-RESULT: 0$')" -eq "$boot" ] || break
done
[ "$boots" -eq 1 ] || [ -n "$air" ] || rm -f "$disk"
elapsed=$(($(date +%s) - start))

# The JSON lines btpair printed in the scenario, as the guest listed them
# (it checked them against the schema itself).
tr -d '\r' <"$log" | sed -n 's/^BTPAIR-JSON: //p' >"$out/$name.json" || true

# The log as text: without the firmware's terminal resets, line ends and
# NUL bytes. Read once into a variable: every check below greps that, never a
# pipeline that a grep leaving at its first match would cut short (under
# pipefail the writer's SIGPIPE made `! console_text | grep -q` true when a
# FAIL line was there).
text=$(tr -d '\r\0' <"$log" | sed 's/\x1bc//g; s/\x1b\[[0-9;?]*[a-zA-Z]//g') || true
# tail_of N: the console's last N lines, each marked as quoted, without the
# result marker; with an air, the device guest's last lines after them.
tail_of() {
	grep -av '^BTPAIR-VM-RESULT' <<<"$text" | tail -n "$1" | sed 's/^/     | /' || true
	[ -n "$air" ] || return 0
	echo "     the device guest's console ($dlog), its last 25 lines:"
	tr -d '\r\0' <"$dlog" | sed 's/\x1bc//g; s/\x1b\[[0-9;?]*[a-zA-Z]//g' |
		tail -n 25 | sed 's/^/     d| /' || true
}
# first_line REGEX: the number of the console's first line matching REGEX,
# empty if none.
first_line() {
	grep -anE -- "$1" <<<"$text" | sed -n '1s/:.*//p' || true
}

# The guest prints the marker on a line of its own right before powering off,
# once per boot: each boot's must be there.
result=$(grep -ao '^BTPAIR-VM-RESULT: .*' <<<"$text" | tail -n1 |
	sed 's/^BTPAIR-VM-RESULT: //') || true
results=$(grep -ac '^BTPAIR-VM-RESULT: ' <<<"$text") || true
[ "$results" -ge "$boots" ] || [ "$result" != 0 ] || result=
# The Debian package this kernel came from (setup.sh records it), so that
# each result says which kernel build it was seen on.
package=$(cat "$cache/package" 2>/dev/null) || true
package=${package:-$kernel, package unknown: run KERNEL=$kernel tests/vm/setup.sh}
tag="[$kernel] $name"

# The kernel's own failure, whatever became of the scenario: the guest may
# have panicked before it could print a result.
oops_re='kernel BUG at|Oops:|general protection fault|list_del corruption|list_add corruption|Kernel panic'
oops=$(grep -am1 -E "$oops_re" <<<"$text") || true
# The device guest's kernel failing is no known bug of the scenario's: the
# device only answers, and what it plays must hold for every run.
if [ -n "$air" ]; then
	device_oops=$(tr -d '\r\0' <"$dlog" | grep -am1 -E "$oops_re") || true
	if [ -n "$device_oops" ]; then
		echo "FAIL $tag (kernel oops in the device guest: $device_oops; $package; ${elapsed}s)"
		tail_of 40
		exit 1
	fi
fi
oops_at=$(first_line "$oops_re")
# The scenario's checks that failed, and where the first one is.
failed_checks=$(grep -a '^  FAIL ' <<<"$text") || true
fail_at=$(first_line '^  FAIL ')
if [ "$oops_expected" = 1 ]; then
	# A reproducer passes on the oops only if it is its own: the
	# scenario said (lib.sh's oops_step) that it reached the step that
	# triggers it, the oops came after that, and no check failed before.
	step_at=$(first_line '^BTPAIR-VM-OOPS-STEP: ')
	why=
	if [ -z "$oops" ]; then
		why="the known $kernel oops did not appear: update tests/vm/KERNELS.md"
	elif [ -z "$step_at" ]; then
		why="an oops, but the scenario never reached the step that triggers it: $oops"
	elif [ "$oops_at" -lt "$step_at" ]; then
		why="an oops before the step that triggers it: $oops"
	elif [ -n "$fail_at" ] && [ "$fail_at" -lt "$step_at" ]; then
		why="a check failed before the step that triggers the oops"
	fi
	if [ -z "$why" ]; then
		echo "PASS $tag (the known kernel oops, reproduced: $oops; $package; ${elapsed}s)"
		exit 0
	fi
	echo "FAIL $tag ($why; $package; ${elapsed}s)"
	tail_of 40
	exit 1
fi
if [ -n "$oops" ]; then
	# Checks that fail after the oops fail because of it (a scenario of
	# several steps or boots goes on checking): only one before it makes
	# the run a failure.
	if [ "$oops_known" = 1 ] && { [ -z "$fail_at" ] || [ "$fail_at" -gt "$oops_at" ]; }; then
		after=
		[ -z "$failed_checks" ] ||
			after=", $(grep -c . <<<"$failed_checks") check(s) after it failed with it"
		echo "OOPS $tag (known $kernel kernel bug, see tests/vm/KERNELS.md: $oops$after; $package; ${elapsed}s)"
		exit 3
	fi
	if [ "$oops_known" = 1 ]; then
		why="a check failed, then the kernel oopsed"
	else
		why="kernel oops in a scenario not known to trigger one on $kernel"
	fi
	echo "FAIL $tag ($why: $oops; $package; ${elapsed}s)"
	tail_of 60
	exit 1
fi

if [ -z "$result" ]; then
	if [ -n "$air_failed" ]; then
		why=$air_failed
	elif [ "$boots" -gt 1 ] && [ "$results" -lt "$boots" ]; then
		why="no result in boot $((results + 1)) of $boots"
	elif [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
		why="no result: timed out after ${timeout}s"
	else
		why="no result: qemu exited $qemu_rc"
	fi
	echo "FAIL $tag ($why; $package; ${elapsed}s)"
	tail_of 40
	exit 1
fi
# A UBSan report that reached the console fails a run that passed: GCC's
# shared libubsan writes to stderr whatever log_path says (lib.sh), and a
# scenario need not look at every command's stderr. (A check's quoted
# output starts "       | ": that check failed already.)
ubsan=$(grep -am1 -E '^[^ |]+:[0-9]+(:[0-9]+)?: runtime error: ' <<<"$text") || true
if [ "$result" = 0 ] && [ -n "$ubsan" ]; then
	echo "FAIL $tag (a UBSan report on the console: $ubsan; $package; ${elapsed}s)"
	tail_of 60
	exit 1
fi
if [ "$result" = 0 ]; then
	echo "PASS $tag ($package; ${elapsed}s)"
	exit 0
fi
echo "FAIL $tag (status $result; $package; ${elapsed}s)"
# The failed checks by name first, so even a cut report says which failed;
# then the end of the console, with their output.
[ -z "$failed_checks" ] || sed 's/^/     | failed:/' <<<"$failed_checks"
tail_of 60
# init reports its own failures as words, not a number; 3 means an oops.
case $result in
'' | *[!0-9]*) exit 1 ;;
3) exit 1 ;;
*) exit "$result" ;;
esac
