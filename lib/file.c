/* Small files read whole and written atomically (file.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
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

int file_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* The directory path is in, path cut at its last slash ("." for none). */
static int fsync_parent(char *path)
{
	char *slash = strrchr(path, '/');
	int err;

	if (!slash)
		return file_fsync_dir(".");
	if (slash == path)
		return file_fsync_dir("/");
	*slash = '\0';
	err = file_fsync_dir(path);
	*slash = '/';
	return err;
}

int file_make_dirs(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path);
	int err;

	if (len >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1;; p++) {
		bool last = *p == '\0';

		if (!last && *p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) == 0) {
			err = fsync_parent(tmp);
			if (err < 0)
				return err;
		} else if (errno != EEXIST) {
			return -errno;
		}
		if (last)
			return 0;
		*p = '/';
	}
}

void file_temp_name(const char *prefix, char *name, size_t size)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789";
	static unsigned int counter;
	size_t plen = strlen(prefix);
	unsigned char r[6];
	struct timespec ts;

	if (size < plen + sizeof(r) + 1) {
		if (size)
			name[0] = '\0';
		return;
	}
	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		/* No entropy yet at early boot: O_EXCL or RENAME_NOREPLACE
		 * tells a taken name, and the next try differs. */
		unsigned long x;

		clock_gettime(CLOCK_REALTIME, &ts);
		x = (unsigned long)ts.tv_nsec ^ (unsigned long)getpid() << 20 ^
		    counter++ * 2654435761u;
		for (size_t i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)(x >> (i * 5));
	}
	memcpy(name, prefix, plen);
	for (size_t i = 0; i < sizeof(r); i++)
		name[plen + i] = set[r[i] % (sizeof(set) - 1)];
	name[plen + sizeof(r)] = '\0';
}

int file_write_temp(int dfd, const char *prefix, const char *text, size_t len,
		    mode_t mode, bool named, char *name, size_t size)
{
	size_t done = 0;
	int fd = -1, err = 0;

	name[0] = '\0';
	if (!named) {
		fd = openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
		if (fd < 0 && errno != EOPNOTSUPP && errno != EISDIR &&
		    errno != EINVAL)
			return -errno;
	}
	for (int i = 0; fd < 0 && i < 100; i++) {
		file_temp_name(prefix, name, size);
		if (!name[0])
			return -ENAMETOOLONG;
		fd = openat(dfd, name,
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				    O_CLOEXEC,
			    mode);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		name[0] = '\0';
		return -errno;
	}
	/* Whatever the umask took away. */
	if (fchmod(fd, mode) < 0)
		err = -errno;
	while (!err && done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = -errno;
		else
			done += (size_t)n;
	}
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (err) {
		close(fd);
		if (name[0])
			unlinkat(dfd, name, 0);
		name[0] = '\0';
		return err;
	}
	return fd;
}

int file_replace(const char *dir, const char *name, const char *text,
		 size_t len, mode_t mode)
{
	char prefix[NAME_MAX + 1], tmp[NAME_MAX + 1];
	int dfd, fd, err = 0;

	/* ".NAME." and six more must still be a file name. */
	if (snprintf(prefix, sizeof(prefix) - 7, ".%s.", name) >=
	    (int)sizeof(prefix) - 7)
		return -ENAMETOOLONG;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	fd = file_write_temp(dfd, prefix, text, len, mode, true, tmp,
			     sizeof(tmp));
	if (fd < 0) {
		close(dfd);
		return fd;
	}
	close(fd);
	if (renameat(dfd, tmp, dfd, name) < 0) {
		err = -errno;
		unlinkat(dfd, tmp, 0);
	} else if (fsync(dfd) < 0) {
		err = -errno;
	}
	close(dfd);
	return err;
}

int file_error_set(struct file_error *err, unsigned int line, const char *fmt,
		   ...)
{
	va_list ap;

	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}
