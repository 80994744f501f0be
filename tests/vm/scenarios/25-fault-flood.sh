# controllers: 3
# timeout: 300
# An event flood during a pairing: another management client renames hci2
# (unpowered, so the kernel answers at once) thousands of times, and every
# rename is an event on btpair's socket. The device answers its PIN only
# once 2500 more events of the flood have come since the request, so that
# however slowly the flood runs on a loaded machine, thousands of events
# reach btpair's socket while it pairs; btpair reads its socket in order, so
# it cannot see the pairing end without having read (not lost) them. The pairing must still get its
# replies and succeed, and btpair's peak memory (VmHWM) must stay bounded:
# within 4 MiB of the same pairing without the flood. The agent, which runs
# for months, pairs a device through a second flood and its VmHWM grows by
# less than 1 MiB. A sanitized btpair (BTPAIR=build-san/btpair) keeps
# shadow memory and a quarantine of freed blocks, so its VmHWM says nothing
# about btpair's: there, and only there, the two memory bounds are skipped
# (and the output says so); everything else is checked the same.
. tests/vm/lib.sh

# $BTPAIR is lib.sh's JSON wrapper script when the hook is on: look at the
# binary it runs, $BTPAIR_REAL.
sanitized=false
grep -qa __asan_init "${BTPAIR_REAL:-$BTPAIR}" && sanitized=true
# memory_bound DESCRIPTION CMD...: check, unless the build is sanitized.
memory_bound() {
	if $sanitized; then
		echo "  skip $1 (sanitized build: VmHWM is ASan's, not btpair's)"
	else
		check "$@"
	fi
}

hc05_like 1
"$BTPAIR" -q setup
responder 1 --pin 1234 --delay 3000

# pair_measured LOG: pair B with -v (every event traced to LOG), sampling
# VmHWM; sets RC, HWM (kB) and EVENTS (events btpair read for hci2).
pair_measured() {
	local pid kb
	HWM=0
	"$BTPAIR" -v pair "$B" --pin 1234 --timeout 60 >"$1" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		kb=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' \
			"/proc/$pid/status" 2>/dev/null)
		[ -n "$kb" ] && [ "$kb" -gt "$HWM" ] && HWM=$kb
		sleep 0.05
	done
	wait "$pid"
	RC=$?
	OUT=$(grep -v '^[<>] \|^    ' "$1")
	EVENTS=$(grep -c '^< .*index 0x0002 ' "$1")
}

pair_measured "$WORK/quiet.log"
quiet_hwm=$HWM
check "without the flood: paired (exit $RC)" [ "$RC" -eq 0 ]
echo "  (without the flood: VmHWM ${quiet_hwm} kB)"
"$BTPAIR" -q unpair "$B"
"$BTPAIR" -q -i hci1 unpair "$A"
wait_disconnected 0

pkill -f "$RESPONDER 1"
background "$WORK/flood.log" "$RESPONDER" 2 --flood 40000
flooder=$!
responder 1 --pin 1234 --after-events 2500
start=$(now_ms)
pair_measured "$WORK/flood-pair.log"
elapsed=$(($(now_ms) - start))
check "flooded: the pairing succeeds (exit $RC)" [ "$RC" -eq 0 ]
expect_out "^paired $B \(combination key, stored\)" "flooded: paired and stored"
check "flooded: the flood ran through the pairing" \
	sh -c "! grep -q 'flood of' '$WORK/flood.log'"
check "flooded: btpair read thousands of hci2 events ($EVENTS)" \
	[ "$EVENTS" -ge 2000 ]
memory_bound "flooded: VmHWM ${HWM} kB, within 4096 kB of ${quiet_hwm} kB" \
	[ "$HWM" -le $((quiet_hwm + 4096)) ]
echo "  (flooded pairing: ${elapsed} ms)"
grep -m1 'answering after' "$WORK/responder-1.log" | sed 's/^/  (/; s/$/)/'
# The rest of the flood proves nothing more here: stop it.
kill "$flooder" 2>/dev/null
grep -m1 '^< .*index 0x0002 ' "$WORK/flood-pair.log" | sed 's/^/  (one of them: /; s/$/)/'

hwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }
pkill -f "$RESPONDER 1"
"$BTPAIR" -q unpair "$B"
"$BTPAIR" -q -i hci1 unpair "$A"
wait_disconnected 0
background "$WORK/agent.log" "$BTPAIR" -i hci1 agent --allow "$A" --pin 1234
agent=$!
wait_for "$WORK/agent.log" "serving hci1" 50
sleep 0.5
before=$(hwm "$agent")
background "$WORK/flood2.log" "$RESPONDER" 2 --flood 20000
sleep 2
expect_exit 0 "flooded: pairing through the agent" \
	"$BTPAIR" pair "$B" --pin 1234 --timeout 60
check "flooded: the agent answered" \
	wait_for "$WORK/agent.log" "hci1 $A: paired \(combination key, stored\)" 50
check "the second flood ends" wait_for "$WORK/flood2.log" "flood of" 600
after=$(hwm "$agent")
memory_bound "the agent's VmHWM grew from ${before} kB to ${after} kB (bound +1024)" \
	[ "$after" -le $((before + 1024)) ]
check "the agent runs on" kill -0 "$agent"
finish
