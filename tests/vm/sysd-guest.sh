#!/bin/bash
# The scenario's service in a guest booted with systemd as PID 1 (a scenario
# whose header says "# root: systemd"; tests/vm/init): start btvirt with the
# controllers asked for, run the scenario from the checkout, print the result
# line the host reads and power off.
#   sysd-guest.sh CHECKOUT SCENARIO CONTROLLERS [ARGSFILE]
# ARGSFILE (run.sh's, NUL-separated) holds the scenario's arguments.
# BOOT, BOOTS and, in a two-guest run, AIR_DIR come from the unit
# (tests/vm/init) and pass on to the scenario (tests/vm/lib.sh).
set -uo pipefail

checkout=$1 scenario=$2 controllers=$3 argsfile=${4:-}
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TMPDIR=/tmp BTVIRT_COUNT=$controllers
cd "$checkout" || exit 100

# Unlike guest.sh, the controllers are not made here: the scenario starts
# btvirt itself (tests/vm/lib.sh start_btvirt), after the units it tests are
# in place, so that hci0 appears to a booted systemd as it does on a Pi; in a
# two-guest run hciuart.service attaches the Pi's controller at boot.
args=()
if [ -n "$argsfile" ]; then
	mapfile -d '' -t args <"$argsfile" || exit 100
fi
bash "$scenario" ${args[@]+"${args[@]}"}
rc=$?
printf '\nBTPAIR-VM-RESULT: %s\n' "$rc"
sync
systemctl poweroff --force --force
