# controllers: 2
# An address nobody answers: exit 7 well inside --timeout. A device that
# sees its PIN request and never answers it: --timeout 5 exits 5 within 6 s,
# pairing cancelled, and the next pairing is not "busy".
. tests/vm/lib.sh

"$BTPAIR" -q setup
start=$(date +%s)
expect_exit 7 "an absent device is unreachable" \
	"$BTPAIR" pair "$NOBODY" --pin 1234 --timeout 25
elapsed=$(($(date +%s) - start))
expect_out "device unreachable .*\[mgmt status 0x04\]" "the message says so"
check "it took ${elapsed}s, inside the timeout" [ "$elapsed" -lt 20 ]

# hci1 is an HC-05 that sees its PIN request and never answers it.
hc05_like 1
responder 1 --silent
start=$(now_ms)
expect_exit 5 "a device that never answers times out" \
	"$BTPAIR" pair "$B" --pin 1234 --timeout 5
elapsed=$(($(now_ms) - start))
expect_out "pair $B: timed out after 5 s; pairing cancelled" "the message says so"
check "it took ${elapsed} ms, within 6 s" [ "$elapsed" -lt 6000 ]
check "the device saw its PIN request" [ "$(pin_requests 1)" -ge 1 ]

# SIGINT and SIGTERM mid-pairing: exit 130, pairing cancelled.
for sig in INT TERM; do
	"$BTPAIR" pair "$B" --pin 1234 --timeout 30 >"$WORK/sig.out" 2>&1 &
	pid=$!
	sleep 2
	kill -"$sig" "$pid"
	wait "$pid"
	RC=$?
	OUT=$(cat "$WORK/sig.out")
	check "SIG$sig mid-pairing exits 130 (got $RC)" [ "$RC" -eq 130 ]
	expect_out "pair $B: interrupted; pairing cancelled" "SIG$sig: says it cancelled"
done

pkill -f "$RESPONDER 1"
responder 1 --pin 1234
expect_exit 0 "the next pairing is not busy" "$BTPAIR" pair "$B" --pin 1234
finish
