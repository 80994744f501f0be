# controllers: 9
# Benchmarks with 9 controllers in one guest boot: one agent and 8 peers
# pairing at once, and 8 devices paired in sequence, btpair against
# btmgmt. The figures go to the console as BENCH lines (bench/bench.py).
#   ARGS: [GROUP...] [BENCH_NAME=VALUE...]
# Timed: btpair runs bare, without the JSON check's wrapper.
BTPAIR_JSON_HOOK=0
. tests/vm/lib.sh

vars=()
groups=()
for a in "$@"; do
	case $a in
	BENCH_*=*) vars+=("$a") ;;
	*) groups+=("$a") ;;
	esac
done
[ ${#groups[@]} -gt 0 ] || groups=(scale)
check "bench: ${groups[*]}" env "${vars[@]}" WORK="$WORK" \
	/usr/bin/python3 bench/bench.py "${groups[@]}"
finish
