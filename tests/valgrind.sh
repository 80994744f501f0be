#!/bin/bash
# The unit suite under valgrind's memcheck: every Check binary given, then
# the command-line contract tests with btpair itself under valgrind. Any
# memcheck error (invalid read or write, uninitialised value, bad free) or
# definite leak fails that test; a closing tally says how many passed.
#   tests/valgrind.sh BTPAIR CHECK-BINARY...
# Check forks each test by default, and valgrind would then follow only the
# parent: CK_FORK=no runs the tests in the process valgrind watches.
set -u
cd "$(dirname "$0")/.."
btpair=$1
shift
if ! command -v valgrind >/dev/null; then
	echo "tests/valgrind.sh: valgrind missing: run tests/deps.sh" >&2
	echo "valgrind: 0 passed, 1 failed"
	exit 1
fi
logs=$(dirname "$btpair")/valgrind
rm -rf "$logs"
mkdir -p "$logs"
vg=(valgrind -q --error-exitcode=99 --leak-check=full
	--errors-for-leak-kinds=definite --show-leak-kinds=definite)
passed=0
failed=0

# btpair under valgrind for tests/cli.sh: each run's report in a file of its
# own, any error making it exit 99, which cli.sh then reports as a failure;
# and any report at all fails below, whatever cli.sh made of that run.
wrapper=$logs/btpair
cat >"$wrapper" <<WRAP
#!/bin/sh
exec ${vg[*]} --log-file=$PWD/$logs/btpair.%p.vg $PWD/$btpair "\$@"
WRAP
chmod +x "$wrapper"
# It runs beside the Check binaries below: each is one process on one core.
BTPAIR=$wrapper tests/cli.sh >"$logs/cli.log" 2>&1 &
cli_pid=$!

# A report in the log fails the test even when the code is 0: a child the
# test forks (check_cli, check_keystore) writes its report there, and its
# exit code 99 is the test's to judge, not valgrind's.
for t in "$@"; do
	log=$logs/$(basename "$t").log
	if CK_FORK=no "${vg[@]}" --log-file="$log.vg" "$t" >"$log" 2>&1 &&
		[ ! -s "$log.vg" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $t under valgrind:" >&2
		cat "$log.vg" >&2
		tail -n 20 "$log" >&2
	fi
done

if wait "$cli_pid"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
	echo "FAIL: tests/cli.sh with btpair under valgrind:" >&2
	grep -v '^$' "$logs/cli.log" | tail -n 30 >&2
fi
# Its closing line, with what it skipped here: the permission checks need
# btpair itself, not this wrapper, to run as another user.
echo "tests/cli.sh under valgrind: $(tail -n 1 "$logs/cli.log")"
# Not only the runs whose code cli.sh checks: a report in any btpair run's
# log fails, each shown; and no log at all means btpair never ran under
# valgrind.
runs=$(find "$logs" -name 'btpair.*.vg' | wc -l)
reports=$(find "$logs" -name 'btpair.*.vg' -size +0 | sort)
if [ "$runs" -gt 0 ] && [ -z "$reports" ]; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
	echo "FAIL: memcheck reports from btpair ($runs runs logged):" >&2
	for f in $reports; do
		echo "$f:"
		sed 's/^/    /' "$f"
	done >&2
fi
echo "valgrind: $passed passed, $failed failed"
[ "$passed" -gt 0 ] && [ "$failed" -eq 0 ]
