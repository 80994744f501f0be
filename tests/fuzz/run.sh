#!/bin/bash
# Run each libFuzzer target for FUZZ_SECONDS (default 30; with FUZZ_RUNS,
# until that many executions or FUZZ_SECONDS, whichever comes first) from its
# committed seed corpus (tests/fuzz/corpus/NAME, never written to: new inputs go under
# build-fuzz/runs/NAME). Any crash, sanitizer report, leak or timeout fails
# the target; its log and the input that did it are kept there. Targets run
# side by side, one per core (FUZZ_JOBS overrides); each one's lines are
# printed whole when it ends.
#   tests/fuzz/run.sh BINDIR NAME...
set -u
cd "$(dirname "$0")/../.."
bindir=$1
shift
secs=${FUZZ_SECONDS:-30}
jobs=${FUZZ_JOBS:-$(nproc)}
runs=build-fuzz/runs
passed=0
failed=0

# one NAME: fuzz one target; exit 0 if it passed. Its report goes to
# $runs/NAME.report, printed by the caller.
one() {
	local t=$1 bin seeds work log opts dict rc execs stats seeds_n summary
	bin=$bindir/fuzz_$t
	seeds=tests/fuzz/corpus/$t
	work=$runs/$t
	log=$work/log
	rm -rf "$work"
	mkdir -p "$work/corpus"
	if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
		echo "fuzz_$t: FAIL: missing $bin or $seeds"
		return 1
	fi
	opts=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048
		-print_final_stats=1 -artifact_prefix="$work/")
	[ -n "${FUZZ_RUNS:-}" ] && opts+=(-runs="$FUZZ_RUNS")
	# fuzz_session reads the same frames as fuzz_mgmt.
	dict=tests/fuzz/${t/session/mgmt}.dict
	# fuzz_sdp_client's answers hold the same elements as fuzz_sdp's.
	[ "$t" = sdp_client ] && dict=tests/fuzz/sdp.dict
	[ -f "$dict" ] && opts+=(-dict="$dict")
	# The command line prints usage and errors for every input.
	[ "$t" = cli ] && opts+=(-close_fd_mask=3)
	"$bin" "${opts[@]}" "$work/corpus" "$seeds" </dev/null >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	stats=$(grep -E '^#[0-9]+' "$log" | tail -1 |
		sed -nE 's/.*cov: ([0-9]+) ft: ([0-9]+).*/cov \1, ft \2/p')
	seeds_n=$(find "$seeds" -type f | wc -l)
	summary="${execs:-0} execs in at most $secs s, ${stats:-no coverage line}, $seeds_n seeds"
	if [ "$rc" -eq 0 ] && [ -n "$execs" ] && [ "$execs" -gt 0 ]; then
		echo "fuzz_$t: ok ($summary)"
		return 0
	fi
	echo "fuzz_$t: FAIL (exit $rc; $summary); log: $log"
	grep -E -A25 'ERROR: |SUMMARY: |Test unit written' "$log" |
		head -60 | sed 's/^/    /'
	return 1
}

# report: wait for a target to end, print its report, count it.
declare -A running=() # pid -> target
report() {
	local pid rc=0 t
	wait -n -p pid "${!running[@]}" || rc=$?
	t=${running[$pid]}
	unset "running[$pid]"
	if [ "$rc" -eq 0 ]; then
		cat "$runs/$t.report"
		passed=$((passed + 1))
	else
		cat "$runs/$t.report" >&2
		failed=$((failed + 1))
	fi
}

mkdir -p "$runs"
for t in "$@"; do
	while [ ${#running[@]} -ge "$jobs" ]; do
		report
	done
	one "$t" >"$runs/$t.report" 2>&1 &
	running[$!]=$t
done
while [ ${#running[@]} -gt 0 ]; do
	report
done
echo "fuzz: $passed passed, $failed failed"
[ "$passed" -gt 0 ] && [ "$failed" -eq 0 ]
