/*
 * Fuzz what `btpair doctor` parses: monitor channel messages (the first
 * byte picks the parser), rfkill events, debugfs's key list, the agent's
 * settings and PIN files. Beyond "no crash": only the documented results,
 * a process name NUL-terminated and printable, counts within their arrays,
 * a PIN file's bad line within the text.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/probe.h"
#include "mgmt/monitor.h"
#include "pin/file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_monitor(const uint8_t *data, size_t size)
{
	struct mon_socket s;
	int r = mon_decode(data, size, &s);

	if (r != 0 && r != 1 && r != -ENOENT && r != -EBADMSG)
		abort();
	if (r != 0)
		return;
	if (strnlen(s.comm, sizeof(s.comm)) == sizeof(s.comm))
		abort();
	for (const char *p = s.comm; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			abort();
}

static void fuzz_text(uint8_t kind, const char *text, size_t size)
{
	bdaddr_t addrs[8];
	char value[32];
	struct file_error perr;
	struct pin_file pf;
	size_t count = 0, lines = 1;
	int r;

	switch (kind % 3) {
	case 0:
		r = probe_kernel_keys_parse(text, size, addrs, 8, &count);
		if ((r != 0 && r != -EBADMSG) || count > 8)
			abort();
		break;
	case 1:
		r = probe_env_value(text, size, "PIN_FILE", value,
				    sizeof(value));
		if (r != 0 && r != -ENOENT && r != -ENAMETOOLONG)
			abort();
		if (r == 0 && strnlen(value, sizeof(value)) == sizeof(value))
			abort();
		break;
	default:
		for (size_t i = 0; i < size; i++)
			lines += text[i] == '\n';
		r = pin_file_parse(text, size, &pf, &perr);
		if (r != 0 && r != -EINVAL && r != -ENOMEM)
			abort();
		if (r == -EINVAL &&
		    (perr.line > lines ||
		     strnlen(perr.msg, sizeof(perr.msg)) == sizeof(perr.msg)))
			abort();
		if (r == 0) {
			const char *pins[4];
			bdaddr_t any = { { 0 } };
			size_t n = pin_file_lookup(&pf, &any, "HC-05", pins, 4);

			if (!pf.count)
				abort(); /* a file with no PIN is refused */
			for (size_t i = 0; i < n && i < 4; i++)
				if (!pins[i][0] || strlen(pins[i]) > 16 ||
				    strcmp(pins[i], "*") == 0)
					abort();
			pin_file_free(&pf);
		}
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_rfkill rf;
	char *text;

	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_monitor(data + 1, size - 1);
		break;
	case 1:
		/* 0 only for a whole event with block states 0 or 1. */
		if (probe_rfkill_decode(data + 1, size - 1, &rf) == 0 &&
		    (size - 1 < PROBE_RFKILL_EVENT_SIZE || data[7] > 1 ||
		     data[8] > 1))
			abort();
		break;
	default:
		if (size < 2)
			return 0;
		/* An exact-size copy, so that reading past it is caught. */
		text = malloc(size - 2 ? size - 2 : 1);
		if (!text)
			return 0;
		memcpy(text, data + 2, size - 2);
		fuzz_text(data[1], text, size - 2);
		free(text);
		break;
	}
	return 0;
}
