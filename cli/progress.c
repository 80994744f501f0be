/*
 * Progress on a terminal: a wait that lasts over a second says on stderr
 * what it waits for. A thread of its own prints the line when the second
 * has passed, so that no wait anywhere has to be cut into slices for it.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/context.h"
#include "cli/progress.h"

#define PROGRESS_DELAY_MS 1000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static bool started, armed;
static int64_t due, deadline; /* CLOCK_MONOTONIC ms; deadline -1: none */
static char line[256];

bool cli_progress_enabled(const struct cli *cli)
{
	return !cli->quiet && !cli->json && isatty(STDERR_FILENO);
}

/* Print the line, with the time left when there is a deadline. Called with
 * the lock held. */
static void show(void)
{
	char out[sizeof(line) + 64];
	size_t len;
	int n;

	if (deadline >= 0) {
		int64_t left = deadline - time_now_ms();

		left = left > 0 ? (left + 999) / 1000 : 0;
		n = snprintf(out, sizeof(out),
			     "btpair: %s (gives up in %lld s)\n", line,
			     (long long)left);
	} else {
		n = snprintf(out, sizeof(out), "btpair: %s\n", line);
	}
	if (n <= 0)
		return;
	len = (size_t)n < sizeof(out) ? (size_t)n : sizeof(out) - 1;
	/* Nothing to do about a terminal that cannot be written. */
	if (write(STDERR_FILENO, out, len) < 0)
		return;
}

static void *progress_thread(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&lock);
	for (;;) {
		struct timespec ts;
		int64_t now = time_now_ms();

		if (armed && now >= due) {
			show();
			armed = false;
		}
		if (!armed) {
			pthread_cond_wait(&wake, &lock);
			continue;
		}
		ts.tv_sec = (time_t)(due / 1000);
		ts.tv_nsec = (long)(due % 1000) * 1000000;
		pthread_cond_timedwait(&wake, &lock, &ts);
	}
	return NULL;
}

static bool start_thread(void)
{
	pthread_condattr_t attr;
	pthread_t tid;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&wake, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&tid, NULL, progress_thread, NULL) != 0)
		return false;
	pthread_detach(tid);
	return true;
}

void cli_progress(const struct cli *cli, int64_t until, const char *fmt, ...)
{
	va_list ap;

	if (!cli_progress_enabled(cli))
		return;
	pthread_mutex_lock(&lock);
	if (!started)
		started = start_thread();
	if (started) {
		va_start(ap, fmt);
		vsnprintf(line, sizeof(line), fmt, ap);
		va_end(ap);
		due = time_now_ms() + PROGRESS_DELAY_MS;
		deadline = until;
		armed = true;
		pthread_cond_signal(&wake);
	}
	pthread_mutex_unlock(&lock);
}

void cli_progress_end(void)
{
	/* Nothing was ever armed: no lock to take (and no thread). */
	if (!started)
		return;
	pthread_mutex_lock(&lock);
	armed = false;
	pthread_mutex_unlock(&lock);
}
