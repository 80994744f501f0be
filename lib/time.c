#include "lib/time.h"

#include <errno.h>
#include <time.h>

int64_t time_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_deadline_in(int64_t ms)
{
	int64_t now;

	if (ms < 0)
		return -1;
	now = time_now_ms();
	return ms > INT64_MAX - now ? INT64_MAX : now + ms;
}

int time_poll_timeout(int64_t deadline, int64_t now)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	if (deadline <= now)
		return 0;
	left = deadline - now;
	return left > TIME_POLL_MAX_MS ? TIME_POLL_MAX_MS : (int)left;
}

int time_poll(struct pollfd *fds, nfds_t n, int64_t deadline)
{
	for (;;) {
		int timeout = time_poll_timeout(deadline, time_now_ms());
		int ready;

		if (timeout == 0)
			return -ETIMEDOUT;
		ready = poll(fds, n, timeout);
		if (ready < 0 && errno != EINTR)
			return -errno;
		if (ready > 0)
			return ready;
	}
}

int time_wait_fd_watch(int fd, short events, int64_t deadline, int wakeup_fd,
		       int watch_fd)
{
	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = fd, .events = events },
			{ .fd = wakeup_fd, .events = POLLIN },
			{ .fd = watch_fd, .events = POLLIN },
		};
		int n = time_poll(pfd, 3, deadline);

		if (n < 0)
			return n;
		if (pfd[1].revents & POLLIN)
			return -EINTR;
		if (pfd[0].revents)
			return 0;
		if (pfd[2].revents)
			return 1;
	}
}

int time_wait_fd(int fd, short events, int64_t deadline, int wakeup_fd)
{
	return time_wait_fd_watch(fd, events, deadline, wakeup_fd, -1);
}
