# controllers: 3
# serial.conf: two declared devices, one found by name: and not yet paired
# (its PIN in a file), one paired already. serial up pairs the first and
# binds both, bytes cross both, a second run changes nothing, a malformed
# file applies nothing; after a simulated reboot (controllers recreated, the
# keys unit's and the serial unit's commands run) /dev/rfcomm0 is back and
# no PIN is asked.
. tests/vm/lib.sh

# A line out and its answer through a bound TTY (the server answers
# "ok: LINE" and holds the link until the TTY is closed).
tty_line() { # DEV TEXT
	run timeout 40 sh -c "exec 3<>$1 && stty -F $1 raw -echo && \
		echo $2 >&3 && timeout 30 head -n 1 <&3"
}

# The devices: hci1 an HC-05 called HC-05-LAB with PIN 4321, hci2 one with
# PIN 1234. Each keeps its keys, as an HC-05 keeps them in flash: an agent
# per device stores them.
devices() {
	"$BTPAIR" -q setup
	"$BTPAIR" -q -i hci1 setup --ssp off --name HC-05-LAB
	btmgmt --index 1 discov on >/dev/null
	hc05_like 2
}
servers() { # LOG-SUFFIX
	background "$WORK/server1$1.log" python3 tests/vm/rfcomm_line.py serve "$B" 1 hold
	server1=$!
	background "$WORK/server2$1.log" python3 tests/vm/rfcomm_line.py serve "$C" 1 hold
	server2=$!
	wait_for "$WORK/server1$1.log" "listening" 300 || echo "server 1 did not start"
	wait_for "$WORK/server2$1.log" "listening" 300 || echo "server 2 did not start"
}
answered() { grep -c "answering PIN request" "$1" 2>/dev/null || true; }

devices
background "$WORK/agent1.log" "$BTPAIR" -i hci1 agent --allow-any --pin 4321
agent1=$!
background "$WORK/agent2.log" "$BTPAIR" -i hci2 agent --allow-any --pin 1234
agent2=$!
wait_for "$WORK/agent1.log" "serving hci1" 100
wait_for "$WORK/agent2.log" "serving hci2" 100
servers ""

expect_exit 0 "the known device is paired beforehand" "$BTPAIR" pair "$C" --pin 1234
printf '4321\n' >"$WORK/pins"
chmod 600 "$WORK/pins"
cat >"$WORK/serial.conf" <<CONF
# NAME  TARGET          KEY=VALUE...
lab     name:HC-05-LAB  pin-file=$WORK/pins channel=1
known   $C              channel=1 dev=1   # paired already
CONF
export BTPAIR_SERIAL_CONF=$WORK/serial.conf
wait_disconnected 0 200
known_pins=$(answered "$WORK/agent2.log")

expect_exit 0 "serial up" "$BTPAIR" serial up
expect_out "^serial lab up /dev/rfcomm0 $B channel 1 \(paired\)$" \
	"lab: found by name, paired, the lowest free node"
expect_out "^serial known up /dev/rfcomm1 $C channel 1$" "known: bound as dev=1 says"
check "lab's key is stored" [ -f "/var/lib/bluetooth/$A/$B/info" ]
check "the device was asked for the PIN the file holds" \
	[ "$(answered "$WORK/agent1.log")" -eq 1 ]
check "known was not paired again" \
	[ "$(answered "$WORK/agent2.log")" -eq "$known_pins" ]
check "/dev/rfcomm0 exists" wait_for_dev /dev/rfcomm0
check "/dev/rfcomm1 exists" wait_for_dev /dev/rfcomm1
# serial up returns only when the devices can be used: the link the pairing
# made is already down, and the first open needs no wait.
check "the pairing's link is down when serial up returns" wait_disconnected 0 1
tty_line /dev/rfcomm0 one
expect_out "^ok: one" "a line each way through /dev/rfcomm0"
# One link at a time: the 6.1 kernel's RFCOMM has oopsed here (list
# corruption in hci_chan_del) when a session to one device was set up while
# the last one to another was still being torn down.
wait_disconnected 0 200
sleep 1
tty_line /dev/rfcomm1 two
expect_out "^ok: two" "a line each way through /dev/rfcomm1"
wait_disconnected 0 200

lab_pins=$(answered "$WORK/agent1.log")
expect_exit 0 "serial up again" "$BTPAIR" serial up
expect_out "^serial lab already up /dev/rfcomm0 $B channel 1$" "lab: nothing to do"
expect_out "^serial known already up /dev/rfcomm1 $C channel 1$" "known: nothing to do"
run "$BTPAIR" --json serial up
check "JSON: one event per device, nothing changed" python3 -c '
import json, sys
objs = [json.loads(l) for l in sys.argv[1].splitlines()]
assert len(objs) == 2, objs
by = {o["name"]: o for o in objs}
assert all(o["event"] == "serial" and o["state"] == "up" and o["changed"] is False for o in objs), objs
assert (by["lab"]["dev"], by["lab"]["address"], by["lab"]["channel"]) == (0, sys.argv[2], 1), by
assert by["known"]["dev"] == 1 and by["known"]["pty"] is None, by
' "$OUT" "$B"
check "no PIN asked again" [ "$(answered "$WORK/agent1.log")" -eq "$lab_pins" ]
expect_exit 0 "status" "$BTPAIR" status
expect_out "^serial lab name:HC-05-LAB channel 1 /dev/rfcomm0 up$" "status: lab up"
expect_out "^binding /dev/rfcomm1 $C channel 1 idle$" "status: known's binding, idle"

expect_exit 0 "serial down" "$BTPAIR" serial down
expect_out "^serial lab down \(released /dev/rfcomm0\)$" "lab released"
expect_out "^serial known down \(released /dev/rfcomm1\)$" "known released"
check "/dev/rfcomm0 is gone" sh -c '! test -e /dev/rfcomm0'
expect_exit 0 "serial down again" "$BTPAIR" serial down
expect_out "^serial lab already down$" "nothing to undo"

# A malformed line: named, and nothing applied, not even the good entries.
{ cat "$WORK/serial.conf"; echo "broken"; } >"$WORK/bad.conf"
expect_exit 2 "serial up with a malformed line" \
	"$BTPAIR" serial up --config "$WORK/bad.conf"
expect_out "bad.conf:4: malformed line" "names file and line"
check "nothing was bound" sh -c '! test -e /dev/rfcomm0 && ! test -e /dev/rfcomm1'
expect_exit 2 "a NAME not declared" "$BTPAIR" serial up nosuch
expect_out "no device 'nosuch'" "says so"
expect_exit 0 "serial up one NAME" "$BTPAIR" serial up known
expect_out "^serial known up /dev/rfcomm1 $C channel 1$" "that one is up"
expect_no_out "serial lab" "only that one"
check "and only its node" sh -c 'test -e /dev/rfcomm1 && ! test -e /dev/rfcomm0'
expect_exit 0 "serial up the rest" "$BTPAIR" serial up
expect_out "^serial lab up /dev/rfcomm0 $B channel 1$" "lab again, no pairing"

# The reboot: shutdown stops the serial unit (serial down), the controllers
# go and come back with empty kernel key lists, /run starts empty.
expect_exit 0 "shutdown: serial down" "$BTPAIR" serial down
kill "$agent1" "$agent2" "$server1" "$server2" 2>/dev/null
pkill -x btvirt
for _ in $(seq 50); do [ -e /sys/class/bluetooth/hci0 ] || break; sleep 0.1; done
rm -rf /run/btpair
btvirt -l3 >"$WORK/btvirt.log" 2>&1 &
_bg_pids+=($!)
for _ in $(seq 100); do [ -e /sys/class/bluetooth/hci2 ] && break; sleep 0.1; done
sleep 2
# The keys unit on each controller (the devices' own keys stand for their
# flash), then the serial unit.
for i in 0 1 2; do
	expect_exit 0 "boot: keys load on hci$i" "$BTPAIR" -i "hci$i" keys load
done
devices
# Now the devices answer no PIN: any request is only noted.
responder 1 --silent --timeout 300
responder 2 --silent --timeout 300
servers "-boot"
expect_exit 0 "boot: serial up" "$BTPAIR" serial up
expect_out "^serial lab up /dev/rfcomm0 $B channel 1$" "/dev/rfcomm0 is back, no pairing"
expect_out "^serial known up /dev/rfcomm1 $C channel 1$" "/dev/rfcomm1 too"
tty_line /dev/rfcomm0 three
expect_out "^ok: three" "a line through /dev/rfcomm0 after the reboot"
check "no PIN was asked" [ "$(pin_requests 1)" -eq 0 ]
"$BTPAIR" -q serial down
finish
