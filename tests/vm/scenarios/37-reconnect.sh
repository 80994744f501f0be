# controllers: 2
# A link that comes back. The device (hci1) is gone for 5 s, then returns:
# connect --reconnect says the link was lost, retries with growing waits,
# reconnects, and a line sent after the return gets through; SIGTERM still
# ends it with 130. Then the same with a serial.conf pty: a reader of the
# pty sees no hang-up and no end of file across the drop, bytes written
# during the drop are dropped and counted, and a line after the return gets
# through.
#
# "Gone" depends on the kernel (tests/vm/KERNELS.md). On 6.12 the device's
# controller is powered off for those 5 s (mgmt Set Powered), as a device
# switched off: the link ends with "Power Off" and every page meanwhile
# times out. On 6.1 an RFCOMM connect to a controller that does not answer
# the page oopses the guest (list corruption in hci_chan_del, any client),
# and every retry during such an outage would be one: there the device
# drops the link and refuses every connect for 5 s instead. The log says
# which one ran.
. tests/vm/lib.sh

hc05_paired 300
# The device answers each line with "ok: LINE" while a link lasts, and takes
# the next link when one ends.
background "$WORK/listen.log" "$BTPAIR" -i hci1 listen --channel 1 \
	--exec sh -c 'while read -r l; do echo "ok: $l"; done'
listener=$!
listening "$WORK/listen.log"

# The device goes away: its serial port closes and, on 6.12, it is switched
# off; on 6.1 it drops the link. (listen passes a SIGTERM on to its command
# and then accepts the next connection: kill it outright, then the command
# holding the link.)
if [ "$KERNEL_LINE" = 6.1 ]; then
	echo "  6.1: the device drops the link (no power off: KERNELS.md)"
else
	echo "  $KERNEL_LINE: the device's controller is powered off for each drop"
fi
device_gone() {
	local children
	children=$(pgrep -P "$listener")
	kill -KILL "$listener"
	wait "$listener" 2>/dev/null
	[ -n "$children" ] && kill $children
	if [ "$KERNEL_LINE" = 6.1 ]; then
		"$BTPAIR" -q -i hci1 disconnect "$A" 2>/dev/null
	else
		check "the device is switched off" set_powered off
	fi
}
# And comes back.
device_back() {
	if [ "$KERNEL_LINE" != 6.1 ]; then
		check "the device is switched on again" set_powered on
	fi
	background "$WORK/listen.log" "$BTPAIR" -i hci1 listen --channel 1 \
		--exec sh -c 'while read -r l; do echo "ok: $l"; done'
	listener=$!
	listening "$WORK/listen.log"
}
set_powered() { # on|off: the device's controller, through mgmt
	btmgmt --index 1 power "$1" | grep -q "Set Powered complete"
}

# 1. The stdio bridge.
mkfifo "$WORK/in"
background "$WORK/conn.out" sh -c "exec '$BTPAIR' connect '$B' --channel 1 \
	--reconnect <'$WORK/in' 2>'$WORK/conn.err'"
conn=$!
exec 7>"$WORK/in"
check "connected" wait_for "$WORK/conn.err" "connected on channel 1" 300
echo one >&7
check "a line before the drop" wait_for "$WORK/conn.out" "^ok: one" 100
device_gone
check "the drop is logged" wait_for "$WORK/conn.err" "link lost; reconnecting in" 50
sleep 5
check "attempts while it is gone fail" grep -q "retrying in" "$WORK/conn.err"
device_back
check "the reconnect is logged" wait_for "$WORK/conn.err" "reconnected on channel 1" 600
echo two >&7
check "a line sent after the return arrives" wait_for "$WORK/conn.out" "^ok: two" 200
check "still running" kill -0 "$conn"
signal_at TERM "$conn"
check "SIGTERM still ends it with 130" [ "$RC" -eq 130 ]
exec 7>&-
OUT=$(cat "$WORK/conn.err")
# The n-th wait after a drop is 2^n s (capped at 30), less up to a half.
check "each wait doubles, with jitter" awk '
	/link lost; reconnecting in|retrying in/ {
		for (i = 1; i <= NF; i++) if ($i == "in") w = $(i + 1)
		cap = 2 ^ n; if (cap > 30) cap = 30
		if (w < cap / 2 - 0.05 || w > cap + 0.05) bad = 1
		n++
	}
	END { exit bad || n < 2 }' "$WORK/conn.err"
wait_disconnected 0 200

# 2. --exec: the command runs again on each link; JSON events on stdout,
# a failed attempt a retry event that says why, never an error event.
background "$WORK/exec.json" "$BTPAIR" --json connect "$B" --channel 1 \
	--reconnect --exec sh -c "echo ping; while read -r l; do echo \"\$l\" >>'$WORK/exec.out'; done"
execer=$!
check "the command's line was answered" wait_for "$WORK/exec.out" "^ok: ping" 300
device_gone
sleep 5
device_back
check "the command ran again on the new link" sh -c '
	for _ in $(seq 600); do
		[ "$(grep -c "^ok: ping" "$1")" -ge 2 ] && exit 0
		sleep 0.1
	done
	exit 1' _ "$WORK/exec.out"
check "a reconnected event" wait_for "$WORK/exec.json" '"event":"reconnected"' 100
signal_at TERM "$execer"
check "SIGTERM ends it with 130" [ "$RC" -eq 130 ]
check "JSON: link-up, link-down, retry (saying why), reconnected; no error" python3 -c '
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
names = [e["event"] for e in evs]
assert names[0] == "link-up", names
assert "link-down" in names and "reconnected" in names, names
assert "retry" in names and "error" not in names, names
for e in evs:
    if e["event"] == "retry":
        assert e["code"] != "ok" and e["message"].startswith("connect "), e
d = evs[names.index("link-down")]
assert d["address"] == sys.argv[2] and d["channel"] == 1 and 500 <= d["retry_ms"] <= 1000, d
' "$WORK/exec.json" "$B"
wait_disconnected 0 200

# 3. The pty of a serial.conf entry.
cat >"$WORK/serial.conf" <<CONF
logger $B channel=1 pty=/run/btpair/logger
CONF
export BTPAIR_SERIAL_CONF=$WORK/serial.conf
expect_exit 0 "serial up with a pty" "$BTPAIR" serial up
expect_out "^serial logger up /run/btpair/logger $B channel 1$" "says where"
check "the pty is there" [ -c /run/btpair/logger ]
log=/run/btpair/logger.log
check "its process connected" wait_for "$log" "connected on channel 1" 300
# A reader that stops at the first hang-up, error or end of file.
cat >"$WORK/reader.py" <<'PY'
import os, select, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
out = open(sys.argv[2], "a")
p = select.poll()
p.register(fd, select.POLLIN)
while True:
    for _, ev in p.poll():
        if ev & (select.POLLHUP | select.POLLERR):
            out.write("HANGUP\n"); out.flush(); sys.exit(1)
        try:
            data = os.read(fd, 1024)
        except OSError as e:
            out.write("ERROR %s\n" % e); out.flush(); sys.exit(1)
        if not data:
            out.write("EOF\n"); out.flush(); sys.exit(1)
        out.write(data.decode(errors="replace")); out.flush()
PY
background "$WORK/reader.log" python3 "$WORK/reader.py" /run/btpair/logger "$WORK/reader.out"
reader=$!
sleep 1
printf 'three\n' >/run/btpair/logger
check "a line through the pty" wait_for "$WORK/reader.out" "^ok: three" 100
device_gone
check "the pty's drop is logged" wait_for "$log" "link lost; reconnecting in" 50
printf 'lost\n' >/run/btpair/logger
sleep 5
device_back
check "the pty's reconnect is logged" wait_for "$log" "reconnected on channel 1" 600
check "which says bytes written meanwhile were dropped" \
	grep -q "reconnected on channel 1 (bytes written meanwhile were dropped)" "$log"
printf 'four\n' >/run/btpair/logger
check "a line sent after the return arrives" wait_for "$WORK/reader.out" "^ok: four" 200
check "the reader is still there" kill -0 "$reader"
OUT=$(cat "$WORK/reader.out")
expect_out "^ok: three" "the reader's record has the line before the drop"
expect_out "^ok: four" "and the line after the return"
expect_no_out "HANGUP|EOF|ERROR" "it saw no hang-up, error or end of file"
expect_no_out "ok: lost" "the line written during the drop was dropped"
expect_exit 0 "status" "$BTPAIR" status
expect_out "^serial logger $B channel 1 pty /run/btpair/logger up$" "status: up"
expect_exit 0 "serial up again" "$BTPAIR" serial up
expect_out "^serial logger already up /run/btpair/logger $B channel 1$" "nothing to do"
# alive PID / gone PID: a process number, running or not (a zombie is not
# running); an empty or non-numeric PID is neither, so that a missing pid
# file fails both rather than pass "gone".
alive() {
	case $1 in '' | *[!0-9]*) return 1 ;; esac
	kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}
gone() {
	case $1 in '' | *[!0-9]*) return 1 ;; esac
	! alive "$1"
}
pid=$(cut -d' ' -f1 /run/btpair/logger.pid 2>/dev/null)
check "the pid file names the running serial process (${pid:-none})" alive "$pid"
expect_exit 0 "serial down" "$BTPAIR" serial down
expect_out "^serial logger down$" "says so"
check "its process is gone" gone "$pid"
check "the symlink is gone" [ ! -e /run/btpair/logger ]
expect_exit 0 "status" "$BTPAIR" status
expect_out "^serial logger $B channel 1 pty /run/btpair/logger down$" "status: down"
finish
