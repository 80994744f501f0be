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
		tee "$log" | tr -d '\r' | sed -u -n '/^Booting from ROM/,$p' |
			sed -u -e '1d' -e 's/^.*\x1b\[2J//' -e '/BTPAIR-VM-RESULT/d' -e '/^BTPAIR-JSON: /d' \
				-e '/reboot: Power down/d'
	else
		cat >"$log"
	fi
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
timeout --foreground --kill-after=5 "$timeout" qemu-system-x86_64 \
	-accel tcg -m "$memory" -smp 1 -nographic -no-reboot -monitor none -nic none \
	-kernel "$cache/vmlinuz" -initrd "$cache/initramfs.cpio.gz" \
	-append "console=ttyS0 quiet loglevel=3 panic=-1 no_timer_check $append" \
	-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
	</dev/null 2>&1 | show_console || qemu_rc=${PIPESTATUS[0]}
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
# result marker.
tail_of() {
	grep -av '^BTPAIR-VM-RESULT' <<<"$text" | tail -n "$1" | sed 's/^/     | /' || true
}
# first_line REGEX: the number of the console's first line matching REGEX,
# empty if none.
first_line() {
	grep -anE -- "$1" <<<"$text" | sed -n '1s/:.*//p' || true
}

# The guest prints the marker on a line of its own right before powering off.
result=$(grep -ao '^BTPAIR-VM-RESULT: .*' <<<"$text" | tail -n1 |
	sed 's/^BTPAIR-VM-RESULT: //') || true
# The Debian package this kernel came from (setup.sh records it), so that
# each result says which kernel build it was seen on.
package=$(cat "$cache/package" 2>/dev/null) || true
package=${package:-$kernel, package unknown: run KERNEL=$kernel tests/vm/setup.sh}
tag="[$kernel] $name"

# The kernel's own failure, whatever became of the scenario: the guest may
# have panicked before it could print a result.
oops_re='kernel BUG at|Oops:|general protection fault|list_del corruption|list_add corruption|Kernel panic'
oops=$(grep -am1 -E "$oops_re" <<<"$text") || true
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
	if [ "$oops_known" = 1 ] && [ -z "$failed_checks" ]; then
		echo "OOPS $tag (known $kernel kernel bug, see tests/vm/KERNELS.md: $oops; $package; ${elapsed}s)"
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
	if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
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
