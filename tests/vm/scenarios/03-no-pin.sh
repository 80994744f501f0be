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

# BTPAIR_PIN is a PIN source too.
expect_exit 0 "BTPAIR_PIN from the environment" \
	env BTPAIR_PIN=1234 "$BTPAIR" pair "$B"
finish
