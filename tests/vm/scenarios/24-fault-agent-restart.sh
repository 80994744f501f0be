# controllers: 2
# The controllers go away under a running agent (btvirt killed) and come
# back (btvirt started again): the agent keeps running, adopts the new hci1
# and pairs a device through it.
. tests/vm/lib.sh

background "$WORK/agent.log" "$BTPAIR" -i hci1 agent --allow "$A" --pin 1234
agent=$!
check "the agent serves hci1" wait_for "$WORK/agent.log" "serving hci1" 50

pkill -x btvirt
for _ in $(seq 50); do [ -e /sys/class/bluetooth/hci1 ] || break; sleep 0.1; done
check "the controllers are gone" [ ! -e /sys/class/bluetooth/hci1 ]
check "the agent saw hci1 go" wait_for "$WORK/agent.log" "hci1 removed" 50
sleep 1
check "the agent still runs without a controller" kill -0 "$agent"

btvirt -l2 >"$WORK/btvirt.log" 2>&1 &
_bg_pids+=($!)
for _ in $(seq 100); do [ -e /sys/class/bluetooth/hci1 ] && break; sleep 0.1; done
sleep 1
check "the agent serves the new hci1" \
	sh -c "[ \$(grep -c 'serving hci1' '$WORK/agent.log') -eq 2 ]"

# The new controllers are fresh: make hci1 an HC-05 again, pair from hci0.
hc05_like 1
"$BTPAIR" -q setup
expect_exit 0 "pairing through the new controller" \
	"$BTPAIR" pair "$B" --pin 1234 --timeout 30
expect_out "^paired $B \(combination key, stored\)" "paired and stored"
check "the agent answered on the new hci1" \
	wait_for "$WORK/agent.log" "hci1 $A: answering PIN request" 50
check "the agent stored its key" \
	wait_for "$WORK/agent.log" "hci1 $A: paired \(combination key, stored\)" 50
check "the agent runs on" kill -0 "$agent"
signal_at TERM "$agent"
check "and stops on SIGTERM with 130 (got $RC)" [ "$RC" -eq 130 ]
finish
