/* The command table: names, synopses and help texts. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct cli_command commands[] = {
	{ "list", cmd_list, "list", "show every controller",
	  "Show every controller: index, address, name, current settings." },
	{ "power", cmd_power, "power on|off", "power the controller on or off",
	  "Power the controller on or off." },
	{ "setup", cmd_setup,
	  "setup [--ssp on|off] [--capability CAP] [--name NAME]",
	  "make a controller ready for headless pairing",
	  "Make a controller ready for headless pairing: powered, connectable,\n"
	  "bondable, Secure Simple Pairing as asked, IO capability (default\n"
	  "NoInputNoOutput). Idempotent.\n"
	  "  --ssp on|off         switch Secure Simple Pairing (off: legacy PIN\n"
	  "                       pairing only, as an HC-05 does)\n"
	  "  --capability CAP     DisplayOnly, DisplayYesNo, KeyboardOnly,\n"
	  "                       NoInputNoOutput or KeyboardDisplay\n"
	  "  --name NAME          the controller's name (at most 248 bytes)" },
	{ "pair", cmd_pair,
	  "pair ADDR [--pin PIN|--pin-file FILE] [--passkey N] [--confirm]\n"
	  "       [--capability CAP] [--timeout S] [--no-store] [--keystore DIR]",
	  "pair a device, answering its PIN or confirmation",
	  "Pair with the device and answer the kernel's PIN, confirmation and\n"
	  "passkey requests for it. Exits 0 if the device is already paired.\n"
	  "  --pin PIN            legacy PIN, 1 to 16 bytes; repeat to try several\n"
	  "                       in turn (--pin 1234 --pin 0000)\n"
	  "  --pin-file FILE      one PIN on the first line, or 'ADDR PIN' and\n"
	  "                       '* PIN' lines; the environment variable\n"
	  "                       BTPAIR_PIN works too. PINs are never printed.\n"
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
	{ "unpair", cmd_unpair, "unpair ADDR [--keystore DIR]",
	  "remove a pairing",
	  "Remove the pairing from the kernel and the key store, disconnecting\n"
	  "the device.\n"
	  "  --keystore DIR       key store directory (default /var/lib/bluetooth,\n"
	  "                       or BTPAIR_KEYSTORE)" },
	{ "agent", cmd_agent,
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
	  "  --pin-file FILE      one PIN, or 'ADDR PIN' and '* PIN' lines\n"
	  "  --allow ADDR         answer this device (repeatable)\n"
	  "  --allow-any          answer every device\n"
	  "  --confirm            accept numeric comparison (Just Works is\n"
	  "                       always accepted for allowed devices)\n"
	  "  --capability CAP     IO capability (default NoInputNoOutput)\n"
	  "  --once               exit 0 after the first completed pairing\n"
	  "  --timeout S          stop after S seconds (with --once and no\n"
	  "                       pairing yet: exit 5)\n"
	  "  --keystore DIR       key store directory" },
	{ "keys", cmd_keys, "keys list|load|remove ADDR [--keystore DIR]",
	  "the stored link keys: list, load into the kernel, remove one",
	  "The link keys in the key store (default /var/lib/bluetooth, in\n"
	  "bluetoothd's layout; BTPAIR_KEYSTORE or --keystore to change it).\n"
	  "  list                 controller, device, key type, PIN length (never\n"
	  "                       the key); with -i only that controller's\n"
	  "  load                 load every stored key of the controller into the\n"
	  "                       kernel in one command (it replaces the kernel's\n"
	  "                       list): run it at boot\n"
	  "  remove ADDR          remove the device's stored key (of every\n"
	  "                       controller, or only -i's)" },
	{ "scan", cmd_scan, "scan [--duration S] [--name PATTERN]",
	  "discover devices with names, class and RSSI",
	  "Discover BR/EDR devices: address, name (asked of devices that do not\n"
	  "send one, like the HC-05), class of device and RSSI; a device is shown\n"
	  "again when its name arrives. Discovery is stopped on every exit.\n"
	  "  --duration S         how long (default 15)\n"
	  "  --name PATTERN       stop at the first device whose name matches the\n"
	  "                       case-insensitive shell glob; exit 7 if none" },
	{ "connect", cmd_connect,
	  "connect ADDR [--channel N] [--pin PIN] [--timeout S]\n"
	  "       [--exec CMD [ARG...]]",
	  "RFCOMM client: a serial link on stdio, or for a command",
	  "Connect to the device's Serial Port and bridge stdin/stdout (a serial\n"
	  "console on a terminal: ~. at the start of a line quits), or run CMD\n"
	  "with the connection as its stdin and stdout and exit with its status.\n"
	  "When stdin ends, what the device still sends is printed until it\n"
	  "closes the link or is quiet for 2 s (RFCOMM has no half-close).\n"
	  "  --channel N          RFCOMM channel (default: found by SDP, else 1)\n"
	  "  --pin PIN            pair first if needed, as `pair` does, and answer\n"
	  "                       the PIN requests the connect itself brings;\n"
	  "                       pair afresh if the device refuses the stored\n"
	  "                       key (repeatable)\n"
	  "  --timeout S          give up after S seconds (default 30)\n"
	  "  --exec CMD [ARG...]  everything after it is the command\n"
	  "  --first              with name:PATTERN, take the first match\n"
	  "ADDR may be name:PATTERN (a case-insensitive glob): found by a scan." },
	{ "listen", cmd_listen, "listen [--channel N] [--once] [--exec CMD [ARG...]]",
	  "RFCOMM server",
	  "Accept RFCOMM connections on a channel; each is bridged to stdio or\n"
	  "given to CMD as its stdin and stdout.\n"
	  "  --channel N          channel to listen on (default 1)\n"
	  "  --once               exit after the first connection\n"
	  "  --exec CMD [ARG...]  everything after it is the command" },
	{ "bind", cmd_bind, "bind ADDR [--channel N] [--dev N]",
	  "create /dev/rfcommN for the device",
	  "Create /dev/rfcommN for programs that only know serial devices; the\n"
	  "link comes up when the device node is opened.\n"
	  "  --channel N          RFCOMM channel (default: found by SDP, else 1)\n"
	  "  --dev N              device number (default 0)\n"
	  "  --first              with name:PATTERN, take the first match\n"
	  "ADDR may be name:PATTERN (a case-insensitive glob): found by a scan." },
	{ "release", cmd_release, "release N", "remove /dev/rfcommN",
	  "Remove /dev/rfcommN, closing its link." },
	{ "monitor", cmd_monitor, "monitor [--timeout S]",
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

