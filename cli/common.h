/* Helpers the commands share (common.c). */
#ifndef BTPAIR_CLI_COMMON_H
#define BTPAIR_CLI_COMMON_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cli/context.h"
#include "mgmt/wire.h"

/* Parse ADDR; on failure report a usage error and return false. */
bool cli_parse_addr(struct cli *cli, const char *cmd, const char *arg,
		    struct mgmt_addr *out);
/* Parse a decimal number in [min, max]; false on anything else. */
bool cli_parse_uint(const char *arg, unsigned long min, unsigned long max,
		    unsigned long *out);
/*
 * Parse a number argument in [min, max] as cli_parse_uint does; on anything
 * else report fmt as a usage error and return false.
 */
bool cli_uint_arg(struct cli *cli, const char *arg, unsigned long min,
		  unsigned long max, unsigned long *out, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Parse "hciN" or "N"; false on anything else. */
bool cli_parse_index(const char *arg, uint16_t *out);
/* -i, when given, parsed into *index (left as it is without -i); false
 * after reporting a usage error. */
bool cli_index_arg(struct cli *cli, uint16_t *index);

/*
 * Open the management socket and make cli->client. Returns CLI_EXIT_OK, or
 * the exit code after reporting why not.
 */
int cli_open(struct cli *cli, const char *cmd);
/* The most controllers Read Index List is read for. */
#define CLI_INDEX_LIST_MAX 1024
/* Read Index List into indexes, as the kernel lists them; reports failures
 * for cmd. */
int cli_read_index_list(struct cli *cli, const char *cmd,
			uint16_t indexes[static CLI_INDEX_LIST_MAX],
			uint16_t *count);
/* The controller to use: -i if given and present, else the first one. */
int cli_resolve_index(struct cli *cli, const char *cmd, uint16_t *index);
/* Open, resolve the controller (-i or the first) and read its address. */
int cli_controller(struct cli *cli, const char *cmd, uint16_t *index,
		   bdaddr_t *addr);
/* Read Controller Information; reports failures. */
int cli_read_info(struct cli *cli, const char *cmd, uint16_t index,
		  struct mgmt_controller_info *info);

/*
 * Whether this process has CAP_NET_ADMIN, which the kernel checks when a
 * management socket is bound: without it the socket may read controllers
 * but is sent no pairing events and may change nothing. True when it cannot
 * tell.
 */
bool cli_has_net_admin(void);
/* Whether -errno err is a refused permission (EPERM, EACCES). */
bool cli_permission_error(int err);
/* The exit code for a failed system call (-errno): 4 for a refused
 * permission, else 1. */
int cli_errno_exit(int err);
/* What to say of it: "permission denied: needs root or CAP_NET_ADMIN" for a
 * refused permission, else strerror. For the kernel's sockets and ioctls. */
const char *cli_errno_str(int err);
/* The same for a file or directory, which CAP_NET_ADMIN does not open:
 * "permission denied: run as root or its owner, or change its mode". */
const char *cli_file_errno_str(int err);
/*
 * Report a failed system call (-errno) for what: a refused permission is
 * exit 4 with cli_errno_str's message (cli_file_errno_fail: a file or
 * directory, cli_file_errno_str's), anything else exit 1.
 */
int cli_errno_fail(struct cli *cli, int err, const char *what);
int cli_file_errno_fail(struct cli *cli, int err, const char *what);

/* The name of a mgmt status, or "unknown status". */
const char *cli_status_name(uint8_t status);
/*
 * Send a command with the usual deadline (CLI_COMMAND_TIMEOUT_MS) and report
 * a failure for what: a client error (-errno) always; a failed status too
 * when status is NULL, else it is passed back for the caller to judge.
 * Returns CLI_EXIT_OK, or the exit code after reporting.
 */
int cli_call(struct cli *cli, const char *what, uint16_t opcode, uint16_t index,
	     const void *param, size_t len, uint8_t *status, void *rp,
	     size_t rp_size, size_t *rp_len);
/* The exit code for a failed mgmt status. */
int cli_status_exit(uint8_t status);
/* Report a failed mgmt status for what, naming the status. */
int cli_status_fail(struct cli *cli, uint8_t status, const char *what);
/* The exit code and message for a client error (-ETIMEDOUT ...). */
int cli_client_fail(struct cli *cli, int err, const char *what);

/* Settings bits as names: "powered connectable bondable ..." into buf;
 * names[] gets the same as a NULL-terminated list (at most 33 entries). */
void cli_settings_names(uint32_t settings, const char *names[static 33]);
void cli_settings_str(uint32_t settings, char *buf, size_t size);

/* The gid of group, a group name or a number: 0, or -ENOENT when there is
 * no such group (a number is taken as it is). */
int cli_group_lookup(const char *group, gid_t *gid);

/* btpair --version, as text or JSON; returns CLI_EXIT_OK. */
int cli_print_version(struct cli *cli);

/* Whether a process named bluetoothd runs (it may answer requests first). */
bool cli_bluetoothd_running(void);

/* How an option's value is taken into its field; each but CLI_OPT_FLAG takes
 * a value. A bad value is a usage error, reported as "CMD: --NAME ...". */
enum cli_opt_kind {
	CLI_OPT_FLAG,	    /* bool: set to true */
	CLI_OPT_STRING,	    /* const char *: the value itself */
	CLI_OPT_PATH,	    /* const char *: an absolute path */
	CLI_OPT_NAME,	    /* const char *: a Bluetooth name, <= 248 bytes */
	CLI_OPT_PINS,	    /* struct cli_pins: one PIN more (cli_pins_add) */
	CLI_OPT_CAPABILITY, /* uint8_t: an IO capability (NoInputNoOutput ...) */
	CLI_OPT_CHANNEL,    /* uint8_t: an RFCOMM channel, 1 to 30 */
	CLI_OPT_UINT,	    /* unsigned long: min to max */
	CLI_OPT_SECONDS,    /* unsigned long: min to max seconds */
	CLI_OPT_RUN_TIME,   /* unsigned long: how long to run, in seconds */
	CLI_OPT_OWN,	    /* the command's own cli_option_fn */
};

/* The longest CLI_OPT_RUN_TIME: a year. */
#define CLI_RUN_TIME_MAX_S 31536000

/* One of a command's options. */
struct cli_opt {
	const char *name; /* --name */
	int val;	  /* getopt's val: what CLI_OPT_OWN is told */
	enum cli_opt_kind kind;
	size_t field; /* where in the command's data: offsetof, or 0 */
	unsigned long min, max; /* CLI_OPT_UINT, CLI_OPT_SECONDS */
};

/* An entry of opts: option --name, its val, kind CLI_OPT_kind, setting
 * field of type (and, for some kinds, min and max). */
#define CLI_OPT(type, name, val, kind, field, ...)                             \
	{                                                                      \
		name, val, CLI_OPT_##kind, offsetof(type, field), __VA_ARGS__  \
	}

/*
 * One option of a command's own (CLI_OPT_OWN), with its value: true when
 * taken, false after reporting a usage error.
 */
typedef bool cli_option_fn(struct cli *cli, int opt, const char *arg,
			   void *data);
/* A global option (-i ARG, -j, -v, -q), before the command or after it,
 * into cli. */
void cli_take_global(struct cli *cli, int opt, const char *arg);

/*
 * A command's options (getopt_long, with -h/--help added): opts, a table
 * ended by an entry without a name, says what each sets in data; own takes
 * those of kind CLI_OPT_OWN. A command without options passes NULL for
 * them all. True when the command goes on with its arguments from
 * argv[optind], counted against its entry in the command table; false with
 * *ret set when it is done: help shown (0), or a usage error reported.
 */
bool cli_options(struct cli *cli, const char *cmd, int argc, char *argv[],
		 const struct cli_opt *opts, cli_option_fn *own, void *data,
		 int *ret);
/* Check the count of positional arguments left after the options. */
bool cli_check_args(struct cli *cli, const char *cmd, int have, int min,
		    int max);

#endif
