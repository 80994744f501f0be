# controllers: 2
# Every command as an unprivileged user (uid 65534, no capabilities). What
# needs privilege -- the kernel's Permission Denied, EPERM or EACCES from a
# socket, an ioctl, a file or a directory -- exits 4 saying "needs root or
# CAP_NET_ADMIN" (a file or directory: "run as root or its owner, or change
# its mode"); what only reads works as it does for root; a malformed
# argument is still 2.
. tests/vm/lib.sh

nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
PRIV="permission denied: needs root or CAP_NET_ADMIN"

# denied DESCRIPTION ARGS...: as the user, exit 4 with the message.
denied() {
	local desc=$1
	shift
	expect_exit 4 "$desc" nobody "$BTPAIR" "$@"
	expect_out "$PRIV" "$desc: says to run as root or with CAP_NET_ADMIN"
}
# denied_file DESCRIPTION ARGS...: the same for a file or directory the
# user may not read, which CAP_NET_ADMIN would not open.
FPRIV="permission denied: run as root or its owner, or change its mode$"
denied_file() {
	local desc=$1
	shift
	expect_exit 4 "$desc" nobody "$BTPAIR" "$@"
	expect_out "$FPRIV" "$desc: says who may read it"
}

hc05_like 1
"$BTPAIR" -q setup
responder 1 --pin 1234
# A key store only root may read, holding one key; one the user owns.
KS=$WORK/keys
expect_exit 0 "root pairs (the key goes to a root-only store)" \
	"$BTPAIR" pair "$B" --pin 1234 --keystore "$KS"
chmod 700 "$KS"
USERKS=$(mktemp -d /tmp/userks.XXXXXX)
cp -a "$KS/." "$USERKS/"
chown -R 65534:65534 "$USERKS"
chmod 755 "$WORK" # the user may reach $WORK's files, not read $KS
echo 1234 >"$WORK/pin"
chmod 600 "$WORK/pin"

# Reading: as for root.
expect_exit 0 "list" nobody "$BTPAIR" list
expect_out "^hci0 $A " "list shows hci0"
expect_exit 0 "list --json" nobody "$BTPAIR" -j list
expect_out '"event":"controller"' "list --json prints controllers"
expect_exit 0 "keys list of a store the user may read" \
	nobody "$BTPAIR" keys list --keystore "$USERKS"
expect_out "$B" "lists its key"
expect_exit 0 "--help" nobody "$BTPAIR" --help
expect_exit 0 "-V" nobody "$BTPAIR" -V
run "$BTPAIR" connect "$B" --channel 9 --timeout 20
root_rc=$RC
run nobody "$BTPAIR" connect "$B" --channel 9 --timeout 20
check "connect without a PIN: as for root (exit $RC, root $root_rc)" \
	sh -c "[ $RC -eq $root_rc ] && [ $RC -ne 4 ]"
background "$WORK/listen.log" nobody "$BTPAIR" listen --channel 5 --once
check "listen: an RFCOMM server needs no privilege" \
	wait_for "$WORK/listen.log" "listening on hci0 channel 5" 100
pkill -f "$BTPAIR listen --channel 5"

# Malformed arguments: 2 before anything is opened, whoever asks.
expect_exit 2 "-i hciX" nobody "$BTPAIR" -i hciX pair "$B" --pin 1234
expect_out "-i: invalid controller 'hciX'" "names -i"
expect_exit 2 "a PIN file that is not there" \
	nobody "$BTPAIR" pair "$B" --pin-file "$WORK/none"

# Changing anything: 4, with the message, on every path.
"$BTPAIR" -q power off
denied "power on (an unpowered controller)" power on
"$BTPAIR" -q power on
denied "power off" power off
denied "setup" setup
denied "pair" pair "$B" --pin 1234
denied_file "pair with a PIN file the user may not read" \
	pair "$B" --pin-file "$WORK/pin"
expect_out "PIN file $WORK/pin" "names the PIN file"
denied "unpair" unpair "$B"
denied "monitor" monitor --timeout 2
denied "agent" agent --allow-any --pin 1234 --timeout 5
denied_file "keys list of a root-only store" keys list --keystore "$KS"
denied "keys load" keys load --keystore "$USERKS"
denied_file "keys remove from a root-only store" keys remove "$B" --keystore "$KS"
denied "scan" scan --duration 3
denied "connect with a PIN (pairs)" connect "$B" --channel 1 --pin 1234
denied "bind" bind "$B" --channel 1 --dev 5
expect_exit 0 "root binds /dev/rfcomm6" "$BTPAIR" bind "$B" --channel 1 --dev 6
denied "release of root's binding" release 6
expect_exit 0 "root releases it" "$BTPAIR" release 6
check "the key is still stored (nothing was changed)" \
	grep -q '^Key=' "$KS/$A/$B/info"
rm -rf "$USERKS"
# The link's life: disconnect, serial up, status.
printf 'hc05 %s channel=1 dev=3\n' "$B" >"$WORK/serial.conf"
chmod 644 "$WORK/serial.conf"
denied "disconnect" disconnect "$B"
denied "serial up" serial up --config "$WORK/serial.conf"
# The controllers are shown; the connections need Get Connections, which
# the kernel refuses an unprivileged socket.
denied "status" status --config "$WORK/serial.conf"
expect_out "^controller hci0 $A " "status: the controllers are shown first"
finish
