/*
 * A client of the kernel's management channel, built on a file descriptor so
 * that tests can hand it one end of a socketpair and play the kernel.
 *
 * Commands are answered by Command Complete or Command Status. While the
 * client waits for a reply, every other message -- events for any controller,
 * replies to other commands -- is queued in arrival order and handed out later
 * by mgmt_client_next(), so nothing is lost and nothing is taken for the
 * reply it is not.
 *
 * Deadlines are those of lib/time.h: absolute CLOCK_MONOTONIC times in
 * milliseconds, negative for none.
 */
#ifndef BTPAIR_MGMT_CLIENT_H
#define BTPAIR_MGMT_CLIENT_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/time.h"
#include "mgmt/wire.h"

struct mgmt_client;

/* Queued messages beyond this are dropped and counted: the oldest are
 * kept, except that replies, pairing requests, keys and link and controller
 * events displace the oldest merely informational message (settings,
 * names, discovery) rather than be dropped. */
#define MGMT_CLIENT_QUEUE_MAX 4096

/* The receive buffer asked for on the management socket. Every socket gets
 * every event of every controller; when its buffer is full the kernel drops
 * events (a PIN request too) and cannot queue a command's immediate reply.
 * 8 MiB holds some ten thousand events: several seconds of a flood that
 * btpair reads more slowly than it comes. */
#define MGMT_CLIENT_RCVBUF (8 << 20)

/* How often a command whose reply was lost is sent, at most (see
 * mgmt_client_request). */
#define MGMT_CLIENT_LOST_REPLY_TRIES 3

/*
 * Ask for a receive buffer of bytes on fd: SO_RCVBUFFORCE, which needs
 * CAP_NET_ADMIN, else SO_RCVBUF (capped by net.core.rmem_max). Returns 0 or
 * -errno.
 */
int mgmt_socket_grow_rcvbuf(int fd, int bytes);

/*
 * Open the kernel's management socket (AF_BLUETOOTH, SOCK_RAW, BTPROTO_HCI,
 * bound to HCI_DEV_NONE on HCI_CHANNEL_CONTROL), with a receive buffer of
 * MGMT_CLIENT_RCVBUF where the kernel allows it. Returns the fd, or
 * -EAFNOSUPPORT (no Bluetooth in this kernel), -EPERM/-EACCES (needs
 * CAP_NET_ADMIN) or another -errno.
 */
int mgmt_open_control_socket(void);

/* A raw HCI socket bound to channel (HCI_CHANNEL_CONTROL, _MONITOR) of no
 * controller, with extra socket() flags (SOCK_NONBLOCK); the fd or -errno. */
int mgmt_open_hci_channel(unsigned short channel, int flags);

/* Take ownership of fd (closed by mgmt_client_free). NULL on ENOMEM. */
struct mgmt_client *mgmt_client_new(int fd);
void mgmt_client_free(struct mgmt_client *c);

/*
 * While fd is readable, waits return -EINTR at once (the CLI hands in a
 * signalfd for SIGINT/SIGTERM). -1 disables it.
 */
void mgmt_client_set_wakeup_fd(struct mgmt_client *c, int fd);
int mgmt_client_wakeup_fd(const struct mgmt_client *c);

/* Called for every message sent (outgoing true: code is the opcode) and
 * every message received, before anything else looks at it. */
typedef void (*mgmt_trace_fn)(void *data, bool outgoing, uint16_t code,
			      uint16_t index, const uint8_t *param, size_t len);
void mgmt_client_set_trace(struct mgmt_client *c, mgmt_trace_fn fn, void *data);

/* Messages the client dropped: malformed ones and queue overflow. */
unsigned long mgmt_client_dropped(const struct mgmt_client *c);

/*
 * Send a command without waiting, after queueing whatever the socket holds
 * (so that the kernel has room for the command's immediate reply). Returns
 * 0 or -errno (-EMSGSIZE if len exceeds the protocol's limit). -ENOMEM
 * (ENOBUFS too) means the kernel could not queue the command's immediate
 * reply, the receive buffer being full: the command has most likely run,
 * only its reply is lost. Nothing is sent again here.
 */
int mgmt_client_send(struct mgmt_client *c, uint16_t opcode, uint16_t index,
		     const void *param, size_t len);

/*
 * Send a command and wait until its Command Complete or Command Status
 * arrives (same opcode, same index) or the deadline passes. On success
 * returns 0 and *reply holds the message, to free() by the caller; decode it
 * with mgmt_event_decode() (the mgmt status is part of it: a reply with a
 * failure status is still a reply). Errors: -ETIMEDOUT, -EINTR (wakeup fd),
 * -EPIPE (the other end closed), other -errno from the socket.
 *
 * A reply lost to a full receive buffer (-ENOMEM from the send) is dealt
 * with by command: reads, Set IO Capability, Set Local Name and Load Link
 * Keys are sent again; a mode switch (Set Powered, Connectable, Bondable,
 * SSP) is checked with Read Controller Information, and a reply made up
 * from the settings read when it took, else sent again; at most
 * MGMT_CLIENT_LOST_REPLY_TRIES sends in all. For every other command the
 * -ENOMEM is returned: the caller knows what it means there.
 */
int mgmt_client_request(struct mgmt_client *c, uint16_t opcode, uint16_t index,
			const void *param, size_t len, int64_t deadline,
			struct mgmt_msg **reply);

/*
 * Like mgmt_client_request, but decode the reply too: *status gets the mgmt
 * status and, when data is not NULL, up to data_size bytes of return
 * parameters are copied there with their full length in *data_len.
 */
int mgmt_client_call(struct mgmt_client *c, uint16_t opcode, uint16_t index,
		     const void *param, size_t len, int64_t deadline,
		     uint8_t *status, void *data, size_t data_size,
		     size_t *data_len);

/* The socket, for callers that poll it along with other fds. Messages may
 * also wait in the queue: take them with mgmt_client_next_ready(). */
int mgmt_client_fd(const struct mgmt_client *c);

/*
 * The next message at hand, without waiting: the oldest queued one, else one
 * the socket has now (malformed ones are dropped on the way). Returns 0 with
 * *msg to free(), -EAGAIN when there is none, -EPIPE or another -errno.
 */
int mgmt_client_next_ready(struct mgmt_client *c, struct mgmt_msg **msg);

/*
 * The next message: the oldest queued one, else the next from the socket.
 * Returns 0 with *msg to free(), or -ETIMEDOUT, -EINTR, -EPIPE, -errno.
 */
int mgmt_client_next(struct mgmt_client *c, int64_t deadline,
		     struct mgmt_msg **msg);

#endif
