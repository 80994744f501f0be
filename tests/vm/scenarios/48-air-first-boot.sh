# root: systemd
# air: hc05 sdp
# timeout: 360
# A Pi and an HC-05, two machines on one air: the Pi as Raspberry Pi OS
# boots it (bluetoothd enabled, no agent, hci0 a UART controller attached by
# hciuart.service at boot), its SD card prepared as README's Raspberry Pi
# section says ("On a mounted image": the package, the PIN file, serial.conf
# with dev=0, pin-file and no channel, both units enabled), then booted for
# the first time. Nothing is typed on the Pi: within 30 s of both ends being
# up /dev/rfcomm0 exists and a line crosses it, and afterwards bluetoothd
# runs and says the HC-05 is paired.
image() {
	image_readme_pi
}
. tests/vm/lib.sh

check "systemd is PID 1" [ "$(cat /proc/1/comm)" = systemd ]
check "bluetoothd is enabled, as Raspberry Pi OS has it" \
	[ "$(systemctl is-enabled bluetooth.service)" = enabled ]
ready=$(air_ready_at 300)
check "the device came on and the Pi's hci0 appeared" [ -n "$ready" ]
[ -n "$ready" ] || ready=$(date +%s)
air_expect_serial "$ready" /dev/rfcomm0 first-boot
air_expect_bluetoothd_paired "$AIR_DEVICE"
# The pairing did not race bluetoothd: bluetoothd started only after serial
# up had returned.
serial_done=$(systemctl show -P ExecMainExitTimestampMonotonic btpair-serial.service)
bluetoothd_start=$(systemctl show -P ExecMainStartTimestampMonotonic bluetooth.service)
check "bluetoothd started after serial up ($serial_done <= $bluetoothd_start)" \
	[ "${serial_done:-0}" -gt 0 -a "${serial_done:-0}" -le "${bluetoothd_start:-0}" ]
run journalctl -b --no-pager -o cat -u btpair-serial.service
expect_out "serial hc05 up /dev/rfcomm0 $AIR_DEVICE" \
	"btpair-serial.service brought hc05 up on /dev/rfcomm0"
air_journal
finish
