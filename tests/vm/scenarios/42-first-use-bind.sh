# controllers: 2
# `bind --pin` to an HC-05 never paired, which demands an authenticated
# link, then a program opens /dev/rfcomm0 the moment bind exits: the kernel
# connects with the key bind stored, nobody is asked for a PIN, and a line
# goes through and back. Five rounds, each on freshly made controllers (a
# fresh link state, nothing paired); the first is the boot's first RFCOMM
# use.
. tests/vm/lib.sh

for round in 1 2 3 4 5; do
	[ "$round" = 1 ] || fresh_controllers
	hc05_device 2 hold
	trace_start
	run timeout 60 sh -c "'$BTPAIR' bind '$B' --channel 2 --dev 0 --pin 1234 &&
		exec 3<>/dev/rfcomm0 && stty -F /dev/rfcomm0 raw -echo &&
		echo 'round $round' >&3 && timeout 10 head -n 1 <&3"
	check "round $round: bind, then open /dev/rfcomm0 at once (exit $RC)" \
		[ "$RC" -eq 0 ]
	expect_out "^ok: round $round" "round $round: a line through and back"
	check "round $round: the device was asked for its PIN once" \
		[ "$(pin_requests 1)" -eq 1 ]
	"$BTPAIR" -q release 0
	trace_end
done
finish
