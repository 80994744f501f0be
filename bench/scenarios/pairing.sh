# controllers: 2
# Benchmarks in one guest boot: cold-process pairing, pairing plus the first
# RFCOMM byte, footprint and throughput, btpair against BlueZ's tools. The
# figures go to the console as BENCH lines (bench/bench.py).
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
[ ${#groups[@]} -gt 0 ] || groups=(pairing footprint throughput profile)
check "bench: ${groups[*]}" env "${vars[@]}" WORK="$WORK" \
	/usr/bin/python3 bench/bench.py "${groups[@]}"
finish
