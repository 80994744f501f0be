# controllers: 2
# unpair, then pair again; unpairing an unknown device is a clear error.
. tests/vm/lib.sh

hc05_like 1
responder 1 --pin 1234

expect_exit 0 "pair" "$BTPAIR" pair "$B" --pin 1234
expect_exit 0 "unpair" "$BTPAIR" unpair "$B"
expect_out "^unpaired $B$" "says unpaired"
expect_exit 0 "pair again" "$BTPAIR" pair "$B" --pin 1234
expect_out "^paired $B \(combination key" "a fresh pairing, not 'already'"
check "the device was asked for its PIN twice" [ "$(pin_requests 1)" -eq 2 ]

expect_exit 1 "unpair of an unknown device" "$BTPAIR" unpair "$NOBODY"
expect_out "unpair $NOBODY: not paired on hci0 \[mgmt status 0x06\]" \
	"the message says it is not paired"
expect_exit 3 "unpair on a controller that does not exist" \
	"$BTPAIR" -i hci9 unpair "$B"
expect_out "no controller hci9" "names the controller"
finish
