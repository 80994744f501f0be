/* The context every command runs in, and the exit codes. */
#ifndef BTPAIR_CLI_CONTEXT_H
#define BTPAIR_CLI_CONTEXT_H

#include <stdbool.h>

#include "mgmt/client.h"

/* The exit codes of the command-line contract. */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILURE = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_NO_CONTROLLER = 3,
	CLI_EXIT_PERMISSION = 4,
	CLI_EXIT_TIMEOUT = 5,
	CLI_EXIT_AUTH = 6,
	CLI_EXIT_UNREACHABLE = 7,
	CLI_EXIT_BUSY = 8,
	CLI_EXIT_INTERRUPTED = 130,
};

/* How long a controller command may take before btpair gives up. */
#define CLI_COMMAND_TIMEOUT_MS 10000

/*
 * Where a long-lived process that retries (serial up's retry process) keeps
 * the last failure and warning said, instead of printing them, so that it
 * says only what changed.
 */
struct cli_capture {
	char error[1100]; /* as cli_fail would have printed it */
	char warning[512];
	/* The failure's parts, for an event that reports it: the exit code,
	 * the mgmt status or -1, the message without the status. */
	int code, status;
	char message[1024];
};

struct cli {
	const char *prog;
	bool json;
	int verbose;
	bool quiet;
	bool version;	       /* -V after the command: print it and stop */
	const char *index_arg; /* -i as given, or NULL */
	int signal_fd;	       /* signalfd for SIGINT/SIGTERM, or -1 */
	struct mgmt_client *client;
	/* Where the kernel lists the controllers it has registered (NULL:
	 * CLI_SYSFS_BLUETOOTH); tests point it elsewhere. */
	const char *sysfs_dir;
	/* When set, failures and warnings go here and are not printed. */
	struct cli_capture *capture;
};

#define CLI_SYSFS_BLUETOOTH "/sys/class/bluetooth"

#endif
