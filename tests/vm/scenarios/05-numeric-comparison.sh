# controllers: 2
# Numeric comparison (DisplayYesNo on both sides): refused without --confirm,
# accepted with it.
. tests/vm/lib.sh

"$BTPAIR" -q -i hci0 setup --ssp on --capability DisplayYesNo
"$BTPAIR" -q -i hci1 setup --ssp on --capability DisplayYesNo
responder 1
background "$WORK/monitor.json" "$BTPAIR" -j monitor --timeout 120
sleep 1

expect_exit 6 "refused without --confirm" \
	"$BTPAIR" pair "$B" --capability DisplayYesNo
expect_out "numeric comparison refused; pass --confirm" "says how to accept"

expect_exit 0 "accepted with --confirm" \
	"$BTPAIR" pair "$B" --capability DisplayYesNo --confirm
expect_out "^paired $B \(authenticated" "the key is authenticated"
check "monitor -j: the confirmation request" \
	wait_for "$WORK/monitor.json" '^\{"event":"confirm-request","index":0,"address":"'"$B"'","value":[0-9]+,"just_works":false\}$' 50
finish
