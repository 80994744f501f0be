/*
 * Deadlines and the poll() loops that honour them, shared by mgmt/ and
 * rfcomm/ (neither stands on the other).
 *
 * A deadline is an absolute CLOCK_MONOTONIC time in milliseconds (see
 * time_now_ms()); a negative deadline waits forever. Functions return
 * 0, a count, or -errno and never print.
 */
#ifndef BTPAIR_LIB_TIME_H
#define BTPAIR_LIB_TIME_H

#include <poll.h>
#include <stdint.h>

/* The longest single poll() wait: its timeout is an int, so longer waits
 * go round. */
#define TIME_POLL_MAX_MS 60000

/* Now on CLOCK_MONOTONIC, in milliseconds. */
int64_t time_now_ms(void);

/* now + ms, or -1 (forever) when ms is negative; a sum past INT64_MAX is
 * INT64_MAX (never reached, never negative). */
int64_t time_deadline_in(int64_t ms);

/*
 * The poll() timeout that waits for deadline as seen at now: -1 for no
 * deadline, 0 once it has passed, else the milliseconds left, at most
 * TIME_POLL_MAX_MS.
 */
int time_poll_timeout(int64_t deadline, int64_t now);

/*
 * poll() until one of fds is ready or the deadline passes. Returns how many
 * are ready, -ETIMEDOUT, or -errno; interrupted calls are retried. An fd of
 * -1 is ignored, as by poll().
 */
int time_poll(struct pollfd *fds, nfds_t n, int64_t deadline);

/*
 * Wait until fd has one of events, the deadline passes (-ETIMEDOUT), or
 * wakeup_fd (if >= 0) is readable (-EINTR). Returns 0 when fd is ready (or
 * in error or hung up: the next call on it tells), or -errno.
 */
int time_wait_fd(int fd, short events, int64_t deadline, int wakeup_fd);

/*
 * time_wait_fd, watching one fd more: returns 1 when watch_fd (if >= 0)
 * is readable (or in error, or hung up) and fd is not ready yet, for the
 * caller to serve it and wait again.
 */
int time_wait_fd_watch(int fd, short events, int64_t deadline, int wakeup_fd,
		       int watch_fd);

#endif
