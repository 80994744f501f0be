#include "tests/fuzz/feeder.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* The length of the frame at data (size bytes left). */
static size_t frame_len(const uint8_t *data, size_t size)
{
	size_t want;

	if (size < 6)
		return size;
	want = 6 + (data[4] | (size_t)data[5] << 8);
	return want < size ? want : size;
}

static void *feed(void *arg)
{
	struct feeder *f = arg;
	bool writing = f->size > 0;
	uint8_t cmd[512];
	size_t pos = 0;

	if (!writing)
		shutdown(f->fd, SHUT_WR);
	for (;;) {
		struct pollfd pfd = { .fd = f->fd, .events = POLLIN };

		if (writing)
			pfd.events |= POLLOUT;
		if (poll(&pfd, 1, -1) < 0)
			break;
		if (pfd.revents & POLLIN) {
			if (recv(f->fd, cmd, sizeof(cmd), MSG_DONTWAIT) == 0)
				break;
		} else if (pfd.revents & (POLLHUP | POLLERR)) {
			break;
		}
		if (writing && (pfd.revents & POLLOUT)) {
			size_t n = frame_len(f->data + pos, f->size - pos);

			if (send(f->fd, f->data + pos, n, MSG_NOSIGNAL) < 0 &&
			    errno != EAGAIN)
				break;
			pos += n;
			if (pos == f->size) {
				shutdown(f->fd, SHUT_WR);
				writing = false;
			}
		}
	}
	return NULL;
}

int feeder_start(struct feeder *f, const uint8_t *data, size_t size)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	f->fd = sv[0];
	f->data = data;
	f->size = size;
	if (pthread_create(&f->thread, NULL, feed, f) != 0)
		abort();
	return sv[1];
}

void feeder_stop(struct feeder *f)
{
	pthread_join(f->thread, NULL);
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
