/* Shared by the btpair commands: context, exit codes, output, helpers. */
#ifndef BTPAIR_CLI_H
#define BTPAIR_CLI_H

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mgmt/client.h"
#include "mgmt/wire.h"

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

struct cli {
	const char *prog;
	bool json;
	int verbose;
	bool quiet;
	const char *index_arg; /* -i as given, or NULL */
	int signal_fd;	       /* signalfd for SIGINT/SIGTERM, or -1 */
	struct mgmt_client *client;
};

struct cli_command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char *argv[]);
	const char *usage;   /* the synopsis after "btpair " */
	const char *summary; /* one line for btpair --help */
	const char *help;  /* what it does, and its options */
};

int cmd_list(struct cli *cli, int argc, char *argv[]);
int cmd_power(struct cli *cli, int argc, char *argv[]);
int cmd_setup(struct cli *cli, int argc, char *argv[]);
int cmd_pair(struct cli *cli, int argc, char *argv[]);
int cmd_unpair(struct cli *cli, int argc, char *argv[]);
int cmd_monitor(struct cli *cli, int argc, char *argv[]);
int cmd_keys(struct cli *cli, int argc, char *argv[]);
int cmd_agent(struct cli *cli, int argc, char *argv[]);
int cmd_connect(struct cli *cli, int argc, char *argv[]);
int cmd_listen(struct cli *cli, int argc, char *argv[]);
int cmd_bind(struct cli *cli, int argc, char *argv[]);
int cmd_release(struct cli *cli, int argc, char *argv[]);
int cmd_scan(struct cli *cli, int argc, char *argv[]);

/*
 * ADDR as given, or for "name:PATTERN" (a case-insensitive shell glob) the
 * address found by a scan on index: none is exit 7, several exit 2 unless
 * first. Opens nothing; the client must be open. Returns the exit code.
 */
int cli_resolve_addr(struct cli *cli, const char *cmd, const char *arg,
		     uint16_t index, bool first, struct mgmt_addr *out);

/* ---- Errors and output (output.c) ---- */

/* The JSON "code" of an exit code ("auth-failed"). */
const char *cli_exit_code_name(int code);

/*
 * Report a failure: one line on stderr, "btpair: MESSAGE [mgmt status 0xNN]"
 * (the bracket only when status >= 0), and with --json also an error object
 * on stdout. Returns code, so that callers can `return cli_fail(...)`.
 */
int cli_fail(struct cli *cli, int code, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A warning on stderr ("btpair: warning: ..."), even with --quiet. */
void cli_warn(struct cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A small JSON object writer: one object, printed as one line. Strings are
 * escaped; the buffer grows as needed.
 */
struct json {
	char *buf;
	size_t len, cap;
	bool first;
	bool failed;
};

void json_begin(struct json *j, const char *event);
void json_str(struct json *j, const char *key, const char *val);
void json_int(struct json *j, const char *key, long long val);
void json_bool(struct json *j, const char *key, bool val);
/* "key":["a","b"] from a NULL-terminated list. */
void json_str_array(struct json *j, const char *key, const char *const *vals);
/* Print the object and a newline on stdout (unless quiet), then free it. */
void json_end(struct cli *cli, struct json *j);
/* The escaped form of s, for tests and for the writer: appends to j. */
void json_append_escaped(struct json *j, const char *s);

/* A result line on stdout in text mode (nothing with --quiet). */
void cli_print(struct cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- Progress (progress.c) ---- */

/* Whether progress lines are shown: stderr a terminal, neither -q nor
 * --json. */
bool cli_progress_enabled(const struct cli *cli);
/*
 * Say what btpair now waits for ("connecting to ADDR"), on stderr as
 * "btpair: ...", if the wait is still going on a second from now; with a
 * deadline (not -1) the time left is added. Replaces what was pending.
 * Nothing at all unless cli_progress_enabled().
 */
void cli_progress(const struct cli *cli, int64_t deadline, const char *fmt,
		  ...) __attribute__((format(printf, 3, 4)));
/* The wait is over: nothing pending is printed any more. Every result,
 * warning and error line calls it first. */
void cli_progress_end(void);

/* ---- Helpers (common.c) ---- */

/* Parse ADDR; on failure report a usage error and return false. */
bool cli_parse_addr(struct cli *cli, const char *cmd, const char *arg,
		    struct mgmt_addr *out);
/* Parse a decimal number in [min, max]; false on anything else. */
bool cli_parse_uint(const char *arg, unsigned long min, unsigned long max,
		    unsigned long *out);
/* Parse "hciN" or "N"; false on anything else. */
bool cli_parse_index(const char *arg, uint16_t *out);

/*
 * Open the management socket and make cli->client. Returns CLI_EXIT_OK, or
 * the exit code after reporting why not.
 */
int cli_open(struct cli *cli, const char *cmd);
/* The controller to use: -i if given and present, else the first one. */
int cli_resolve_index(struct cli *cli, const char *cmd, uint16_t *index);
/* Open, resolve the controller (-i or the first) and read its address. */
int cli_controller(struct cli *cli, const char *cmd, uint16_t *index,
		   bdaddr_t *addr);
/* An RFCOMM channel, 1..30; reports a usage error and returns false. */
bool cli_parse_channel(struct cli *cli, const char *cmd, const char *arg,
		       uint8_t *channel);
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
/*
 * Report a failed system call (-errno) on a socket, file or directory for
 * what: a refused permission is exit 4 with the message every permission
 * failure gives ("needs root or CAP_NET_ADMIN"), anything else exit 1.
 */
int cli_errno_fail(struct cli *cli, int err, const char *what);

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

/* Whether a process named bluetoothd runs (it may answer requests first). */
bool cli_bluetoothd_running(void);

/*
 * getopt_long for a command, with -h/--help added: returns the option, -1 at
 * the end, or CLI_OPT_EXIT with *ret set (help shown: 0; bad option: usage
 * error reported).
 */
#define CLI_OPT_EXIT (-2)
int cli_getopt(struct cli *cli, const char *cmd, int argc, char *argv[],
	       const char *shortopts, const struct option *longopts, int *ret);
/* Check the count of positional arguments left after the options. */
bool cli_check_args(struct cli *cli, const char *cmd, int have, int min,
		    int max);

/* The global usage text. */
void cli_usage(FILE *out);
/* Print "usage: btpair ..." of one command on stdout. */
void cli_command_help(const struct cli_command *cmd);
const struct cli_command *cli_find_command(const char *name);

/* ---- Event description (trace.c) ---- */

/* A one-line description of an event ("pin-request 00:11:.. secure"),
 * never containing a PIN or key. Returns buf. */
const char *cli_event_name(uint16_t code);
void cli_event_describe(const struct mgmt_event *ev, char *buf, size_t size);
/* Add the event's fields to a JSON object (never a key or PIN). */
void cli_event_json(const struct mgmt_event *ev, struct json *j);
/* The trace callback behind -v / -vv. */
void cli_trace(void *data, bool outgoing, uint16_t code, uint16_t index,
	       const uint8_t *param, size_t len);

/* ---- PINs (pin.c) ---- */
struct cli_pins;

/*
 * Pair before connecting (pair.c): like `pair`, key stored, failures
 * reported, but nothing on stdout. With afresh, the kernel's key for the
 * device is dropped first (Unpair Device), so that a new one is made.
 * *already says whether the device was paired already. Returns the exit
 * code.
 */
int cli_pair_for_connect(struct cli *cli, uint16_t index,
			 const struct mgmt_addr *addr,
			 const struct cli_pins *pins, unsigned long timeout_s,
			 bool afresh, bool *already);

/*
 * Answering the pairing requests an RFCOMM connect triggers, for the device
 * at addr (pair.c). With PINs they are answered as `pair` would, and a new
 * key is stored once the link is up; without, they are only noted, since an
 * agent may answer them. cli_connect_auth_serve is an rfcomm_watch's serve.
 */
struct cli_connect_auth;
struct cli_connect_auth *cli_connect_auth_new(struct cli *cli, uint16_t index,
					      const bdaddr_t *controller,
					      const struct mgmt_addr *addr,
					      const struct cli_pins *pins,
					      int64_t deadline);
int cli_connect_auth_serve(void *data);
/*
 * End it and free it; connect_err is rfcomm_connect's result. After a
 * connect that failed: the exit code, reported, when a request explains the
 * failure, else -1 for the caller to report the connect's own error (always
 * for -EINTR). After one that worked: CLI_EXIT_OK, or the exit code when the
 * new key could not be stored. A request noted but not answered is refused
 * when the connect failed.
 */
int cli_connect_auth_finish(struct cli_connect_auth *ca, int connect_err);

#define CLI_MAX_PINS 16

struct cli_pins {
	char *pins[CLI_MAX_PINS];
	size_t count;
};

/* Add one PIN from the command line. Returns false (after a usage error)
 * when it is empty, over 16 bytes, or one too many. */
bool cli_pins_add(struct cli *cli, struct cli_pins *pins, const char *cmd,
		  const char *pin);
/*
 * Read the PINs for addr from a PIN file: either one PIN on the first line,
 * or lines "ADDR PIN" / "* PIN", '#' comments. Returns CLI_EXIT_OK or
 * the exit code after reporting. Warns if group or others can read it.
 */
int cli_pins_from_file(struct cli *cli, struct cli_pins *pins, const char *cmd,
		       const char *path, const bdaddr_t *addr);
/* Wipe and free. */
void cli_pins_clear(struct cli_pins *pins);

#endif
