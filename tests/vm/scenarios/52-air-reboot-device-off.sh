# root: systemd
# air: hc05 sdp off@2=wait
# boots: 2
# kernel-oops: 6.1
# timeout: 360
# The Pi of 48 booted twice on one SD card. Boot 1: paired through
# serial.conf (no channel named: SDP finds it), a line crosses. Boot 2: the
# HC-05 is off; /dev/rfcomm0 is there all the same, with no SDP query and
# no pairing (the key and the channel are known), and once the HC-05 is
# switched on a line crosses within 30 s. (On 6.1 a page to an absent device
# over RFCOMM may oops the kernel: tests/vm/KERNELS.md.)
image() {
	image_readme_pi
}
. tests/vm/lib.sh

key=/var/lib/bluetooth/$AIR_PI/$AIR_DEVICE/info
check "systemd is PID 1 (boot $BOOT of $BOOTS)" [ "$(cat /proc/1/comm)" = systemd ]
if [ "$BOOT" = 1 ]; then
	ready=$(air_ready_at 300)
	check "the device came on and the Pi's hci0 appeared" [ -n "$ready" ]
	[ -n "$ready" ] || ready=$(date +%s)
	air_expect_serial "$ready" /dev/rfcomm0 boot-one
	check "the key is stored on the SD card" [ -f "$key" ]
	# The device keeps its key across its own power cycle (an HC-05's
	# flash): make sure it has before this boot ends.
	check "the device kept the key" \
		wait_for "$AIR_DIR/device-keys/$AIR_DEVICE/$AIR_PI/info" LinkKey 200
	air_journal
else
	check "the key from boot 1 is on the SD card" [ -f "$key" ]
	# The device is off: the node comes from what the card remembers. A
	# serial unit that failed will make none.
	end=$((SECONDS + 90))
	while [ $SECONDS -lt $end ] && [ ! -e /dev/rfcomm0 ] &&
		[ "$(systemctl is-failed btpair-serial.service)" != failed ]; do
		sleep 0.5
	done
	check "/dev/rfcomm0 exists with the device off" [ -e /dev/rfcomm0 ]
	check "the device is still off" [ ! -e "$AIR_DIR/device-on.$BOOT" ]
	run journalctl -b --no-pager -o cat -u btpair-serial.service
	expect_out "serial hc05 (already )?up /dev/rfcomm0 $AIR_DEVICE" \
		"btpair-serial.service brought hc05 up on /dev/rfcomm0"
	expect_no_out "\(paired\)" "and paired nothing again"
	air_switch_on
	ready=$(air_ready_at 120)
	check "the device came on when switched on" [ -n "$ready" ]
	[ -n "$ready" ] || ready=$(date +%s)
	air_expect_serial "$ready" /dev/rfcomm0 boot-two
	air_journal
fi
finish
