/* Errors and output (output.c). */
#ifndef BTPAIR_CLI_OUTPUT_H
#define BTPAIR_CLI_OUTPUT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/context.h"
#include "lib/buf.h"
#include "mgmt/addr.h"

/* The JSON "code" of an exit code ("auth-failed"). */
const char *cli_exit_code_name(int code);

/*
 * Report a failure: one line on stderr, "btpair: MESSAGE [mgmt status 0xNN]"
 * (the bracket only when status >= 0), and with --json also an error object
 * on stdout. Returns code, so that callers can `return cli_fail(...)`.
 * With cli->capture set, the message is kept there instead, unprinted.
 */
int cli_fail(struct cli *cli, int code, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int cli_vfail(struct cli *cli, int code, int status, const char *fmt,
	      va_list ap) __attribute__((format(printf, 4, 0)));

/* A warning on stderr ("btpair: warning: ..."), even with --quiet; kept
 * in cli->capture instead when that is set. */
void cli_warn(struct cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A small JSON object writer: one object, printed as one line. Strings are
 * escaped; the buffer grows as needed.
 */
struct json {
	struct buf out;
	bool first;
};

void json_begin(struct json *j, const char *event);
/* A NULL val is written as null. */
void json_str(struct json *j, const char *key, const char *val);
void json_int(struct json *j, const char *key, long long val);
void json_bool(struct json *j, const char *key, bool val);
void json_null(struct json *j, const char *key);
/* A string, or null when val is NULL. */
void json_str_or_null(struct json *j, const char *key, const char *val);
/* val when have, else null. */
void json_int_or_null(struct json *j, const char *key, bool have,
		      long long val);
/* "index": the controller's index, or null for MGMT_INDEX_NONE. */
void json_index(struct json *j, uint16_t index);
/* json_begin, then the controller's index as json_index writes it. */
void json_begin_index(struct json *j, const char *event, uint16_t index);
/* json_begin_index, then "address": an event about an address, the
 * controller's own or a device's. */
void json_begin_addr(struct json *j, const char *event, uint16_t index,
		     const char *address);
/* "key":"00:11:22:33:44:55", or null when addr is NULL. */
void json_addr(struct json *j, const char *key, const bdaddr_t *addr);
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

#endif
