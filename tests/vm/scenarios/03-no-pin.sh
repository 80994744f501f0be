# controllers: 2
# The device asks for a PIN and none was given: exit 6 with the --pin hint.
. tests/vm/lib.sh

hc05_like 1
responder 1 --pin 1234

expect_exit 6 "pairing without a PIN fails" "$BTPAIR" pair "$B" --timeout 20
expect_out "the device asked for a PIN; pass --pin \(HC-05 modules ship with 1234\)" \
	"the message says what to do"
expect_exit 6 "the same as JSON" "$BTPAIR" --json pair "$B" --timeout 20
expect_out '^\{"event":"error","code":"auth-failed"' "a JSON error object"

# A running bluetoothd may answer first: btpair says so, once.
cp /bin/sleep "$WORK/bluetoothd"
"$WORK/bluetoothd" 60 &
fake=$!
_bg_pids+=($fake)
expect_exit 6 "with a process named bluetoothd running" \
	"$BTPAIR" pair "$B" --timeout 20
expect_out "warning: bluetoothd is running: it may answer or reject" \
	"a warning names bluetoothd"
check "just once" [ "$(grep -c 'bluetoothd is running' <<<"$OUT")" -eq 1 ]
kill "$fake"; wait "$fake" 2>/dev/null

# BTPAIR_PIN is a PIN source too.
expect_exit 0 "BTPAIR_PIN from the environment" \
	env BTPAIR_PIN=1234 "$BTPAIR" pair "$B"
finish
