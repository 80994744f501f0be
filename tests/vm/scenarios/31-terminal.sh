# controllers: 2
# On a terminal, a wait of over a second says on stderr what it waits for;
# never off a terminal, with -q or with --json. A numeric comparison is
# asked only when stdin and stderr are both terminals; otherwise it is
# refused with a hint (no /dev/tty behind a script's back). `script` gives
# btpair a terminal; its output is the terminal's.
. tests/vm/lib.sh

# on_tty LOG CMD [INPUT]: run the shell command CMD on a terminal, INPUT
# typed ahead (it waits in the terminal until read), its exit status in $RC
# and the terminal's output in LOG and $OUT. The input stays open until CMD
# ends (script ends at the end of its input).
on_tty() {
	local log=$1 cmd=$2 input=${3:-} typist
	rm -f "$WORK/typed"
	mkfifo "$WORK/typed"
	(printf '%s' "$input"; exec sleep 120) >"$WORK/typed" &
	typist=$!
	script -qfec "$cmd" /dev/null <"$WORK/typed" >"$log" 2>&1
	RC=$?
	kill "$typist" 2>/dev/null
	wait "$typist" 2>/dev/null
	OUT=$(tr -d '\r' <"$log")
}

# Start over: no key on either side, the link down.
forget() {
	"$BTPAIR" -q unpair "$B" 2>/dev/null
	"$BTPAIR" -q -i hci1 unpair "$A" 2>/dev/null
	wait_disconnected 0
}

hc05_like 1
"$BTPAIR" -q setup
# The device answers its PIN after 3 s: a wait worth a line.
responder 1 --pin 1234 --delay 3000 --timeout 900

on_tty "$WORK/tty.log" "$BTPAIR pair $B --pin 1234 --timeout 30"
check "on a terminal: paired (exit $RC)" [ "$RC" -eq 0 ]
expect_out "^btpair: answered; waiting for $B to finish pairing \(gives up in [0-9]+ s\)" \
	"says what it waits for, and for how long"
expect_out "^paired $B" "then the result"
forget

run "$BTPAIR" pair "$B" --pin 1234 --timeout 30
check "off a terminal: paired (exit $RC)" [ "$RC" -eq 0 ]
expect_out "^paired $B" "off a terminal: the result"
expect_no_out "waiting for" "off a terminal: no progress line"
forget

on_tty "$WORK/tty-q.log" "$BTPAIR -q pair $B --pin 1234 --timeout 30"
check "-q on a terminal: paired (exit $RC)" [ "$RC" -eq 0 ]
expect_no_out "waiting for" "-q: no progress line"
forget

on_tty "$WORK/tty-j.log" "$BTPAIR -j pair $B --pin 1234 --timeout 30"
check "--json on a terminal: paired (exit $RC)" [ "$RC" -eq 0 ]
expect_out '^\{"event":"paired","index":0,"address":"'"$B"'"' "--json: the result"
expect_no_out "waiting for" "--json: no progress line"
forget

on_tty "$WORK/tty-err.log" \
	"$BTPAIR pair $B --pin 1234 --timeout 30 2>$WORK/stderr"
check "stderr not a terminal: paired (exit $RC)" [ "$RC" -eq 0 ]
check "stderr not a terminal: no progress line" \
	sh -c "! grep -q 'waiting for' '$WORK/stderr' '$WORK/tty-err.log'"
forget
pkill -f "$RESPONDER 1"

# Numeric comparison (SSP on both sides, DisplayYesNo): after the legacy
# pairings, since btvirt keeps SSP on once it was.
"$BTPAIR" -q -i hci0 setup --ssp on --capability DisplayYesNo
"$BTPAIR" -q -i hci1 setup --ssp on --capability DisplayYesNo
responder 1 --timeout 900

on_tty "$WORK/ask.log" "$BTPAIR pair $B --capability DisplayYesNo" "y
"
check "stdin and stderr terminals: accepted when answered y (exit $RC)" \
	[ "$RC" -eq 0 ]
expect_out "Does $B show [0-9]{6}\? Confirm pairing \[y/N\]" "it asked"
forget

on_tty "$WORK/ask-err.log" \
	"$BTPAIR pair $B --capability DisplayYesNo 2>$WORK/ask-stderr" "y
"
check "stderr not a terminal: refused (exit $RC)" [ "$RC" -eq 6 ]
check "stderr not a terminal: nothing asked" \
	sh -c "! grep -q 'Confirm pairing' '$WORK/ask-stderr' '$WORK/ask-err.log'"
check "stderr not a terminal: the hint to pass --confirm" \
	grep -q "numeric comparison refused; pass --confirm" "$WORK/ask-stderr"
forget

on_tty "$WORK/ask-in.log" \
	"$BTPAIR pair $B --capability DisplayYesNo </dev/null"
check "stdin not a terminal: refused (exit $RC)" [ "$RC" -eq 6 ]
expect_no_out "Confirm pairing" "stdin not a terminal: nothing asked"
expect_out "numeric comparison refused; pass --confirm" \
	"stdin not a terminal: the hint"
forget

on_tty "$WORK/confirm.log" \
	"$BTPAIR pair $B --capability DisplayYesNo --confirm </dev/null"
check "--confirm without a terminal: accepted (exit $RC)" [ "$RC" -eq 0 ]
expect_out "^paired $B" "--confirm: the result"
expect_no_out "Confirm pairing" "--confirm: nothing asked"
finish
