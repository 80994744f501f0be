# Sourced by every VM scenario: runs inside the guest, from the checkout,
# with the virtual controllers already created (unpowered) by btvirt.
#
# hci0 plays the Raspberry Pi running btpair; hci1 (and further ones) play the
# devices it pairs with. In a two-guest run ("# air:", tests/vm/run.sh) hci0
# is the Pi's UART controller and the device is another guest, $AIR_DEVICE.

set -u

# The two machines of a two-guest run: the device guest always holds the
# air's first controller, the Pi the second (run.sh starts them in that
# order, at every boot).
AIR_DEVICE=00:AA:01:00:00:42
AIR_PI=00:AA:01:01:00:42
# Which boot of a "# boots: N" run this is (1 ..), and how many there are.
BOOT=${BOOT:-1}
BOOTS=${BOOTS:-1}

# The image step: a scenario booting the systemd root may define image()
# before it sources this file. tests/vm/init runs the scenario with the
# argument "image" in a chroot of the Pi's root before its first boot, as a
# person prepares an SD card: install the package, write the settings,
# enable units. Nothing of the Pi's runs then (no controller, no systemd).
# image_install_deb: install the package built in build/deb.
image_install_deb() {
	local deb

	deb=$(ls build/deb/btpair_*.deb 2>/dev/null | head -n1)
	[ -n "$deb" ] || { echo "image: no build/deb/btpair_*.deb: make deb" >&2; return 1; }
	dpkg -i "$deb"
}
# image_readme_pi [KEY=VALUE...]: the SD card as README's Raspberry Pi
# section prepares it: the package, the HC-05's PIN file, serial.conf with
# its line (dev=0, pin-file, and the KEY=VALUEs given), both units enabled.
image_readme_pi() {
	image_install_deb
	printf '%s 1234\n' "$AIR_DEVICE" >/etc/btpair/pins
	chmod 600 /etc/btpair/pins
	echo "hc05 $AIR_DEVICE $* dev=0 pin-file=/etc/btpair/pins" \
		>/etc/btpair/serial.conf
	systemctl enable btpair-keys.service btpair-serial.service
}
if [ "${1-}" = image ]; then
	declare -F image >/dev/null || exit 0
	echo "image: preparing the Pi's root"
	set -e
	image
	echo "image: done"
	exit 0
fi

BTPAIR=${BTPAIR:-$PWD/build/btpair}
RESPONDER=${RESPONDER:-$PWD/build/tests/responder}
# btvirt's fixed addresses.
A=00:AA:01:00:00:00
B=00:AA:01:01:00:01
C=00:AA:01:02:00:02
# An address nobody answers on.
NOBODY=00:AA:01:7F:7F:7F

# The kernel line the guest runs, "6.1" or "6.12": where the two kernels
# differ (tests/vm/KERNELS.md), a scenario checks each one's own behaviour.
KERNEL_LINE=$(uname -r | cut -d. -f1,2)

WORK=$(mktemp -d /tmp/scenario.XXXXXX)
# With a sanitized btpair (BTPAIR=build-san/btpair) AddressSanitizer,
# LeakSanitizer and UBSan reports go to files here (asan.PID, ubsan.PID),
# which finish prints and counts as failures, so none passes unseen, not even
# from a command whose status and output are thrown away. clang's runtime,
# one library for both, reads UBSan's log_path last and writes ASan's
# reports there too: finish looks for both names. GCC's shared libubsan
# next to libasan (what build-san links) ignores log_path and still writes
# to stderr: finish also searches the files the scenario kept here (the
# logs of background commands, stderr set aside) for its report line, and
# run.sh the console. Both exit 86, no code of the contract.
export ASAN_OPTIONS="log_path=$WORK/asan:exitcode=86"
export UBSAN_OPTIONS="log_path=$WORK/ubsan:exitcode=86:print_stacktrace=1"
# Every JSON line btpair prints in a scenario goes to $BTPAIR_JSON_LOG too
# (tests/vm/json-hook/btpair runs it), and finish checks each against the
# schema. BTPAIR_JSON_HOOK=0 runs btpair bare (the benchmarks do: no
# wrapper in what they time).
if [ "${BTPAIR_JSON_HOOK:-1}" != 0 ]; then
	export BTPAIR_REAL=$BTPAIR
	export BTPAIR_JSON_LOG=$WORK/json.lines
	: >"$BTPAIR_JSON_LOG"
	BTPAIR=$PWD/tests/vm/json-hook/btpair
fi
OUT=
RC=
_passed=0
_failed=0
_bg_pids=()

_record() { # ok|fail DESCRIPTION
	if [ "$1" = ok ]; then
		_passed=$((_passed + 1))
		echo "  ok   $2"
	else
		_failed=$((_failed + 1))
		echo "  FAIL $2"
		[ -n "$OUT" ] && sed 's/^/       | /' <<<"$OUT"
	fi
}

# run CMD...: run it, keeping its combined output in $OUT and status in $RC.
run() {
	OUT=$("$@" 2>&1 </dev/null)
	RC=$?
}

# expect_exit CODE DESCRIPTION CMD...: run CMD and check its exit status.
expect_exit() {
	local want=$1 desc=$2
	shift 2
	run "$@"
	if [ "$RC" -eq "$want" ]; then
		_record ok "$desc (exit $RC)"
	else
		_record fail "$desc: exit $RC, wanted $want"
	fi
}

# expect_out REGEX DESCRIPTION: the last command's output matches REGEX.
expect_out() {
	if grep -Eq -- "$1" <<<"$OUT"; then
		_record ok "$2"
	else
		_record fail "$2: output does not match /$1/"
	fi
}

# expect_no_out REGEX DESCRIPTION: the last command's output does not match.
expect_no_out() {
	if grep -Eq -- "$1" <<<"$OUT"; then
		_record fail "$2: output matches /$1/"
	else
		_record ok "$2"
	fi
}

# check DESCRIPTION CMD...: CMD must succeed (a shell test, grep, ...).
check() {
	local desc=$1
	shift
	if "$@"; then
		_record ok "$desc"
	else
		_record fail "$desc"
	fi
}

# background LOG CMD...: start CMD in the background, output to LOG.
background() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 &
	_bg_pids+=($!)
}

# responder INDEX ARGS...: answer pairing requests on hciINDEX, logging to
# $WORK/responder-INDEX.log; waits until it is listening.
responder() {
	local index=$1 log=$WORK/responder-$1.log
	shift
	background "$log" "$RESPONDER" "$index" "$@"
	# A guest sharing a loaded host with others can take seconds to
	# start a program; what follows needs the responder listening.
	for _ in $(seq 300); do
		grep -q ready "$log" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "responder on hci$index did not start" >&2
	return 1
}

# Make hciN behave like an HC-05: SSP off (legacy PIN pairing), powered,
# connectable, bondable.
hc05_like() {
	"$BTPAIR" -q -i "hci$1" setup --ssp off
}

# Wait until a file contains a pattern, up to N tenths of a second.
wait_for() { # FILE REGEX [TENTHS]
	for _ in $(seq "${3:-50}"); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# listening LOG: wait until a `btpair listen` started in the background with
# its output in LOG says it is listening; a connect sent before that is
# refused (and an RFCOMM TTY opened then waits for good).
listening() {
	wait_for "$1" "listening on" 150 && return 0
	echo "btpair listen did not start:" >&2
	cat "$1" >&2
	return 1
}

# stop_bluetoothd: end the guest's bluetoothd and wait until it has exited
# (up to 10 s): as it exits it powers the controllers off, which must not
# land after what comes next.
stop_bluetoothd() {
	pkill -x bluetoothd || return 0
	for _ in $(seq 100); do
		pgrep -x bluetoothd >/dev/null || return 0
		sleep 0.1
	done
	echo "bluetoothd did not exit within 10 s" >&2
	return 1
}

# Count the mgmt requests a responder saw.
pin_requests() { grep -c 'pin request' "$WORK/responder-$1.log" 2>/dev/null || true; }

# Check every JSON line the scenario's btpair printed; print them for the
# host (tests/vm/run.sh keeps them in tests/vm/.out/NAME.json).
_check_json() {
	local log=${BTPAIR_JSON_LOG:-} out n
	[ -n "$log" ] && [ -e "$log" ] || return 0
	# The copies are written by tee processes that may outlive btpair
	# for a moment.
	for _ in $(seq 50); do
		pgrep -f "tee -p -a $log" >/dev/null || break
		sleep 0.1
	done
	n=$(wc -l <"$log")
	[ "$n" -gt 0 ] || return 0
	sed 's/^/BTPAIR-JSON: /' "$log"
	if out=$(python3 tests/json-check.py "$log" 2>&1); then
		_record ok "each of the $n JSON line(s) btpair printed fits the schema"
	else
		OUT=$out
		_record fail "JSON lines that do not fit the schema (doc/json.md)"
	fi
}

finish() {
	for pid in "${_bg_pids[@]}"; do
		kill "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	_check_json
	for f in "$WORK"/asan.* "$WORK"/ubsan.*; do
		[ -e "$f" ] || continue
		_failed=$((_failed + 1))
		echo "  FAIL sanitizer report $f:"
		sed 's/^/       | /' "$f"
	done
	# UBSan's reports that went to stderr (see UBSAN_OPTIONS above) and
	# landed in a file here. The report files themselves were shown.
	# (-D skip: the FIFOs scenarios make here have no writer left.)
	for f in $(grep -rla -D skip ': runtime error: ' "$WORK" 2>/dev/null); do
		case ${f##*/} in
		asan.* | ubsan.*) continue ;;
		esac
		_failed=$((_failed + 1))
		echo "  FAIL sanitizer report in $f:"
		grep -aA8 'runtime error: ' "$f" | sed 's/^/       | /'
	done
	echo "scenario: $_passed passed, $_failed failed"
	[ "$_failed" -eq 0 ] && [ "$_passed" -gt 0 ]
}

# btmgmt ARGS...: BlueZ's btmgmt, with its output kept and its exit status
# (script -e passes it on). It writes through stdio and exits without
# flushing when stdout is a pipe, so give it a terminal.
btmgmt() {
	script -qec "btmgmt $*" /dev/null </dev/null | tr -d '\r'
	return "${PIPESTATUS[0]}"
}

# Wait until hciN has no BR/EDR connection left (up to N tenths of a second).
# btmgmt con lists one "ADDRESS type TYPE" line per connection and nothing
# when there is none, so an empty list is only believed when btmgmt also
# exited 0 and printed nothing else: on an index that is not there or not
# powered it prints an error (exit 1), and that is a failure at once, not a
# link that is still up. The error goes to stderr, for the log.
wait_disconnected() { # INDEX [TENTHS]
	local out rc
	for _ in $(seq "${2:-100}"); do
		out=$(btmgmt --index "$1" con)
		rc=$?
		if [ "$rc" -ne 0 ] || { [ -n "$out" ] &&
			grep -vqE '^([0-9A-F]{2}:){5}[0-9A-F]{2} type [A-Za-z/ ]+$' <<<"$out"; }; then
			echo "wait_disconnected: btmgmt --index $1 con failed (exit $rc):" >&2
			sed 's/^/  | /' <<<"$out" >&2
			return 1
		fi
		grep -q ' type BR/EDR$' <<<"$out" || return 0
		sleep 0.1
	done
	return 1
}

# Wait for a device node to appear (devtmpfs creates it).
wait_for_dev() {
	for _ in $(seq 50); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# oops_step DESCRIPTION: say, right before it, that the scenario takes the
# step that oopses a kernel its header "# kernel-oops-expected:" names. On
# that kernel run.sh passes the scenario only if this line came, no check
# failed before it, and the oops came after it: an oops from anywhere else
# proves nothing about the step.
oops_step() {
	echo "BTPAIR-VM-OOPS-STEP: $*"
}

# Milliseconds on a monotonic-enough clock, for measured bounds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# signal_at SIG PID: send SIG to the background job PID and wait for it;
# its exit status goes to $RC.
signal_at() {
	kill -"$1" "$2"
	wait "$2"
	RC=$?
}

# trace_start / trace_end: record the HCI traffic of one round with btmon;
# when a check of the round failed, trace_end prints the end of it decoded,
# so a failure that shows up once in many boots leaves its evidence in the
# report.
_trace_pid=
_trace_failed=0
trace_start() {
	btmon -w "$WORK/trace.snoop" >/dev/null 2>&1 &
	_trace_pid=$!
	_trace_failed=$_failed
	sleep 0.3
}
trace_end() {
	[ -n "$_trace_pid" ] || return 0
	kill "$_trace_pid" 2>/dev/null
	wait "$_trace_pid" 2>/dev/null
	_trace_pid=
	[ "$_failed" -gt "$_trace_failed" ] || return 0
	echo "  btmon, the round's last 80 lines:"
	btmon -T -r "$WORK/trace.snoop" 2>&1 | tail -n 80 | sed 's/^/       | /'
}

# remove_controllers PID: stop the btvirt PID; wait until hci0 is gone.
remove_controllers() {
	kill "$1"
	wait "$1" 2>/dev/null
	for _ in $(seq 100); do
		[ -e /sys/class/bluetooth/hci0 ] || break
		sleep 0.1
	done
}

# fresh_controllers: a reset to a fresh link state, as after a reboot of
# both machines with nothing paired: btvirt's controllers are removed and
# made again (the kernel forgets their links and keys), the key store is
# emptied, and whatever played the devices is stopped.
fresh_controllers() {
	local pid last=$((BTVIRT_COUNT - 1))

	for pid in "${_device_pids[@]}"; do
		kill "$pid" 2>/dev/null
	done
	_device_pids=()
	pkill -x btvirt
	for _ in $(seq 100); do
		[ -e /sys/class/bluetooth/hci0 ] || break
		sleep 0.1
	done
	rm -rf /var/lib/bluetooth/*
	btvirt -l"$BTVIRT_COUNT" >"$WORK/btvirt.log" 2>&1 &
	_bg_pids+=($!)
	for _ in $(seq 100); do
		[ -e "/sys/class/bluetooth/hci$last" ] && break
		sleep 0.1
	done
	# The controllers need a moment after they appear before mgmt commands.
	sleep 1
}

# hc05_paired SECONDS: hci1 an HC-05 (legacy PIN 1234, answered for
# SECONDS), hci0 made ready with `setup` and paired with it, the pairing's
# link gone.
hc05_paired() {
	hc05_like 1
	"$BTPAIR" -q setup
	responder 1 --pin 1234 --timeout "$1"
	expect_exit 0 "pair" "$BTPAIR" pair "$B" --pin 1234
	wait_disconnected 0 200
}

# hc05_device CHANNEL [hold]: make hci1 an HC-05 as btpair first meets it:
# legacy PIN pairing answered with 1234, an RFCOMM serial port on CHANNEL
# that refuses links that are not authenticated, never paired with hci0.
# hci0 is made ready with `setup`. With hold, the port keeps each link until
# the other side closes it (a reader on /dev/rfcommN loses what the TTY
# holds when the device hangs up first).
_device_pids=()
hc05_device() {
	hc05_like 1
	"$BTPAIR" -q setup
	responder 1 --pin 1234 --timeout 600
	_device_pids+=("${_bg_pids[-1]}")
	: >"$WORK/server.log"
	background "$WORK/server.log" python3 tests/vm/rfcomm_line.py serve "$B" "$1" ${2:-}
	_device_pids+=("${_bg_pids[-1]}")
	wait_for "$WORK/server.log" "listening" 300 ||
		echo "the line server did not start"
}

# The two-guest helpers ("# air:"). Clocks: both guests take the wall
# clock from the host at boot, so the seconds the device writes can be
# compared with the Pi's.

# air_switch_on: switch the device on now (its header says off=wait).
air_switch_on() {
	date +%s >"$AIR_DIR/switch-on.$BOOT"
}

# air_device_on [S]: wait up to S seconds (default 300) until the device of
# this boot can be paged; print when it could, in seconds since the epoch.
air_device_on() {
	local f=$AIR_DIR/device-on.$BOOT end=$((SECONDS + ${1:-300}))

	while [ $SECONDS -lt $end ]; do
		if [ -s "$f" ]; then
			cat "$f"
			return 0
		fi
		sleep 0.5
	done
	return 1
}

# unit_entered UNIT: when UNIT last became active, in seconds since the
# epoch; nothing if it never did.
unit_entered() {
	local mono now up

	mono=$(systemctl show -P ActiveEnterTimestampMonotonic "$1")
	[ -n "$mono" ] && [ "$mono" != 0 ] || return 0
	now=$(date +%s)
	up=$(cut -d. -f1 /proc/uptime)
	echo $((now - up + mono / 1000000))
}

# air_line_by DEV TEXT DEADLINE: until DEADLINE (seconds since the epoch),
# open DEV and send TEXT, again while it fails, as a program that wants its
# line through does, until the device's answer ("ok: TEXT") comes back. Each
# attempt has at most 10 s: an open whose link went down under it (a
# controller reset) can wait for good. The time the answer came in $LINE_AT
# (empty if it never did); on failure $OUT says how each attempt ended and
# what the kernel said last.
air_line_by() {
	local left n=0 log=""
	LINE_AT=
	while :; do
		left=$(($3 - $(date +%s)))
		[ "$left" -gt 0 ] || break
		[ "$left" -le 10 ] || left=10
		n=$((n + 1))
		run timeout "$left" sh -c "exec 3<>$1 && stty -F $1 raw -echo && \
			echo $2 >&3 && head -n 1 <&3"
		if grep -q "^ok: $2" <<<"$OUT"; then
			LINE_AT=$(date +%s)
			return 0
		fi
		log="$log
attempt $n: exit $RC${OUT:+: $OUT}"
		sleep 1
	done
	OUT="$log
dmesg: $(dmesg | tail -n 8)"
	return 1
}

# air_journal: the units' journal of this boot, for the report.
air_journal() {
	echo "  journal of this boot (hciuart, btpair-*, bluetooth):"
	journalctl -b --no-pager -o short-monotonic -u hciuart.service \
		-u btpair-keys.service -u btpair-serial.service \
		-u bluetooth.service 2>&1 | tail -n "${1:-40}" | sed 's/^/       | /'
}

# air_ready_at: wait until both ends can take part, the device on (this
# boot) and the Pi's hci0 there; print the later of the two, in seconds
# since the epoch. A Pi under TCG can take longer to boot than the device:
# what the Pi does before its own controller exists is no measure of btpair.
air_ready_at() {
	local on hci end=$((SECONDS + ${1:-300}))

	on=$(air_device_on "${1:-300}") || { echo "air_ready_at: the device never came on" >&2; return 1; }
	while [ $SECONDS -lt $end ]; do
		hci=$(unit_entered sys-subsystem-bluetooth-devices-hci0.device)
		[ -n "$hci" ] && break
		sleep 0.5
	done
	[ -n "$hci" ] || { echo "air_ready_at: the Pi's hci0 never appeared" >&2; return 1; }
	echo "  (the device on at $on, the Pi's hci0 at $hci)" >&2
	echo $((on > hci ? on : hci))
}

# air_free_after T [S]: the first time at or after T (seconds since the
# epoch) when the device had no link (its AIR_DIR/links.BOOT), waiting up to
# S seconds (default 180) for it; nothing if it did not come.
air_free_after() {
	local f=$AIR_DIR/links.$BOOT end=$((SECONDS + ${2:-180})) at

	while :; do
		# The count at T is the last one written at or before T (none
		# written: no link yet); else the first 0 written after T.
		at=$1
		[ ! -e "$f" ] || at=$(awk -v t="$1" '
			$1 <= t { n = $2; next }
			n == 0 { print t; found = 1; exit }
			$2 == 0 { print $1; found = 1; exit }
			END { if (!found && n == 0) print t }
		' "$f")
		if [ -n "$at" ] || [ $SECONDS -ge "$end" ]; then
			echo "$at"
			return 0
		fi
		sleep 0.5
	done
}

# air_expect_serial READY DEV TEXT: DEV appears, and TEXT crosses it and is
# answered, within 30 s of READY (seconds since the epoch).
air_expect_serial() {
	local ready=$1 dev=$2 deadline=$(($1 + 30)) node_at='' when

	while [ "$(date +%s)" -le "$deadline" ]; do
		if [ -e "$dev" ]; then
			node_at=$(date +%s)
			break
		fi
		sleep 0.2
	done
	when="not within 30 s"
	[ -z "$node_at" ] || when="seen at +$((node_at - ready)) s"
	check "$dev exists within 30 s of both ends being up ($when)" [ -n "$node_at" ]
	[ -n "$node_at" ] || return 0
	air_line_by "$dev" "$3" "$deadline"
	when="not within 30 s"
	[ -z "$LINE_AT" ] || when="answered at +$((LINE_AT - ready)) s"
	check "a line crosses $dev and is answered within 30 s ($when)" [ -n "$LINE_AT" ]
}

# air_expect_bluetoothd_paired ADDR: bluetoothd runs, and says the device is
# paired (it loaded the key from the store, or saw the pairing).
air_expect_bluetoothd_paired() {
	local end=$((SECONDS + 30))

	# It may have been held back until the pairing was done.
	while [ $SECONDS -lt $end ] &&
		[ "$(systemctl is-active bluetooth.service)" != active ]; do
		sleep 0.5
	done
	check "bluetoothd is running" [ "$(systemctl is-active bluetooth.service)" = active ]
	# Active is not ready: bluetoothd reads its store and registers the
	# adapter just after it starts; ask again until it knows the device,
	# up to 20 s.
	end=$((SECONDS + 20))
	while :; do
		run timeout 10 bluetoothctl info "$1"
		grep -q "Paired: yes" <<<"$OUT" || [ $SECONDS -ge $end ] && break
		sleep 1
	done
	expect_out "Paired: yes" "bluetoothctl info $1 says Paired: yes"
}
