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
int cmd_doctor(struct cli *cli, int argc, char *argv[]);
int cmd_status(struct cli *cli, int argc, char *argv[]);

/* The controllers present, by address, so that an event about a stored key
 * names its controller by index like every other event (keys.c). */
#define CLI_MAX_CONTROLLERS 16
struct cli_present {
	size_t n;
	uint16_t index[CLI_MAX_CONTROLLERS];
	bdaddr_t addr[CLI_MAX_CONTROLLERS];
};
/* Fill p with the controllers the kernel has; quietly none when it cannot
 * be asked (no Bluetooth, no permission): a key store needs no kernel. */
void cli_find_present(struct cli *cli, struct cli_present *p);
/* The index of the controller at addr, or MGMT_INDEX_NONE. */
uint16_t cli_present_index(const struct cli_present *p, const bdaddr_t *addr);
int cmd_disconnect(struct cli *cli, int argc, char *argv[]);
int cmd_serial(struct cli *cli, int argc, char *argv[]);

/* The Serial Port channel of addr by SDP, else 1 with a note on stderr
 * (rfcomm.c). Returns the exit code, reported. */
int cli_find_channel(struct cli *cli, const char *cmd, const bdaddr_t *local,
		     const bdaddr_t *addr, int64_t deadline, uint8_t *channel);

/* ---- Declared serial devices (serial.c) ---- */
struct serial_entry;
struct serial_state;
struct serial_conf_error;
struct rfcomm_dev_state;

/*
 * The /dev/rfcommN that serves entry e among the kernel's bindings, or -1.
 * *known says whether st was filled (from what `serial up` recorded, or the
 * entry's own address).
 */
int cli_serial_bound(const struct serial_entry *e,
		     const struct rfcomm_dev_state *devs, size_t ndevs,
		     struct serial_state *st, bool *known);
/* Whether the pty process of the entry called name runs. */
bool cli_serial_pty_running(const char *name);
/* Report a serial.conf that could not be loaded (err from
 * serial_conf_load); returns the exit code. */
int cli_serial_conf_fail(struct cli *cli, const char *cmd, const char *path,
			 int err, const struct serial_conf_error *cerr);

/*
 * ADDR as given, or for "name:PATTERN" (a case-insensitive shell glob) the
 * address found by a scan on index: none is exit 7, several exit 2 unless
 * first. Opens nothing; the client must be open. Returns the exit code.
 */
int cli_resolve_addr(struct cli *cli, const char *cmd, const char *arg,
		     uint16_t index, bool first, struct mgmt_addr *out);
/* The same, and for a name:PATTERN the name found into name (size bytes;
 * "" for an address). */
int cli_resolve_addr_name(struct cli *cli, const char *cmd, const char *arg,
			  uint16_t index, bool first, struct mgmt_addr *out,
			  char *name, size_t size);

/*
 * For "name:PATTERN" (a case-insensitive shell glob), the one device of the
 * key store in dir (of the controller ctrl, or of any when NULL) whose
 * stored name matches: none is exit 1, several exit 2. Returns the exit
 * code after reporting. (keys.c)
 */
int cli_stored_name_addr(struct cli *cli, const char *cmd, const char *dir,
			 const bdaddr_t *ctrl, const char *arg, bdaddr_t *dev);

/* The device's name in the key store in dir (of any controller): false
 * when it has none there. (keys.c) */
bool cli_stored_name(const char *dir, const bdaddr_t *dev, char *name,
		     size_t size);

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
/* A NULL val is written as null. */
void json_str(struct json *j, const char *key, const char *val);
void json_int(struct json *j, const char *key, long long val);
void json_bool(struct json *j, const char *key, bool val);
void json_null(struct json *j, const char *key);
/* A string, or null when val is NULL. */
void json_str_or_null(struct json *j, const char *key, const char *val);
/* "index": the controller's index, or null for MGMT_INDEX_NONE. */
void json_index(struct json *j, uint16_t index);
/* "key":["a","b"] from a NULL-terminated list. */
void json_str_array(struct json *j, const char *key, const char *const *vals);
/* Print the object and a newline on stdout (unless quiet), then free it. */
void json_end(struct cli *cli, struct json *j);
/*
 * The escaped form of s, for tests and for the writer: appends to j. Control
 * bytes are escaped, and each byte that does not start well-formed UTF-8
 * becomes U+FFFD: whatever bytes a device name brought, the line is valid
 * UTF-8 JSON.
 */
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
/* --timeout S for a command that waits on a device: 1 to 86400 seconds;
 * otherwise a usage error, reported. */
bool cli_parse_timeout(struct cli *cli, const char *cmd, const char *arg,
		       unsigned long *seconds);
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
 * The PINs for pairing addr before connect or bind: --pin (in pins), else
 * pin_file, else BTPAIR_PIN; found_name is the name a scan found, if any
 * (else the key store's is used). Returns the exit code. (pair.c)
 */
int cli_pair_gather_pins(struct cli *cli, struct cli_pins *pins,
			 const char *cmd, const char *pin_file,
			 const struct mgmt_addr *addr, const char *found_name);

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

/* A PIN file is small; anything bigger is not one. */
#define CLI_PIN_FILE_MAX 65536

/* A PIN file's bytes, read once; regular when it can be read again. */
struct cli_pin_text {
	char *data;
	size_t len;
	bool regular;
};

/*
 * Read a PIN file whole: path, or "-" for standard input; a regular file or
 * a pipe (so that --pin-file <(command) works), at most CLI_PIN_FILE_MAX
 * bytes. Warns when group or others can read it. Returns CLI_EXIT_OK, or
 * the exit code (2) after reporting. Free t with cli_pin_text_free.
 */
int cli_pin_file_read(struct cli *cli, const char *cmd, const char *path,
		      struct cli_pin_text *t);
void cli_pin_text_free(struct cli_pin_text *t);
/*
 * Parse a PIN file's text: either one PIN alone (the file's only line), or
 * lines "ADDR PIN", "NAME PIN" (a Bluetooth name, a case-insensitive glob;
 * "double quoted" if it has blanks) and "* PIN", with '#' comment lines and
 * blank lines. Every line is checked; one that does not parse is an error
 * naming path and line. With addr, the device's PINs are added to pins:
 * its address's lines, then those whose NAME matches name (when known),
 * then '*' lines; none is an error ("no PIN for ADDR in FILE"). Without
 * addr, the file is only checked. Returns CLI_EXIT_OK or 2 after
 * reporting.
 */
int cli_pin_file_parse(struct cli *cli, struct cli_pins *pins,
		       const char *cmd, const char *path,
		       const struct cli_pin_text *t, const bdaddr_t *addr,
		       const char *name);
/* Read and parse in one. */
int cli_pins_from_file(struct cli *cli, struct cli_pins *pins, const char *cmd,
		       const char *path, const bdaddr_t *addr,
		       const char *name);
/*
 * The PINs for a device, from the one source given: --pin (already in pins),
 * else the PIN file, else BTPAIR_PIN; none at all is no error. --pin and
 * --pin-file together are a usage error. Returns the exit code.
 */
int cli_pins_gather(struct cli *cli, struct cli_pins *pins, const char *cmd,
		    const char *pin_file, const bdaddr_t *addr,
		    const char *name);
/* Wipe and free. */
void cli_pins_clear(struct cli_pins *pins);

#endif
