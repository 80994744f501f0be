#!/bin/bash
# Inside the guest, chrooted into the host's tree: start btvirt with the
# controllers the scenario asks for, then run the scenario from the checkout.
checkout=$1 scenario=$2 controllers=$3
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export HOME=/root TMPDIR=/tmp
cd "$checkout" || exit 100

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

bash "$scenario"
