#include "keystore/keystore.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* ---- Files ----------------------------------------------------------- */

/* DIR/<ctrl>/<dev> and its info file; -ENAMETOOLONG if they do not fit. */
static int device_paths(char ddir[static PATH_MAX], char path[static PATH_MAX],
			const char *dir, const bdaddr_t *ctrl,
			const bdaddr_t *dev)
{
	char c[BT_ADDR_STRLEN], d[BT_ADDR_STRLEN];
	int n;

	n = snprintf(ddir, PATH_MAX, "%s/%s/%s", dir, bt_addr_format(ctrl, c),
		     bt_addr_format(dev, d));
	if (n < 0 || n >= PATH_MAX - 5)
		return -ENAMETOOLONG;
	memcpy(path, ddir, (size_t)n);
	memcpy(path + n, "/info", 6);
	return 0;
}

/* mkdir -p with mode 0700 for what it creates. */
static int make_dirs(const char *path)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Read a whole small file. -ENOENT if absent. */
static int read_file(const char *path, char **text, size_t *len)
{
	return file_read_path(path, O_NOFOLLOW, INFO_MAX_SIZE, -EBADMSG, text,
			      len);
}

static int fsync_dir(const char *dir)
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

/* Replace dir/info with text: a temporary file, fsync, rename, fsync of
 * the directory. A crash leaves the old file or the new, never a mix. */
static int write_atomic(const char *dir, const char *text, size_t len)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	size_t done = 0;
	int fd, err = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/info", dir) >=
		    sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.info.XXXXXX", dir) >=
		    sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0600) < 0)
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
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	return fsync_dir(dir);
}

int keystore_save(const char *dir, const bdaddr_t *ctrl,
		  const struct mgmt_link_key *key)
{
	char ddir[PATH_MAX], path[PATH_MAX], *old = NULL, *text;
	size_t old_len = 0, len;
	int err;

	err = device_paths(ddir, path, dir, ctrl, &key->addr.bdaddr);
	if (err == 0)
		err = make_dirs(ddir);
	if (err < 0)
		return err;
	err = read_file(path, &old, &old_len);
	if (err == -ENOENT) {
		old = NULL;
		old_len = 0;
	} else if (err < 0) {
		return err;
	}
	text = keystore_update_text(old ? old : "", old_len, key, &len);
	err = text ? 0 : -errno;
	if (old) {
		explicit_bzero(old, old_len);
		free(old);
	}
	if (err < 0)
		return err;
	err = write_atomic(ddir, text, len);
	explicit_bzero(text, len);
	free(text);
	return err;
}

int keystore_remove(const char *dir, const bdaddr_t *ctrl, const bdaddr_t *dev)
{
	char ddir[PATH_MAX], path[PATH_MAX], *old = NULL, *text;
	size_t old_len = 0, len;
	bool only_blank = true;
	int err;

	err = device_paths(ddir, path, dir, ctrl, dev);
	if (err == 0)
		err = read_file(path, &old, &old_len);
	if (err < 0)
		return err;
	text = keystore_remove_text(old, old_len, &len);
	err = text ? 0 : -errno;
	explicit_bzero(old, old_len);
	free(old);
	if (err < 0)
		return err;
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)text[i]))
			only_blank = false;
	if (only_blank) {
		/* Nothing but the key was ours to keep: leave no trace. */
		free(text);
		if (unlink(path) < 0)
			return -errno;
		rmdir(ddir); /* fails harmlessly if others put files there */
		return fsync_dir(dir);
	}
	err = write_atomic(ddir, text, len);
	free(text);
	return err;
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
