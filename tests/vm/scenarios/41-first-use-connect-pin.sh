# controllers: 2
# `connect --pin` to an HC-05 never paired, which demands an authenticated
# link: it pairs, connects, and a line goes through and back. Five rounds,
# each on freshly made controllers (a fresh link state, nothing paired); the
# first is the boot's first RFCOMM use.
. tests/vm/lib.sh

for round in 1 2 3 4 5; do
	[ "$round" = 1 ] || fresh_controllers
	hc05_device 2
	trace_start
	expect_exit 0 "round $round: connect --pin to a device never paired" \
		sh -c "echo 'round $round' |
			'$BTPAIR' connect '$B' --channel 2 --pin 1234 --timeout 30"
	expect_out "^ok: round $round$" "round $round: a line through and back"
	check "round $round: the key was stored" \
		[ -f "/var/lib/bluetooth/$A/$B/info" ]
	trace_end
done
finish
