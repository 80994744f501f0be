# controllers: 2
# A serial port that demands an authenticated link, as an HC-05's does.
# Unpaired and without --pin, the connect itself makes the kernel ask for a
# PIN: connect says one is needed, and refuses the request as it gives up so
# that the next pairing is not disturbed. When the device has forgotten the
# pairing (its key gone, ours kept, as after an HC-05 reset), the stored key
# is refused: connect --pin pairs afresh, gets through, stores the new key.
. tests/vm/lib.sh

hc05_like 1
"$BTPAIR" -q setup
responder 1 --pin 1234
background "$WORK/server.log" python3 tests/vm/rfcomm_line.py serve "$B" 1
wait_for "$WORK/server.log" "listening" 300 || echo "the line server did not start"
info=/var/lib/bluetooth/$A/$B/info

start=$(date +%s)
expect_exit 6 "unpaired, without --pin" \
	"$BTPAIR" connect "$B" --channel 1 --timeout 10
expect_out "asked for a PIN and nobody answered; pass --pin" "says to pass --pin"
check "within --timeout" [ $(($(date +%s) - start)) -le 12 ]
check "nothing stored" [ ! -e "$info" ]
wait_disconnected 0 200

expect_exit 0 "pair" "$BTPAIR" pair "$B" --pin 1234
check "the key was stored" [ -f "$info" ]
expect_exit 0 "a line through the authenticated link" \
	sh -c "echo one | '$BTPAIR' connect '$B' --channel 1 --timeout 30"
expect_out "^ok: one$" "the device answered"
inode=$(stat -c %i "$info")
wait_disconnected 0 200

# The device forgets us (an HC-05 after AT+RMAAD).
expect_exit 0 "the device drops its key" "$BTPAIR" -i hci1 unpair "$A"
wait_disconnected 0 200
asked=$(pin_requests 1)
expect_exit 6 "without --pin, the connect fails on authentication" \
	"$BTPAIR" connect "$B" --channel 1 --timeout 10
expect_out "asked for a PIN and nobody answered; pass --pin|refused or dropped during authentication" \
	"and says why"
wait_disconnected 0 200
expect_exit 0 "connect --pin gets through to the device that forgot us" \
	sh -c "echo two | '$BTPAIR' connect '$B' --pin 1234 --channel 1 --timeout 30"
expect_out "^ok: two$" "the device answered"
check "the device paired again" [ "$(pin_requests 1)" -gt "$asked" ]
# The emulated controllers may derive the same key again: the proof of a
# store is the atomic replace, a new file.
check "the new key was stored" [ "$(stat -c %i "$info")" != "$inode" ]
check "the store file is 0600" [ "$(stat -c %a "$info")" = 600 ]
wait_disconnected 0 200
expect_exit 0 "and the next connect needs no PIN" \
	sh -c "echo three | '$BTPAIR' connect '$B' --channel 1 --timeout 30"
expect_out "^ok: three$" "the device answered"
finish
