#!/bin/bash
# tests/deps.sh against a broken archive and a package nobody has (run as
# root, with Debian's archive reachable):
# - an extra apt source whose index cannot be fetched (its Packages file
#   does not match its Release, as a mirror caught mid-sync serves it) makes
#   apt-get update fail; deps.sh warns naming that index, still installs a
#   package from Debian's archive, and exits 0;
# - a package no archive has fails, naming the package.
# The package it installs (Debian's small `hello`) is removed again, so the
# next run installs it afresh.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
record() { # ok|fail DESCRIPTION [OUTPUT]
	if [ "$1" = ok ]; then
		passed=$((passed + 1))
		echo "  ok   $2"
	else
		failed=$((failed + 1))
		echo "  FAIL $2"
		[ -n "${3:-}" ] && sed 's/^/       | /' <<<"$3"
	fi
}

if [ "$(id -u)" -ne 0 ]; then
	echo "tests/deps-check.sh: must run as root (it installs a package)" >&2
	echo "deps: 0 passed, 1 failed"
	exit 1
fi

tmp=$(mktemp -d)
cleanup() {
	rm -rf "$tmp"
	dpkg-query -W -f='${Status}' hello 2>/dev/null | grep -q 'ok installed' &&
		apt-get purge -y -q hello >/dev/null 2>&1
}
trap cleanup EXIT

# A file: archive whose Release promises a Packages file of another size and
# hash than the one it holds.
repo=$tmp/repo
mkdir -p "$repo"
printf 'Package: btpair-broken-index\nVersion: 1\nArchitecture: all\n' \
	>"$repo/Packages"
{
	echo "Origin: btpair-test"
	echo "Suite: ./"
	echo "Date: $(date -Ru)"
	echo "SHA256:"
	echo " $(printf '0%.0s' $(seq 64)) 12345 Packages"
} >"$repo/Release"
mkdir -p "$tmp/sources.list.d"
cp /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list \
	"$tmp/sources.list.d/" 2>/dev/null
echo "deb [trusted=yes] file:$repo ./" >"$tmp/sources.list.d/broken.list"
cat >"$tmp/apt.conf" <<EOF
Dir::Etc::sourceparts "$tmp/sources.list.d";
EOF
[ -f /etc/apt/sources.list ] &&
	echo "Dir::Etc::sourcelist \"/etc/apt/sources.list\";" >>"$tmp/apt.conf"

apt-get purge -y -q hello >/dev/null 2>&1
out=$(APT_CONFIG=$tmp/apt.conf tests/deps.sh --only hello 2>&1)
rc=$?
if [ "$rc" -eq 0 ]; then
	record ok "with a broken index, deps.sh installs and exits 0"
else
	record fail "with a broken index, deps.sh exits $rc" "$out"
fi
if grep -q "warning: apt-get update could not fetch" <<<"$out" &&
	grep -q "file:$repo" <<<"$out"; then
	record ok "it warns, naming the index that failed"
else
	record fail "no warning naming file:$repo" "$out"
fi
if dpkg-query -W -f='${Status}' hello 2>/dev/null | grep -q 'ok installed'; then
	record ok "the package is installed"
else
	record fail "hello is not installed" "$out"
fi

out=$(tests/deps.sh --only btpair-no-such-package 2>&1)
rc=$?
if [ "$rc" -ne 0 ]; then
	record ok "a package nobody has fails (exit $rc)"
else
	record fail "a package nobody has: exit 0" "$out"
fi
if grep -q "no package btpair-no-such-package" <<<"$out"; then
	record ok "the error names the package"
else
	record fail "the error does not name the package" "$out"
fi

echo "deps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
