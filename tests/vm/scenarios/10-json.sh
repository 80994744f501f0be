# controllers: 2
# --json output of list and pair: JSON lines with the documented fields.
. tests/vm/lib.sh

json_check() { # PYTHON-EXPRESSION over `objs`, the parsed lines of $OUT
	python3 -c '
import json, sys
objs = [json.loads(l) for l in sys.stdin.read().splitlines() if l.strip()]
sys.exit(0 if ('"$1"') else 1)' <<<"$OUT"
}

hc05_like 1
responder 1 --pin 1234

OUT=$("$BTPAIR" --json list 2>/dev/null)
check "list: two controller objects" \
	json_check 'len(objs) == 2 and all(o["event"] == "controller" for o in objs)'
check "list: index, address, name, settings" \
	json_check 'objs[1]["index"] == 1 and objs[1]["address"] == "'"$B"'" and "name" in objs[1] and "powered" in objs[1]["settings"]'

OUT=$("$BTPAIR" --json pair "$B" --pin 1234 2>/dev/null)
check "pair: one paired object" \
	json_check 'len(objs) == 1 and objs[0]["event"] == "paired"'
check "pair: documented fields" \
	json_check 'objs[0]["index"] == 0 and objs[0]["address"] == "'"$B"'" and objs[0]["key_type"] == "combination" and isinstance(objs[0]["stored"], bool)'

# Already paired: the same keys, key_type from the store (a provisioning
# script's second run must not raise KeyError).
OUT=$("$BTPAIR" --json pair "$B" --pin 1234 2>/dev/null)
check "pair again: key_type kept, already_paired" \
	json_check 'objs[0]["event"] == "paired" and objs[0]["key_type"] == "combination" and objs[0]["already_paired"] is True and objs[0]["stored"] is True'
# The key only in the kernel: with nothing to pair again with, the same
# keys, key_type null; with a PIN, paired again and stored (the man page,
# pair). stderr is kept in $WORK, where finish looks for sanitizer reports.
"$BTPAIR" -q keys remove "$B"
OUT=$("$BTPAIR" --json pair "$B" 2>>"$WORK/pair.err")
check "pair again, no stored key, no PIN: key_type null, not missing" \
	json_check 'set(objs[0]) == {"event", "index", "address", "key_type", "stored", "already_paired"} and objs[0]["key_type"] is None and objs[0]["stored"] is False and objs[0]["already_paired"] is True'
OUT=$("$BTPAIR" --json pair "$B" --pin 1234 2>>"$WORK/pair.err")
check "pair again, no stored key, a PIN: paired again and stored" \
	json_check 'objs[0]["key_type"] == "combination" and objs[0]["stored"] is True and objs[0]["already_paired"] is False'

"$BTPAIR" -q unpair "$B"
OUT=$("$BTPAIR" --json pair "$B" --pin 9999 2>/dev/null)
check "error: code, status, message" \
	json_check 'objs[-1]["event"] == "error" and objs[-1]["code"] == "auth-failed" and objs[-1]["status"] == 5 and objs[-1]["message"]'
OUT=$("$BTPAIR" --json -i hci7 list 2>/dev/null)
check "error without a status: status null" \
	json_check 'objs[-1]["event"] == "error" and objs[-1]["code"] == "no-controller" and objs[-1]["status"] is None'

# The commands that print one event each: power, setup, unpair, -V.
OUT=$("$BTPAIR" --json power on 2>/dev/null)
check "power: index and powered" json_check 'objs == [{"event": "power", "index": 0, "powered": True}]'
OUT=$("$BTPAIR" --json -i hci1 setup 2>/dev/null)
check "setup: index 1" json_check 'objs[0]["event"] == "setup" and objs[0]["index"] == 1'
OUT=$("$BTPAIR" -j -V 2>/dev/null)
check "-j -V: a version event" json_check 'objs[0]["event"] == "version"'

# A device name from the air that is not UTF-8 and holds control bytes:
# every line stays valid UTF-8 JSON (the hook checks each line too).
pkill -f "$RESPONDER 1"
"$BTPAIR" -q -i hci1 setup --name "$(printf 'HC\377\300\257-05\001"q"\\\355\240\200')"
btmgmt --index 1 discov on >/dev/null
OUT=$("$BTPAIR" --json scan --duration 15 2>/dev/null)
check "scan: the name's bad bytes became U+FFFD, control bytes ?" json_check '
any(o["event"] == "device" and o["address"] == "'"$B"'" and
    o["name"] == "HC\ufffd\ufffd\ufffd-05?\"q\"\\\ufffd\ufffd\ufffd" for o in objs)'
background "$WORK/monitor.json" "$BTPAIR" --json monitor --timeout 20
sleep 1
responder 1 --pin 1234
"$BTPAIR" -q pair "$B" --pin 1234
sleep 1
"$BTPAIR" -q unpair "$B"
for _ in $(seq 250); do grep -q '"event":"stopped"' "$WORK/monitor.json" && break; sleep 0.1; done
OUT=$(grep '^{' "$WORK/monitor.json")
check "monitor: connected carries the name, sanitized" json_check '
any(o["event"] == "connected" and o["index"] == 0 and o["address"] == "'"$B"'" and
    o["name"] == "HC\ufffd\ufffd\ufffd-05?\"q\"\\\ufffd\ufffd\ufffd" for o in objs)'
check "monitor: unpaired has the unpair keys, stored null" json_check '
any(o["event"] == "unpaired" and o["kernel"] is True and o["stored"] is None for o in objs)'
check "monitor: ends with stopped" json_check 'objs[-1] == {"event": "stopped", "command": "monitor", "paired": None}'
finish
