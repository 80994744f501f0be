# controllers: 2
# monitor shows the events of a pairing as it happens, in text and JSON,
# and never the key.
. tests/vm/lib.sh

hc05_like 1
responder 1 --pin 1234
"$BTPAIR" -q setup
background "$WORK/monitor.txt" "$BTPAIR" monitor --timeout 12
text_pid=$!
background "$WORK/monitor.json" "$BTPAIR" --json -i hci1 monitor --timeout 12
json_pid=$!
sleep 1
expect_exit 0 "pair while monitoring" "$BTPAIR" pair "$B" --pin 1234
expect_exit 0 "power hci0 off and on" sh -c "'$BTPAIR' -q power off && '$BTPAIR' -q power on"
sleep 1
# Both monitors end by themselves at their timeout, exit 0.
wait_for "$WORK/monitor.txt" "new-settings" 50
wait "$text_pid"
text_rc=$?
wait "$json_pid"
json_rc=$?
check "monitors ended at their timeout with exit 0" [ "$text_rc$json_rc" = 00 ]

OUT=$(cat "$WORK/monitor.txt")
expect_out "^hci0 connected $B" "text: the connection"
expect_out "^hci1 connected $A" "text: the other controller's side too"
expect_out "^hci0 pin-request $B" "text: the PIN request"
expect_out "^hci0 new-link-key $B type combination, store hint 1" "text: the new key, described"
expect_out "^hci0 new-settings .*powered" "text: settings changes"
expect_no_out "[0-9A-Fa-f]{32}" "text: no key material"

OUT=$(cat "$WORK/monitor.json")
check "JSON: every line parses, only hci1" /usr/bin/python3 -c '
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
assert objs and all(o["index"] == 1 for o in objs if "index" in o), objs
events = [o["event"] for o in objs]
assert "pin-request" in events and "new-link-key" in events, events
k = [o for o in objs if o["event"] == "new-link-key"][0]
assert k["address"] == sys.argv[2] and k["key_type"] == "combination", k
assert not any("val" in o or "key" in o for o in objs)
' "$WORK/monitor.json" "$A"
finish
