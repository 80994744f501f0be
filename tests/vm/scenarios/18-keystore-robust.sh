# controllers: 2
# The key store among other people's files: bluetoothd's file of another
# device survives pair/unpair untouched; corrupt files are reported and
# skipped while the good key still loads; kill -9 in the middle of pair and
# unpair never leaves a partial info file; keys remove name:PATTERN by the
# name bluetoothd stored.
. tests/vm/lib.sh

hc05_like 1
"$BTPAIR" -q setup
responder 1 --pin 1234
store=/var/lib/bluetooth/$A

# bluetoothd's file for another device, with its extra groups.
mkdir -p -m 0700 "$store/11:22:33:44:55:66"
cat >"$store/11:22:33:44:55:66/info" <<'INFO'
[General]
Name=Other
Class=0x240404
SupportedTechnologies=BR/EDR;
Trusted=true
Blocked=false
Services=0000110b-0000-1000-8000-00805f9b34fb;

[LinkKey]
Key=0F1E2D3C4B5A69788796A5B4C3D2E1F0
Type=4
PINLength=0

[DeviceID]
Source=1
Vendor=76
INFO
chmod 0600 "$store/11:22:33:44:55:66/info"
cp "$store/11:22:33:44:55:66/info" "$WORK/other.orig"
expect_exit 0 "pair" "$BTPAIR" pair "$B" --pin 1234
expect_exit 0 "unpair" "$BTPAIR" unpair "$B"
expect_exit 0 "pair again" "$BTPAIR" pair "$B" --pin 1234
check "bluetoothd's file of another device is untouched" \
	cmp -s "$WORK/other.orig" "$store/11:22:33:44:55:66/info"

# Corrupt files beside the good ones.
bad() { mkdir -p "$store/$1"; printf "$2" >"$store/$1/info"; }
bad 00:00:00:00:00:01 '[LinkKey]\nKey=0011223344\nType=0\n'
bad 00:00:00:00:00:02 '[LinkKey]\nKey=00112233445566778899AABBCCDDEEFF\n\0\1\2binary\n'
bad 00:00:00:00:00:03 '[LinkKey]\nKey=0011223344556677889XAABBCCDDEEFF\nType=0\n'
bad 00:00:00:00:00:04 '[LinkKey]\nKey=00112233445566778899AABBCCDDEEFF\nType=0\n[LinkKey]\nKey=00112233445566778899AABBCCDDEEFF\nType=4\n'
mkdir -p "$store/00:00:00:00:00:05"
head -c 2000000 /dev/zero | tr '\0' '#' >"$store/00:00:00:00:00:05/info"
expect_exit 0 "keys load with corrupt files about" "$BTPAIR" keys load
expect_out "^hci0 loaded 2 keys$" "the good keys load (B's and the other device's)"
for i in 1 2 3 4 5; do
	expect_out "skipping $store/00:00:00:00:00:0$i/info" "file $i is reported by name"
done
check "and left as they were" grep -q 0011223344 "$store/00:00:00:00:00:01/info"
rm -rf "$store"/00:00:00:00:00:0?

# keys list -j names the controller by index too (it is present), with the
# stored name; keys remove name:PATTERN removes by that name, keeping the
# file's other groups.
OUT=$("$BTPAIR" -j keys list 2>>"$WORK/quiet.err")
expect_out '^\{"event":"key","index":0,"controller":"'"$A"'","address":"11:22:33:44:55:66","name":"Other","key_type":"[^"]+","pin_length":0\}$' \
	"keys list -j: index, controller, name"
expect_out '^\{"event":"keys-listed","index":null,"count":[0-9]+\}$' "keys list -j: ends with keys-listed"
expect_exit 1 "keys remove name: with no match" "$BTPAIR" keys remove "name:nobody*"
expect_out "no stored device named 'nobody\*'" "says so"
expect_exit 0 "keys remove name:oth*" "$BTPAIR" -j keys remove "name:oth*"
expect_out '^\{"event":"key-removed","index":0,"controller":"'"$A"'","address":"11:22:33:44:55:66"\}$' \
	"keys remove -j: key-removed with the index"
check "its key is gone, its other groups kept" \
	sh -c "! grep -q LinkKey '$store/11:22:33:44:55:66/info' && grep -q '^Name=Other' '$store/11:22:33:44:55:66/info' && grep -q DeviceID '$store/11:22:33:44:55:66/info'"

# kill -9 at random moments of pair and unpair: every info file left is
# whole (parses) at every point. Their stderr is kept in $WORK, not thrown
# away: finish looks there for a sanitizer's report (tests/vm/lib.sh).
for i in $(seq 12); do
	"$BTPAIR" -q unpair "$B" >/dev/null 2>>"$WORK/quiet.err"
	"$BTPAIR" -q pair "$B" --pin 1234 >/dev/null 2>>"$WORK/quiet.err" &
	pid=$!
	sleep "0.$((RANDOM % 9))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
done
run "$BTPAIR" keys list
check "keys list read the store (exit $RC)" [ "$RC" -eq 0 ]
expect_no_out "skipping" "no partial or malformed info file"
check "no info file is empty" sh -c "! find /var/lib/bluetooth -name info -empty | grep -q ."
finish
