# controllers: 2
# list, power and setup, read back through BlueZ's btmgmt.
. tests/vm/lib.sh

settings() { # INDEX: btmgmt's current settings line
	btmgmt --index "$1" info | grep 'current settings'
}

expect_exit 0 "list" "$BTPAIR" list
expect_out "^hci0 $A " "lists hci0 with its address"
expect_out "^hci1 $B " "lists hci1 with its address"
expect_exit 0 "list one controller" "$BTPAIR" -i hci1 list
expect_out "^hci1 $B " "lists hci1"
expect_no_out "^hci0" "with -i, only that one"

expect_exit 0 "power on" "$BTPAIR" power on
expect_out "^hci0 powered on$" "says so"
run settings 0
expect_out "powered" "btmgmt sees it powered"
expect_exit 0 "power off" "$BTPAIR" power off
run settings 0
expect_out "current settings: " "btmgmt shows hci0's settings"
expect_no_out "powered" "btmgmt sees it off"

expect_exit 0 "setup --ssp off" "$BTPAIR" setup --ssp off --name "HC-05 test"
expect_out "^hci0 ready: powered connectable bondable" "reports the settings"
run settings 0
expect_out "powered" "btmgmt: powered"
expect_out "connectable" "btmgmt: connectable"
expect_out "bondable" "btmgmt: bondable"
expect_no_out " ssp" "btmgmt: SSP off"
run btmgmt --index 0 info
expect_out "name HC-05 test" "btmgmt: the new name"

expect_exit 0 "setup --ssp on while powered" "$BTPAIR" setup --ssp on
run settings 0
expect_out " ssp" "btmgmt: SSP on"
expect_exit 0 "setup twice is harmless" "$BTPAIR" setup --ssp on

# A soft rfkill block (as rfkill.default_state=0 leaves a Pi's radio at
# boot): setup lifts it, says so, and powers the controller.
soft=$(echo /sys/class/bluetooth/hci1/rfkill*/soft)
check "hci1 has an rfkill switch" [ -w "$soft" ]
expect_exit 0 "power hci1 off" "$BTPAIR" -i hci1 power off
echo 1 >"$soft"
check "hci1 soft-blocked" [ "$(cat "$soft")" = 1 ]
expect_exit 3 "a soft-blocked radio cannot be powered" "$BTPAIR" -i hci1 power on
expect_exit 0 "setup on a soft-blocked radio" "$BTPAIR" -i hci1 -j setup
expect_out "warning: setup hci1: the radio was soft-blocked \(rfkill[0-9]+\); unblocked it" \
	"says it lifted the block"
expect_out '"event":"setup".*"powered".*"unblocked":true' "-j: powered, unblocked"
check "the switch is no longer soft-blocked" [ "$(cat "$soft")" = 0 ]
run settings 1
expect_out "powered" "btmgmt: hci1 powered"
expect_exit 0 "setup again" "$BTPAIR" -i hci1 -j setup
expect_out '"unblocked":false' "-j: nothing to lift the second time"
expect_no_out "soft-blocked" "and no warning"

expect_exit 3 "a controller that does not exist" "$BTPAIR" -i 7 power on
expect_out "no controller hci7" "names it"

# Without CAP_NET_ADMIN the kernel lets a user read, not change.
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
expect_exit 0 "a user may list" nobody "$BTPAIR" list
expect_exit 4 "but not power" nobody "$BTPAIR" power off
expect_out "permission denied: needs root or CAP_NET_ADMIN \[mgmt status 0x14\]" \
	"the message names the privilege"
expect_exit 4 "nor pair" nobody "$BTPAIR" pair "$B" --pin 1234
expect_out "needs root or CAP_NET_ADMIN" "with the same message"
# Every other command that changes something says the same.
for args in "setup" "unpair $B" "agent --allow-any --pin 1234 --timeout 5" \
	"scan --duration 3" "keys load" "connect $B --channel 1 --pin 1234"; do
	expect_exit 4 "nor ${args%% *}" nobody "$BTPAIR" $args
	expect_out "permission denied: needs root or CAP_NET_ADMIN" \
		"${args%% *}: the CAP_NET_ADMIN message"
done
finish
