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
# request. Each attempt pairs and says so, or fails naming bluetoothd; and
# in each there was a race: bluetoothd (-d) logs its refusal of our side's
# confirmation request, whoever was first. (Counting the refusals that
# named bluetoothd proved nothing when btpair won every race.)
refusals() {
	grep -c "btd_adapter_confirm_reply() hci0 addr $B success 0" "$WORK/bluetoothd.log"
}
responder 1
paired=0 failed=0
for i in 1 2 3 4 5; do
	before=$(refusals)
	run "$BTPAIR" pair "$B" --capability DisplayYesNo --confirm --timeout 20
	for _ in $(seq 50); do
		[ "$(refusals)" -gt "$before" ] && break
		sleep 0.1
	done
	check "attempt $i: bluetoothd answered our side's request too" \
		[ "$(refusals)" -gt "$before" ]
	case $RC in
	0)
		paired=$((paired + 1))
		expect_out "^paired $B( |$)" "attempt $i: paired, and says so"
		;;
	6)
		failed=$((failed + 1))
		expect_out "pair $B: .*bluetoothd rejects pairing requests itself" \
			"attempt $i: refused, naming bluetoothd"
		;;
	*) _record fail "attempt $i: exit $RC" ;;
	esac
	"$BTPAIR" -q unpair "$B" 2>/dev/null
	"$BTPAIR" -q -i hci1 unpair "$A" 2>/dev/null
	wait_disconnected 0
done
echo "  (racing bluetoothd: $paired of 5 paired, $failed refused)"
finish
