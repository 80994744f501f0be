# controllers: 2
# unpair, then pair again; unpair name:PATTERN by the key store's name;
# unpairing an unknown device is a clear error.
. tests/vm/lib.sh

hc05_like 1
responder 1 --pin 1234

expect_exit 0 "pair" "$BTPAIR" pair "$B" --pin 1234
expect_exit 0 "unpair" "$BTPAIR" unpair "$B"
expect_out "^unpaired $B$" "says unpaired"
expect_exit 0 "pair again" "$BTPAIR" pair "$B" --pin 1234
expect_out "^paired $B \(combination key" "a fresh pairing, not 'already'"
check "the device was asked for its PIN twice" [ "$(pin_requests 1)" -eq 2 ]

# By the name in the key store ([General] Name=, as bluetoothd writes it):
# the kernel's key and the stored one go, the other groups stay.
info=/var/lib/bluetooth/$A/$B/info
sed -i '1i [General]\nName=HC-05 Lab\n' "$info"
expect_exit 1 "unpair name: with no match in the store" "$BTPAIR" unpair "name:nothing*"
expect_out "no stored device named 'nothing\*'" "says so"
expect_exit 0 "unpair name:hc-05*" "$BTPAIR" -j unpair "name:hc-05*"
expect_out '^\{"event":"unpaired","index":0,"address":"'"$B"'","kernel":true,"stored":true\}$' \
	"unpaired the device of that name, in JSON"
check "the key is gone from the store, the name kept" \
	sh -c "! grep -q LinkKey '$info' && grep -q '^Name=HC-05 Lab' '$info'"
expect_exit 0 "pair once more" "$BTPAIR" pair "$B" --pin 1234

expect_exit 1 "unpair of an unknown device" "$BTPAIR" unpair "$NOBODY"
expect_out "unpair $NOBODY: not paired on hci0 \[mgmt status 0x06\]" \
	"the message says it is not paired"
expect_exit 3 "unpair on a controller that does not exist" \
	"$BTPAIR" -i hci9 unpair "$B"
expect_out "no controller hci9" "names the controller"
finish
