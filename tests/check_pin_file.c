/* The PIN file grammar every command and doctor read (pin/file.c). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/addr.h"
#include "pin/file.h"

static const char hc05[] = "98:D3:31:F5:1A:2B";

/* Parse text; on success look up ADDR (and NAME) and join the PINs with
 * spaces into got. Returns pin_file_parse's result. */
static int lookup(const char *text, size_t len, const char *addr,
		  const char *name, char *got, size_t size,
		  struct file_error *err)
{
	const char *pins[8];
	struct pin_file pf;
	bdaddr_t a;
	size_t n;
	int r;

	got[0] = '\0';
	r = pin_file_parse(text, len, &pf, err);
	if (r)
		return r;
	ck_assert_int_eq(bt_addr_parse(addr, &a), 0);
	n = pin_file_lookup(&pf, &a, name, pins, 8);
	ck_assert_uint_le(n, 8);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strncat(got, " ", size - strlen(got) - 1);
		strncat(got, pins[i], size - strlen(got) - 1);
	}
	pin_file_free(&pf);
	ck_assert_ptr_null(pf.text);
	return 0;
}

static int lookup_s(const char *text, const char *addr, const char *name,
		    char *got, struct file_error *err)
{
	return lookup(text, strlen(text), addr, name, got, 128, err);
}

/* README's example, as written there: each device gets its PINs in the
 * documented order. */
START_TEST(test_readme_example)
{
	static const char text[] =
		"    # ADDR or NAME (a glob; \"double quoted\" with blanks)   "
		"PIN\n"
		"    98:D3:31:F5:1A:2B   1234\n"
		"    HC-05*              0000\n"
		"    \"Lab Logger\"        4321\n"
		"    *                   1234\n";
	struct file_error err;
	char got[128];

	ck_assert_int_eq(lookup_s(text, hc05, "HC-05", got, &err), 0);
	ck_assert_str_eq(got, "1234 0000 1234");
	ck_assert_int_eq(lookup_s(text, "00:11:22:33:44:55", "lab logger", got,
				  &err),
			 0);
	ck_assert_str_eq(got, "4321 1234");
	ck_assert_int_eq(lookup_s(text, "00:11:22:33:44:55", NULL, got, &err),
			 0);
	ck_assert_str_eq(got, "1234");
	/* README's Pi section: one line. */
	ck_assert_int_eq(lookup_s("98:D3:31:F5:1A:2B 1234\n", hc05, NULL, got,
				  &err),
			 0);
	ck_assert_str_eq(got, "1234");
}
END_TEST

/* One PIN alone is every device's, whatever its address or name. */
START_TEST(test_alone)
{
	struct file_error err;
	char got[128];

	ck_assert_int_eq(lookup_s("# factory\n1234\n", hc05, "x", got, &err),
			 0);
	ck_assert_str_eq(got, "1234");
	ck_assert_int_eq(lookup_s("1234567890123456", hc05, NULL, got, &err),
			 0);
	ck_assert_str_eq(got, "1234567890123456");
}
END_TEST

/* A UTF-8 byte-order mark (an editor on another computer) and CRLF line
 * ends are not part of the first key or PIN. */
START_TEST(test_bom_and_crlf)
{
	struct file_error err;
	char got[128];

	ck_assert_int_eq(lookup_s("\xef\xbb\xbf"
				  "98:D3:31:F5:1A:2B 1234\r\n* 0000\r\n",
				  hc05, NULL, got, &err),
			 0);
	ck_assert_str_eq(got, "1234 0000");
	ck_assert_int_eq(lookup_s("\xef\xbb\xbf"
				  "1234\r\n",
				  hc05, NULL, got, &err),
			 0);
	ck_assert_str_eq(got, "1234");
	/* Only at the start: elsewhere it is part of a field. */
	ck_assert_int_eq(lookup_s("* 0000\n\xef\xbb\xbf"
				  "98:D3:31:F5:1A:2B 1234\n",
				  hc05, NULL, got, &err),
			 0);
	ck_assert_str_eq(got, "0000");
	/* A BOM and nothing else holds no PIN. */
	ck_assert_int_eq(lookup_s("\xef\xbb\xbf", hc05, NULL, got, &err),
			 -EINVAL);
	ck_assert_uint_eq(err.line, 0);
}
END_TEST

/* Each refusal names its line (0: the file as a whole) and says why. */
START_TEST(test_refusals)
{
	static const struct {
		const char *text;
		unsigned int line;
		const char *want;
	} cases[] = {
		{ "* 0000\n\n98:D3:31:F5:1A 1234\n", 3, "invalid address" },
		{ "98:D3:31:F5:1A:2B 1234 extra\n", 1, "expected" },
		{ "# c\n* 12345678901234567\n", 2,
		  "a PIN is 1 to 16 bytes (this one has 17)" },
		{ "12345678901234567\n", 1, "a PIN is 1 to 16 bytes" },
		{ "\"unterminated 1234\n", 1, "expected" },
		{ "\"\" 1234\n", 1, "expected" },
		{ "\"name\"1234\n", 1, "expected" },
		{ "* 0000\r\n1234\r\n", 2, "a PIN alone must be" },
		{ "1234\n* 0000\n", 1, "a PIN alone must be" },
		{ "1234\n5678\n", 2, "a PIN alone must be" },
		{ "* *\n", 1, "'*' is no PIN" },
		{ "98:D3:31:F5:1A:2B *\n", 1, "'*' is no PIN" },
		{ "# only a comment\n\n", 0, "has no PIN" },
		{ "", 0, "has no PIN" },
	};
	struct file_error err;
	char got[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(lookup_s(cases[i].text, hc05, NULL, got, &err),
				 -EINVAL);
		ck_assert_msg(err.line == cases[i].line,
			      "case %zu: line %u, want %u", i, err.line,
			      cases[i].line);
		ck_assert_msg(strstr(err.msg, cases[i].want),
			      "case %zu: got: %s", i, err.msg);
		/* A PIN is never in a message. */
		ck_assert_ptr_null(strstr(err.msg, "1234"));
		ck_assert_ptr_null(strstr(err.msg, "0000"));
	}
}
END_TEST

START_TEST(test_nul_and_size)
{
	static const char nul[] = "* 0000\n12\0"
				  "34\n";
	struct file_error err;
	struct pin_file pf;
	char *big;

	ck_assert_int_eq(pin_file_parse(nul, sizeof(nul) - 1, &pf, &err),
			 -EINVAL);
	ck_assert_uint_eq(err.line, 2);
	ck_assert_str_eq(err.msg, "holds a NUL byte");
	ck_assert_ptr_null(pf.entries);
	big = malloc(PIN_FILE_MAX_SIZE + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, '#', PIN_FILE_MAX_SIZE + 1);
	ck_assert_int_eq(pin_file_parse(big, PIN_FILE_MAX_SIZE + 1, &pf, &err),
			 -EINVAL);
	ck_assert_uint_eq(err.line, 0);
	free(big);
}
END_TEST

/*
 * What doctor accepted and the commands refused, or the other way round,
 * before both read this one grammar: each file now reads the same for
 * both (they call pin_file_parse; cli.sh runs doctor and pair on the same
 * files).
 */
START_TEST(test_former_disagreements)
{
	struct file_error err;
	char got[128];

	/* doctor passed a PIN alone followed by more lines: refused. */
	ck_assert_int_eq(lookup_s("1234\n98:D3:31:F5:1A:2B 0000\n", hc05, NULL,
				  got, &err),
			 -EINVAL);
	ck_assert_uint_eq(err.line, 1);
	/* doctor refused a quoted name with a blank: read. */
	ck_assert_int_eq(lookup_s("\"Lab Logger\" 4321\n", hc05, "Lab Logger",
				  got, &err),
			 0);
	ck_assert_str_eq(got, "4321");
	/* doctor passed a torn address: refused. */
	ck_assert_int_eq(lookup_s("98:D3 1234\n", hc05, NULL, got, &err),
			 -EINVAL);
	ck_assert_str_eq(err.msg,
			 "invalid address (expected XX:XX:XX:XX:XX:XX)");
}
END_TEST

/* Nothing for the device: no PINs, which the caller reports. */
START_TEST(test_no_entry)
{
	struct file_error err;
	char got[128];

	ck_assert_int_eq(lookup_s("00:11:22:33:44:55 1234\nHC-06 0000\n", hc05,
				  "HC-05", got, &err),
			 0);
	ck_assert_str_eq(got, "");
}
END_TEST

/* More PINs than the caller takes: the first ones, and the whole count. */
START_TEST(test_lookup_bound)
{
	struct file_error err;
	struct pin_file pf;
	const char *pins[2];
	bdaddr_t a;

	ck_assert_int_eq(pin_file_parse("* 1\n* 2\n* 3\n", 12, &pf, &err), 0);
	ck_assert_int_eq(bt_addr_parse(hc05, &a), 0);
	ck_assert_uint_eq(pin_file_lookup(&pf, &a, NULL, pins, 2), 3);
	ck_assert_str_eq(pins[0], "1");
	ck_assert_str_eq(pins[1], "2");
	ck_assert_uint_eq(pin_file_lookup(&pf, NULL, NULL, NULL, 0), 3);
	pin_file_free(&pf);
	pin_file_free(&pf); /* twice is harmless */
}
END_TEST

static Suite *pin_file_suite(void)
{
	Suite *s = suite_create("pin_file");
	TCase *tc = tcase_create("grammar");

	tcase_add_test(tc, test_readme_example);
	tcase_add_test(tc, test_alone);
	tcase_add_test(tc, test_bom_and_crlf);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_nul_and_size);
	tcase_add_test(tc, test_former_disagreements);
	tcase_add_test(tc, test_no_entry);
	tcase_add_test(tc, test_lookup_bound);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pin_file_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
