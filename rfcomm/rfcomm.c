#include "rfcomm/rfcomm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bluetooth/rfcomm.h>

#include "lib/file.h"
#include "lib/time.h"

/* Backoff between retries of a busy connect, doubling up to the cap. */
#define RETRY_FIRST_MS 100
#define RETRY_MAX_MS 1000

static int set_security(int fd, int level)
{
	struct bt_security sec = { .level = (uint8_t)level };

	if (setsockopt(fd, SOL_BLUETOOTH, BT_SECURITY, &sec, sizeof(sec)) < 0)
		return -errno;
	return 0;
}

/* Without linger, closing an RFCOMM socket drops what is still queued to
 * send: the last bytes a command wrote before exiting would never arrive. */
#define LINGER_S 10

static int set_linger(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = LINGER_S };

	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) < 0)
		return -errno;
	return 0;
}

/*
 * The kernel builds one buffer chain for a whole write() before sending any
 * of it, charged against the send buffer: a single write much larger than
 * the default buffer's share (about 16 KiB of 50 KiB) fails with ENOTCONN,
 * though the link is up. SO_SNDBUFFORCE goes past net.core.wmem_max where
 * permitted; SO_SNDBUF gets what that limit allows otherwise.
 */
int rfcomm_set_send_buffer(int fd)
{
	int size = RFCOMM_SEND_BUFFER;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) ==
		    0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)) == 0)
		return 0;
	return -errno;
}

static int set_blocking(int fd, bool blocking)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return -errno;
	flags = blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK;
	if (fcntl(fd, F_SETFL, flags) < 0)
		return -errno;
	return 0;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait until the connect on fd ends, serving the watch meanwhile. */
static int wait_connected(int fd, int64_t deadline, int wakeup_fd,
			  const struct rfcomm_watch *watch)
{
	int err;

	do {
		err = watch ? watch->serve(watch->data) : 0;
		if (err < 0)
			return err;
		err = time_wait_fd_watch(fd, POLLOUT, deadline, wakeup_fd,
					 watch ? watch->fd : -1);
	} while (err == 1);
	return err;
}

/* One attempt; returns the connected fd or -errno. */
static int connect_once(const bdaddr_t *local, const bdaddr_t *addr,
			uint8_t channel, int sec_level, int64_t deadline,
			int wakeup_fd, const struct rfcomm_watch *watch)
{
	struct sockaddr_rc src = { .rc_family = AF_BLUETOOTH };
	struct sockaddr_rc dst = { .rc_family = AF_BLUETOOTH,
				   .rc_channel = channel };
	socklen_t len = sizeof(int);
	int fd, err, soerr = 0;

	bacpy(&src.rc_bdaddr, local);
	bacpy(&dst.rc_bdaddr, addr);
	fd = file_socket_bound(AF_BLUETOOTH, SOCK_STREAM, BTPROTO_RFCOMM, &src,
			       sizeof(src));
	if (fd < 0)
		return fd;
	err = set_security(fd, sec_level);
	if (!err && connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
		if (errno != EINPROGRESS && errno != EAGAIN)
			err = -errno;
		else
			err = wait_connected(fd, deadline, wakeup_fd, watch);
		if (!err &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
			err = -errno;
		if (!err && soerr)
			err = -soerr;
	}
	/* Whatever the way here, the caller gets a blocking socket: a
	 * non-blocking one handed on gives EAGAIN to programs that never
	 * asked for it. */
	if (!err)
		err = set_blocking(fd, true);
	if (!err)
		err = set_linger(fd);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int rfcomm_connect(const bdaddr_t *local, const bdaddr_t *addr, uint8_t channel,
		   int sec_level, int64_t deadline, int wakeup_fd,
		   const struct rfcomm_watch *watch)
{
	int64_t backoff = RETRY_FIRST_MS;

	for (;;) {
		int fd = connect_once(local, addr, channel, sec_level, deadline,
				      wakeup_fd, watch);

		if (fd != -EBUSY && fd != -EAGAIN)
			return fd;
		if (deadline >= 0 && time_now_ms() + backoff >= deadline)
			return -ETIMEDOUT;
		sleep_ms(backoff);
		backoff = backoff * 2 > RETRY_MAX_MS ? RETRY_MAX_MS :
						       backoff * 2;
	}
}

int rfcomm_listen(const bdaddr_t *local, uint8_t channel, int sec_level)
{
	struct sockaddr_rc src = { .rc_family = AF_BLUETOOTH,
				   .rc_channel = channel };
	int fd, err = 0;

	bacpy(&src.rc_bdaddr, local);
	fd = socket(AF_BLUETOOTH, SOCK_STREAM | SOCK_CLOEXEC, BTPROTO_RFCOMM);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0)
		err = -errno;
	if (!err && sec_level != BT_SECURITY_LOW)
		err = set_security(fd, sec_level);
	if (!err && listen(fd, 4) < 0)
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int rfcomm_accept(int lfd, int64_t deadline, int wakeup_fd, bdaddr_t *peer)
{
	struct sockaddr_rc addr;
	socklen_t len = sizeof(addr);
	int err, fd;

	err = time_wait_fd(lfd, POLLIN, deadline, wakeup_fd);
	if (err)
		return err;
	fd = accept4(lfd, (struct sockaddr *)&addr, &len, SOCK_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = set_linger(fd);
	if (err) {
		close(fd);
		return err;
	}
	bacpy(peer, &addr.rc_bdaddr);
	return fd;
}

static int rfcomm_ctl(unsigned long request, void *arg)
{
	int fd = socket(AF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC, BTPROTO_RFCOMM);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, request, arg) < 0)
		err = -errno;
	close(fd);
	return err;
}

int rfcomm_bind_dev(int dev, const bdaddr_t *local, const bdaddr_t *addr,
		    uint8_t channel)
{
	struct rfcomm_dev_req req = {
		.dev_id = (int16_t)dev,
		/* No flags: the node outlives each open, as a bound serial
		 * device should, and the link comes up when it is opened. */
		.flags = 0,
		.channel = channel,
	};

	bacpy(&req.src, local);
	bacpy(&req.dst, addr);
	return rfcomm_ctl(RFCOMMCREATEDEV, &req);
}

int rfcomm_release_dev(int dev)
{
	struct rfcomm_dev_req req = { .dev_id = (int16_t)dev };

	return rfcomm_ctl(RFCOMMRELEASEDEV, &req);
}

int rfcomm_list_devs(struct rfcomm_dev_state *devs, size_t max, size_t *count)
{
	struct rfcomm_dev_list_req *req;
	size_t n;
	int err;

	*count = 0;
	req = calloc(1, sizeof(*req) + RFCOMM_MAX_DEV *
					       sizeof(struct rfcomm_dev_info));
	if (!req)
		return -ENOMEM;
	req->dev_num = RFCOMM_MAX_DEV;
	err = rfcomm_ctl(RFCOMMGETDEVLIST, req);
	if (err < 0)
		goto out;
	/* The kernel says how many it filled; never trust it past the
	 * room it was given. */
	n = req->dev_num < RFCOMM_MAX_DEV ? req->dev_num : RFCOMM_MAX_DEV;
	for (size_t i = 0; i < n && *count < max; i++) {
		const struct rfcomm_dev_info *di = &req->dev_info[i];
		struct rfcomm_dev_state *d = &devs[*count];
		size_t j;

		if (di->id < 0 || di->id >= RFCOMM_MAX_DEV)
			continue;
		/* Insertion by id: the kernel lists them in its own order. */
		for (j = *count; j > 0 && devs[j - 1].id > di->id; j--)
			devs[j] = devs[j - 1];
		d = &devs[j];
		d->id = di->id;
		d->state = di->state;
		bacpy(&d->local, &di->src);
		bacpy(&d->addr, &di->dst);
		d->channel = di->channel;
		(*count)++;
	}
out:
	free(req);
	return err;
}

/* The bridge's buffers: the most one read takes from either side, and the
 * most one send hands the socket. The kernel builds a whole send as one
 * chain of MTU-sized frames charged to the send buffer before any leaves,
 * so a send stays well inside the default buffer's share; sends go on
 * without waiting until the socket is full (EAGAIN) and the rest waits for
 * POLLOUT. */
#define BRIDGE_BUF (64 * 1024)
#define BRIDGE_SEND_MAX (8 * 1024)
/* The most read from one side per wakeup, so the other is not starved. */
#define BRIDGE_ROUND_MAX (4 * BRIDGE_BUF)

/*
 * Look for "~." at the start of a line in input. state: 0 mid-line, 1 at
 * line start, 2 after "~" at line start. Returns len when there is none,
 * else how many bytes before the "~" are to be sent (a "~" that ended the
 * previous read has been sent already) and sets *quit.
 */
static size_t scan_escape(const char *buf, size_t len, int *state, bool *quit)
{
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (*state == 2) {
			*state = 0;
			if (c == '.') {
				*quit = true;
				return i ? i - 1 : 0;
			}
		} else if (*state == 1 && c == '~') {
			*state = 2;
			continue;
		}
		*state = (c == '\n' || c == '\r') ? 1 : 0;
	}
	return len;
}

/* Errors that mean the link itself is gone, not a fault of btpair's. */
static bool link_gone(int err)
{
	return err == -ECONNRESET || err == -ENOTCONN || err == -EPIPE ||
	       err == -ETIMEDOUT || err == -EHOSTDOWN || err == -EHOSTUNREACH ||
	       err == -ECONNABORTED;
}

/* Write what out takes now; with drop_full, what it cannot take (EAGAIN)
 * is dropped and counted instead of waited for. */
static int write_out(int out, const char *buf, size_t len, bool drop_full,
		     uint64_t *dropped)
{
	while (len) {
		ssize_t n = write(out, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && drop_full && (errno == EAGAIN || errno == EIO)) {
			*dropped += len;
			return 0;
		}
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Input read but not sent yet. */
struct pending {
	char *buf;
	size_t off, len;
};

/* Send what the socket takes now, in bounded sends, without waiting.
 * Returns 0 (sent or the socket is full) or -errno. */
static int send_pending(int sock, struct pending *p)
{
	while (p->len) {
		size_t chunk = p->len < BRIDGE_SEND_MAX ? p->len :
							  BRIDGE_SEND_MAX;
		ssize_t n = send(sock, p->buf + p->off, chunk,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0)
			return -errno;
		p->off += (size_t)n;
		p->len -= (size_t)n;
		/* A short send: the socket is full, the next would fail. */
		if ((size_t)n < chunk)
			return 0;
	}
	p->off = 0;
	return 0;
}

/* How long a full out (drop_full) may hold the device back before what it
 * cannot take is dropped: a slow reader is waited for (the device is held
 * by RFCOMM's flow control meanwhile), a reader that is not there is not. */
#define BRIDGE_OUT_GRACE_MS 250

/* The socket-to-out side: what out has not taken yet, and whether out has
 * been found not read (then what it cannot take is dropped at once, until
 * it takes a whole read again). */
struct down {
	struct pending p;
	int64_t since;
	bool absent;
};

/* Write what out takes now, without waiting. Returns how much, or -errno. */
static ssize_t write_some(int out, const char *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(out, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EIO))
			break;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

/* Pass n bytes of d->p.buf to a drop_full out: what it does not take waits
 * in d (or is dropped if out is not being read). Returns 0 or -errno. */
static int out_nowait(int out, struct down *d, size_t n,
		      struct rfcomm_bridge_result *res)
{
	ssize_t w = write_some(out, d->p.buf, n);

	if (w < 0)
		return (int)w;
	if ((size_t)w == n) {
		d->absent = false;
		return 0;
	}
	if (d->absent) {
		res->out_dropped += n - (size_t)w;
		return 0;
	}
	d->p.off = (size_t)w;
	d->p.len = n - (size_t)w;
	d->since = time_now_ms();
	return 0;
}

/* out can take more, or the grace is over: go on with what waits. */
static int out_resume(int out, struct down *d, struct rfcomm_bridge_result *res)
{
	ssize_t w = write_some(out, d->p.buf + d->p.off, d->p.len);

	if (w < 0)
		return (int)w;
	d->p.off += (size_t)w;
	d->p.len -= (size_t)w;
	if (d->p.len && time_now_ms() - d->since >= BRIDGE_OUT_GRACE_MS) {
		res->out_dropped += d->p.len;
		d->p.len = 0;
		d->absent = true;
	}
	return 0;
}

/* Socket to out, until the socket has nothing more now (or a round's
 * worth), or out is full. Returns 0, 1 when the link is gone, or -errno. */
static int drain_socket(int sock, int out, struct down *d,
			const struct rfcomm_bridge_opts *o,
			struct rfcomm_bridge_result *res)
{
	size_t round = 0;

	while (round < BRIDGE_ROUND_MAX && !d->p.len) {
		ssize_t n = file_recv(sock, d->p.buf, BRIDGE_BUF, MSG_DONTWAIT);
		int err;

		if (n == -EAGAIN)
			return 0;
		if (n < 0)
			/* The peer went away: what it sent is out. */
			return link_gone((int)n) ? 1 : (int)n;
		if (n == 0)
			return 1;
		if (o->drop_full)
			err = out_nowait(out, d, (size_t)n, res);
		else
			err = write_out(out, d->p.buf, (size_t)n, false,
					&res->out_dropped);
		if (err)
			return err;
		/* One receive takes everything queued up to its size: a short
		 * one emptied the socket, and poll says when more comes. */
		if (n < BRIDGE_BUF)
			return 0;
		round += (size_t)n;
	}
	return 0;
}

static int bridge_loop(int sock, int in, int out,
		       const struct rfcomm_bridge_opts *o,
		       struct rfcomm_bridge_result *res, struct down *dn,
		       struct pending *up)
{
	int fl = fcntl(in, F_GETFL);
	bool in_open = true, quit = false,
	     in_nonblock = fl >= 0 && (fl & O_NONBLOCK);
	int state = 1;

	for (;;) {
		/* Input is read only once the last read has gone out, and
		 * the socket only once out has taken the last: each side
		 * goes at the other's pace. */
		struct pollfd pfd[4] = {
			{ .fd = dn->p.len && !up->len ? -1 : sock,
			  .events = (dn->p.len ? 0 : POLLIN) |
				    (up->len ? POLLOUT : 0) },
			{ .fd = in_open && !quit && !up->len ? in : -1,
			  .events = POLLIN },
			{ .fd = o->wakeup_fd, .events = POLLIN },
			{ .fd = dn->p.len ? out : -1, .events = POLLOUT },
		};
		bool waiting = up->len || (in_open && !quit);
		int err, ready, timeout = waiting ? -1 : o->idle_ms;

		if (dn->p.len) {
			int64_t left = dn->since + BRIDGE_OUT_GRACE_MS -
				       time_now_ms();

			timeout = left > 0 ? (int)left : 0;
		}
		ready = poll(pfd, 4, timeout);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* Input is over and the device has gone quiet. */
		if (ready == 0 && !dn->p.len)
			return 0;
		if (o->wakeup_fd >= 0 && (pfd[2].revents & POLLIN))
			return -EINTR;
		if (dn->p.len) {
			err = out_resume(out, dn, res);
			if (err)
				return err;
		} else if (pfd[0].revents & (POLLIN | POLLERR | POLLHUP)) {
			err = drain_socket(sock, out, dn, o, res);
			if (err == 1)
				goto lost;
			if (err)
				return err;
		}
		/* A non-blocking input (a pty) may have more by the time a read
		 * has been sent whole: it is read again before polling, a round
		 * at most, which saves a poll per read where reads come small. */
		for (size_t round = 0;;) {
			ssize_t n = 0;

			if (pfd[1].revents) {
				n = read(in, up->buf, BRIDGE_BUF);
				if (n < 0 && errno != EINTR && errno != EAGAIN)
					return -errno;
			}
			if (n > 0) {
				up->off = 0;
				up->len = o->escape ?
						  scan_escape(up->buf,
							      (size_t)n, &state,
							      &quit) :
						  (size_t)n;
				round += (size_t)n;
			} else if (n == 0 && pfd[1].revents) {
				/* RFCOMM has no half-close (shutdown drops the
				 * whole link), so keep listening instead. */
				in_open = false;
			}
			if (up->len) {
				err = send_pending(sock, up);
				if (err < 0 && link_gone(err))
					goto lost;
				if (err < 0)
					return err;
			}
			if (n <= 0 || !in_nonblock || up->len || quit ||
			    round >= BRIDGE_ROUND_MAX)
				break;
		}
		if (quit && !up->len)
			return 0;
	}
lost:
	/* Those bytes never left; these never reached out. */
	res->in_lost += up->len;
	up->len = 0;
	res->out_dropped += dn->p.len;
	dn->p.len = 0;
	res->link_lost = true;
	return 0;
}

int rfcomm_bridge_link(int sock, int in, int out,
		       const struct rfcomm_bridge_opts *o,
		       struct rfcomm_bridge_result *res)
{
	struct pending up = { 0 };
	struct down dn = { 0 };
	int err;

	res->link_lost = false;
	dn.p.buf = malloc(2 * BRIDGE_BUF);
	if (!dn.p.buf)
		return -ENOMEM;
	up.buf = dn.p.buf + BRIDGE_BUF;
	err = bridge_loop(sock, in, out, o, res, &dn, &up);
	free(dn.p.buf);
	return err;
}

int rfcomm_bridge(int sock, int in, int out, bool escape, int idle_ms,
		  int wakeup_fd)
{
	struct rfcomm_bridge_opts o = { .escape = escape,
					.idle_ms = idle_ms,
					.wakeup_fd = wakeup_fd };
	struct rfcomm_bridge_result res = { 0 };

	return rfcomm_bridge_link(sock, in, out, &o, &res);
}
