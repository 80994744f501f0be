#include "tests/fake_kernel.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* No step waits longer for a command than this. */
#define FK_EXPECT_TIMEOUT_MS 5000

struct fake_kernel {
	int fd;
	const struct fk_step *steps;
	pthread_t thread;
	bool started;
	bool ok;
	char err[256];
	uint8_t last[65536 + 6];
	size_t last_len;
};

struct fake_kernel *fk_new(int *client_fd)
{
	struct fake_kernel *fk = calloc(1, sizeof(*fk));
	int sv[2];

	if (!fk ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	fk->fd = sv[0];
	fk->ok = true;
	*client_fd = sv[1];
	return fk;
}

void fk_write(int fd, uint16_t code, uint16_t index, const void *param,
	      size_t len)
{
	uint8_t buf[65536 + 6];

	buf[0] = (uint8_t)code;
	buf[1] = (uint8_t)(code >> 8);
	buf[2] = (uint8_t)index;
	buf[3] = (uint8_t)(index >> 8);
	buf[4] = (uint8_t)len;
	buf[5] = (uint8_t)(len >> 8);
	if (len)
		memcpy(buf + 6, param, len);
	if (send(fd, buf, len + 6, MSG_NOSIGNAL) != (ssize_t)(len + 6))
		fprintf(stderr, "fake kernel: send failed: %s\n",
			strerror(errno));
}

static void fail(struct fake_kernel *fk, int step, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct fake_kernel *fk, int step, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!fk->ok)
		return;
	fk->ok = false;
	n = snprintf(fk->err, sizeof(fk->err), "step %d: ", step);
	va_start(ap, fmt);
	vsnprintf(fk->err + n, sizeof(fk->err) - (size_t)n, fmt, ap);
	va_end(ap);
}

/* Receive one command within ms; returns its length, 0 on timeout, -1 on
 * EOF or error. */
static ssize_t recv_cmd(struct fake_kernel *fk, int ms)
{
	struct pollfd pfd = { .fd = fk->fd, .events = POLLIN };
	ssize_t n;

	if (poll(&pfd, 1, ms) <= 0)
		return 0;
	n = recv(fk->fd, fk->last, sizeof(fk->last), 0);
	if (n <= 0)
		return -1;
	fk->last_len = (size_t)n;
	return n;
}

static void expect(struct fake_kernel *fk, int i, const struct fk_step *s)
{
	ssize_t n = recv_cmd(fk, FK_EXPECT_TIMEOUT_MS);
	uint16_t op, idx, len;

	if (n <= 0) {
		fail(fk, i, "expected command 0x%04x, got %s", s->code,
		     n == 0 ? "nothing" : "EOF");
		return;
	}
	if (n < 6) {
		fail(fk, i, "command shorter than a header (%zd)", n);
		return;
	}
	op = (uint16_t)(fk->last[0] | fk->last[1] << 8);
	idx = (uint16_t)(fk->last[2] | fk->last[3] << 8);
	len = (uint16_t)(fk->last[4] | fk->last[5] << 8);
	if (len != n - 6) {
		fail(fk, i, "header says %u bytes, %zd came", len, n - 6);
		return;
	}
	if (op != s->code || idx != s->index) {
		fail(fk, i,
		     "expected command 0x%04x on index 0x%04x, got "
		     "0x%04x on 0x%04x",
		     s->code, s->index, op, idx);
		return;
	}
	if (s->param &&
	    (len != s->len || memcmp(fk->last + 6, s->param, len))) {
		char got[128] = "";

		for (size_t k = 0, used = 0; k < len && used < 120; k++)
			used += (size_t)snprintf(got + used, sizeof(got) - used,
						 "%02x", fk->last[6 + k]);
		fail(fk, i, "command 0x%04x: params differ (got %u bytes: %s)",
		     op, len, got);
	}
}

static void *play(void *data)
{
	struct fake_kernel *fk = data;

	for (int i = 0; fk->ok && fk->steps[i].kind != FK_END; i++) {
		const struct fk_step *s = &fk->steps[i];
		ssize_t n;

		switch (s->kind) {
		case FK_EXPECT:
			expect(fk, i, s);
			break;
		case FK_SEND:
			fk_write(fk->fd, s->code, s->index, s->param, s->len);
			break;
		case FK_RAW:
			if (send(fk->fd, s->param, s->len, MSG_NOSIGNAL) < 0)
				fail(fk, i, "raw send: %s", strerror(errno));
			break;
		case FK_SLEEP: {
			struct timespec ts = { s->ms / 1000,
					       (s->ms % 1000) * 1000000L };

			nanosleep(&ts, NULL);
			break;
		}
		case FK_SILENCE:
			n = recv_cmd(fk, s->ms);
			if (n > 0)
				fail(fk, i, "unexpected command 0x%04x",
				     fk->last[0] | fk->last[1] << 8);
			break;
		case FK_POKE:
			if (write(s->ms, "x", 1) != 1)
				fail(fk, i, "poke: %s", strerror(errno));
			break;
		case FK_CLOSE:
			shutdown(fk->fd, SHUT_RDWR);
			break;
		case FK_END:
			break;
		}
	}
	return NULL;
}

void fk_start(struct fake_kernel *fk, const struct fk_step *steps)
{
	fk->steps = steps;
	if (pthread_create(&fk->thread, NULL, play, fk) != 0)
		abort();
	fk->started = true;
}

size_t fk_last_param(struct fake_kernel *fk, uint8_t *out, size_t size)
{
	size_t n = fk->last_len > 6 ? fk->last_len - 6 : 0;

	if (n > size)
		n = size;
	memcpy(out, fk->last + 6, n);
	return n;
}

bool fk_finish(struct fake_kernel *fk, char *err, size_t size)
{
	bool ok;

	if (fk->started)
		pthread_join(fk->thread, NULL);
	ok = fk->ok;
	snprintf(err, size, "%s", fk->err);
	close(fk->fd);
	free(fk);
	return ok;
}
