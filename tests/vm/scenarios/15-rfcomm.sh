# controllers: 2
# connect --pin to an HC-05-like device that is not yet paired, 1 MiB up
# through the stdio bridge, 1 MiB each way through programs given the
# socket; interop with rctest both ways; the exit status of --exec.
. tests/vm/lib.sh

hc05_like 1
"$BTPAIR" -q setup
responder 1 --pin 1234
head -c 1048576 /dev/urandom >"$WORK/up"

# The device's serial port takes 1 MiB through the stdio bridge and answers
# with its checksum.
background "$WORK/listen.log" "$BTPAIR" -i hci1 listen --channel 1 --once \
	--exec sh -c "head -c 1048576 | tee '$WORK/got-up' | md5sum"
listening "$WORK/listen.log"
start=$(date +%s)
expect_exit 0 "connect --pin pairs, then 1 MiB crosses" \
	sh -c "'$BTPAIR' connect '$B' --pin 1234 --channel 1 --timeout 120 <'$WORK/up'"
echo "  (1 MiB crossed in $(($(date +%s) - start)) s)"
expect_out "^$(md5sum <"$WORK/up" | cut -d' ' -f1)" "the device's checksum of it matches"
check "the device was asked for its PIN (it was not paired)" [ "$(pin_requests 1)" -eq 1 ]
check "1 MiB up, unchanged" cmp -s "$WORK/up" "$WORK/got-up"
check "the key was stored" [ -f "/var/lib/bluetooth/$A/$B/info" ]

# 1 MiB down: the device's program writes 128 KiB at a time (cat), which
# the kernel refuses on a socket with the default send buffer.
head -c 1048576 /dev/urandom >"$WORK/down"
background "$WORK/listen-down.log" "$BTPAIR" -i hci1 listen --channel 7 --once \
	--exec cat "$WORK/down"
listening "$WORK/listen-down.log"
start=$(date +%s)
expect_exit 0 "1 MiB down through the stdio bridge" \
	sh -c "'$BTPAIR' connect '$B' --channel 7 --timeout 120 </dev/null >'$WORK/got-down'"
echo "  (1 MiB crossed in $(($(date +%s) - start)) s)"
check "1 MiB down, unchanged" cmp -s "$WORK/down" "$WORK/got-down"
check "the device's cat had no write error" sh -c "! grep -q error '$WORK/listen-down.log'"

# And up from a program given the socket (--exec), in big writes too.
background "$WORK/listen-up2.log" "$BTPAIR" -i hci1 listen --channel 8 --once \
	--exec sh -c "head -c 1048576 | md5sum"
listening "$WORK/listen-up2.log"
expect_exit 0 "1 MiB up from connect --exec cat" \
	timeout 60 "$BTPAIR" connect "$B" --channel 8 --timeout 120 \
	--exec sh -c "cat '$WORK/up' && head -n 1 >&2"
expect_out "^$(md5sum <"$WORK/up" | cut -d' ' -f1)" "the device's checksum of it matches"

# The stdio bridge: a line up, the device's answer down.
background "$WORK/listen-echo.log" "$BTPAIR" -i hci1 listen --channel 3 --once \
	--exec sh -c 'read line; echo "pong $line"'
listening "$WORK/listen-echo.log"
expect_exit 0 "stdin to the device, its answer on stdout" \
	sh -c "echo ping | '$BTPAIR' connect '$B' --channel 3"
expect_out "^pong ping$" "the answer came back"

# On a terminal: raw mode, "~." after a newline quits, the terminal is
# restored after.
background "$WORK/listen-tty.log" "$BTPAIR" -i hci1 listen --channel 6 --once \
	--exec sh -c "cat >'$WORK/tty-got'"
listening "$WORK/listen-tty.log"
run sh -c "(sleep 3; printf 'hello\r'; sleep 1; printf '~.'; sleep 3) |
	script -qfec \"sh -c 'stty -g >$WORK/tty-before; $BTPAIR connect $B --channel 6; echo rc=\\\$?; stty -g >$WORK/tty-after'\" /dev/null"
expect_out "Connected to $B channel 6. Type ~. at the start of a line to quit." "a console on a terminal"
expect_out "rc=0" "~. ends it with exit 0"
check "the terminal is restored" cmp -s "$WORK/tty-before" "$WORK/tty-after"
check "the device got the typed line" grep -q hello "$WORK/tty-got"

# --exec: the socket is the command's stdin/stdout; its status is ours.
background "$WORK/listen2.log" "$BTPAIR" -i hci1 listen --channel 2 --once \
	--exec sh -c 'read line; echo "got $line"'
listening "$WORK/listen2.log"
expect_exit 42 "connect --exec returns the command's status" \
	"$BTPAIR" connect "$B" --channel 2 --exec sh -c 'echo ping; read answer; echo "$answer" >&2; exit 42'
expect_out "^got ping$" "the command talked to the device"

# SIGINT reaches the command --exec runs, and its end is btpair's at once.
background "$WORK/listen-int.log" "$BTPAIR" -i hci1 listen --channel 9 --once \
	--exec sleep 30
listening "$WORK/listen-int.log"
"$BTPAIR" connect "$B" --channel 9 --exec sleep 30 </dev/null &
exec_pid=$!
sleep 3
start=$(now_ms)
kill -INT "$exec_pid"
wait "$exec_pid"
rc=$?
took=$(($(now_ms) - start))
check "SIGINT to connect --exec ends it with the command's 130 (exit $rc)" [ "$rc" -eq 130 ]
check "within a second ($took ms)" [ "$took" -lt 1000 ]

# Interop: our client against rctest's server, rctest's client against ours.
background "$WORK/rctest-r.log" rctest -r -i hci1 -P 4
sleep 1
expect_exit 0 "btpair connect to rctest -r" \
	sh -c "head -c 65536 /dev/urandom | '$BTPAIR' connect '$B' --channel 4 >/dev/null"
check "rctest received our bytes" wait_for "$WORK/rctest-r.log" "Connect from $A" 50
background "$WORK/listen3.log" "$BTPAIR" -i hci1 listen --channel 5 --once \
	--exec sh -c "cat >'$WORK/from-rctest'"
listening "$WORK/listen3.log"
expect_exit 0 "rctest -s to btpair listen" \
	timeout 30 rctest -s -i hci0 -P 5 -N 10 -b 512 "$B"
sleep 1
check "btpair's command got rctest's 5120 bytes" \
	[ "$(stat -c %s "$WORK/from-rctest")" -eq 5120 ]

finish
