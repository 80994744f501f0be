# root: systemd
# air: hc05 sdp off=120
# kernel-oops: 6.1
# timeout: 420
# weight: 1
# The Pi of 48, first boot, but the HC-05 is switched on only 120 s after
# the Pi starts (its module powered later): btpair-serial.service meets an
# absent device and must not give up. Nothing is typed on the Pi: within
# 30 s of the device's switch-on /dev/rfcomm0 exists and a line crosses it,
# and bluetoothd, held back until then, knows the device as paired.
# (On 6.1 a page to an absent device over RFCOMM may oops the kernel:
# tests/vm/KERNELS.md.) Its two guests wait most of the run, the device's
# until it is switched on: one core's share (tests/vm/run-all.sh).
image() {
	image_readme_pi channel=1
}
. tests/vm/lib.sh

check "systemd is PID 1" [ "$(cat /proc/1/comm)" = systemd ]
ready=$(air_ready_at 300)
check "the device came on and the Pi's hci0 appeared" [ -n "$ready" ]
[ -n "$ready" ] || ready=$(date +%s)
booted=$(($(date +%s) - $(cut -d. -f1 /proc/uptime)))
check "the device came on late: $((ready - booted)) s after the Pi's kernel started" \
	[ $((ready - booted)) -ge 100 ]
air_expect_serial "$ready" /dev/rfcomm0 late
# bluetoothd was held back until that first pairing was done, so it did not
# refuse it, and it knows the device as paired.
air_expect_bluetoothd_paired "$AIR_DEVICE"
run journalctl -b --no-pager -o cat -u btpair-serial-wait.service
expect_out "serial: waiting up to 180 s for 1 retry process \(hc05\)" \
	"btpair-serial-wait.service held bluetoothd back for hc05"
expect_out "serial: no retry process left after" "until the retry process was done"
serial_done=$(systemctl show -P ExecMainExitTimestampMonotonic btpair-serial-wait.service)
bluetoothd_start=$(systemctl show -P ExecMainStartTimestampMonotonic bluetooth.service)
check "bluetoothd started after the wait ($serial_done < $bluetoothd_start)" \
	[ "${serial_done:-0}" -gt 0 -a "${serial_done:-0}" -le "${bluetoothd_start:-0}" ]
air_journal
finish
