#include "tests/fuzz/feeder.h"

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* time_wait_fd itself under -Wl,--wrap=time_wait_fd; else unresolved. */
int __real_time_wait_fd(int fd, short events, int64_t deadline, int wakeup_fd)
	__attribute__((weak));
int __wrap_time_wait_fd(int fd, short events, int64_t deadline, int wakeup_fd);

/* The feeder playing now: one at a time. */
static struct feeder *active;

/* The length of the frame at data (size bytes left). */
static size_t frame_len(const uint8_t *data, size_t size)
{
	size_t want;

	if (size < 6)
		return size;
	want = 6 + (data[4] | (size_t)data[5] << 8);
	return want < size ? want : size;
}

/* The client waits with nothing to read: drop the commands it sent, and
 * send it the next frame, or end the stream. */
static void feed(struct feeder *f)
{
	uint8_t cmd[512];

	while (recv(f->fd, cmd, sizeof(cmd), MSG_DONTWAIT) > 0)
		;
	if (f->pos < f->size) {
		size_t n = frame_len(f->data + f->pos, f->size - f->pos);

		if (send(f->fd, f->data + f->pos, n,
			 MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			abort();
		f->pos += n;
	} else if (!f->ended) {
		shutdown(f->fd, SHUT_WR);
		f->ended = true;
	}
}

int __wrap_time_wait_fd(int fd, short events, int64_t deadline, int wakeup_fd)
{
	struct feeder *f = active;

	if (f && fd == f->client_fd && (events & POLLIN)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 0) == 0)
			feed(f);
	}
	return __real_time_wait_fd(fd, events, deadline, wakeup_fd);
}

int feeder_start(struct feeder *f, const uint8_t *data, size_t size)
{
	int sv[2];

	/* Without the wrapper nothing would ever be sent. */
	if (!__real_time_wait_fd ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	f->fd = sv[0];
	f->client_fd = sv[1];
	f->data = data;
	f->size = size;
	f->pos = 0;
	f->ended = false;
	active = f;
	return sv[1];
}

void feeder_stop(struct feeder *f)
{
	active = NULL;
	close(f->fd);
}

void feeder_each_frame(const uint8_t *data, size_t size,
		       void (*fn)(const uint8_t *frame, size_t len))
{
	for (size_t pos = 0; pos < size;) {
		size_t n = frame_len(data + pos, size - pos);

		if (n >= 6)
			fn(data + pos, n);
		pos += n;
	}
}
