/* Reading a small file whole, bounded (file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/file.h"

int file_read_fd(int fd, size_t max, char **text, size_t *len)
{
	struct stat st;
	size_t cap = max + 1, got = 0;
	char *buf;
	int err = 0;

	/* One byte more than may come tells a file that is too big, or that
	 * grew under us. A size of 0 may be a /proc or /sys file, whose size
	 * says nothing: it gets max like a pipe. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (size_t)st.st_size < max)
		cap = (size_t)st.st_size + 1;
	buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	while (got < cap) {
		ssize_t n = read(fd, buf + got, cap - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (!err && got == cap)
		err = -EFBIG;
	if (err) {
		explicit_bzero(buf, cap + 1);
		free(buf);
		return err;
	}
	buf[got] = '\0';
	*text = buf;
	*len = got;
	return 0;
}

int file_read_path(const char *path, int flags, size_t max, int not_regular,
		   char **text, size_t *len)
{
	struct stat st;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = not_regular;
	else if (st.st_size < 0 || (size_t)st.st_size > max)
		err = -EFBIG;
	else
		err = file_read_fd(fd, max, text, len);
	close(fd);
	return err;
}

ssize_t file_recv(int fd, void *buf, size_t len, int flags)
{
	for (;;) {
		ssize_t n = recv(fd, buf, len, flags);

		if (n >= 0)
			return n;
		if (errno != EINTR)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

int file_socket_bound(int domain, int type, int protocol, const void *addr,
		      socklen_t len)
{
	int fd = socket(domain, type | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);

	if (fd < 0)
		return -errno;
	if (bind(fd, addr, len) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}
