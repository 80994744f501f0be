# controllers: 2
# The kernel holds a key the key store lacks: a pairing nobody stored (a Just
# Works pairing that an RFCOMM open made while no agent ran, a key another
# tool loaded; here `pair --no-store`), which the next reboot loses. Every
# command that may pair, given a PIN, pairs again and stores the key, rather
# than reporting "already paired" over a pairing that will not last. `pair`
# with nothing to pair with keeps the kernel's pairing, exits 0, and says
# plainly that the key is not stored and what stores it. A wrong PIN on the
# second pairing fails as any wrong PIN does.
. tests/vm/lib.sh

hc05_device 1 hold
info=/var/lib/bluetooth/$A/$B/info
out="$WORK/out"

# The kernel paired with the device, the store has nothing: each step
# starts from this state.
unstored() { # STEP
	# Kept, not discarded: finish looks for sanitizer reports there.
	"$BTPAIR" -q unpair "$B" >>"$WORK/unpair.log" 2>&1
	rm -f "$info"
	expect_exit 0 "$1: pair --no-store leaves a key in the kernel only" \
		"$BTPAIR" -j pair "$B" --pin 1234 --no-store
	expect_out '"stored":false' "$1: and says it stored nothing"
	check "$1: nothing in the store" [ ! -e "$info" ]
	wait_disconnected 0 100
}

# stderr and stdout apart, with the exit status.
split() { # CMD...
	"$@" >"$out" 2>"$out.err" </dev/null
	RC=$?
	OUT="$(cat "$out")
$(sed 's/^/stderr: /' "$out.err")"
}

# pair with nothing to answer a request with: the kernel's pairing is kept.
unstored "pair, no PIN"
requests=$(pin_requests 1)
split "$BTPAIR" pair "$B"
check "pair, no PIN: exit 0 (got $RC)" [ "$RC" -eq 0 ]
expect_out "^paired $B \(already paired, not stored\)$" \
	"pair, no PIN: the result line says the key is not stored"
expect_out "^stderr: btpair: warning: pair $B: paired in the kernel \(hci0\), but its key is not in /var/lib/bluetooth, so the pairing ends at the next reboot; to pair again and store the key: btpair pair $B --pin PIN \(or --confirm\)$" \
	"pair, no PIN: stderr says why and the command that stores it"
split "$BTPAIR" -j pair "$B"
expect_out '^\{"event":"paired","index":0,"address":"'"$B"'","key_type":null,"stored":false,"already_paired":true\}$' \
	"pair -j, no PIN: stored false, already_paired true"
check "pair, no PIN: the device was not asked again" \
	[ "$(pin_requests 1)" -eq "$requests" ]
check "pair, no PIN: still nothing in the store" [ ! -e "$info" ]
# Still paired in the kernel: a second --no-store pairing is Already Paired.
split "$BTPAIR" -j pair "$B" --pin 1234 --no-store
expect_out '"already_paired":true' "pair, no PIN: the kernel's key was kept"

# pair --pin: paired again, and stored.
requests=$(pin_requests 1)
split "$BTPAIR" -j pair "$B" --pin 1234
check "pair --pin: exit 0 (got $RC)" [ "$RC" -eq 0 ]
expect_out '^\{"event":"paired","index":0,"address":"'"$B"'","key_type":"combination","stored":true,"already_paired":false\}$' \
	"pair --pin: paired afresh, the key stored"
expect_out "^stderr: btpair: warning: pair $B: hci0 holds a key for it that is not in /var/lib/bluetooth and would be lost at the next reboot; pairing again to store it$" \
	"pair --pin: stderr says why it pairs again"
check "pair --pin: the key is in the store" [ -f "$info" ]
check "pair --pin: the device was asked for its PIN again" \
	[ "$(pin_requests 1)" -eq $((requests + 1)) ]
# Stored now: another pair --pin does nothing.
requests=$(pin_requests 1)
split "$BTPAIR" pair "$B" --pin 1234
check "pair --pin, stored: exit 0 (got $RC)" [ "$RC" -eq 0 ]
expect_out "^paired $B \(already paired\)$" "pair --pin, stored: already paired"
expect_no_out "^stderr: " "pair --pin, stored: no warning"
check "pair --pin, stored: the device was not asked again" \
	[ "$(pin_requests 1)" -eq "$requests" ]

# bind --pin-file: paired again and stored, then the node carries a line
# with nobody asked for a PIN.
unstored "bind"
wait_disconnected 0 100
requests=$(pin_requests 1)
split "$BTPAIR" bind "$B" --channel 1 --dev 0 --pin-file <(printf '* 1234\n')
check "bind --pin-file: exit 0 (got $RC)" [ "$RC" -eq 0 ]
expect_out "^bound /dev/rfcomm0 to $B channel 1$" "bind --pin-file: bound"
check "bind --pin-file: the key is in the store" [ -f "$info" ]
check "bind --pin-file: paired through a real PIN request" \
	[ "$(pin_requests 1)" -eq $((requests + 1)) ]
check "/dev/rfcomm0 exists" wait_for_dev /dev/rfcomm0
run timeout 40 sh -c "exec 3<>/dev/rfcomm0 && stty -F /dev/rfcomm0 raw -echo &&
	echo bound >&3 && timeout 30 head -n 1 <&3"
expect_out "^ok: bound" "bind: a line each way through /dev/rfcomm0"
"$BTPAIR" -q release 0
wait_disconnected 0 200

# connect --pin: paired again and stored, and the line goes through.
unstored "connect"
sleep 1
split sh -c "echo connected | '$BTPAIR' connect '$B' --channel 1 --pin 1234 --timeout 30"
check "connect --pin: exit 0 (got $RC)" [ "$RC" -eq 0 ]
expect_out "^ok: connected$" "connect --pin: a line through and back"
check "connect --pin: the key is in the store" [ -f "$info" ]
wait_disconnected 0 200

# serial up with a PIN file: paired again, stored, bound.
unstored "serial up"
printf '1234\n' >"$WORK/pins"
chmod 600 "$WORK/pins"
printf 'hc05 %s channel=1 dev=2 pin-file=%s\n' "$B" "$WORK/pins" >"$WORK/serial.conf"
split "$BTPAIR" serial up --config "$WORK/serial.conf"
check "serial up: exit 0 (got $RC)" [ "$RC" -eq 0 ]
expect_out "^serial hc05 up /dev/rfcomm2 $B channel 1 \(paired\)$" \
	"serial up: paired (again) and bound"
check "serial up: the key is in the store" [ -f "$info" ]
"$BTPAIR" -q serial down --config "$WORK/serial.conf"

# A wrong PIN on the second pairing: authentication failed, nothing stored.
unstored "wrong PIN"
split "$BTPAIR" pair "$B" --pin 9999
check "pair --pin 9999: exit 6 (got $RC)" [ "$RC" -eq 6 ]
expect_out "^stderr: btpair: pair $B: authentication failed \(wrong PIN\?\)" \
	"pair --pin 9999: says wrong PIN"
check "pair --pin 9999: nothing in the store" [ ! -e "$info" ]
finish
