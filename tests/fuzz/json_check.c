#include "tests/fuzz/json_check.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 32

struct in {
	const unsigned char *p, *end;
};

static bool value(struct in *in, int depth);

static void skip_ws(struct in *in)
{
	while (in->p < in->end && (*in->p == ' ' || *in->p == '\t' ||
				   *in->p == '\n' || *in->p == '\r'))
		in->p++;
}

static bool take(struct in *in, char c)
{
	if (in->p < in->end && *in->p == (unsigned char)c) {
		in->p++;
		return true;
	}
	return false;
}

static bool literal(struct in *in, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(in->end - in->p) < n || memcmp(in->p, word, n) != 0)
		return false;
	in->p += n;
	return true;
}

/* \uXXXX after the backslash and 'u'; -1 when malformed. */
static long hex4(struct in *in)
{
	char digits[5] = "";

	if (in->end - in->p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		if (!isxdigit(in->p[i]))
			return -1;
		digits[i] = (char)in->p[i];
	}
	in->p += 4;
	return strtol(digits, NULL, 16);
}

/*
 * One well-formed UTF-8 sequence of two bytes or more at in->p, as RFC
 * 3629's grammar has them (not as btpair's own decoder reckons): each form's
 * first bytes, the range of the byte after, and its length; every later
 * byte is 80-BF.
 */
static bool utf8(struct in *in)
{
	static const struct {
		unsigned char lo, hi, lo2, hi2, len;
	} forms[] = {
		{ 0xc2, 0xdf, 0x80, 0xbf, 2 }, { 0xe0, 0xe0, 0xa0, 0xbf, 3 },
		{ 0xe1, 0xec, 0x80, 0xbf, 3 }, { 0xed, 0xed, 0x80, 0x9f, 3 },
		{ 0xee, 0xef, 0x80, 0xbf, 3 }, { 0xf0, 0xf0, 0x90, 0xbf, 4 },
		{ 0xf1, 0xf3, 0x80, 0xbf, 4 }, { 0xf4, 0xf4, 0x80, 0x8f, 4 },
	};
	const unsigned char *p = in->p;
	size_t avail = (size_t)(in->end - p);

	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		if (p[0] < forms[f].lo || p[0] > forms[f].hi)
			continue;
		if (avail < forms[f].len || p[1] < forms[f].lo2 ||
		    p[1] > forms[f].hi2)
			return false;
		for (size_t i = 2; i < forms[f].len; i++)
			if (p[i] < 0x80 || p[i] > 0xbf)
				return false;
		in->p += forms[f].len;
		return true;
	}
	return false;
}

static bool string(struct in *in)
{
	if (!take(in, '"'))
		return false;
	while (in->p < in->end) {
		unsigned char c = *in->p;

		if (c == '"') {
			in->p++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c >= 0x80) {
			if (!utf8(in))
				return false;
			continue;
		}
		in->p++;
		if (c != '\\')
			continue;
		if (in->p == in->end)
			return false;
		c = *in->p++;
		if (c == 'u') {
			long u = hex4(in);

			if (u < 0 || (u >= 0xdc00 && u <= 0xdfff))
				return false;
			/* A high surrogate only with its low half. */
			if (u >= 0xd800 && u <= 0xdbff) {
				long lo;

				if (!take(in, '\\') || !take(in, 'u'))
					return false;
				lo = hex4(in);
				if (lo < 0xdc00 || lo > 0xdfff)
					return false;
			}
		} else if (!strchr("\"\\/bfnrt", c) || c == '\0') {
			return false;
		}
	}
	return false;
}

static bool digits(struct in *in)
{
	const unsigned char *start = in->p;

	while (in->p < in->end && *in->p >= '0' && *in->p <= '9')
		in->p++;
	return in->p > start;
}

static bool number(struct in *in)
{
	take(in, '-');
	if (take(in, '0')) {
		if (in->p < in->end && *in->p >= '0' && *in->p <= '9')
			return false;
	} else if (!digits(in)) {
		return false;
	}
	if (take(in, '.') && !digits(in))
		return false;
	if (take(in, 'e') || take(in, 'E')) {
		if (!take(in, '+'))
			take(in, '-');
		if (!digits(in))
			return false;
	}
	return true;
}

static bool object(struct in *in, int depth)
{
	if (!take(in, '{'))
		return false;
	skip_ws(in);
	if (take(in, '}'))
		return true;
	for (;;) {
		skip_ws(in);
		if (!string(in))
			return false;
		skip_ws(in);
		if (!take(in, ':') || !value(in, depth))
			return false;
		skip_ws(in);
		if (take(in, '}'))
			return true;
		if (!take(in, ','))
			return false;
	}
}

static bool array(struct in *in, int depth)
{
	if (!take(in, '['))
		return false;
	skip_ws(in);
	if (take(in, ']'))
		return true;
	for (;;) {
		if (!value(in, depth))
			return false;
		skip_ws(in);
		if (take(in, ']'))
			return true;
		if (!take(in, ','))
			return false;
	}
}

static bool value(struct in *in, int depth)
{
	skip_ws(in);
	if (in->p == in->end || depth >= MAX_DEPTH)
		return false;
	switch (*in->p) {
	case '{':
		return object(in, depth + 1);
	case '[':
		return array(in, depth + 1);
	case '"':
		return string(in);
	case 't':
		return literal(in, "true");
	case 'f':
		return literal(in, "false");
	case 'n':
		return literal(in, "null");
	default:
		return number(in);
	}
}

bool json_check_object(const char *text, size_t len)
{
	struct in in = { (const unsigned char *)text,
			 (const unsigned char *)text + len };

	skip_ws(&in);
	if (in.p == in.end || *in.p != '{' || !value(&in, 0))
		return false;
	skip_ws(&in);
	return in.p == in.end;
}

void json_check_lines(const char *out, size_t len)
{
	const char *p = out, *end = out + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl || !json_check_object(p, (size_t)(nl - p)))
			abort();
		p = nl + 1;
	}
}

void json_check_self_test(void)
{
	static const char *const good[] = {
		"{}",
		" {\"event\":\"x\",\"n\":-0.5e+3,\"a\":[1,true,false,null,{}]} ",
		"{\"s\":\"\\u00e9\\ud83d\\ude00\\n\\\"\\\\\\/\xc3\xa9\xf0\x9f\x98\x80\"}",
	};
	static const char *const bad[] = {
		"",
		"[]",
		"\"x\"",
		"{",
		"{\"a\"}",
		"{\"a\":}",
		"{\"a\":1,}",
		"{\"a\":01}",
		"{\"a\":1.}",
		"{\"a\":.5}",
		"{\"a\":1e}",
		"{\"a\":tru}",
		"{\"a\":\"\x01\"}",
		"{\"a\":\"\\x\"}",
		"{\"a\":\"\\ud800\"}",
		"{\"a\":\"\\udc00\"}",
		"{\"a\":\"\xc3\"}",
		"{\"a\":\"\xc0\xaf\"}",
		"{\"a\":\"\xed\xa0\x80\"}",
		"{\"a\":\"\xff\"}",
		"{} {}",
		"{\"a\":1}x",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!json_check_object(good[i], strlen(good[i])))
			abort();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (json_check_object(bad[i], strlen(bad[i])))
			abort();
}
