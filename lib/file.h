/*
 * Reading a small file whole, bounded (the key store's info files, the
 * serial devices' file, PIN files), and a socket without blocking.
 * Functions return 0, a count, or -errno and never print.
 */
#ifndef BTPAIR_LIB_FILE_H
#define BTPAIR_LIB_FILE_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/*
 * Read fd to its end into a new buffer (*text, NUL-terminated, *len bytes
 * before the NUL; free it with free()). A regular file's size at the start
 * sizes the buffer; a pipe, or a file of size 0 (/proc), gets max bytes. -EFBIG when fd holds more than
 * max bytes, or a regular file grew while it was read; -ENOMEM; -errno of a
 * failed read. On an error nothing is returned and what was read is wiped
 * (it may be a PIN).
 */
int file_read_fd(int fd, size_t max, char **text, size_t *len);

/*
 * Open path (O_RDONLY | O_CLOEXEC | flags) and read it whole as above: the
 * -errno of open, not_regular when it is not a regular file, -EFBIG when it
 * is over max bytes.
 */
int file_read_path(const char *path, int flags, size_t max, int not_regular,
		   char **text, size_t *len);

/* A non-blocking, close-on-exec socket of the address family domain, bound
 * to addr (len bytes): the fd, or -errno. */
int file_socket_bound(int domain, int type, int protocol, const void *addr,
		      socklen_t len);

/* recv(2), again after EINTR: the count (0 at the end), or -errno
 * (-EAGAIN when a non-blocking socket has nothing now). */
ssize_t file_recv(int fd, void *buf, size_t len, int flags);

#endif
