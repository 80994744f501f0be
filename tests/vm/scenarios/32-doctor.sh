# controllers: 2
# btpair doctor on the real kernel: every check passes on a healthy stack;
# then each broken state is set up for real, doctor names it, doctor --fix
# mends it where that is safe, and a second doctor is clean: a controller
# soft-blocked by rfkill, powered off, not bondable, a corrupt key file, a
# key file and a PIN file with the wrong mode, a PIN file that does not
# parse. (bluetoothd and a reboot: 30-doctor-reboot; a pairing left pending
# and doctor without privilege: 31-doctor-pending.)
. tests/vm/lib.sh

# systemd mounts debugfs, where the kernel shows its key list; so does this.
mount -t debugfs none /sys/kernel/debug 2>/dev/null
# The guest's key store is a fresh tmpfs (mode 1777); bluetoothd's is 0700.
chmod 700 /var/lib/bluetooth
KS=/var/lib/bluetooth

# The agent unit's settings, as the package installs them but in $WORK.
printf '%s 1234\n' "$B" >"$WORK/pins"
chmod 600 "$WORK/pins"
cat >"$WORK/agent.conf" <<CONF
PIN_FILE=$WORK/pins
ALLOW=--allow $B
AGENT_OPTIONS=
CONF
DOC=("$BTPAIR" doctor --agent-conf "$WORK/agent.conf")

# clean DESCRIPTION [ARGS...]: doctor exits 0 and every line is ok.
clean() {
	local desc=$1
	shift
	expect_exit 0 "$desc: doctor is clean" "${DOC[@]}" "$@"
	expect_out '^ok +hci0 powered: ' "$desc: doctor ran its checks"
	expect_no_out '^(warn|fail|fixed) ' "$desc: every check ok"
}

# hci1 plays an HC-05: legacy PIN 1234, a Serial Port record on channel 1.
hc05_like 1
"$BTPAIR" -q setup --ssp off
background "$WORK/sdp.log" python3 tests/vm/sdp_server.py "$B" 1
check "the device's SDP server is up" wait_for "$WORK/sdp.log" "sdp ready" 100
background "$WORK/agent1.log" "$BTPAIR" -i hci1 agent --allow "$A" \
	--pin 1234 --once --timeout 60
check "the device's agent is up" wait_for "$WORK/agent1.log" "serving hci1" 50
expect_exit 0 "pair the device" "$BTPAIR" pair "$B" --pin 1234
check "the device's side stored its key too" \
	wait_for "$WORK/agent1.log" "stored|paired" 50
wait "${_bg_pids[1]}" 2>/dev/null

# ---- A healthy stack: every check passes ---------------------------------
expect_exit 0 "healthy: doctor ADDR" "${DOC[@]}" "$B"
for c in bluetooth mgmt rfcomm controllers "hci0 controller" "hci0 rfkill" \
	"hci0 powered" "hci0 connectable" "hci0 bondable" "hci0 ssp" \
	"hci0 io-capability" "hci0 pairing" "hci1 powered" sockets bluetoothd \
	keystore "hci0 keys-loaded" "hci1 keys-loaded" agent-conf pin-file \
	"hci0 stored-key" "hci0 connection" "hci0 page" "hci0 sdp"; do
	expect_out "^ok +$c: " "healthy: $c ok"
done
expect_no_out '^(warn|fail|fixed) ' "healthy: nothing but ok"
expect_out "^ok +hci0 rfkill: not blocked \(rfkill[0-9]+\)" \
	"the controller's rfkill switch was found"
expect_out "^ok +mgmt: management interface version 1\.[0-9]+" \
	"the mgmt version is read"
expect_out "^ok +hci0 keys-loaded: the kernel has all 1 stored key" \
	"the stored key is in the kernel's list"
expect_out "^ok +hci0 sdp: $B: Serial Port on RFCOMM channel 1" \
	"the Serial Port channel is found"
expect_out "^ok +hci0 stored-key: $B: combination key, PIN length [0-9]+, in $KS" \
	"the stored key is named, never shown"

# The same as JSON: one check event per line, each with the same keys.
expect_exit 0 "healthy: doctor --json" "$BTPAIR" --json doctor \
	--agent-conf "$WORK/agent.conf" "$B"
check "every line is a check event with the documented keys" python3 -c '
import json, sys
keys = {"event", "index", "check", "result", "message", "fix"}
lines = sys.argv[1].splitlines()
assert len(lines) >= 20, len(lines)
for line in lines:
    e = json.loads(line)
    assert set(e) == keys, e
    assert e["event"] == "check" and e["result"] == "ok", e
    assert e["fix"] is None, e
    assert e["index"] is None or isinstance(e["index"], int), e
' "$OUT"
expect_exit 0 "healthy: doctor -q" "$BTPAIR" -q doctor \
	--agent-conf "$WORK/agent.conf"
check "-q: no output at all" [ -z "$OUT" ]

# ---- another program on the management socket ------------------------------
# Seen through the monitor channel, by the name the kernel keeps for it.
responder 1 --pin 1234
expect_exit 0 "another mgmt client: a warning (exit 0)" "${DOC[@]}"
expect_out "^warn +sockets: also on the management socket: responder; every program there receives pairing requests, and the first answer wins; next: stop it while pairing" \
	"doctor names it"
kill "${_bg_pids[-1]}"
wait "${_bg_pids[-1]}" 2>/dev/null
background "$WORK/agent0.log" "$BTPAIR" -i hci1 agent --allow "$A" --pin 1234
check "a btpair agent" wait_for "$WORK/agent0.log" "serving hci1" 50
expect_exit 0 "a btpair agent is no warning" "${DOC[@]}"
expect_out "^ok +sockets: on the management socket besides doctor: btpair$" \
	"doctor names btpair"
kill "${_bg_pids[-1]}"
wait "${_bg_pids[-1]}" 2>/dev/null
clean "with only doctor on the socket"

# ---- rfkill: the controller soft-blocked ---------------------------------
check "the guest has rfkill: /dev/rfkill" [ -c /dev/rfkill ]
rf=$(basename /sys/class/bluetooth/hci0/rfkill*)
check "hci0 has an rfkill switch ($rf)" [ -e "/sys/class/rfkill/$rf/soft" ]
echo 1 >"/sys/class/rfkill/$rf/soft"
expect_exit 3 "soft-blocked: doctor fails, exit 3" "${DOC[@]}"
expect_out "^fail +hci0 rfkill: soft-blocked \($rf\).*; next: btpair doctor --fix, or rfkill unblock ${rf#rfkill}" \
	"doctor names the soft block and the next step"
expect_out "^fail +hci0 powered: off" "and the power it took"
expect_exit 0 "soft-blocked: doctor --fix" "${DOC[@]}" --fix
expect_out "^fixed +hci0 rfkill: was soft-blocked \($rf\): unblocked" \
	"--fix unblocked it"
expect_out "^fixed +hci0 powered: was off: switched on" "and powered it"
check "the switch is no longer blocked" \
	grep -qx 0 "/sys/class/rfkill/$rf/soft"
clean "after the rfkill fix"

# ---- powered off -----------------------------------------------------------
"$BTPAIR" -q power off
expect_exit 3 "powered off: doctor fails, exit 3" "${DOC[@]}"
expect_out "^fail +hci0 powered: off: nothing can pair or connect through it; next: btpair doctor --fix, or btpair -i hci0 power on" \
	"doctor names it"
expect_exit 0 "powered off: doctor --fix" "${DOC[@]}" --fix
expect_out "^fixed +hci0 powered: was off: switched on" "--fix powered it"
clean "after powering"

# ---- not bondable ------------------------------------------------------------
btmgmt --index 0 bondable off >/dev/null
expect_exit 1 "not bondable: doctor fails, exit 1" "${DOC[@]}"
expect_out "^fail +hci0 bondable: off: .*; next: btpair doctor --fix" \
	"doctor names it"
expect_exit 0 "not bondable: doctor --fix" "${DOC[@]}" --fix
expect_out "^fixed +hci0 bondable: was off: switched on" "--fix set it"
check "the kernel says bondable" sh -c \
	"'$BTPAIR' -i hci0 list | grep -q bondable"
clean "after bondable"

# ---- a corrupt key file --------------------------------------------------------
bad=$KS/$A/00:AA:01:09:09:09
mkdir -m 700 "$bad"
printf '[LinkKey]\nKey=not-a-key\nType=0\n' >"$bad/info"
chmod 600 "$bad/info"
expect_exit 0 "a corrupt key file is a warning (exit 0)" "${DOC[@]}"
expect_out "^warn +keystore: $bad/info cannot be used \(.*\): its device counts as not paired; next: move it aside \(mv $bad/info $bad/info.bad\)" \
	"doctor names the file and the next step"
expect_exit 0 "doctor --fix" "${DOC[@]}" --fix
expect_out "^warn +keystore: $bad/info cannot be used" \
	"--fix leaves it (a key file is never rewritten away)"
check "the file is still there" [ -f "$bad/info" ]
mv "$bad/info" "$bad/info.bad"
clean "after moving it aside"
rm -rf "$bad"

# ---- key store modes -----------------------------------------------------------
chmod 644 "$KS/$A/$B/info"
expect_exit 0 "a key file readable by others: doctor" "${DOC[@]}"
expect_out "^warn +keystore: $KS/$A/$B/info is mode 0644" "doctor names it"
expect_exit 0 "doctor --fix" "${DOC[@]}" --fix
expect_out "^fixed +keystore: $KS/$A/$B/info was mode 0644: now 0600" \
	"--fix restores 0600"
clean "after the key file's mode"

# ---- the agent's PIN file ----------------------------------------------------
chmod 644 "$WORK/pins"
expect_exit 0 "a PIN file readable by others: doctor" "${DOC[@]}"
expect_out "^warn +pin-file: $WORK/pins is mode 0644: others can read the PINs; next: btpair doctor --fix, or chmod 600 $WORK/pins" \
	"doctor names it"
expect_exit 0 "doctor --fix" "${DOC[@]}" --fix
expect_out "^fixed +pin-file: $WORK/pins was mode 0644: now 0600" \
	"--fix made it 0600"
check "the mode is 0600" [ "$(stat -c %a "$WORK/pins")" = 600 ]
clean "after the PIN file's mode"
cp "$WORK/pins" "$WORK/pins.good"
printf '%s 1234\nthis line has three fields\n' "$B" >"$WORK/pins"
expect_exit 1 "a PIN file that does not parse: doctor fails" "${DOC[@]}"
expect_out "^fail +pin-file: $WORK/pins line 2 does not parse" \
	"doctor names file and line"
expect_no_out "1234" "and never shows a PIN"
cp "$WORK/pins.good" "$WORK/pins"
clean "after the PIN file is mended"
finish
