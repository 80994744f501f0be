# controllers: 2
# btpair doctor and a pairing left pending: a program starts Pair Device,
# never answers the PIN request and is killed, so the kernel keeps the
# pairing and the link (pair then says busy). doctor names the link without
# a key, doctor --fix cancels the Pair Device (Cancel Pair Device works from
# any socket), and the device then pairs. Then doctor as another user.
. tests/vm/lib.sh

mount -t debugfs none /sys/kernel/debug 2>/dev/null
chmod 700 /var/lib/bluetooth
KS=/var/lib/bluetooth
DOC=("$BTPAIR" doctor --agent-conf /nonexistent)
hc05_like 1
"$BTPAIR" -q setup --ssp off

clean() {
	local desc=$1
	shift
	expect_exit 0 "$desc: doctor is clean" "${DOC[@]}" "$@"
	expect_out '^ok +hci0 powered: ' "$desc: doctor ran its checks"
	expect_no_out '^(warn|fail|fixed) ' "$desc: every check ok"
}
clean "before"

# A Pair Device whose owner never answers and then dies.
responder 0 --silent --pair "$B" --timeout 60
check "the PIN request came and was not answered" \
	wait_for "$WORK/responder-0.log" "pin request" 100
kill -9 "${_bg_pids[-1]}"
wait "${_bg_pids[-1]}" 2>/dev/null
sleep 1
expect_exit 8 "pair now: busy" "$BTPAIR" pair "$B" --pin 1234 --timeout 10
expect_exit 0 "doctor: a warning (exit 0)" "${DOC[@]}"
expect_out "^warn +hci0 pairing: a link to $B without a key: a pairing may still be pending \(pair then says busy\); next: btpair doctor --fix cancels a pending Pair Device" \
	"doctor names the link and the next step"
expect_exit 0 "doctor --fix" "${DOC[@]}" --fix
expect_out "^fixed +hci0 pairing: cancelled the pairing pending with $B" \
	"--fix cancelled the Pair Device"
check "the link goes" wait_disconnected 0 100
clean "after the cancel"
responder 1 --pin 1234
expect_exit 0 "and the device pairs" "$BTPAIR" pair "$B" --pin 1234
kill "${_bg_pids[-1]}"
wait "${_bg_pids[-1]}" 2>/dev/null

# ---- without privilege ---------------------------------------------------------
# Another user: the monitor channel needs CAP_NET_RAW (bluetoothd is then
# looked for in /proc), debugfs and the key store are root's, and a fix
# needs CAP_NET_ADMIN: permission denied, exit 4, saying so.
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
expect_exit 4 "as another user: permission denied" nobody "${DOC[@]}"
expect_out "^fail +hci0 pairing: Get Connections: Permission Denied; next: run as root" \
	"the kernel answers Get Connections only to the privileged"
expect_out "^ok +sockets: the monitor channel needs CAP_NET_RAW" \
	"the monitor channel is not readable: said so"
expect_out "^ok +bluetoothd: not running" "bluetoothd looked for in /proc"
expect_out "^fail +keystore: cannot read $KS: Permission denied; next: run as root" \
	"the key store is root's"
"$BTPAIR" -q power off
expect_exit 4 "as another user: doctor --fix" nobody "${DOC[@]}" --fix
expect_out "^fail +hci0 powered: off, and Set Powered failed: Permission Denied \[mgmt status 0x14\]; next: run as root" \
	"a fix that needs privilege says so"
"$BTPAIR" -q power on
clean "as root again"
finish
