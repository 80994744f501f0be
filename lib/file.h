/*
 * Reading a small file whole, bounded (the key store's info files, the
 * serial devices' file, PIN files), writing one so that a crash never
 * leaves it torn, and a socket without blocking.
 * Functions return 0, a count, or -errno and never print.
 */
#ifndef BTPAIR_LIB_FILE_H
#define BTPAIR_LIB_FILE_H

#include <stdbool.h>
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

/* Why a text file (serial.conf, a PIN file) was refused: the line, from 1
 * (0: the file as a whole), and what is wrong there; never a secret the
 * line holds. */
struct file_error {
	unsigned int line;
	char msg[160];
};

/* Set err to line and the formatted message; returns -EINVAL. */
int file_error_set(struct file_error *err, unsigned int line, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));

/* fsync(2) the directory dir. */
int file_fsync_dir(const char *dir);

/* mkdir -p, with mode for each directory it makes; the parent of each is
 * fsynced, so that a crash does not lose the way to a file saved below. */
int file_make_dirs(const char *path, mode_t mode);

/* prefix and six random letters or digits into name (size bytes, at least
 * strlen(prefix) + 7), as mkstemp would choose them. */
void file_temp_name(const char *prefix, char *name, size_t size);

/*
 * A new file in dfd holding text (len bytes) with mode, written and
 * fsynced: unnamed (name "") unless named or the file system has no
 * O_TMPFILE, else by a fresh file_temp_name(prefix) in name. Returns its fd
 * or -errno (nothing left behind).
 */
int file_write_temp(int dfd, const char *prefix, const char *text, size_t len,
		    mode_t mode, bool named, char *name, size_t size);

/*
 * Replace (or make) dir/name with text, atomically: a new file of that mode
 * written and fsynced under a temporary name, renamed over name, and dir
 * fsynced. A crash leaves the old file or the new one, never a torn one
 * (at worst a ".NAME.XXXXXX" beside it). dir must exist.
 */
int file_replace(const char *dir, const char *name, const char *text,
		 size_t len, mode_t mode);

/* A non-blocking, close-on-exec socket of the address family domain, bound
 * to addr (len bytes): the fd, or -errno. */
int file_socket_bound(int domain, int type, int protocol, const void *addr,
		      socklen_t len);

/* recv(2), again after EINTR: the count (0 at the end), or -errno
 * (-EAGAIN when a non-blocking socket has nothing now). */
ssize_t file_recv(int fd, void *buf, size_t len, int flags);

#endif
