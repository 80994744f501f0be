# controllers: 2
# A plain Python connect to an HC-05 never paired, which demands an
# authenticated link, while `btpair agent` answers the PIN request the
# connect itself brings: it gets through on first use. Five rounds, each on
# freshly made controllers (a fresh link state, nothing paired); the first
# is the boot's first RFCOMM use.
. tests/vm/lib.sh

for round in 1 2 3 4 5; do
	[ "$round" = 1 ] || fresh_controllers
	hc05_device 2
	trace_start
	: >"$WORK/agent.log"
	background "$WORK/agent.log" "$BTPAIR" -i hci0 agent --pin 1234 --allow "$B" \
		--timeout 120
	agent=$!
	wait_for "$WORK/agent.log" "serving hci0" 100
	expect_exit 0 "round $round: a Python connect while the agent answers" \
		python3 tests/vm/rfcomm_line.py send "$B" 2 "round $round"
	expect_out "^ok: round $round$" "round $round: the device answered"
	check "round $round: the agent answered the PIN request" \
		wait_for "$WORK/agent.log" "hci0 $B: answering PIN request" 50
	kill "$agent" 2>/dev/null
	wait "$agent" 2>/dev/null
	trace_end
done
finish
