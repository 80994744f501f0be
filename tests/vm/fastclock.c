/*
 * A faster clock for one process, by LD_PRELOAD: FASTCLOCK=K makes
 * CLOCK_MONOTONIC (and CLOCK_BOOTTIME) run K times as fast from the first
 * call, and every wait (poll, ppoll, nanosleep, clock_nanosleep on those
 * clocks, usleep) K times as short, so that the waits a process measures on
 * its clock still agree with that clock. The program itself is unchanged:
 * the VM suite runs btpair's reconnect loop through a thousand drops with
 * its real backoff rules in minutes instead of hours.
 */
#include <dlfcn.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int64_t factor = -1;
static int64_t origin_ns = -1;

static int (*real_clock_gettime)(clockid_t, struct timespec *);

static int64_t k(void)
{
	if (factor < 0) {
		const char *s = getenv("FASTCLOCK");
		long v = s ? strtol(s, NULL, 10) : 1;

		factor = v >= 1 && v <= 10000 ? v : 1;
	}
	return factor;
}

static int64_t ns_of(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static struct timespec ts_of(int64_t ns)
{
	struct timespec ts = { ns / 1000000000, ns % 1000000000 };

	return ts;
}

static int64_t shorter_ns(int64_t ns)
{
	return ns <= 0 ? ns : (ns + k() - 1) / k();
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	int r;

	if (!real_clock_gettime)
		real_clock_gettime = (int (*)(clockid_t, struct timespec *))
			dlsym(RTLD_NEXT, "clock_gettime");
	r = real_clock_gettime(id, ts);
	if (r == 0 && (id == CLOCK_MONOTONIC || id == CLOCK_BOOTTIME)) {
		int64_t now = ns_of(ts);

		/* One origin for both clocks is close enough here: only
		 * differences of one clock are ever taken. */
		if (origin_ns < 0)
			origin_ns = now;
		*ts = ts_of(origin_ns + (now - origin_ns) * k());
	}
	return r;
}

int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	static int (*real)(struct pollfd *, nfds_t, int);

	if (!real)
		real = (int (*)(struct pollfd *, nfds_t, int))dlsym(RTLD_NEXT,
								    "poll");
	if (timeout > 0)
		timeout = (int)((timeout + k() - 1) / k());
	return real(fds, n, timeout);
}

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *t,
	  const sigset_t *mask)
{
	static int (*real)(struct pollfd *, nfds_t, const struct timespec *,
			   const sigset_t *);
	struct timespec s;

	if (!real)
		real = (int (*)(struct pollfd *, nfds_t,
				const struct timespec *,
				const sigset_t *))dlsym(RTLD_NEXT, "ppoll");
	if (t) {
		s = ts_of(shorter_ns(ns_of(t)));
		t = &s;
	}
	return real(fds, n, t, mask);
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	static int (*real)(const struct timespec *, struct timespec *);
	struct timespec s = ts_of(shorter_ns(ns_of(req)));

	if (!real)
		real = (int (*)(const struct timespec *,
				struct timespec *))dlsym(RTLD_NEXT,
							 "nanosleep");
	return real(&s, rem);
}

int clock_nanosleep(clockid_t id, int flags, const struct timespec *req,
		    struct timespec *rem)
{
	static int (*real)(clockid_t, int, const struct timespec *,
			   struct timespec *);
	struct timespec s;

	if (!real)
		real = (int (*)(clockid_t, int, const struct timespec *,
				struct timespec *))dlsym(RTLD_NEXT,
							 "clock_nanosleep");
	if (id != CLOCK_MONOTONIC && id != CLOCK_BOOTTIME)
		return real(id, flags, req, rem);
	if (flags & TIMER_ABSTIME) {
		/* A time on the fast clock: wait for what is left of it. */
		struct timespec now;

		if (clock_gettime(id, &now) < 0)
			return real(id, flags, req, rem);
		s = ts_of(shorter_ns(ns_of(req) - ns_of(&now)));
		if (s.tv_sec < 0 || (s.tv_sec == 0 && s.tv_nsec <= 0))
			return 0;
		return real(id, 0, &s, rem);
	}
	s = ts_of(shorter_ns(ns_of(req)));
	return real(id, flags, &s, rem);
}

int usleep(useconds_t us)
{
	struct timespec s = ts_of((int64_t)us * 1000);

	return nanosleep(&s, NULL);
}
