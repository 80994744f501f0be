# controllers: 2
# The README's demo: hci1 plays an HC-05 serial module, hci0 plays the
# Raspberry Pi that runs btpair.
. tests/vm/lib.sh

show() { printf '\n\033[1mpi$ %s\033[0m\n' "$*"; }

echo
echo "== Two virtual controllers on one virtual air, in a real Linux $(uname -r) kernel."
echo "== hci1 ($B) plays an HC-05: legacy pairing only (SSP off), PIN 1234,"
echo "== a serial port on RFCOMM channel 1 that only paired devices may open."
hc05_like 1
responder 1 --pin 1234
background "$WORK/hc05-serial.log" /usr/bin/python3 tests/vm/rfcomm_line.py serve "$B" 1
wait_for "$WORK/hc05-serial.log" listening 100

show btpair list
"$BTPAIR" list
show btpair setup
"$BTPAIR" setup
show "btpair pair $B --pin 1234"
"$BTPAIR" pair "$B" --pin 1234 </dev/null
rc=$?
echo "(exit status $rc)"
check "btpair pair exited 0" [ "$rc" -eq 0 ]

show "python3 rfcomm_line.py send $B 1 'hello HC-05'   # a PyBluez-style socket.connect((addr, 1))"
run /usr/bin/python3 tests/vm/rfcomm_line.py send "$B" 1 "hello HC-05"
echo "$OUT"
expect_out "^ok: hello HC-05$" "the line crossed RFCOMM and came back"
wait_for "$WORK/hc05-serial.log" "received" 50
echo "HC-05 side: $(grep received "$WORK/hc05-serial.log")"
echo
finish
