#!/bin/bash
# The C style, applied or checked: every .c and .h of the tree (build
# trees, BUILD among them, and hidden directories aside) against
# .clang-format.
#
#   tests/format.sh           rewrite the files clang-format would change
#   tests/format.sh --check   list them and fail; change nothing
#
# CLANG_FORMAT names the program (default clang-format). The style is
# written for clang-format 14, Debian 12's: another version may lay out
# some lines differently.
set -euo pipefail
cd "$(dirname "$0")/.."

check=0
case ${1-} in
--check) check=1 ;;
"") ;;
*) echo "tests/format.sh: unknown argument $1" >&2; exit 2 ;;
esac

cf=${CLANG_FORMAT:-clang-format}
if ! version=$("$cf" --version 2>/dev/null); then
	echo "tests/format.sh: $cf not found (Debian: apt-get install clang-format)" >&2
	exit 1
fi
case $version in
*" version 14."*) ;;
*) echo "tests/format.sh: warning: the style is checked with clang-format 14; this is: $version" >&2 ;;
esac

# make deb copies the tree into $BUILD/deb.
build=./${BUILD:-build}
build=${build%/}
mapfile -t files < <(find . -mindepth 1 \
	\( -type d \( -name '.*' -o -name build -o -name 'build-*' \
		-o -path "$build" -o -path ./debian \) -prune \) -o \
	-type f \( -name '*.c' -o -name '*.h' \) -print | sed 's|^\./||' | sort)
if [ ${#files[@]} -eq 0 ]; then
	echo "tests/format.sh: no C files found" >&2
	exit 1
fi

if [ "$check" = 0 ]; then
	"$cf" -i --style=file "${files[@]}"
	exit 0
fi

bad=()
for f in "${files[@]}"; do
	"$cf" --style=file "$f" | cmp -s - "$f" || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
	echo "tests/format.sh: not formatted as .clang-format says:" >&2
	printf '  %s\n' "${bad[@]}" >&2
	echo "run 'make format' (clang-format -i) and review the diff" >&2
	exit 1
fi
echo "tests/format.sh: ${#files[@]} C files formatted"
