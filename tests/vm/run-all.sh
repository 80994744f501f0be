#!/bin/bash
# Run every scenario in tests/vm/scenarios (or those given) on each kernel
# KERNEL names (6.1, 6.12 or all, the default), up to one guest per core at a
# time (VM_JOBS overrides; a two-guest run counts two unless its header says
# "# weight: 1", and runs alone when VM_JOBS=1), and close with a tally per kernel and in all.
# Both kernels' runs share one pool, scenario by scenario, so the slow
# scenarios of each start early. A known kernel oops (see run.sh and
# tests/vm/KERNELS.md) is counted on its own: neither passed nor failed.
# Fails if any failed or none passed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
case ${KERNEL:-all} in
all) kernels=(6.1 6.12) ;;
6.1 | 6.12) kernels=("$KERNEL") ;;
*) echo "tests/vm: KERNEL=$KERNEL: say 6.1, 6.12 or all" >&2; exit 2 ;;
esac
KERNEL=${KERNEL:-all} "$here/setup.sh"

if [ $# -gt 0 ]; then
	scenarios=("$@")
else
	shopt -s nullglob
	scenarios=("$here"/scenarios/*.sh)
	shopt -u nullglob
fi
if [ ${#scenarios[@]} -eq 0 ]; then
	echo "tests/vm: no scenarios"
	echo "vm: 0 passed, 0 failed"
	exit 1
fi
jobs=${VM_JOBS:-$(nproc)}
[ -n "${BTPAIR:-}" ] && echo "tests/vm: testing $BTPAIR"

# One run per scenario and kernel, "KERNEL SCENARIO", the kernels of one
# scenario next to each other.
runs=()
for s in "${scenarios[@]}"; do
	for k in "${kernels[@]}"; do
		runs+=("$k $s")
	done
done

results=$(mktemp -d)
# Each run is a session of its own, so an interrupt here can stop its whole
# tree (run.sh, timeout, qemu) without touching whatever started this script.
declare -A running=() # pid -> run
cleanup() {
	for pid in "${!running[@]}"; do
		kill -- "-$pid" 2>/dev/null || true
	done
	rm -rf "$results"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

key() { # RUN: a file name for it
	local k=${1%% *} s=${1#* }
	echo "$k-$(basename "$s")"
}

# reap: wait for any run to end, record its status and print its lines whole,
# never interleaved with another's.
reap() {
	local pid rc=0 key
	wait -n -p pid "${!running[@]}" || rc=$?
	key=$(key "${running[$pid]}")
	busy=$((busy - $(weight "${running[$pid]}")))
	unset "running[$pid]"
	echo "$rc" >"$results/$key.rc"
	cat "$results/$key.out"
}

# weight RUN: how many guests (cores) the run keeps busy: two for a scenario
# with a device guest beside its own ("# air:", run.sh), else one; a
# scenario whose guests wait most of their run says so ("# weight: 1").
weight() {
	local w
	w=$(sed -n 's/^# weight: *\([12]\)$/\1/p' "${1#* }" | head -n1)
	if [ -n "$w" ]; then
		echo "$w"
	elif grep -q '^# air:' "${1#* }"; then
		echo 2
	else
		echo 1
	fi
}

busy=0
pool() { # RUN...: run them all, up to $jobs guests at a time
	local r w
	for r in "$@"; do
		w=$(weight "$r")
		# A run heavier than the pool still runs, alone.
		while [ ${#running[@]} -gt 0 ] && [ $((busy + w)) -gt "$jobs" ]; do
			reap
		done
		KERNEL=${r%% *} setsid "$here/run.sh" "${r#* }" \
			>"$results/$(key "$r").out" 2>&1 &
		running[$!]=$r
		busy=$((busy + w))
	done
	while [ ${#running[@]} -gt 0 ]; do
		reap
	done
}

start=$(date +%s)
pool "${runs[@]}"

# A failed run gets one more boot (VM_RERUN=0: none). Under TCG on a loaded
# host a guest's timing varies widely, and a check that depends on it can
# fail once where it passes on any other boot; a run that fails twice is a
# failure. One that passes the second time is reported FLAKY, apart from the
# passes: both its reports were printed, its first log is kept as
# tests/vm/.out/KERNEL/NAME.first.log (and NAME.first.air), and the tally
# names it.
rerun=()
if [ "${VM_RERUN:-1}" != 0 ]; then
	for r in "${runs[@]}"; do
		case $(cat "$results/$(key "$r").rc" 2>/dev/null || echo 1) in
		0 | 3) continue ;;
		esac
		# A sanitizer's report is a finding, whatever a second boot says.
		grep -aqE 'FAIL sanitizer report|runtime error:' \
			"$results/$(key "$r").out" || rerun+=("$r")
	done
fi
declare -A flaky=()
if [ ${#rerun[@]} -gt 0 ]; then
	echo "tests/vm: ${#rerun[@]} failed; each once more in a fresh boot"
	for r in "${rerun[@]}"; do
		n=$(basename "${r#* }" .sh)
		cp "$here/.out/${r%% *}/$n.log" "$here/.out/${r%% *}/$n.first.log" 2>/dev/null || true
		# A two-guest run's shared folder too (the device's log, traces).
		rm -rf "$here/.out/${r%% *}/$n.first.air"
		cp -a "$here/.out/${r%% *}/$n.air" "$here/.out/${r%% *}/$n.first.air" 2>/dev/null || true
	done
	pool "${rerun[@]}"
	for r in "${rerun[@]}"; do
		[ "$(cat "$results/$(key "$r").rc" 2>/dev/null)" = 0 ] && flaky[$r]=1
	done
fi
wall=$(($(date +%s) - start))

# run.sh exits 0 on a pass, 3 on a known kernel oops, anything else on a
# failure.
declare -A passed=() failed=() oopsed=() flakes=() seconds=()
total_passed=0 total_failed=0 total_oops=0 total_flaky=0
for k in "${kernels[@]}"; do
	passed[$k]=0 failed[$k]=0 oopsed[$k]=0 flakes[$k]=0 seconds[$k]=0
done
for r in "${runs[@]}"; do
	k=${r%% *}
	rc=$(cat "$results/$(key "$r").rc" 2>/dev/null || echo 1)
	# The guest's own time, from run.sh's verdict line: "... Ns)".
	# A run.sh that stopped before its verdict has none: 0 s, not the end
	# of this script (set -e).
	t=$(grep -m1 -E '^(PASS|FAIL|OOPS) ' "$results/$(key "$r").out" |
		sed -n 's/.*[^0-9]\([0-9][0-9]*\)s)$/\1/p') || true
	seconds[$k]=$((seconds[$k] + ${t:-0}))
	if [ -n "${flaky[$r]:-}" ]; then
		flakes[$k]=$((flakes[$k] + 1)) total_flaky=$((total_flaky + 1))
		echo "FLAKY [$k] $(basename "${r#* }" .sh): failed once, passed in a second boot"
		continue
	fi
	case $rc in
	0) passed[$k]=$((passed[$k] + 1)) total_passed=$((total_passed + 1)) ;;
	3) oopsed[$k]=$((oopsed[$k] + 1)) total_oops=$((total_oops + 1)) ;;
	*) failed[$k]=$((failed[$k] + 1)) total_failed=$((total_failed + 1)) ;;
	esac
done
# Each kernel's line names the exact Debian package and version its runs
# booted (setup.sh records it; run.sh names it in each verdict too): a
# result that changes with a kernel update shows as such.
for k in "${kernels[@]}"; do
	pkg=$(cat "$here/.cache/$k/package" 2>/dev/null) || true
	echo "vm [$k, ${pkg:-package unknown}]: ${passed[$k]} passed, ${failed[$k]} failed," \
		"${flakes[$k]} flaky, ${oopsed[$k]} known kernel oops;" \
		"guests ran ${seconds[$k]}s"
done
echo "vm: ${wall}s wall time (VM_JOBS=$jobs);" \
	"$total_oops known kernel oops, neither passed nor failed"
echo "vm: $total_passed passed, $total_failed failed, $total_flaky flaky" \
	"(failed once, passed in a second boot)"
[ "$total_failed" -eq 0 ] && [ "$total_passed" -gt 0 ]
