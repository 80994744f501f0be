# controllers: 2
# btpair doctor and a pairing left pending: a program starts Pair Device,
# never answers the PIN request and is killed, so the kernel keeps the
# pairing and the link (pair then says busy). doctor names the link without
# a key, doctor --fix cancels the Pair Device (Cancel Pair Device works from
# any socket), and the device then pairs.
. tests/vm/lib.sh

mount -t debugfs none /sys/kernel/debug 2>/dev/null
chmod 700 /var/lib/bluetooth
DOC=("$BTPAIR" doctor --agent-conf /nonexistent)
hc05_like 1
"$BTPAIR" -q setup --ssp off

clean() {
	local desc=$1
	shift
	expect_exit 0 "$desc: doctor is clean" "${DOC[@]}" "$@"
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
finish
