#!/bin/bash
# Build the Debian package with dpkg-buildpackage -us -uc -b, in a copy of
# the tree under $BUILD/deb: dpkg-buildpackage writes its results into the
# parent directory and its work files into debian/, and neither belongs in
# the checkout. Prints the path of the .deb.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD:-build}
version=$(sed -n 's/^VERSION := //p' Makefile)
changelog=$(dpkg-parsechangelog -S Version)
if [ "$version" != "$changelog" ]; then
	echo "tests/deb.sh: Makefile says $version, debian/changelog" \
		"$changelog: add a changelog entry" >&2
	exit 1
fi
out=$build/deb
src=$out/btpair-$version
rm -rf "$out"
mkdir -p "$src"

# The files of the project: tracked or new, never ignored build output.
if git rev-parse --git-dir >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			[ -f "$f" ] && printf '%s\0' "$f"
		done | tar --null -T - -cf - | tar -xf - -C "$src"
else
	# No git (a copy of the tree, or a machine without it): the same as
	# what .gitignore keeps out, the VM suite's caches and logs among them.
	tar --exclude='./build*' --exclude=./.git \
		--exclude=./tests/vm/.cache --exclude=./tests/vm/.out \
		-cf - . | tar -xf - -C "$src"
fi

# A clean build: nothing of a calling make's jobs or variables.
unset MAKEFLAGS MFLAGS MAKELEVEL
log=$out/build.log
if ! (cd "$src" && dpkg-buildpackage -us -uc -b) >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	echo "tests/deb.sh: dpkg-buildpackage failed (log: $log)" >&2
	exit 1
fi
deb=$out/btpair_${version}_$(dpkg --print-architecture).deb
if [ ! -f "$deb" ]; then
	echo "tests/deb.sh: dpkg-buildpackage made no $deb" >&2
	exit 1
fi
echo "$deb"
