# root: systemd
# air: hc05
# kernel-oops: 6.1
# timeout: 360
# The Pi of 48 with Raspberry Pi OS's bthelper at work: about 5 s after hci0
# appears, a unit resets the controller (HCI Reset) and power-cycles it
# through the management interface, while btpair's units may be busy with
# it. This HC-05 publishes no SDP record and serial.conf names no channel
# (auto: SDP, else channel 1). Nothing is typed on the Pi: within 30 s of
# both ends being up /dev/rfcomm0 exists and a line crosses it; afterwards
# bluetoothd runs and says the HC-05 is paired. (On 6.1 the power cycle
# can catch btpair's SDP socket being closed, and that close oopses the
# kernel in hci_chan_del: tests/vm/KERNELS.md.)
image() {
	image_readme_pi
	# As the Pi's bthelper@.service, which its udev rule starts for each
	# controller that appears.
	cat >/etc/systemd/system/pi-bthelper.service <<'UNIT'
[Unit]
Description=Reset and power-cycle hci0 after it appears (as the Pi's bthelper)
BindsTo=sys-subsystem-bluetooth-devices-hci0.device
After=sys-subsystem-bluetooth-devices-hci0.device

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sleep 5
ExecStart=/bin/echo bthelper: HCI Reset of hci0
ExecStart=-/bin/hciconfig hci0 reset
ExecStart=/bin/echo bthelper: hci0 power off
ExecStart=-/usr/bin/btmgmt --index 0 power off
ExecStart=/bin/echo bthelper: hci0 power on
ExecStart=-/usr/bin/btmgmt --index 0 power on
ExecStart=/bin/echo bthelper: hci0 reset and power-cycled

[Install]
WantedBy=sys-subsystem-bluetooth-devices-hci0.device
UNIT
	systemctl enable pi-bthelper.service
}
. tests/vm/lib.sh

check "systemd is PID 1" [ "$(cat /proc/1/comm)" = systemd ]
ready=$(air_ready_at 300)
check "the device came on and the Pi's hci0 appeared" [ -n "$ready" ]
[ -n "$ready" ] || ready=$(date +%s)
air_expect_serial "$ready" /dev/rfcomm0 reset
run journalctl -b --no-pager -o cat -u pi-bthelper.service
expect_out "bthelper: hci0 reset and power-cycled" "the bthelper unit did its work"
air_expect_bluetoothd_paired "$AIR_DEVICE"
journalctl -b --no-pager -o short-monotonic -u pi-bthelper.service | sed 's/^/       | /'
air_journal
finish
