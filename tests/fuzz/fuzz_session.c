/*
 * Fuzz whole btpair commands against a kernel that sends anything: the
 * first input byte picks a command line (pair, agent, scan, monitor,
 * unpair, keys load, list, setup, power, ...), the rest is the stream of
 * mgmt frames the "kernel" sends on the command's management socket, as
 * fuzz_mgmt lays them out. The socket is one end of a socketpair (the
 * link-time wrapper below stands in for mgmt_open_control_socket), so each
 * command's own dispatcher -- the agent's, scan's, monitor's, pair's --
 * reads real frames, and its key store writes go to a private directory.
 *
 * The command must end when the stream does (or at its own --timeout),
 * exit with a code of the contract, leak nothing, and never print a PIN;
 * with -j, every line on standard output must be a valid JSON object.
 * The PINs are drawn afresh for every input: the output holds whatever
 * names and bytes the stream carries, and a fixed PIN would be learnt by
 * the fuzzer from the check itself and fed back as a device name.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/fuzz/feeder.h"
#include "tests/fuzz/json_check.h"
#include "tests/fuzz/tmpdir.h"

int btpair_main(int argc, char *argv[]);
#define main btpair_main
#include "cli/main.c"
#undef main

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int __wrap_mgmt_open_control_socket(void);

/* The device of the VM suite's captures. */
#define DEV "00:AA:01:01:00:01"
#define PIN1 "@pin1"
#define PIN2 "@pin2"

static const char *const commands[][12] = {
	{ "agent", "--allow-any", "--pin", PIN1, "--pin", PIN2, "--once",
	  "--timeout", "3" },
	{ "agent", "--allow", DEV, "--pin", PIN1, "--confirm", "--timeout",
	  "3" },
	{ "-j", "agent", "--allow", DEV, "--pin-file", "@pinfile", "--timeout",
	  "3" },
	{ "pair", DEV, "--pin", PIN1, "--pin", PIN2, "--timeout", "3" },
	{ "-vv", "pair", DEV, "--confirm", "--passkey", "123456", "--timeout",
	  "3" },
	{ "-j", "pair", DEV, "--pin", PIN1, "--no-store", "--timeout", "3" },
	{ "pair", "name:HC-05*", "--pin", PIN1, "--timeout", "3" },
	{ "scan", "--duration", "3" },
	{ "-j", "scan", "--duration", "3", "--name", "HC*" },
	{ "monitor", "--timeout", "3" },
	{ "-j", "monitor", "--timeout", "3" },
	{ "unpair", DEV },
	{ "keys", "load" },
	{ "-i", "hci0", "keys", "list" },
	{ "list" },
	{ "-j", "list" },
	{ "setup", "--ssp", "off", "--capability", "DisplayYesNo", "--name",
	  "btpair" },
	{ "-i", "hci1", "power", "on" },
	{ "connect", DEV, "--channel", "1", "--pin", PIN1, "--timeout", "3" },
	{ "bind", DEV, "--channel", "2" },
};

#define N_COMMANDS_FUZZ (sizeof(commands) / sizeof(commands[0]))

static const char *root;
static char store[PATH_MAX], pin_path[PATH_MAX];
static char pins[2][11];
static int next_socket = -1;

int __wrap_mgmt_open_control_socket(void)
{
	int fd = next_socket;

	next_socket = -1;
	return fd >= 0 ? fd : -EAFNOSUPPORT;
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t len = strlen(text);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len || close(fd) < 0)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[PATH_MAX + 64];

	(void)argc;
	(void)argv;
	json_check_self_test();
	root = fuzz_tmpdir("session");
	snprintf(store, sizeof(store), "%s/store", root);
	snprintf(pin_path, sizeof(pin_path), "%s/pins", root);
	/* A key for keys load to find: the captures' controller. */
	mkdir(store, 0700);
	snprintf(path, sizeof(path), "%s/00:AA:01:00:00:00", store);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/00:AA:01:00:00:00/" DEV, store);
	mkdir(path, 0700);
	strcat(path, "/info");
	write_file(path, "[LinkKey]\nKey=00112233445566778899AABBCCDDEEFF\n"
			 "Type=0\nPINLength=4\n");
	setenv("BTPAIR_KEYSTORE", store, 1);
	unsetenv("BTPAIR_PIN");
	/* No terminal: confirmations are refused, never asked. */
	if (!freopen("/dev/null", "r", stdin))
		abort();
	return 0;
}

/* Two fresh 10-character PINs, and the PIN file that holds them. */
static void new_pins(void)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	uint8_t rnd[sizeof(pins)];
	char text[128];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		abort();
	for (size_t i = 0; i < 2; i++) {
		for (size_t k = 0; k < 10; k++)
			pins[i]
			    [k] = chars[rnd[i * 11 + k] % (sizeof(chars) - 1)];
		pins[i][10] = '\0';
	}
	snprintf(text, sizeof(text), "# test\n%s %s\n* %s\n", DEV, pins[0],
		 pins[1]);
	write_file(pin_path, text);
}

/* Neither PIN may appear in what the command printed. */
static void check_output(const char *text)
{
	if (strstr(text, pins[0]) || strstr(text, pins[1]))
		abort();
}

/* The PINs as given on the command line: btpair wipes them there once
 * taken, so they are copies of pins, which check_output needs whole. */
static char argv_pins[2][11];

static char *arg(const char *a)
{
	if (strcmp(a, PIN1) == 0)
		return strcpy(argv_pins[0], pins[0]);
	if (strcmp(a, PIN2) == 0)
		return strcpy(argv_pins[1], pins[1]);
	if (strcmp(a, "@pinfile") == 0)
		return pin_path;
	return (char *)a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *const *cmd;
	char *argv[16], *out = NULL, *err = NULL;
	size_t out_len = 0, err_len = 0;
	FILE *mem_out, *mem_err, *saved_stdout, *saved_stderr;
	struct feeder f;
	int argc = 0, ret;

	if (size < 1)
		return 0;
	cmd = commands[data[0] % N_COMMANDS_FUZZ];
	new_pins();
	argv[argc++] = "btpair";
	for (size_t i = 0; i < 12 && cmd[i]; i++)
		argv[argc++] = arg(cmd[i]);
	argv[argc] = NULL;

	next_socket = feeder_start(&f, data + 1, size - 1);
	mem_out = open_memstream(&out, &out_len);
	mem_err = open_memstream(&err, &err_len);
	if (!mem_out || !mem_err)
		abort();
	saved_stdout = stdout;
	saved_stderr = stderr;
	stdout = mem_out;
	stderr = mem_err;
	optind = 0;
	ret = btpair_main(argc, argv);
	stdout = saved_stdout;
	stderr = saved_stderr;
	fclose(mem_out);
	fclose(mem_err);
	/* Not taken (a usage error, say): the command never closed it. */
	if (next_socket >= 0) {
		close(next_socket);
		next_socket = -1;
	}
	feeder_stop(&f);

	check_output(out ? out : "");
	check_output(err ? err : "");
	/* With -j, standard output is JSON objects, one a line. */
	if (strcmp(cmd[0], "-j") == 0)
		json_check_lines(out, out_len);
	free(out);
	free(err);
	switch (ret) {
	case CLI_EXIT_OK:
	case CLI_EXIT_FAILURE:
	case CLI_EXIT_USAGE:
	case CLI_EXIT_NO_CONTROLLER:
	case CLI_EXIT_PERMISSION:
	case CLI_EXIT_TIMEOUT:
	case CLI_EXIT_AUTH:
	case CLI_EXIT_UNREACHABLE:
	case CLI_EXIT_BUSY:
		break;
	default:
		abort(); /* 130 needs a signal, and nothing sends one */
	}
	return 0;
}
