# controllers: 2
# root: systemd
# timeout: 900
# Controller ready at boot, btpair-keys.service against bluetoothd, side by
# side in one guest booted with systemd as PID 1 (tests/vm/sysroot.sh): the
# time from hci0's appearing (btmon's "New Index") to the stored keys loaded
# (Load Link Keys answered) and hci0 powered and bondable (the first
# settings that have both). bluetoothd runs as a headless Pi sets it up:
# started before the controller appears, AutoEnable (Debian's default) and
# AlwaysPairable, so that it makes hci0 bondable with no agent, as the unit
# does. A third tool, "btpair, no unit", runs the unit's two commands by
# hand the moment the kernel registers hci0: what udev, systemd and the
# sandbox add. They take turns, BENCH_UNIT_REPS rounds (default 5); each
# round makes the controllers anew. Figures go to the console as BENCH
# lines.
#   ARGS: [GROUP...] [BENCH_NAME=VALUE...]
BTPAIR_JSON_HOOK=0
. tests/vm/lib.sh

reps=5
for a in "$@"; do
	case $a in
	BENCH_UNIT_REPS=*) reps=${a#*=} ;;
	esac
done
keys=8

emit() { echo "BENCH {$1}"; }

# btmon's log $1: seconds from hci0's New Index to "keys loaded, powered and
# bondable", then the number of keys Load Link Keys carried; nothing if it
# did not get there. btmon ends each header line with the controller and
# its time: "... [hci0] 12.345678".
ready_after() {
	awk '
	/^[@=<>] / {
		hdr = ""
		if ($0 !~ / \[hci0\] [0-9.]+$/)
			next
		hdr = $0
		t = $NF
		if (hdr ~ /^= New Index: / && start == "")
			start = t
		if (hdr ~ /^@ MGMT Command: Load Link Keys / && n == "") {
			match(hdr, /plen [0-9]+/)
			n = (substr(hdr, RSTART + 5, RLENGTH - 5) - 3) / 25
		}
		next
	}
	hdr == "" { next }
	hdr ~ /^@ MGMT Event: Command Complete/ &&
	    /^ +Load Link Keys \(0x0012\)/ && loaded == "" { loaded = t }
	/Current settings: 0x/ && ready == "" && start != "" {
		v = $NF
		# Powered (0x01) and Bondable (0x10): the last two hex digits.
		lo = substr(v, length(v) - 1)
		if (lo ~ /^[13579bdfBDF]/ && lo ~ /[13579bdfBDF]$/)
			ready = t
	}
	END {
		if (start == "" || loaded == "" || ready == "")
			exit 1
		done = loaded > ready ? loaded : ready
		printf "%.6f %d\n", done - start, n
	}' "$1"
}

# Where the unit's time went: udev's device unit, the unit's start, its end
# (systemd's monotonic clock, ms), its restarts and its log.
unit_timeline() {
	local dev start end

	dev=$(systemctl show -P ActiveEnterTimestampMonotonic \
		sys-subsystem-bluetooth-devices-hci0.device)
	start=$(systemctl show -P InactiveExitTimestampMonotonic btpair-keys.service)
	end=$(systemctl show -P ActiveEnterTimestampMonotonic btpair-keys.service)
	echo "bench: device unit active to unit started $(((start - dev) / 1000)) ms," \
		"started to done $(((end - start) / 1000)) ms," \
		"restarts $(systemctl show -P NRestarts btpair-keys.service)"
	journalctl -o short-monotonic --no-pager -n 8 -u btpair-keys.service |
		sed 's/^/bench:   | /'
}

# One round for $1 (btpair-keys.service or bluetoothd): make the
# controllers with btmon watching, wait until hci0 is ready, take them away.
round() {
	local tool=$1 warm=${2:-} mon=$WORK/btmon-$1.log res="" hand=0

	echo "bench: $tool: round starts"
	case $tool in
	bluetoothd)
		systemctl disable -q btpair-keys.service
		timeout 60 systemctl start bluetooth.service ||
			echo "bench: bluetoothd did not start"
		;;
	btpair-keys.service)
		systemctl stop bluetooth.service
		systemctl enable -q btpair-keys.service
		;;
	*)
		systemctl stop bluetooth.service
		systemctl disable -q btpair-keys.service
		;;
	esac
	# Line by line: the log is read while btmon runs.
	stdbuf -oL btmon >"$mon" 2>&1 &
	local mon_pid=$!
	sleep 1
	btvirt -l"$BTVIRT_COUNT" >"$WORK/btvirt.log" 2>&1 &
	local virt_pid=$!
	# The unit's two commands, run by hand the moment the kernel registers
	# hci0: what the unit costs beyond them.
	if [ "$tool" = "btpair, no unit" ]; then
		for _ in $(seq 200); do
			[ -e /sys/class/bluetooth/hci0 ] && break
			sleep 0.05
		done
		/usr/bin/btpair -q -i hci0 keys load &&
			/usr/bin/btpair -q -i hci0 setup || hand=$?
	fi
	for _ in $(seq 300); do
		res=$(ready_after "$mon") && break
		res=""
		sleep 0.2
	done
	echo "bench: $tool: ${res:-not ready}"
	[ "$tool" = btpair-keys.service ] && unit_timeline
	remove_controllers "$virt_pid"
	kill "$mon_pid"
	wait "$mon_pid" 2>/dev/null
	timeout 60 systemctl stop bluetooth.service btpair-keys.service
	systemctl reset-failed btpair-keys.service 2>/dev/null
	# A first round is not counted.
	[ -n "$warm" ] && return 0
	if [ -z "$res" ]; then
		emit "\"group\": \"boot\", \"tool\": \"$tool\", \"failed\": 1"
		echo "bench: $tool: hci0 not ready in 60 s; btmon:"
		tail -n 30 "$mon"
		return 1
	fi
	set -- $res
	# Checked before it is recorded: a round that loaded other keys than
	# the stored ones, or whose commands failed, timed something else.
	local why=""
	[ "$hand" -ne 0 ] && why="keys load and setup exit $hand"
	[ "$2" -ne "$keys" ] && why="$2 of $keys keys loaded"
	if [ -n "$why" ]; then
		emit "\"group\": \"boot\", \"tool\": \"$tool\", \"failed\": 1, \"keys\": $2"
		echo "bench: $tool: $why"
		return 1
	fi
	emit "\"group\": \"boot\", \"tool\": \"$tool\", \"value\": $1, \"keys\": $2"
}

check "systemd is PID 1" [ "$(cat /proc/1/comm)" = systemd ]
deb=$(ls build/deb/btpair_*.deb 2>/dev/null | head -n1)
expect_exit 0 "the package installs (dpkg -i)" dpkg -i "$deb"
# The stored keys both read: BlueZ's layout, which btpair keeps too.
for i in $(seq "$keys"); do
	d=$(printf '00:AA:01:%02X:00:%02X' $((i + 16)) $((i + 16)))
	mkdir -p "/var/lib/bluetooth/$A/$d"
	printf '[LinkKey]\nKey=%032X\nType=4\nPINLength=0\n' "$i" \
		>"/var/lib/bluetooth/$A/$d/info"
	chmod 600 "/var/lib/bluetooth/$A/$d/info"
done
sed -i 's/^#\?AlwaysPairable *=.*/AlwaysPairable = true/' \
	/etc/bluetooth/main.conf
# The boot is over (but for this scenario's own job) before the first
# controller appears.
for _ in $(seq 300); do
	[ -z "$(systemctl list-jobs --no-legend | grep -v btpair-vm)" ] && break
	sleep 0.2
done
udevadm settle --timeout=60
# A first round of each, not counted: the first controller of a boot
# wakes udev's rules and the programs' pages.
echo "bench: a first round of each, not counted"
round btpair-keys.service warm
round bluetoothd warm
t0=$(now_ms)
for r in $(seq "$reps"); do
	if [ $((r % 2)) = 1 ]; then
		order=(btpair-keys.service bluetoothd "btpair, no unit")
	else
		order=("btpair, no unit" bluetoothd btpair-keys.service)
	fi
	for tool in "${order[@]}"; do
		check "round $r: $tool loaded $keys keys, hci0 powered and bondable" \
			round "$tool"
	done
done
emit "\"group\": \"elapsed\", \"tool\": \"units\", \"value\": $((($(now_ms) - t0) / 1000))"
finish
