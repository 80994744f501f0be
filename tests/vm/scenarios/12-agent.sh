# controllers: 3
# btpair agent answers pairings that others start: from btpair pair and from
# BlueZ's btmgmt; refuses devices it was not told about; stores the keys.
# Its PIN file is checked at start, may be a pipe, and may name devices by
# their Bluetooth name, as --allow name:PATTERN does.
. tests/vm/lib.sh

hc05_like 1
"$BTPAIR" -q setup

# 1. btpair pair from hci0; the agent on hci1 exits after one pairing.
background "$WORK/agent1.log" "$BTPAIR" -i hci1 agent --pin 1234 --allow "$A" --once --timeout 60
agent=$!
wait_for "$WORK/agent1.log" "serving hci1" 50
expect_exit 0 "btpair pair against the agent" "$BTPAIR" pair "$B" --pin 1234
expect_out "^paired $B \(combination key, stored\)" "stored on the pairing side"
wait "$agent"
check "the agent exited 0 after --once" [ $? -eq 0 ]
OUT=$(cat "$WORK/agent1.log")
expect_out "hci1 $A: answering PIN request" "agent log: the PIN request"
expect_out "hci1 $A: paired \(combination key, stored\)" "agent log: paired and stored"
expect_no_out "1234" "agent log: no PIN"
check "hci0's key file, 0600" [ "$(stat -c %a "/var/lib/bluetooth/$A/$B/info")" = 600 ]
check "hci1's key file, 0600" [ "$(stat -c %a "/var/lib/bluetooth/$B/$A/info")" = 600 ]
check "key directories 0700" [ "$(stat -c %a "/var/lib/bluetooth/$B/$A")" = 700 ]
check "both sides stored the same key" \
	[ "$(grep Key= "/var/lib/bluetooth/$A/$B/info")" = "$(grep Key= "/var/lib/bluetooth/$B/$A/info")" ]
run "$BTPAIR" keys list
expect_out "^$A $B combination key, PIN length [0-9]+$" "keys list: hci0's key"
expect_out "^$B $A combination key, PIN length [0-9]+$" "keys list: hci1's key"
expect_no_out "[0-9A-F]{32}" "keys list: never the key"

# 2. btmgmt pairs hci0 with hci1; it answers hci0's own PIN request at its
# prompt, the agent answers hci1's.
"$BTPAIR" -q unpair "$B"
"$BTPAIR" -q -i hci1 unpair "$A"
background "$WORK/agent2.log" "$BTPAIR" -i hci1 agent --pin 1234 --allow "$A" --once --timeout 60
agent=$!
wait_for "$WORK/agent2.log" "serving hci1" 50
mkfifo "$WORK/answers"
script -qfc "btmgmt --index 0" /dev/null <"$WORK/answers" >"$WORK/btmgmt.log" 2>&1 &
_bg_pids+=($!)
exec 3>"$WORK/answers"
wait_for "$WORK/btmgmt.log" '\[hci0\]' 100
(wait_for "$WORK/btmgmt.log" "PIN Request" 200 && echo 1234 >&3) &
echo "pair -c 3 $B" >&3
check "btmgmt's pairing succeeds" wait_for "$WORK/btmgmt.log" "Paired with $B" 200
wait "$agent"
check "the agent exited 0 after --once" [ $? -eq 0 ]
OUT=$(cat "$WORK/agent2.log")
expect_out "hci1 $A: paired \(combination key, stored\)" "agent log: paired and stored"
exec 3>&-

# 3. A device not allowed is refused; the initiator sees the failure.
background "$WORK/agent3.log" "$BTPAIR" -i hci2 agent --pin 1234 --allow "$B" --timeout 60
wait_for "$WORK/agent3.log" "serving hci2" 50
hc05_like 2
expect_exit 6 "pairing with an agent that refuses us" \
	"$BTPAIR" pair "$C" --pin 1234 --timeout 20
check "the agent says why" \
	wait_for "$WORK/agent3.log" "hci2 $A: refused PIN request: not allowed \(--allow $A or --allow-any\)"
check "nothing stored on the refusing side" [ ! -e "/var/lib/bluetooth/$C/$A" ]
check "nothing stored on the initiator" [ ! -e "/var/lib/bluetooth/$A/$C" ]

# 4. The PIN file is checked at start: missing or malformed is exit 2 at
# once, naming the file (and line).
expect_exit 2 "agent: a missing PIN file" "$BTPAIR" agent --pin-file "$WORK/none" --allow-any
expect_out "agent: cannot open PIN file $WORK/none" "agent: says which file"
printf '%s 1234\n1234\n' "$A" >"$WORK/pins-bad"
chmod 600 "$WORK/pins-bad"
expect_exit 2 "agent: a PIN file with a stray line" "$BTPAIR" agent --pin-file "$WORK/pins-bad" --allow-any
expect_out "PIN file $WORK/pins-bad line 2: a PIN alone must be" "agent: names the line"

# 5. By name: hci0 calls itself LAB-PI; the agent on hci1 allows
# name:lab-* and reads its PIN from a pipe, by name too, and says in JSON
# what it did.
"$BTPAIR" -q -i hci1 unpair "$A"
"$BTPAIR" -q unpair "$B"
"$BTPAIR" -q setup --name LAB-PI
background "$WORK/agent5.log" "$BTPAIR" -j -i hci1 agent --allow 'name:lab-*' \
	--pin-file <(printf '# by name\nLAB-PI 1234\n') --once --timeout 60
agent=$!
wait_for "$WORK/agent5.log" "serving hci1" 50
expect_exit 0 "pair with an agent that allows us by name" "$BTPAIR" pair "$B" --pin 1234
wait "$agent"
check "the agent exited 0 after --once" [ $? -eq 0 ]
OUT=$(cat "$WORK/agent5.log")
expect_out "hci1 $A: answering PIN request" "agent by name: answered"
expect_out '^\{"event":"serving","index":1,"address":"'"$B"'"' "agent -j: serving"
expect_out '^\{"event":"paired","index":1,"address":"'"$A"'","key_type":"combination","stored":true,"already_paired":false\}$' \
	"agent -j: paired"
expect_out '^\{"event":"stopped","command":"agent","paired":1\}$' "agent -j: stopped"
# Another name is not allowed.
"$BTPAIR" -q -i hci1 unpair "$A"
"$BTPAIR" -q unpair "$B"
background "$WORK/agent6.log" "$BTPAIR" -i hci1 agent --allow 'name:other*' --pin 1234 --timeout 60
wait_for "$WORK/agent6.log" "serving hci1" 50
expect_exit 6 "pair with an agent that allows another name" "$BTPAIR" pair "$B" --pin 1234 --timeout 20
check "the agent refused: not allowed" \
	wait_for "$WORK/agent6.log" "hci1 $A: refused PIN request: not allowed"
kill "$!" 2>/dev/null

# SIGTERM: a clean stop, exit 130 as the contract says.
background "$WORK/agent4.log" "$BTPAIR" agent --allow-any --pin 1234
agent=$!
wait_for "$WORK/agent4.log" "serving hci2" 50
kill -TERM "$agent"
wait "$agent"
check "SIGTERM ends the agent with 130" [ $? -eq 130 ]
check "and it says so" grep -q "stopping on a signal" "$WORK/agent4.log"
finish
