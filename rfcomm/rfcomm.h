/*
 * RFCOMM sockets and TTYs: connect with a real deadline, listen and accept,
 * bind and release /dev/rfcommN, and the stdio bridge. Functions return an
 * fd or 0 on success, -errno on failure, and never print.
 */
#ifndef BTPAIR_RFCOMM_H
#define BTPAIR_RFCOMM_H

#include <stdbool.h>
#include <stdint.h>

#include <bluetooth/bluetooth.h>

/* The send buffer of a socket handed to another program: big enough that
 * one write() of up to about 1 MiB goes through (see rfcomm.c). */
#define RFCOMM_SEND_BUFFER (4 * 1024 * 1024)

/*
 * Give fd that send buffer. Linux fails a single large write() with ENOTCONN
 * when the default buffer cannot hold all of it (cat writes 128 KiB at a
 * time, Python's sendall() everything at once). Not for btpair's own
 * bridge: its writes are small, and a large buffer would let it finish
 * "sending" long before the data has left. Returns 0 or -errno.
 */
int rfcomm_set_send_buffer(int fd);

/* Something to serve while a connect is under way: the management socket,
 * whose pairing requests an authenticated connect triggers. */
struct rfcomm_watch {
	int fd;
	/* Called before the connect and whenever fd is readable; takes what
	 * is at hand without waiting. A negative return ends the connect
	 * with that error. */
	int (*serve)(void *data);
	void *data;
};

/*
 * Connect from the adapter at local (BDADDR_ANY: any) to addr's channel.
 * The connect itself is non-blocking and waited for with poll until the
 * deadline (absolute CLOCK_MONOTONIC ms, negative: none); EBUSY and EAGAIN
 * (the link still going down from a previous connection) are retried with
 * backoff. The fd returned is in blocking mode, whatever happened on the
 * way. -ETIMEDOUT at the deadline, -EINTR when wakeup_fd becomes readable.
 * sec_level is a BT_SECURITY_* value. watch, if not NULL, is served
 * meanwhile.
 */
int rfcomm_connect(const bdaddr_t *local, const bdaddr_t *addr, uint8_t channel,
		   int sec_level, int64_t deadline, int wakeup_fd,
		   const struct rfcomm_watch *watch);

/* A listening socket on channel of the adapter at local. */
int rfcomm_listen(const bdaddr_t *local, uint8_t channel, int sec_level);

/* Accept one connection (blocking fd), waiting until the deadline. */
int rfcomm_accept(int lfd, int64_t deadline, int wakeup_fd, bdaddr_t *peer);

/* Create /dev/rfcomm<dev> for addr's channel; release it. */
int rfcomm_bind_dev(int dev, const bdaddr_t *local, const bdaddr_t *addr,
		    uint8_t channel);
int rfcomm_release_dev(int dev);

/* The most /dev/rfcommN nodes the kernel keeps (ids 0 to 255). */
#define RFCOMM_MAX_DEV 256

/* One /dev/rfcommN as the kernel describes it. state is a BT_* socket
 * state (BT_CONNECTED: link up; BT_OPEN or BT_CLOSED: waiting for an
 * open). */
struct rfcomm_dev_state {
	int id;
	uint16_t state;
	bdaddr_t local;
	bdaddr_t addr;
	uint8_t channel;
};

/*
 * Every bound /dev/rfcommN (RFCOMMGETDEVLIST), sorted by id: up to max
 * into devs, *count set. Returns 0 or -errno (-EAFNOSUPPORT or
 * -EPROTONOSUPPORT: no RFCOMM in this kernel).
 */
int rfcomm_list_devs(struct rfcomm_dev_state *devs, size_t max, size_t *count);

/*
 * Copy in -> sock and sock -> out. RFCOMM has no half-close: when in ends,
 * the copy from the socket goes on until the peer closes the link or sends
 * nothing for idle_ms (negative: wait for the close). With escape set, "~."
 * at the start of a line of input ends it (as in ssh). Returns 0 (the peer
 * closed, went quiet, or the escape), -EINTR when wakeup_fd becomes
 * readable, or -errno.
 */
int rfcomm_bridge(int sock, int in, int out, bool escape, int idle_ms,
		  int wakeup_fd);

struct rfcomm_bridge_opts {
	bool escape;
	int idle_ms;
	int wakeup_fd;
	/* out is non-blocking and what it cannot take is dropped (a pty
	 * nobody reads), rather than stall the link: after a grace of 250 ms
	 * for a reader that fell behind, then at once until out takes a
	 * whole receive again. */
	bool drop_full;
};

struct rfcomm_bridge_result {
	bool link_lost;	      /* the peer closed or the link broke */
	uint64_t out_dropped; /* bytes out could not take (drop_full) */
	uint64_t in_lost;     /* input read but not sent: the link broke */
};

/*
 * rfcomm_bridge, saying why it ended: 0 with res->link_lost when the link
 * went away (closed by the peer, reset, timed out), 0 without it when input
 * ended and the device went quiet or the escape was typed. res's counters
 * are added to, not reset.
 */
int rfcomm_bridge_link(int sock, int in, int out,
		       const struct rfcomm_bridge_opts *o,
		       struct rfcomm_bridge_result *res);

#endif
