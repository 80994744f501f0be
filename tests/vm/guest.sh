#!/bin/bash
# Inside the guest, chrooted into the host's tree: start btvirt with the
# controllers the scenario asks for, then run the scenario from the checkout.
#   guest.sh CHECKOUT SCENARIO CONTROLLERS [ARGS-FILE]
# ARGS-FILE holds the scenario's arguments, NUL-separated: the kernel command
# line that carries the other parameters cannot hold arbitrary words.
set -uo pipefail

checkout=$1 scenario=$2 controllers=$3 argsfile=${4:-}
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export HOME=/root TMPDIR=/tmp
# Scenarios that size their work by the controllers they have read this.
export BTVIRT_COUNT=$controllers
cd "$checkout" || exit 100
# The guest's /dev is a bare devtmpfs: give it what udev would, so that a
# scenario's (and tests/vm/json-hook/btpair's) <(...) and >(...) work.
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd

args=()
if [ -n "$argsfile" ]; then
	mapfile -d '' -t args <"$argsfile" || exit 100
fi

btvirt -l"$controllers" >/tmp/btvirt.log 2>&1 &
last=$((controllers - 1))
for _ in $(seq 100); do
	[ -e "/sys/class/bluetooth/hci$last" ] && break
	sleep 0.1
done
if [ ! -e "/sys/class/bluetooth/hci$last" ]; then
	echo "guest: btvirt did not create $controllers controllers" >&2
	cat /tmp/btvirt.log >&2
	exit 101
fi
# The controllers need a moment after they appear before mgmt commands.
sleep 1

bash "$scenario" "${args[@]}"
