# controllers: 2
# SIGINT and SIGTERM to agent (idle, mid-pairing) and scan: exit 130,
# nothing left started (discovery stopped: a new one starts at once).
# (12-agent sends SIGTERM to an idle agent, 19-scan SIGINT to scan.)
. tests/vm/lib.sh

"$BTPAIR" -q setup

# agent, idle: SIGINT (12-agent sends SIGTERM).
background "$WORK/agent-idle.log" "$BTPAIR" -i hci0 agent --allow-any --pin 1234
pid=$!
wait_for "$WORK/agent-idle.log" "serving hci0" 50
signal_at INT "$pid"
check "agent, idle, SIGINT: exit 130 (got $RC)" [ "$RC" -eq 130 ]
check "agent, idle, SIGINT: says so" grep -q "stopping on a signal" \
	"$WORK/agent-idle.log"

# agent, mid-pairing: the device starts a numeric comparison, the agent
# accepts its side, the device never answers its own; then the signal.
"$BTPAIR" -q setup --ssp on
"$BTPAIR" -q -i hci1 setup --ssp on
for sig in INT TERM; do
	background "$WORK/agent-$sig.log" "$BTPAIR" -i hci0 agent --allow-any \
		--confirm --capability DisplayYesNo
	pid=$!
	wait_for "$WORK/agent-$sig.log" "serving hci0" 50
	: >"$WORK/responder-1.log"
	responder 1 --silent --pair "$A" --capability 1
	check "agent, SIG$sig: it accepted its side of the pairing" \
		wait_for "$WORK/agent-$sig.log" "$B: accepting numeric comparison" 150
	signal_at "$sig" "$pid"
	check "agent, mid-pairing, SIG$sig: exit 130 (got $RC)" [ "$RC" -eq 130 ]
	check "agent, mid-pairing, SIG$sig: says so" \
		grep -q "stopping on a signal" "$WORK/agent-$sig.log"
	pkill -f "$RESPONDER 1"
	# The device's own pairing stays pending in its kernel (the emulated
	# controllers never time a confirmation out): power it off to end it.
	"$BTPAIR" -q -i hci1 power off
	"$BTPAIR" -q -i hci1 setup --ssp on
	check "agent, mid-pairing, SIG$sig: the link is gone" wait_disconnected 0
done

# scan: SIGTERM (19-scan sends SIGINT); discovery is stopped after it.
"$BTPAIR" scan --duration 30 >"$WORK/scan.log" 2>&1 &
pid=$!
sleep 3
signal_at TERM "$pid"
check "scan, SIGTERM: exit 130 (got $RC)" [ "$RC" -eq 130 ]
check "scan, SIGTERM: says so" \
	grep -q "scan: interrupted; discovery stopped" "$WORK/scan.log"
run btmgmt --index 0 find -b
expect_out "Discovery started" "scan, SIGTERM: a new discovery starts at once"
expect_no_out "Busy|Failed|Unable" "scan, SIGTERM: and nothing refused it"

# The control: a scan killed outright stops nothing, and the same check
# then sees the discovery it left running.
"$BTPAIR" scan --duration 30 >"$WORK/scan9.log" 2>&1 &
pid=$!
sleep 3
signal_at KILL "$pid"
run btmgmt --index 0 find -b
expect_out "Unable to start discovery.*Busy" \
	"control: after kill -9 the discovery is still running"
finish
