/* The stdio bridge: binary-safe both ways, half-close, the ~. escape. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
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
	size_t expect; /* read this much, then reply (if reply_after) */
	bool reply_after;
	bool keep_open; /* never close: the bridge must stop on idle */
	uint8_t *got;
	size_t got_len, cap;
};

static void write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n <= 0)
			return; /* the other side is gone: the test checks */
		p += n;
		len -= (size_t)n;
	}
}

static void *peer_reader(void *data)
{
	struct peer *p = data;

	while (p->got_len < p->expect) {
		ssize_t n = read(p->fd, p->got + p->got_len,
				 p->cap - p->got_len);

		if (n <= 0)
			break;
		p->got_len += (size_t)n;
	}
	return NULL;
}

static void *peer_writer(void *data)
{
	struct peer *p = data;

	write_all(p->fd, p->send, p->send_len);
	return NULL;
}

/* The device: reads what it expects while sending its part, then closes
 * (RFCOMM has no half-close, so the bridge ends when the device does). */
static void *peer_main(void *data)
{
	struct peer *p = data;
	pthread_t reader, writer;

	pthread_create(&reader, NULL, peer_reader, p);
	if (p->reply_after)
		pthread_join(reader, NULL);
	pthread_create(&writer, NULL, peer_writer, p);
	pthread_join(writer, NULL);
	if (!p->reply_after)
		pthread_join(reader, NULL);
	if (!p->keep_open)
		shutdown(p->fd, SHUT_RDWR);
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
	struct peer *p = data;

	for (;;) {
		ssize_t n = read(p->fd, p->got + p->got_len,
				 p->cap - p->got_len);

		if (n <= 0)
			break;
		p->got_len += (size_t)n;
	}
	return NULL;
}

/* Whether run_bridge's input is non-blocking, as a pty's master is: the
 * bridge then reads it again before polling. */
static bool input_nonblock;

/* Run the bridge with `input` on stdin against the peer. */
static int run_bridge(const uint8_t *input, size_t in_len, bool escape,
		      struct peer *peer, struct peer *out)
{
	int sv[2], in[2], o[2], err;
	pthread_t tp, tf, td;
	struct feeder f;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(pipe(in), 0);
	if (input_nonblock)
		ck_assert_int_eq(fcntl(in[0], F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(pipe(o), 0);
	peer->fd = sv[1];
	peer->cap = BIG + 16;
	peer->got = calloc(1, peer->cap);
	out->fd = o[0];
	out->cap = BIG + 16;
	out->got = calloc(1, out->cap);
	f = (struct feeder){ .fd = in[1], .data = input, .len = in_len };
	pthread_create(&tp, NULL, peer_main, peer);
	pthread_create(&tf, NULL, feed, &f);
	pthread_create(&td, NULL, drain, out);

	err = rfcomm_bridge(sv[0], in[0], o[1], escape, 300, -1);
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

START_TEST(test_answer_after_input_ends)
{
	struct peer peer = { .send = (const uint8_t *)"world",
			     .send_len = 5,
			     .expect = 5,
			     .reply_after = true };
	struct peer out = { 0 };

	/* Input ends at once; the device answers only after reading it:
	 * the bridge keeps reading after its input ended. */
	ck_assert_int_eq(run_bridge((const uint8_t *)"hello", 5, false, &peer,
				    &out),
			 0);
	ck_assert_uint_eq(peer.got_len, 5);
	ck_assert_mem_eq(peer.got, "hello", 5);
	ck_assert_uint_eq(out.got_len, 5);
	ck_assert_mem_eq(out.got, "world", 5);
	free(peer.got);
	free(out.got);
}
END_TEST

START_TEST(test_quiet_device_ends_it)
{
	struct peer peer = { .send = (const uint8_t *)"ok",
			     .send_len = 2,
			     .expect = 3,
			     .reply_after = true,
			     .keep_open = true };
	struct peer out = { 0 };
	struct timespec t0, t1;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(run_bridge((const uint8_t *)"AT\n", 3, false, &peer,
				    &out),
			 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	     (t1.tv_nsec - t0.tv_nsec) / 1000000;
	ck_assert_uint_eq(out.got_len, 2);
	ck_assert_int_ge(ms, 300);
	ck_assert_int_lt(ms, 3000);
	free(peer.got);
	free(out.got);
}
END_TEST

START_TEST(test_binary_both_ways)
{
	uint8_t *a = malloc(BIG), *b = malloc(BIG);
	struct peer peer = { .send_len = BIG, .expect = BIG }, out = { 0 };

	for (size_t i = 0; i < BIG; i++) {
		a[i] = (uint8_t)(i * 7 + (i >> 8));
		b[i] = (uint8_t)(255 - i * 13);
	}
	a[0] = 0;
	a[1] = '~'; /* no escape without escape mode */
	a[2] = '.';
	peer.send = b;
	input_nonblock = _i;
	ck_assert_int_eq(run_bridge(a, BIG, false, &peer, &out), 0);
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
	struct peer peer = { .expect = 4, .keep_open = true }, out = { 0 };
	const char *in = "abc\n~.never sent";

	input_nonblock = _i;
	ck_assert_int_eq(run_bridge((const uint8_t *)in, strlen(in), true,
				    &peer, &out),
			 0);
	ck_assert_uint_eq(peer.got_len, 4);
	ck_assert_mem_eq(peer.got, "abc\n", 4);
	free(peer.got);
	free(out.got);
}
END_TEST

START_TEST(test_escape_at_session_start)
{
	struct peer peer = { .expect = 0, .keep_open = true }, out = { 0 };

	ck_assert_int_eq(run_bridge((const uint8_t *)"~.x", 3, true, &peer,
				    &out),
			 0);
	ck_assert_uint_eq(peer.got_len, 0);
	free(peer.got);
	free(out.got);
}
END_TEST

START_TEST(test_tilde_mid_line_passes)
{
	const char *in = "a~.b\n~x\r~~\n";
	struct peer peer = { .expect = strlen(in) }, out = { 0 };

	ck_assert_int_eq(run_bridge((const uint8_t *)in, strlen(in), true,
				    &peer, &out),
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
	ck_assert_int_eq(rfcomm_bridge(sv[0], in[0], out[1], false, -1, w[0]),
			 -EINTR);
	for (int i = 0; i < 2; i++) {
		close(sv[i]);
		close(in[i]);
		close(out[i]);
		close(w[i]);
	}
}
END_TEST

/* The peer closing is a lost link; input ending and the device going quiet
 * is not: --reconnect tells them apart by this. */
START_TEST(test_link_lost_when_peer_closes)
{
	struct rfcomm_bridge_opts o = { .idle_ms = -1, .wakeup_fd = -1 };
	struct rfcomm_bridge_result res = { 0 };
	int sv[2], in[2], out[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	ck_assert_int_eq(write(sv[1], "bye\n", 4), 4);
	close(sv[1]);
	ck_assert_int_eq(rfcomm_bridge_link(sv[0], in[0], out[1], &o, &res), 0);
	ck_assert(res.link_lost);
	close(sv[0]);
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(out[1]);
}
END_TEST

START_TEST(test_input_end_is_not_a_lost_link)
{
	struct rfcomm_bridge_opts o = { .idle_ms = 100, .wakeup_fd = -1 };
	struct rfcomm_bridge_result res = { 0 };
	int sv[2], in[2], out[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	close(in[1]);
	ck_assert_int_eq(rfcomm_bridge_link(sv[0], in[0], out[1], &o, &res), 0);
	ck_assert(!res.link_lost);
	close(sv[0]);
	close(sv[1]);
	close(in[0]);
	close(out[0]);
	close(out[1]);
}
END_TEST

/* With drop_full, what a full output cannot take is dropped and counted,
 * and the bridge goes on (a pty nobody reads must not stall the link). */
START_TEST(test_full_output_drops_and_counts)
{
	struct rfcomm_bridge_opts o = { .idle_ms = -1,
					.wakeup_fd = -1,
					.drop_full = true };
	struct rfcomm_bridge_result res = { 0 };
	static uint8_t chunk[4096];
	int sv[2], in[2], out[2];
	size_t sent = 0;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe2(out, O_NONBLOCK), 0);
	/* More than the pipe holds, then the close. */
	ck_assert_int_eq(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	for (int i = 0; i < 64; i++) {
		ssize_t n = write(sv[1], chunk, sizeof(chunk));

		if (n > 0)
			sent += (size_t)n;
	}
	close(sv[1]);
	ck_assert_int_eq(rfcomm_bridge_link(sv[0], in[0], out[1], &o, &res), 0);
	ck_assert(res.link_lost);
	ck_assert_uint_gt(res.out_dropped, 0);
	ck_assert_uint_lt(res.out_dropped, sent);
	close(sv[0]);
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(out[1]);
}
END_TEST

/* The device reading in small pieces: until stop_after bytes (then it
 * closes the link), or until the bridge closes. */
struct slow_reader {
	int fd;
	size_t chunk, stop_after;
	uint8_t *got;
	size_t got_len, cap;
};

static void *slow_read(void *data)
{
	struct slow_reader *r = data;

	while (r->got_len < r->cap) {
		size_t want = r->chunk < r->cap - r->got_len ?
				      r->chunk :
				      r->cap - r->got_len;
		ssize_t n;

		if (r->stop_after && r->got_len + want > r->stop_after)
			want = r->stop_after - r->got_len;
		if (!want)
			break;
		n = read(r->fd, r->got + r->got_len, want);
		if (n <= 0)
			return NULL;
		r->got_len += (size_t)n;
	}
	/* Let the bridge fill the socket and wait on it, then go. */
	usleep(100 * 1000);
	shutdown(r->fd, SHUT_RDWR);
	return NULL;
}

/* A device socket that takes little at a time: sends end in EAGAIN and
 * partial sends, and every byte still arrives, in order. */
static void small_socket(int sv[2])
{
	int size = 4096;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &size,
				    sizeof(size)),
			 0);
	ck_assert_int_eq(setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &size,
				    sizeof(size)),
			 0);
}

START_TEST(test_partial_sends_keep_every_byte)
{
	struct rfcomm_bridge_opts o = { .idle_ms = 50, .wakeup_fd = -1 };
	struct rfcomm_bridge_result res = { 0 };
	struct slow_reader r = { .chunk = 1000, .cap = BIG };
	uint8_t *data = malloc(BIG);
	int sv[2], in[2], out[2];
	struct feeder f;
	pthread_t tf, tr;

	for (size_t i = 0; i < BIG; i++)
		data[i] = (uint8_t)(i * 7 + i / 251);
	small_socket(sv);
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	r.fd = sv[1];
	r.got = calloc(1, BIG);
	f = (struct feeder){ .fd = in[1], .data = data, .len = BIG };
	pthread_create(&tf, NULL, feed, &f);
	pthread_create(&tr, NULL, slow_read, &r);
	ck_assert_int_eq(rfcomm_bridge_link(sv[0], in[0], out[1], &o, &res), 0);
	pthread_join(tf, NULL);
	pthread_join(tr, NULL);
	ck_assert_uint_eq(r.got_len, BIG);
	ck_assert(memcmp(r.got, data, BIG) == 0);
	ck_assert_uint_eq(res.in_lost, 0);
	close(sv[0]);
	close(sv[1]);
	close(in[0]);
	close(out[0]);
	close(out[1]);
	free(r.got);
	free(data);
}
END_TEST

/* The link goes while input waits for room in the socket: what was read
 * but never sent is counted, and no more than that. */
START_TEST(test_lost_link_counts_unsent_input)
{
	struct rfcomm_bridge_opts o = { .idle_ms = -1, .wakeup_fd = -1 };
	struct rfcomm_bridge_result res = { 0 };
	struct slow_reader r = { .chunk = 1024,
				 .stop_after = 4096,
				 .cap = 65536 };
	static uint8_t data[65536];
	int sv[2], in[2], out[2];
	pthread_t tr;

	small_socket(sv);
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	/* The whole input is in the pipe before the bridge starts: one read
	 * takes it, far more than the socket holds. */
	ck_assert_int_eq(fcntl(in[1], F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(write(in[1], data, sizeof(data)), sizeof(data));
	close(in[1]);
	r.fd = sv[1];
	r.got = calloc(1, r.cap);
	pthread_create(&tr, NULL, slow_read, &r);
	ck_assert_int_eq(rfcomm_bridge_link(sv[0], in[0], out[1], &o, &res), 0);
	pthread_join(tr, NULL);
	ck_assert(res.link_lost);
	ck_assert_uint_eq(r.got_len, 4096);
	ck_assert_uint_gt(res.in_lost, 0);
	ck_assert_uint_le(res.in_lost, sizeof(data) - r.got_len);
	close(sv[0]);
	close(sv[1]);
	close(in[0]);
	close(out[0]);
	close(out[1]);
	free(r.got);
}
END_TEST

/* "~." after more than the socket takes at once: everything before the
 * "~" still reaches the device before the bridge ends. */
START_TEST(test_escape_after_a_full_socket)
{
	struct rfcomm_bridge_opts o = { .escape = true,
					.idle_ms = -1,
					.wakeup_fd = -1 };
	struct rfcomm_bridge_result res = { 0 };
	struct slow_reader r = { .chunk = 1000, .cap = 65536 };
	static uint8_t data[40003];
	int sv[2], in[2], out[2];
	struct feeder f;
	pthread_t tf, tr;

	memset(data, 'A', sizeof(data) - 3);
	memcpy(data + sizeof(data) - 3, "\n~.", 3);
	small_socket(sv);
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	r.fd = sv[1];
	r.got = calloc(1, r.cap);
	f = (struct feeder){ .fd = in[1], .data = data, .len = sizeof(data) };
	pthread_create(&tf, NULL, feed, &f);
	pthread_create(&tr, NULL, slow_read, &r);
	ck_assert_int_eq(rfcomm_bridge_link(sv[0], in[0], out[1], &o, &res), 0);
	ck_assert(!res.link_lost);
	close(sv[0]);
	pthread_join(tf, NULL);
	pthread_join(tr, NULL);
	ck_assert_uint_eq(r.got_len, sizeof(data) - 2);
	ck_assert(memcmp(r.got, data, sizeof(data) - 2) == 0);
	close(sv[1]);
	close(in[0]);
	close(out[0]);
	close(out[1]);
	free(r.got);
}
END_TEST

/* A device that sends faster than out takes, with drop_full: the socket is
 * drained each wakeup, the drops counted, and the total adds up. */
START_TEST(test_drained_socket_adds_up)
{
	struct rfcomm_bridge_opts o = { .idle_ms = -1,
					.wakeup_fd = -1,
					.drop_full = true };
	struct rfcomm_bridge_result res = { 0 };
	static uint8_t chunk[65536];
	int sv[2], in[2], out[2];
	size_t sent = 0, read_back = 0;
	ssize_t n;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe2(out, O_NONBLOCK), 0);
	ck_assert_int_eq(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	while ((n = write(sv[1], chunk, sizeof(chunk))) > 0)
		sent += (size_t)n;
	close(sv[1]);
	ck_assert_int_eq(rfcomm_bridge_link(sv[0], in[0], out[1], &o, &res), 0);
	ck_assert(res.link_lost);
	while ((n = read(out[0], chunk, sizeof(chunk))) > 0)
		read_back += (size_t)n;
	ck_assert_uint_gt(read_back, 0);
	ck_assert_uint_eq(read_back + res.out_dropped, sent);
	close(sv[0]);
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(out[1]);
}
END_TEST

struct pausing_reader {
	int fd;
	size_t got;
};

/* Reads in bursts with short pauses (far inside the bridge's grace),
 * until the writer closes. */
static void *pausing_read(void *data)
{
	struct pausing_reader *r = data;
	static uint8_t buf[16384];

	for (;;) {
		ssize_t n = read(r->fd, buf, sizeof(buf));

		if (n == 0)
			break;
		if (n < 0 && errno == EAGAIN) {
			usleep(2 * 1000);
			continue;
		}
		if (n < 0)
			break;
		r->got += (size_t)n;
		usleep(2 * 1000);
	}
	return NULL;
}

static void *send_and_close(void *data)
{
	struct peer *p = data;

	write_all(p->fd, p->send, p->send_len);
	shutdown(p->fd, SHUT_RDWR);
	return NULL;
}

/* With drop_full, a reader that is slow but there loses nothing: the
 * bridge waits for it (the device is held back meanwhile). */
START_TEST(test_slow_reader_loses_nothing)
{
	struct rfcomm_bridge_opts o = { .idle_ms = -1,
					.wakeup_fd = -1,
					.drop_full = true };
	struct rfcomm_bridge_result res = { 0 };
	struct pausing_reader r = { 0 };
	uint8_t *data = calloc(1, BIG);
	struct peer dev = { .send = data, .send_len = BIG };
	int sv[2], in[2], out[2];
	pthread_t tr, tw;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe2(out, O_NONBLOCK), 0);
	r.fd = out[0];
	dev.fd = sv[1];
	pthread_create(&tr, NULL, pausing_read, &r);
	pthread_create(&tw, NULL, send_and_close, &dev);
	ck_assert_int_eq(rfcomm_bridge_link(sv[0], in[0], out[1], &o, &res), 0);
	pthread_join(tw, NULL);
	close(out[1]);
	pthread_join(tr, NULL);
	ck_assert(res.link_lost);
	ck_assert_uint_eq(res.out_dropped, 0);
	ck_assert_uint_eq(r.got, BIG);
	close(sv[0]);
	close(sv[1]);
	close(in[0]);
	close(in[1]);
	close(out[0]);
	free(data);
}
END_TEST

static Suite *bridge_suite(void)
{
	Suite *s = suite_create("bridge");
	TCase *tc = tcase_create("stdio");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_answer_after_input_ends);
	tcase_add_test(tc, test_quiet_device_ends_it);
	tcase_add_loop_test(tc, test_binary_both_ways, 0, 2);
	tcase_add_loop_test(tc, test_escape_quits, 0, 2);
	tcase_add_test(tc, test_escape_at_session_start);
	tcase_add_test(tc, test_tilde_mid_line_passes);
	tcase_add_test(tc, test_wakeup_interrupts);
	tcase_add_test(tc, test_link_lost_when_peer_closes);
	tcase_add_test(tc, test_input_end_is_not_a_lost_link);
	tcase_add_test(tc, test_full_output_drops_and_counts);
	tcase_add_test(tc, test_partial_sends_keep_every_byte);
	tcase_add_test(tc, test_lost_link_counts_unsent_input);
	tcase_add_test(tc, test_escape_after_a_full_socket);
	tcase_add_test(tc, test_drained_socket_adds_up);
	tcase_add_test(tc, test_slow_reader_loses_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(bridge_suite());
	int failed;

	/* The tests close pipes under writers on purpose. */
	signal(SIGPIPE, SIG_IGN);

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
