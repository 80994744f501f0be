# controllers: 2
# SIGINT and SIGTERM at each stage of pair (right after Pair Device is
# sent) and connect (during the RFCOMM connect, during the bridge on a
# terminal) and listen --exec (while its command runs): exit 130, and
# nothing left started: the pairing cancelled and its link gone (the next
# pair is not busy), the terminal restored.
# (06-unreachable signals pair while the PIN request is pending;
# 22-fault-signals-agent does agent and scan.)
. tests/vm/lib.sh

"$BTPAIR" -q setup
hc05_like 1

# pair, just after Pair Device goes out (-v traces it): the emulated
# controllers connect at once, so this is as early as the pairing can be
# caught; the trace tells which stage it was.
responder 1 --silent
for sig in INT TERM; do
	"$BTPAIR" -v pair "$B" --pin 1234 --timeout 60 >"$WORK/pair-$sig.log" 2>&1 &
	pid=$!
	for _ in $(seq 500); do
		grep -q "Pair Device (0x0019)" "$WORK/pair-$sig.log" && break
		sleep 0.01
	done
	signal_at "$sig" "$pid"
	OUT=$(grep -v '^[<>] \|^    ' "$WORK/pair-$sig.log")
	check "pair, SIG$sig after Pair Device: exit 130 (got $RC)" [ "$RC" -eq 130 ]
	expect_out "pair $B: interrupted; pairing cancelled" "pair, SIG$sig: says so"
	stage=$(sed -n '/Cancel Pair Device/q; /pin-request/{s/.*/PIN request pending/p;q}' \
		"$WORK/pair-$sig.log")
	echo "  (pair, SIG$sig: caught at stage: ${stage:-connecting})"
	check "pair, SIG$sig: Cancel Pair Device was sent" \
		grep -q "Cancel Pair Device" "$WORK/pair-$sig.log"
	check "pair, SIG$sig: the link is gone" wait_disconnected 0 150
done
pkill -f "$RESPONDER 1"
responder 1 --pin 1234
expect_exit 0 "after the signals, pair is not busy" "$BTPAIR" pair "$B" --pin 1234
pkill -f "$RESPONDER 1"
"$BTPAIR" -q unpair "$B"
"$BTPAIR" -q -i hci1 unpair "$A"
wait_disconnected 0

# connect, during the RFCOMM connect: the server demands encryption, so
# the device authenticates first and its PIN request stays unanswered.
responder 1 --silent
for sig in INT TERM; do
	: >"$WORK/responder-1.log"
	background "$WORK/rctest-$sig.log" rctest -r -E -i hci1 -P 7
	sleep 1
	"$BTPAIR" connect "$B" --channel 7 --timeout 60 >"$WORK/connect-$sig.log" 2>&1 &
	pid=$!
	check "connect, SIG$sig: the device's PIN request is pending" \
		wait_for "$WORK/responder-1.log" "pin request" 150
	signal_at "$sig" "$pid"
	OUT=$(cat "$WORK/connect-$sig.log")
	check "connect, SIG$sig during the RFCOMM connect: exit 130 (got $RC)" \
		[ "$RC" -eq 130 ]
	expect_out "connect $B: interrupted" "connect, SIG$sig: says so"
	check "connect, SIG$sig: the link is gone" wait_disconnected 0 150
	pkill -x rctest
done
pkill -f "$RESPONDER 1"

# connect, during the bridge, on a terminal: raw mode is undone.
for sig in INT TERM; do
	background "$WORK/listen-$sig.log" "$BTPAIR" -i hci1 listen --channel 6 \
		--once --exec cat
	listening "$WORK/listen-$sig.log"
	(sleep 30) | script -qfec "sh -c 'stty -g >$WORK/tty-before-$sig; \
$BTPAIR connect $B --channel 6; echo rc=\$?; stty -g >$WORK/tty-after-$sig'" \
		/dev/null >"$WORK/tty-$sig.log" 2>&1 &
	term=$!
	_bg_pids+=($term)
	check "bridge, SIG$sig: connected on a terminal" \
		wait_for "$WORK/tty-$sig.log" "Connected to $B channel 6" 150
	# The btpair under the terminal, not the script or shell that name it.
	pid=$(pgrep -f "^$BTPAIR connect $B --channel 6")
	kill -"$sig" "$pid"
	check "bridge, SIG$sig: exit 130" wait_for "$WORK/tty-$sig.log" "rc=130" 100
	check "bridge, SIG$sig: the terminal is restored" \
		cmp -s "$WORK/tty-before-$sig" "$WORK/tty-after-$sig"
	kill "$term" 2>/dev/null
	pkill -f "$BTPAIR -i hci1 listen" 2>/dev/null
	wait_disconnected 0
done

# listen --exec without --once, while its command runs: the signal ends the
# command and listen with it (exit 130), not just that connection.
for sig in INT TERM; do
	background "$WORK/lexec-$sig.log" "$BTPAIR" -i hci1 listen --channel 5 \
		--exec cat
	lpid=$!
	listening "$WORK/lexec-$sig.log"
	background "$WORK/lconn-$sig.log" sh -c "(echo hello-$sig; sleep 60) | \
exec '$BTPAIR' connect '$B' --channel 5"
	check "listen --exec, SIG$sig: the command echoes a line" \
		wait_for "$WORK/lconn-$sig.log" "^hello-$sig" 150
	kill -"$sig" "$lpid"
	for _ in $(seq 100); do
		kill -0 "$lpid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$lpid" 2>/dev/null; then
		kill -KILL "$lpid"
		check "listen --exec, SIG$sig: listen ended within 10 s" false
	fi
	wait "$lpid"
	RC=$?
	check "listen --exec, SIG$sig: exit 130 (got $RC)" [ "$RC" -eq 130 ]
	pkill -f "$BTPAIR connect $B --channel 5" 2>/dev/null
	wait_disconnected 0 150
done

finish
