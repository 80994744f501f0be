#!/bin/bash
# Build btpair and its unit tests for the Raspberry Pi targets with Debian's
# cross compilers, check with file(1) that each binary is for that machine,
# then run the Check suites and the command-line contract tests under
# qemu-user. The target's libcheck and libc come from Debian's multiarch
# packages (check:arm64, check:armhf), which tests/deps.sh installs.
set -uo pipefail
cd "$(dirname "$0")/.."

MAKE=${MAKE:-make}
# triplet, qemu-user binary, what file(1) must say about every binary
targets=(
	"aarch64-linux-gnu qemu-aarch64 ELF 64-bit LSB .*ARM aarch64.*interpreter /lib/ld-linux-aarch64\.so\.1"
	"arm-linux-gnueabihf qemu-arm ELF 32-bit LSB .*ARM, EABI5.*interpreter /lib/ld-linux-armhf\.so\.3"
)
suites=$(sed -n 's/^TESTS [:+]= //p' Makefile | tr '\n' ' ')
passed=0
failed=0

record() { # ok|fail DESCRIPTION
	if [ "$1" = ok ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $2" >&2
	fi
}

for t in "${targets[@]}"; do
	read -r triplet qemu arch <<<"$t"
	build=build-$triplet
	for tool in "${triplet}-gcc" "$qemu" file; do
		if ! command -v "$tool" >/dev/null; then
			record fail "$tool is not installed (run tests/deps.sh)"
			continue 2
		fi
	done
	bins=("$build/btpair")
	for s in $suites; do
		bins+=("$build/tests/check_$s")
	done
	if ! "$MAKE" -s CROSS_COMPILE="$triplet-" BUILD="$build" "${bins[@]}"; then
		record fail "$triplet: build"
		continue
	fi
	record ok "$triplet: build"
	for b in "${bins[@]}"; do
		if file -b "$b" | grep -Eq -- "$arch"; then
			record ok "$b is $triplet"
		else
			record fail "$b is not $triplet: $(file -b "$b")"
		fi
	done
	for s in $suites; do
		if out=$("$qemu" "$build/tests/check_$s" 2>&1); then
			record ok "$triplet: check_$s"
		else
			record fail "$triplet: check_$s under $qemu"
			sed 's/^/    /' <<<"$out" >&2
		fi
	done
	# The contract tests call $BTPAIR as a program: a wrapper runs the
	# target's binary through qemu.
	wrapper=$build/btpair-qemu
	printf '#!/bin/sh\nexec %s %s "$@"\n' "$qemu" "$PWD/$build/btpair" \
		>"$wrapper"
	chmod +x "$wrapper"
	if out=$(BTPAIR=$wrapper tests/cli.sh 2>&1); then
		record ok "$triplet: tests/cli.sh ($(tail -n1 <<<"$out"))"
	else
		record fail "$triplet: tests/cli.sh under $qemu"
		sed 's/^/    /' <<<"$out" >&2
	fi
	"$qemu" "$build/btpair" --version | sed "s/^/$triplet: /"
done

echo "cross: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
