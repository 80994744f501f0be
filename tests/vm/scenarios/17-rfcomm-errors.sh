# controllers: 2
# connect's errors: nothing listening on the channel (what PyBluez users see
# as "Connection refused"), and an address nobody answers.
. tests/vm/lib.sh

"$BTPAIR" -q -i hci1 setup
"$BTPAIR" -q setup
# Nothing listens on channel 9; an address nobody answers.
expect_exit 7 "nothing listening" "$BTPAIR" connect "$B" --channel 9 --timeout 20 </dev/null
expect_out "connection refused: not paired, or nothing listens on channel 9" \
	"the message says what it means"
start=$(date +%s)
expect_exit 7 "unknown address" "$BTPAIR" connect "$NOBODY" --channel 1 --timeout 20
check "well inside --timeout" [ $(($(date +%s) - start)) -lt 20 ]
finish
