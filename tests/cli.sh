#!/bin/bash
# The command-line contract that needs no kernel: help, usage errors and
# their exit codes, and the message on a kernel without Bluetooth.
set -u
BTPAIR=${BTPAIR:-build/btpair}
passed=0
failed=0
skipped=0

# A memory error in btpair fails the check of the run it happened in,
# whatever that run was for: a sanitized btpair (make check-unit-san) exits
# 86 on a report, as in the VM suite (tests/vm/lib.sh), and valgrind's
# wrapper (tests/valgrind.sh) 99, neither a code of the contract; and a
# report in what a run printed fails it even when the code is the one wanted
# (a leak found at exit after the expected message and code).
export ASAN_OPTIONS="exitcode=86${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="exitcode=86:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
reports='ERROR: [A-Za-z]+Sanitizer|runtime error:|^==[0-9]+== '
# ran_ok RC WANT OUTPUT: whether a run of btpair exited WANT (an extended
# regex of codes) and printed no sanitizer or valgrind report.
ran_ok() { [[ $1 =~ ^($2)$ ]] && ! grep -Eq -- "$reports" <<<"$3"; }
# fail DESCRIPTION [OUTPUT]: count a failed check, naming it, with what the
# run printed.
fail() {
	failed=$((failed + 1))
	echo "FAIL: $1" >&2
	[ $# -lt 2 ] || sed 's/^/    /' <<<"$2" >&2
}

# skip WHY ... unskip: the checks between cannot run on this machine. Each
# is counted as skipped, never as passed, and the closing line says how
# many; unskip's note says why. Only expect skips.
skip_why=
skip() {
	skip_why=$1
	skip_from=$skipped
}
unskip() {
	[ -z "$skip_why" ] ||
		echo "note: $skip_why ($((skipped - skip_from)) skipped)" >&2
	skip_why=
}

# On a kernel without AF_BLUETOOTH (build machines) whatever needs the
# kernel ends 3. Elsewhere the code depends on the controllers there and
# the user's rights: kernel_rc, for the runs that open the kernel on their
# way, is then any code of the contract (0 to 8), never a crash's.
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
	kernel_rc=3
else
	kernel_rc='[0-8]'
fi

# expect CODE PATTERN ARGS...: run btpair ARGS, check exit code and that
# stdout+stderr match PATTERN (an extended regex).
expect() {
	local want=$1 pattern=$2 out rc
	shift 2
	if [ -n "$skip_why" ]; then
		skipped=$((skipped + 1))
		return
	fi
	out=$("$BTPAIR" "$@" 2>&1 </dev/null)
	rc=$?
	if ran_ok "$rc" "$want" "$out" && grep -Eq -- "$pattern" <<<"$out"; then
		passed=$((passed + 1))
	else
		fail "btpair $* -> exit $rc (want $want), output:" "$out"
	fi
}

expect 0 '^usage: btpair' --help
expect 0 '^btpair [0-9]' --version
# A global option after the command too, as the contract has them.
expect 0 '^btpair [0-9]' doctor --version
expect 0 '^\{"event":"version"' pair -j -V
expect 0 '^\{"event":"version"' doctor -V --json
expect 2 "unknown option '--bogus'" doctor -V --bogus
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
expect 2 "setup: --keystore goes with --load-keys" setup --keystore /tmp
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

# One way to give a PIN everywhere: --pin, --pin-file (a file, a pipe or
# -), BTPAIR_PIN; every PIN file problem is exit 2 before anything opens.
D=98:D3:31:F5:1A:2B
expect 2 "connect: --pin-file - needs --exec" connect $D --pin-file -
expect 2 "cannot open PIN file /nonexistent" connect $D --pin-file /nonexistent
expect 2 "not both" connect $D --pin 1 --pin-file /nonexistent
expect 2 "cannot open PIN file /nonexistent" bind $D --pin-file /nonexistent
expect 2 "not both" bind $D --pin 1 --pin-file /nonexistent
expect 2 "a PIN is 1 to 16 bytes" bind $D --pin 12345678901234567
expect 2 "timeout takes" bind $D --timeout 0
expect 2 "pair: no PIN for $D in /dev/fd/[0-9]+ \(add an 'ADDR PIN' or '\* PIN' line\)" \
	pair $D --pin-file <(printf '00:11:22:33:44:55 1234\n')
expect 2 "connect: PIN file /dev/fd/[0-9]+ line 2: a PIN alone must be" \
	connect $D --pin-file <(printf '* 1234\n0000\n')
expect 2 "bind: PIN file /dev/fd/[0-9]+ line 3: invalid address" \
	bind $D --pin-file <(printf '# pins\n\n98:D3 1234\n')
expect 2 "pair: PIN file /dev/fd/[0-9]+ line 2: holds a NUL byte" \
	pair $D --pin-file <(printf '* 1234\n12\00034\n')
out=$("$BTPAIR" pair $D --pin-file - 2>&1 <<<'98:D3:31:F5:1A:2B 1234 5678')
rc=$?
if ran_ok "$rc" 2 "$out" && grep -q "pair: PIN file (standard input) line 1: expected" <<<"$out"; then
	passed=$((passed + 1))
else
	fail "--pin-file - with a bad line: exit $rc (want 2), output:" "$out"
fi
BTPAIR_PIN=12345678901234567 expect 2 "connect \(BTPAIR_PIN\): a PIN is 1 to 16 bytes" connect $D
BTPAIR_PIN=12345678901234567 expect 2 "bind \(BTPAIR_PIN\): a PIN is 1 to 16 bytes" bind $D
expect 2 "agent: cannot open PIN file /nonexistent" agent --pin-file /nonexistent --allow-any
expect 2 "agent: PIN file /dev/fd/[0-9]+ line 1: a PIN is 1 to 16 bytes" \
	agent --allow-any --pin-file <(printf '* 12345678901234567\n')
expect 2 "agent: PIN file /dev/fd/[0-9]+ has no PIN" agent --allow-any --pin-file <(printf '# nothing\n')
expect 2 "agent: --allow name:PATTERN needs a pattern" agent --allow name:
# doctor and the commands read a PIN file with one grammar: each file here
# either passes both (doctor: "reads as a PIN file"; pair: no PIN file
# error) or is refused by both, naming the same line. README's example, a
# byte-order mark, and the files they once disagreed on.
pinconf=$(mktemp)
pinfile=$(mktemp)
pin_agree() { # WANT(ok|LINE) TEXT
	local want=$1 d p
	printf '%b' "$2" >"$pinfile"
	printf 'PIN_FILE=%s\nALLOW=--allow-any\n' "$pinfile" >"$pinconf"
	d=$("$BTPAIR" doctor --keystore /nonexistent --agent-conf "$pinconf" 2>&1 </dev/null |
		grep "pin-file: ")
	p=$("$BTPAIR" pair 98:D3:31:F5:1A:2B --pin-file "$pinfile" 2>&1 </dev/null)
	if [ "$want" = ok ]; then
		grep -q "reads as a PIN file" <<<"$d" && ! grep -q "PIN file" <<<"$p"
	else
		grep -q "line $want does not parse" <<<"$d" &&
			grep -q "PIN file $pinfile line $want:" <<<"$p"
	fi || { fail "PIN file $(printf %q "$2"): doctor and pair disagree (want $want):" "$d
$p"; return; }
	passed=$((passed + 1))
}
if [ -z "$skip_why" ]; then
	pin_agree ok '# ADDR or NAME   PIN\n98:D3:31:F5:1A:2B   1234\nHC-05*   0000\n"Lab Logger"   4321\n*   1234\n'
	pin_agree ok '"Lab Logger" 4321\n'
	pin_agree ok '\xef\xbb\xbf98:D3:31:F5:1A:2B 1234\r\n'
	pin_agree ok '1234\n'
	pin_agree 1 '1234\n98:D3:31:F5:1A:2B 0000\n'
	pin_agree 2 '# pins\n98:D3 1234\n'
	pin_agree 1 '* *\n'
	pin_agree 3 '* 0000\n\n98:D3:31:F5:1A:2B 1234 5678\n'
fi
rm -f "$pinconf" "$pinfile"
pins=$(mktemp)
printf '* 1234\n' >"$pins"
chmod 644 "$pins"
# The warning comes before the kernel is opened: the code is kernel_rc's.
out=$("$BTPAIR" pair $D --pin-file "$pins" 2>&1 </dev/null)
rc=$?
if ran_ok "$rc" "$kernel_rc" "$out" &&
	grep -q "warning: PIN file $pins can be read by others" <<<"$out" && ! grep -q 1234 <<<"$out"; then
	passed=$((passed + 1))
else
	fail "a PIN file others can read: exit $rc (want $kernel_rc), a warning without the PIN wanted:" "$out"
fi
rm -f "$pins"
expect 0 "--pin-file FILE" connect --help
expect 0 "--pin-file FILE" bind --help
expect 0 "name:PATTERN" unpair --help

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
expect 0 '^\{"event":"keys-listed","index":null,"count":1\}$' \
	--json keys list --keystore "$store"
expect 0 '^\{"event":"key","index":null,"controller":"00:AA:01:00:00:00","address":"98:D3:31:F5:1A:2B","name":"HC-05","key_type":"combination","pin_length":4\}$' \
	--json keys list --keystore "$store"
out=$(BTPAIR_KEYSTORE="$store" "$BTPAIR" keys list 2>&1 </dev/null)
rc=$?
if ! ran_ok "$rc" 0 "$out" || grep -q 00112233 <<<"$out" || ! grep -q 98:D3:31:F5:1A:2B <<<"$out"; then
	fail "keys list via BTPAIR_KEYSTORE: exit $rc (want 0), or it showed a key" "$out"
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
out=$("$BTPAIR" pair 98:D3:31:F5:1A:2B --pin SECRETSECRETSECRET 2>&1 </dev/null)
rc=$?
if ! ran_ok "$rc" 2 "$out" || grep -q SECRET <<<"$out"; then
	fail "a PIN too long: exit $rc (want 2), or the PIN was printed" "$out"
else
	passed=$((passed + 1))
fi
# doctor: usage errors before anything is checked.
expect 0 "^usage: btpair \[GLOBAL OPTIONS\] doctor \[ADDR\] \[--fix\]" doctor --help
expect 2 "doctor: invalid address 'nonsense'" doctor nonsense
expect 2 "doctor: too many arguments" doctor 98:D3:31:F5:1A:2B 00:11:22:33:44:55
expect 2 "unknown option '--fixit'" doctor --fixit
expect 2 "needs a value" doctor --agent-conf
expect 2 "invalid controller 'hcix'" -i hcix doctor

# JSON errors carry the documented fields.
expect 2 '^\{"event":"error","code":"usage","status":null,"message":"pair: invalid address' \
	--json pair nonsense

# JSON: every line btpair prints here is checked against the schema
# (tests/json-schema.json), which the man page and doc/json.md list alike.
jsonl=$(mktemp)
# json CODE ARGS...: run btpair --json ARGS, keeping its stdout lines; a
# check of its own that it exits CODE (an extended regex of codes) with no
# memory error, its stderr shown if not.
json() {
	local want=$1 err rc
	shift
	err=$("$BTPAIR" --json "$@" 2>&1 </dev/null >>"$jsonl")
	rc=$?
	if ran_ok "$rc" "$want" "$err"; then
		passed=$((passed + 1))
	else
		fail "btpair --json $* -> exit $rc (want $want), stderr:" "$err"
	fi
}
check_ok() { # DESCRIPTION CMD...
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $desc" >&2
		sed 's/^/    /' <<<"$out" >&2
	fi
}
check_ok "doc/json.md and the man page list the schema's events and keys" \
	python3 tests/json-check.py --doc doc/json.md --man doc/btpair.1
expect 0 '^\{"event":"version","version":"[0-9.]+"\}$' -j -V
expect 0 '^\{"event":"version"' -V --json
# A device name with bytes that are not UTF-8, control bytes, quotes and
# backslashes: the line stays valid UTF-8 JSON.
store=$(mktemp -d)
mkdir -p "$store/00:AA:01:00:00:00/98:D3:31:F5:1A:2B"
printf '[General]\nName=\xff\xc0\xafHC\x01-05 "q" \\ \xed\xa0\x80\xc3\xa9\n\n[LinkKey]\nKey=00112233445566778899AABBCCDDEEFF\nType=0\nPINLength=4\n' \
	>"$store/00:AA:01:00:00:00/98:D3:31:F5:1A:2B/info"
json 0 keys list --keystore "$store"
name=$(grep '"event":"key",' "$jsonl" | python3 -c 'import json,sys; print(ascii(json.loads(sys.stdin.buffer.read().decode("utf-8"))["name"]))')
if [ "$name" = "'\ufffd\ufffd\ufffdHC\x01-05 \"q\" \\\\ \ufffd\ufffd\ufffd\xe9'" ]; then
	passed=$((passed + 1))
else
	failed=$((failed + 1)); echo "FAIL: a name's bad bytes in JSON: got $name" >&2
fi
json 0 keys remove 'name:*hc*' --keystore "$store"
grep -q '"event":"key-removed","index":null,"controller":"00:AA:01:00:00:00","address":"98:D3:31:F5:1A:2B"' "$jsonl" &&
	passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: keys remove name: (JSON)" >&2; }
rm -rf "$store"
# The errors too; release opens the kernel (kernel_rc).
json 2 pair nonsense
json 2 pair 98:D3:31:F5:1A:2B --pin-file /nonexistent
json "$kernel_rc" release 7
json 2 connect 98:D3:31:F5:1A:2B --channel 99
json 0 keys list --keystore /nonexistent
json 2
json 0 -V
check_ok "every JSON line printed here fits the schema" python3 tests/json-check.py "$jsonl"
[ "$(wc -l <"$jsonl")" -ge 8 ] && passed=$((passed + 1)) ||
	{ failed=$((failed + 1)); echo "FAIL: too few JSON lines collected" >&2; }
rm -f "$jsonl"

# The checker fails on a planted bad line and names it.
bad_line() { # DESCRIPTION WHY-REGEX LINE
	local out rc
	out=$(printf '{"event":"released","dev":0}\n%s\n' "$3" |
		python3 tests/json-check.py - 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ] && grep -Eq -- "^-:2: $2" <<<"$out"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: the checker passed a bad line ($1): exit $rc" >&2
		sed 's/^/    /' <<<"$out" >&2
	fi
}
bad_line "not JSON" "not JSON" '{"event":"released","dev":0'
bad_line "missing key" "paired: missing key\(s\) already_paired" \
	'{"event":"paired","index":0,"address":"98:D3:31:F5:1A:2B","key_type":null,"stored":true}'
bad_line "extra key" "released: undocumented key\(s\) extra" '{"event":"released","dev":0,"extra":1}'
bad_line "wrong type" "released: dev is \"0\", not int" '{"event":"released","dev":"0"}'
bad_line "bool for int" "released: dev is true, not int" '{"event":"released","dev":true}'
bad_line "null where none" "power: powered is null, not bool" '{"event":"power","index":0,"powered":null}'
bad_line "bad address" "passkey: address is" \
	'{"event":"passkey","index":0,"address":"98:d3:31:f5:1a:2b","passkey":1}'
bad_line "unknown event" "undocumented event type 'frob'" '{"event":"frob"}'
bad_line "unknown code" "error: code is" '{"event":"error","code":"oops","status":null,"message":"m"}'
bad_line "duplicate key" "duplicate key 'dev'" '{"event":"released","dev":0,"dev":1}'
bad_line "not an object" "not a JSON object" '[1]'
bad_line "NaN" "NaN is not JSON" '{"event":"released","dev":NaN}'
bad_line "invalid UTF-8" "not valid UTF-8" "$(printf '{"event":"version","version":"\xff"}')"
bad_line "empty line" "an empty line" ''
# The VM suite's hook (tests/vm/lib.sh, tests/vm/json-hook/btpair): what
# "$BTPAIR" -j prints in a scenario is collected and checked by finish; a
# bad line fails the scenario and is named. Each btpair run is a check of
# the scenario's, its exit code checked and its output shown if wrong.
vm_hook() { # EXTRA-LINE: a scenario of one check, run here on the host
	BTPAIR=$BTPAIR EXTRA=$1 bash -c '
		. tests/vm/lib.sh
		expect_exit 0 "btpair -j -V" "$BTPAIR" -j -V
		expect_exit 2 "btpair -q -j pair nonsense" "$BTPAIR" -q -j pair nonsense
		expect_exit 0 "btpair -V" "$BTPAIR" -V
		[ -n "$EXTRA" ] && printf "%s\n" "$EXTRA" >>"$BTPAIR_JSON_LOG"
		check "a check of its own" true
		finish
		rc=$?
		rm -rf "$WORK"
		exit $rc' 2>&1
}
out=$(vm_hook '')
if [ $? -eq 0 ] && grep -q "ok   each of the 2 JSON line(s) btpair printed fits the schema" <<<"$out" &&
	grep -q '^BTPAIR-JSON: {"event":"version"' <<<"$out"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1)); echo "FAIL: the VM JSON hook on good lines:" >&2; sed 's/^/    /' <<<"$out" >&2
fi
# The planted line is the one failure: none of btpair's runs failed.
out=$(vm_hook '{"event":"paired","index":0}')
if [ $? -ne 0 ] && grep -q "FAIL JSON lines that do not fit the schema" <<<"$out" &&
	grep -Eq '^scenario: [0-9]+ passed, 1 failed$' <<<"$out" &&
	grep -q 'json.lines:[0-9]*: paired: missing key(s) address' <<<"$out"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1)); echo "FAIL: the VM JSON hook passed a bad line:" >&2; sed 's/^/    /' <<<"$out" >&2
fi
out=$(printf '{"event":"released","dev":0}\n' | python3 tests/json-check.py - 2>&1) &&
	passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: the checker refused a good line: $out" >&2; }
# Permission: a PIN file or key store this user may not read is 4, like
# every other permission failure, and monitor without CAP_NET_ADMIN is 4
# before it opens anything. Needs another user to be: root drops to nobody.
private=$(mktemp -d) # 0700: nobody may not enter
echo 1234 >"$private/pin"
mkdir "$private/keys"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
BTPAIR_ABS=$(realpath "$BTPAIR")
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null; then
	skip "not root; the permission checks need root to drop to another user"
# The binary itself: a wrapper (valgrind's) may not run as another user.
elif ! { head -c4 "$BTPAIR_ABS" | grep -q ELF && as_nobody test -x "$BTPAIR_ABS"; }; then
	skip "nobody may not run $BTPAIR; the permission checks do not apply"
fi
BTPAIR_SAVED=$BTPAIR
BTPAIR="as_nobody"
# (A file is not opened by CAP_NET_ADMIN: its message says root only.)
expect 4 "pair: cannot open PIN file $private/pin: permission denied: run as root or its owner, or change its mode$" \
	"$BTPAIR_ABS" pair 98:D3:31:F5:1A:2B --pin-file "$private/pin"
expect 2 "cannot open PIN file /nonexistent/none: No such file" \
	"$BTPAIR_ABS" pair 98:D3:31:F5:1A:2B --pin-file /nonexistent/none
expect 4 "keys list: cannot read $private/keys: permission denied: run as root or its owner, or change its mode$" \
	"$BTPAIR_ABS" keys list --keystore "$private/keys"
expect 4 '"code":"permission-denied"' \
	"$BTPAIR_ABS" --json keys list --keystore "$private/keys"
expect 4 "monitor: permission denied: needs root or CAP_NET_ADMIN" \
	"$BTPAIR_ABS" monitor
BTPAIR=$BTPAIR_SAVED
unskip
rm -rf "$private"

# status, disconnect, serial: usage, and serial.conf read before anything.
for cmd in status disconnect serial; do
	expect 0 "^usage: btpair \[GLOBAL OPTIONS\] $cmd" "$cmd" --help
done
expect 2 "invalid address" status 00:11
expect 2 "too many arguments" status 00:11:22:33:44:55 00:11:22:33:44:56
expect 2 "invalid address" disconnect nope
expect 2 "missing argument" disconnect
expect 2 "missing argument" serial
expect 2 "expected 'up', 'down' or 'wait', not 'sideways'" serial sideways
expect 2 "--pty takes an absolute path" connect 98:D3:31:F5:1A:2B --pty tty0
expect 2 "give --exec or --pty, not both" \
	connect 98:D3:31:F5:1A:2B --pty /run/x --exec cat
conf=$(mktemp)
printf 'ok 98:D3:31:F5:1A:2B dev=0\n\nbad 98:D3:31:F5:1A:2B dev=1 pty=/run/x\n' >"$conf"
expect 2 "serial up: $conf:3: dev and pty exclude each other" \
	serial up --config "$conf"
BTPAIR_SERIAL_CONF=$conf expect 2 "serial down: $conf:3: dev and pty" \
	serial down
printf 'ok 98:D3:31:F5:1A:2B dev=0\n' >"$conf"
expect 2 "serial: no device 'other' in $conf" serial up other --config "$conf"
expect 1 "serial up: cannot read /nonexistent/serial.conf: No such file" \
	serial up --config /nonexistent/serial.conf
# group=: a pty's, a group name or a gid; one that does not exist is
# named with its entry before anything is done, by serial up only.
printf 'p name:X pty=/run/p group=no-such-group-here\n' >"$conf"
expect 2 "serial up p: no group 'no-such-group-here' \($conf:1\)" \
	serial up --config "$conf"
expect 2 "serial up p: no group" serial up p --config "$conf"
expect 2 '"code":"usage".*no group' --json serial up --config "$conf"
printf 'p name:X pty=/run/p group=no-such-group-here\nq name:Y dev=1\n' >"$conf"
# Another entry named: the group of p is not asked for.
expect_not_usage() { # what serial up q does past the file is the kernel's
	local out rc
	out=$("$BTPAIR" serial up q --config "$conf" 2>&1 </dev/null)
	rc=$?
	if [ "$rc" != 2 ] && ! grep -q "no group" <<<"$out"; then
		passed=$((passed + 1))
	else
		fail "serial up q with p's group unknown -> exit $rc:" "$out"
	fi
}
expect_not_usage
printf 'p name:X pty=/run/p group=a/b\n' >"$conf"
expect 2 "$conf:1: bad group 'a/b' \(a group name or number\)" \
	serial up --config "$conf"
printf 'p name:X dev=1 group=dialout\n' >"$conf"
expect 2 "$conf:1: group is the pty's: it needs pty=" serial up --config "$conf"
printf 'p name:X pty=/run/p group=0 group=1\n' >"$conf"
expect 2 "$conf:1: group given twice" serial down --config "$conf"
expect 2 "serial down: --retry is serial up's" serial down --retry \
	--config "$conf"
expect 2 "--retry-process takes one NAME" serial up --retry-process 1000 \
	--config "$conf"
expect 2 "--retry-process" serial up p --retry-process 0 --config "$conf"
expect 2 "serial wait: pairs nothing, so takes no PIN" serial wait --pin 1234 \
	--config "$conf"
expect 2 "serial down: --timeout is serial wait's" serial down --timeout 5 \
	--config "$conf"
expect 2 "serial wait: --retry is serial up's" serial wait --retry \
	--config "$conf"
# serial wait: a retry process recorded as serial up records it ("PID START
# TIME") holds it until it ends or --timeout; one whose pid now names a
# process started at another time is not waited for.
run_dir=$(mktemp -d)
printf 'p 98:D3:31:F5:1A:2B dev=3\n' >"$conf"
sleep 30 &
sleeper=$!
printf '%s %s\n' "$sleeper" "$(awk '{print $22}' "/proc/$sleeper/stat")" \
	>"$run_dir/p.retry"
BTPAIR_RUN_DIR=$run_dir expect 5 \
	"serial wait: p still retrying after 1 s .*btpair serial up p" \
	serial wait --timeout 1 --config "$conf"
BTPAIR_RUN_DIR=$run_dir expect 5 '"code":"timeout"' \
	--json serial wait --timeout 1 --config "$conf"
(sleep 1; kill "$sleeper") &
BTPAIR_RUN_DIR=$run_dir expect 0 "^serial: waiting up to 20 s for 1 retry process \(p\)" \
	serial wait --timeout 20 --config "$conf"
wait "$sleeper" 2>/dev/null
BTPAIR_RUN_DIR=$run_dir expect 0 "^$" serial wait --config "$conf"
BTPAIR_RUN_DIR=$run_dir expect 0 '^\{"event":"serial-waited","waited":0,"seconds":0\}$' \
	--json serial wait --config "$conf"
# Global options after the command too (cli.md), as before it.
BTPAIR_RUN_DIR=$run_dir expect 0 '^\{"event":"serial-waited","waited":0,"seconds":0\}$' \
	serial wait --config "$conf" --json
BTPAIR_RUN_DIR=$run_dir expect 0 '^\{"event":"serial-waited"' serial wait -j \
	--config "$conf"
BTPAIR_RUN_DIR=$run_dir expect 0 '^$' serial wait --config "$conf" -q
expect 2 "serial: no device 'zz'" serial up zz --config "$conf" -i hci0 -v
sleep 30 &
sleeper=$!
printf '%s 1\n' "$sleeper" >"$run_dir/p.retry"
BTPAIR_RUN_DIR=$run_dir expect 0 "^$" serial wait --timeout 1 --config "$conf"
kill "$sleeper"
wait "$sleeper" 2>/dev/null
rm -rf "$run_dir"
expect 2 "connect: --pty-group needs --pty" \
	connect 98:D3:31:F5:1A:2B --pty-group dialout
expect 2 "connect: --sdp-if-refused goes with --channel" \
	connect 98:D3:31:F5:1A:2B --sdp-if-refused
rm -f "$conf"

# On a kernel without AF_BLUETOOTH (build machines), the message says so.
[ "$kernel_rc" = 3 ] ||
	skip "this kernel has Bluetooth; the no-Bluetooth checks do not apply"
expect 3 "list: this kernel has no Bluetooth support" list
expect 3 '"code":"no-controller"' --json list
expect 3 "no Bluetooth support" pair 98:D3:31:F5:1A:2B --pin 1234
# doctor names it as its first check, with the next step, and goes
# on with what needs no kernel (exit 3: no usable controller).
expect 3 "^fail  bluetooth: this kernel has no Bluetooth support \(no AF_BLUETOOTH\); next: modprobe bluetooth" \
	doctor --keystore /nonexistent --agent-conf /nonexistent
expect 3 "^ok    keystore: /nonexistent does not exist yet" \
	doctor --keystore /nonexistent --agent-conf /nonexistent
expect 3 '^\{"event":"check","index":null,"check":"bluetooth","result":"fail","message":"[^"]*","fix":"modprobe bluetooth' \
	--json doctor --keystore /nonexistent --agent-conf /nonexistent
expect 3 '^\{"event":"check","index":null,"check":"page","result":"fail"' \
	--json doctor 98:D3:31:F5:1A:2B --keystore /nonexistent
unskip

echo "cli: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
