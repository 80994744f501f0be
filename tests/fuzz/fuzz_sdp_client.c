/*
 * Fuzz the SDP client's query loop (sdp_query_rfcomm_channel) against a
 * server that answers anything. The input is what the server does, one
 * step per request it receives: a 2-byte big-endian length and that many
 * bytes, sent as one SEQPACKET message (0: an empty one; the last may be
 * cut short), or the length 0xffff alone: no answer, the client's wakeup
 * fd made readable instead, or 0xfffe alone: the last answer again, with
 * the transaction ID of this request (when it has one). When the steps run
 * out the server closes the link. The server runs in a thread on one end of a socketpair; the client
 * has the other, non-blocking, as its L2CAP socket would be.
 *
 * Beyond sanitizers: only the documented results (a channel 1..30,
 * -ENOENT, -EBADMSG, -ENOBUFS, -ECONNRESET, -EINTR; never -ETIMEDOUT, since
 * the server never stalls), at most SDP_MAX_ROUNDS requests, and each
 * request exactly what the protocol wants: transaction ID n for the n-th,
 * the continuation state of the answer before echoed byte for byte, and
 * none after an answer the client had to refuse (no continuation state:
 * the answer was the last).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/time.h"
#include "rfcomm/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STEP_WAKE 0xffff
#define STEP_AGAIN 0xfffe

struct server {
	int fd, wake_fd;
	const uint8_t *data;
	size_t size, pos;
	int requests;
};

/*
 * The continuation state of the answer pdu (len bytes) as the client must
 * echo it, or false when that answer cannot have been taken: not a Service
 * Search Attribute Response whose byte counts add up with a state of at
 * most 16 bytes. (The transaction ID is the client's to check.)
 */
static bool answer_cont(const uint8_t *pdu, size_t len, const uint8_t **cont,
			size_t *cont_len)
{
	size_t count;

	if (len < 8 || pdu[0] != 0x07 ||
	    (size_t)(pdu[3] << 8 | pdu[4]) != len - 5)
		return false;
	count = (size_t)(pdu[5] << 8 | pdu[6]);
	if (count > len - 8)
		return false;
	*cont_len = pdu[7 + count];
	*cont = pdu + 8 + count;
	return *cont_len <= 16 && 8 + count + *cont_len == len;
}

static void *serve(void *arg)
{
	struct server *s = arg;
	/* The last answer, as sent (STEP_AGAIN rewrites its TID). */
	static uint8_t last_buf[0x10000];
	const uint8_t *last = NULL;
	size_t last_len = 0;
	uint8_t req[128];
	bool open = true, woke = false;

	for (;;) {
		ssize_t n = recv(s->fd, req, sizeof(req), 0);
		const uint8_t *cont = NULL;
		size_t cont_len = 0, step;
		uint8_t want[64];

		if (n <= 0)
			break;
		s->requests++;
		if (s->requests > SDP_MAX_ROUNDS || !open || woke)
			abort();
		/* A request after an answer: the client took it, and it
		 * said more was to come. */
		if (last && (!answer_cont(last, last_len, &cont, &cont_len) ||
			     cont_len == 0))
			abort();
		if ((size_t)n != sdp_encode_search_attr(want,
							(uint16_t)s->requests,
							SDP_UUID_SERIAL_PORT,
							cont, cont_len) ||
		    memcmp(req, want, (size_t)n) != 0)
			abort();

		if (s->size - s->pos < 2) {
			shutdown(s->fd, SHUT_RDWR);
			open = false;
			continue;
		}
		step = (size_t)(s->data[s->pos] << 8 | s->data[s->pos + 1]);
		s->pos += 2;
		if (step == STEP_WAKE) {
			if (write(s->wake_fd, "", 1) != 1)
				abort();
			woke = true;
			continue;
		}
		if (step == STEP_AGAIN) {
			/* Lists long enough to overflow, or rounds past the
			 * cap, from a short input. */
			if (!last) {
				shutdown(s->fd, SHUT_RDWR);
				open = false;
				continue;
			}
			if (last_len >= 3) {
				last_buf[1] = (uint8_t)(s->requests >> 8);
				last_buf[2] = (uint8_t)s->requests;
			}
		} else {
			if (step > s->size - s->pos)
				step = s->size - s->pos;
			memcpy(last_buf, s->data + s->pos, step);
			last = last_buf;
			last_len = step;
			s->pos += step;
		}
		if (send(s->fd, last, last_len, MSG_NOSIGNAL) < 0)
			abort();
	}
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct server s = { .data = data, .size = size };
	int sv[2], wake[2], ret;
	pthread_t thread;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ||
	    pipe2(wake, O_CLOEXEC) < 0 || fcntl(sv[1], F_SETFL, O_NONBLOCK) < 0)
		abort();
	s.fd = sv[0];
	s.wake_fd = wake[1];
	if (pthread_create(&thread, NULL, serve, &s) != 0)
		abort();
	/* Never reached: the server answers, wakes the client or closes. */
	ret = sdp_query_rfcomm_channel(sv[1], SDP_UUID_SERIAL_PORT,
				       time_deadline_in(8000), wake[0]);
	close(sv[1]);
	pthread_join(thread, NULL);
	close(sv[0]);
	close(wake[0]);
	close(wake[1]);

	if (ret > 30 || ret == 0 ||
	    (ret < 0 && ret != -ENOENT && ret != -EBADMSG && ret != -ENOBUFS &&
	     ret != -ECONNRESET && ret != -EINTR))
		abort();
	if (s.requests < 1)
		abort();
	return 0;
}
