# controllers: 2
# A PIN is never in /proc for other local users to read, and the processes
# btpair starts get nothing of its own: btpair runs for days as root (agent,
# connect --reconnect, serial.conf ptys), and /proc/PID/cmdline and environ
# of each long-lived one must hold no PIN, a pty process no fd but 0-2 and
# its own. --pty never replaces a file that is not a pty link.
. tests/vm/lib.sh

# The real binary, not the JSON hook's wrapper script: the processes whose
# /proc is read must be btpair's own.
REAL=${BTPAIR_REAL:-$BTPAIR}
hc05_device 1 hold

# no_secret PID WHAT PIN ARG: neither argv nor the environment of PID holds
# PIN or a BTPAIR_PIN variable. The process must still be there, or its
# /proc proves nothing, and its argv must show ARG, or the reading does.
no_secret() {
	local pid=$1 what=$2 pin=$3 arg=$4
	if ! kill -0 "$pid" 2>/dev/null; then
		_record fail "$what: the process is still running"
		return
	fi
	check "$what: argv holds no PIN" \
		sh -c "! tr '\0' '\n' </proc/$pid/cmdline | grep -q '$pin'"
	check "$what: the environment holds no PIN" \
		sh -c "! tr '\0' '\n' </proc/$pid/environ | grep -qE '$pin|BTPAIR_PIN'"
	# The checks themselves can fail: the command line is there.
	check "$what: /proc shows the rest of its command line" \
		sh -c "tr '\0' '\n' </proc/$pid/cmdline | grep -qx -- '$arg'"
}

# agent --pin, and an agent given BTPAIR_PIN, each running.
"$REAL" agent --pin 7319 --allow-any --timeout 120 >"$WORK/agent1.log" 2>&1 &
agent1=$!
_bg_pids+=("$agent1")
BTPAIR_PIN=8642 "$REAL" agent --allow-any --timeout 120 >"$WORK/agent2.log" 2>&1 &
agent2=$!
_bg_pids+=("$agent2")
check "agent --pin serving" wait_for "$WORK/agent1.log" "serving" 100
check "agent with BTPAIR_PIN serving" wait_for "$WORK/agent2.log" "serving" 100
no_secret "$agent1" "agent --pin 7319" 7319 --allow-any
no_secret "$agent2" "agent, BTPAIR_PIN=8642" 8642 --allow-any
kill "$agent1" "$agent2"
wait "$agent1" "$agent2" 2>/dev/null

# connect --reconnect --pin, pairing through a real PIN request and holding
# the link: argv wiped once the PIN is taken.
"$REAL" connect "$B" --channel 1 --pin 1234 --reconnect --timeout 60 \
	--pty "$WORK/pty" >"$WORK/connect.log" 2>&1 &
conn=$!
_bg_pids+=("$conn")
check "connect --reconnect --pin: connected" \
	wait_for "$WORK/connect.log" "connected on channel 1" 300
no_secret "$conn" "connect --reconnect --pin 1234" 1234 --reconnect
run timeout 20 sh -c "exec 3<>'$WORK/pty' && echo secret-free >&3 && timeout 15 head -n 1 <&3"
expect_out "^ok: secret-free" "a line through its pty"
kill "$conn"
wait "$conn" 2>/dev/null
wait_disconnected 0 200

# --pty over a regular file refuses and leaves the file alone; over a stale
# pty link (a crash's) it takes the path.
echo "keep me" >"$WORK/regular"
run timeout 30 "$REAL" connect "$B" --channel 1 --pty "$WORK/regular" --timeout 10
check "--pty over a regular file: exit 1 (got $RC)" [ "$RC" -eq 1 ]
expect_out "pty at $WORK/regular: something that is not a pty link is there; not replacing it" \
	"says why"
check "the file is as it was" grep -qx "keep me" "$WORK/regular"
ln -s /etc/hostname "$WORK/elsewhere"
run timeout 30 "$REAL" connect "$B" --channel 1 --pty "$WORK/elsewhere" --timeout 10
check "--pty over a link to a file: exit 1 (got $RC)" [ "$RC" -eq 1 ]
check "the link is as it was" [ "$(readlink "$WORK/elsewhere")" = /etc/hostname ]
ln -s /dev/pts/99 "$WORK/stale"
"$REAL" connect "$B" --channel 1 --reconnect --pty "$WORK/stale" --timeout 60 \
	>"$WORK/stale.log" 2>&1 &
conn=$!
_bg_pids+=("$conn")
check "--pty over a stale pty link: connected" \
	wait_for "$WORK/stale.log" "connected on channel 1" 300
check "the link now names a live pty" \
	sh -c "[ \"\$(readlink '$WORK/stale')\" != /dev/pts/99 ] && [ -c '$WORK/stale' ]"
# The device answers a line, then lets the link go.
run timeout 20 sh -c "exec 3<>'$WORK/stale' && echo stale >&3 && timeout 15 head -n 1 <&3"
expect_out "^ok: stale" "a line through it"
kill "$conn"
wait "$conn" 2>/dev/null
wait_disconnected 0 200

# serial up with BTPAIR_PIN: its pty process has no PIN in its environment
# and no fd but 0-2 and its own (no second /dev/null, no second log fd).
printf 'sp %s channel=1 pty=/run/btpair/sp\n' "$B" >"$WORK/serial.conf"
"$BTPAIR" -q unpair "$B" >>"$WORK/unpair.log" 2>&1
wait_disconnected 0 200
OUT=$(BTPAIR_PIN=1234 "$REAL" serial up --config "$WORK/serial.conf" 2>&1 </dev/null)
RC=$?
check "serial up with BTPAIR_PIN: exit 0 (got $RC)" [ "$RC" -eq 0 ]
expect_out "^serial sp up /run/btpair/sp $B channel 1 \(paired\)$" "paired and up"
if wait_for /run/btpair/sp.log "connected on channel 1" 300; then
	_record ok "its pty process connected"
else
	OUT=$(cat /run/btpair/sp.log)
	_record fail "its pty process connected"
fi
pid=$(cut -d" " -f1 /run/btpair/sp.pid 2>/dev/null)
check "its pid file names a process" [ -n "$pid" ]
if [ -n "$pid" ]; then
	no_secret "$pid" "the pty process of serial up" 1234 --reconnect
	fds=$(ls -l "/proc/$pid/fd" | sed -n 's/.* \([0-9]*\) -> \(.*\)$/\1 \2/p')
	echo "$fds" | sed 's/^/       fd /'
	check "the pty process: /dev/null only as 0 and 1" \
		[ "$(grep -c ' /dev/null$' <<<"$fds")" -eq 2 ]
	check "the pty process: its log only as 2" \
		[ "$(grep -c ' /run/btpair/sp.log$' <<<"$fds")" -eq 1 ]
fi

# serial down signals only the process serial up started. That process
# dies and its pid goes to another (here: the file is made to name another
# live process, with the start time recorded for the dead one).
check "the pid file names the process and its start time" \
	grep -Eqx '[0-9]+ [0-9]+' /run/btpair/sp.pid
start=$(cut -d' ' -f2 /run/btpair/sp.pid)
kill -KILL "$pid"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
sleep 600 &
other=$!
_bg_pids+=("$other")
echo "$other $start" >/run/btpair/sp.pid
OUT=$("$REAL" status --config "$WORK/serial.conf" 2>&1)
expect_out "^serial +sp .*down" "status: the entry is down, though its pid runs"
run "$REAL" serial down --config "$WORK/serial.conf"
check "serial down over a reused pid: exit 0 (got $RC)" [ "$RC" -eq 0 ]
expect_out "process $other is not the pty process serial up started \(that one is gone\); left alone" \
	"says it left that process alone"
check "the process with the reused pid is alive" kill -0 "$other"
# A pid file of an older btpair, the pid alone: nothing proves whose it is.
run "$REAL" serial up --config "$WORK/serial.conf"
check "serial up after: exit 0 (got $RC)" [ "$RC" -eq 0 ]
expect_out "^serial sp up /run/btpair/sp " "brought up afresh, not taken for up"
pid=$(cut -d' ' -f1 /run/btpair/sp.pid)
echo "$other" >/run/btpair/sp.pid
run "$REAL" serial down --config "$WORK/serial.conf"
check "serial down over a pid-only file naming another: exit 0 (got $RC)" \
	[ "$RC" -eq 0 ]
check "the process it names is alive" kill -0 "$other"
check "the pty process is untouched" kill -0 "$pid"
# A pid-only file naming the pty process itself (an older btpair wrote it,
# and it survived the upgrade in /run): that process runs exactly the
# entry's command, so it is the entry's, and serial down stops it.
run "$REAL" serial up --config "$WORK/serial.conf"
expect_out "^serial sp up /run/btpair/sp " "serial up: up again"
old=$pid
pid=$(cut -d' ' -f1 /run/btpair/sp.pid)
kill "$old"
echo "$pid" >/run/btpair/sp.pid
OUT=$("$REAL" status --config "$WORK/serial.conf" 2>&1)
expect_out "^serial +sp .* up$" "status: a pid-only file naming the pty process is up"
run "$REAL" serial down --config "$WORK/serial.conf"
expect_out "^serial sp down$" "serial down stops it"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
check "its process is gone" sh -c "! kill -0 $pid 2>/dev/null"
finish
