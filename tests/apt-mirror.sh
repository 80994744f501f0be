#!/bin/bash
# Print the Debian archive this machine's apt takes its packages from: the
# first http(s) URI ending in /debian in its sources (deb822 .sources files,
# then one-line sources.list entries). What the tests build from Debian
# (tests/vm/sysroot.sh, tests/fresh-machine.sh) then comes from where the
# machine's own packages come, and the tree names no archive host. Exits 1,
# saying why, when apt names none.
#   tests/apt-mirror.sh
set -uo pipefail

uri='\(https\?://[^ ]*/debian\)/\?'
m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
	sed -n "s|^URIs: *$uri\( .*\)\?\$|\1|p" | head -n1)
[ -n "$m" ] || m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
	sed -n "s|^deb  *\(\[[^]]*\]  *\)\?$uri  *.*|\2|p" | head -n1)
if [ -z "$m" ]; then
	echo "tests/apt-mirror.sh: apt's sources (/etc/apt/sources.list.d/*.sources," \
		"/etc/apt/sources.list) name no Debian archive (an http URI ending in" \
		"/debian): add the machine's mirror there" >&2
	exit 1
fi
echo "$m"
