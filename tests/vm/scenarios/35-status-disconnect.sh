# controllers: 2
# status shows the connection, the stored key, the /dev/rfcommN binding and
# the declared serial device, in text and JSON; disconnect drops the link.
. tests/vm/lib.sh

hc05_like 1
"$BTPAIR" -q setup
responder 1 --pin 1234
expect_exit 0 "pair" "$BTPAIR" pair "$B" --pin 1234
wait_disconnected 0 200

background "$WORK/listen.log" "$BTPAIR" -i hci1 listen --channel 1 --once \
	--exec sleep 60
listening "$WORK/listen.log"
expect_exit 0 "bind" "$BTPAIR" bind "$B" --channel 1 --dev 0
wait_for_dev /dev/rfcomm0
# Something holds the TTY open: the link is up while it does.
sh -c 'exec 3<>/dev/rfcomm0; sleep 60' &
_bg_pids+=($!)
check "the link came up" wait_for "$WORK/listen.log" "connection from" 200
cat >"$WORK/serial.conf" <<CONF
# the device bound above, and one never brought up
hc05 $B channel=1 dev=0
other name:Nothing-Here pty=/run/btpair/other
CONF
export BTPAIR_SERIAL_CONF=$WORK/serial.conf

expect_exit 0 "status" "$BTPAIR" status
expect_out "^controller hci0 $A \".*\" .*powered" "lists hci0 and its settings"
expect_out "^controller hci1 $B " "and hci1"
expect_out "^connection hci0 $B BR/EDR$" "the connection"
expect_out "^key $A $B combination$" "the stored key"
expect_out "^binding /dev/rfcomm0 $B channel 1 connected$" "the binding, connected"
expect_out "^serial hc05 $B channel 1 /dev/rfcomm0 up$" "the serial entry, up"
expect_out "^serial other name:Nothing-Here channel auto pty /run/btpair/other down$" \
	"the entry not brought up, down"
expect_no_out "[0-9A-F]{32}" "never a key"

run "$BTPAIR" --json status
check "JSON: every kind, with its keys" python3 -c '
import json, sys
objs = [json.loads(l) for l in sys.argv[1].splitlines()]
A, B = sys.argv[2], sys.argv[3]
kinds = {}
for o in objs:
    kinds.setdefault(o["event"], []).append(o)
assert [c["index"] for c in kinds["controller"]] == [0, 1], kinds
assert "powered" in kinds["controller"][0]["settings"]
assert set(kinds["controller"][0]) == {"event", "index", "address", "name", "class", "version", "manufacturer", "settings"}, kinds
assert {"index": 0, "address": B, "type": "BR/EDR", "event": "connection"} in kinds["connection"], kinds
k = [k for k in kinds["key"] if k["controller"] == A and k["address"] == B]
assert k and k[0]["key_type"] == "combination", kinds
b = kinds["binding"][0]
assert (b["dev"], b["address"], b["local"], b["channel"], b["state"]) == (0, B, A, 1, "connected"), b
s = {e["name"]: e for e in kinds["serial-entry"]}
assert s["hc05"]["up"] is True and s["hc05"]["dev"] == 0 and s["hc05"]["address"] == B, s
assert s["other"]["up"] is False and s["other"]["address"] is None, s
assert s["other"]["pty"] == "/run/btpair/other" and s["other"]["channel"] is None, s
' "$OUT" "$A" "$B"

expect_exit 0 "status ADDR" "$BTPAIR" status "$B"
expect_out "^connection hci0 $B" "its connection"
expect_no_out "^serial other" "not the other entry"
expect_exit 0 "status of another device" "$BTPAIR" status 00:11:22:33:44:55
expect_out "^controller hci0 $A " "the controllers still"
expect_no_out "^(connection|key|binding|serial) " "shows none of it"
expect_exit 2 "status with a malformed address" "$BTPAIR" status 00:11
printf 'hc05 %s\nhc05 %s\n' "$B" "$B" >"$WORK/bad.conf"
expect_exit 2 "status with a malformed serial.conf" \
	"$BTPAIR" status --config "$WORK/bad.conf"
expect_out "bad.conf:2: duplicate NAME" "names file and line"

expect_exit 0 "disconnect" "$BTPAIR" disconnect "$B"
expect_out "^disconnected $B$" "says so"
check "btmgmt sees no connection left" wait_disconnected 0 100
run btmgmt --index 0 con
check "btmgmt read hci0's connections (exit $RC)" [ "$RC" -eq 0 ]
expect_no_out "$B" "btmgmt con lists nothing"
expect_exit 0 "status after the drop" "$BTPAIR" status
expect_out "^key $A $B combination$" "the stored key is still listed"
expect_no_out "^connection " "no connection listed"
expect_exit 1 "disconnect when not connected" "$BTPAIR" disconnect "$B"
expect_out "not connected" "says so"
expect_exit 2 "disconnect with a malformed address" "$BTPAIR" disconnect nope
run "$BTPAIR" --json disconnect "$B"
expect_out '"event":"error".*"code":"failed"' "a JSON error object"
"$BTPAIR" -q release 0
finish
