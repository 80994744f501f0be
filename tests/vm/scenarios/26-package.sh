# controllers: 2
# The Debian package against the real kernel: unpacked into a fresh tree,
# its binary lists and pairs, its completion offers the kernel's
# controllers, and the ExecStart lines of its units, read out of the
# installed unit files and expanded from the installed environment file as
# systemd would, load keys and answer a pairing, with no capability but the
# units' CapabilityBoundingSet.
. tests/vm/lib.sh

deb=$(ls build/deb/btpair_*.deb 2>/dev/null | head -n1)
if [ -z "$deb" ]; then
	_record fail "no build/deb/btpair_*.deb: run make deb first"
	finish
	exit
fi
root=$WORK/root
check "dpkg -x unpacks the package into a fresh tree" dpkg -x "$deb" "$root"
bin=$root/usr/bin/btpair
units=$root/lib/systemd/system
version=$(dpkg-deb -f "$deb" Version)

run "$bin" --version
expect_out "^btpair $version$" "the installed binary runs: btpair $version"
expect_exit 0 "the installed binary lists the kernel's controllers" "$bin" list
expect_out "$A" "hci0 listed"
expect_out "$B" "hci1 listed"

# The installed completion, on the kernel's own /sys/class/bluetooth.
OUT=$(bash -c '. /usr/share/bash-completion/bash_completion
	. "$1"
	COMP_WORDS=(btpair -i "") COMP_CWORD=2
	COMP_LINE="btpair -i " COMP_POINT=10
	_btpair
	echo "${COMPREPLY[*]}"' _ "$root/usr/share/bash-completion/completions/btpair" 2>&1)
expect_out "^hci0 hci1$" "completion of -i offers hci0 and hci1"

# unit_value UNIT KEY: the value of KEY= in an installed unit.
unit_value() {
	sed -n "s/^$2=//p" "$units/$1" | head -n1
}

# unit_command UNIT INSTANCE [N]: the unit's Nth ExecStart (default the
# first) as words, one per line, expanded as systemd does: %i is the
# instance, ${NAME} one word, $NAME split at blanks (none when empty), from
# the unit's EnvironmentFile (read from the fresh tree). Absolute paths of
# the package point into the tree.
unit_command() {
	local unit=$1 instance=$2 nth=${3:-1} env_file word name value
	local -A env=()
	env_file=$(unit_value "$unit" EnvironmentFile)
	env_file=${env_file#-}
	if [ -n "$env_file" ]; then
		while IFS= read -r line; do
			[[ $line =~ ^[[:space:]]*(#|$) ]] && continue
			[[ $line =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || return 1
			value=${BASH_REMATCH[2]}
			value=${value#\"}
			env[${BASH_REMATCH[1]}]=${value%\"}
		done <"$root$env_file"
	fi
	for word in $(sed -n 's/^ExecStart=//p' "$units/$unit" |
		sed -n "${nth}p"); do
		word=${word//%i/$instance}
		if [[ $word =~ ^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$ ]]; then
			printf '%s\n' "${env[${BASH_REMATCH[1]}]-}"
		elif [[ $word =~ ^\$([A-Za-z_][A-Za-z0-9_]*)$ ]]; then
			name=${BASH_REMATCH[1]}
			for value in ${env[$name]-}; do
				printf '%s\n' "$value"
			done
		elif [[ $word == /usr/* ]]; then
			printf '%s\n' "$root$word"
		else
			printf '%s\n' "$word"
		fi
	done
}

# as_unit UNIT CMD...: run CMD with the unit's capability bounding set, no
# new privileges and its umask, as systemd would start it.
as_unit() {
	local unit=$1 caps
	shift
	caps=$(unit_value "$unit" CapabilityBoundingSet | tr 'A-Z ' 'a-z\n' |
		sed -n 's/^cap_\(.*\)/+\1/p' | paste -sd,)
	(umask "$(unit_value "$unit" UMask)" &&
		exec setpriv --no-new-privs --bounding-set "-all,$caps" \
			--inh-caps -all -- "$@")
}

# The agent unit, instance hci1, configured as the README says.
conf=$root$(unit_value btpair-agent@.service EnvironmentFile)
check "the unit's EnvironmentFile is in the package" [ -f "$conf" ]
printf '%s 1234\n' "$A" >"$WORK/pins"
chmod 600 "$WORK/pins"
sed -i -e "s|^PIN_FILE=.*|PIN_FILE=$WORK/pins|" \
	-e "s|^ALLOW=.*|ALLOW=--allow $A|" \
	-e "s|^AGENT_OPTIONS=.*|AGENT_OPTIONS=--once --timeout 60|" "$conf"
mapfile -t agent_cmd <<<"$(unit_command btpair-agent@.service hci1)"
OUT=$(printf '%s\n' "${agent_cmd[@]}")
check "ExecStart expanded to the installed binary" [ "${agent_cmd[0]}" = "$bin" ]
expect_out "^-i$" "ExecStart: -i"
expect_out "^hci1$" "ExecStart: %i is the instance"
expect_out "^--pin-file$" "ExecStart: --pin-file"
expect_out "^$WORK/pins$" "ExecStart: \${PIN_FILE} from the environment file"
expect_out "^--allow$" "ExecStart: \$ALLOW split into words"
expect_out "^--once$" "ExecStart: \$AGENT_OPTIONS split into words"
echo "  agent unit runs: ${agent_cmd[*]}"

hc05_like 1
"$bin" -q setup
background "$WORK/agent.log" as_unit btpair-agent@.service "${agent_cmd[@]}"
agent=$!
check "the unit's agent is serving hci1" wait_for "$WORK/agent.log" "serving hci1" 100
expect_exit 0 "the installed btpair pairs with the agent" \
	"$bin" pair "$B" --pin 1234
expect_out "^paired $B \(combination key, stored\)" "paired and stored"
wait "$agent"
check "the unit's agent exited 0 after --once" [ $? -eq 0 ]
OUT=$(cat "$WORK/agent.log")
expect_out "hci1 $A: answering PIN request" "agent log: it answered the PIN request"
expect_out "hci1 $A: paired \(combination key, stored\)" "agent log: paired and stored"
expect_no_out "1234" "agent log: no PIN"
check "the agent stored its key, 0600, with only the unit's capabilities" \
	[ "$(stat -c %a "/var/lib/bluetooth/$B/$A/info" 2>/dev/null)" = 600 ]

# The README's Pi story: a PyBluez-style program on the Pi (hci0) connects
# to an HC-05 (hci1) it has never paired with; the HC-05 demands an
# authenticated link, the kernel asks the Pi for a PIN, and the unit's agent
# (instance hci0) answers it, so the connect just works.
"$bin" -q unpair "$B"
"$bin" -q -i hci1 unpair "$A"
responder 1 --pin 1234
background "$WORK/hc05-serial.log" /usr/bin/python3 tests/vm/rfcomm_line.py \
	serve "$B" 1
wait_for "$WORK/hc05-serial.log" listening 100
printf '%s 1234\n' "$B" >"$WORK/pins"
sed -i -e "s|^ALLOW=.*|ALLOW=--allow $B|" "$conf"
mapfile -t agent_cmd <<<"$(unit_command btpair-agent@.service hci0)"
echo "  agent unit runs: ${agent_cmd[*]}"
background "$WORK/agent-pi.log" as_unit btpair-agent@.service "${agent_cmd[@]}"
agent=$!
check "the unit's agent is serving hci0" \
	wait_for "$WORK/agent-pi.log" "serving hci0" 100
run /usr/bin/python3 tests/vm/rfcomm_line.py send "$B" 1 "hello HC-05"
expect_out "^ok: hello HC-05$" "a Python socket connect to the unpaired HC-05 works"
wait "$agent"
check "the agent exited 0 after --once" [ $? -eq 0 ]
OUT=$(cat "$WORK/agent-pi.log")
expect_out "hci0 $B: answering PIN request" "agent log: it answered the Pi's PIN request"
expect_out "hci0 $B: paired \(combination key, stored\)" "agent log: paired and stored"
check "the Pi's key is in the store" [ -f "/var/lib/bluetooth/$A/$B/info" ]

# The keys unit's command, hci0 powered off as at boot: the stored key goes
# back into the kernel, then the controller is set up, in one command.
"$bin" -q -i hci0 power off
run "$bin" list
expect_out "^hci0 $A " "the installed btpair lists hci0"
expect_no_out "^hci0 .*powered" "hci0 is off"
check "the keys unit has one ExecStart line" \
	[ "$(grep -c '^ExecStart=' "$units/btpair-keys.service")" -eq 1 ]
mapfile -t keys_cmd <<<"$(unit_command btpair-keys.service "" 1)"
echo "  keys unit runs: ${keys_cmd[*]}"
run as_unit btpair-keys.service "${keys_cmd[@]}"
check "the keys unit's command exits 0" [ "$RC" -eq 0 ]
expect_out "^hci0 loaded 1 key$" "it loads hci0's stored key"
expect_out "^hci0 ready: .*powered" "then sets hci0 up"
run "$bin" list
expect_out "^hci0 .*powered" "hci0 is powered again"
# Negative control: the bounding set is really applied, and needed.
run setpriv --no-new-privs --bounding-set -all --inh-caps -all -- \
	"${keys_cmd[@]}"
check "with no capability at all the same command is refused (exit $RC, wanted 4)" \
	[ "$RC" -eq 4 ]
finish
