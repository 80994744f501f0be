# controllers: 2
# Secure Simple Pairing, Just Works: both sides SSP on, NoInputNoOutput.
. tests/vm/lib.sh

"$BTPAIR" -q -i hci0 setup --ssp on
"$BTPAIR" -q -i hci1 setup --ssp on --capability NoInputNoOutput
responder 1

expect_exit 0 "Just Works pairing succeeds" "$BTPAIR" pair "$B"
expect_out "^paired $B \(.*key" "reports the key type"
check "no PIN was asked" [ "$(pin_requests 1)" -eq 0 ]
finish
