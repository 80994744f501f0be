#!/bin/bash
# make bench: boot the VM suite's guest once per benchmark scenario in
# bench/scenarios, collect the BENCH lines from each console, and write
# bench/results.md. Not part of `make check`; needs root (like the VM suite)
# and about 45 minutes on a 2-core machine.
#
# BENCH_REPS, BENCH_PAIRINGS, BENCH_BLUEZ_PAIRINGS, BENCH_MIB, BENCH_TPUT_REPS
# in the environment override bench/bench.py's defaults (6 repetitions, 100
# pairings with btpair and 25 with bluetoothd, 16 MiB,
# 2 throughput repetitions), bench/scenarios/units.sh's (BENCH_UNIT_REPS,
# 5 rounds each) and bench/scenarios/piboot.sh's (BENCH_PIBOOT_REPS, 3
# rounds each); BENCH_OUT names another report file. BENCH_GROUPS runs
# only those groups (e.g. "throughput": the data path alone, in about a
# quarter of the time; "units": the systemd boot alone; "piboot": the Pi's
# boot to a line, two guests).
#
# A boot that fails (a check of its scenario, or the boot itself) leaves the
# report file as it was and exits 1: the figures so far go, marked as from
# a failed run, to results-failed.md beside the consoles' logs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
checkout=$(dirname "$here")
cd "$checkout"
report=${BENCH_OUT:-$here/results.md}
# One kernel: KERNEL=6.12 benches that one; the default (and "all") is 6.1.
kernel=${KERNEL:-6.1}
[ "$kernel" = all ] && kernel=6.1
export KERNEL=$kernel
out=$checkout/tests/vm/.out/$kernel

"$here/deps.sh"
tests/vm/setup.sh >/dev/null
tests/vm/sysroot.sh

args=()
for v in BENCH_REPS BENCH_PAIRINGS BENCH_BLUEZ_PAIRINGS BENCH_MIB BENCH_TPUT_REPS \
	BENCH_UNIT_REPS BENCH_PIBOOT_REPS; do
	[ -n "${!v:-}" ] && args+=("$v=${!v}")
done
# make passes its command line's variables (CI=1) on in the environment.
command="make${CI:+ CI=$CI} bench"
[ ${#args[@]} -gt 0 ] && command="${args[*]} $command"

started=$(date -u '+%Y-%m-%d %H:%M UTC')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
logs=()
failed=()
groups=${BENCH_GROUPS:-}
[ -n "$groups" ] && command="BENCH_GROUPS=\"$groups\" $command"
for s in pairing scale units piboot; do
	# scale.sh's boot runs the group scale, units.sh's (systemd as PID 1)
	# the group units, piboot.sh's (a Pi and an HC-05 on one virtual air)
	# the group piboot, pairing.sh's every other group.
	picked=()
	for g in $groups; do
		case $g in
		scale | units | piboot) [ $s = "$g" ] && picked+=("$g") ;;
		*) [ $s = pairing ] && picked+=("$g") ;;
		esac
	done
	[ -n "$groups" ] && [ ${#picked[@]} -eq 0 ] && continue
	rm -f "$out/$s.log"
	# One boot runs for many minutes: its own limit, not the suite's.
	VM_TIMEOUT=${BENCH_VM_TIMEOUT:-3600} tests/vm/run.sh \
		"$here/scenarios/$s.sh" ${picked[@]+"${picked[@]}"} \
		${args[@]+"${args[@]}"} || failed+=("$s")
	bench=$out/$s.bench
	tr -d '\r' <"$out/$s.log" | grep -a 'BENCH {' >"$bench" || true
	logs+=("$bench")
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

report_args=(--command "$command" --started "$started"
	--load-before "$load_before" --load-after "$load_after"
	--notes "$here/notes.md")
if [ ${#failed[@]} -gt 0 ]; then
	# Not a result: written where it cannot be taken for one.
	partial=$out/results-failed.md
	python3 "$here/report.py" "${report_args[@]}" --failed "${failed[*]}" \
		"${logs[@]}" >"$partial" ||
		echo "bench: no report of the failed run either" >&2
	echo "bench: FAILED: the ${failed[*]} boot(s) failed (see $out);" \
		"$report left as it was; the figures so far, marked failed," \
		"in $partial" >&2
	exit 1
fi
python3 "$here/report.py" "${report_args[@]}" "${logs[@]}" >"$report.tmp"
mv "$report.tmp" "$report"
echo "bench: wrote $report"
