/* Deadlines and the poll loops that honour them (lib/time.c). */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/time.h"

START_TEST(test_now_is_monotonic_ms)
{
	int64_t a = time_now_ms(), b;

	ck_assert_int_ge(a, 0);
	usleep(20 * 1000);
	b = time_now_ms();
	/* At least the sleep; no upper bound: the machine may be loaded. */
	ck_assert_int_ge(b - a, 20);
}
END_TEST

START_TEST(test_deadline_in)
{
	int64_t before = time_now_ms(), d = time_deadline_in(1500);

	ck_assert_int_ge(d, before + 1500);
	ck_assert_int_le(d, time_now_ms() + 1500);
	ck_assert_int_eq(time_deadline_in(-1), -1);
	ck_assert_int_eq(time_deadline_in(INT64_MIN), -1);
	before = time_now_ms();
	ck_assert_int_ge(time_deadline_in(0), before);
	/* Past INT64_MAX: the farthest deadline, never a negative one
	 * (which would mean no deadline). */
	ck_assert_int_eq(time_deadline_in(INT64_MAX), INT64_MAX);
	ck_assert_int_eq(time_deadline_in(INT64_MAX - 1), INT64_MAX);
}
END_TEST

static const struct {
	int64_t deadline, now;
	int timeout;
} timeouts[] = {
	{ -1, 1000, -1 }, /* none: wait forever */
	{ INT64_MIN, 0, -1 },
	{ 1000, 1000, 0 }, /* due now */
	{ 1000, 5000, 0 }, /* long passed */
	{ 0, 1, 0 },
	{ 1001, 1000, 1 },
	{ 60999, 1000, 59999 },
	{ 61000, 1000, TIME_POLL_MAX_MS }, /* the clamp */
	{ 61001, 1000, TIME_POLL_MAX_MS },
	{ INT64_MAX, 0, TIME_POLL_MAX_MS },
	{ 1000 + (int64_t)INT32_MAX + 1, 1000, TIME_POLL_MAX_MS },
};

START_TEST(test_poll_timeout)
{
	ck_assert_int_eq(time_poll_timeout(timeouts[_i].deadline,
					   timeouts[_i].now),
			 timeouts[_i].timeout);
}
END_TEST

static int pipe_fds[2];

static void make_pipe(void)
{
	ck_assert_int_eq(pipe(pipe_fds), 0);
}

static void close_pipe(void)
{
	close(pipe_fds[0]);
	close(pipe_fds[1]);
}

START_TEST(test_poll_ready)
{
	struct pollfd pfd[2] = {
		{ .fd = -1, .events = POLLIN }, /* ignored, as by poll() */
		{ .fd = pipe_fds[0], .events = POLLIN },
	};

	ck_assert_int_eq(write(pipe_fds[1], "x", 1), 1);
	ck_assert_int_eq(time_poll(pfd, 2, time_deadline_in(5000)), 1);
	ck_assert(pfd[1].revents & POLLIN);
	/* A passed deadline is not waited for even with data ready. */
	ck_assert_int_eq(time_poll(pfd, 2, time_now_ms() - 1), -ETIMEDOUT);
}
END_TEST

START_TEST(test_poll_times_out)
{
	struct pollfd pfd = { .fd = pipe_fds[0], .events = POLLIN };
	int64_t t0 = time_now_ms();

	ck_assert_int_eq(time_poll(&pfd, 1, t0 + 100), -ETIMEDOUT);
	/* Never early; how late depends on the machine's load. */
	ck_assert_int_ge(time_now_ms() - t0, 100);
}
END_TEST

/* ---- EINTR: a signal in the middle of the wait ---- */

static volatile sig_atomic_t signals;

static void on_signal(int sig)
{
	(void)sig;
	signals++;
}

struct interrupter {
	pthread_t target;
	int write_fd; /* -1: only signal */
};

/* Signal the waiting thread until it has taken a signal, then, if asked,
 * make its fd ready. */
static void *interrupt(void *arg)
{
	struct interrupter *in = arg;

	while (!signals) {
		usleep(10 * 1000);
		pthread_kill(in->target, SIGUSR1);
	}
	if (in->write_fd >= 0 && write(in->write_fd, "x", 1) != 1)
		abort();
	return NULL;
}

static pthread_t start_interrupter(struct interrupter *in)
{
	struct sigaction sa;
	pthread_t t;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll fails with EINTR */
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	signals = 0;
	in->target = pthread_self();
	ck_assert_int_eq(pthread_create(&t, NULL, interrupt, in), 0);
	return t;
}

START_TEST(test_poll_retries_after_eintr)
{
	struct interrupter in = { .write_fd = pipe_fds[1] };
	struct pollfd pfd = { .fd = pipe_fds[0], .events = POLLIN };
	pthread_t t = start_interrupter(&in);

	/* Interrupted, then ready: the ready fd, never -EINTR. */
	ck_assert_int_eq(time_poll(&pfd, 1, time_deadline_in(60000)), 1);
	ck_assert_int_ge(signals, 1);
	ck_assert(pfd.revents & POLLIN);
	pthread_join(t, NULL);
}
END_TEST

START_TEST(test_poll_eintr_keeps_the_deadline)
{
	struct interrupter in = { .write_fd = -1 };
	struct pollfd pfd = { .fd = pipe_fds[0], .events = POLLIN };
	int64_t t0 = time_now_ms();
	pthread_t t = start_interrupter(&in);

	/* Interrupted and never ready: the deadline as set, not a new
	 * wait from the interruption. */
	ck_assert_int_eq(time_poll(&pfd, 1, t0 + 300), -ETIMEDOUT);
	ck_assert_int_ge(time_now_ms() - t0, 300);
	pthread_join(t, NULL);
	ck_assert_int_ge(signals, 1);
}
END_TEST

START_TEST(test_wait_fd)
{
	int wake[2];

	ck_assert_int_eq(pipe(wake), 0);
	/* Writable at once. */
	ck_assert_int_eq(time_wait_fd(pipe_fds[1], POLLOUT,
				      time_deadline_in(5000), wake[0]),
			 0);
	/* Nothing to read, nothing to wake: the deadline. */
	ck_assert_int_eq(time_wait_fd(pipe_fds[0], POLLIN, time_now_ms() + 50,
				      wake[0]),
			 -ETIMEDOUT);
	/* No wakeup fd at all. */
	ck_assert_int_eq(time_wait_fd(pipe_fds[0], POLLIN, time_now_ms() + 50,
				      -1),
			 -ETIMEDOUT);
	/* The wakeup fd wins over a ready fd: the caller is to stop. */
	ck_assert_int_eq(write(pipe_fds[1], "x", 1), 1);
	ck_assert_int_eq(write(wake[1], "x", 1), 1);
	ck_assert_int_eq(time_wait_fd(pipe_fds[0], POLLIN,
				      time_deadline_in(5000), wake[0]),
			 -EINTR);
	/* Readable, no wakeup. */
	ck_assert_int_eq(time_wait_fd(pipe_fds[0], POLLIN,
				      time_deadline_in(5000), -1),
			 0);
	/* Hung up counts as ready: the next read tells. */
	close(pipe_fds[1]);
	pipe_fds[1] = -1;
	ck_assert_int_eq(read(pipe_fds[0], (char[1]){ 0 }, 1), 1);
	ck_assert_int_eq(time_wait_fd(pipe_fds[0], POLLIN,
				      time_deadline_in(5000), -1),
			 0);
	close(wake[0]);
	close(wake[1]);
}
END_TEST

START_TEST(test_wait_fd_watch)
{
	int watch[2];

	ck_assert_int_eq(pipe(watch), 0);
	/* The watched fd readable, fd not: 1, to serve it. */
	ck_assert_int_eq(write(watch[1], "x", 1), 1);
	ck_assert_int_eq(time_wait_fd_watch(pipe_fds[0], POLLIN,
					    time_deadline_in(5000), -1,
					    watch[0]),
			 1);
	/* fd ready too: fd wins. */
	ck_assert_int_eq(write(pipe_fds[1], "x", 1), 1);
	ck_assert_int_eq(time_wait_fd_watch(pipe_fds[0], POLLIN,
					    time_deadline_in(5000), -1,
					    watch[0]),
			 0);
	close(watch[0]);
	close(watch[1]);
}
END_TEST

static Suite *time_suite(void)
{
	Suite *s = suite_create("time");
	TCase *arith = tcase_create("arithmetic");
	TCase *wait = tcase_create("wait");

	tcase_add_test(arith, test_now_is_monotonic_ms);
	tcase_add_test(arith, test_deadline_in);
	tcase_add_loop_test(arith, test_poll_timeout, 0,
			    sizeof(timeouts) / sizeof(timeouts[0]));
	suite_add_tcase(s, arith);

	tcase_add_checked_fixture(wait, make_pipe, close_pipe);
	tcase_add_test(wait, test_poll_ready);
	tcase_add_test(wait, test_poll_times_out);
	tcase_add_test(wait, test_poll_retries_after_eintr);
	tcase_add_test(wait, test_poll_eintr_keeps_the_deadline);
	tcase_add_test(wait, test_wait_fd);
	tcase_add_test(wait, test_wait_fd_watch);
	suite_add_tcase(s, wait);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(time_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
