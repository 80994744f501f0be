# controllers: 2
# The guest itself: both virtual controllers are there with btvirt's
# addresses, and btpair reaches the kernel's management socket.
. tests/vm/lib.sh

check "hci0 and hci1 exist" test -e /sys/class/bluetooth/hci0 -a -e /sys/class/bluetooth/hci1
run btmgmt --index 0 info
expect_out "addr $A" "btmgmt sees hci0 at $A"
expect_exit 0 "btpair list" "$BTPAIR" list
expect_out "^hci1 $B" "btpair sees hci1 at $B"
finish
