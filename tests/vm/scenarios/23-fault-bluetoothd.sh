# controllers: 2
# bluetoothd runs with no agent registered, so it rejects pairing requests
# itself. btpair must not fail with a bare "authentication failed": it names
# bluetoothd and says how to go on. (SSP numeric comparison: bluetoothd
# leaves both controllers' SSP on, and these emulated controllers, once
# SSP was on, never ask for a PIN again.)
. tests/vm/lib.sh

mkdir -p /run/dbus
check "a system bus" dbus-daemon --system --fork
background "$WORK/bluetoothd.log" /usr/libexec/bluetooth/bluetoothd -n -d
check "bluetoothd is up" wait_for "$WORK/bluetoothd.log" "management interface" 100
sleep 1
# bluetoothd resets the controllers' settings when it starts.
"$BTPAIR" -q -i hci0 setup --ssp on
"$BTPAIR" -q -i hci1 setup --ssp on --capability DisplayYesNo

# Nobody but bluetoothd answers on the device's side: it refuses.
expect_exit 6 "bluetoothd refuses the device's side" \
	"$BTPAIR" pair "$B" --capability DisplayYesNo --confirm --timeout 20
expect_out "pair $B: .*bluetoothd rejects pairing requests itself when no agent is registered there: stop bluetoothd \(systemctl stop bluetooth\) or register an agent in it, then pair again" \
	"the message names bluetoothd and what to do"
expect_no_out "authentication failed" "not a bare authentication failure"
check "bluetoothd did refuse" grep -q "No agent available for request" \
	"$WORK/bluetoothd.log"
wait_disconnected 0

# The device answers too: now btpair and bluetoothd race for our side's
# request. Each attempt pairs, or fails naming bluetoothd.
responder 1
named=0
failed=0
for i in 1 2 3 4 5; do
	run "$BTPAIR" pair "$B" --capability DisplayYesNo --confirm --timeout 20
	case $RC in
	0) ;;
	6)
		failed=$((failed + 1))
		grep -q "bluetoothd rejects pairing requests itself" <<<"$OUT" &&
			named=$((named + 1))
		;;
	*) _record fail "attempt $i: exit $RC" ;;
	esac
	"$BTPAIR" -q unpair "$B" 2>/dev/null
	"$BTPAIR" -q -i hci1 unpair "$A" 2>/dev/null
	wait_disconnected 0
done
echo "  (racing bluetoothd: $((5 - failed)) of 5 paired, $failed refused)"
check "every refusal names bluetoothd ($named of $failed)" [ "$named" -eq "$failed" ]
finish
