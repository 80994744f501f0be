#!/bin/bash
# The command-line contract that needs no kernel: help, usage errors and
# their exit codes, and the message on a kernel without Bluetooth.
set -u
BTPAIR=${BTPAIR:-build/btpair}
passed=0
failed=0

# expect CODE PATTERN ARGS...: run btpair ARGS, check exit code and that
# stdout+stderr match PATTERN (an extended regex).
expect() {
	local want=$1 pattern=$2 out rc
	shift 2
	out=$("$BTPAIR" "$@" 2>&1 </dev/null)
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -Eq -- "$pattern" <<<"$out"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: btpair $* -> exit $rc (want $want), output:" >&2
		sed 's/^/    /' <<<"$out" >&2
	fi
}

expect 0 '^usage: btpair' --help
expect 0 '^btpair [0-9]' --version
expect 2 '^usage: btpair'
expect 2 "unknown command 'frobnicate'" frobnicate
expect 2 "unknown command 'pai'" pai 98:D3:31:F5:1A:2B
expect 2 "unknown option" --bogus list
expect 2 "needs an argument" -i
for cmd in list power setup pair unpair monitor; do
	expect 0 "^usage: btpair \[GLOBAL OPTIONS\] $cmd" "$cmd" --help
done
expect 2 "invalid address '98:D3:31:F5:1A'" pair 98:D3:31:F5:1A
expect 2 "invalid address '98-D3-31-F5-1A-2B'" pair 98-D3-31-F5-1A-2B
expect 2 "invalid address" pair 98:D3:31:F5:1A:2G
expect 2 "invalid address" unpair ' 98:D3:31:F5:1A:2B'
expect 2 "missing argument" pair
expect 2 "too many arguments" pair 98:D3:31:F5:1A:2B 00:11:22:33:44:55
expect 2 "a PIN is 1 to 16 bytes \(this one has 17\)" \
	pair 98:D3:31:F5:1A:2B --pin 12345678901234567
expect 2 "a PIN is 1 to 16 bytes" pair 98:D3:31:F5:1A:2B --pin ''
expect 2 "passkey takes 0 to 999999" pair 98:D3:31:F5:1A:2B --passkey 1000000
expect 2 "timeout takes" pair 98:D3:31:F5:1A:2B --timeout 0
expect 2 "timeout takes" pair 98:D3:31:F5:1A:2B --timeout 5s
expect 2 "unknown capability 'Telepathy'" pair 98:D3:31:F5:1A:2B --capability Telepathy
expect 2 "unknown option '--pincode'" pair 98:D3:31:F5:1A:2B --pincode 1234
expect 2 "needs a value" pair 98:D3:31:F5:1A:2B --pin
expect 2 "not both" pair 98:D3:31:F5:1A:2B --pin 1 --pin-file /dev/null
expect 2 "cannot open PIN file" pair 98:D3:31:F5:1A:2B --pin-file /nonexistent
expect 2 "expected 'on' or 'off'" power maybe
expect 2 "missing argument" power
expect 2 "ssp takes 'on' or 'off'" setup --ssp yes
expect 2 "at most 248 bytes" setup --name "$(printf 'n%.0s' $(seq 249))"
expect 2 "too many arguments" list extra
expect 2 "timeout takes" monitor --timeout -1
expect 2 "invalid controller 'hcix'" -i hcix monitor
# A malformed -i is 2 naming -i, before anything is opened (on a kernel
# without Bluetooth, opening first would make it 3), for every command.
for args in "pair 98:D3:31:F5:1A:2B --pin 1234" "list" "power on" "setup" \
	"unpair 98:D3:31:F5:1A:2B" "agent --allow-any" "keys list" "keys load" \
	"scan" "connect 98:D3:31:F5:1A:2B" "listen" \
	"bind 98:D3:31:F5:1A:2B --channel 1"; do
	# shellcheck disable=SC2086 # the arguments are words
	expect 2 "^btpair: -i: invalid controller 'hciX' \(expected hciN or N\)$" \
		-i hciX $args
done
expect 2 "-i: invalid controller 'hci'" -i hci list
expect 2 "-i: invalid controller '65535'" -i 65535 list
expect 2 "-i: invalid controller '-1'" -i -1 list
expect 2 "-i: invalid controller ''" -i '' list
expect 2 "-i: invalid controller '0x1'" -i 0x1 list
expect 2 "expected 'on' or 'off'" power ON
expect 2 "too many arguments" power on off
expect 2 "timeout takes" connect 98:D3:31:F5:1A:2B --timeout 0
expect 2 "channel takes 1 to 30" bind 98:D3:31:F5:1A:2B --channel 0
expect 2 "timeout takes" monitor --timeout 0
for cmd in agent keys connect listen bind release scan; do
	expect 0 "^usage: btpair \[GLOBAL OPTIONS\] $cmd" "$cmd" --help
done
expect 2 "keys: expected 'list', 'load' or 'remove ADDR'" keys frob
expect 2 "missing argument" keys
expect 2 "keys: expected" keys remove
expect 2 "invalid address" keys remove 98:D3
expect 2 "invalid address 'nonsense'" agent --allow nonsense
expect 2 "unknown capability" agent --capability Psychic
expect 2 "not both" agent --pin 1234 --pin-file /dev/null

expect 2 "channel takes 1 to 30" connect 98:D3:31:F5:1A:2B --channel 31
expect 2 "channel takes 1 to 30" listen --channel 0
expect 2 "--exec needs a command" connect 98:D3:31:F5:1A:2B --exec
expect 2 "--exec needs a command" listen --exec
expect 2 "a PIN is 1 to 16 bytes" connect 98:D3:31:F5:1A:2B --pin 12345678901234567
expect 2 "dev takes 0 to 255" bind 98:D3:31:F5:1A:2B --dev 256
expect 2 "expected a device number" release rfcomm0
expect 2 "duration takes 1 to 3600" scan --duration 0
expect 2 "too many arguments" scan extra
expect 2 "missing argument" release

# The key store needs no kernel to be listed: a store in bluetoothd's
# layout, one good file kept with bluetoothd's other groups, one malformed.
store=$(mktemp -d)
mkdir -p "$store/00:AA:01:00:00:00/98:D3:31:F5:1A:2B" \
	"$store/00:AA:01:00:00:00/11:22:33:44:55:66" \
	"$store/00:AA:01:00:00:00/cache"
printf '[General]\nName=HC-05\n\n[LinkKey]\nKey=00112233445566778899AABBCCDDEEFF\nType=0\nPINLength=4\n' \
	>"$store/00:AA:01:00:00:00/98:D3:31:F5:1A:2B/info"
printf 'garbage\n' >"$store/00:AA:01:00:00:00/11:22:33:44:55:66/info"
expect 0 "^00:AA:01:00:00:00 98:D3:31:F5:1A:2B combination key, PIN length 4$" \
	keys list --keystore "$store"
expect 0 "skipping $store/00:AA:01:00:00:00/11:22:33:44:55:66/info: malformed" \
	keys list --keystore "$store"
expect 0 '^\{"event":"key","controller":"00:AA:01:00:00:00","address":"98:D3:31:F5:1A:2B","key_type":"combination","pin_length":4\}$' \
	--json keys list --keystore "$store"
out=$(BTPAIR_KEYSTORE="$store" "$BTPAIR" keys list 2>&1)
if grep -q 00112233 <<<"$out" || ! grep -q 98:D3:31:F5:1A:2B <<<"$out"; then
	failed=$((failed + 1)); echo "FAIL: keys list via BTPAIR_KEYSTORE, or it showed a key" >&2
else
	passed=$((passed + 1))
fi
expect 1 "no stored key" keys remove 00:00:00:00:00:01 --keystore "$store"
expect 0 "^removed the stored key of 98:D3:31:F5:1A:2B$" \
	keys remove 98:d3:31:f5:1a:2b --keystore "$store"
if grep -q '^Name=HC-05$' "$store/00:AA:01:00:00:00/98:D3:31:F5:1A:2B/info" &&
	! grep -q LinkKey "$store/00:AA:01:00:00:00/98:D3:31:F5:1A:2B/info" &&
	grep -q garbage "$store/00:AA:01:00:00:00/11:22:33:44:55:66/info"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1)); echo "FAIL: keys remove touched more than the key" >&2
fi
rm -rf "$store"

# The PIN never appears in an error, even a usage error about it.
out=$("$BTPAIR" pair 98:D3:31:F5:1A:2B --pin SECRETSECRETSECRET 2>&1)
if grep -q SECRET <<<"$out"; then
	failed=$((failed + 1)); echo "FAIL: a PIN was printed" >&2
else
	passed=$((passed + 1))
fi
# JSON errors carry the documented fields.
expect 2 '^\{"event":"error","code":"usage","message":"pair: invalid address' \
	--json pair nonsense

# Permission: a PIN file or key store this user may not read is 4, like
# every other permission failure, and monitor without CAP_NET_ADMIN is 4
# before it opens anything. Needs another user to be: root drops to nobody.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	private=$(mktemp -d) # 0700: nobody may not enter
	echo 1234 >"$private/pin"
	mkdir "$private/keys"
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	BTPAIR_ABS=$(realpath "$BTPAIR")
	# The binary itself: a wrapper (valgrind's) may not run as another user.
	if head -c4 "$BTPAIR_ABS" | grep -q ELF && as_nobody test -x "$BTPAIR_ABS"; then
		BTPAIR_SAVED=$BTPAIR
		BTPAIR="as_nobody"
		expect 4 "pair: cannot open PIN file $private/pin: permission denied: needs root or CAP_NET_ADMIN" \
			"$BTPAIR_ABS" pair 98:D3:31:F5:1A:2B --pin-file "$private/pin"
		expect 2 "cannot open PIN file /nonexistent/none: No such file" \
			"$BTPAIR_ABS" pair 98:D3:31:F5:1A:2B --pin-file /nonexistent/none
		expect 4 "keys list: cannot read $private/keys: permission denied: needs root or CAP_NET_ADMIN" \
			"$BTPAIR_ABS" keys list --keystore "$private/keys"
		expect 4 '"code":"permission-denied"' \
			"$BTPAIR_ABS" --json keys list --keystore "$private/keys"
		expect 4 "monitor: permission denied: needs root or CAP_NET_ADMIN" \
			"$BTPAIR_ABS" monitor
		BTPAIR=$BTPAIR_SAVED
	else
		echo "note: nobody may not run $BTPAIR; the permission checks do not apply" >&2
	fi
	rm -rf "$private"
else
	echo "note: not root; the permission checks need root to drop to another user" >&2
fi

# On a kernel without AF_BLUETOOTH (build machines), the message says so.
no_bluetooth() {
	python3 - <<'PY'
import errno, socket, sys
try:
    socket.socket(31, socket.SOCK_RAW, 1).close()  # AF_BLUETOOTH, BTPROTO_HCI
except OSError as e:
    sys.exit(0 if e.errno == errno.EAFNOSUPPORT else 1)
sys.exit(1)
PY
}
if no_bluetooth; then
	expect 3 "list: this kernel has no Bluetooth support" list
	expect 3 '"code":"no-controller"' --json list
	expect 3 "no Bluetooth support" pair 98:D3:31:F5:1A:2B --pin 1234
else
	echo "note: this kernel has Bluetooth; the no-Bluetooth checks do not apply" >&2
fi

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
