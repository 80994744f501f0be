# root: systemd
# air: hc05
# kernel-oops: 6.1
# timeout: 360
# The Pi of 48 with Raspberry Pi OS's bthelper at work: about 5 s after hci0
# appears, a unit resets the controller (HCI Reset) and power-cycles it
# through the management interface, while btpair's units may be busy with
# it. The HC-05 ends the link the reset cut, as a real one does by its
# supervision timeout (tests/vm/KERNELS.md says why at once here). This
# HC-05 publishes no SDP record and serial.conf names no channel
# (auto: SDP, else channel 1). Nothing is typed on the Pi: within 30 s of
# both ends being up again after the reset (the device free of any link
# the reset cut) /dev/rfcomm0 exists and a line crosses it; afterwards
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
# Said to the device guest, which must lose the link as an HC-05 does
# before the Pi pages it again (tests/vm/air-device.sh); it says when it
# has, within a second.
ExecStart=/bin/touch /mnt/air/pi-reset.1
ExecStart=/bin/sh -c 'i=0; while [ ! -e /mnt/air/pi-reset-seen.1 ] && [ $$i -lt 50 ]; do i=$$((i + 1)); sleep 0.1; done; [ -e /mnt/air/pi-reset-seen.1 ] || echo bthelper: the device did not say it lost the link'
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

# The Pi's HCI traffic, kept beside the run's logs (tests/vm/.out/KERNEL/
# 50-air-bthelper.air/pi-btmon.txt): how the reset met what was under way.
background "$AIR_DIR/pi-btmon.txt" btmon -T
check "systemd is PID 1" [ "$(cat /proc/1/comm)" = systemd ]
ready=$(air_ready_at 300)
check "the device came on and the Pi's hci0 appeared" [ -n "$ready" ]
[ -n "$ready" ] || ready=$(date +%s)
# The 30 s begin when both ends can take part again: the Pi's hci0 back
# from its power cycle, and the device free of any link the reset cut (a
# real HC-05 keeps it until its supervision timeout, answering no page).
end=$((SECONDS + 60))
until [ "$(systemctl is-active pi-bthelper.service)" = active ] || [ $SECONDS -ge $end ]; do
	sleep 0.5
done
run journalctl -b --no-pager -o cat -u pi-bthelper.service
expect_out "bthelper: hci0 reset and power-cycled" "the bthelper unit did its work"
silent=$(grep -c "the device did not say it lost the link" <<<"$OUT")
check "the device ended any link the reset cut before the power cycle" [ "$silent" = 0 ]
reset_at=$(journalctl -b --no-pager -o short-unix -u pi-bthelper.service |
	sed -n 's/^\([0-9]*\)\.[0-9]* .*bthelper: HCI Reset of hci0$/\1/p' | head -n1)
back_at=$(unit_entered pi-bthelper.service)
free_at=
[ -z "$reset_at" ] || free_at=$(air_free_after "$reset_at" 240)
when="reset at +$((${reset_at:-0} - ready)) s"
[ -z "$free_at" ] || when="$when, free at +$((free_at - ready)) s"
check "the device was free of links again after the reset ($when)" [ -n "$free_at" ]
for t in ${back_at:-} ${free_at:-}; do
	[ "$t" -le "$ready" ] || ready=$t
done
air_expect_serial "$ready" /dev/rfcomm0 reset
air_expect_bluetoothd_paired "$AIR_DEVICE"
journalctl -b --no-pager -o short-monotonic -u pi-bthelper.service | sed 's/^/       | /'
air_journal
finish
