/*
 * The SDP client's encoder, its bounds-checked parsers, and its query loop
 * against a scripted server on a socketpair (SOCK_SEQPACKET, as L2CAP).
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/time.h"
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

/*
 * The scripted server: it reads each request the client sends (keeping a
 * copy), and answers with the next of its replies; once they are used up it
 * does what `after` says. It ends when the client closes its end.
 */
enum after {
	AFTER_CLOSE,   /* close the link */
	AFTER_STALL,   /* read on, never answer */
	AFTER_ENDLESS, /* answer with the right TID, no lists, and more to come */
};

#define MAX_REPLIES 24
#define MAX_REQS (SDP_MAX_ROUNDS + 4)

struct server {
	int fd;
	uint8_t reply[MAX_REPLIES][5000];
	size_t reply_len[MAX_REPLIES];
	int nreplies;
	enum after after;
	uint8_t req[MAX_REQS][64];
	size_t req_len[MAX_REQS];
	int nreq;
	pthread_t thread;
};

static void *serve(void *arg)
{
	struct server *s = arg;
	uint8_t buf[256];
	bool open = true;

	for (;;) {
		ssize_t n = recv(s->fd, buf, sizeof(buf), 0);
		int i = s->nreq;

		if (n <= 0)
			break;
		if (i < MAX_REQS && (size_t)n <= sizeof(s->req[0])) {
			memcpy(s->req[i], buf, (size_t)n);
			s->req_len[i] = (size_t)n;
		}
		s->nreq++;
		if (i < s->nreplies) {
			if (send(s->fd, s->reply[i], s->reply_len[i],
				 MSG_NOSIGNAL) < 0)
				break;
		} else if (s->after == AFTER_ENDLESS) {
			/* Search Attribute Response, the request's TID, no
			 * lists, a 1-byte continuation state. */
			uint8_t r[] = { 0x07, buf[1], buf[2], 0x00, 0x04,
					0x00, 0x00,   0x01,   0x2a };

			if (send(s->fd, r, sizeof(r), MSG_NOSIGNAL) < 0)
				break;
		} else if (s->after == AFTER_CLOSE && open) {
			shutdown(s->fd, SHUT_RDWR);
			open = false;
		}
	}
	return NULL;
}

/* A Service Search Attribute Response: tid, count bytes of lists, the
 * continuation state. */
static void add_reply(struct server *s, uint16_t tid, const uint8_t *lists,
		      size_t count, const uint8_t *cont, size_t cont_len)
{
	uint8_t *r = s->reply[s->nreplies];
	size_t plen = 2 + count + 1 + cont_len;

	ck_assert_int_lt(s->nreplies, MAX_REPLIES);
	ck_assert_uint_le(5 + plen, sizeof(s->reply[0]));
	r[0] = 0x07;
	r[1] = (uint8_t)(tid >> 8);
	r[2] = (uint8_t)tid;
	r[3] = (uint8_t)(plen >> 8);
	r[4] = (uint8_t)plen;
	r[5] = (uint8_t)(count >> 8);
	r[6] = (uint8_t)count;
	if (count)
		memcpy(r + 7, lists, count);
	r[7 + count] = (uint8_t)cont_len;
	if (cont_len)
		memcpy(r + 8 + count, cont, cont_len);
	s->reply_len[s->nreplies++] = 5 + plen;
}

/* Any bytes as the next reply. */
static void add_raw(struct server *s, const uint8_t *bytes, size_t len)
{
	ck_assert_int_lt(s->nreplies, MAX_REPLIES);
	ck_assert_uint_le(len, sizeof(s->reply[0]));
	memcpy(s->reply[s->nreplies], bytes, len);
	s->reply_len[s->nreplies++] = len;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/*
 * Run the query against s for at most timeout_ms (wakeup: a readable
 * wakeup fd from the start). The client's socket is non-blocking, as the
 * L2CAP one; the query must leave it open, and nothing may stay open after.
 */
static int query_wake(struct server *s, int64_t timeout_ms, bool wakeup)
{
	int fds_before = count_fds(), sv[2], pipefd[2] = { -1, -1 }, ret;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
				    sv),
			 0);
	ck_assert_int_eq(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	if (wakeup) {
		ck_assert_int_eq(pipe2(pipefd, O_CLOEXEC), 0);
		ck_assert_int_eq(write(pipefd[1], "", 1), 1);
	}
	s->fd = sv[0];
	ck_assert_int_eq(pthread_create(&s->thread, NULL, serve, s), 0);
	ret = sdp_query_rfcomm_channel(sv[1], SDP_UUID_SERIAL_PORT,
				       time_deadline_in(timeout_ms), pipefd[0]);
	ck_assert_int_ne(fcntl(sv[1], F_GETFD), -1);
	close(sv[1]);
	pthread_join(s->thread, NULL);
	close(sv[0]);
	if (wakeup) {
		close(pipefd[0]);
		close(pipefd[1]);
	}
	ck_assert_int_eq(count_fds(), fds_before);
	return ret;
}

static int query(struct server *s)
{
	return query_wake(s, 5000, false);
}

/* Run the query against s, which must see one request; free s. */
static int query_once(struct server *s)
{
	int ret = query(s);

	ck_assert_int_eq(s->nreq, 1);
	free(s);
	return ret;
}

/* Request i as the client must have sent it: TID i + 1, the continuation
 * state of the answer before. */
static void check_request(const struct server *s, int i, const uint8_t *cont,
			  size_t cont_len)
{
	uint8_t want[64];
	size_t n = sdp_encode_search_attr(want, (uint16_t)(i + 1),
					  SDP_UUID_SERIAL_PORT, cont, cont_len);

	ck_assert_int_lt(i, s->nreq);
	ck_assert_uint_eq(s->req_len[i], n);
	ck_assert_mem_eq(s->req[i], want, n);
}

static struct server *new_server(enum after after)
{
	struct server *s = calloc(1, sizeof(*s));

	ck_assert_ptr_nonnull(s);
	s->after = after;
	return s;
}

static const uint8_t one_record[] = { 0x35, 0x13, RECORD(3) };

/* A server that answers with these bytes, then closes the link. */
static struct server *raw_server(const uint8_t *bytes, size_t len)
{
	struct server *s = new_server(AFTER_CLOSE);

	add_raw(s, bytes, len);
	return s;
}

/* A server that answers with count bytes of lists, all in one answer for
 * tid, then closes the link. */
static struct server *answer_server(uint16_t tid, const uint8_t *lists,
				    size_t count)
{
	struct server *s = new_server(AFTER_CLOSE);

	add_reply(s, tid, lists, count, NULL, 0);
	return s;
}

START_TEST(test_query_one_answer)
{
	struct server *s = answer_server(1, one_record, sizeof(one_record));

	ck_assert_int_eq(query(s), 3);
	ck_assert_int_eq(s->nreq, 1);
	check_request(s, 0, NULL, 0);
	free(s);
}
END_TEST

/* The lists in four parts, two of them empty (one the last); the server's
 * continuation state changes from one answer to the next (to the longest
 * allowed, and back), and each is echoed as it was last given. */
START_TEST(test_query_split_continuations)
{
	struct server *s = new_server(AFTER_CLOSE);
	const uint8_t c1[] = { 0xc0, 0xde };
	const uint8_t c2[16] = { 1, 2,	3,  4,	5,  6,	7,  8,
				 9, 10, 11, 12, 13, 14, 15, 16 };

	add_reply(s, 1, one_record, 5, c1, sizeof(c1));
	add_reply(s, 2, NULL, 0, c2, sizeof(c2));
	add_reply(s, 3, one_record + 5, sizeof(one_record) - 5, c1, sizeof(c1));
	add_reply(s, 4, NULL, 0, NULL, 0);
	ck_assert_int_eq(query(s), 3);
	ck_assert_int_eq(s->nreq, 4);
	check_request(s, 0, NULL, 0);
	check_request(s, 1, c1, sizeof(c1));
	check_request(s, 2, c2, sizeof(c2));
	check_request(s, 3, c1, sizeof(c1));
	free(s);
}
END_TEST

START_TEST(test_query_wrong_tid)
{
	const uint8_t c[] = { 0x07 };
	struct server *s;

	/* TID 2, TID 0, and TID 1 byte-swapped, to request 1. */
	ck_assert_int_eq(query_once(answer_server(2, one_record,
						  sizeof(one_record))),
			 -EBADMSG);
	ck_assert_int_eq(query_once(answer_server(0, one_record,
						  sizeof(one_record))),
			 -EBADMSG);
	ck_assert_int_eq(query_once(answer_server(0x0100, one_record,
						  sizeof(one_record))),
			 -EBADMSG);

	/* The second answer replays the first one's TID. */
	s = new_server(AFTER_CLOSE);
	add_reply(s, 1, one_record, 5, c, 1);
	add_reply(s, 1, one_record + 5, sizeof(one_record) - 5, NULL, 0);
	ck_assert_int_eq(query(s), -EBADMSG);
	ck_assert_int_eq(s->nreq, 2);
	free(s);
}
END_TEST

START_TEST(test_query_bad_continuation)
{
	/* A length byte of 2 and one byte of state; of 0 and a byte more. */
	const uint8_t short_state[] = { 0x07, 0x00, 0x01, 0x00, 0x04,
					0x00, 0x00, 0x02, 0xaa };
	const uint8_t extra[] = { 0x07, 0x00, 0x01, 0x00, 0x04,
				  0x00, 0x00, 0x00, 0xaa };
	uint8_t big[17];
	struct server *s = new_server(AFTER_CLOSE);

	/* 17 bytes: one more than SDP allows. */
	memset(big, 0x5a, sizeof(big));
	add_reply(s, 1, one_record, 5, big, sizeof(big));
	ck_assert_int_eq(query_once(s), -EBADMSG);

	/* Over the limit in the second answer, after a good first one. */
	s = new_server(AFTER_CLOSE);
	add_reply(s, 1, one_record, 5, big, 2);
	add_reply(s, 2, one_record + 5, 3, big, sizeof(big));
	ck_assert_int_eq(query(s), -EBADMSG);
	ck_assert_int_eq(s->nreq, 2);
	free(s);

	ck_assert_int_eq(query_once(
				 raw_server(short_state, sizeof(short_state))),
			 -EBADMSG);
	ck_assert_int_eq(query_once(raw_server(extra, sizeof(extra))),
			 -EBADMSG);
}
END_TEST

/* A server that always has more: SDP_MAX_ROUNDS requests, then -EBADMSG. */
START_TEST(test_query_endless_continuation)
{
	struct server *s = new_server(AFTER_ENDLESS);
	const uint8_t c[] = { 0x2a };

	ck_assert_int_eq(query(s), -EBADMSG);
	ck_assert_int_eq(s->nreq, SDP_MAX_ROUNDS);
	check_request(s, 0, NULL, 0);
	for (int i = 1; i < SDP_MAX_ROUNDS; i++)
		check_request(s, i, c, 1);
	free(s);
}
END_TEST

/* A server that says nothing: the deadline ends the wait, in the first
 * round or in a later one. */
START_TEST(test_query_stall)
{
	const uint8_t c[] = { 0x01 };

	for (int answered = 0; answered < 2; answered++) {
		struct server *s = new_server(AFTER_STALL);
		int64_t start = time_now_ms(), took;

		if (answered)
			add_reply(s, 1, one_record, 5, c, 1);
		ck_assert_int_eq(query_wake(s, 300, false), -ETIMEDOUT);
		took = time_now_ms() - start;
		ck_assert_int_ge(took, 300);
		ck_assert_int_lt(took, 1500);
		ck_assert_int_eq(s->nreq, answered + 1);
		free(s);
	}
}
END_TEST

START_TEST(test_query_wakeup)
{
	struct server *s = new_server(AFTER_STALL);

	ck_assert_int_eq(query_wake(s, 5000, true), -EINTR);
	free(s);
}
END_TEST

START_TEST(test_query_closed)
{
	struct server *s = new_server(AFTER_CLOSE);
	const uint8_t c[] = { 0x01 };

	ck_assert_int_eq(query(s), -ECONNRESET);
	ck_assert_int_eq(s->nreq, 1);
	free(s);

	/* In the middle of an answer. */
	s = new_server(AFTER_CLOSE);
	add_reply(s, 1, one_record, 5, c, 1);
	ck_assert_int_eq(query(s), -ECONNRESET);
	ck_assert_int_eq(s->nreq, 2);
	free(s);
}
END_TEST

/* PDUs shorter than their header, or than the header says. */
START_TEST(test_query_short_pdu)
{
	const uint8_t full[] = {
		0x07, 0x00, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00
	};
	const uint8_t c[] = { 0x01 };
	struct server *s;

	/* An empty message reads as the end of the link. */
	ck_assert_int_eq(query_once(raw_server(full, 0)), -ECONNRESET);
	for (size_t n = 1; n < sizeof(full); n++)
		ck_assert_msg(query_once(raw_server(full, n)) == -EBADMSG,
			      "%zu bytes accepted", n);

	/* The last part of an answer cut short. */
	s = new_server(AFTER_CLOSE);
	add_reply(s, 1, one_record, 5, c, 1);
	add_reply(s, 2, one_record + 5, sizeof(one_record) - 5, NULL, 0);
	s->reply_len[1] -= 3;
	ck_assert_int_eq(query(s), -EBADMSG);
	ck_assert_int_eq(s->nreq, 2);
	free(s);
}
END_TEST

START_TEST(test_query_error_response)
{
	/* Error Response, TID 1: Invalid Continuation State (0x0005). */
	const uint8_t err_rsp[] = { 0x01, 0x00, 0x01, 0x00, 0x02, 0x00, 0x05 };
	const uint8_t err_rsp2[] = { 0x01, 0x00, 0x02, 0x00, 0x02, 0x00, 0x05 };
	const uint8_t c[] = { 0x01 };
	struct server *s;

	ck_assert_int_eq(query_once(raw_server(err_rsp, sizeof(err_rsp))),
			 -EBADMSG);

	/* After a first part. */
	s = new_server(AFTER_CLOSE);
	add_reply(s, 1, one_record, 5, c, 1);
	add_raw(s, err_rsp2, sizeof(err_rsp2));
	ck_assert_int_eq(query(s), -EBADMSG);
	ck_assert_int_eq(s->nreq, 2);
	free(s);
}
END_TEST

/* Well-formed PDUs of other types, the right TID: our own request bounced,
 * a Service Search Response, a Service Attribute Response. */
START_TEST(test_query_wrong_pdu_type)
{
	static const uint8_t types[] = { 0x06, 0x03, 0x05, 0x00, 0xff };

	for (size_t i = 0; i < sizeof(types); i++) {
		struct server *s = answer_server(1, one_record,
						 sizeof(one_record));

		s->reply[0][0] = types[i];
		ck_assert_msg(query_once(s) == -EBADMSG, "type 0x%02x accepted",
			      types[i]);
	}
}
END_TEST

/* Byte counts that disagree with what was sent. */
START_TEST(test_query_lying_counts)
{
	/* ParameterLength (byte 4), then AttributeListsByteCount (byte 6):
	 * one less, one more than what follows; and the count 0xffff. */
	for (int i = 0; i < 5; i++) {
		struct server *s = answer_server(1, one_record,
						 sizeof(one_record));
		uint8_t *r = s->reply[0];

		if (i == 4)
			r[5] = r[6] = 0xff;
		else
			r[i < 2 ? 4 : 6] += i % 2 ? 1 : 0xff;
		ck_assert_msg(query_once(s) == -EBADMSG, "case %d accepted", i);
	}
}
END_TEST

/*
 * A PDU longer than the client's receive buffer (4096 bytes) whose header
 * describes only the bytes that fit: what was cut off must not go
 * unnoticed. The part that fits is a complete answer naming channel 3.
 */
START_TEST(test_query_oversized_pdu)
{
	struct server *s;
	uint8_t lists[4088];
	/* The headers of both sequences, RECORD's 17 bytes of attributes,
	 * the padding attribute's ID and string header. */
	size_t pad = sizeof(lists) - 3 - 3 - 17 - 6;

	/* DES (2-byte length) { RECORD(3) with an attribute 0x0100 of a
	 * padding string (2-byte length) } */
	lists[0] = 0x36;
	lists[1] = (uint8_t)((sizeof(lists) - 3) >> 8);
	lists[2] = (uint8_t)(sizeof(lists) - 3);
	{
		const uint8_t rec[] = { RECORD(3) };
		size_t rec_len = sizeof(rec) - 2 + 6 + pad;

		lists[3] = 0x36;
		lists[4] = (uint8_t)(rec_len >> 8);
		lists[5] = (uint8_t)rec_len;
		memcpy(lists + 6, rec + 2, sizeof(rec) - 2);
		{
			uint8_t *p = lists + 6 + sizeof(rec) - 2;

			p[0] = 0x09;
			p[1] = 0x01;
			p[2] = 0x00;
			p[3] = 0x26;
			p[4] = (uint8_t)(pad >> 8);
			p[5] = (uint8_t)pad;
			ck_assert_uint_eq((size_t)(p + 6 + pad - lists),
					  sizeof(lists));
			memset(p + 6, 'x', pad);
		}
	}
	ck_assert_int_eq(sdp_find_rfcomm_channel(lists, sizeof(lists)), 3);
	s = answer_server(1, lists, sizeof(lists));
	ck_assert_uint_eq(s->reply_len[0], 4096);
	/* What fits is whole: the client takes it. */
	ck_assert_int_eq(query_once(s), 3);

	/* The same 4096 bytes, and 100 more in the same PDU. */
	s = answer_server(1, lists, sizeof(lists));
	memset(s->reply[0] + 4096, 0x35, 100);
	s->reply_len[0] += 100;
	ck_assert_int_eq(query_once(s), -EBADMSG);
}
END_TEST

/* Lists over 64 KiB in parts of 4000 bytes: -ENOBUFS, not a longer wait. */
START_TEST(test_query_lists_too_long)
{
	struct server *s = new_server(AFTER_CLOSE);
	static uint8_t part[4000];
	const uint8_t c[] = { 0x01 };
	int parts = 65536 / sizeof(part) + 1;

	memset(part, 0x35, sizeof(part));
	for (int i = 0; i < parts; i++)
		add_reply(s, (uint16_t)(i + 1), part, sizeof(part), c, 1);
	ck_assert_int_eq(query(s), -ENOBUFS);
	ck_assert_int_eq(s->nreq, parts);
	free(s);
}
END_TEST

START_TEST(test_query_no_channel)
{
	const uint8_t l2cap_only[] = {
		0x35, 0x0c, 0x35, 0x0a, 0x09, 0x00, 0x04,
		0x35, 0x05, 0x35, 0x03, 0x19, 0x01, 0x00
	};
	const uint8_t empty[] = { 0x35, 0x00 };

	ck_assert_int_eq(query_once(answer_server(1, l2cap_only,
						  sizeof(l2cap_only))),
			 -ENOENT);
	ck_assert_int_eq(query_once(answer_server(1, empty, sizeof(empty))),
			 -ENOENT);
	/* Complete, but not a data element sequence. */
	ck_assert_int_eq(query_once(answer_server(1, one_record,
						  sizeof(one_record) - 1)),
			 -EBADMSG);
}
END_TEST

/* The connect part on its own: whether or not this machine has Bluetooth,
 * an error and no fd left behind. */
START_TEST(test_lookup_closes_its_socket)
{
	bdaddr_t any = { { 0 } }, dev = { { 1, 2, 3, 4, 5, 6 } };
	int before = count_fds();

	ck_assert_int_lt(sdp_lookup_rfcomm_channel(&any, &dev,
						   SDP_UUID_SERIAL_PORT,
						   time_deadline_in(0), -1),
			 0);
	ck_assert_int_eq(count_fds(), before);
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

	tc = tcase_create("query");
	tcase_add_test(tc, test_query_one_answer);
	tcase_add_test(tc, test_query_split_continuations);
	tcase_add_test(tc, test_query_wrong_tid);
	tcase_add_test(tc, test_query_bad_continuation);
	tcase_add_test(tc, test_query_endless_continuation);
	tcase_add_test(tc, test_query_stall);
	tcase_add_test(tc, test_query_wakeup);
	tcase_add_test(tc, test_query_closed);
	tcase_add_test(tc, test_query_short_pdu);
	tcase_add_test(tc, test_query_error_response);
	tcase_add_test(tc, test_query_wrong_pdu_type);
	tcase_add_test(tc, test_query_lying_counts);
	tcase_add_test(tc, test_query_oversized_pdu);
	tcase_add_test(tc, test_query_lists_too_long);
	tcase_add_test(tc, test_query_no_channel);
	tcase_add_test(tc, test_lookup_closes_its_socket);
	/* Under valgrind too; the stall test waits 0.6 s. */
	tcase_set_timeout(tc, 20);
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
