#!/bin/bash
# Run every scenario in tests/vm/scenarios (or those given), up to one guest
# per core at a time (VM_JOBS overrides), and close with a tally. Fails if any
# failed or none ran.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
"$here/setup.sh"

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

results=$(mktemp -d)
# Each run is a session of its own, so an interrupt here can stop its whole
# tree (run.sh, timeout, qemu) without touching whatever started this script.
declare -A running=() # pid -> scenario
cleanup() {
	for pid in "${!running[@]}"; do
		kill -- "-$pid" 2>/dev/null || true
	done
	rm -rf "$results"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# reap: wait for any run to end, record its status and print its lines whole,
# never interleaved with another's.
reap() {
	local pid rc=0 key
	wait -n -p pid "${!running[@]}" || rc=$?
	key=$(basename "${running[$pid]}")
	unset "running[$pid]"
	echo "$rc" >"$results/$key.rc"
	cat "$results/$key.out"
}

for s in "${scenarios[@]}"; do
	while [ ${#running[@]} -ge "$jobs" ]; do
		reap
	done
	setsid "$here/run.sh" "$s" >"$results/$(basename "$s").out" 2>&1 &
	running[$!]=$s
done
while [ ${#running[@]} -gt 0 ]; do
	reap
done

passed=0
failed=0
for s in "${scenarios[@]}"; do
	rc=$(cat "$results/$(basename "$s").rc" 2>/dev/null || echo 1)
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done
echo "vm: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
