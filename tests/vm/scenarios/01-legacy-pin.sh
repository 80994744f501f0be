# controllers: 2
# HC-05 style legacy pairing: the device has SSP off and answers PIN 1234.
. tests/vm/lib.sh

hc05_like 1
responder 1 --pin 1234

expect_exit 0 "pair with the device's PIN" "$BTPAIR" pair "$B" --pin 1234
expect_out "^paired $B \(combination key" "reports a combination key"
check "the device was asked for its PIN once" [ "$(pin_requests 1)" -eq 1 ]
check "the device got the link key" grep -q 'new link key type 0' \
	"$WORK/responder-1.log"
# The link the pairing made is gone when pair exits, so that the next
# connect starts on a fresh one.
run btmgmt --index 0 con
check "btmgmt read hci0's connections (exit $RC)" [ "$RC" -eq 0 ]
expect_no_out "$B type BR/EDR" "the pairing's link is down when pair exits"

expect_exit 0 "pairing again succeeds" "$BTPAIR" pair "$B" --pin 1234
expect_out "^paired $B \(already paired\)" "and says it is already paired"
expect_exit 0 "the device's kernel has the key too" \
	"$BTPAIR" -i hci1 pair "$A"
expect_out "already paired" "so pairing back is already done"

# An encrypted (so authenticated) RFCOMM connection now needs no PIN on
# either side: nobody
# on hci0 would answer one, and the responder counts its requests. (rctest
# -A asks only for low security, which a legacy link grants unpaired.)
background "$WORK/rctest-server.log" rctest -r -E -i hci1 -P 1
sleep 1
expect_exit 0 "RFCOMM with encryption (so authentication) connects" \
	timeout 30 rctest -s -E -i hci0 -P 1 -N 20 -b 128 "$B"
check "the server saw the connection" \
	wait_for "$WORK/rctest-server.log" "Connect from $A"
check "no new PIN request" [ "$(pin_requests 1)" -eq 1 ]

finish
