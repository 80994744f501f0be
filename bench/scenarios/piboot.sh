# root: systemd
# air: hc05 sdp
# timeout: 1800
# From hci0 appearing to a line through /dev/rfcomm0, on the faithful Pi of
# the VM suite (tests/vm/scenarios/48-air-first-boot.sh: systemd as PID 1,
# bluetoothd enabled, hci0 a UART controller attached by hciuart.service,
# the HC-05 another guest on the same virtual air). Two routes, side by
# side in one Pi boot:
#   btpair's units as README's Raspberry Pi section sets them up
#   (btpair-keys.service, btpair-serial.service with serial.conf and a PIN
#   file), bluetoothd started after them as the units order it;
#   the BlueZ route a Pi user writes today: bluetoothd and a unit running
#   `rfcomm bind 0 ADDR 1` after it.
# Each round is a boot's Bluetooth part: everything stopped and hci0
# detached, the units started as the boot starts them (hci0 not there yet,
# as a UART controller appears late), then hciuart.service attaches hci0.
# A program (bench.py tty-line), waiting from before hci0 exists, opens
# /dev/rfcomm0 and sends a line every 0.1 s until the HC-05's answer comes
# back; the time is from the kernel registering hci0 to that answer.
#   paired:     the HC-05 paired before (its key in the store).
#   first boot: the pairing forgotten on the Pi (key, remembered channel,
#               bluetoothd's record of it); btpair pairs by itself, the
#               BlueZ route needs a person: bluetoothctl run at machine
#               speed from the start (scan, pair typing the PIN, trust),
#               and the program starts once it has paired.
# Between rounds the Pi ends its link before hci0 goes, so the HC-05 has
# none left (a real one would keep a cut link until its supervision
# timeout). BENCH_PIBOOT_REPS rounds of each (default 3), in turns, after
# one of each paired route not counted. Figures go to the console as
# BENCH lines.
#   ARGS: [GROUP...] [BENCH_NAME=VALUE...]
image() {
	image_readme_pi
	# The BlueZ route's unit, as Pi users write it; its rounds start it.
	cat >/etc/systemd/system/rfcomm-bind.service <<UNIT
[Unit]
Description=Bind /dev/rfcomm0 to the HC-05 (rfcomm bind)
After=bluetooth.service
Requires=bluetooth.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/bin/rfcomm bind 0 $AIR_DEVICE 1
ExecStop=/usr/bin/rfcomm release 0
UNIT
}
BTPAIR_JSON_HOOK=0
. tests/vm/lib.sh

reps=3
for a in "$@"; do
	case $a in
	BENCH_PIBOOT_REPS=*) reps=${a#*=} ;;
	esac
done
PAIRED_BTPAIR="btpair units, paired"
PAIRED_BLUEZ="bluetoothd + rfcomm bind, paired"
FIRST_BTPAIR="btpair units, first boot"
FIRST_BLUEZ="bluetoothd + rfcomm bind + a person, first boot"

emit() { echo "BENCH {$1}"; }

# The Bluetooth part of a shutdown: the serial units and bluetoothd stopped,
# the link ended from the Pi's side (with "forget": what the Pi knew of the
# device forgotten too: its key, bluetoothd's record, the remembered
# channel), then hci0 detached.
down() {
	systemctl stop rfcomm-bind.service btpair-serial.service \
		btpair-serial-wait.service bluetooth.service
	if [ "${1:-}" = forget ]; then
		# The store's record only: the kernel's copy of the key goes
		# with hci0 below.
		rm -rf "/var/lib/bluetooth/$AIR_PI/$AIR_DEVICE" \
			"/var/lib/bluetooth/$AIR_PI/cache/$AIR_DEVICE" /var/lib/btpair/*
	elif ls /sys/class/bluetooth | grep -q '^hci0:'; then
		btmgmt --index 0 disconnect "$AIR_DEVICE" >/dev/null
	fi
	[ -n "$(air_free_after "$(date +%s)" 30)" ] ||
		echo "bench: the HC-05 still has a link after 30 s"
	systemctl stop hciuart.service
	for _ in $(seq 100); do
		[ -e /sys/class/bluetooth/hci0 ] || break
		sleep 0.1
	done
	systemctl reset-failed btpair-keys.service btpair-serial.service \
		btpair-serial-wait.service 2>/dev/null
}

# Where btpair's round went, for the notes: each step's time from hci0
# appearing ($1: its CLOCK_MONOTONIC seconds, which systemd's monotonic
# timestamps share).
unit_times() {
	local step unit prop m line=""

	for step in "hci0 device unit active:sys-subsystem-bluetooth-devices-hci0.device:ActiveEnter" \
		"keys unit started:btpair-keys.service:InactiveExit" \
		"keys unit done:btpair-keys.service:ActiveEnter" \
		"serial unit started:btpair-serial.service:InactiveExit" \
		"serial unit done:btpair-serial.service:ActiveEnter"; do
		prop=${step##*:}
		unit=${step%:*}
		unit=${unit#*:}
		m=$(systemctl show -P "${prop}TimestampMonotonic" "$unit")
		line="$line, ${step%%:*} +$(awk -v m="${m:-0}" -v t="$1" \
			'BEGIN { printf "%.2f", m / 1e6 - t }') s"
	done
	echo "bench:   ${line#, }"
}

# One round of $1 (one of the four above), ended by down $2; $3 = warm:
# not counted.
round() {
	local kind=$1 forget=$2 warm=${3:-} log=$WORK/line.log done=$WORK/person.done
	local line_pid person_pid='' res rc

	echo "bench: $kind: round starts"
	rm -f "$done"
	case $kind in
	btpair*)
		systemctl enable -q btpair-keys.service
		systemctl start --no-block btpair-serial.service bluetooth.service
		;;
	*)
		systemctl disable -q btpair-keys.service
		systemctl start --no-block bluetooth.service rfcomm-bind.service
		;;
	esac
	if [ "$kind" = "$FIRST_BLUEZ" ]; then
		python3 bench/bench.py bluez-person "$AIR_DEVICE" "$done" 120 \
			>"$WORK/person.log" 2>&1 &
		person_pid=$!
	fi
	python3 bench/bench.py tty-line /dev/rfcomm0 "round$RANDOM" 120 \
		${person_pid:+"$done"} >"$log" 2>&1 &
	line_pid=$!
	wait_for "$log" "watching for hci0" 300 || echo "bench: tty-line did not start"
	systemctl start hciuart.service
	wait "$line_pid"
	rc=$?
	[ -z "$person_pid" ] || wait "$person_pid"
	res=$(sed -n 's/^line \([0-9.]*\) \([0-9]*\)$/\1 \2/p' "$log")
	echo "bench: $kind: ${res:-no line} (seconds from hci0, attempts)"
	case $kind in
	btpair*) unit_times "$(sed -n 's/^hci0 //p' "$log")" ;;
	esac
	if [ "$rc" != 0 ] || [ -z "$res" ]; then
		sed 's/^/bench:   | /' "$log" "$WORK/person.log" 2>/dev/null
		air_journal 30
	fi
	down $forget
	[ -n "$warm" ] && return 0
	if [ "$rc" != 0 ] || [ -z "$res" ]; then
		emit "\"group\": \"piboot\", \"tool\": \"$kind\", \"failed\": 1"
		return 1
	fi
	set -- $res
	emit "\"group\": \"piboot\", \"tool\": \"$kind\", \"value\": $1, \"attempts\": $2"
}

check "systemd is PID 1" [ "$(cat /proc/1/comm)" = systemd ]
ready=$(air_ready_at 300)
check "the device came on and the Pi's hci0 appeared" [ -n "$ready" ]
[ -n "$ready" ] || ready=$(date +%s)
# The image's own first boot, not counted: the units pair the HC-05.
air_expect_serial "$ready" /dev/rfcomm0 first-boot
down
# A round of each paired route first, not counted; then the rounds in
# turns, the order reversed every other time.
kinds=("$PAIRED_BTPAIR" "$PAIRED_BLUEZ")
for r in $(seq "$reps"); do
	if [ $((r % 2)) = 1 ]; then
		kinds+=("$PAIRED_BTPAIR" "$PAIRED_BLUEZ" "$FIRST_BTPAIR" "$FIRST_BLUEZ")
	else
		kinds+=("$FIRST_BLUEZ" "$FIRST_BTPAIR" "$PAIRED_BLUEZ" "$PAIRED_BTPAIR")
	fi
done
t0=$(now_ms)
for i in "${!kinds[@]}"; do
	kind=${kinds[$i]}
	# The round before a first boot forgets the pairing as it ends.
	forget=
	case ${kinds[$((i + 1))]:-} in *"first boot") forget=forget ;; esac
	if [ "$i" -lt 2 ]; then
		round "$kind" "$forget" warm
	else
		check "round $(((i - 2) / 4 + 1)): $kind: a line crossed /dev/rfcomm0" \
			round "$kind" "$forget"
	fi
done
emit "\"group\": \"elapsed\", \"tool\": \"piboot\", \"value\": $((($(now_ms) - t0) / 1000))"
finish
