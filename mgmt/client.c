#include "mgmt/client.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bluetooth/bluetooth.h>
#include <bluetooth/hci.h>

struct queued {
	struct queued *next;
	struct mgmt_msg *msg;
};

struct mgmt_client {
	int fd;
	int wakeup_fd;
	mgmt_trace_fn trace;
	void *trace_data;
	struct queued *head, *tail;
	size_t queued;
	unsigned long dropped;
	uint8_t buf[MGMT_HDR_SIZE + MGMT_MAX_PARAM_LEN];
};

int64_t mgmt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t mgmt_deadline_in(int64_t ms)
{
	return ms < 0 ? -1 : mgmt_now_ms() + ms;
}

int mgmt_poll(struct pollfd *fds, nfds_t n, int64_t deadline)
{
	for (;;) {
		int timeout = -1, ready;

		if (deadline >= 0) {
			int64_t left = deadline - mgmt_now_ms();

			if (left <= 0)
				return -ETIMEDOUT;
			/* poll's limit is an int; long waits go round. */
			timeout = left > 60000 ? 60000 : (int)left;
		}
		ready = poll(fds, n, timeout);
		if (ready < 0 && errno != EINTR)
			return -errno;
		if (ready > 0)
			return ready;
	}
}

int mgmt_wait_fd(int fd, short events, int64_t deadline, int wakeup_fd)
{
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = fd, .events = events },
			{ .fd = wakeup_fd, .events = POLLIN },
		};
		int n = mgmt_poll(pfd, 2, deadline);

		if (n < 0)
			return n;
		if (pfd[1].revents & POLLIN)
			return -EINTR;
		if (pfd[0].revents)
			return 0;
	}
}

int mgmt_open_control_socket(void)
{
	struct sockaddr_hci addr = {
		.hci_family = AF_BLUETOOTH,
		.hci_dev = HCI_DEV_NONE,
		.hci_channel = HCI_CHANNEL_CONTROL,
	};
	int fd, err;

	fd = socket(PF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC, BTPROTO_HCI);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

struct mgmt_client *mgmt_client_new(int fd)
{
	struct mgmt_client *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = fd;
	c->wakeup_fd = -1;
	return c;
}

void mgmt_client_free(struct mgmt_client *c)
{
	if (!c)
		return;
	while (c->head) {
		struct queued *q = c->head;

		c->head = q->next;
		free(q->msg);
		free(q);
	}
	close(c->fd);
	free(c);
}

void mgmt_client_set_wakeup_fd(struct mgmt_client *c, int fd)
{
	c->wakeup_fd = fd;
}

int mgmt_client_wakeup_fd(const struct mgmt_client *c)
{
	return c->wakeup_fd;
}

void mgmt_client_set_trace(struct mgmt_client *c, mgmt_trace_fn fn, void *data)
{
	c->trace = fn;
	c->trace_data = data;
}

unsigned long mgmt_client_dropped(const struct mgmt_client *c)
{
	return c->dropped;
}

/* How often a send the kernel refuses for lack of memory is tried again,
 * 20 ms more apart each time. */
#define SEND_RETRIES 5

int mgmt_client_send(struct mgmt_client *c, uint16_t opcode, uint16_t index,
		     const void *param, size_t len)
{
	uint8_t *buf = c->buf;
	ssize_t n;

	if (len > MGMT_MAX_PARAM_LEN)
		return -EMSGSIZE;
	mgmt_put_le16(buf, opcode);
	mgmt_put_le16(buf + 2, index);
	mgmt_put_le16(buf + 4, (uint16_t)len);
	if (len)
		memcpy(buf + MGMT_HDR_SIZE, param, len);
	if (c->trace)
		c->trace(c->trace_data, true, opcode, index, buf + MGMT_HDR_SIZE,
			 len);
	for (int tries = 0;;) {
		n = send(c->fd, buf, MGMT_HDR_SIZE + len, MSG_NOSIGNAL);
		if (n >= 0 || errno == EINTR) {
			if (n >= 0)
				break;
			continue;
		}
		/* The kernel short of memory for a moment (seen under a flood
		 * of events queued to every socket) runs nothing of the
		 * command: it is safe to send again, shortly. */
		if ((errno != ENOMEM && errno != ENOBUFS) ||
		    ++tries > SEND_RETRIES)
			break;
		struct timespec ts = { 0, tries * 20 * 1000000L };

		nanosleep(&ts, NULL);
	}
	/* The secret bytes of a PIN reply must not linger in the buffer. */
	explicit_bzero(buf + MGMT_HDR_SIZE, len);
	/* A command the kernel refuses at once (an unprivileged socket's,
	 * say) "sends" 0 bytes; its Command Status follows all the same. */
	if (n < 0)
		return -errno;
	return 0;
}

/*
 * Read one message. Returns 1 with *msg set, 0 when what arrived was
 * malformed and dropped (or nothing was there after all), or -errno.
 */
static int read_one(struct mgmt_client *c, struct mgmt_msg **msg)
{
	struct iovec iov = { .iov_base = c->buf, .iov_len = sizeof(c->buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct mgmt_msg *m;
	uint16_t plen;
	ssize_t n;

	n = recvmsg(c->fd, &mh, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		return -errno;
	}
	if (n == 0)
		return -EPIPE;
	plen = mgmt_get_le16(c->buf + 4);
	/* A message is exactly a header and the length it announces. */
	if ((mh.msg_flags & MSG_TRUNC) || (size_t)n < MGMT_HDR_SIZE ||
	    (size_t)n - MGMT_HDR_SIZE != plen) {
		c->dropped++;
		return 0;
	}
	m = malloc(sizeof(*m) + plen);
	if (!m)
		return -ENOMEM;
	m->code = mgmt_get_le16(c->buf);
	m->index = mgmt_get_le16(c->buf + 2);
	m->len = plen;
	memcpy(m->param, c->buf + MGMT_HDR_SIZE, plen);
	if (c->trace)
		c->trace(c->trace_data, false, m->code, m->index, m->param,
			 m->len);
	*msg = m;
	return 1;
}

/*
 * Whether losing m could break what btpair is doing: replies, pairing
 * requests, keys, links and controllers coming and going. The rest (new
 * settings, names, discovery) only informs, and is what a flood of events
 * is made of.
 */
static bool must_keep(const struct mgmt_msg *m)
{
	switch (m->code) {
	case MGMT_EV_CMD_COMPLETE:
	case MGMT_EV_CMD_STATUS:
	case MGMT_EV_INDEX_ADDED:
	case MGMT_EV_INDEX_REMOVED:
	case MGMT_EV_NEW_LINK_KEY:
	case MGMT_EV_DEVICE_CONNECTED:
	case MGMT_EV_DEVICE_DISCONNECTED:
	case MGMT_EV_CONNECT_FAILED:
	case MGMT_EV_PIN_CODE_REQUEST:
	case MGMT_EV_USER_CONFIRM_REQUEST:
	case MGMT_EV_USER_PASSKEY_REQUEST:
	case MGMT_EV_AUTH_FAILED:
	case MGMT_EV_DEVICE_UNPAIRED:
	case MGMT_EV_PASSKEY_NOTIFY:
		return true;
	default:
		return false;
	}
}

/* Drop the oldest queued message that need not be kept, if any. */
static bool evict_one(struct mgmt_client *c)
{
	struct queued **link = &c->head, *q, *prev = NULL;

	for (q = c->head; q; prev = q, link = &q->next, q = q->next) {
		if (must_keep(q->msg))
			continue;
		*link = q->next;
		if (c->tail == q)
			c->tail = prev;
		free(q->msg);
		free(q);
		c->queued--;
		c->dropped++;
		return true;
	}
	return false;
}

static void enqueue(struct mgmt_client *c, struct mgmt_msg *m)
{
	struct queued *q;

	/* Full: a message that must be kept takes the place of one that need
	 * not; anything else arriving now is dropped. A PIN request behind
	 * thousands of New Settings is not lost, and memory stays bounded. */
	if (c->queued >= MGMT_CLIENT_QUEUE_MAX &&
	    !(must_keep(m) && evict_one(c))) {
		c->dropped++;
		free(m);
		return;
	}
	q = malloc(sizeof(*q));
	if (!q) {
		c->dropped++;
		free(m);
		return;
	}
	q->next = NULL;
	q->msg = m;
	if (c->tail)
		c->tail->next = q;
	else
		c->head = q;
	c->tail = q;
	c->queued++;
}

static struct mgmt_msg *dequeue(struct mgmt_client *c)
{
	struct queued *q = c->head;
	struct mgmt_msg *m;

	if (!q)
		return NULL;
	c->head = q->next;
	if (!c->head)
		c->tail = NULL;
	c->queued--;
	m = q->msg;
	free(q);
	return m;
}

static int receive(struct mgmt_client *c, int64_t deadline,
		   struct mgmt_msg **msg)
{
	for (;;) {
		int err = mgmt_wait_fd(c->fd, POLLIN, deadline, c->wakeup_fd);

		if (err < 0)
			return err;
		err = read_one(c, msg);
		if (err != 0)
			return err < 0 ? err : 0;
	}
}

static bool is_reply_to(const struct mgmt_msg *m, uint16_t opcode,
			uint16_t index)
{
	if (m->code != MGMT_EV_CMD_COMPLETE && m->code != MGMT_EV_CMD_STATUS)
		return false;
	/* Too short to name its command: not ours to take; the decoder of
	 * whoever reads the queue will reject it. */
	if (m->len < 3)
		return false;
	return m->index == index && mgmt_get_le16(m->param) == opcode;
}

int mgmt_client_request(struct mgmt_client *c, uint16_t opcode,
			uint16_t index, const void *param, size_t len,
			int64_t deadline, struct mgmt_msg **reply)
{
	int err = mgmt_client_send(c, opcode, index, param, len);

	if (err < 0)
		return err;
	for (;;) {
		struct mgmt_msg *m;

		err = receive(c, deadline, &m);
		if (err < 0)
			return err;
		if (is_reply_to(m, opcode, index)) {
			*reply = m;
			return 0;
		}
		enqueue(c, m);
	}
}

int mgmt_client_call(struct mgmt_client *c, uint16_t opcode, uint16_t index,
		     const void *param, size_t len, int64_t deadline,
		     uint8_t *status, void *data, size_t data_size,
		     size_t *data_len)
{
	struct mgmt_msg *reply;
	struct mgmt_event ev;
	int err;

	err = mgmt_client_request(c, opcode, index, param, len, deadline,
				  &reply);
	if (err < 0)
		return err;
	err = mgmt_event_decode(reply, &ev);
	if (err == 0) {
		*status = ev.cmd.status;
		if (data) {
			size_t n = ev.cmd.len < data_size ? ev.cmd.len :
							    data_size;

			memcpy(data, ev.cmd.data, n);
			*data_len = ev.cmd.len;
		}
	}
	free(reply);
	return err;
}

int mgmt_client_next(struct mgmt_client *c, int64_t deadline,
		     struct mgmt_msg **msg)
{
	struct mgmt_msg *m = dequeue(c);

	if (m) {
		*msg = m;
		return 0;
	}
	return receive(c, deadline, msg);
}

int mgmt_client_fd(const struct mgmt_client *c)
{
	return c->fd;
}

int mgmt_client_next_ready(struct mgmt_client *c, struct mgmt_msg **msg)
{
	struct mgmt_msg *m = dequeue(c);

	if (m) {
		*msg = m;
		return 0;
	}
	for (;;) {
		unsigned long dropped = c->dropped;
		int err = read_one(c, msg);

		if (err != 0)
			return err < 0 ? err : 0;
		/* Nothing dropped: nothing was there. */
		if (c->dropped == dropped)
			return -EAGAIN;
	}
}
