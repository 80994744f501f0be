# controllers: 2
# A wrong PIN fails with exit 6 and keeps no key; several PINs are tried in
# turn; a PIN never reaches the trace.
. tests/vm/lib.sh

hc05_like 1
responder 1 --pin 1234
# The failures as monitor -j sees them (the suite checks its JSON too).
background "$WORK/monitor.json" "$BTPAIR" -j monitor --timeout 120
sleep 1

expect_exit 6 "a wrong PIN fails" "$BTPAIR" -vv pair "$B" --pin 5678
expect_out "pair $B: authentication failed \(wrong PIN\?\) \[mgmt status 0x05\]" \
	"the message names the cause and the status"
expect_out "> hci0 PIN Code Reply \(0x0016\)" "the trace shows the PIN reply"
expect_no_out "5678|35 36 37 38" "but not the PIN, in text or hex"

expect_exit 0 "no key was kept: pairing starts over" \
	"$BTPAIR" pair "$B" --pin 0000 --pin 1234
expect_out "^paired $B \(combination key" "and the second PIN works"
check "the device was asked three times in all" [ "$(pin_requests 1)" -eq 3 ]
check "monitor -j: auth-failed with its status" \
	wait_for "$WORK/monitor.json" '^\{"event":"auth-failed","index":0,"address":"'"$B"'","status":5\}$' 50
check "monitor -j: the PIN request" \
	wait_for "$WORK/monitor.json" '^\{"event":"pin-request","index":0,"address":"'"$B"'","secure":false\}$' 50

finish
