#!/bin/bash
# What ships besides the binary, checked against the binary itself:
# - the man page renders without a warning (groff -ww, man --warnings) and
#   names every command, option, exit code and variable btpair's --help does;
# - each command takes every option its --help names and refuses as unknown
#   every other option btpair has;
# - the bash completion parses, offers exactly the options --help lists, and
#   completes controllers, capabilities and stored addresses (its function
#   is called as bash would call it);
# - make install honours DESTDIR, PREFIX, BINDIR, MANDIR and writes nothing
#   outside them; the installed units pass systemd-analyze verify and are
#   hardened;
# - the .deb ($DEB) has no lintian error and carries the same files.
set -uo pipefail
cd "$(dirname "$0")/.."

BTPAIR=${BTPAIR:-build/btpair}
DEB=${DEB:-}
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

record() { # ok|fail DESCRIPTION [DETAILS]
	if [ "$1" = ok ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $2" >&2
		[ -n "${3:-}" ] && sed 's/^/    /' <<<"$3" >&2
	fi
}

# ok_unless_failed_since N DESCRIPTION: the summary of a loop that records
# each failure it finds. N is the failure count before the loop; the
# summary is ok only if the loop added none, else it fails too.
ok_unless_failed_since() {
	if [ "$failed" -eq "$1" ]; then
		record ok "$2"
	else
		record fail "$2"
	fi
}

# install_ok DESCRIPTION ARGS...: `make -s install ARGS` must succeed; its
# output is shown when it does not.
install_ok() {
	local desc=$1 out
	shift
	if out=$(make -s install "$@" 2>&1); then
		record ok "$desc"
	else
		record fail "$desc" "$out"
	fi
}

# check DESCRIPTION CMD...: CMD must succeed.
check() {
	local desc=$1
	shift
	if "$@"; then
		record ok "$desc"
	else
		record fail "$desc"
	fi
}

for tool in groff man bash systemd-analyze lintian dpkg-deb file \
	aarch64-linux-gnu-gcc; do
	command -v "$tool" >/dev/null ||
		record fail "$tool is not installed (run tests/deps.sh)"
done
completion_lib=/usr/share/bash-completion/bash_completion
[ -f "$completion_lib" ] ||
	record fail "$completion_lib missing (package bash-completion)"

# What the binary says it has.
commands=$("$BTPAIR" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]\+\) .*/\1/p')
[ "$(wc -w <<<"$commands")" -ge 13 ] ||
	record fail "fewer than 13 commands in btpair --help" "$commands"
global_opts=$("$BTPAIR" --help | grep -oE -- '(^| )-(-[a-z-]+|[a-zA-Z])\b' |
	tr -d ' ' | sort -u)
# The long options of one command, from its --help.
cmd_opts() {
	{ "$BTPAIR" "$1" --help | grep -oE -- '--[a-z][a-z-]*'; echo --help; } | sort -u
}

# 1. The man page.
man_page=doc/btpair.1
out=$(groff -ww -z -man "$man_page" 2>&1)
check "groff -ww -z: no warning" [ -z "$out" ]
[ -n "$out" ] && echo "$out" >&2
out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$man_page" 2>&1 >"$tmp/man.txt")
check "man --warnings -l: no warning" [ -z "$out" ]
[ -n "$out" ] && echo "$out" >&2
check "man renders the page" grep -q 'EXIT STATUS' "$tmp/man.txt"
# The source spells a hyphen \-; compare with the hyphens unescaped.
man_src=$(sed 's/\\-/-/g' "$man_page")
before=$failed
for c in $commands; do
	grep -Eq "^\.SS \"?$c( |\"|$)" <<<"$man_src" ||
		record fail "the man page has no section for '$c'"
	for o in $(cmd_opts "$c"); do
		grep -q -- "$o" <<<"$man_src" ||
			record fail "the man page does not mention $c $o"
	done
done
for o in $global_opts; do
	grep -q -- "$o" <<<"$man_src" ||
		record fail "the man page does not mention the global option $o"
done
ok_unless_failed_since "$before" \
	"man: a section for every command, every option of --help"
# Both ways between --help and the parser: every option a command's --help
# names is taken (not "unknown option"), and every option any command
# takes -- its table in cli/, --exec, the globals -- is refused as unknown
# by each command whose --help does not name it. Extra arguments make any
# command that takes the option stop at a usage error before it opens
# anything.
all_opts=$({
	grep -ohE '\{ *"[a-z][a-z-]*", *'"'"'.'"'"'|CLI_OPT\([^,]+, *"[a-z][a-z-]*"' \
		cli/*.c cli/*.h | grep -oE '"[a-z][a-z-]*"' | tr -d '"' |
		sed 's/^/--/'
	echo --exec
	for c in $commands; do cmd_opts "$c"; done
	grep -oE -- '--[a-z][a-z-]*' <<<"$global_opts"
} | sort -u)
[ "$(wc -w <<<"$all_opts")" -ge 30 ] ||
	record fail "fewer than 30 options found in cli/ and --help" "$all_opts"
before=$failed
for c in $commands; do
	named=$( { cmd_opts "$c"; grep -oE -- '--[a-z][a-z-]*' <<<"$global_opts"; } | sort -u)
	for o in $all_opts; do
		out=$("$BTPAIR" "$c" "$o" x1 x2 x3 x4 x5 x6 </dev/null 2>&1)
		if grep -qx -- "$o" <<<"$named"; then
			grep -q "unknown option '$o'" <<<"$out" &&
				record fail "$c --help names $o, which $c refuses" "$out"
		else
			grep -q "unknown option '$o'" <<<"$out" ||
				record fail "$c takes $o, which its --help does not name" "$out"
		fi
	done
done
ok_unless_failed_since "$before" \
	"--help and the parser agree both ways ($(wc -w <<<"$all_opts") options, $(wc -w <<<"$commands") commands)"
codes=$("$BTPAIR" --help | sed -n '/^ADDR is/,$p' | grep -oE '\b[0-9]+ [a-z]' |
	cut -d' ' -f1)
[ "$(wc -w <<<"$codes")" -ge 10 ] || record fail "exit codes not found in --help"
exit_section=$(sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' "$man_page")
before=$failed
for code in $codes; do
	grep -qx "\.B $code" <<<"$exit_section" ||
		record fail "the man page's EXIT STATUS lacks $code"
done
ok_unless_failed_since "$before" \
	"man: every exit code of --help ($(echo $codes))"
for v in BTPAIR_PIN BTPAIR_KEYSTORE /var/lib/bluetooth HC-05; do
	grep -q -- "$v" <<<"$man_src" || record fail "the man page lacks $v"
done
check "man: the EXAMPLES section has a provisioning script" \
	grep -q '^#!/bin/sh' "$man_page"

# 2. make install: everything under DESTDIR+PREFIX, the overrides honoured.
install_ok "make install DESTDIR PREFIX=/opt/bp" DESTDIR="$tmp/d1" \
	PREFIX=/opt/bp
expected="/opt/bp/bin/btpair
/opt/bp/etc/btpair/agent.conf
/opt/bp/lib/systemd/system/btpair-agent@.service
/opt/bp/lib/systemd/system/btpair-keys.service
/opt/bp/lib/systemd/system/btpair-serial-wait.service
/opt/bp/lib/systemd/system/btpair-serial.service
/opt/bp/share/bash-completion/completions/btpair
/opt/bp/share/doc/btpair/json.md
/opt/bp/share/man/man1/btpair.1"
got=$(cd "$tmp/d1" && find . ! -type d | sed 's|^\.||' | sort)
if [ "$got" = "$expected" ]; then
	record ok "make install: the nine files, all under DESTDIR/PREFIX"
else
	record fail "make install wrote other files" "$got"
fi
check "make install: the binary is executable" \
	[ -x "$tmp/d1/opt/bp/bin/btpair" ]
check "units name the installed binary" \
	grep -q '^ExecStart=/opt/bp/bin/btpair ' \
	"$tmp/d1/opt/bp/lib/systemd/system/btpair-keys.service"
check "the agent unit reads the installed settings" \
	grep -qx 'EnvironmentFile=/opt/bp/etc/btpair/agent.conf' \
	"$tmp/d1/opt/bp/lib/systemd/system/btpair-agent@.service"
install_ok "make install DESTDIR PREFIX=/usr BINDIR MANDIR" DESTDIR="$tmp/d2" \
	PREFIX=/usr BINDIR=/usr/sbin MANDIR=/usr/man
check "BINDIR honoured" [ -x "$tmp/d2/usr/sbin/btpair" ]
check "MANDIR honoured" [ -f "$tmp/d2/usr/man/man1/btpair.1" ]
check "units follow BINDIR" grep -q '^ExecStart=/usr/sbin/btpair ' \
	"$tmp/d2/usr/lib/systemd/system/btpair-agent@.service"
check "nothing in PREFIX/bin when BINDIR is elsewhere" [ ! -e "$tmp/d2/usr/bin" ]
# agent.conf as the install wrote it, then edited as an admin would: a
# second install must leave it byte for byte. The edit is made to the
# installed file, so a first install that wrote nothing fails here, not
# later as a kept file.
conf=$tmp/d2/usr/etc/btpair/agent.conf
check "make install writes agent.conf naming SYSCONFDIR" \
	grep -qx 'PIN_FILE=/usr/etc/btpair/pins' "$conf"
sed -i 's/^ALLOW=$/ALLOW=--allow 98:D3:31:F5:1A:2B/' "$conf"
cp "$conf" "$tmp/agent.conf.edited"
check "the installed agent.conf has the ALLOW= line to edit" \
	grep -qx 'ALLOW=--allow 98:D3:31:F5:1A:2B' "$conf"
install_ok "make install again over an edited agent.conf" DESTDIR="$tmp/d2" \
	PREFIX=/usr BINDIR=/usr/sbin MANDIR=/usr/man
check "make install keeps an edited agent.conf" \
	cmp -s "$tmp/agent.conf.edited" "$conf"

# An image builder installs the Pi's binary straight into the image's tree.
if make -s install CROSS_COMPILE=aarch64-linux-gnu- DESTDIR="$tmp/pi" \
	PREFIX=/usr >/dev/null 2>&1 &&
	file -b "$tmp/pi/usr/bin/btpair" | grep -q 'ARM aarch64'; then
	record ok "make install CROSS_COMPILE=aarch64-linux-gnu- installs an arm64 binary"
else
	record fail "make install CROSS_COMPILE=aarch64-linux-gnu-" \
		"$(file -b "$tmp/pi/usr/bin/btpair" 2>&1)"
fi

# 3. The systemd units, installed with a real prefix so that verify finds
# the binary they run and the man page they name.
root=$tmp/root
install_ok "make install PREFIX SYSCONFDIR" PREFIX="$root/usr" \
	SYSCONFDIR="$root/etc"
units=$root/usr/lib/systemd/system
ln -s btpair-agent@.service "$units/btpair-agent@hci0.service"
out=$(MANPATH=$root/usr/share/man systemd-analyze verify \
	"$units/btpair-keys.service" "$units/btpair-agent@hci0.service" \
	"$units/btpair-serial.service" "$units/btpair-serial-wait.service" 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
	record ok "systemd-analyze verify: the four units clean"
else
	record fail "systemd-analyze verify (exit $rc)" "$out"
fi
before=$failed
for u in btpair-keys.service btpair-agent@.service btpair-serial.service \
	btpair-serial-wait.service; do
	for line in 'ProtectSystem=strict' \
		'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW' \
		'NoNewPrivileges=yes' 'RestrictAddressFamilies=AF_BLUETOOTH AF_UNIX' \
		'PrivateTmp=yes' 'ProtectHome=yes' 'SystemCallFilter=@system-service'; do
		grep -qx -- "$line" "$units/$u" || record fail "$u lacks $line"
	done
	grep -q '^PrivateNetwork=yes' "$units/$u" &&
		record fail "$u: PrivateNetwork hides AF_BLUETOOTH"
done
ok_unless_failed_since "$before" "the units hardened"
check "the agent may write the key store" \
	grep -qx 'ReadWritePaths=/var/lib/bluetooth' "$units/btpair-agent@.service"
check "the keys service is ordered after hci0 and before bluetooth.target" \
	bash -c "grep -qx 'After=sys-subsystem-bluetooth-devices-hci0.device' '$units/btpair-keys.service' &&
		grep -q '^Before=bluetooth.target' '$units/btpair-keys.service'"
check "the keys service may lift a soft rfkill block: /dev/rfkill, and no other device" \
	bash -c "grep -qx 'DeviceAllow=/dev/rfkill rw' '$units/btpair-keys.service' &&
		grep -qx 'DevicePolicy=closed' '$units/btpair-keys.service'"
check "the agent runs after the keys are loaded" \
	grep -q '^After=.*btpair-keys.service' "$units/btpair-agent@.service"
check "the serial unit runs serial up --retry after the keys unit and before bluetoothd, serial down to stop" \
	bash -c "grep -q '^After=.*btpair-keys.service' '$units/btpair-serial.service' &&
		grep -qx 'Before=bluetooth.service' '$units/btpair-serial.service' &&
		grep -qx 'ExecStart=$root/usr/bin/btpair serial up --retry' '$units/btpair-serial.service' &&
		grep -qx 'ExecStop=$root/usr/bin/btpair serial down' '$units/btpair-serial.service' &&
		grep -qx 'ReadWritePaths=/var/lib/bluetooth' '$units/btpair-serial.service'"
check "the serial unit pulls in the wait unit, which holds only bluetoothd back" \
	bash -c "grep -q '^Wants=.*btpair-serial-wait.service' '$units/btpair-serial.service' &&
		grep -qx 'Before=bluetooth.service' '$units/btpair-serial-wait.service' &&
		grep -qx 'After=btpair-serial.service' '$units/btpair-serial-wait.service' &&
		grep -qx 'ExecStart=$root/usr/bin/btpair serial wait --timeout 180' '$units/btpair-serial-wait.service' &&
		! grep -q '^WantedBy=' '$units/btpair-serial-wait.service'"

# 4. The bash completion, called the way bash calls it.
completion=$root/usr/share/bash-completion/completions/btpair
check "bash -n on the completion" bash -n "$completion"
mkdir -p "$tmp/sys/hci0" "$tmp/sys/hci1" "$tmp/sys/hci0:11"
store=$tmp/store
for p in 00:AA:01:00:00:00/98:D3:31:F5:1A:2B 00:AA:01:00:00:00/00:11:22:33:44:55 \
	00:AA:01:01:00:01/98:D3:31:F5:1A:2B 00:AA:01:01:00:01/cache; do
	mkdir -p "$store/$p"
	: >"$store/$p/info"
done
mkdir -p "$tmp/bin"
# complete LINE: what the completion offers for LINE (cursor at its end),
# one candidate per line, sorted. Words are split as readline does: at
# blanks, and around each ':' and '='.
cat >"$tmp/complete.sh" <<'EOF'
. "$COMPLETION_LIB"
_btpair_sysfs=$FAKE_SYSFS
. "$COMPLETION"
line=$1
read -ra blank_words <<<"$line"
COMP_WORDS=()
for w in "${blank_words[@]}"; do
	while [[ $w =~ ^([^:=]*)([:=])(.*)$ ]]; do
		[ -n "${BASH_REMATCH[1]}" ] && COMP_WORDS+=("${BASH_REMATCH[1]}")
		COMP_WORDS+=("${BASH_REMATCH[2]}")
		w=${BASH_REMATCH[3]}
	done
	[ -n "$w" ] && COMP_WORDS+=("$w")
done
[[ $line == *' ' ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE=$line
COMP_POINT=${#line}
_btpair
printf '%s\n' "${COMPREPLY[@]}" | sort
EOF
complete_line() {
	COMPLETION_LIB=$completion_lib COMPLETION=$completion \
		FAKE_SYSFS=$tmp/sys bash "$tmp/complete.sh" "$1" 2>&1
}
# expect_completion LINE EXPECTED...: exactly these candidates.
expect_completion() {
	local line=$1 got want
	shift
	got=$(complete_line "$line")
	want=$(printf '%s\n' "$@" | sort)
	if [ "$got" = "$want" ]; then
		record ok "completion of '$line'"
	else
		record fail "completion of '$line'" "got:
$got
wanted:
$want"
	fi
}
expect_completion "btpair " $commands
expect_completion "btpair pa" pair
expect_completion "btpair -i " hci0 hci1
expect_completion "btpair --index hci" hci0 hci1
expect_completion "btpair -i hci0 se" setup serial
expect_completion "btpair setup --ssp " on off
expect_completion "btpair power " on off
expect_completion "btpair pair 98:D3:31:F5:1A:2B --capability " \
	DisplayOnly DisplayYesNo KeyboardOnly NoInputNoOutput KeyboardDisplay
expect_completion "btpair unpair --keystore $store " \
	00:11:22:33:44:55 98:D3:31:F5:1A:2B
# readline splits at ':': what is offered is the rest after the last one.
expect_completion "btpair unpair --keystore $store 98:D3" D3:31:F5:1A:2B
expect_completion "btpair keys " list load remove
expect_completion "btpair doctor --keystore $store " \
	00:11:22:33:44:55 98:D3:31:F5:1A:2B
expect_completion "btpair doctor --agent-conf /nonexistent-dir/ 98:D3:31:F5:1A:2B --f" \
	--fix
expect_completion "btpair keys remove --keystore $store " \
	00:11:22:33:44:55 98:D3:31:F5:1A:2B
expect_completion "btpair keys --keystore $store list "
expect_completion "btpair agent --keystore $store --allow 00" \
	00:11:22:33:44:55
got=$(BTPAIR_KEYSTORE=$store complete_line "btpair connect ")
check "connect completes addresses from BTPAIR_KEYSTORE" \
	[ "$got" = "$(printf '00:11:22:33:44:55\n98:D3:31:F5:1A:2B')" ]
got=$(complete_line "btpair connect 98:D3:31:F5:1A:2B --exec bas")
check "after --exec, commands are completed" grep -qx bash <<<"$got"
got=$(complete_line "btpair unpair ")
check "no stored addresses without a readable store: no error" \
	bash -c "! grep -qi 'error\|no such' <<<'$got'"
# Every option --help lists is offered, and nothing else.
expect_completion "btpair -" $global_opts
for c in $commands; do
	expect_completion "btpair $c --" $(cmd_opts "$c")
done

# 5. The Debian package.
if [ -z "$DEB" ] || [ ! -f "$DEB" ]; then
	record fail "no .deb to check (DEB=$DEB): make deb"
else
	out=$(lintian --fail-on error "$DEB" 2>&1)
	rc=$?
	out=$(grep -v 'running with root privileges' <<<"$out")
	if [ "$rc" -eq 0 ] && ! grep -q '^E:' <<<"$out"; then
		record ok "lintian: no error${out:+ ($(grep -c '^[WIN]:' <<<"$out") notes)}"
	else
		record fail "lintian (exit $rc)" "$out"
	fi
	[ -n "$out" ] && echo "$out"
	contents=$(dpkg-deb -c "$DEB" | awk '{print $6}')
	before=$failed
	for f in ./usr/bin/btpair ./usr/share/man/man1/btpair.1.gz \
		./usr/share/bash-completion/completions/btpair \
		./usr/share/doc/btpair/json.md \
		./lib/systemd/system/btpair-keys.service \
		./lib/systemd/system/btpair-agent@.service \
		./lib/systemd/system/btpair-serial.service \
		./lib/systemd/system/btpair-serial-wait.service \
		./etc/btpair/agent.conf; do
		grep -qx -- "$f" <<<"$contents" || record fail "the .deb lacks $f"
	done
	ok_unless_failed_since "$before" \
		"the .deb has the binary, man page, completion, units, settings, json.md"
	check "agent.conf is a conffile" \
		bash -c "dpkg-deb -f '$DEB' Package >/dev/null &&
			dpkg-deb --ctrl-tarfile '$DEB' | tar -xOf - ./conffiles |
			grep -qx /etc/btpair/agent.conf"
	dpkg-deb -x "$DEB" "$tmp/deb"
	version=$(sed -n 's/^VERSION := //p' Makefile)
	check "the packaged binary runs and is version $version" \
		[ "$("$tmp/deb/usr/bin/btpair" --version)" = "btpair $version" ]
	check "the packaged units run /usr/bin/btpair" \
		grep -q '^ExecStart=/usr/bin/btpair ' \
		"$tmp/deb/lib/systemd/system/btpair-agent@.service"
fi

echo "dist: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
