/* PIN files: parse once, look a device up (pin/file.h). */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/file.h"
#include "mgmt/addr.h"
#include "mgmt/wire.h"
#include "pin/file.h"

static const char utf8_bom[] = "\xef\xbb\xbf";

/*
 * Split one line (NUL-terminated, no newline) into KEY and PIN, in place.
 * KEY may be "double quoted" to hold blanks (a name). Returns the number of
 * fields: 1 (a PIN alone, in *pin), 2, or 0 for a blank line; -1 when it
 * does not parse.
 */
static int split_line(char *line, char **key, bool *quoted, char **pin)
{
	char *p = line + strspn(line, " \t"), *end;

	*key = *pin = NULL;
	*quoted = false;
	if (!*p)
		return 0;
	if (*p == '"') {
		end = strchr(p + 1, '"');
		if (!end || end == p + 1)
			return -1;
		*key = p + 1;
		*end = '\0';
		*quoted = true;
		p = end + 1;
		if (*p != ' ' && *p != '\t')
			return -1;
	} else {
		*key = p;
		p += strcspn(p, " \t");
		if (!*p) {
			*pin = *key; /* one field: a PIN alone */
			*key = NULL;
			return 1;
		}
		*p++ = '\0';
	}
	p += strspn(p, " \t");
	if (!*p)
		return -1;
	*pin = p;
	p += strcspn(p, " \t");
	end = p + strspn(p, " \t");
	if (*end)
		return -1; /* a third field */
	*p = '\0';
	return 2;
}

/* An address-like key (hex digits and colons) must be a valid one. */
static bool looks_like_addr(const char *s)
{
	if (!strchr(s, ':'))
		return false;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s) && *s != ':')
			return false;
	return true;
}

static const char expected[] = "expected 'ADDR PIN', 'NAME PIN' or '* PIN'";

/* One line that holds an entry: its kind and fields into e. */
static int parse_entry(char *line, unsigned int lineno, bool first,
		       struct pin_file_entry *e, struct file_error *err)
{
	char *key, *pin;
	bool quoted;
	size_t len;
	int fields = split_line(line, &key, &quoted, &pin);

	if (fields == 0)
		return 0;
	e->line = lineno;
	e->name = NULL;
	if (fields == 1 && first) {
		e->kind = PIN_FILE_ALONE;
	} else if (fields == 1) {
		return file_error_set(
			err, lineno,
			"a PIN alone must be the file's only line; %s",
			expected);
	} else if (fields != 2) {
		return file_error_set(err, lineno, "%s", expected);
	} else if (!quoted && strcmp(key, "*") == 0) {
		e->kind = PIN_FILE_ANY;
	} else if (!quoted && looks_like_addr(key)) {
		if (bt_addr_parse(key, &e->addr) < 0)
			return file_error_set(err, lineno,
					      "invalid address (expected "
					      "XX:XX:XX:XX:XX:XX)");
		e->kind = PIN_FILE_ADDR;
	} else {
		e->kind = PIN_FILE_NAME;
		e->name = key;
	}
	len = strlen(pin);
	if (len > MGMT_PIN_MAX_LEN)
		return file_error_set(
			err, lineno,
			"a PIN is 1 to 16 bytes (this one has %zu)", len);
	if (strcmp(pin, "*") == 0)
		return file_error_set(err, lineno,
				      "'*' is no PIN (it stands for any device "
				      "before the PIN, never as one)");
	e->pin = pin;
	return 1;
}

int pin_file_parse(const char *text, size_t len, struct pin_file *pf,
		   struct file_error *err)
{
	const struct pin_file_entry *alone = NULL;
	char *line, *next;
	unsigned int lineno = 0;
	size_t cap = 0;
	int ret;

	memset(pf, 0, sizeof(*pf));
	memset(err, 0, sizeof(*err));
	if (len > PIN_FILE_MAX_SIZE)
		return file_error_set(err, 0,
				      "is over %d bytes: not a PIN file",
				      PIN_FILE_MAX_SIZE);
	if (len >= 3 && memcmp(text, utf8_bom, 3) == 0) {
		text += 3;
		len -= 3;
	}
	if (memchr(text, '\0', len)) {
		const char *nul = memchr(text, '\0', len);

		lineno = 1;
		for (const char *p = text; p < nul; p++)
			lineno += *p == '\n';
		return file_error_set(err, lineno, "holds a NUL byte");
	}
	pf->text = malloc(len + 1);
	if (!pf->text)
		return -ENOMEM;
	pf->size = len + 1;
	memcpy(pf->text, text, len);
	pf->text[len] = '\0';

	/* Line by line, blank ones included, so that a message names the line
	 * an editor shows. */
	for (line = pf->text; line; line = next) {
		struct pin_file_entry e;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!next && !*line)
			break; /* after the last newline */
		lineno++;
		line[strcspn(line, "\r")] = '\0';
		if (line[strspn(line, " \t")] == '#')
			continue;
		ret = parse_entry(line, lineno, pf->count == 0, &e, err);
		if (ret < 0)
			goto fail;
		if (ret == 0)
			continue;
		if (pf->count == cap) {
			size_t n = cap ? 2 * cap : 8;
			struct pin_file_entry *grown = reallocarray(
				pf->entries, n, sizeof(*grown));

			if (!grown) {
				ret = -ENOMEM;
				goto fail;
			}
			pf->entries = grown;
			cap = n;
		}
		pf->entries[pf->count++] = e;
	}
	if (pf->count && pf->entries[0].kind == PIN_FILE_ALONE)
		alone = &pf->entries[0];
	/* A stray word must never become every device's PIN: a PIN alone is
	 * the whole file or an error. */
	if (alone && pf->count > 1) {
		ret = file_error_set(
			err, alone->line,
			"a PIN alone must be the file's only line; %s",
			expected);
		goto fail;
	}
	if (!pf->count) {
		ret = file_error_set(err, 0, "has no PIN");
		goto fail;
	}
	return 0;
fail:
	pin_file_free(pf);
	return ret;
}

size_t pin_file_lookup(const struct pin_file *pf, const bdaddr_t *addr,
		       const char *name, const char **out, size_t max)
{
	static const enum pin_file_kind order[] = {
		PIN_FILE_ALONE, PIN_FILE_ADDR, PIN_FILE_NAME, PIN_FILE_ANY
	};
	size_t n = 0;

	for (size_t k = 0; k < sizeof(order) / sizeof(*order); k++) {
		for (size_t i = 0; i < pf->count; i++) {
			const struct pin_file_entry *e = &pf->entries[i];

			if (e->kind != order[k])
				continue;
			if (e->kind == PIN_FILE_ADDR &&
			    (!addr || !bt_addr_equal(&e->addr, addr)))
				continue;
			if (e->kind == PIN_FILE_NAME &&
			    (!name ||
			     fnmatch(e->name, name, FNM_CASEFOLD) != 0))
				continue;
			if (n < max)
				out[n] = e->pin;
			n++;
		}
	}
	return n;
}

void pin_file_free(struct pin_file *pf)
{
	if (pf->text) {
		explicit_bzero(pf->text, pf->size);
		free(pf->text);
	}
	free(pf->entries);
	memset(pf, 0, sizeof(*pf));
}
