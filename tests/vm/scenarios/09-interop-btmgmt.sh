# controllers: 2
# Interop with BlueZ's own mgmt client on the other side: btmgmt answers the
# HC-05's PIN request interactively, as a person at a prompt would, and
# btmgmt removes a pairing btpair made.
. tests/vm/lib.sh

hc05_like 1
# btmgmt reads its answers from a terminal: feed it the PIN once it asks.
mkfifo "$WORK/answers"
script -qfc "btmgmt --index 1" /dev/null <"$WORK/answers" \
	>"$WORK/btmgmt.log" 2>&1 &
_bg_pids+=($!)
exec 3>"$WORK/answers"
# Its prompt shows once it listens; a request before that would go unseen.
wait_for "$WORK/btmgmt.log" '\[hci1\]' 100
(wait_for "$WORK/btmgmt.log" "PIN Request" 200 && echo 1234 >&3) &

expect_exit 0 "btpair pairs with btmgmt answering the PIN" \
	"$BTPAIR" pair "$B" --pin 1234 --timeout 20
expect_out "^paired $B \(combination key" "a combination key"
check "btmgmt answered the PIN request" \
	wait_for "$WORK/btmgmt.log" "PIN Reply successful"
check "btmgmt's side got the link key" \
	wait_for "$WORK/btmgmt.log" "new_link_key $A type 0x00"
exec 3>&-

run btmgmt --index 0 unpair "$B"
expect_out "$B unpaired" "btmgmt unpairs what btpair paired"
expect_exit 0 "btpair unpair finds only its stored key left" "$BTPAIR" unpair "$B"
expect_out "^unpaired $B \(from the key store only\)$" "and says so"
expect_exit 1 "then it is gone everywhere" "$BTPAIR" unpair "$B"
expect_out "not paired" "not paired any more"
finish
