# controllers: 3
# scan lists a device that sends its name in EIR and one that does not
# (SSP off, legacy style: the name is asked of it), with class and RSSI;
# name:PATTERN finds an address for pair; SIGINT leaves discovery stopped.
. tests/vm/lib.sh

"$BTPAIR" -q -i hci1 setup --ssp on --name "Modern One"
"$BTPAIR" -q -i hci2 setup --ssp off --name "HC-05 Legacy"
btmgmt --index 1 discov on >/dev/null
btmgmt --index 2 discov on >/dev/null

expect_exit 0 "scan" "$BTPAIR" scan
expect_out "^$B \"Modern One\" class .* rssi -?[0-9]+$" "the device with its name in EIR"
expect_out "^$C \"HC-05 Legacy\"" "the legacy device, its name asked of it"
expect_out "^$C \(name unknown\)" "first shown without a name, then again with it"
run "$BTPAIR" --json scan
check "JSON: device objects with address, name, rssi" /usr/bin/python3 -c '
import json, sys
objs = [json.loads(l) for l in sys.argv[1].splitlines() if l.startswith("{")]
devs = [o for o in objs if o["event"] == "device"]
named = {o["address"]: o for o in devs if o["name"] is not None}
assert named[sys.argv[2]]["name"] == "Modern One", named
assert named[sys.argv[3]]["name"] == "HC-05 Legacy", named
assert all(isinstance(o["rssi"], int) and o["index"] == 0 for o in devs)
# Unknown is null, never a missing key; the scan ends with scan-done.
assert any(o["address"] == sys.argv[3] and o["name"] is None for o in devs)
assert objs[-1]["event"] == "scan-done" and objs[-1]["count"] >= 2, objs[-1]
' "$OUT" "$B" "$C"

expect_exit 0 "scan --name stops at the first match" "$BTPAIR" scan --name "hc-05*" --duration 30
expect_out "^$C \"HC-05 Legacy\"" "the match is shown"
expect_exit 7 "scan --name with no match" "$BTPAIR" scan --name "nothing*" --duration 3
expect_out "no device named 'nothing\*' found" "says so"

responder 2 --pin 1234
expect_exit 0 "pair name:HC-05*" "$BTPAIR" pair "name:HC-05*" --pin 1234
expect_out "^paired $C \(combination key" "paired the device found by name"
# The name it was found by is kept (bluetoothd's name cache), so name:
# finds it again without a scan.
expect_exit 0 "keys list --json" "$BTPAIR" -j keys list
expect_out "\"address\":\"$C\".*\"name\":\"HC-05 Legacy\"" \
	"lists the key with the name it was found by"
expect_exit 0 "unpair name:HC-05* right after" "$BTPAIR" unpair "name:HC-05*"
expect_out "^unpaired $C" "unpaired the device by its stored name"
expect_exit 7 "pair with an unknown name" "$BTPAIR" pair "name:Nobody*" --pin 1234
expect_out "no device named 'Nobody\*' found" "names the pattern"
expect_exit 2 "a name several devices match" "$BTPAIR" pair "name:*e*" --pin 1234
expect_out "2 devices match '\*e\*': .*Modern One.*HC-05 Legacy|2 devices match '\*e\*': .*HC-05 Legacy.*Modern One" "lists them"

# SIGINT mid-scan: exit 130, discovery stopped, a new one starts at once.
"$BTPAIR" scan --duration 30 >"$WORK/scan.out" 2>&1 &
pid=$!
sleep 3
kill -INT "$pid"
wait "$pid"
check "SIGINT: exit 130" [ $? -eq 130 ]
# BR/EDR only: a plain find also asks for LE, which is Rejected here, and
# that failure would hide the one this looks for.
run btmgmt --index 0 find -b
expect_out "Discovery started" "a new discovery starts at once"
finish
