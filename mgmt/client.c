#include "mgmt/client.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
	/* The last read found a message: the socket may hold more. */
	bool backlog;
	/* Messages read since the last poll. */
	unsigned int unpolled;
	uint8_t buf[MGMT_HDR_SIZE + MGMT_MAX_PARAM_LEN];
};

int mgmt_socket_grow_rcvbuf(int fd, int bytes)
{
	/* SO_RCVBUFFORCE passes rmem_max, but only with CAP_NET_ADMIN;
	 * without, SO_RCVBUF gets what rmem_max allows. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) ==
	    0)
		return 0;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) < 0)
		return -errno;
	return 0;
}

int mgmt_open_hci_channel(unsigned short channel, int flags)
{
	struct sockaddr_hci addr = {
		.hci_family = AF_BLUETOOTH,
		.hci_dev = HCI_DEV_NONE,
		.hci_channel = channel,
	};
	int fd, err;

	fd = socket(PF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC | flags, BTPROTO_HCI);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int mgmt_open_control_socket(void)
{
	int fd = mgmt_open_hci_channel(HCI_CHANNEL_CONTROL, 0);

	/* Too small a buffer is no reason to fail: the default works, only
	 * less well under a flood. */
	if (fd >= 0)
		mgmt_socket_grow_rcvbuf(fd, MGMT_CLIENT_RCVBUF);
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

/* Most messages one drain reads: a socket that never runs dry (a flood
 * faster than btpair) must not keep a command from being sent. */
#define DRAIN_MAX (4 * MGMT_CLIENT_QUEUE_MAX)

/* Queue what the socket holds now, without waiting. */
static void drain(struct mgmt_client *c)
{
	for (int i = 0; i < DRAIN_MAX; i++) {
		unsigned long dropped = c->dropped;
		struct mgmt_msg *m;
		int err = read_one(c, &m);

		if (err < 0)
			return;
		if (err == 0) {
			/* Nothing dropped: nothing was there. */
			if (c->dropped == dropped)
				return;
			continue;
		}
		enqueue(c, m);
	}
}

int mgmt_client_send(struct mgmt_client *c, uint16_t opcode, uint16_t index,
		     const void *param, size_t len)
{
	uint8_t *buf;
	ssize_t n;

	if (len > MGMT_MAX_PARAM_LEN)
		return -EMSGSIZE;
	/* The kernel queues an immediate reply on this socket from within
	 * send(): make room for it by reading what waits there first. */
	drain(c);
	buf = c->buf;
	mgmt_put_le16(buf, opcode);
	mgmt_put_le16(buf + 2, index);
	mgmt_put_le16(buf + 4, (uint16_t)len);
	if (len)
		memcpy(buf + MGMT_HDR_SIZE, param, len);
	if (c->trace)
		c->trace(c->trace_data, true, opcode, index,
			 buf + MGMT_HDR_SIZE, len);
	do {
		n = send(c->fd, buf, MGMT_HDR_SIZE + len, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	/* The secret bytes of a PIN reply must not linger in the buffer. */
	explicit_bzero(buf + MGMT_HDR_SIZE, len);
	/* A command the kernel refuses at once (an unprivileged socket's,
	 * say) "sends" 0 bytes; its Command Status follows all the same.
	 * ENOBUFS is ENOMEM by another name. */
	if (n < 0)
		return errno == ENOBUFS ? -ENOMEM : -errno;
	return 0;
}

/* Reads in a row without a poll. Behind a backlog a poll per message
 * doubles the system calls, and a reader slower than a flood of events
 * falls further behind; the deadline and the wakeup fd are still looked at
 * every so often. */
#define READS_PER_POLL 64

static int receive(struct mgmt_client *c, int64_t deadline,
		   struct mgmt_msg **msg)
{
	for (;;) {
		unsigned long dropped = c->dropped;
		int err;

		if (!c->backlog || c->unpolled >= READS_PER_POLL) {
			err = time_wait_fd(c->fd, POLLIN, deadline,
					   c->wakeup_fd);
			if (err < 0)
				return err;
			c->unpolled = 0;
		}
		err = read_one(c, msg);
		if (err < 0)
			return err;
		if (err == 1) {
			c->backlog = true;
			c->unpolled++;
			return 0;
		}
		/* A malformed one dropped: more may follow. */
		c->backlog = c->dropped != dropped;
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

/* Wait for the reply to opcode on index, queueing everything else. */
static int await_reply(struct mgmt_client *c, uint16_t opcode, uint16_t index,
		       int64_t deadline, struct mgmt_msg **reply)
{
	for (;;) {
		struct mgmt_msg *m;
		int err = receive(c, deadline, &m);

		if (err < 0)
			return err;
		if (is_reply_to(m, opcode, index)) {
			*reply = m;
			return 0;
		}
		enqueue(c, m);
	}
}

/*
 * What a reply lost to a full receive buffer means, command by command.
 * The kernel runs the command inside send() and then fails to queue its
 * immediate reply (send() returns ENOMEM): the command has run, so sending
 * it again is right only where running it twice does what running it once
 * does.
 */
enum lost_reply {
	/* Let the caller decide: the command changes something, or its
	 * immediate reply is itself the answer (Pair Device, Unpair Device,
	 * replies to pairing requests, discovery). */
	LOST_REPLY_CALLER,
	/* Reads, and commands that set a state the kernel cannot read
	 * back (IO capability, name, the key list): ask again. */
	LOST_REPLY_RESEND,
	/* A mode switch: Read Controller Information tells whether the
	 * setting took; only if it did not is the command sent again. */
	LOST_REPLY_READ_SETTINGS,
};

static enum lost_reply lost_reply_action(uint16_t opcode, uint32_t *setting)
{
	switch ((enum mgmt_opcode)opcode) {
	case MGMT_OP_READ_INDEX_LIST:
	case MGMT_OP_READ_INFO:
	case MGMT_OP_SET_LOCAL_NAME:
	case MGMT_OP_LOAD_LINK_KEYS:
	case MGMT_OP_GET_CONNECTIONS:
	case MGMT_OP_READ_VERSION:
	case MGMT_OP_SET_IO_CAPABILITY:
		return LOST_REPLY_RESEND;
	case MGMT_OP_SET_POWERED:
		*setting = MGMT_SETTING_POWERED;
		return LOST_REPLY_READ_SETTINGS;
	case MGMT_OP_SET_CONNECTABLE:
		*setting = MGMT_SETTING_CONNECTABLE;
		return LOST_REPLY_READ_SETTINGS;
	case MGMT_OP_SET_BONDABLE:
		*setting = MGMT_SETTING_BONDABLE;
		return LOST_REPLY_READ_SETTINGS;
	case MGMT_OP_SET_SSP:
		*setting = MGMT_SETTING_SSP;
		return LOST_REPLY_READ_SETTINGS;
	case MGMT_OP_DISCONNECT:
	case MGMT_OP_PIN_CODE_REPLY:
	case MGMT_OP_PIN_CODE_NEG_REPLY:
	case MGMT_OP_PAIR_DEVICE:
	case MGMT_OP_CANCEL_PAIR_DEVICE:
	case MGMT_OP_UNPAIR_DEVICE:
	case MGMT_OP_USER_CONFIRM_REPLY:
	case MGMT_OP_USER_CONFIRM_NEG_REPLY:
	case MGMT_OP_USER_PASSKEY_REPLY:
	case MGMT_OP_USER_PASSKEY_NEG_REPLY:
	case MGMT_OP_START_DISCOVERY:
	case MGMT_OP_STOP_DISCOVERY:
	case MGMT_OP_CONFIRM_NAME:
		return LOST_REPLY_CALLER;
	}
	return LOST_REPLY_CALLER;
}

/*
 * After a mode switch lost its reply: if Read Controller Information shows
 * the setting as asked, make the reply the kernel would have sent (its
 * current settings) and return 1; 0 when it does not show it; or -errno.
 */
static int settings_reply(struct mgmt_client *c, uint16_t opcode,
			  uint16_t index, const void *param, size_t len,
			  uint32_t setting, int64_t deadline,
			  struct mgmt_msg **reply)
{
	struct mgmt_controller_info info;
	struct mgmt_msg *m;
	struct mgmt_event ev;
	bool on;
	int err;

	if (len != 1)
		return 0;
	on = *(const uint8_t *)param != 0;
	err = mgmt_client_request(c, MGMT_OP_READ_INFO, index, NULL, 0,
				  deadline, &m);
	if (err < 0)
		return err;
	err = mgmt_event_decode(m, &ev);
	if (err == 0 &&
	    (ev.cmd.status != MGMT_STATUS_SUCCESS ||
	     mgmt_rp_read_info_decode(ev.cmd.data, ev.cmd.len, &info) < 0))
		err = 1; /* no answer there: send the command again */
	free(m);
	if (err)
		return err < 0 ? err : 0;
	if (!!(info.current_settings & setting) != on)
		return 0;
	m = malloc(sizeof(*m) + 7);
	if (!m)
		return -ENOMEM;
	m->code = MGMT_EV_CMD_COMPLETE;
	m->index = index;
	m->len = 7;
	mgmt_put_le16(m->param, opcode);
	m->param[2] = MGMT_STATUS_SUCCESS;
	mgmt_put_le32(m->param + 3, info.current_settings);
	*reply = m;
	return 1;
}

int mgmt_client_request(struct mgmt_client *c, uint16_t opcode, uint16_t index,
			const void *param, size_t len, int64_t deadline,
			struct mgmt_msg **reply)
{
	uint32_t setting = 0;
	enum lost_reply action = lost_reply_action(opcode, &setting);
	int err;

	for (int tries = 1;; tries++) {
		err = mgmt_client_send(c, opcode, index, param, len);
		if (err == 0)
			return await_reply(c, opcode, index, deadline, reply);
		if (err != -ENOMEM || action == LOST_REPLY_CALLER ||
		    tries >= MGMT_CLIENT_LOST_REPLY_TRIES)
			return err;
		if (deadline >= 0 && time_now_ms() >= deadline)
			return -ETIMEDOUT;
		if (action == LOST_REPLY_READ_SETTINGS) {
			err = settings_reply(c, opcode, index, param, len,
					     setting, deadline, reply);
			if (err != 0)
				return err < 0 ? err : 0;
		}
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
