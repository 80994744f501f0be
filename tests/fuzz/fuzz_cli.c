/*
 * Fuzz the command line: global options, command lookup, each command's
 * options, their validation (addresses, PINs, numbers, capabilities,
 * channels), and PIN files. The input is argv, one argument per
 * NUL-terminated string; after an empty argument, the rest is the text of
 * a PIN file, which the argument "@pins" names.
 *
 * No socket is reached with effect: on a machine without Bluetooth,
 * socket(AF_BLUETOOTH) fails with EAFNOSUPPORT and the command exits 3. The
 * key store is a private temporary directory holding one key, whatever
 * --keystore says (any argument starting "--k" is rewritten to point at
 * it), so that `keys list|remove` work on something and touch nothing else.
 * Exit codes must be the contract's; memory must not leak. With -j (as
 * main's own option parser sees it), every line on standard output must be
 * a valid JSON object, help text aside.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/fuzz/json_check.h"
#include "tests/fuzz/tmpdir.h"

int btpair_main(int argc, char *argv[]);
#define main btpair_main
#include "cli/main.c"
#undef main

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64
#define KEY_FILE                                                               \
	"[General]\nName=HC-05\n\n[LinkKey]\n"                                 \
	"Key=00112233445566778899AABBCCDDEEFF\nType=0\nPINLength=4\n"

static const char *root;
static char keystore_opt[PATH_MAX + 16];
static char pin_path[PATH_MAX];
static char key_dir[PATH_MAX];

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) < 0)
		abort();
}

/* The store as each run finds it: one controller, one device, one key. */
static void reset_store(void)
{
	char path[PATH_MAX + 8];

	snprintf(path, sizeof(path), "%s/store", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/store/00:AA:01:00:00:00", root);
	mkdir(path, 0700);
	mkdir(key_dir, 0700);
	snprintf(path, sizeof(path), "%s/info", key_dir);
	write_file(path, KEY_FILE, strlen(KEY_FILE));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	json_check_self_test();
	root = fuzz_tmpdir("cli");
	snprintf(keystore_opt, sizeof(keystore_opt), "--keystore=%s/store",
		 root);
	snprintf(pin_path, sizeof(pin_path), "%s/pins", root);
	snprintf(key_dir, sizeof(key_dir),
		 "%s/store/00:AA:01:00:00:00/00:AA:01:01:00:01", root);
	/* The default store, for commands given no --keystore. */
	setenv("BTPAIR_KEYSTORE", keystore_opt + strlen("--keystore="), 1);
	unsetenv("BTPAIR_PIN");
	/* A PIN prompt or terminal must never wait for a person. */
	if (!freopen("/dev/null", "r", stdin))
		abort();
	return 0;
}

/* Whether main will run with --json: its own parser on argv, what it
 * prints thrown away. */
static bool json_mode(int argc, char *argv[])
{
	static FILE *null;
	struct cli cli = { .prog = "btpair", .signal_fd = -1 };
	FILE *saved_stdout = stdout, *saved_stderr = stderr;
	bool version = false;

	if (!null && !(null = fopen("/dev/null", "we")))
		abort();
	stdout = stderr = null;
	optind = 0;
	parse_globals(&cli, argc, argv, &version);
	stdout = saved_stdout;
	stderr = saved_stderr;
	return cli.json;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *argv[MAX_ARGS + 2], *owned[MAX_ARGS + 1], *out = NULL;
	size_t pos = 0, nowned = 0, out_len = 0;
	FILE *mem = NULL, *saved_stdout;
	int argc = 0, ret;
	bool json;

	/* A NUL-terminated copy, so that the last argument ends too. */
	copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';

	argv[argc++] = "btpair";
	while (pos < size && argc <= MAX_ARGS) {
		char *arg = copy + pos;
		size_t len = strlen(arg);

		pos += len + 1;
		if (len == 0) {
			/* The rest is the PIN file. */
			write_file(pin_path, copy + pos,
				   pos < size ? size - pos : 0);
			break;
		}
		/* Copies: btpair wipes the value of --pin in argv, which must
		 * not wipe the paths every input shares. */
		if (strcmp(arg, "@pins") == 0)
			arg = owned[nowned++] = strdup(pin_path);
		else if (strncmp(arg, "--k", 3) == 0)
			arg = owned[nowned++] = strdup(keystore_opt);
		if (!arg)
			abort();
		argv[argc++] = arg;
	}
	argv[argc] = NULL;

	/* With -j, standard output is caught, to be checked. */
	json = json_mode(argc, argv);
	reset_store();
	saved_stdout = stdout;
	if (json) {
		mem = open_memstream(&out, &out_len);
		if (!mem)
			abort();
		stdout = mem;
	}
	optind = 0; /* getopt starts afresh, as in a new process */
	ret = btpair_main(argc, argv);
	if (json) {
		stdout = saved_stdout;
		fclose(mem);
	}
	fflush(stdout);
	fflush(stderr);
	free(copy);
	while (nowned)
		free(owned[--nowned]);

	/* --help is text whatever else was asked. */
	if (json && strncmp(out, "usage: ", 7) != 0)
		json_check_lines(out, out_len);
	free(out);

	/* Without Bluetooth nothing gets past opening the mgmt socket:
	 * help, a local failure, a usage error, or "no controller". */
	if (ret != CLI_EXIT_OK && ret != CLI_EXIT_FAILURE &&
	    ret != CLI_EXIT_USAGE && ret != CLI_EXIT_NO_CONTROLLER)
		abort();
	return 0;
}
