# controllers: 2
# The test guest itself, with BlueZ's tools only and no btpair: btvirt made
# the controllers the header asks for, the kernel's mgmt interface answers,
# and the two controllers pair over the shared virtual air with a legacy PIN,
# for real: the right PIN gives both sides a combination key, a wrong one
# fails with Authentication Failed. If this fails, no other scenario's
# result means anything.
. tests/vm/lib.sh

check "BTVIRT_COUNT is the header's 2" [ "${BTVIRT_COUNT:-}" = 2 ]
check "hci0 and hci1 exist" test -e /sys/class/bluetooth/hci0 -a -e /sys/class/bluetooth/hci1
check "no third controller" test ! -e /sys/class/bluetooth/hci2
run btmgmt --index 0 info
expect_out "addr $A " "btmgmt sees hci0 at $A"
run btmgmt --index 1 info
expect_out "addr $B " "btmgmt sees hci1 at $B"
expect_no_out "current settings:.* powered " "btvirt's controllers start powered off"

# HC-05 style on both sides: legacy PIN pairing needs SSP off, and a
# non-bondable controller refuses PIN requests it did not start.
for i in 0 1; do
	for setting in "ssp off" "bondable on" "connectable on" "power on"; do
		btmgmt --index "$i" $setting >/dev/null
	done
	run btmgmt --index "$i" info
	expect_out "current settings: powered connectable bondable br/edr $" \
		"hci$i powered, connectable, bondable, SSP off"
done

# btmgmt answers PIN requests only at its interactive prompt, and both sides
# of a pairing get one. An interactive btmgmt per controller reads its
# commands and answers from a pipe; stdin need not be a terminal.
for i in 0 1; do
	mkfifo "$WORK/in$i"
	# Opened in the child: opening a FIFO blocks until its writer comes.
	command btmgmt --index "$i" <"$WORK/in$i" >"$WORK/out$i" 2>&1 &
	_bg_pids+=($!)
done
exec 3>"$WORK/in0" 4>"$WORK/in1"
# The prompt shows once it listens; a request before that would go unseen.
check "interactive btmgmt listens on hci0" wait_for "$WORK/out0" '\[hci0\]' 100
check "interactive btmgmt listens on hci1" wait_for "$WORK/out1" '\[hci1\]' 100

# answer FD OUTFILE NTH PIN: once the NTH PIN request shows in OUTFILE,
# type PIN at that prompt.
answer() {
	for _ in $(seq 200); do
		if [ "$(grep -c 'PIN Request' "$2")" -ge "$3" ]; then
			echo "$4" >&"$1"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# pair_with PIN0 PIN1 NTH: hci0 pairs with hci1, each side typing its PIN at
# its NTH request; waits for the outcome line.
pair_with() {
	local answers=()
	answer 3 "$WORK/out0" "$3" "$1" &
	answers+=($!)
	answer 4 "$WORK/out1" "$3" "$2" &
	answers+=($!)
	echo "pair -c 3 $B" >&3
	wait_for "$WORK/out0" "Pairing with $B .*failed|Paired with $B" 300
	wait "${answers[@]}"
}

pair_with 1234 1234 1
check "pairing with the right PIN succeeds" grep -q "Paired with $B" "$WORK/out0"
check "hci0 gets a combination key for hci1" \
	wait_for "$WORK/out0" "new_link_key $B type 0x00 .*store_hint 1"
check "hci1 gets a combination key for hci0" \
	wait_for "$WORK/out1" "new_link_key $A type 0x00 .*store_hint 1"

# Forget the key on both sides, and wait for the bonding's link to go, or
# the next Pair Device would be Busy.
echo "unpair $B" >&3
echo "unpair $A" >&4
check "unpaired on hci0" wait_for "$WORK/out0" "$B unpaired" 100
check "unpaired on hci1" wait_for "$WORK/out1" "$A unpaired" 100
check "the link is gone" wait_disconnected 0

pair_with 1234 9999 2
check "pairing with a wrong PIN fails as Authentication Failed" \
	grep -q "Pairing with $B (BR/EDR) failed. status 0x05" "$WORK/out0"

echo quit >&3
echo quit >&4
exec 3>&- 4>&-
if [ "$_failed" -gt 0 ]; then
	for i in 0 1; do
		echo "--- interactive btmgmt on hci$i"
		# Its prompts are coloured for a terminal; plain text reads better.
		sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/[\x01\x02\r]//g' "$WORK/out$i"
	done
fi
finish
