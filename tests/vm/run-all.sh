#!/bin/bash
# Run every scenario (or those given), up to one per core at a time, and
# close with a tally. Fails if any failed or none ran.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
"$here/setup.sh" || exit 1

if [ $# -gt 0 ]; then
	scenarios=("$@")
else
	scenarios=("$here"/scenarios/*.sh)
fi
[ -e "${scenarios[0]}" ] || { echo "tests/vm: no scenarios" >&2; exit 1; }
jobs=${VM_JOBS:-$(nproc)}

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
running=0
for s in "${scenarios[@]}"; do
	(
		"$here/run.sh" "$s" >"$results/$(basename "$s").out" 2>&1
		echo $? >"$results/$(basename "$s").rc"
		cat "$results/$(basename "$s").out"
	) &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

passed=0
failed=0
for s in "${scenarios[@]}"; do
	rc=$(cat "$results/$(basename "$s").rc" 2>/dev/null || echo 1)
	if [ "$rc" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "vm: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
