# controllers: 2
# An address nobody answers: exit 7 well inside --timeout. A device that
# never answers its PIN request: exit 5 at --timeout, pairing cancelled, and
# the next pairing is not "busy".
. tests/vm/lib.sh

"$BTPAIR" -q setup
start=$(date +%s)
expect_exit 7 "an absent device is unreachable" \
	"$BTPAIR" pair "$NOBODY" --pin 1234 --timeout 25
elapsed=$(($(date +%s) - start))
expect_out "device unreachable .*\[mgmt status 0x04\]" "the message says so"
check "it took ${elapsed}s, inside the timeout" [ "$elapsed" -lt 20 ]

# hci1 is an HC-05 whose owner answers nothing: its PIN request hangs.
hc05_like 1
start=$(date +%s)
expect_exit 5 "a device that never answers times out" \
	"$BTPAIR" pair "$B" --pin 1234 --timeout 3
elapsed=$(($(date +%s) - start))
expect_out "pair $B: timed out after 3 s; pairing cancelled" "the message says so"
check "it took ${elapsed}s, not much past the timeout" [ "$elapsed" -le 5 ]

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

responder 1 --pin 1234
expect_exit 0 "the next pairing is not busy" "$BTPAIR" pair "$B" --pin 1234
finish
