# controllers: 2
# timeout: 600
# serial.conf on a boot where the HC-05 may be off (issue 26): channel=auto
# remembers what SDP gave, so after a "reboot" (/run/btpair emptied) with
# the device's controller powered off, `serial up --retry` binds
# /dev/rfcomm0 at once, with no page; a device not paired and off at
# `serial up --retry` is tried for the bounded 20 s, handed to a retry
# process, and bound by it once the device is on; a pty entry's terminal is
# dialout's, and its remembered channel, refused, is asked again by SDP;
# `serial down` stops a retry process that is still at it. No RFCOMM connect is ever made to the
# device while it is off (6.1 oopses on that; Pair Device pages are fine).
. tests/vm/lib.sh

# A line out and its answer through a bound TTY (the server answers
# "ok: LINE" and holds the link until the TTY is closed). Never on a node
# that is not there: the redirection would make a plain file of it.
tty_line() { # DEV TEXT
	if [ ! -c "$1" ]; then
		OUT="$1 is not a device node"
		return
	fi
	run timeout 40 sh -c "exec 3<>$1 && stty -F $1 raw -echo && \
		echo $2 >&3 && timeout 30 head -n 1 <&3"
}
retry_file=/run/btpair/hc05.retry
retry_pid() { cut -d' ' -f1 "$retry_file" 2>/dev/null; }
device_power() { "$BTPAIR" -q -i hci1 power "$1"; }

# hci1: an HC-05 with PIN 1234, its serial port on channel 2, announced by
# SDP (so that channel=auto finds 2, not the fallback 1).
hc05_device 2 hold
background "$WORK/sdp.log" python3 tests/vm/sdp_server.py "$B" 2
_device_pids+=("${_bg_pids[-1]}")
wait_for "$WORK/sdp.log" "sdp ready" 300 || echo "the SDP server did not start"
printf '1234\n' >"$WORK/pins"
chmod 600 "$WORK/pins"
cat >"$WORK/serial.conf" <<CONF
hc05  $B  pin-file=$WORK/pins
CONF
export BTPAIR_SERIAL_CONF=$WORK/serial.conf
# The guest's /var/lib is the host's, read-only: the remembered channels go
# to a directory of the scenario's (what StateDirectory= gives the unit).
export BTPAIR_STATE_DIR=$WORK/state
memory=$BTPAIR_STATE_DIR/$A/$B

# 1. The first boot: paired, the channel asked by SDP and remembered.
expect_exit 0 "serial up pairs and binds" "$BTPAIR" serial up
expect_out "^serial hc05 up /dev/rfcomm0 $B channel 2 \(paired\)$" \
	"channel 2, from SDP"
check "the channel is remembered in $memory" grep -qx "channel=2" "$memory"
expect_exit 0 "status" "$BTPAIR" status
expect_out "^serial hc05 $B channel auto \(2, sdp\) /dev/rfcomm0 up$" \
	"status: the channel came from SDP"
wait_disconnected 0 200
tty_line /dev/rfcomm0 one
expect_out "^ok: one" "a line each way"
wait_disconnected 0 200
expect_exit 0 "serial down" "$BTPAIR" serial down

# 2. A later boot with the device off: bound at once, from memory.
device_power off
rm -f /run/btpair/*
start=$(now_ms)
expect_exit 0 "serial up --retry, the device off" "$BTPAIR" serial up --retry
elapsed=$(($(now_ms) - start))
expect_out "^serial hc05 up /dev/rfcomm0 $B channel 2$" \
	"bound with the remembered channel"
check "no page: it took $elapsed ms (< 3000)" [ "$elapsed" -lt 3000 ]
check "no retry process" [ ! -e "$retry_file" ]
check "/dev/rfcomm0 exists" wait_for_dev /dev/rfcomm0
expect_exit 0 "status" "$BTPAIR" status
expect_out "^serial hc05 $B channel auto \(2, remembered\) /dev/rfcomm0 up$" \
	"status: the channel was remembered"
device_power on
tty_line /dev/rfcomm0 two
expect_out "^ok: two" "a line each way once the device is on"
wait_disconnected 0 200
expect_exit 0 "serial down" "$BTPAIR" serial down

# 3. Never paired (as far as this side knows), nothing remembered, and
# off: the bounded try, then the retry process, which brings it up.
expect_exit 0 "unpair" "$BTPAIR" -q unpair "$B"
rm -f "$memory"
device_power off
start=$(now_ms)
expect_exit 0 "serial up --retry, a device to pair that is off" \
	"$BTPAIR" serial up --retry
elapsed=$(($(now_ms) - start))
sed 's/^/       : /' <<<"$OUT" # what the journal would show, for the reader
expect_out "^serial hc05 retrying in the background$" "handed to a retry process"
expect_out "serial hc05: .*not up after 20 s, so retrying in the background \(process [0-9]+" \
	"stderr says why and which process"
check "within the bound: $elapsed ms (< 30000)" [ "$elapsed" -lt 30000 ]
pid=$(retry_pid)
check "the retry process ($pid) runs" kill -0 "${pid:-0}"
check "it has no PIN on its command line" \
	sh -c "! tr '\0' ' ' </proc/${pid:-0}/cmdline | grep -q 1234"
check "nor in its environment" \
	sh -c "! tr '\0' '\n' </proc/${pid:-0}/environ | grep -q BTPAIR_PIN"
expect_exit 0 "status" "$BTPAIR" status
expect_out "^serial hc05 $B channel auto down \(retrying: process $pid\)$" \
	"status: retrying"
expect_exit 0 "serial up --retry again" "$BTPAIR" serial up --retry
expect_out "^serial hc05 already retrying in the background$" \
	"a second run leaves it at it"
check "the same process" [ "$(retry_pid)" = "$pid" ]
device_power on
for _ in $(seq 1500); do
	[ -e /dev/rfcomm0 ] && break
	sleep 0.1
done
check "the retry process bound /dev/rfcomm0 once the device was on" \
	[ -e /dev/rfcomm0 ]
for _ in $(seq 100); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
check "then it ended" sh -c "! kill -0 $pid 2>/dev/null"
check "and removed its file" [ ! -e "$retry_file" ]
OUT=$(cat /run/btpair/hc05.log 2>/dev/null)
sed 's/^/       : /' <<<"$OUT"
expect_out "serial hc05: retry process started" "its log: started"
expect_out "^serial hc05 up /dev/rfcomm0 $B channel 2 \(paired\)$" \
	"its log: paired and bound"
expect_out "serial hc05: up after [0-9]+ attempts?" "its log: up after N"
check "its log is short ($(wc -l </run/btpair/hc05.log) lines)" \
	[ "$(wc -l </run/btpair/hc05.log)" -le 8 ]
check "the channel is remembered again" grep -qx "channel=2" "$memory"
wait_disconnected 0 200
tty_line /dev/rfcomm0 three
expect_out "^ok: three" "a line each way through what it bound"
wait_disconnected 0 200
expect_exit 0 "serial down" "$BTPAIR" serial down

# 4. A pty entry: its terminal is dialout's, 0660, as /dev/rfcommN; a
# remembered channel that the device refuses is asked again by SDP.
echo "channel=3" >"$memory"
cat >>"$WORK/serial.conf" <<CONF
logger  $B  pty=$WORK/logger
CONF
expect_exit 0 "serial up a pty entry" "$BTPAIR" serial up logger
expect_out "^serial logger up $WORK/logger $B channel 3$" \
	"started on the remembered channel 3"
check "its terminal is dialout's, 0660 ($(stat -L -c %G:%a "$WORK/logger"))" \
	[ "$(stat -L -c %G:%a "$WORK/logger")" = dialout:660 ]
check "refused on 3, SDP is asked again and says 2" \
	wait_for /run/btpair/logger.log "channel 3 refused; SDP says .* channel 2" 600
check "the link comes up on 2" \
	wait_for /run/btpair/logger.log "connected on channel 2" 300
check "2 is remembered now" grep -qx "channel=2" "$memory"
tty_line "$WORK/logger" four
expect_out "^ok: four" "a line each way through the pty"
expect_exit 0 "serial down the pty entry" "$BTPAIR" serial down logger
expect_out "^serial logger down$" "its process stopped"
wait_disconnected 0 200

# 5. serial down stops a retry process that is still at it.
expect_exit 0 "unpair" "$BTPAIR" -q unpair "$B"
device_power off
expect_exit 0 "serial up --retry, the device off" "$BTPAIR" serial up --retry
expect_out "^serial hc05 retrying in the background$" "handed over"
pid=$(retry_pid)
check "the retry process ($pid) runs" kill -0 "${pid:-0}"
expect_exit 0 "serial down" "$BTPAIR" serial down
expect_out "^serial hc05 down$" "says it was up to something"
check "the retry process is gone" sh -c "! kill -0 ${pid:-0} 2>/dev/null"
check "its file too" [ ! -e "$retry_file" ]
check "nothing was bound" [ ! -e /dev/rfcomm0 ]
check "its log says it stopped" \
	grep -q "serial hc05: retry process stopped" /run/btpair/hc05.log
expect_exit 0 "serial down again" "$BTPAIR" serial down
expect_out "^serial hc05 already down$" "nothing left to stop"
finish
