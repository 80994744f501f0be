#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/context.h"
#include "cli/output.h"
#include "cli/progress.h"

/* The names by code; a code without one reads as "failed". */
static const char *const exit_code_names[] = {
	[CLI_EXIT_OK] = "ok",
	[CLI_EXIT_FAILURE] = "failed",
	[CLI_EXIT_USAGE] = "usage",
	[CLI_EXIT_NO_CONTROLLER] = "no-controller",
	[CLI_EXIT_PERMISSION] = "permission-denied",
	[CLI_EXIT_TIMEOUT] = "timeout",
	[CLI_EXIT_AUTH] = "auth-failed",
	[CLI_EXIT_UNREACHABLE] = "unreachable",
	[CLI_EXIT_BUSY] = "busy",
	[CLI_EXIT_INTERRUPTED] = "interrupted",
};

const char *cli_exit_code_name(int code)
{
	const size_t n = sizeof(exit_code_names) / sizeof(exit_code_names[0]);

	if (code >= 0 && (size_t)code < n && exit_code_names[code])
		return exit_code_names[code];
	return "failed";
}

static void append(struct json *j, const char *s, size_t n)
{
	buf_put(&j->out, s, n);
}

static void append_str(struct json *j, const char *s)
{
	buf_put_str(&j->out, s);
}

/*
 * The length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0 when there is none.
 */
static size_t utf8_len(const unsigned char *p)
{
	size_t n;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return 0; /* a continuation byte, or 0xc0, 0xc1, 0xf5.. */
	}
	/* A NUL ends the string early: it fails the continuation test. */
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void json_append_escaped(struct json *j, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	append(j, "\"", 1);
	while (*p) {
		char esc[8];
		size_t n;

		/* clang-format off */
		switch (*p) {
		case '"': append(j, "\\\"", 2); p++; continue;
		case '\\': append(j, "\\\\", 2); p++; continue;
		case '\n': append(j, "\\n", 2); p++; continue;
		case '\r': append(j, "\\r", 2); p++; continue;
		case '\t': append(j, "\\t", 2); p++; continue;
		default:
			break;
		}
		/* clang-format on */
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			append_str(j, esc);
			p++;
			continue;
		}
		/* Bytes from the air need not be UTF-8: each byte that does
		 * not start a well-formed sequence becomes U+FFFD, so that
		 * every line stays valid JSON. */
		n = utf8_len(p);
		if (!n) {
			append_str(j, "\\ufffd");
			p++;
			continue;
		}
		append(j, (const char *)p, n);
		p += n;
	}
	append(j, "\"", 1);
}

static void key(struct json *j, const char *k)
{
	if (!j->first)
		append(j, ",", 1);
	j->first = false;
	json_append_escaped(j, k);
	append(j, ":", 1);
}

void json_begin(struct json *j, const char *event)
{
	memset(j, 0, sizeof(*j));
	j->first = true;
	append(j, "{", 1);
	json_str(j, "event", event);
}

void json_str(struct json *j, const char *k, const char *val)
{
	key(j, k);
	if (!val)
		append_str(j, "null");
	else
		json_append_escaped(j, val);
}

void json_null(struct json *j, const char *k)
{
	key(j, k);
	append_str(j, "null");
}

void json_str_or_null(struct json *j, const char *k, const char *val)
{
	if (val)
		json_str(j, k, val);
	else
		json_null(j, k);
}

void json_int_or_null(struct json *j, const char *k, bool have, long long val)
{
	if (have)
		json_int(j, k, val);
	else
		json_null(j, k);
}

void json_index(struct json *j, uint16_t index)
{
	if (index == MGMT_INDEX_NONE)
		json_null(j, "index");
	else
		json_int(j, "index", index);
}

void json_begin_index(struct json *j, const char *event, uint16_t index)
{
	json_begin(j, event);
	json_index(j, index);
}

void json_begin_addr(struct json *j, const char *event, uint16_t index,
		     const char *address)
{
	json_begin_index(j, event, index);
	json_str(j, "address", address);
}

void json_addr(struct json *j, const char *k, const bdaddr_t *addr)
{
	char a[BT_ADDR_STRLEN];

	json_str(j, k, addr ? bt_addr_format(addr, a) : NULL);
}

void json_int(struct json *j, const char *k, long long val)
{
	char num[32];

	key(j, k);
	snprintf(num, sizeof(num), "%lld", val);
	append_str(j, num);
}

void json_bool(struct json *j, const char *k, bool val)
{
	key(j, k);
	append_str(j, val ? "true" : "false");
}

void json_str_array(struct json *j, const char *k, const char *const *vals)
{
	key(j, k);
	append(j, "[", 1);
	for (size_t i = 0; vals[i]; i++) {
		if (i)
			append(j, ",", 1);
		json_append_escaped(j, vals[i]);
	}
	append(j, "]", 1);
}

void json_end(struct cli *cli, struct json *j)
{
	append(j, "}", 1);
	if (!j->out.failed && !cli->quiet) {
		fputs(j->out.data, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
	free(j->out.data);
	memset(j, 0, sizeof(*j));
}

int cli_fail(struct cli *cli, int code, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = cli_vfail(cli, code, status, fmt, ap);
	va_end(ap);
	return code;
}

int cli_vfail(struct cli *cli, int code, int status, const char *fmt,
	      va_list ap)
{
	char msg[1024];

	cli_progress_end();
	vsnprintf(msg, sizeof(msg), fmt, ap);

	if (cli->capture) {
		cli->capture->code = code;
		cli->capture->status = status;
		snprintf(cli->capture->message, sizeof(cli->capture->message),
			 "%s", msg);
		if (status >= 0)
			snprintf(cli->capture->error,
				 sizeof(cli->capture->error),
				 "%s [mgmt status 0x%02x]", msg, status & 0xff);
		else
			snprintf(cli->capture->error,
				 sizeof(cli->capture->error), "%s", msg);
		return code;
	}
	if (status >= 0)
		fprintf(stderr, "%s: %s [mgmt status 0x%02x]\n", cli->prog, msg,
			status);
	else
		fprintf(stderr, "%s: %s\n", cli->prog, msg);

	if (cli->json) {
		struct json j;
		/* Errors are shown even with --quiet: scripts need them. */
		bool quiet = cli->quiet;

		json_begin(&j, "error");
		json_str(&j, "code", cli_exit_code_name(code));
		json_int_or_null(&j, "status", status >= 0, status);
		json_str(&j, "message", msg);
		cli->quiet = false;
		json_end(cli, &j);
		cli->quiet = quiet;
	}
	return code;
}

void cli_warn(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	cli_progress_end();
	if (cli->capture) {
		va_start(ap, fmt);
		vsnprintf(cli->capture->warning, sizeof(cli->capture->warning),
			  fmt, ap);
		va_end(ap);
		return;
	}
	fprintf(stderr, "%s: warning: ", cli->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_print(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	cli_progress_end();
	if (cli->quiet || cli->json)
		return;
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}
