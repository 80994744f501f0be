/* The SDP client's encoder and its bounds-checked parsers. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rfcomm/sdp.h"

START_TEST(test_encode_request)
{
	const uint8_t want[] = {
		0x06, 0x00, 0x07, 0x00, 0x0d, /* PDU, TID 7, 13 bytes */
		0x35, 0x03, 0x19, 0x11, 0x01, /* DES { UUID16 0x1101 } */
		0xff, 0xff,		      /* max attribute bytes */
		0x35, 0x03, 0x09, 0x00, 0x04, /* DES { attr 0x0004 } */
		0x00,			      /* no continuation */
	};
	const uint8_t cont[] = { 0xaa, 0xbb };
	uint8_t out[64];

	ck_assert_uint_eq(sdp_encode_search_attr(out, 7, 0x1101, NULL, 0),
			  sizeof(want));
	ck_assert_mem_eq(out, want, sizeof(want));
	ck_assert_uint_eq(sdp_encode_search_attr(out, 7, 0x1101, cont, 2),
			  sizeof(want) + 2);
	ck_assert_uint_eq(out[4], 0x0f);
	ck_assert_uint_eq(out[17], 2);
	ck_assert_uint_eq(out[18], 0xaa);
}
END_TEST

/* One record: ProtocolDescriptorList { { L2CAP }, { RFCOMM, channel } } */
#define RECORD(ch)                                                             \
	0x35, 0x11, 0x09, 0x00, 0x04, 0x35, 0x0c, 0x35, 0x03, 0x19, 0x01,      \
		0x00, 0x35, 0x05, 0x19, 0x00, 0x03, 0x08, (ch)

START_TEST(test_find_channel)
{
	const uint8_t lists[] = { 0x35, 0x13, RECORD(3) };
	const uint8_t two[] = { 0x35, 0x26, RECORD(5), RECORD(9) };
	/* A record without RFCOMM (L2CAP only), then one with. */
	const uint8_t mixed[] = { 0x35, 0x1f, 0x35, 0x0a, 0x09,
				  0x00, 0x04, 0x35, 0x05, 0x35,
				  0x03, 0x19, 0x01, 0x00, RECORD(12) };

	ck_assert_int_eq(sdp_find_rfcomm_channel(lists, sizeof(lists)), 3);
	ck_assert_int_eq(sdp_find_rfcomm_channel(two, sizeof(two)), 5);
	ck_assert_int_eq(sdp_find_rfcomm_channel(mixed, sizeof(mixed)), 12);
}
END_TEST

START_TEST(test_find_channel_none)
{
	const uint8_t empty[] = { 0x35, 0x00 };
	const uint8_t l2cap_only[] = {
		0x35, 0x0c, 0x35, 0x0a, 0x09, 0x00, 0x04,
		0x35, 0x05, 0x35, 0x03, 0x19, 0x01, 0x00
	};

	ck_assert_int_eq(sdp_find_rfcomm_channel(empty, sizeof(empty)),
			 -ENOENT);
	ck_assert_int_eq(sdp_find_rfcomm_channel(l2cap_only,
						 sizeof(l2cap_only)),
			 -ENOENT);
}
END_TEST

START_TEST(test_find_channel_malformed)
{
	static const struct {
		uint8_t b[32];
		size_t len;
	} bad[] = {
		{ { 0x35 }, 1 },			 /* no length */
		{ { 0x35, 0x05 }, 2 },			 /* past the end */
		{ { 0x35, 0x13, RECORD(3), 0x00 }, 22 }, /* trailing */
		{ { 0x35, 0x13, RECORD(0) }, 21 },	 /* channel 0 */
		{ { 0x35, 0x13, RECORD(31) }, 21 },	 /* channel 31 */
		{ { 0x09, 0x00, 0x04 }, 3 },		 /* not a DES */
		/* A record whose inner length runs past the outer one. */
		{ { 0x35, 0x04, 0x35, 0x10, 0x09, 0x00 }, 6 },
		/* 4-byte length field promising 4 GiB. */
		{ { 0x37, 0xff, 0xff, 0xff, 0xff }, 5 },
		/* An attribute ID that is not a uint16. */
		{ { 0x35, 0x05, 0x35, 0x03, 0x08, 0x04, 0x00 }, 7 },
		/* The channel as a uint16. */
		{ { 0x35, 0x14, 0x35, 0x12, 0x09, 0x00, 0x04, 0x35,
		    0x0d, 0x35, 0x03, 0x19, 0x01, 0x00, 0x35, 0x06,
		    0x19, 0x00, 0x03, 0x09, 0x00, 0x03 },
		  22 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t *copy = malloc(bad[i].len);

		/* Exactly sized heap copies: ASan sees any over-read. */
		memcpy(copy, bad[i].b, bad[i].len);
		ck_assert_msg(sdp_find_rfcomm_channel(copy, bad[i].len) ==
				      -EBADMSG,
			      "case %zu accepted", i);
		free(copy);
	}
}
END_TEST

START_TEST(test_parse_response_with_continuation)
{
	uint8_t lists[64], cont[17];
	size_t len = 0, cont_len = 99;

	/* The first 5 bytes of the lists, and a 2-byte continuation. */
	{
		const uint8_t pdu[] = { 0x07, 0x00, 0x01, 0x00, 0x0a,
					0x00, 0x05, 0x35, 0x13, 0x35,
					0x11, 0x09, 0x02, 0xc0, 0xde };

		ck_assert_int_eq(sdp_parse_response(pdu, sizeof(pdu), 1, lists,
						    sizeof(lists), &len, cont,
						    &cont_len),
				 0);
		ck_assert_uint_eq(len, 5);
		ck_assert_uint_eq(cont_len, 2);
		ck_assert_uint_eq(cont[0], 0xc0);
	}
	{
		const uint8_t pdu[] = { 0x07, 0x00, 0x02, 0x00, 0x13, 0x00,
					0x10, 0x00, 0x04, 0x35, 0x0c, 0x35,
					0x03, 0x19, 0x01, 0x00, 0x35, 0x05,
					0x19, 0x00, 0x03, 0x08, 0x07, 0x00 };

		ck_assert_int_eq(sdp_parse_response(pdu, sizeof(pdu), 2, lists,
						    sizeof(lists), &len, cont,
						    &cont_len),
				 0);
		ck_assert_uint_eq(cont_len, 0);
		ck_assert_uint_eq(len, 21);
		ck_assert_int_eq(sdp_find_rfcomm_channel(lists, len), 7);
	}
}
END_TEST

START_TEST(test_parse_response_rejects)
{
	const uint8_t ok[] = { 0x07, 0x00, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00 };
	const uint8_t err_rsp[] = { 0x01, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03 };
	const uint8_t count_lies[] = { 0x07, 0x00, 0x01, 0x00,
				       0x03, 0x00, 0x09, 0x00 };
	const uint8_t cont_lies[] = { 0x07, 0x00, 0x01, 0x00,
				      0x03, 0x00, 0x00, 0x05 };
	const uint8_t cont_big[] = { 0x07, 0x00, 0x01, 0x00, 0x14, 0x00, 0x00,
				     0x11, 1,	 2,    3,    4,	   5,	 6,
				     7,	   8,	 9,    10,   11,   12,	 13,
				     14,   15,	 16,   17 };
	uint8_t lists[4], cont[17];
	size_t len = 0, cont_len;

	ck_assert_int_eq(sdp_parse_response(ok, sizeof(ok), 1, lists,
					    sizeof(lists), &len, cont,
					    &cont_len),
			 0);
	ck_assert_int_eq(sdp_parse_response(ok, sizeof(ok), 2, lists,
					    sizeof(lists), &len, cont,
					    &cont_len),
			 -EBADMSG);
	ck_assert_int_eq(sdp_parse_response(ok, 4, 1, lists, sizeof(lists),
					    &len, cont, &cont_len),
			 -EBADMSG);
	ck_assert_int_eq(sdp_parse_response(err_rsp, sizeof(err_rsp), 1, lists,
					    sizeof(lists), &len, cont,
					    &cont_len),
			 -EBADMSG);
	ck_assert_int_eq(sdp_parse_response(count_lies, sizeof(count_lies), 1,
					    lists, sizeof(lists), &len, cont,
					    &cont_len),
			 -EBADMSG);
	ck_assert_int_eq(sdp_parse_response(cont_lies, sizeof(cont_lies), 1,
					    lists, sizeof(lists), &len, cont,
					    &cont_len),
			 -EBADMSG);
	ck_assert_int_eq(sdp_parse_response(cont_big, sizeof(cont_big), 1,
					    lists, sizeof(lists), &len, cont,
					    &cont_len),
			 -EBADMSG);
	{
		const uint8_t big[] = { 0x07, 0x00, 0x01, 0x00, 0x08,
					0x00, 0x05, 1,	  2,	3,
					4,    5,    0x00 };

		ck_assert_int_eq(sdp_parse_response(big, sizeof(big), 1, lists,
						    sizeof(lists), &len, cont,
						    &cont_len),
				 -ENOBUFS);
	}
}
END_TEST

static Suite *sdp_suite(void)
{
	Suite *s = suite_create("sdp");
	TCase *tc = tcase_create("client");

	tcase_add_test(tc, test_encode_request);
	tcase_add_test(tc, test_find_channel);
	tcase_add_test(tc, test_find_channel_none);
	tcase_add_test(tc, test_find_channel_malformed);
	tcase_add_test(tc, test_parse_response_with_continuation);
	tcase_add_test(tc, test_parse_response_rejects);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sdp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
