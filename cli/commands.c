/* The command table: names, synopses and help texts. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

static const struct cli_command commands[] = {
	{ "list", cmd_list, 0, 0, "list", "show every controller",
	  "Show every controller: index, address, name, current settings." },
	{ "power", cmd_power, 1, 1, "power on|off",
	  "power the controller on or off", "Power the controller on or off." },
	{ "setup", cmd_setup, 0, 0,
	  "setup [--ssp on|off] [--capability CAP] [--name NAME]\n"
	  "      [--load-keys [--keystore DIR]]",
	  "make a controller ready for headless pairing",
	  "Make a controller ready for headless pairing: powered, connectable,\n"
	  "bondable, Secure Simple Pairing as asked, IO capability (default\n"
	  "NoInputNoOutput). A soft rfkill block is lifted, and said; a hard\n"
	  "one is reported (exit 3), never touched. Idempotent.\n"
	  "  --ssp on|off         switch Secure Simple Pairing (off: legacy PIN\n"
	  "                       pairing only, as an HC-05 does)\n"
	  "  --capability CAP     DisplayOnly, DisplayYesNo, KeyboardOnly,\n"
	  "                       NoInputNoOutput or KeyboardDisplay\n"
	  "  --name NAME          the controller's name (at most 248 bytes)\n"
	  "  --load-keys          first give the kernel the stored link keys,\n"
	  "                       as keys load does (one command at boot)\n"
	  "  --keystore DIR       the key store for --load-keys" },
	{ "pair", cmd_pair, 1, 1,
	  "pair ADDR [--pin PIN|--pin-file FILE] [--passkey N] [--confirm]\n"
	  "       [--capability CAP] [--timeout S] [--no-store] [--keystore DIR]",
	  "pair a device, answering its PIN or confirmation",
	  "Pair with the device and answer the kernel's PIN, confirmation and\n"
	  "passkey requests for it. Exits 0 if the device is already paired.\n"
	  "  --pin PIN            legacy PIN, 1 to 16 bytes; repeat to try several\n"
	  "                       in turn (--pin 1234 --pin 0000)\n"
	  "  --pin-file FILE      a file, a pipe or - (stdin): one PIN alone, or\n"
	  "                       'ADDR PIN', 'NAME PIN' and '* PIN' lines;\n"
	  "                       the environment variable BTPAIR_PIN works\n"
	  "                       too. PINs are never printed.\n"
	  "  --passkey N          answer a passkey request with N (0-999999)\n"
	  "  --confirm            accept numeric comparison (otherwise asked when\n"
	  "                       stdin and stderr are terminals, else refused)\n"
	  "  --capability CAP     IO capability for this pairing\n"
	  "                       (default NoInputNoOutput)\n"
	  "  --timeout S          give up and cancel after S seconds (default 30)\n"
	  "  --no-store           do not write the link key to the key store\n"
	  "  --keystore DIR       key store directory (default /var/lib/bluetooth,\n"
	  "                       or BTPAIR_KEYSTORE)\n"
	  "  --first              with name:PATTERN, take the first match\n"
	  "ADDR may be name:PATTERN (a case-insensitive glob): found by a scan." },
	{ "unpair", cmd_unpair, 1, 1, "unpair ADDR [--keystore DIR]",
	  "remove a pairing",
	  "Remove the pairing from the kernel and the key store, disconnecting\n"
	  "the device.\n"
	  "  --keystore DIR       key store directory (default /var/lib/bluetooth,\n"
	  "                       or BTPAIR_KEYSTORE)\n"
	  "ADDR may be name:PATTERN (a case-insensitive glob): the device whose\n"
	  "name in the key store matches." },
	{ "agent", cmd_agent, 0, 0,
	  "agent [--pin PIN|--pin-file FILE] [--allow ADDR]... [--allow-any]\n"
	  "       [--confirm] [--capability CAP] [--once] [--timeout S]\n"
	  "       [--keystore DIR]",
	  "answer pairing requests that others start",
	  "Stay running and answer the PIN, confirmation and passkey requests\n"
	  "of pairings that others start (a remote device, a program's connect,\n"
	  "rfcomm connect), for devices named by --allow, and store their keys.\n"
	  "Follows controllers as they come and go. One log line per event on\n"
	  "stderr.\n"
	  "  --pin PIN            the PIN to answer with (repeat: the next is used\n"
	  "                       after a failed attempt); BTPAIR_PIN works too\n"
	  "  --pin-file FILE      one PIN, or 'ADDR PIN', 'NAME PIN' and '* PIN'\n"
	  "                       lines; checked at start, read again for each\n"
	  "                       request (a pipe or -: read once)\n"
	  "  --allow ADDR         answer this device (repeatable); name:PATTERN\n"
	  "                       matches the device's Bluetooth name\n"
	  "  --allow-any          answer every device\n"
	  "  --confirm            accept numeric comparison (Just Works is\n"
	  "                       always accepted for allowed devices)\n"
	  "  --capability CAP     IO capability (default NoInputNoOutput)\n"
	  "  --once               exit 0 after the first completed pairing\n"
	  "  --timeout S          stop after S seconds (with --once and no\n"
	  "                       pairing yet: exit 5)\n"
	  "  --keystore DIR       key store directory" },
	{ "keys", cmd_keys, 1, 2, "keys list|load|remove ADDR [--keystore DIR]",
	  "the stored link keys: list, load into the kernel, remove one",
	  "The link keys in the key store (default /var/lib/bluetooth, in\n"
	  "bluetoothd's layout; BTPAIR_KEYSTORE or --keystore to change it).\n"
	  "  list                 controller, device, key type, PIN length (never\n"
	  "                       the key); with -i only that controller's\n"
	  "  load                 load every stored key of the controller into the\n"
	  "                       kernel in one command (it replaces the kernel's\n"
	  "                       list): run it at boot\n"
	  "  remove ADDR          remove the device's stored key (of every\n"
	  "                       controller, or only -i's); ADDR may be\n"
	  "                       name:PATTERN, matched against the names in\n"
	  "                       the store" },
	{ "scan", cmd_scan, 0, 0, "scan [--duration S] [--name PATTERN]",
	  "discover devices with names, class and RSSI",
	  "Discover BR/EDR devices: address, name (asked of devices that do not\n"
	  "send one, like the HC-05), class of device and RSSI; a device is shown\n"
	  "again when its name arrives. Discovery is stopped on every exit.\n"
	  "  --duration S         how long (default 15)\n"
	  "  --name PATTERN       stop at the first device whose name matches the\n"
	  "                       case-insensitive shell glob; exit 7 if none" },
	{ "connect", cmd_connect, 1, 1,
	  "connect ADDR [--channel N] [--pin PIN|--pin-file FILE] [--timeout S]\n"
	  "       [--sdp-if-refused] [--reconnect] [--pty PATH [--pty-group GROUP]]\n"
	  "       [--exec CMD [ARG...]]",
	  "RFCOMM client: a serial link on stdio, or for a command",
	  "Connect to the device's Serial Port and bridge stdin/stdout (a serial\n"
	  "console on a terminal: ~. at the start of a line quits), or run CMD\n"
	  "with the connection as its stdin and stdout and exit with its status.\n"
	  "When stdin ends, what the device still sends is printed until it\n"
	  "closes the link or is quiet for 2 s (RFCOMM has no half-close).\n"
	  "  --channel N          RFCOMM channel (default: found by SDP, else 1)\n"
	  "  --sdp-if-refused     with --channel: when the device refuses it,\n"
	  "                       ask SDP and use (and remember, as serial.conf's\n"
	  "                       channel=auto does) the channel it gives\n"
	  "  --pin PIN            pair first if needed, as `pair` does, and answer\n"
	  "                       the PIN requests the connect itself brings;\n"
	  "                       pair afresh if the device refuses the stored\n"
	  "                       key (repeatable); BTPAIR_PIN works too\n"
	  "  --pin-file FILE      the PIN from a file, a pipe or - (with --exec),\n"
	  "                       as pair reads it\n"
	  "  --timeout S          give up after S seconds (default 30; each\n"
	  "                       attempt with --reconnect)\n"
	  "  --reconnect          after a drop (or a failed attempt), connect\n"
	  "                       again, waiting 1 s doubling to 2 min with\n"
	  "                       jitter (1 s again after a link of 10 s);\n"
	  "                       each drop and reconnect said on\n"
	  "                       stderr (JSON events with --exec or --pty);\n"
	  "                       with --exec, CMD runs again for each link\n"
	  "  --pty PATH           the link on a pseudo-terminal, symlinked at\n"
	  "                       PATH and kept open across drops; bytes\n"
	  "                       written to it while the link is down are\n"
	  "                       dropped and counted\n"
	  "  --pty-group GROUP    the pty's terminal in GROUP (a name or a\n"
	  "                       gid), mode 0660, as /dev/rfcommN is dialout's\n"
	  "                       (default: the kernel's, root:tty 0620)\n"
	  "  --exec CMD [ARG...]  everything after it is the command\n"
	  "  --first              with name:PATTERN, take the first match\n"
	  "ADDR may be name:PATTERN (a case-insensitive glob): found by a scan." },
	{ "listen", cmd_listen, 0, 0,
	  "listen [--channel N] [--once] [--exec CMD [ARG...]]",
	  "RFCOMM server",
	  "Accept RFCOMM connections on a channel; each is bridged to stdio or\n"
	  "given to CMD as its stdin and stdout.\n"
	  "  --channel N          channel to listen on (default 1)\n"
	  "  --once               exit after the first connection\n"
	  "  --exec CMD [ARG...]  everything after it is the command" },
	{ "bind", cmd_bind, 1, 1,
	  "bind ADDR [--channel N] [--dev N] [--pin PIN|--pin-file FILE]\n"
	  "       [--timeout S]",
	  "create /dev/rfcommN for the device",
	  "Create /dev/rfcommN for programs that only know serial devices; the\n"
	  "link comes up when the device node is opened.\n"
	  "  --channel N          RFCOMM channel (default: found by SDP, else 1)\n"
	  "  --dev N              device number (default 0)\n"
	  "  --pin PIN            pair first if not paired yet, as pair does\n"
	  "                       (repeatable); BTPAIR_PIN works too\n"
	  "  --pin-file FILE      the PIN from a file or a pipe, as pair reads it\n"
	  "  --timeout S          for the pairing and SDP (default 30)\n"
	  "  --first              with name:PATTERN, take the first match\n"
	  "ADDR may be name:PATTERN (a case-insensitive glob): found by a scan." },
	{ "release", cmd_release, 1, 1, "release N", "remove /dev/rfcommN",
	  "Remove /dev/rfcommN, closing its link." },
	{ "doctor", cmd_doctor, 0, 1,
	  "doctor [ADDR] [--fix] [--keystore DIR]\n"
	  "       [--agent-conf FILE]",
	  "check the whole stack, say the next step, mend what is safe",
	  "Check, in order, and print one line per check (ok, warn, fail or\n"
	  "fixed, with the next step where something is wrong): the kernel\n"
	  "(Bluetooth, mgmt version, RFCOMM); each controller (rfkill, powered,\n"
	  "connectable, bondable, SSP, a pairing still pending); who else holds\n"
	  "the management socket, and bluetoothd; the key store (modes, owners,\n"
	  "files that do not parse, keys loaded into the kernel); the agent\n"
	  "unit's PIN file; with ADDR the device (stored key, link, page, SDP\n"
	  "Serial Port channel). Exit 0 when no check fails; else the first\n"
	  "failure's code: 3 no usable controller, 4 permission, 7 the device\n"
	  "does not answer, 1 anything else.\n"
	  "  --fix                mend what is safe: lift a soft rfkill block,\n"
	  "                       power, connectable and bondable on, cancel a\n"
	  "                       stale Pair Device, load the stored keys (not\n"
	  "                       while bluetoothd runs), chmod the key store and\n"
	  "                       PIN file; never touches bluetoothd\n"
	  "  --keystore DIR       key store directory (default /var/lib/bluetooth,\n"
	  "                       or BTPAIR_KEYSTORE)\n"
	  "  --agent-conf FILE    the agent unit's settings (default\n"
	  "                       /etc/btpair/agent.conf)" },
	{ "status", cmd_status, 0, 1,
	  "status [ADDR] [--keystore DIR] [--config FILE]",
	  "controllers, connections, keys, bindings, serial devices",
	  "Show the controllers and their settings, the connected devices, the\n"
	  "stored keys (never the key), the /dev/rfcommN bindings and their\n"
	  "state, and the devices declared in serial.conf and whether each is\n"
	  "up. With ADDR, only what concerns that device.\n"
	  "  --keystore DIR       key store directory (default /var/lib/bluetooth,\n"
	  "                       or BTPAIR_KEYSTORE)\n"
	  "  --config FILE        serial.conf (default /etc/btpair/serial.conf,\n"
	  "                       or BTPAIR_SERIAL_CONF)" },
	{ "disconnect", cmd_disconnect, 1, 1, "disconnect ADDR",
	  "drop the link",
	  "Drop the device's link (its pairing stays). Exits 1 if it was not\n"
	  "connected." },
	{ "serial", cmd_serial, 1, 257,
	  "serial up|down|wait [NAME...] [--config FILE]\n"
	  "       [--pin PIN|--pin-file FILE] [--retry] [--timeout S]",
	  "make the devices declared in serial.conf ready, or undo",
	  "up: make each device declared in serial.conf (all, or those named)\n"
	  "ready: pair it when no key is stored (with its pin-file), then bind\n"
	  "/dev/rfcommN (dev=, default the lowest free) or keep a pty open at\n"
	  "pty=PATH across link drops (its terminal group dialout, or group=,\n"
	  "mode 0660). channel=auto asks SDP once and remembers the answer in\n"
	  "/var/lib/btpair, so a paired device that is off still gets its\n"
	  "node. Running it again changes nothing. down: release the node, stop\n"
	  "the pty and any retry process. One line per device; a malformed\n"
	  "file is an error naming file and line, and nothing is done.\n"
	  "  --config FILE        the file (default /etc/btpair/serial.conf, or\n"
	  "                       BTPAIR_SERIAL_CONF)\n"
	  "  --pin PIN            PIN for entries without pin-file (repeatable;\n"
	  "                       BTPAIR_PIN works too)\n"
	  "  --pin-file FILE      PIN file for entries without pin-file\n"
	  "  --retry              for boot: first what needs no answer from a\n"
	  "                       device, then the devices that must answer\n"
	  "                       (pairing, SDP), tried again for at most 20 s\n"
	  "                       in all; those still silent are handed to a\n"
	  "                       retry process each (1 s doubling to 20 s,\n"
	  "                       with jitter; its log on stderr, the journal\n"
	  "                       under systemd) and count as success\n"
	  "                       (\"serial NAME retrying in the background\")\n"
	  "  --retry-process MS   that retry process itself (serial up --retry\n"
	  "                       starts it so), first waiting about MS ms\n"
	  "wait: until no retry process is left, at most --timeout S (default\n"
	  "180; exit 5 naming one still at it), as the unit that holds\n"
	  "bluetoothd back at a first boot does" },
	{ "monitor", cmd_monitor, 0, 0, "monitor [--timeout S]",
	  "print management events as they happen",
	  "Print management events as they happen: controllers, connections,\n"
	  "pairing requests, new keys (never the key), authentication failures.\n"
	  "Needs root or CAP_NET_ADMIN (else exit 4): the kernel sends pairing\n"
	  "events to no one else.\n"
	  "  --timeout S          stop after S seconds (exit 0)" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct cli_command *cli_find_command(const char *name)
{
	/* Exact names only: a prefix could mean another command tomorrow. */
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

void cli_command_help(const struct cli_command *cmd)
{
	printf("usage: btpair [GLOBAL OPTIONS] %s\n\n%s\n", cmd->usage,
	       cmd->help);
}

void cli_usage(FILE *out)
{
	fprintf(out,
		"usage: btpair [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGUMENTS]\n"
		"\n"
		"Pair Bluetooth Classic devices through the kernel's management\n"
		"socket: no bluetoothd, no D-Bus, no prompts.\n"
		"\n"
		"Global options:\n"
		"  -i, --index hciN|N   controller (default: the lowest index, hci0)\n"
		"  -j, --json           one JSON object per line on stdout\n"
		"  -v, --verbose        trace mgmt commands and events on stderr\n"
		"                       (-vv: with hex; PINs and keys never shown)\n"
		"  -q, --quiet          print nothing on success (no progress lines)\n"
		"  -h, --help           this help; 'btpair COMMAND --help' for one\n"
		"  -V, --version        version\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(out,
		"\n"
		"ADDR is XX:XX:XX:XX:XX:XX. On a terminal, a wait of over a second\n"
		"says on stderr what it waits for (not with -q or --json).\n"
		"Exit codes: 0 ok, 1 failure, 2 usage, 3 no controller, 4 permission\n"
		"denied (needs root or CAP_NET_ADMIN), 5 timeout, 6 authentication\n"
		"failed or refused, 7 device unreachable, 8 busy, 130 interrupted.\n");
}
