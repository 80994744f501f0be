# controllers: 2
# A serial port that demands an authenticated link, as an HC-05's does.
# Unpaired and without --pin, the connect itself makes the kernel ask for a
# PIN: connect says one is needed, and refuses the request as it gives up so
# that the next pairing is not disturbed. When the device has forgotten the
# pairing (its key gone, ours kept, as after an HC-05 reset), the stored key
# is refused: connect --pin pairs afresh, gets through, stores the new key;
# so do BTPAIR_PIN and --pin-file (a pipe).
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
wait_disconnected 0 200

# The PIN given the other two ways, each after the device forgot us again:
# BTPAIR_PIN, and a PIN file read from a pipe (with --exec, and --json:
# the link is announced on stdout, which the command does not use).
expect_exit 0 "the device drops its key again" "$BTPAIR" -i hci1 unpair "$A"
wait_disconnected 0 200
asked=$(pin_requests 1)
expect_exit 0 "connect with BTPAIR_PIN pairs afresh" \
	sh -c "echo four | BTPAIR_PIN=1234 '$BTPAIR' connect '$B' --channel 1 --timeout 30"
expect_out "^ok: four$" "the device answered"
check "the device paired again" [ "$(pin_requests 1)" -gt "$asked" ]
wait_disconnected 0 200
expect_exit 0 "the device drops its key once more" "$BTPAIR" -i hci1 unpair "$A"
wait_disconnected 0 200
asked=$(pin_requests 1)
expect_exit 0 "connect --pin-file <(...) --exec pairs afresh" \
	"$BTPAIR" -j connect "$B" --channel 1 --timeout 30 \
	--pin-file <(printf '# by address, then any\n%s 1234\n* 0000\n' "$B") \
	--exec sh -c 'echo five; read -r l; echo "got: $l" >&2'
expect_out "^got: ok: five" "the device answered"
expect_out '^\{"event":"rfcomm-connected","index":0,"address":"'"$B"'","channel":1\}$' \
	"the link announced in JSON"
check "the device paired again" [ "$(pin_requests 1)" -gt "$asked" ]
expect_no_out "1234" "no PIN shown"
wait_disconnected 0 200
# A file with no PIN for the device: an error before anything starts.
asked=$(pin_requests 1)
expect_exit 2 "connect with a PIN file that has no PIN for it" \
	"$BTPAIR" connect "$B" --channel 1 --pin-file <(printf '00:11:22:33:44:55 1234\n')
expect_out "no PIN for $B in /dev/fd/" "says so"
check "nothing was asked of the device" [ "$(pin_requests 1)" -eq "$asked" ]
finish
