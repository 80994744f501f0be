# controllers: 2
# The key store is bluetoothd's own: bluetoothd, started after btpair paired
# a device, knows it as paired and bonded; whatever bluetoothd then keeps in
# the same file, btpair still reads its key from it.
. tests/vm/lib.sh

hc05_like 1
"$BTPAIR" -q setup
responder 1 --pin 1234
expect_exit 0 "btpair pairs and stores" "$BTPAIR" pair "$B" --pin 1234
expect_out "stored" "the key is stored"
pkill -f "$RESPONDER"

# bluetoothd on a private system bus in the guest.
mkdir -p /run/dbus
check "a system bus" dbus-daemon --system --fork
background "$WORK/bluetoothd.log" /usr/libexec/bluetooth/bluetoothd -n
check "bluetoothd is up" wait_for "$WORK/bluetoothd.log" "management interface" 100
sleep 1
run bluetoothctl info "$B"
expect_out "Paired: yes" "bluetoothd knows the device as paired"
expect_out "Bonded: yes" "and bonded (from the stored key)"
check "bluetoothd stopped" stop_bluetoothd

run "$BTPAIR" keys list
expect_out "^$A $B combination key" "btpair still reads the file after bluetoothd"
finish
