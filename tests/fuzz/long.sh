#!/bin/bash
# make fuzz-long: the long runs (not in CI). Each target through
# tests/fuzz/run.sh (FUZZ_RUNS executions or FUZZ_SECONDS, whichever comes
# first; two at a time on two cores), then the corpora each run kept, and
# the committed seeds, replayed by the coverage build (build-fuzzcov) and
# the line coverage of the remote-facing parsers reported: mgmt/wire.c (the
# kernel's frames), mgmt/eir.c (what devices send about themselves) and
# rfcomm/sdp.c (what an SDP server answers). Fails when a run fails or one of
# them is under FUZZ_MIN_COVER percent (default 95).
#   tests/fuzz/long.sh NAME...
set -u
cd "$(dirname "$0")/../.."
for tool in llvm-profdata llvm-cov; do
	command -v "$tool" >/dev/null || {
		echo "fuzz-long: FAIL: $tool is missing (apt-get install llvm)"
		exit 1
	}
done
min=${FUZZ_MIN_COVER:-95}
cov=build-fuzzcov/tests/fuzz
prof=build-fuzz/runs/profiles
start=$(date +%s)

tests/fuzz/run.sh build-fuzz/tests/fuzz "$@"
rc=$?
echo "fuzz-long: runs took $(($(date +%s) - start)) s (FUZZ_RUNS=${FUZZ_RUNS:-none}, FUZZ_SECONDS=${FUZZ_SECONDS:-30})"

rm -rf "$prof"
mkdir -p "$prof"
objects=()
for t in "$@"; do
	if [ ! -x "$cov/fuzz_$t" ]; then
		echo "fuzz-long: FAIL: no $cov/fuzz_$t (make fuzz-cov-build)"
		exit 1
	fi
	LLVM_PROFILE_FILE="$prof/$t.profraw" "$cov/fuzz_$t" -runs=0 \
		-close_fd_mask=3 build-fuzz/runs/"$t"/corpus \
		tests/fuzz/corpus/"$t" >"$prof/$t.log" 2>&1 ||
		{ echo "fuzz-long: FAIL: replaying $t's corpus (log: $prof/$t.log)"; rc=1; }
	[ ${#objects[@]} -eq 0 ] && objects+=("$cov/fuzz_$t") ||
		objects+=(-object "$cov/fuzz_$t")
done
llvm-profdata merge -sparse "$prof"/*.profraw -o "$prof/all.profdata" || exit 1
files=(mgmt/wire.c mgmt/eir.c rfcomm/sdp.c)
report=$(llvm-cov report "${objects[@]}" -instr-profile="$prof/all.profdata" \
	"${files[@]}")
echo "$report"
# The "Lines" and "Cover" columns are the ninth and tenth from the end of
# each file's row: Regions Missed Cover Functions Missed Executed Lines
# Missed Cover Branches Missed Cover.
for f in "${files[@]}"; do
	pct=$(awk -v f="$f" '$1 ~ f"$" { print $(NF - 3) }' <<<"$report" | tr -d %)
	if [ -z "$pct" ]; then
		echo "fuzz-long: FAIL: no coverage line for $f"
		rc=1
	elif awk -v p="$pct" -v m="$min" 'BEGIN { exit !(p < m) }'; then
		echo "fuzz-long: FAIL: $f lines covered $pct % < $min %"
		rc=1
	else
		echo "fuzz-long: $f lines covered $pct %"
	fi
done
exit "$rc"
