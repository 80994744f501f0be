#!/bin/bash
# The device guest of a two-guest run (tests/vm/run.sh, "# air:"): an HC-05
# as btpair first meets it, on the host's btvirt air through /dev/hvc0.
#   air-device.sh CHECKOUT SCENARIO      (BOOT and AIR_DIR in the environment)
# Runs chrooted into the host's tree (tests/vm/init) until the host stops the
# guest. The scenario's "# air:" header says what it plays:
#   hc05         legacy PIN pairing only (SSP off), PIN 1234, answered by a
#                btpair agent that stores the key, as an HC-05 keeps it in
#                flash: kept in AIR_DIR/device-keys from boot to boot;
#                an RFCOMM line server on channel 1 that demands an
#                authenticated link and answers each line with "ok: LINE"
#                (tests/vm/rfcomm_line.py serve ... hold)
#   sdp          a Serial Port record on channel 1 (tests/vm/sdp_server.py);
#                without it nothing answers SDP
#   off=S        the controller attached only S seconds after the guest's
#                kernel started (a module powered on later); off=wait: when
#                the scenario says so (AIR_DIR/switch-on.BOOT, lib.sh's
#                air_switch_on); off@K=... the same for boot K only
# Once the device can be paged it writes AIR_DIR/device-on.BOOT; then each
# change in its number of links, AIR_DIR/links.BOOT.
set -uo pipefail

checkout=$1 scenario=$2
boot=${BOOT:-1}
air=${AIR_DIR:?}
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TMPDIR=/tmp
cd "$checkout" || exit 100
btpair=$checkout/build/btpair
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd

say() { echo "device: $*"; }
# prefixed TAG CMD...: run CMD in the background, its output on the console
# as "device TAG: LINE" and in /tmp/TAG.log.
prefixed() {
	local tag=$1
	shift
	"$@" 2>&1 | tee "/tmp/$tag.log" | sed -u "s/^/device $tag: /" &
}

spec=$(sed -n '/^# air:/{s/^# air: *//p;q;}' "$scenario")
sdp=0 off=0
for w in $spec; do
	case $w in
	sdp) sdp=1 ;;
	off=*) off=${w#off=} ;;
	esac
done
for w in $spec; do
	case $w in
	"off@$boot="*) off=${w#*=} ;;
	esac
done

uptime_s() { cut -d. -f1 /proc/uptime; }
case $off in
0) ;;
wait)
	say "off until the scenario switches it on (boot $boot)"
	until [ -e "$air/switch-on.$boot" ]; do
		sleep 0.5
	done
	say "switched on by the scenario at uptime $(uptime_s) s"
	;;
*)
	say "off for the first $off s of boot $boot"
	# Switching on at a time is the point here, not a wait for a state.
	while [ "$(uptime_s)" -lt "$off" ]; do
		sleep 0.5
	done
	say "switched on at uptime $(uptime_s) s"
	;;
esac

# The module's HCI traffic, kept with the run's logs for a failure's report.
btmon -T >"$air/device-btmon.$boot.txt" 2>&1 &
prefixed btattach btattach -B /dev/hvc0 -P h4
addr=
for _ in $(seq 300); do
	addr=$(script -qec "btmgmt --index 0 info" /dev/null </dev/null |
		tr -d '\r' | sed -n 's/^\taddr \([0-9A-F:]*\) .*/\1/p')
	[ -n "$addr" ] && break
	sleep 0.1
done
if [ -z "$addr" ]; then
	say "hci0 did not come up"
	dmesg | tail -n 20
	exit 1
fi
say "hci0 is $addr"
# The scenarios name the device by the air's first address (lib.sh
# AIR_DEVICE): run.sh connects this guest to btvirt before the Pi's.
[ "$addr" = 00:AA:01:00:00:42 ] ||
	say "not the air's first controller: the Pi's scenario expects 00:AA:01:00:00:42"

# What the module remembers: its keys from an earlier boot. What the agent
# stores after this mark is kept for the next (below).
mark=/tmp/keys.mark
touch "$mark"
if [ -d "$air/device-keys" ]; then
	cp -a "$air/device-keys/." /var/lib/bluetooth/
	"$btpair" -i hci0 keys load 2>&1 | sed 's/^/device keys: /'
fi
prefixed agent "$btpair" -i hci0 agent --allow-any --pin 1234
prefixed line python3 tests/vm/rfcomm_line.py serve "$addr" 1 hold
[ "$sdp" = 0 ] || prefixed sdp python3 tests/vm/sdp_server.py "$addr" 1
# Pageable only once everything answers.
ready() { # TAG REGEX
	for _ in $(seq 300); do
		grep -q "$2" "/tmp/$1.log" 2>/dev/null && return 0
		sleep 0.1
	done
	say "$1 did not start"
	return 1
}
ready agent "serving hci0" || exit 1
ready line "listening on channel 1" || exit 1
[ "$sdp" = 0 ] || ready sdp "sdp ready" || exit 1
"$btpair" -i hci0 setup --ssp off --name HC-05 2>&1 | sed 's/^/device setup: /'
[ "${PIPESTATUS[0]}" = 0 ] || { say "setup failed: not switched on"; exit 1; }
# Discoverable, as an HC-05 is while no master holds it: a person's scan
# (bluetoothctl) finds it.
script -qec "btmgmt --index 0 discov yes" /dev/null </dev/null >/dev/null ||
	say "could not make it discoverable"
date +%s >"$air/device-on.$boot"
say "on: pageable, legacy PIN, line server on channel 1$([ "$sdp" = 1 ] && echo ', SDP record')"

# Keep what the agent stores, as the module's flash keeps it; write down each
# change in the number of links the module has (AIR_DIR/links.BOOT,
# "SECONDS-SINCE-EPOCH COUNT"); and end the link the Pi's controller lost in
# a reset (AIR_DIR/pi-reset.BOOT, written just after it; done, this writes
# AIR_DIR/pi-reset-seen.BOOT). An HC-05 ends it
# by its supervision timeout, answering no page until then; btvirt never
# tells this side at all (its HCI Reset drops both ends of each link with no
# event to the other host), and this kernel would then take the Pi's next
# page for the link it still has, leaving the Pi a link that carries
# nothing (seen on 6.12: every L2CAP request unanswered for 50 s).
links=0 reset_seen=
while :; do
	if [ -z "$reset_seen" ] && [ -e "$air/pi-reset.$boot" ]; then
		reset_seen=1
		for peer in $(script -qec "btmgmt --index 0 con" /dev/null </dev/null |
			tr -d '\r' | sed -n 's/^\([0-9A-F:]\{17\}\) type BR\/EDR.*/\1/p'); do
			say "the Pi's controller was reset: link to $peer dropped"
			script -qec "btmgmt --index 0 disconnect $peer" /dev/null </dev/null >/dev/null
		done
		touch "$air/pi-reset-seen.$boot"
	fi
	n=$(find /sys/class/bluetooth -maxdepth 1 -name 'hci0:*' 2>/dev/null | wc -l)
	if [ "$n" != "$links" ]; then
		links=$n
		echo "$(date +%s) $n" >>"$air/links.$boot"
		say "links: $n"
	fi
	if [ -n "$(find /var/lib/bluetooth -name info -newer "$mark" 2>/dev/null | head -n1)" ]; then
		touch "$mark"
		rm -rf "$air/device-keys.new"
		cp -a /var/lib/bluetooth "$air/device-keys.new" &&
			rm -rf "$air/device-keys" &&
			mv "$air/device-keys.new" "$air/device-keys" &&
			say "keys kept: $(find "$air/device-keys" -name info | sed 's,.*/\([^/]*\)/info,\1,' | tr '\n' ' ')"
	fi
	sleep 0.5
done
