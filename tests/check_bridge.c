/* The stdio bridge: binary-safe both ways, half-close, the ~. escape. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rfcomm/rfcomm.h"

#define BIG (256 * 1024)

struct peer {
	int fd;
	const uint8_t *send;
	size_t send_len;
	bool send_after_eof; /* reply only once the input side is closed */
	uint8_t *got;
	size_t got_len, cap;
};

static void write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		ck_assert_int_gt(n, 0);
		p += n;
		len -= (size_t)n;
	}
}

static void *peer_reader(void *data)
{
	struct peer *p = data;

	for (;;) {
		ssize_t n = read(p->fd, p->got + p->got_len, p->cap - p->got_len);

		if (n <= 0)
			break;
		p->got_len += (size_t)n;
	}
	return NULL;
}

static void *peer_main(void *data)
{
	struct peer *p = data;
	pthread_t reader;

	pthread_create(&reader, NULL, peer_reader, p);
	if (p->send_after_eof)
		pthread_join(reader, NULL);
	write_all(p->fd, p->send, p->send_len);
	shutdown(p->fd, SHUT_WR);
	if (!p->send_after_eof)
		pthread_join(reader, NULL);
	return NULL;
}

struct feeder {
	int fd;
	const uint8_t *data;
	size_t len;
};

static void *feed(void *data)
{
	struct feeder *f = data;

	write_all(f->fd, f->data, f->len);
	close(f->fd);
	return NULL;
}

static void *drain(void *data)
{
	struct peer *p = data; /* reuses the collecting half */

	return peer_reader(p);
}

/* Run the bridge with `input` on stdin and a peer that sends `reply`. */
static int run_bridge(const uint8_t *input, size_t in_len, const uint8_t *reply,
		      size_t reply_len, bool after_eof, bool escape,
		      struct peer *peer, struct peer *out)
{
	int sv[2], in[2], o[2], err;
	pthread_t tp, tf, td;
	struct feeder f;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(o), 0);
	peer->fd = sv[1];
	peer->send = reply;
	peer->send_len = reply_len;
	peer->send_after_eof = after_eof;
	peer->cap = BIG + 16;
	peer->got = calloc(1, peer->cap);
	out->fd = o[0];
	out->cap = BIG + 16;
	out->got = calloc(1, out->cap);
	f = (struct feeder){ .fd = in[1], .data = input, .len = in_len };
	pthread_create(&tp, NULL, peer_main, peer);
	pthread_create(&tf, NULL, feed, &f);
	pthread_create(&td, NULL, drain, out);

	err = rfcomm_bridge(sv[0], in[0], o[1], escape, -1);
	close(sv[0]);
	close(o[1]);
	close(in[0]);
	pthread_join(tf, NULL);
	pthread_join(tp, NULL);
	pthread_join(td, NULL);
	close(sv[1]);
	close(o[0]);
	return err;
}

START_TEST(test_half_close)
{
	struct peer peer = { 0 }, out = { 0 };

	/* The peer answers only after it saw our EOF: the bridge must keep
	 * reading after its input ended. */
	ck_assert_int_eq(run_bridge((const uint8_t *)"hello", 5,
				    (const uint8_t *)"world", 5, true, false,
				    &peer, &out),
			 0);
	ck_assert_uint_eq(peer.got_len, 5);
	ck_assert_mem_eq(peer.got, "hello", 5);
	ck_assert_uint_eq(out.got_len, 5);
	ck_assert_mem_eq(out.got, "world", 5);
	free(peer.got);
	free(out.got);
}
END_TEST

START_TEST(test_binary_both_ways)
{
	uint8_t *a = malloc(BIG), *b = malloc(BIG);
	struct peer peer = { 0 }, out = { 0 };

	for (size_t i = 0; i < BIG; i++) {
		a[i] = (uint8_t)(i * 7 + (i >> 8));
		b[i] = (uint8_t)(255 - i * 13);
	}
	a[0] = 0;
	a[1] = '~'; /* no escape without escape mode */
	a[2] = '.';
	ck_assert_int_eq(run_bridge(a, BIG, b, BIG, false, false, &peer, &out),
			 0);
	ck_assert_uint_eq(peer.got_len, BIG);
	ck_assert_mem_eq(peer.got, a, BIG);
	ck_assert_uint_eq(out.got_len, BIG);
	ck_assert_mem_eq(out.got, b, BIG);
	free(a);
	free(b);
	free(peer.got);
	free(out.got);
}
END_TEST

START_TEST(test_escape_quits)
{
	struct peer peer = { 0 }, out = { 0 };
	const char *in = "abc\n~.never sent";

	ck_assert_int_eq(run_bridge((const uint8_t *)in, strlen(in),
				    (const uint8_t *)"", 0, true, true, &peer,
				    &out),
			 0);
	ck_assert_uint_eq(peer.got_len, 4);
	ck_assert_mem_eq(peer.got, "abc\n", 4);
	free(peer.got);
	free(out.got);
}
END_TEST

START_TEST(test_escape_at_session_start)
{
	struct peer peer = { 0 }, out = { 0 };

	ck_assert_int_eq(run_bridge((const uint8_t *)"~.x", 3,
				    (const uint8_t *)"", 0, true, true, &peer,
				    &out),
			 0);
	ck_assert_uint_eq(peer.got_len, 0);
	free(peer.got);
	free(out.got);
}
END_TEST

START_TEST(test_tilde_mid_line_passes)
{
	struct peer peer = { 0 }, out = { 0 };
	const char *in = "a~.b\n~x\r~~\n";

	ck_assert_int_eq(run_bridge((const uint8_t *)in, strlen(in),
				    (const uint8_t *)"", 0, true, true, &peer,
				    &out),
			 0);
	ck_assert_uint_eq(peer.got_len, strlen(in));
	ck_assert_mem_eq(peer.got, in, strlen(in));
	free(peer.got);
	free(out.got);
}
END_TEST

START_TEST(test_wakeup_interrupts)
{
	int sv[2], in[2], out[2], w[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	ck_assert_int_eq(pipe(w), 0);
	ck_assert_int_eq(write(w[1], "x", 1), 1);
	ck_assert_int_eq(rfcomm_bridge(sv[0], in[0], out[1], false, w[0]),
			 -EINTR);
	for (int i = 0; i < 2; i++) {
		close(sv[i]);
		close(in[i]);
		close(out[i]);
		close(w[i]);
	}
}
END_TEST

static Suite *bridge_suite(void)
{
	Suite *s = suite_create("bridge");
	TCase *tc = tcase_create("stdio");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_half_close);
	tcase_add_test(tc, test_binary_both_ways);
	tcase_add_test(tc, test_escape_quits);
	tcase_add_test(tc, test_escape_at_session_start);
	tcase_add_test(tc, test_tilde_mid_line_passes);
	tcase_add_test(tc, test_wakeup_interrupts);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(bridge_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
