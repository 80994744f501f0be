#include "keystore/keystore.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/file.h"
#include "mgmt/addr.h"

/* An info file is small; anything bigger is not one of bluetoothd's. */
#define INFO_MAX_SIZE (1024 * 1024)
#define GROUP "LinkKey"

const char *keystore_dir(const char *opt)
{
	const char *env = getenv("BTPAIR_KEYSTORE");

	if (opt && *opt)
		return opt;
	if (env && *env)
		return env;
	return KEYSTORE_DEFAULT_DIR;
}

/* ---- The INI text ---------------------------------------------------- */

enum line_kind {
	LINE_OTHER, /* blank or comment */
	LINE_GROUP,
	LINE_KEY,
};

struct line {
	const char *start;
	size_t len;  /* without the newline */
	size_t full; /* with it */
	enum line_kind kind;
	const char *name; /* group name or key, not NUL-terminated */
	size_t name_len;
	const char *value; /* for LINE_KEY */
	size_t value_len;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Classify one line; returns false if it is neither blank, comment, group
 * header nor key=value. */
static bool classify(struct line *l)
{
	const char *s = l->start, *e = l->start + l->len, *eq;

	while (s < e && is_blank(*s))
		s++;
	while (e > s && is_blank(e[-1]))
		e--;
	l->kind = LINE_OTHER;
	if (s == e || *s == '#')
		return true;
	if (*s == '[') {
		if (e[-1] != ']' || e - s < 3)
			return false;
		l->kind = LINE_GROUP;
		l->name = s + 1;
		l->name_len = (size_t)(e - s - 2);
		return true;
	}
	eq = memchr(s, '=', (size_t)(e - s));
	if (!eq || eq == s)
		return false;
	l->kind = LINE_KEY;
	l->name = s;
	l->name_len = (size_t)(eq - s);
	while (l->name_len && is_blank(s[l->name_len - 1]))
		l->name_len--;
	l->value = eq + 1;
	while (l->value < e && is_blank(*l->value))
		l->value++;
	l->value_len = (size_t)(e - l->value);
	return true;
}

/*
 * Split text into lines. Returns the count, or -EBADMSG when the text is not
 * an INI file (a NUL byte, a line of neither kind, a key before any group).
 */
static int split_lines(const char *text, size_t len, struct line **out)
{
	struct line *lines = NULL;
	size_t n = 0, cap = 0, pos = 0;
	bool in_group = false;

	if (memchr(text, '\0', len))
		return -EBADMSG;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;
		struct line *line;

		if (n == cap) {
			struct line *nb;

			cap = cap ? cap * 2 : 32;
			nb = realloc(lines, cap * sizeof(*lines));
			if (!nb) {
				free(lines);
				return -ENOMEM;
			}
			lines = nb;
		}
		line = &lines[n++];
		memset(line, 0, sizeof(*line));
		line->start = text + pos;
		line->len = l;
		line->full = nl ? l + 1 : l;
		if (!classify(line) || (line->kind == LINE_KEY && !in_group)) {
			free(lines);
			return -EBADMSG;
		}
		if (line->kind == LINE_GROUP)
			in_group = true;
		pos += line->full;
	}
	*out = lines;
	return (int)n;
}

static bool named(const struct line *l, const char *name)
{
	return l->name_len == strlen(name) &&
	       memcmp(l->name, name, l->name_len) == 0;
}

/* Whether l is inside the group name, *in telling whether the lines
 * before it were: a group line starts or ends it. */
static bool in_group(const struct line *l, const char *name, bool *in)
{
	if (l->kind == LINE_GROUP)
		*in = named(l, name);
	return *in;
}

static int count_groups(const struct line *lines, int n)
{
	int count = 0;

	for (int i = 0; i < n; i++)
		if (lines[i].kind == LINE_GROUP && named(&lines[i], GROUP))
			count++;
	return count;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* A decimal value in [0, max]; false for anything else. */
static bool parse_small(const char *s, size_t len, unsigned int max,
			unsigned int *out)
{
	unsigned int v = 0;

	if (len == 0 || len > 3)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

int keystore_parse(const char *text, size_t len, struct mgmt_link_key *key)
{
	const struct line *k = NULL, *t = NULL, *p = NULL;
	struct line *lines;
	bool in = false;
	unsigned int type, pin_len = 0;
	const char *v;
	size_t vlen;
	int n;

	n = split_lines(text, len, &lines);
	if (n < 0)
		return n;
	if (count_groups(lines, n) > 1) {
		free(lines); /* which of two keys is meant? neither */
		return -EBADMSG;
	}
	for (int i = 0; i < n; i++) {
		if (lines[i].kind == LINE_GROUP)
			in = named(&lines[i], GROUP);
		else if (in && lines[i].kind == LINE_KEY) {
			/* The last of duplicates wins, as in GKeyFile. */
			if (named(&lines[i], "Key"))
				k = &lines[i];
			else if (named(&lines[i], "Type"))
				t = &lines[i];
			else if (named(&lines[i], "PINLength"))
				p = &lines[i];
		}
	}
	if (!k) {
		free(lines);
		return -ENOENT;
	}
	v = k->value;
	vlen = k->value_len;
	if (vlen >= 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
		v += 2;
		vlen -= 2;
	}
	if (vlen != 2 * MGMT_LINK_KEY_LEN || !t ||
	    !parse_small(t->value, t->value_len, MGMT_KEY_AUTH_P256, &type) ||
	    (p && !parse_small(p->value, p->value_len, MGMT_PIN_MAX_LEN,
			       &pin_len))) {
		free(lines);
		return -EBADMSG;
	}
	for (size_t i = 0; i < MGMT_LINK_KEY_LEN; i++) {
		int hi = hexval(v[2 * i]), lo = hexval(v[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(lines);
			explicit_bzero(key->val, sizeof(key->val));
			return -EBADMSG;
		}
		key->val[i] = (uint8_t)(hi << 4 | lo);
	}
	key->type = (uint8_t)type;
	key->pin_len = (uint8_t)pin_len;
	free(lines);
	return 0;
}

int keystore_parse_name(const char *text, size_t len, char *name, size_t size)
{
	const struct line *found = NULL;
	struct line *lines;
	bool in = false;
	int n;

	if (!size)
		return -EINVAL;
	name[0] = '\0';
	n = split_lines(text, len, &lines);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		if (lines[i].kind == LINE_GROUP)
			in = named(&lines[i], "General");
		else if (in && lines[i].kind == LINE_KEY &&
			 named(&lines[i], "Name"))
			found = &lines[i];
	}
	if (found) {
		size_t l = found->value_len < size - 1 ? found->value_len :
							 size - 1;

		memcpy(name, found->value, l);
		name[l] = '\0';
	}
	free(lines);
	return found ? 0 : -ENOENT;
}

/* "Key=...\n" and friends for key; which: 0 Key, 1 Type, 2 PINLength. */
static void put_key_line(struct buf *b, const struct mgmt_link_key *key,
			 int which)
{
	char line[64];

	switch (which) {
	case 0:
		memcpy(line, "Key=", 4);
		for (size_t i = 0; i < MGMT_LINK_KEY_LEN; i++)
			snprintf(line + 4 + 2 * i, 3, "%02X", key->val[i]);
		line[4 + 2 * MGMT_LINK_KEY_LEN] = '\n';
		buf_put(b, line, 4 + 2 * MGMT_LINK_KEY_LEN + 1);
		explicit_bzero(line, sizeof(line));
		break;
	case 1:
		snprintf(line, sizeof(line), "Type=%u\n", key->type);
		buf_put_str(b, line);
		break;
	default:
		snprintf(line, sizeof(line), "PINLength=%u\n", key->pin_len);
		buf_put_str(b, line);
		break;
	}
}

static char *finish(struct buf *b, size_t *out_len)
{
	if (b->failed) {
		buf_wipe(b);
		errno = ENOMEM;
		return NULL;
	}
	if (!b->data)
		buf_put(b, "", 0);
	*out_len = b->len;
	return b->data;
}

char *keystore_update_text(const char *text, size_t len,
			   const struct mgmt_link_key *key, size_t *out_len)
{
	static const char *const names[] = { "Key", "Type", "PINLength" };
	struct buf b = { 0 };
	struct line *lines = NULL;
	bool in = false, found = false, written[3] = { false };
	int n = split_lines(text, len, &lines), group_end = -1;

	if (n < 0) {
		errno = -n;
		return NULL;
	}
	if (count_groups(lines, n) > 1) {
		free(lines);
		errno = EBADMSG;
		return NULL;
	}
	/* Where the LinkKey group's last key line is: missing keys go after
	 * it, before any blank lines that separate the next group. */
	for (int i = 0; i < n; i++) {
		if (in_group(&lines[i], GROUP, &in)) {
			found = true;
			if (lines[i].kind != LINE_OTHER)
				group_end = i;
		}
	}
	in = false;
	for (int i = 0; i < n; i++) {
		const struct line *l = &lines[i];
		bool replaced = false;

		if (l->kind == LINE_GROUP)
			in = named(l, GROUP);
		if (in && l->kind == LINE_KEY) {
			for (int w = 0; w < 3; w++) {
				if (!named(l, names[w]))
					continue;
				/* One line per key: duplicates go. */
				if (!written[w])
					put_key_line(&b, key, w);
				written[w] = true;
				replaced = true;
			}
		}
		if (!replaced) {
			buf_put(&b, l->start, l->len);
			if (l->full > l->len)
				buf_put(&b, "\n", 1);
			else if (i == group_end)
				buf_put(&b, "\n", 1); /* last line had none */
		}
		if (i == group_end)
			for (int w = 0; w < 3; w++)
				if (!written[w]) {
					put_key_line(&b, key, w);
					written[w] = true;
				}
	}
	if (!found) {
		if (b.len && b.data[b.len - 1] != '\n')
			buf_put(&b, "\n", 1);
		if (b.len)
			buf_put(&b, "\n", 1);
		buf_put_str(&b, "[" GROUP "]\n");
		for (int w = 0; w < 3; w++)
			put_key_line(&b, key, w);
	}
	free(lines);
	return finish(&b, out_len);
}

char *keystore_remove_text(const char *text, size_t len, size_t *out_len)
{
	struct buf b = { 0 };
	struct line *lines = NULL;
	bool in = false, found = false;
	int n = split_lines(text, len, &lines);

	if (n < 0) {
		errno = -n;
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		if (in_group(&lines[i], GROUP, &in)) {
			found = true;
			continue;
		}
		buf_put(&b, lines[i].start, lines[i].full);
	}
	free(lines);
	if (!found) {
		free(b.data);
		errno = ENOENT;
		return NULL;
	}
	return finish(&b, out_len);
}

/* A name a file can hold on one line: printable, no control bytes. */
static bool storable_name(const char *name)
{
	if (!name[0])
		return false;
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return false;
	return true;
}

/* ---- Files ----------------------------------------------------------- */

/*
 * How a device's info file changes. btpair's writers take an exclusive
 * flock(2) on the controller directory, then read info, change the text
 * read (only the [LinkKey] group) and put the result in place of the file
 * read. Whatever was there is read under the lock, so one btpair never
 * undoes another's change.
 *
 * bluetoothd takes no lock: it writes info.XXXXXX and renames it over info.
 * Just before the rename btpair checks that info is still the file it read
 * (the fd it read stays open, so its inode number cannot be reused), and
 * renames with RENAME_EXCHANGE: the name of the new file then holds the
 * file that was info, and if that is not the one read, bluetoothd renamed
 * its own over info in the moment between the check and the rename. Its
 * file is put back and the read starts over, so its change is not undone.
 * What is left: for the few microseconds between the two exchanges info
 * holds btpair's text without that change, and a writer that reads it
 * then, or a crash then, loses it.
 *
 * A new file is made unnamed (O_TMPFILE) and written and fsynced before it
 * gets a name: a crash while a key is written leaves nothing. When there is
 * no info it is linked as info itself. Otherwise it is linked as
 * .info.XXXXXX and exchanged with info, and the file that was info keeps
 * that name until it is deleted a moment later: a crash in those few system
 * calls leaves one such file. Where O_TMPFILE is not supported the new file
 * has that name from the start. Such files are btpair's alone, and a save
 * or a remove deletes any it finds in the device's directory.
 */

#define TEMP_PREFIX ".info."
/* How often a save or remove reads again when another writer changed the
 * file under it, before it gives up with -EAGAIN. */
#define TRIES 256

/*
 * Before try i (from 0) of a save or remove that another writer keeps
 * beating: nothing for the first few, then a pause of up to i * 100 us
 * (at most 6.4 ms), varied, so that a writer that rewrites the file in a
 * tight loop cannot win every one of the 256 tries.
 */
static void pause_before(int i)
{
	struct timespec ts = { 0, 0 };
	int span = i < 64 ? i : 64;

	if (i < 8)
		return;
	ts.tv_nsec = (long)(rand() % (span * 100 + 1)) * 1000;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Read a whole small file. -ENOENT if absent. */
static int read_file(const char *path, char **text, size_t *len)
{
	return file_read_path(path, O_NOFOLLOW, INFO_MAX_SIZE, -EBADMSG, text,
			      len);
}

/*
 * The next entry of d: 1 with *de set, 0 at the end, or -errno. A read error
 * must not pass for the end: `keys load` would hand the kernel a list with
 * keys missing, and Load Link Keys replaces the whole list.
 */
static int next_entry(DIR *d, struct dirent **de)
{
	errno = 0;
	*de = readdir(d);
	if (*de)
		return 1;
	return errno ? -errno : 0;
}

/* A device directory, opened under the lock of its controller's. */
struct device {
	int cfd, dfd;
	char name[BT_ADDR_STRLEN];
	bool made; /* by this call: the controller directory changed */
};

static void close_device(struct device *d)
{
	if (d->dfd >= 0)
		close(d->dfd);
	if (d->cfd >= 0)
		close(d->cfd); /* and the lock goes with it */
}

/*
 * The controller directory dir/<ctrl>, opened and locked into *cfd, made
 * with the store above it if create. The lock is on the directory itself:
 * no lock file to leave behind, and btpair never removes a controller
 * directory. Someone else may have, or put another in its place, while
 * this waited: the lock is only good on the directory the path names.
 */
static int lock_ctrl(const char *dir, const bdaddr_t *ctrl, bool create,
		     int *cfd)
{
	char cdir[PATH_MAX], c[BT_ADDR_STRLEN];
	struct stat locked, now;
	int fd, err;

	if ((size_t)snprintf(cdir, sizeof(cdir), "%s/%s", dir,
			     bt_addr_format(ctrl, c)) >= sizeof(cdir))
		return -ENAMETOOLONG;
	for (int i = 0; i < TRIES; i++) {
		if (create) {
			err = file_make_dirs(cdir, 0700);
			if (err < 0)
				return err;
		}
		fd = open(cdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		while ((err = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
			;
		if (err == 0 && fstat(fd, &locked) == 0) {
			if (stat(cdir, &now) == 0 &&
			    now.st_dev == locked.st_dev &&
			    now.st_ino == locked.st_ino) {
				*cfd = fd;
				return 0;
			}
			/* Removed or replaced while this waited: the next
			 * open tells which. */
			close(fd);
			continue;
		}
		err = -errno;
		close(fd);
		return err;
	}
	return -EAGAIN;
}

static int open_device(const char *dir, const bdaddr_t *ctrl,
		       const bdaddr_t *dev, bool create, struct device *d)
{
	int err;

	d->cfd = d->dfd = -1;
	d->made = false;
	bt_addr_format(dev, d->name);
	err = lock_ctrl(dir, ctrl, create, &d->cfd);
	if (err < 0)
		return err;
	if (create && mkdirat(d->cfd, d->name, 0700) == 0)
		d->made = true;
	else if (create && errno != EEXIST)
		err = -errno;
	if (err == 0) {
		d->dfd = openat(d->cfd, d->name,
				O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d->dfd < 0)
			err = -errno;
	}
	if (err < 0)
		close_device(d);
	return err;
}

/*
 * Delete the temporary files a crash (or an older btpair) left in the
 * device directory: each may hold a whole key. None of them is in use: a
 * btpair that makes one holds the lock until it is gone. Returns how many
 * went, or -errno.
 */
static int remove_temps(int dfd)
{
	struct dirent *de;
	int fd, err, n = 0;
	DIR *d;

	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		err = -errno;
		close(fd);
		return err;
	}
	while ((err = next_entry(d, &de)) == 1) {
		/* One that cannot go (a directory by that name, say) must
		 * not stop the save or the remove. */
		if (!strncmp(de->d_name, TEMP_PREFIX, strlen(TEMP_PREFIX)) &&
		    unlinkat(dfd, de->d_name, 0) == 0)
			n++;
	}
	closedir(d);
	return err < 0 ? err : n;
}

/* The info file as it was read: its text (NULL when there was none) and an
 * fd held open on it, so that no other file can take its inode number
 * while the two are compared. */
struct seen {
	int fd;
	struct stat st;
	char *text;
	size_t len;
};

static void seen_free(struct seen *s)
{
	if (s->text) {
		explicit_bzero(s->text, s->len);
		free(s->text);
	}
	if (s->fd >= 0)
		close(s->fd);
}

static int read_info(int dfd, struct seen *s)
{
	int err;

	*s = (struct seen){ .fd = -1 };
	s->fd = openat(dfd, "info", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (s->fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(s->fd, &s->st) < 0)
		err = -errno;
	else if (!S_ISREG(s->st.st_mode))
		err = -EBADMSG;
	else if (s->st.st_size < 0 || s->st.st_size > INFO_MAX_SIZE)
		err = -EFBIG;
	else
		err = file_read_fd(s->fd, INFO_MAX_SIZE, &s->text, &s->len);
	return err;
}

/* Whether info is still the file s read, or still absent: 1, 0 when it is
 * not, or -errno. */
static int info_unchanged(int dfd, const struct seen *s)
{
	struct stat st;

	if (fstatat(dfd, "info", &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? s->fd < 0 : -errno;
	return s->fd >= 0 && st.st_dev == s->st.st_dev &&
	       st.st_ino == s->st.st_ino && st.st_size == s->st.st_size &&
	       st.st_ctim.tv_sec == s->st.st_ctim.tv_sec &&
	       st.st_ctim.tv_nsec == s->st.st_ctim.tv_nsec;
}

/* Whether name in dfd is the file s read. */
static bool is_seen(int dfd, const char *name, const struct seen *s)
{
	struct stat st;

	return s->fd >= 0 &&
	       fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       st.st_dev == s->st.st_dev && st.st_ino == s->st.st_ino;
}

/* A new file in dfd holding text, 0600 (file_write_temp), its name, if it has
 * one, a fresh .info.XXXXXX. */
static int write_temp(int dfd, const char *text, size_t len, bool named,
		      char name[static 16])
{
	return file_write_temp(dfd, TEMP_PREFIX, text, len, 0600, named, name,
			       16);
}

static void temp_name(char name[static 16])
{
	file_temp_name(TEMP_PREFIX, name, 16);
}

/* Give the unnamed file fd the name name in dfd: -EEXIST if it is taken. */
static int link_temp(int fd, int dfd, const char *name)
{
	char proc[32];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, dfd, name, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != ENOENT)
		return -errno;
	/* No /proc: AT_EMPTY_PATH does without, given CAP_DAC_READ_SEARCH. */
	if (linkat(fd, "", dfd, name, AT_EMPTY_PATH) == 0)
		return 0;
	return -errno;
}

/* Whether renameat2 failed for want of the flag's support. */
static bool no_flag_support(int err)
{
	return err == EINVAL || err == ENOSYS;
}

/* The named temporary file name in place of info when s saw none. */
static int rename_new(int dfd, const char *name, const struct seen *s)
{
	int err = 0;

	if (renameat2(dfd, name, dfd, "info", RENAME_NOREPLACE) == 0)
		return 0;
	if (no_flag_support(errno)) {
		err = info_unchanged(dfd, s);
		if (err == 1 && renameat(dfd, name, dfd, "info") == 0)
			return 0;
		/* Another writer made info meanwhile: read it again. */
		if (err == 0) {
			unlinkat(dfd, name, 0);
			return -EAGAIN;
		}
	}
	if (err == 0)
		err = errno == EEXIST ? -EAGAIN : -errno;
	else if (err == 1)
		err = -errno;
	unlinkat(dfd, name, 0);
	return err;
}

/* Whether name in dfd is the file st describes. */
static bool is_file(int dfd, const char *name, const struct stat *st)
{
	struct stat now;

	return fstatat(dfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
	       now.st_dev == st->st_dev && now.st_ino == st->st_ino;
}

/* The named temporary file name (mine) in place of the info file s
 * read. */
static int rename_over(int dfd, const char *name, const struct seen *s,
		       const struct stat *mine)
{
	int err = info_unchanged(dfd, s);

	/* The last look, as close to the rename as it can be. */
	if (err <= 0) {
		unlinkat(dfd, name, 0);
		return err ? err : -EAGAIN;
	}
	if (renameat2(dfd, name, dfd, "info", RENAME_EXCHANGE) == 0) {
		if (is_seen(dfd, name, s)) {
			unlinkat(dfd, name, 0);
			return 0;
		}
		/* Another writer's file: back in its place, ours goes. If
		 * it wrote again meanwhile, over ours, that newer file is
		 * what comes back instead, and the one it replaced goes. */
		renameat2(dfd, name, dfd, "info", RENAME_EXCHANGE);
		if (!is_file(dfd, name, mine))
			renameat2(dfd, name, dfd, "info", RENAME_EXCHANGE);
		unlinkat(dfd, name, 0);
		return -EAGAIN;
	}
	/* No exchange here: the look before the rename is all there is. */
	if (no_flag_support(errno) && renameat(dfd, name, dfd, "info") == 0)
		return 0;
	err = errno == ENOENT ? -EAGAIN : -errno;
	unlinkat(dfd, name, 0);
	return err;
}

/*
 * text in place of the info file s read (or of none). Returns 0, -EAGAIN
 * when info is no longer what s read (read again and start over), or
 * -errno.
 */
static int replace_info(int dfd, const struct seen *s, const char *text,
			size_t len)
{
	bool named = false;
	struct stat mine;
	char name[16];
	int fd, err;

	for (;;) {
		fd = write_temp(dfd, text, len, named, name);
		if (fd < 0)
			return fd;
		if (fstat(fd, &mine) < 0) {
			err = -errno;
			close(fd);
			if (name[0])
				unlinkat(dfd, name, 0);
			return err;
		}
		if (name[0]) {
			close(fd);
			break;
		}
		if (s->fd < 0) {
			/* No info yet: the file takes that name itself, if
			 * nobody took it meanwhile, and is never a temp. */
			err = link_temp(fd, dfd, "info");
			close(fd);
			if (err == -EEXIST)
				return -EAGAIN;
			if (err == 0)
				return 0;
		} else {
			for (int i = 0; i < 100; i++) {
				temp_name(name);
				err = link_temp(fd, dfd, name);
				if (err != -EEXIST)
					break;
			}
			close(fd);
			if (err == 0)
				break;
		}
		/* It cannot be named here (no /proc, no capability): a
		 * named file from the start, then. */
		if (named)
			return err;
		named = true;
	}
	return s->fd < 0 ? rename_new(dfd, name, s) :
			   rename_over(dfd, name, s, &mine);
}

/*
 * Delete the info file s read: moved aside to a temporary name first, so
 * that another writer's file renamed over it meanwhile is not deleted but
 * put back (-EAGAIN: read again).
 */
static int unlink_info(int dfd, const struct seen *s)
{
	char name[16];
	int err = info_unchanged(dfd, s);

	if (err <= 0)
		return err ? err : -EAGAIN;
	for (int i = 0; i < 100; i++) {
		temp_name(name);
		err = renameat2(dfd, "info", dfd, name, RENAME_NOREPLACE);
		if (err == 0 || errno != EEXIST)
			break;
	}
	if (err < 0 && no_flag_support(errno))
		return unlinkat(dfd, "info", 0) < 0 ? -errno : 0;
	if (err < 0)
		return errno == ENOENT ? -EAGAIN : -errno;
	if (is_seen(dfd, name, s))
		return unlinkat(dfd, name, 0) < 0 ? -errno : 0;
	if (renameat2(dfd, name, dfd, "info", RENAME_NOREPLACE) < 0)
		unlinkat(dfd, name, 0);
	return -EAGAIN;
}

int keystore_save(const char *dir, const bdaddr_t *ctrl,
		  const struct mgmt_link_key *key)
{
	struct device d;
	struct seen s;
	size_t len;
	char *text;
	int err;

	err = open_device(dir, ctrl, &key->addr.bdaddr, true, &d);
	if (err < 0)
		return err;
	err = remove_temps(d.dfd);
	for (int i = 0; err >= 0 && i < TRIES; i++) {
		err = read_info(d.dfd, &s);
		if (err == 0) {
			text = keystore_update_text(s.text ? s.text : "", s.len,
						    key, &len);
			err = text ? replace_info(d.dfd, &s, text, len) :
				     -errno;
			if (text) {
				explicit_bzero(text, len);
				free(text);
			}
		}
		seen_free(&s);
		if (err != -EAGAIN || i + 1 == TRIES)
			break;
		err = 0;
		pause_before(i + 1);
	}
	/* Every directory that changed, whatever else failed. */
	if (fsync(d.dfd) < 0 && err >= 0)
		err = -errno;
	if (d.made && fsync(d.cfd) < 0 && err >= 0)
		err = -errno;
	close_device(&d);
	return err < 0 ? err : 0;
}

/* Whether text is nothing but blank lines. */
static bool blank(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)text[i]))
			return false;
	return true;
}

int keystore_remove(const char *dir, const bdaddr_t *ctrl, const bdaddr_t *dev)
{
	struct device d;
	bool gone = false;
	struct seen s;
	size_t len;
	char *text;
	int err;

	err = open_device(dir, ctrl, dev, false, &d);
	if (err < 0)
		return err;
	err = remove_temps(d.dfd);
	for (int i = 0; err >= 0 && i < TRIES; i++) {
		text = NULL;
		err = read_info(d.dfd, &s);
		if (err == 0 && s.fd < 0) {
			err = -ENOENT;
			gone = true;
		} else if (err == 0) {
			text = keystore_remove_text(s.text, s.len, &len);
			if (!text)
				err = -errno;
		}
		if (text && blank(text, len)) {
			/* Nothing but the key was ours to keep: leave no
			 * trace. */
			err = unlink_info(d.dfd, &s);
			gone = err == 0;
		} else if (text) {
			err = replace_info(d.dfd, &s, text, len);
		}
		if (text) {
			explicit_bzero(text, len);
			free(text);
		}
		seen_free(&s);
		if (err != -EAGAIN || i + 1 == TRIES)
			break;
		err = 0;
		pause_before(i + 1);
	}
	/* The directory goes too if nothing is left in it: a file someone
	 * else put there keeps it. Either way, what changed is fsynced. */
	if (gone && unlinkat(d.cfd, d.name, AT_REMOVEDIR) == 0) {
		if (fsync(d.cfd) < 0 && err >= 0)
			err = -errno;
	} else if (fsync(d.dfd) < 0 && err >= 0) {
		err = -errno;
	}
	close_device(&d);
	return err < 0 ? err : 0;
}

/* Addresses in the order they read: most significant byte first. */
static int cmp_addr(const bdaddr_t *x, const bdaddr_t *y)
{
	for (int i = 5; i >= 0; i--)
		if (x->b[i] != y->b[i])
			return x->b[i] < y->b[i] ? -1 : 1;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct keystore_entry *x = a, *y = b;
	int c = cmp_addr(&x->controller, &y->controller);

	return c ? c : cmp_addr(&x->key.addr.bdaddr, &y->key.addr.bdaddr);
}

/* Append the key of one device directory, if it has a usable one. */
/* The name bluetoothd's name cache (CDIR/cache/DEV) holds for dev, into
 * name; "" when it has none. */
static void cached_name(const char *cdir, const char *dev, char *name,
			size_t size)
{
	char path[PATH_MAX], *text;
	size_t len;

	name[0] = '\0';
	if ((size_t)snprintf(path, sizeof(path), "%s/cache/%s", cdir, dev) >=
		    sizeof(path) ||
	    read_file(path, &text, &len) < 0)
		return;
	keystore_parse_name(text, len, name, size);
	free(text);
}

int keystore_save_name(const char *dir, const bdaddr_t *ctrl,
		       const bdaddr_t *dev, const char *name)
{
	char cache[PATH_MAX], path[PATH_MAX + 20], c[BT_ADDR_STRLEN],
		d[BT_ADDR_STRLEN], tmp[32], *text;
	struct buf b = { 0 };
	size_t len;
	int err, cfd, fd;

	if (!storable_name(name))
		return -EINVAL;
	bt_addr_format(ctrl, c);
	bt_addr_format(dev, d);
	if ((size_t)snprintf(cache, sizeof(cache), "%s/%s/cache", dir, c) >=
	    sizeof(cache))
		return -ENAMETOOLONG;
	snprintf(path, sizeof(path), "%s/%s", cache, d);
	/* A file there is bluetoothd's (or an earlier save's): it is never
	 * replaced, so that nothing bluetoothd writes to it is undone. */
	if (access(path, F_OK) == 0 || errno != ENOENT)
		return 0;
	buf_put_str(&b, "[General]\nName=");
	buf_put_str(&b, name);
	buf_put(&b, "\n", 1);
	text = finish(&b, &len);
	if (!text)
		return -errno;
	err = file_make_dirs(cache, 0700);
	cfd = err < 0 ? err :
			open(cache,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cfd < 0) {
		free(text);
		return err < 0 ? err : -errno;
	}
	fd = file_write_temp(cfd, ".name.", text, len, 0600, true, tmp,
			     sizeof(tmp));
	free(text);
	err = fd < 0 ? fd : 0;
	if (fd >= 0) {
		close(fd);
		/* link(2), unlike rename(2), never replaces what came
		 * meanwhile. */
		if (linkat(cfd, tmp, cfd, d, 0) < 0 && errno != EEXIST)
			err = -errno;
		unlinkat(cfd, tmp, 0);
		if (fsync(cfd) < 0 && !err)
			err = -errno;
	}
	close(cfd);
	return err;
}

static int list_device(const char *cdir, const bdaddr_t *ctrl, const char *name,
		       struct keystore_entry **entries, size_t *count,
		       size_t *cap, keystore_warn_fn warn, void *data)
{
	char path[PATH_MAX], *text;
	struct keystore_entry e = { .controller = *ctrl };
	size_t len;
	int err;

	if (bt_addr_parse(name, &e.key.addr.bdaddr) < 0)
		return 0; /* not a device: bluetoothd keeps "cache" etc. here */
	e.key.addr.type = MGMT_ADDR_BREDR;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s/info", cdir, name) >=
	    sizeof(path))
		return 0;
	err = read_file(path, &text, &len);
	if (err == -ENOENT)
		return 0;
	if (err < 0) {
		if (warn)
			warn(data, path, strerror(-err));
		return 0;
	}
	err = keystore_parse(text, len, &e.key);
	if (err == 0)
		keystore_parse_name(text, len, e.name, sizeof(e.name));
	explicit_bzero(text, len);
	free(text);
	if (err == 0 && !e.name[0])
		cached_name(cdir, name, e.name, sizeof(e.name));
	if (err == -ENOENT)
		return 0; /* a device known without a link key (LE, say) */
	if (err < 0) {
		if (warn)
			warn(data, path,
			     "malformed (not an INI file, or a bad "
			     "[LinkKey] group)");
		return 0;
	}
	if (*count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct keystore_entry *n = realloc(*entries, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		*entries = n;
		*cap = ncap;
	}
	(*entries)[(*count)++] = e;
	explicit_bzero(&e, sizeof(e));
	return 0;
}

int keystore_walk(const char *dir, const bdaddr_t *ctrl, keystore_walk_fn fn,
		  void *data)
{
	struct dirent *ce;
	DIR *top;
	int err;

	top = opendir(dir);
	if (!top)
		return errno == ENOENT ? 0 : -errno;
	while ((err = next_entry(top, &ce)) == 1) {
		char cdir[PATH_MAX];
		struct dirent *de;
		bdaddr_t c;
		DIR *cd;

		if (bt_addr_parse(ce->d_name, &c) < 0)
			continue;
		if (ctrl && !bt_addr_equal(ctrl, &c))
			continue;
		if ((size_t)snprintf(cdir, sizeof(cdir), "%s/%s", dir,
				     ce->d_name) >= sizeof(cdir))
			continue;
		err = fn(data, cdir, &c, NULL);
		if (err)
			break;
		cd = opendir(cdir);
		if (!cd) {
			/* Gone since, or a file by that name: no keys there.
			 * Anything else hides keys that are there. */
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			err = -errno;
			break;
		}
		while ((err = next_entry(cd, &de)) == 1) {
			err = fn(data, cdir, &c, de->d_name);
			if (err)
				break;
		}
		closedir(cd);
		if (err)
			break;
	}
	closedir(top);
	return err;
}

struct lister {
	struct keystore_entry *list;
	size_t n, cap;
	keystore_warn_fn warn;
	void *data;
};

static int list_one(void *data, const char *cdir, const bdaddr_t *ctrl,
		    const char *name)
{
	struct lister *l = data;

	if (!name)
		return 0;
	return list_device(cdir, ctrl, name, &l->list, &l->n, &l->cap, l->warn,
			   l->data);
}

int keystore_list(const char *dir, const bdaddr_t *ctrl,
		  struct keystore_entry **entries, size_t *count,
		  keystore_warn_fn warn, void *data)
{
	struct lister l = { .warn = warn, .data = data };
	int err = keystore_walk(dir, ctrl, list_one, &l);

	if (err) {
		keystore_entries_free(l.list, l.n);
		return err;
	}
	if (l.n)
		qsort(l.list, l.n, sizeof(*l.list), cmp_entry);
	*entries = l.list;
	*count = l.n;
	return 0;
}

void keystore_entries_free(struct keystore_entry *entries, size_t count)
{
	/* An empty list is NULL, and explicit_bzero takes no NULL even for
	 * zero bytes. */
	if (entries)
		explicit_bzero(entries, count * sizeof(*entries));
	free(entries);
}
