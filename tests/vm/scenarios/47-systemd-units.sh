# controllers: 3
# root: systemd
# timeout: 420
# The package's systemd units under a real systemd as PID 1, with udev, in a
# Debian 12 root (tests/vm/sysroot.sh), set up as README's Raspberry Pi
# section says. The controllers appear after boot, as a late UART controller
# does: btpair-keys.service starts because hci0 appeared, loads the stored
# keys and readies hci0 before bluetooth.target; btpair-agent@hci0.service
# answers the allowed device's PIN request and refuses another's, writing
# the key store from inside its sandbox with no SIGSYS or EPERM; after a
# "reboot" (the controllers made again: the kernel forgets every key) the
# device paired before connects with no PIN asked; systemctl stop ends each
# unit at once, successfully.
. tests/vm/lib.sh

REAL=/usr/bin/btpair
unit_prop() { systemctl show -P "$2" "$1"; }
# Wait until unit $1 is active, up to 60 s; if it is not, show why.
wait_active() {
	local end=$((SECONDS + 60))

	while [ $SECONDS -lt $end ]; do
		[ "$(systemctl is-active "$1")" = active ] && return 0
		sleep 0.2
	done
	systemctl status --no-pager "$1" | tail -n 5
	journalctl --no-pager -o cat -u "$1" | tail -n 8
	echo "btvirt:"; cat "$WORK/btvirt.log"
	ls /sys/class/bluetooth
	btmgmt info 2>&1 | head -n 12
	dmesg | tail -n 15
	ps -eo pid,stat,wchan:20,cmd | grep -E "btvirt|btpair" | grep -v grep
	return 1
}
# Make the controllers; wait until the kernel has set up the last one.
make_controllers() {
	btvirt -l"$BTVIRT_COUNT" >"$WORK/btvirt.log" 2>&1 &
	_bg_pids+=($!)
	btvirt_pid=$!
	for _ in $(seq 100); do
		[ -e "/sys/class/bluetooth/hci$((BTVIRT_COUNT - 1))" ] && break
		sleep 0.1
	done
}
# Whether hci0 finished its setup (is on the management interface) within
# 20 s. btmgmt exits 0 even on Invalid Index: read what it says.
hci0_set_up() {
	local end=$((SECONDS + 20))

	while [ $SECONDS -lt $end ]; do
		btmgmt --index 0 info 2>&1 | grep -q "addr $A" && return 0
		sleep 0.5
	done
	return 1
}

check "systemd is PID 1" [ "$(cat /proc/1/comm)" = systemd ]
# The boot's jobs but this scenario's own are done, udev's queue is empty.
for _ in $(seq 300); do
	[ -z "$(systemctl list-jobs --no-legend | grep -v btpair-vm)" ] && break
	sleep 0.2
done
udevadm settle --timeout=60
# The emulator's first controllers of the boot, before anything of btpair
# is installed. On 6.1 in this guest, when both units started with it, that
# first hci0 missed the kernel's first HCI Reset (dmesg "hci0: Opcode 0x0c03
# failed: -110") and never reached the management interface, while every
# later one came up (tests/vm/KERNELS.md). Made here with no btpair code
# about, it is said whether it came up, not checked; the controllers are
# taken away again before the units are set up.
make_controllers
if hci0_set_up; then
	echo "  (the boot's first emulated hci0 came up)"
else
	echo "  (the boot's first emulated hci0 did not come up, with no btpair installed: $(dmesg | grep -a 'hci0: Opcode' | tail -n1))"
fi
remove_controllers "$btvirt_pid"
deb=$(ls build/deb/btpair_*.deb 2>/dev/null | head -n1)
expect_exit 0 "the package installs (dpkg -i)" dpkg -i "$deb"

# README's Raspberry Pi section: the PIN in a root-only file, the device the
# agent may answer, both units enabled; no controller yet.
printf '%s 1234\n' "$B" >/etc/btpair/pins
chmod 600 /etc/btpair/pins
sed -i "s/^ALLOW=.*/ALLOW=--allow $B/" /etc/btpair/agent.conf
expect_exit 0 "systemctl enable btpair-keys.service btpair-agent@hci0.service" \
	systemctl enable btpair-keys.service btpair-agent@hci0.service
check "no controller yet, and the keys unit not started" \
	[ "$(systemctl is-active btpair-keys.service)" != active ]

# hci0 appears: udev tags it, its device unit pulls in both units.
make_controllers
check "hci0 set up" hci0_set_up
check "btpair-keys.service started because hci0 appeared" \
	wait_active btpair-keys.service
check "btpair-agent@hci0.service started with it" \
	wait_active btpair-agent@hci0.service
# The unit starts as soon as the kernel registers hci0, while the kernel
# still sets it up: keys load waits for it rather than fail and be
# restarted.
check "btpair-keys.service did its work in one start (restarts: $(unit_prop btpair-keys.service NRestarts))" \
	[ "$(unit_prop btpair-keys.service NRestarts)" = 0 ]
dev=sys-subsystem-bluetooth-devices-hci0.device
t_dev=$(unit_prop "$dev" ActiveEnterTimestampMonotonic)
t_keys=$(unit_prop btpair-keys.service ActiveEnterTimestampMonotonic)
t_target=$(unit_prop bluetooth.target ActiveEnterTimestampMonotonic)
echo "  (hci0's device unit to btpair-keys.service done: $(((t_keys - t_dev) / 1000)) ms)"
check "keys loaded and hci0 set up before bluetooth.target ($t_keys <= $t_target)" \
	test "$t_keys" -gt 0 -a "$t_target" -gt 0 -a "$t_keys" -le "$t_target"
run btmgmt --index 0 info
expect_out "current settings: .*powered.*bondable" "hci0 powered and bondable by the unit"

# The allowed device pairs with hci0: the agent answers from the PIN file and
# stores the key from inside its sandbox.
hc05_like 1
expect_exit 0 "the allowed device (hci1) pairs; the agent answers its PIN" \
	"$REAL" -i hci1 pair "$A" --pin 1234 --timeout 60
check "the agent stored the key in /var/lib/bluetooth" \
	wait_for "/var/lib/bluetooth/$A/$B/info" "LinkKey" 50
"$BTPAIR" -q -i hci2 setup --ssp off
expect_exit 6 "another device (hci2) is refused" \
	"$REAL" -i hci2 pair "$A" --pin 1234 --timeout 60
check "no key stored for the refused device" [ ! -e "/var/lib/bluetooth/$A/$C" ]
run journalctl --no-pager -o cat -u btpair-agent@hci0.service
expect_out "$B" "the agent's journal names the device it answered"
check "the agent did not restart" \
	[ "$(unit_prop btpair-agent@hci0.service NRestarts)" = 0 ]

# A reboot: the controllers go away and come back with empty key lists. The
# device keeps its key (an HC-05 remembers), as here through keys load.
remove_controllers "$btvirt_pid"
check "the units stopped with hci0 (BindsTo=)" \
	[ "$(systemctl is-active btpair-keys.service)" != active ]
make_controllers
check "btpair-keys.service started again for the new hci0" \
	wait_active btpair-keys.service
"$BTPAIR" -q -i hci1 keys load
"$BTPAIR" -q -i hci1 setup --ssp off
responder 1 --silent
background "$WORK/rctest.log" rctest -r -E -i hci1 -P 3
sleep 1
systemctl stop btpair-agent@hci0.service
run sh -c "echo hello | '$REAL' connect '$B' --channel 3 --timeout 30"
check "after the reboot the paired device connects with an encrypted link (exit $RC)" \
	[ "$RC" -eq 0 ]
check "and no PIN was asked of it" [ "$(pin_requests 1)" = 0 ]

# systemctl stop: at once, and a clean stop. The unit's own time, from
# leaving "active" to "inactive" (systemd's timestamps), apart from what
# systemctl itself takes to start under TCG, which is said too.
stop_ms() { # UNIT: stop it, print how long the unit took to stop, in ms
	local t0 t1

	t0=$(now_ms)
	systemctl stop "$1"
	t1=$(now_ms)
	echo "$((($(unit_prop "$1" InactiveEnterTimestampMonotonic) - \
		$(unit_prop "$1" ActiveExitTimestampMonotonic)) / 1000))"
	echo "  (systemctl stop $1: $((t1 - t0)) ms in all)" >&2
}
expect_exit 0 "the agent starts again" systemctl start btpair-agent@hci0.service
wait_active btpair-agent@hci0.service
ms=$(stop_ms btpair-agent@hci0.service)
check "btpair-agent@hci0 stopped in $ms ms (at most 1000)" [ "$ms" -le 1000 ]
check "the agent's stop counts as success (Result=$(unit_prop btpair-agent@hci0.service Result), status $(unit_prop btpair-agent@hci0.service ExecMainStatus))" \
	[ "$(unit_prop btpair-agent@hci0.service Result)" = success ]
ms=$(stop_ms btpair-keys.service)
check "btpair-keys stopped in $ms ms (at most 1000)" [ "$ms" -le 1000 ]
check "the keys unit's stop counts as success" \
	[ "$(unit_prop btpair-keys.service Result)" = success ]

# The sandbox let the real binary do its work and nothing tripped it.
run journalctl --no-pager -o cat -u btpair-keys.service \
	-u btpair-agent@hci0.service
expect_out "$B" "the journal has the units' output (the device the agent answered)"
expect_no_out "SIGSYS|code=killed, status=31|Operation not permitted|Permission denied" \
	"no SIGSYS, EPERM or permission error in the journal"
finish
