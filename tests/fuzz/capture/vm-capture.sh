# controllers: 3
# Not a test: a VM scenario that records real traffic for the fuzzers' seed
# corpora. btmon records every mgmt event and HCI packet while btpair pairs
# (legacy PIN, a wrong PIN then the right one, SSP Just Works), unpairs,
# scans (EIR names, class, a name asked of a legacy device), lists keys and
# asks bluetoothd's SDP server for the Serial Port channel; bluetoothd then
# rewrites the key files in its own way. The capture and the key store are
# printed base64-encoded between marker lines for tests/fuzz/capture/seeds.py.
#   KERNEL=6.1 VM_JOBS=1 tests/vm/run-all.sh tests/fuzz/capture/vm-capture.sh
#   tests/fuzz/capture/seeds.py tests/vm/.out/6.1/vm-capture.log
. tests/vm/lib.sh

dump() { # NAME FILE
	echo "FUZZ-CAPTURE-BEGIN $1"
	base64 -w 76 "$2"
	echo "FUZZ-CAPTURE-END $1"
}

background "$WORK/btmon.log" btmon -w "$WORK/capture.btsnoop"
sleep 1

"$BTPAIR" -q setup --ssp on
hc05_like 1
"$BTPAIR" -q -i hci1 setup --ssp off --name "HC-05"
"$BTPAIR" -q -i hci2 setup --ssp on --name "Modern One"
btmgmt --index 1 discov on >/dev/null
btmgmt --index 2 discov on >/dev/null
responder 1 --pin 1234
responder 2

expect_exit 0 "legacy PIN pairing" "$BTPAIR" -vv pair "$B" --pin 1234
expect_exit 0 "already paired" "$BTPAIR" -vv pair "$B" --pin 1234
expect_exit 0 "unpair" "$BTPAIR" -vv unpair "$B"
wait_disconnected 0
expect_exit 0 "a wrong PIN, then the right one" \
	"$BTPAIR" -vv pair "$B" --pin 9999 --pin 1234
expect_exit 0 "SSP Just Works" "$BTPAIR" -vv pair "$C"
expect_exit 0 "scan" "$BTPAIR" -vv scan --duration 8
expect_exit 0 "keys list" "$BTPAIR" -vv keys list
for f in $(find /var/lib/bluetooth -type f -name info | sort); do
	dump "info-btpair:${f#/var/lib/bluetooth/}" "$f"
done

# SDP: bluetoothd's server with Serial Port records on channels 3 and 5
# and one of another service, on the device's side.
mkdir -p /run/dbus
dbus-daemon --system --fork
background "$WORK/bluetoothd.log" /usr/libexec/bluetooth/bluetoothd -n -C
wait_for "$WORK/bluetoothd.log" "management interface" 100
sleep 2
"$BTPAIR" -q setup
"$BTPAIR" -q -i hci1 setup
sdptool add --channel=3 SP >/dev/null
sdptool add --channel=5 SP >/dev/null
sdptool add --channel=7 DUN >/dev/null
background "$WORK/listen.log" "$BTPAIR" -i hci1 listen --channel 3 --once \
	--exec echo hello
sleep 1
expect_exit 0 "connect, the channel found by SDP" \
	"$BTPAIR" -v connect "$B" --timeout 30
expect_out "channel 3" "SDP found channel 3"
sleep 2
pkill -x bluetoothd
sleep 1
pkill -x btmon
sleep 1

dump btsnoop "$WORK/capture.btsnoop"
for f in $(find /var/lib/bluetooth -type f -name info | sort); do
	dump "info-bluetoothd:${f#/var/lib/bluetooth/}" "$f"
done
finish
