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

"$BTPAIR" -q unpair "$B"
OUT=$("$BTPAIR" --json pair "$B" --pin 9999 2>/dev/null)
check "error: code, status, message" \
	json_check 'objs[-1]["event"] == "error" and objs[-1]["code"] == "auth-failed" and objs[-1]["status"] == 5 and objs[-1]["message"]'
finish
