# root: systemd
# air: hc05 sdp
# kernel-args: rfkill.default_state=0
# timeout: 360
# The Pi of 48 with its radio soft-blocked at boot (rfkill.default_state=0:
# every radio registers blocked, as an image whose rfkill state was saved
# blocked, or whose country is not set yet, boots). Nothing is typed on the
# Pi: btpair lifts the block and says so in the journal, and within 30 s of
# both ends being up /dev/rfcomm0 exists and a line crosses it; afterwards
# bluetoothd runs and says the HC-05 is paired.
image() {
	image_readme_pi channel=1
}
. tests/vm/lib.sh

check "systemd is PID 1" [ "$(cat /proc/1/comm)" = systemd ]
check "radios register soft-blocked in this boot (rfkill default_state $(cat /sys/module/rfkill/parameters/default_state))" \
	[ "$(cat /sys/module/rfkill/parameters/default_state)" = 0 ]
ready=$(air_ready_at 300)
check "the device came on and the Pi's hci0 appeared" [ -n "$ready" ]
[ -n "$ready" ] || ready=$(date +%s)
air_expect_serial "$ready" /dev/rfcomm0 unblocked
soft=$(cat /sys/class/bluetooth/hci0/rfkill*/soft 2>/dev/null)
check "hci0's radio is no longer soft-blocked (soft=$soft)" [ "$soft" = 0 ]
run journalctl -b --no-pager -o cat -u btpair-keys.service -u btpair-serial.service
# Its wording is btpair's: that it unblocked the radio or lifted the block,
# done, not only that the radio is blocked or that lifting it failed.
expect_out "[Uu]nblocked|[Ll]ifted" \
	"btpair's units say in the journal that the block was lifted"
air_expect_bluetoothd_paired "$AIR_DEVICE"
air_journal
finish
