/* Reading a small file whole, bounded, and replacing one atomically
 * (lib/file.c). */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/file.h"

static char dir[] = "/tmp/check_file.XXXXXX";
static char path[64];

static void make_dir(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
}

static void remove_dir(void)
{
	char link[80];

	snprintf(link, sizeof(link), "%s/l", dir);
	unlink(link);
	unlink(path);
	rmdir(dir);
	strcpy(dir, "/tmp/check_file.XXXXXX");
}

static void write_file(const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

START_TEST(test_reads_whole_file)
{
	char *text = NULL;
	size_t len = 0;

	write_file("a=1\nb=2\n", 8);
	ck_assert_int_eq(file_read_path(path, 0, 100, -EBADMSG, &text, &len),
			 0);
	ck_assert_uint_eq(len, 8);
	ck_assert_str_eq(text, "a=1\nb=2\n");
	free(text);
}
END_TEST

START_TEST(test_empty_file)
{
	char *text = NULL;
	size_t len = 1;

	write_file("", 0);
	ck_assert_int_eq(file_read_path(path, 0, 100, -EBADMSG, &text, &len),
			 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(text, "");
	free(text);
}
END_TEST

/* At the bound is read; one byte over is too big. */
START_TEST(test_bound)
{
	char buf[101], *text = NULL;
	size_t len = 0;

	memset(buf, 'x', sizeof(buf));
	write_file(buf, 100);
	ck_assert_int_eq(file_read_path(path, 0, 100, -EBADMSG, &text, &len),
			 0);
	ck_assert_uint_eq(len, 100);
	ck_assert_uint_eq(strlen(text), 100);
	free(text);
	text = NULL;
	write_file(buf, 101);
	ck_assert_int_eq(file_read_path(path, 0, 100, -EBADMSG, &text, &len),
			 -EFBIG);
	ck_assert_ptr_null(text);
}
END_TEST

START_TEST(test_errors)
{
	char link[80], *text = NULL;
	size_t len = 0;

	ck_assert_int_eq(file_read_path(path, 0, 100, -EBADMSG, &text, &len),
			 -ENOENT);
	/* Not a regular file: the caller's own errno. */
	ck_assert_int_eq(file_read_path(dir, 0, 100, -EBADMSG, &text, &len),
			 -EBADMSG);
	ck_assert_int_eq(file_read_path(dir, 0, 100, -EFBIG, &text, &len),
			 -EFBIG);
	/* The caller's open flags apply. */
	write_file("x", 1);
	snprintf(link, sizeof(link), "%s/l", dir);
	ck_assert_int_eq(symlink(path, link), 0);
	ck_assert_int_eq(file_read_path(link, O_NOFOLLOW, 100, -EBADMSG, &text,
					&len),
			 -ELOOP);
	ck_assert_int_eq(file_read_path(link, 0, 100, -EBADMSG, &text, &len),
			 0);
	ck_assert_str_eq(text, "x");
	free(text);
}
END_TEST

/* A pipe: read to its end, at most max bytes. */
START_TEST(test_pipe)
{
	int p[2];
	char *text = NULL;
	size_t len = 0;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], "1234\n", 5), 5);
	close(p[1]);
	ck_assert_int_eq(file_read_fd(p[0], 10, &text, &len), 0);
	ck_assert_uint_eq(len, 5);
	ck_assert_str_eq(text, "1234\n");
	free(text);
	close(p[0]);

	text = NULL;
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], "12345678901", 11), 11);
	close(p[1]);
	ck_assert_int_eq(file_read_fd(p[0], 10, &text, &len), -EFBIG);
	ck_assert_ptr_null(text);
	close(p[0]);
}
END_TEST

/* A /proc file says size 0 and has more: read as a pipe is. */
START_TEST(test_proc_file)
{
	char *text = NULL;
	size_t len = 0;
	int fd = open("/proc/self/status", O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(file_read_fd(fd, 65536, &text, &len), 0);
	ck_assert_uint_gt(len, 0);
	ck_assert_ptr_nonnull(strstr(text, "Name:"));
	free(text);
	close(fd);
}
END_TEST

START_TEST(test_read_error)
{
	char *text = NULL;
	size_t len = 0;
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(file_read_fd(fd, 10, &text, &len), -EISDIR);
	ck_assert_ptr_null(text);
	close(fd);
}
END_TEST

/* A socket without blocking: nothing yet, data, then the end. */
START_TEST(test_recv)
{
	int sv[2];
	char buf[8];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(file_recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT),
			 -EAGAIN);
	ck_assert_int_eq(write(sv[1], "abc", 3), 3);
	ck_assert_int_eq(file_recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT), 3);
	ck_assert_int_eq(memcmp(buf, "abc", 3), 0);
	close(sv[1]);
	ck_assert_int_eq(file_recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT), 0);
	close(sv[0]);
	ck_assert_int_eq(file_recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT),
			 -EBADF);
}
END_TEST

START_TEST(test_socket_bound)
{
	/* An abstract name: nothing on disk. */
	struct sockaddr_un addr = { .sun_family = AF_UNIX,
				    .sun_path = "\0btpair-check-file" };
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + 19;
	int fd = file_socket_bound(AF_UNIX, SOCK_STREAM, 0, &addr, len);

	ck_assert_int_ge(fd, 0);
	ck_assert(fcntl(fd, F_GETFL) & O_NONBLOCK);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	/* The name taken: bind's error, and no fd left open. */
	ck_assert_int_eq(file_socket_bound(AF_UNIX, SOCK_STREAM, 0, &addr, len),
			 -EADDRINUSE);
	close(fd);
}
END_TEST

/* How many entries dir holds besides . and .. */
static int entries(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(dp);
	while ((de = readdir(dp)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(dp);
	return n;
}

/* Replace the file f with text and mode, and read it back. */
static void replace_and_check(const char *text, mode_t mode)
{
	struct stat st;
	char *got = NULL;
	size_t len = 0;

	ck_assert_int_eq(file_replace(dir, "f", text, strlen(text), mode), 0);
	ck_assert_int_eq(file_read_path(path, 0, 100, -EBADMSG, &got, &len), 0);
	ck_assert_str_eq(got, text);
	free(got);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, mode);
}

/* A file replaced whole, with the mode asked whatever the umask, and no
 * temporary file left beside it. */
START_TEST(test_replace)
{
	mode_t old = umask(077);

	replace_and_check("one\n", 0644);
	replace_and_check("two", 0600);
	ck_assert_int_eq(entries(dir), 1);
	/* No directory: nothing made, the error said. */
	ck_assert_int_eq(file_replace("/nonexistent/x", "f", "x", 1, 0644),
			 -ENOENT);
	umask(old);
}
END_TEST

/* mkdir -p with the mode asked for what it makes. */
START_TEST(test_make_dirs)
{
	char deep[96], mid[96];
	struct stat st;

	snprintf(mid, sizeof(mid), "%s/a", dir);
	snprintf(deep, sizeof(deep), "%s/a/b", dir);
	ck_assert_int_eq(file_make_dirs(deep, 0755), 0);
	ck_assert_int_eq(stat(deep, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	/* Again: nothing to do. */
	ck_assert_int_eq(file_make_dirs(deep, 0755), 0);
	write_file("x", 1);
	snprintf(deep, sizeof(deep), "%s/f/b", dir);
	ck_assert_int_eq(file_make_dirs(deep, 0755), -ENOTDIR);
	snprintf(deep, sizeof(deep), "%s/a/b", dir);
	rmdir(deep);
	rmdir(mid);
}
END_TEST

/* Temporary names: the prefix, six more characters, never a slash. */
START_TEST(test_temp_name)
{
	char a[16], b[16], small[8];

	file_temp_name(".info.", a, sizeof(a));
	file_temp_name(".info.", b, sizeof(b));
	ck_assert_uint_eq(strlen(a), 12);
	ck_assert(strncmp(a, ".info.", 6) == 0);
	ck_assert_ptr_null(strchr(a, '/'));
	ck_assert_str_ne(a, b);
	/* No room: an empty name, never a cut one. */
	file_temp_name(".info.", small, sizeof(small));
	ck_assert_str_eq(small, "");
}
END_TEST

static Suite *file_suite(void)
{
	Suite *s = suite_create("file");
	TCase *tc = tcase_create("read");

	tcase_add_checked_fixture(tc, make_dir, remove_dir);
	tcase_add_test(tc, test_reads_whole_file);
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_bound);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_pipe);
	tcase_add_test(tc, test_replace);
	tcase_add_test(tc, test_make_dirs);
	tcase_add_test(tc, test_temp_name);
	tcase_add_test(tc, test_proc_file);
	tcase_add_test(tc, test_read_error);
	tcase_add_test(tc, test_recv);
	tcase_add_test(tc, test_socket_bound);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(file_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
