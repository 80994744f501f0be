/* EIR parsing: names, class, UUIDs, and every malformed length. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/eir.h"

static int parse(const uint8_t *p, size_t len, struct eir_info *out)
{
	/* An exactly sized heap copy: ASan sees any read past the end. */
	uint8_t *copy = calloc(1, len ? len : 1);
	int err;

	if (len)
		memcpy(copy, p, len);
	err = eir_parse(copy, len, out);
	free(copy);
	return err;
}

START_TEST(test_captured_style)
{
	/* Complete name "HC-05", class 0x1f00 (Uncategorized), SPP UUID,
	 * then padding. */
	const uint8_t eir[] = { 0x06, 0x09, 'H',  'C',	'-',  '0',  '5',
				0x04, 0x0d, 0x00, 0x1f, 0x00, 0x03, 0x03,
				0x01, 0x11, 0x00, 0x00, 0x00 };
	struct eir_info e;

	ck_assert_int_eq(parse(eir, sizeof(eir), &e), 0);
	ck_assert(e.has_name);
	ck_assert(e.name_complete);
	ck_assert_str_eq(e.name, "HC-05");
	ck_assert(e.has_class);
	ck_assert_uint_eq(e.dev_class, 0x001f00);
	ck_assert_str_eq(eir_major_class_str(e.dev_class), "Uncategorized");
	ck_assert_uint_eq(e.uuid16_count, 1);
	ck_assert_uint_eq(e.uuid16[0], 0x1101);
}
END_TEST

START_TEST(test_complete_name_wins)
{
	const uint8_t eir[] = {
		0x04, 0x09, 'A', 'B', 'C', 0x03, 0x08, 'A', 'B'
	};
	const uint8_t rev[] = {
		0x03, 0x08, 'A', 'B', 0x04, 0x09, 'A', 'B', 'C'
	};
	struct eir_info e;

	ck_assert_int_eq(parse(eir, sizeof(eir), &e), 0);
	ck_assert_str_eq(e.name, "ABC");
	ck_assert_int_eq(parse(rev, sizeof(rev), &e), 0);
	ck_assert_str_eq(e.name, "ABC");
}
END_TEST

START_TEST(test_short_name_and_controls)
{
	const uint8_t eir[] = { 0x05, 0x08, 'a', '\n', 0x1b, 'b' };
	struct eir_info e;

	ck_assert_int_eq(parse(eir, sizeof(eir), &e), 0);
	ck_assert(!e.name_complete);
	ck_assert_str_eq(e.name, "a??b");
}
END_TEST

START_TEST(test_empty_and_unknown)
{
	const uint8_t unknown[] = { 0x03, 0xff, 0x01, 0x02 };
	struct eir_info e;

	ck_assert_int_eq(parse(NULL, 0, &e), 0);
	ck_assert(!e.has_name);
	ck_assert_int_eq(parse(unknown, sizeof(unknown), &e), 0);
	ck_assert(!e.has_name && !e.has_class && !e.uuid16_count);
}
END_TEST

START_TEST(test_malformed)
{
	static const struct {
		uint8_t b[8];
		size_t len;
	} bad[] = {
		{ { 0x05, 0x09, 'a' }, 3 },	   /* past the end */
		{ { 0x01 }, 1 },		   /* no room for the type */
		{ { 0xff, 0x09 }, 2 },		   /* huge length */
		{ { 0x03, 0x0d, 0x00, 0x1f }, 4 }, /* class of 2 bytes */
		{ { 0x04, 0x03, 0x01, 0x11, 0x05 }, 5 },     /* odd UUID list */
		{ { 0x02, 0x09, 'a', 0x04, 0x09, 'b' }, 6 }, /* 2nd overflows */
	};
	struct eir_info e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(bad[i].b, bad[i].len, &e) == -EBADMSG,
			      "case %zu accepted", i);
}
END_TEST

START_TEST(test_long_name_is_cut)
{
	uint8_t eir[2 + 255];
	struct eir_info e;

	eir[0] = 255;
	eir[1] = 0x09;
	memset(eir + 2, 'n', 254);
	ck_assert_int_eq(parse(eir, 256, &e), 0);
	ck_assert_uint_eq(strlen(e.name), EIR_NAME_MAX - 1);
}
END_TEST

START_TEST(test_class_names)
{
	ck_assert_str_eq(eir_major_class_str(0x5a020c), "Phone");
	ck_assert_str_eq(eir_major_class_str(0x00010c), "Computer");
	ck_assert_str_eq(eir_major_class_str(0x000000), "Miscellaneous");
	ck_assert_str_eq(eir_major_class_str(0x001f00), "Uncategorized");
	ck_assert_str_eq(eir_major_class_str(0x001400), "Reserved");
}
END_TEST

static Suite *eir_suite(void)
{
	Suite *s = suite_create("eir");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_captured_style);
	tcase_add_test(tc, test_complete_name_wins);
	tcase_add_test(tc, test_short_name_and_controls);
	tcase_add_test(tc, test_empty_and_unknown);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_long_name_is_cut);
	tcase_add_test(tc, test_class_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(eir_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
