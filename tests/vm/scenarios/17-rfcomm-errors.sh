# controllers: 2
# connect's errors: nothing listening on the channel (what PyBluez users see
# as "Connection refused"). An address nobody answers is
# 29-rfcomm-unreachable, in a boot of its own: it oopses the 6.1 kernel.
. tests/vm/lib.sh

"$BTPAIR" -q -i hci1 setup
"$BTPAIR" -q setup
# Nothing listens on channel 9.
expect_exit 7 "nothing listening" "$BTPAIR" connect "$B" --channel 9 --timeout 20 </dev/null
expect_out "connection refused: not paired, or nothing listens on channel 9" \
	"the message says what it means"
finish
