/* Bluetooth addresses in text form. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "mgmt/addr.h"

START_TEST(test_parse_byte_order)
{
	bdaddr_t a;
	const uint8_t want[6] = { 0x2B, 0x1A, 0xF5, 0x31, 0xD3, 0x98 };

	ck_assert_int_eq(bt_addr_parse("98:D3:31:F5:1A:2B", &a), 0);
	ck_assert_mem_eq(a.b, want, 6);
}
END_TEST

START_TEST(test_parse_any_case)
{
	bdaddr_t upper, lower, mixed;

	ck_assert_int_eq(bt_addr_parse("AB:CD:EF:01:23:45", &upper), 0);
	ck_assert_int_eq(bt_addr_parse("ab:cd:ef:01:23:45", &lower), 0);
	ck_assert_int_eq(bt_addr_parse("aB:Cd:eF:01:23:45", &mixed), 0);
	ck_assert(bt_addr_equal(&upper, &lower));
	ck_assert(bt_addr_equal(&upper, &mixed));
}
END_TEST

START_TEST(test_format_round_trip)
{
	char text[BT_ADDR_STRLEN];
	bdaddr_t a, b;

	ck_assert_int_eq(bt_addr_parse("98:d3:31:f5:1a:2b", &a), 0);
	ck_assert_str_eq(bt_addr_format(&a, text), "98:D3:31:F5:1A:2B");
	ck_assert_int_eq(bt_addr_parse(text, &b), 0);
	ck_assert(bt_addr_equal(&a, &b));
	b.b[0] ^= 1;
	ck_assert(!bt_addr_equal(&a, &b));
}
END_TEST

static const char *const malformed[] = {
	"",
	"98:D3:31:F5:1A",
	"98:D3:31:F5:1A:2B:",
	"98:D3:31:F5:1A:2B:00",
	"98-D3-31-F5-1A-2B",
	"98D331F51A2B",
	"98:D3:31:F5:1A:2G",
	"98:D3:31:F5:1A:2 ",
	" 98:D3:31:F5:1A:2B",
	"98:D3:31:F5:1A:2B\n",
	"98:D3:31:F5:1A:2B ",
	"+8:D3:31:F5:1A:2B",
	"98::3:31:F5:1A:2B",
	"98:D3:31:F5:1A::2B",
	"0x:D3:31:F5:1A:2B",
	"name:HC-05",
};

START_TEST(test_parse_rejects_malformed)
{
	bdaddr_t a = { { 1, 2, 3, 4, 5, 6 } };
	const bdaddr_t before = a;

	ck_assert_int_eq(bt_addr_parse(malformed[_i], &a), -EINVAL);
	/* A failed parse leaves the output alone. */
	ck_assert(bt_addr_equal(&a, &before));
}
END_TEST

START_TEST(test_parse_null)
{
	bdaddr_t a;

	ck_assert_int_eq(bt_addr_parse(NULL, &a), -EINVAL);
}
END_TEST

static Suite *addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("text form");

	tcase_add_test(tc, test_parse_byte_order);
	tcase_add_test(tc, test_parse_any_case);
	tcase_add_test(tc, test_format_round_trip);
	tcase_add_loop_test(tc, test_parse_rejects_malformed, 0,
			    sizeof(malformed) / sizeof(malformed[0]));
	tcase_add_test(tc, test_parse_null);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(addr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
