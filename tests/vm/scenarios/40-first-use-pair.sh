# controllers: 2
# The seed's own case, as a provisioning script meets it: pair an HC-05 that
# demands an authenticated link, then talk to it from a plain Python program
# the moment `btpair pair` exits. Five rounds, each on freshly made
# controllers (a fresh link state, nothing paired); the first is the boot's
# first RFCOMM use. The Python client is started beforehand and told to
# connect when pair exits, so no interpreter start-up hides a window.
. tests/vm/lib.sh

for round in 1 2 3 4 5; do
	[ "$round" = 1 ] || fresh_controllers
	hc05_device 2
	trace_start
	rm -f "$WORK/go"
	mkfifo "$WORK/go"
	python3 tests/vm/rfcomm_line.py send-on-go "$B" 2 "round $round" \
		<"$WORK/go" >"$WORK/client.log" 2>&1 &
	client=$!
	exec 7>"$WORK/go"
	expect_exit 0 "round $round: pair a device never paired" \
		"$BTPAIR" pair "$B" --pin 1234
	echo go >&7
	exec 7>&-
	wait "$client"
	rc=$?
	OUT=$(cat "$WORK/client.log")
	check "round $round: a Python connect right after pair gets through" \
		[ "$rc" -eq 0 ]
	expect_out "^ok: round $round$" "round $round: the device answered"
	trace_end
done
finish
