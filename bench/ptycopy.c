/*
 * The floor under `btpair connect --pty` upward, with no btpair: the least
 * any program can do to take bytes out of a pseudo-terminal, and to pass
 * them on to RFCOMM.
 *
 *   ptycopy PATH BYTES              read the pty only, discard the bytes
 *   ptycopy PATH BYTES ADDR CHANNEL send them to ADDR's RFCOMM CHANNEL
 *   ptycopy -d PATH BYTES ADDR CHANNEL
 *                                   the other way: what RFCOMM brings, until
 *                                   the device closes, written to the pty
 *
 * Makes a pty in raw mode as `connect --pty` does (the master held here, a
 * descriptor of the slave too, PATH a symlink to the slave; with ADDR, once
 * connected), then reads the master with blocking read(2)s of 64 KiB, no
 * poll, until BYTES have come; with ADDR each read is sent whole with
 * blocking write(2)s, as rctest sends. With -d it receives 64 KiB at a time
 * and writes each whole to the master, blocking while the pty's reader
 * lags, and closes once that reader has taken everything. Prints "reads N
 * bytes B largest L"; the CPU it used is its parent's to measure.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <bluetooth/bluetooth.h>
#include <bluetooth/rfcomm.h>

static char buf[65536];

static int fail(const char *what)
{
	fprintf(stderr, "ptycopy: %s: %s\n", what, strerror(errno));
	return 1;
}

/* "AA:BB:CC:DD:EE:FF" and a channel: a connected RFCOMM socket, or -1. */
static int rfcomm_to(const char *addr, const char *channel)
{
	struct sockaddr_rc sa = { .rc_family = AF_BLUETOOTH };
	unsigned int b[6], ch;
	char end;
	int s, i;

	if (sscanf(addr, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[5], &b[4], &b[3],
		   &b[2], &b[1], &b[0], &end) != 6 ||
	    sscanf(channel, "%u%c", &ch, &end) != 1 || ch < 1 || ch > 30) {
		fprintf(stderr, "ptycopy: bad address or channel\n");
		return -1;
	}
	for (i = 0; i < 6; i++)
		sa.rc_bdaddr.b[i] = (uint8_t)b[i];
	sa.rc_channel = (uint8_t)ch;
	s = socket(AF_BLUETOOTH, SOCK_STREAM | SOCK_CLOEXEC, BTPROTO_RFCOMM);
	/* Closing waits until what was sent is out, as rctest's -L does. */
	if (s < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_LINGER,
		       &(struct linger){ .l_onoff = 1, .l_linger = 60 },
		       sizeof(struct linger)) < 0 ||
	    connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fail("connect");
		return -1;
	}
	return s;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail("write");
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* RFCOMM to the pty until the device closes; then wait (up to 10 s) until
 * the slave's reader has taken what is queued, since closing the master
 * hangs the slave up. Returns 0 or 1. */
static int down(int sock, int master, int slave, uint64_t *got, uint64_t *reads,
		size_t *largest)
{
	int queued = 0, i;

	for (;;) {
		ssize_t n = recv(sock, buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			break;
		if (n < 0)
			return fail("recv");
		if (write_all(master, buf, (size_t)n))
			return 1;
		*got += (uint64_t)n;
		(*reads)++;
		if ((size_t)n > *largest)
			*largest = (size_t)n;
	}
	for (i = 0; i < 1000; i++) {
		if (ioctl(slave, TIOCINQ, &queued) < 0 || !queued)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	}
	return 0;
}

int main(int argc, char **argv)
{
	bool to_pty = argc > 1 && strcmp(argv[1], "-d") == 0;
	uint64_t want, got = 0, reads = 0;
	int master, slave, sock = -1;
	size_t largest = 0;
	struct termios t;
	const char *name;
	char *end;

	signal(SIGPIPE, SIG_IGN);
	if (to_pty) {
		argc--;
		argv++;
	}
	if ((argc != 3 || to_pty) && argc != 5) {
		fprintf(stderr,
			"usage: ptycopy [-d] PATH BYTES [ADDR CHANNEL]\n");
		return 2;
	}
	errno = 0;
	want = strtoull(argv[2], &end, 10);
	if (errno || *end || end == argv[2] || !want) {
		fprintf(stderr, "ptycopy: bad byte count %s\n", argv[2]);
		return 2;
	}
	if (argc == 5 && (sock = rfcomm_to(argv[3], argv[4])) < 0)
		return 1;
	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
	    !(name = ptsname(master)))
		return fail("pty");
	slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return fail(name);
	if (tcgetattr(slave, &t) < 0)
		return fail("tcgetattr");
	cfmakeraw(&t);
	if (tcsetattr(slave, TCSANOW, &t) < 0)
		return fail("tcsetattr");
	unlink(argv[1]);
	if (symlink(name, argv[1]) < 0)
		return fail(argv[1]);
	if (to_pty && (down(sock, master, slave, &got, &reads, &largest) ||
		       got != want)) {
		fprintf(stderr, "ptycopy: %" PRIu64 " bytes came\n", got);
		unlink(argv[1]);
		return 1;
	}
	while (got < want) {
		ssize_t n = read(master, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = EPIPE;
		if (n <= 0 || (sock >= 0 && write_all(sock, buf, (size_t)n))) {
			unlink(argv[1]);
			return n <= 0 ? fail("read") : 1;
		}
		got += (uint64_t)n;
		reads++;
		if ((size_t)n > largest)
			largest = (size_t)n;
	}
	unlink(argv[1]);
	printf("reads %" PRIu64 " bytes %" PRIu64 " largest %zu\n", reads, got,
	       largest);
	if (sock >= 0)
		close(sock);
	close(slave);
	close(master);
	return 0;
}
