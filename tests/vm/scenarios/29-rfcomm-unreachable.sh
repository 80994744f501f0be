# controllers: 1
# kernel-oops: 6.1
# connect to an address nobody answers: exit 7 well inside --timeout, with a
# message that says so. On 6.1.0-56 the page timeout behind it oopses the
# kernel (tests/vm/KERNELS.md, 28-kernel-rfcomm-page-timeout shows it with no
# btpair), so this runs in a boot of its own and an Oops there is reported
# as the kernel's, not as a pass.
. tests/vm/lib.sh

"$BTPAIR" -q setup
start=$(date +%s)
expect_exit 7 "unknown address" "$BTPAIR" connect "$NOBODY" --channel 1 --timeout 20
expect_out "connect $NOBODY: device unreachable \(is it powered and in range\?\)" \
	"the message says so"
check "well inside --timeout" [ $(($(date +%s) - start)) -lt 20 ]
finish
