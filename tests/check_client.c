/* The mgmt client against a fake kernel on a socketpair. */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mgmt/client.h"
#include "tests/fake_kernel.h"

#define OP_INDEX_LIST 0x0003
#define OP_READ_INFO 0x0004
#define OP_POWERED 0x0005
#define OP_BONDABLE 0x0009
#define OP_IO_CAP 0x0018
#define OP_PAIR 0x0019
#define NONE 0xFFFF

static struct fake_kernel *fk;
static struct mgmt_client *client;
static char fk_err[256];

static void start(const struct fk_step *steps)
{
	int fd;

	fk = fk_new(&fd);
	client = mgmt_client_new(fd);
	ck_assert_ptr_nonnull(client);
	fk_start(fk, steps);
}

static void finish(void)
{
	bool ok = fk_finish(fk, fk_err, sizeof(fk_err));

	mgmt_client_free(client);
	ck_assert_msg(ok, "fake kernel: %s", fk_err);
}

/* Take the next message and check its code and index. */
static void next_is(uint16_t code, uint16_t index)
{
	struct mgmt_msg *m = NULL;

	ck_assert_int_eq(mgmt_client_next(client, time_deadline_in(1000), &m),
			 0);
	ck_assert_uint_eq(m->code, code);
	ck_assert_uint_eq(m->index, index);
	free(m);
}

START_TEST(test_request_complete)
{
	const struct fk_step steps[] = {
		FK_EXPECT_BYTES(OP_INDEX_LIST, NONE),
		FK_COMPLETE(OP_INDEX_LIST, NONE, 0x00, 0x02, 0x00, 0x00, 0x00,
			    0x01, 0x00),
		FK_DONE,
	};
	uint8_t data[16], status = 0xff;
	size_t len = 0;

	start(steps);
	ck_assert_int_eq(mgmt_client_call(client, OP_INDEX_LIST, NONE, NULL, 0,
					  time_deadline_in(2000), &status, data,
					  sizeof(data), &len),
			 0);
	finish();
	ck_assert_uint_eq(status, 0);
	ck_assert_uint_eq(len, 6);
	const uint8_t want[] = { 0x02, 0x00, 0x00, 0x00, 0x01, 0x00 };

	ck_assert_mem_eq(data, want, sizeof(want));
}
END_TEST

START_TEST(test_request_sends_exact_bytes)
{
	const struct fk_step steps[] = {
		FK_EXPECT_BYTES(OP_POWERED, 0x0102, 0x01),
		FK_COMPLETE(OP_POWERED, 0x0102, 0x00, 0x01, 0x00, 0x00, 0x00),
		FK_DONE,
	};
	struct mgmt_msg *reply = NULL;
	uint8_t on = 1;

	start(steps);
	ck_assert_int_eq(mgmt_client_request(client, OP_POWERED, 0x0102, &on, 1,
					     time_deadline_in(2000), &reply),
			 0);
	finish();
	ck_assert_uint_eq(reply->code, 0x0001);
	ck_assert_uint_eq(reply->index, 0x0102);
	ck_assert_uint_eq(reply->len, 7);
	free(reply);
}
END_TEST

START_TEST(test_command_status_is_a_reply)
{
	const struct fk_step steps[] = {
		FK_EXPECT_CMD(OP_POWERED, 0),
		FK_STATUS(OP_POWERED, 0, 0x12),
		FK_DONE,
	};
	uint8_t data[8], status = 0;
	size_t len = 99;
	uint8_t on = 1;

	start(steps);
	ck_assert_int_eq(mgmt_client_call(client, OP_POWERED, 0, &on, 1,
					  time_deadline_in(2000), &status, data,
					  sizeof(data), &len),
			 0);
	finish();
	ck_assert_uint_eq(status, 0x12);
	ck_assert_uint_eq(len, 0);
}
END_TEST

START_TEST(test_interleaved_events_are_queued_in_order)
{
	const struct fk_step steps[] = {
		FK_EXPECT_CMD(OP_READ_INFO, 0),
		/* New Settings for this controller and another one, a reply to
		 * another command, and our opcode's reply for index 1: none
		 * of them is the reply. */
		FK_EVENT(0x0006, 0, 0x01, 0x00, 0x00, 0x00),
		FK_EVENT(0x0006, 1, 0x00, 0x00, 0x00, 0x00),
		FK_COMPLETE(OP_POWERED, 0, 0x00, 0x01, 0x00, 0x00, 0x00),
		FK_COMPLETE(OP_READ_INFO, 1, 0x00),
		FK_EVENT0(0x0004, 2),
		FK_COMPLETE(OP_READ_INFO, 0, 0x11),
		FK_EVENT0(0x0005, 2),
		FK_DONE,
	};
	uint8_t status = 0;

	start(steps);
	ck_assert_int_eq(mgmt_client_call(client, OP_READ_INFO, 0, NULL, 0,
					  time_deadline_in(2000), &status, NULL,
					  0, NULL),
			 0);
	ck_assert_uint_eq(status, 0x11);
	next_is(0x0006, 0);
	next_is(0x0006, 1);
	next_is(0x0001, 0);
	next_is(0x0001, 1);
	next_is(0x0004, 2);
	/* The queue is empty now; this one comes from the socket. */
	next_is(0x0005, 2);
	finish();
}
END_TEST

START_TEST(test_malformed_packets_are_dropped)
{
	const struct fk_step steps[] = {
		FK_EXPECT_CMD(OP_INDEX_LIST, NONE),
		/* Shorter than a header. */
		FK_RAW_BYTES(0x01, 0x00, 0xff),
		/* Header promises 10 bytes, 4 follow. */
		FK_RAW_BYTES(0x01, 0x00, 0xff, 0xff, 0x0a, 0x00, 0x03, 0x00,
			     0x00, 0x00),
		/* Header promises 1 byte, 5 follow. */
		FK_RAW_BYTES(0x01, 0x00, 0xff, 0xff, 0x01, 0x00, 0x03, 0x00,
			     0x00, 0x00, 0x00),
		/* A Command Complete too short to name its opcode. */
		FK_EVENT(0x0001, NONE, 0x03),
		FK_COMPLETE(OP_INDEX_LIST, NONE, 0x00, 0x00, 0x00),
		FK_DONE,
	};
	uint8_t status = 0xff;

	start(steps);
	ck_assert_int_eq(mgmt_client_call(client, OP_INDEX_LIST, NONE, NULL, 0,
					  time_deadline_in(2000), &status, NULL,
					  0, NULL),
			 0);
	ck_assert_uint_eq(status, 0);
	ck_assert_uint_eq(mgmt_client_dropped(client), 3);
	/* The short Command Complete is well framed: queued, not taken. */
	next_is(0x0001, NONE);
	finish();
}
END_TEST

START_TEST(test_next_ready_never_waits)
{
	const struct fk_step steps[] = {
		FK_EXPECT_CMD(OP_READ_INFO, 0),
		FK_EVENT0(0x0004, 2),
		FK_COMPLETE(OP_READ_INFO, 0, 0x00),
		/* Malformed (header promises 10 bytes, 2 follow), then one
		 * well framed. */
		FK_RAW_BYTES(0x05, 0x00, 0x02, 0x00, 0x0a, 0x00, 0x00, 0x00),
		FK_EVENT0(0x0005, 2),
		/* Keep the socket open while the test finds it empty. */
		FK_SILENT_MS(500),
		FK_DONE,
	};
	struct mgmt_msg *m = NULL;
	uint8_t status = 0xff;
	int err = -EAGAIN;

	start(steps);
	ck_assert_int_eq(mgmt_client_next_ready(client, &m), -EAGAIN);
	ck_assert_int_eq(mgmt_client_call(client, OP_READ_INFO, 0, NULL, 0,
					  time_deadline_in(2000), &status, NULL,
					  0, NULL),
			 0);
	/* The queued event first. */
	ck_assert_int_eq(mgmt_client_next_ready(client, &m), 0);
	ck_assert_uint_eq(m->code, 0x0004);
	free(m);
	/* Then, once the socket has it, the next good one. */
	for (int i = 0; i < 100 && err == -EAGAIN; i++) {
		ck_assert_int_eq(time_wait_fd(mgmt_client_fd(client), POLLIN,
					      time_deadline_in(1000), -1),
				 0);
		err = mgmt_client_next_ready(client, &m);
	}
	ck_assert_int_eq(err, 0);
	ck_assert_uint_eq(m->code, 0x0005);
	free(m);
	ck_assert_uint_eq(mgmt_client_dropped(client), 1);
	ck_assert_int_eq(mgmt_client_next_ready(client, &m), -EAGAIN);
	finish();
}
END_TEST

START_TEST(test_deadline_when_kernel_never_answers)
{
	const struct fk_step steps[] = {
		FK_EXPECT_CMD(OP_INDEX_LIST, NONE),
		FK_SLEEP_MS(600),
		FK_DONE,
	};
	struct mgmt_msg *reply = NULL;
	int64_t t0;

	start(steps);
	t0 = time_now_ms();
	ck_assert_int_eq(mgmt_client_request(client, OP_INDEX_LIST, NONE, NULL,
					     0, time_deadline_in(200), &reply),
			 -ETIMEDOUT);
	ck_assert_int_ge(time_now_ms() - t0, 200);
	ck_assert_int_lt(time_now_ms() - t0, 550);
	ck_assert_ptr_null(reply);
	finish();
}
END_TEST

START_TEST(test_wakeup_fd_interrupts)
{
	const struct fk_step steps[] = {
		FK_EXPECT_CMD(OP_INDEX_LIST, NONE),
		FK_DONE,
	};
	struct mgmt_msg *reply = NULL;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	start(steps);
	mgmt_client_set_wakeup_fd(client, p[0]);
	ck_assert_int_eq(mgmt_client_wakeup_fd(client), p[0]);
	ck_assert_int_eq(mgmt_client_request(client, OP_INDEX_LIST, NONE, NULL,
					     0, -1, &reply),
			 -EINTR);
	finish();
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(test_peer_closed)
{
	const struct fk_step steps[] = {
		FK_EXPECT_CMD(OP_INDEX_LIST, NONE),
		FK_CLOSE_END,
		FK_DONE,
	};
	struct mgmt_msg *reply = NULL;

	start(steps);
	ck_assert_int_eq(mgmt_client_request(client, OP_INDEX_LIST, NONE, NULL,
					     0, time_deadline_in(2000), &reply),
			 -EPIPE);
	finish();
}
END_TEST

START_TEST(test_send_too_long)
{
	static uint8_t big[MGMT_MAX_PARAM_LEN + 1];
	int fd;

	fk = fk_new(&fd);
	client = mgmt_client_new(fd);
	ck_assert_int_eq(mgmt_client_send(client, OP_POWERED, 0, big,
					  sizeof(big)),
			 -EMSGSIZE);
	finish();
}
END_TEST

/* A flood of unrelated events while waiting: the reply is still found, and
 * the queue stops growing at its bound. */
static struct fk_step flood[MGMT_CLIENT_QUEUE_MAX + 32];

START_TEST(test_event_flood_is_bounded)
{
	size_t n = 0, extra = 10;
	uint8_t status = 0xff;

	flood[n++] = (struct fk_step)FK_EXPECT_CMD(OP_INDEX_LIST, NONE);
	for (size_t i = 0; i < MGMT_CLIENT_QUEUE_MAX + extra; i++)
		flood[n++] = (struct fk_step)FK_EVENT0(0x0004, (uint16_t)i);
	flood[n++] = (struct fk_step)FK_COMPLETE(OP_INDEX_LIST, NONE, 0x00,
						 0x00, 0x00);
	flood[n++] = (struct fk_step)FK_DONE;

	start(flood);
	ck_assert_int_eq(mgmt_client_call(client, OP_INDEX_LIST, NONE, NULL, 0,
					  time_deadline_in(10000), &status,
					  NULL, 0, NULL),
			 0);
	ck_assert_uint_eq(status, 0);
	ck_assert_uint_eq(mgmt_client_dropped(client), extra);
	/* The oldest were kept, in order. */
	next_is(0x0004, 0);
	next_is(0x0004, 1);
	finish();
}
END_TEST

START_TEST(test_flood_does_not_push_out_a_pin_request)
{
	static const uint8_t settings[] = { 0x01, 0x00, 0x00, 0x00 };
	static const uint8_t pin_request[] = { 0x2B, 0x1A, 0xF5, 0x31,
					       0xD3, 0x98, 0x00, 0x00 };
	const struct fk_step new_settings = { .kind = FK_SEND,
					      .code = 0x0006,
					      .param = settings,
					      .len = sizeof(settings) };
	size_t n = 0, extra = 10, after = 3, got = 0;
	struct mgmt_msg *m;
	uint8_t status = 0xff;
	bool pin = false;

	flood[n++] = (struct fk_step)FK_EXPECT_CMD(OP_INDEX_LIST, NONE);
	/* New Settings, more than the queue holds, then a PIN request and
	 * more New Settings while the client waits for its reply. */
	for (size_t i = 0; i < MGMT_CLIENT_QUEUE_MAX + extra; i++)
		flood[n++] = new_settings;
	flood[n++] = (struct fk_step){ .kind = FK_SEND,
				       .code = 0x000E,
				       .param = pin_request,
				       .len = sizeof(pin_request) };
	for (size_t i = 0; i < after; i++)
		flood[n++] = new_settings;
	flood[n++] = (struct fk_step)FK_COMPLETE(OP_INDEX_LIST, NONE, 0x00,
						 0x00, 0x00);
	flood[n++] = (struct fk_step)FK_SILENT_MS(100);
	flood[n++] = (struct fk_step)FK_DONE;

	start(flood);
	ck_assert_int_eq(mgmt_client_call(client, OP_INDEX_LIST, NONE, NULL, 0,
					  time_deadline_in(10000), &status,
					  NULL, 0, NULL),
			 0);
	ck_assert_uint_eq(status, 0);
	/* One New Settings made room for the request. */
	ck_assert_uint_eq(mgmt_client_dropped(client), extra + 1 + after);
	while (mgmt_client_next_ready(client, &m) == 0) {
		got++;
		pin = pin || m->code == 0x000E;
		free(m);
	}
	ck_assert_uint_eq(got, MGMT_CLIENT_QUEUE_MAX);
	ck_assert(pin);
	finish();
}
END_TEST

START_TEST(test_next_deadline)
{
	const struct fk_step steps[] = { FK_DONE };
	struct mgmt_msg *m = NULL;

	start(steps);
	ck_assert_int_eq(mgmt_client_next(client, time_deadline_in(50), &m),
			 -ETIMEDOUT);
	finish();
}
END_TEST

START_TEST(test_call_truncates_copy_but_reports_length)
{
	const struct fk_step steps[] = {
		FK_EXPECT_CMD(OP_READ_INFO, 0),
		FK_COMPLETE(OP_READ_INFO, 0, 0x00, 1, 2, 3, 4, 5, 6),
		FK_DONE,
	};
	uint8_t data[4] = { 0 }, status;
	size_t len = 0;

	start(steps);
	ck_assert_int_eq(mgmt_client_call(client, OP_READ_INFO, 0, NULL, 0,
					  time_deadline_in(2000), &status, data,
					  sizeof(data), &len),
			 0);
	finish();
	ck_assert_uint_eq(len, 6);
	const uint8_t want[] = { 1, 2, 3, 4 };

	ck_assert_mem_eq(data, want, sizeof(want));
}
END_TEST

/*
 * The kernel runs a command inside send() and then fails to queue its
 * immediate reply when the caller's receive buffer is full: send() returns
 * ENOMEM although the command ran. This send() stands in for libc's in this
 * test program: on the client's fd it passes the command on to the fake
 * kernel, then fails the first lose_sends of them with ENOMEM, as the kernel
 * does; and it notes whether anything waited unread on the socket.
 */
static int watched_fd = -1;
static int lose_sends;
static int sends_seen;
static bool unread_at_send;

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	long n;

	if (fd == watched_fd) {
		char c;

		sends_seen++;
		if (recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) >= 0)
			unread_at_send = true;
	}
	n = syscall(SYS_sendto, fd, buf, len, flags, NULL, 0);
	if (n >= 0 && fd == watched_fd && lose_sends > 0) {
		lose_sends--;
		errno = ENOMEM;
		return -1;
	}
	return n;
}

static void watch_sends(int lose)
{
	watched_fd = mgmt_client_fd(client);
	lose_sends = lose;
	sends_seen = 0;
	unread_at_send = false;
}

/* Read Controller Information's reply (Command Complete) with settings. */
static uint8_t read_info_rp[3 + 280];

static struct fk_step read_info_reply(uint32_t settings)
{
	memset(read_info_rp, 0, sizeof(read_info_rp));
	read_info_rp[0] = OP_READ_INFO & 0xff;
	read_info_rp[1] = OP_READ_INFO >> 8;
	/* status 0; address, version, manufacturer, supported, current */
	read_info_rp[3 + 6 + 1 + 2 + 4 + 0] = (uint8_t)settings;
	read_info_rp[3 + 6 + 1 + 2 + 4 + 1] = (uint8_t)(settings >> 8);
	return (struct fk_step){ .kind = FK_SEND,
				 .code = 0x0001,
				 .index = 0,
				 .param = read_info_rp,
				 .len = sizeof(read_info_rp) };
}

START_TEST(test_events_are_read_before_a_command_is_sent)
{
	const struct fk_step steps[] = {
		FK_EVENT0(0x0004, 0),
		FK_EVENT0(0x0004, 1),
		FK_EVENT0(0x0004, 2),
		FK_EXPECT_CMD(OP_INDEX_LIST, NONE),
		FK_COMPLETE(OP_INDEX_LIST, NONE, 0x00, 0x00, 0x00),
		FK_DONE,
	};
	struct pollfd pfd;
	uint8_t status = 0xff;

	start(steps);
	watch_sends(0);
	pfd = (struct pollfd){ .fd = mgmt_client_fd(client), .events = POLLIN };
	ck_assert_int_eq(poll(&pfd, 1, 2000), 1);
	usleep(50000); /* all three there */
	ck_assert_int_eq(mgmt_client_call(client, OP_INDEX_LIST, NONE, NULL, 0,
					  time_deadline_in(2000), &status, NULL,
					  0, NULL),
			 0);
	ck_assert_int_eq(sends_seen, 1);
	ck_assert_msg(!unread_at_send, "events left unread when sending");
	next_is(0x0004, 0);
	next_is(0x0004, 1);
	next_is(0x0004, 2);
	watched_fd = -1;
	finish();
}
END_TEST

START_TEST(test_lost_reply_to_a_read_is_asked_again)
{
	const struct fk_step steps[] = {
		FK_EXPECT_CMD(OP_INDEX_LIST, NONE), /* its reply lost */
		FK_EXPECT_CMD(OP_INDEX_LIST, NONE),
		FK_COMPLETE(OP_INDEX_LIST, NONE, 0x00, 0x01, 0x00, 0x00, 0x00),
		FK_DONE,
	};
	uint8_t status = 0xff, data[8];
	size_t len = 0;

	start(steps);
	watch_sends(1);
	ck_assert_int_eq(mgmt_client_call(client, OP_INDEX_LIST, NONE, NULL, 0,
					  time_deadline_in(2000), &status, data,
					  sizeof(data), &len),
			 0);
	ck_assert_uint_eq(status, 0);
	ck_assert_uint_eq(len, 4);
	ck_assert_int_eq(sends_seen, 2);
	watched_fd = -1;
	finish();
}
END_TEST

START_TEST(test_lost_reply_to_a_mode_that_took_is_read_back)
{
	struct fk_step steps[] = {
		FK_EXPECT_BYTES(OP_BONDABLE, 0, 0x01), /* its reply lost */
		FK_EXPECT_CMD(OP_READ_INFO, 0),
		read_info_reply(0x0011), /* powered bondable */
		FK_SILENT_MS(200),	 /* Set Bondable is not sent again */
		FK_DONE,
	};
	uint8_t status = 0xff, rp[4], mode = 1;
	size_t len = 0;

	start(steps);
	watch_sends(1);
	ck_assert_int_eq(mgmt_client_call(client, OP_BONDABLE, 0, &mode, 1,
					  time_deadline_in(2000), &status, rp,
					  sizeof(rp), &len),
			 0);
	ck_assert_uint_eq(status, 0);
	ck_assert_uint_eq(len, 4);
	ck_assert_uint_eq(rp[0], 0x11);
	ck_assert_int_eq(sends_seen, 2);
	watched_fd = -1;
	finish();
}
END_TEST

START_TEST(test_lost_reply_to_a_mode_not_taken_is_sent_again)
{
	struct fk_step steps[] = {
		FK_EXPECT_BYTES(OP_BONDABLE, 0, 0x01), /* its reply lost */
		FK_EXPECT_CMD(OP_READ_INFO, 0),
		read_info_reply(0x0001), /* powered, not bondable */
		FK_EXPECT_BYTES(OP_BONDABLE, 0, 0x01),
		FK_COMPLETE(OP_BONDABLE, 0, 0x00, 0x11, 0x00, 0x00, 0x00),
		FK_DONE,
	};
	uint8_t status = 0xff, rp[4], mode = 1;
	size_t len = 0;

	start(steps);
	watch_sends(1);
	ck_assert_int_eq(mgmt_client_call(client, OP_BONDABLE, 0, &mode, 1,
					  time_deadline_in(2000), &status, rp,
					  sizeof(rp), &len),
			 0);
	ck_assert_uint_eq(status, 0);
	ck_assert_uint_eq(rp[0], 0x11);
	ck_assert_int_eq(sends_seen, 3);
	watched_fd = -1;
	finish();
}
END_TEST

START_TEST(test_lost_replies_give_up_after_the_tries)
{
	const struct fk_step steps[] = {
		FK_EXPECT_CMD(OP_IO_CAP, 0),
		FK_EXPECT_CMD(OP_IO_CAP, 0),
		FK_EXPECT_CMD(OP_IO_CAP, 0),
		FK_SILENT_MS(200),
		FK_DONE,
	};
	uint8_t status = 0xff, cap = 3;

	start(steps);
	watch_sends(100);
	ck_assert_int_eq(mgmt_client_call(client, OP_IO_CAP, 0, &cap, 1,
					  time_deadline_in(2000), &status, NULL,
					  0, NULL),
			 -ENOMEM);
	ck_assert_int_eq(sends_seen, MGMT_CLIENT_LOST_REPLY_TRIES);
	watched_fd = -1;
	lose_sends = 0;
	finish();
}
END_TEST

START_TEST(test_lost_reply_to_pair_device_is_the_callers)
{
	const struct fk_step steps[] = {
		FK_EXPECT_CMD(OP_PAIR, 0),
		FK_SILENT_MS(200), /* not sent again by the client */
		FK_DONE,
	};
	uint8_t cp[7] = { 0 };
	struct mgmt_msg *reply = NULL;

	start(steps);
	watch_sends(1);
	ck_assert_int_eq(mgmt_client_request(client, OP_PAIR, 0, cp, sizeof(cp),
					     time_deadline_in(2000), &reply),
			 -ENOMEM);
	ck_assert_ptr_null(reply);
	ck_assert_int_eq(sends_seen, 1);
	watched_fd = -1;
	finish();
}
END_TEST

START_TEST(test_receive_buffer_grows)
{
	int sv[2], got = 0;
	socklen_t len = sizeof(got);

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	ck_assert_int_eq(mgmt_socket_grow_rcvbuf(sv[0], MGMT_CLIENT_RCVBUF), 0);
	ck_assert_int_eq(getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &got, &len),
			 0);
	if (geteuid() == 0) {
		/* SO_RCVBUFFORCE: past rmem_max (the kernel doubles it). */
		ck_assert_int_eq(got, 2 * MGMT_CLIENT_RCVBUF);
	} else {
		FILE *f = fopen("/proc/sys/net/core/rmem_max", "r");
		int max = 0;

		ck_assert_ptr_nonnull(f);
		ck_assert_int_eq(fscanf(f, "%d", &max), 1);
		fclose(f);
		ck_assert_int_eq(got, 2 * (max < MGMT_CLIENT_RCVBUF ?
						   max :
						   MGMT_CLIENT_RCVBUF));
	}
	close(sv[0]);
	close(sv[1]);
}
END_TEST

static Suite *client_suite(void)
{
	Suite *s = suite_create("mgmt client");
	TCase *tc = tcase_create("fake kernel");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_request_complete);
	tcase_add_test(tc, test_request_sends_exact_bytes);
	tcase_add_test(tc, test_command_status_is_a_reply);
	tcase_add_test(tc, test_interleaved_events_are_queued_in_order);
	tcase_add_test(tc, test_malformed_packets_are_dropped);
	tcase_add_test(tc, test_next_ready_never_waits);
	tcase_add_test(tc, test_deadline_when_kernel_never_answers);
	tcase_add_test(tc, test_wakeup_fd_interrupts);
	tcase_add_test(tc, test_peer_closed);
	tcase_add_test(tc, test_send_too_long);
	tcase_add_test(tc, test_event_flood_is_bounded);
	tcase_add_test(tc, test_flood_does_not_push_out_a_pin_request);
	tcase_add_test(tc, test_next_deadline);
	tcase_add_test(tc, test_call_truncates_copy_but_reports_length);
	tcase_add_test(tc, test_events_are_read_before_a_command_is_sent);
	tcase_add_test(tc, test_lost_reply_to_a_read_is_asked_again);
	tcase_add_test(tc, test_lost_reply_to_a_mode_that_took_is_read_back);
	tcase_add_test(tc, test_lost_reply_to_a_mode_not_taken_is_sent_again);
	tcase_add_test(tc, test_lost_replies_give_up_after_the_tries);
	tcase_add_test(tc, test_lost_reply_to_pair_device_is_the_callers);
	tcase_add_test(tc, test_receive_buffer_grows);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(client_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
