# controllers: 2
# Keys survive a "reboot": pair with the key store, remove the controllers
# (the kernel forgets every key), bring them back with new indexes, load the
# stored keys, and an authenticated RFCOMM link needs no PIN on either side.
. tests/vm/lib.sh

hc05_like 1
"$BTPAIR" -q setup
background "$WORK/agent.log" "$BTPAIR" agent --allow-any --pin 1234 --timeout 90
wait_for "$WORK/agent.log" "serving hci1" 50
expect_exit 0 "pair" "$BTPAIR" pair "$B" --pin 1234
expect_out "stored" "the key is stored"
# The agent serves hci0 too, so it and btpair both answered hci0's PIN
# request: whichever the kernel took, the pairing succeeded.
check "the agent answered hci0's request as well" \
	wait_for "$WORK/agent.log" "hci0 $B: answering PIN request"

# The reboot: the controllers go away and come back, same addresses, with
# kernel key lists empty (the kernel hands out the lowest free indexes, so
# they are hci0 and hci1 again).
pkill -x btvirt
for _ in $(seq 50); do [ -e /sys/class/bluetooth/hci0 ] || break; sleep 0.1; done
check "the controllers are gone" [ ! -e /sys/class/bluetooth/hci0 ]
check "the agent saw them go" wait_for "$WORK/agent.log" "hci1 removed" 50
btvirt -l2 >"$WORK/btvirt.log" 2>&1 &
_bg_pids+=($!)
for _ in $(seq 100); do [ -e /sys/class/bluetooth/hci1 ] && break; sleep 0.1; done
sleep 1
check "the agent follows the new controllers" \
	sh -c "[ \$(grep -c 'serving hci1' '$WORK/agent.log') -eq 2 ]"
pkill -f "btpair agent"
sleep 0.5
"$BTPAIR" -q -i hci0 setup --ssp off
"$BTPAIR" -q -i hci1 setup --ssp off

# The kernel forgot the key: pairing asks for a PIN again.
expect_exit 6 "before keys load, the kernel has no key" "$BTPAIR" pair "$B"
expect_out "asked for a PIN" "so the device asks for a PIN"
check "that attempt's link is gone" wait_disconnected 0

expect_exit 0 "keys load on hci0" "$BTPAIR" -i hci0 keys load
expect_out "^hci0 loaded 1 key$" "one key for hci0"
expect_exit 0 "keys load on hci1" "$BTPAIR" -i hci1 keys load
expect_out "^hci1 loaded 1 key$" "one key for hci1"
expect_exit 0 "keys load -j, again" "$BTPAIR" -j -i hci1 keys load
expect_out '^\{"event":"keys-loaded","index":1,"count":1\}$' "keys-loaded in JSON"
background "$WORK/server2.log" rctest -r -E -i hci1 -P 1
sleep 1
expect_exit 0 "with the keys loaded: RFCOMM connects" \
	timeout 30 rctest -s -E -i hci0 -P 1 -N 5 -b 64 "$B"
check "the server saw it" wait_for "$WORK/server2.log" "Connect from $A"
expect_exit 0 "pair reports already paired" "$BTPAIR" -i hci0 pair "$B"
expect_out "already paired" "from the loaded key"
finish
