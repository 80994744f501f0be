#include "serial/conf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/file.h"
#include "mgmt/addr.h"

/* Room for the tokens of one line: NAME, TARGET and the six keys. */
#define MAX_TOKENS 8
#define NKEYS 6

const char *serial_conf_path(const char *opt)
{
	const char *env;

	if (opt && *opt)
		return opt;
	env = getenv("BTPAIR_SERIAL_CONF");
	if (env && *env)
		return env;
	return SERIAL_CONF_DEFAULT_PATH;
}

bool serial_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > SERIAL_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

bool serial_group_valid(const char *group)
{
	size_t n = strlen(group);

	/* What useradd takes, digits alone (a gid) included; never a path
	 * or a user:group pair. */
	if (n == 0 || n > SERIAL_GROUP_MAX || group[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = group[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.' || (c == '$' && i == n - 1)))
			return false;
	}
	return true;
}

/* A decimal number in [min, max], nothing else (no sign, no spaces). */
static bool parse_num(const char *s, long min, long max, long *out)
{
	long v = 0;

	if (!*s || strlen(s) > 6)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (*p - '0');
	}
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

static void entry_free(struct serial_entry *e)
{
	free(e->pattern);
	free(e->pin_file);
	free(e->pty);
	free(e->group);
}

void serial_conf_free(struct serial_conf *conf)
{
	for (size_t i = 0; i < conf->count; i++)
		entry_free(&conf->entries[i]);
	free(conf->entries);
	conf->entries = NULL;
	conf->count = 0;
}

/* One KEY=VALUE of an entry; seen[] catches a key given twice. */
static int parse_key(struct serial_entry *e, char *tok, unsigned int line,
		     bool seen[NKEYS], struct file_error *err)
{
	static const char *const keys[NKEYS] = { "channel",    "pin-file",
						 "dev",	       "pty",
						 "controller", "group" };
	char *eq = strchr(tok, '=');
	const char *val;
	size_t k;
	long v;

	if (!eq || eq == tok)
		return file_error_set(err, line,
				      "malformed option '%.40s' (expected "
				      "KEY=VALUE)",
				      tok);
	*eq = '\0';
	val = eq + 1;
	for (k = 0; k < NKEYS; k++)
		if (strcmp(tok, keys[k]) == 0)
			break;
	if (k == NKEYS)
		return file_error_set(
			err, line,
			"unknown key '%.40s' (channel, "
			"pin-file, dev, pty, controller or group)",
			tok);
	if (seen[k])
		return file_error_set(err, line, "%s given twice", keys[k]);
	seen[k] = true;
	if (!*val)
		return file_error_set(err, line, "%s needs a value", keys[k]);
	switch (k) {
	case 0:
		if (strcmp(val, "auto") == 0)
			e->channel = 0;
		else if (parse_num(val, 1, 30, &v))
			e->channel = (uint8_t)v;
		else
			return file_error_set(err, line,
					      "bad channel '%.40s' (1 to 30 "
					      "or auto)",
					      val);
		break;
	case 1:
		e->pin_file = strdup(val);
		if (!e->pin_file)
			return -ENOMEM;
		break;
	case 2:
		if (!parse_num(val, 0, 255, &v))
			return file_error_set(err, line,
					      "bad dev '%.40s' (0 to 255)",
					      val);
		e->dev = (int)v;
		break;
	case 3:
		if (val[0] != '/')
			return file_error_set(err, line,
					      "pty needs an absolute path, "
					      "not '%.40s'",
					      val);
		e->pty = strdup(val);
		if (!e->pty)
			return -ENOMEM;
		break;
	case 4:
		if (strncmp(val, "hci", 3) == 0)
			val += 3;
		if (!parse_num(val, 0, 0xfffe, &v))
			return file_error_set(err, line,
					      "bad controller '%.40s' (hciN "
					      "or N)",
					      eq + 1);
		e->controller = (int)v;
		break;
	case 5:
		if (!serial_group_valid(val))
			return file_error_set(
				err, line,
				"bad group '%.40s' (a group name or "
				"number)",
				val);
		e->group = strdup(val);
		if (!e->group)
			return -ENOMEM;
		break;
	}
	return 0;
}

/* One line's entry, tokens already split. */
static int parse_entry(struct serial_entry *e, char **tok, size_t n,
		       unsigned int line, struct file_error *err)
{
	bool seen[NKEYS] = { false };
	int ret;

	memset(e, 0, sizeof(*e));
	e->line = line;
	e->dev = -1;
	e->controller = -1;
	if (n < 2)
		return file_error_set(err, line,
				      "malformed line (expected NAME TARGET "
				      "[KEY=VALUE...])");
	if (!serial_name_valid(tok[0]))
		return file_error_set(err, line,
				      "bad NAME '%.40s' (1 to %d of "
				      "A-Z a-z 0-9 _ -)",
				      tok[0], SERIAL_NAME_MAX);
	strcpy(e->name, tok[0]);
	if (strncmp(tok[1], "name:", 5) == 0) {
		if (!tok[1][5])
			return file_error_set(err, line,
					      "name: needs a pattern");
		e->by_name = true;
		e->pattern = strdup(tok[1] + 5);
		if (!e->pattern)
			return -ENOMEM;
	} else if (bt_addr_parse(tok[1], &e->addr) < 0) {
		return file_error_set(err, line,
				      "bad target '%.40s' (an address "
				      "XX:XX:XX:XX:XX:XX or name:PATTERN)",
				      tok[1]);
	}
	for (size_t i = 2; i < n; i++) {
		ret = parse_key(e, tok[i], line, seen, err);
		if (ret < 0)
			return ret;
	}
	if (e->pty && e->dev >= 0)
		return file_error_set(err, line,
				      "dev and pty exclude each other");
	if (e->group && !e->pty)
		return file_error_set(
			err, line,
			"group is the pty's: it needs pty= (a "
			"/dev/rfcommN is the udev rules' to set)");
	return 0;
}

/* Another entry's clash with e (same NAME, dev or pty). */
static int check_unique(const struct serial_conf *conf,
			const struct serial_entry *e, struct file_error *err)
{
	for (size_t i = 0; i < conf->count; i++) {
		const struct serial_entry *o = &conf->entries[i];

		if (strcmp(o->name, e->name) == 0)
			return file_error_set(err, e->line,
					      "duplicate NAME '%s' (first "
					      "on line %u)",
					      e->name, o->line);
		if (e->dev >= 0 && o->dev == e->dev)
			return file_error_set(err, e->line,
					      "dev=%d already taken by "
					      "'%s' on line %u",
					      e->dev, o->name, o->line);
		if (e->pty && o->pty && strcmp(e->pty, o->pty) == 0)
			return file_error_set(err, e->line,
					      "pty %.40s already taken by "
					      "'%s' on line %u",
					      e->pty, o->name, o->line);
	}
	return 0;
}

int serial_conf_parse(const char *text, size_t len, struct serial_conf *conf,
		      struct file_error *err)
{
	char *copy, *line, *next;
	unsigned int lineno = 0;
	size_t cap = 0;
	int ret = 0;

	conf->entries = NULL;
	conf->count = 0;
	err->line = 0;
	err->msg[0] = '\0';
	if (memchr(text, '\0', len)) {
		const char *nul = memchr(text, '\0', len);
		unsigned int at = 1;

		for (const char *p = text; p < nul; p++)
			at += *p == '\n';
		return file_error_set(err, at, "malformed line (a NUL byte)");
	}
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	for (line = copy; line; line = next) {
		char *tok[MAX_TOKENS + 1], *save = NULL, *t;
		struct serial_entry e;
		size_t n = 0;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		/* A comment runs from a '#' that starts a word. */
		for (char *p = line; *p; p++) {
			if (*p == '#' &&
			    (p == line || p[-1] == ' ' || p[-1] == '\t')) {
				*p = '\0';
				break;
			}
		}
		for (t = strtok_r(line, " \t\r", &save); t;
		     t = strtok_r(NULL, " \t\r", &save)) {
			if (n == MAX_TOKENS) {
				ret = file_error_set(err, lineno,
						     "malformed line (too "
						     "many words)");
				goto out;
			}
			tok[n++] = t;
		}
		if (n == 0)
			continue;
		ret = parse_entry(&e, tok, n, lineno, err);
		if (!ret)
			ret = check_unique(conf, &e, err);
		if (ret) {
			entry_free(&e);
			goto out;
		}
		if (conf->count == cap) {
			struct serial_entry *grown;

			cap = cap ? 2 * cap : 8;
			grown = realloc(conf->entries, cap * sizeof(*grown));
			if (!grown) {
				entry_free(&e);
				ret = -ENOMEM;
				goto out;
			}
			conf->entries = grown;
		}
		conf->entries[conf->count++] = e;
	}
out:
	free(copy);
	if (ret)
		serial_conf_free(conf);
	return ret;
}

int serial_conf_load(const char *path, struct serial_conf *conf,
		     struct file_error *err)
{
	char *data;
	size_t len;
	int ret;

	conf->entries = NULL;
	conf->count = 0;
	err->line = 0;
	err->msg[0] = '\0';
	ret = file_read_path(path, O_NOCTTY, SERIAL_CONF_MAX_SIZE, -EFBIG,
			     &data, &len);
	if (ret)
		return ret;
	ret = serial_conf_parse(data, len, conf, err);
	free(data);
	return ret;
}

const struct serial_entry *serial_conf_find(const struct serial_conf *conf,
					    const char *name)
{
	for (size_t i = 0; i < conf->count; i++)
		if (strcmp(conf->entries[i].name, name) == 0)
			return &conf->entries[i];
	return NULL;
}

const char *serial_run_dir(void)
{
	const char *env = getenv("BTPAIR_RUN_DIR");

	return env && *env ? env : SERIAL_RUN_DIR;
}

int serial_run_path(char *buf, size_t size, const char *name,
		    const char *suffix)
{
	int n = snprintf(buf, size, "%s/%s.%s", serial_run_dir(), name, suffix);

	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

static const char *const channel_from_table[_SERIAL_CHANNEL_MAX] = {
	[SERIAL_CHANNEL_UNKNOWN] = NULL,
	[SERIAL_CHANNEL_CONF] = "conf",
	[SERIAL_CHANNEL_SDP] = "sdp",
	[SERIAL_CHANNEL_REMEMBERED] = "remembered",
};

const char *serial_channel_from_name(enum serial_channel_from from)
{
	return (unsigned int)from < _SERIAL_CHANNEL_MAX ?
		       channel_from_table[from] :
		       NULL;
}

/* A small file of KEY=VALUE lines, read whole into buf (size bytes). */
static int read_small(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	buf[n] = '\0';
	return 0;
}

int serial_state_read(const char *name, struct serial_state *st)
{
	char path[4096], buf[256], a[BT_ADDR_STRLEN] = "";
	long ch = -1, dev = -2;
	int ret;

	ret = serial_run_path(path, sizeof(path), name, "state");
	if (ret)
		return ret;
	ret = read_small(path, buf, sizeof(buf));
	if (ret)
		return ret;
	st->from = SERIAL_CHANNEL_UNKNOWN;
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, "address=", 8) == 0 &&
		    strlen(l + 8) == BT_ADDR_STRLEN - 1)
			strcpy(a, l + 8);
		else if (strncmp(l, "channel=", 8) == 0 &&
			 !parse_num(l + 8, 1, 30, &ch))
			ch = -1;
		else if (strcmp(l, "dev=-1") == 0)
			dev = -1;
		else if (strncmp(l, "dev=", 4) == 0 &&
			 !parse_num(l + 4, 0, 255, &dev))
			dev = -2;
		else if (strncmp(l, "channel-from=", 13) == 0)
			for (int f = 1; f < _SERIAL_CHANNEL_MAX; f++)
				if (strcmp(l + 13, channel_from_table[f]) == 0)
					st->from = (enum serial_channel_from)f;
	}
	if (bt_addr_parse(a, &st->addr) < 0 || ch < 0 || dev < -1)
		return -EBADMSG;
	st->channel = (uint8_t)ch;
	st->dev = (int)dev;
	return 0;
}

int serial_state_write(const char *name, const struct serial_state *st)
{
	char file[SERIAL_NAME_MAX + 8], text[128], a[BT_ADDR_STRLEN];
	const char *from = serial_channel_from_name(st->from);
	int len;

	if (snprintf(file, sizeof(file), "%s.state", name) >= (int)sizeof(file))
		return -ENAMETOOLONG;
	if (mkdir(serial_run_dir(), 0755) < 0 && errno != EEXIST)
		return -errno;
	len = snprintf(text, sizeof(text),
		       "address=%s\nchannel=%u\nchannel-from=%s\ndev=%d\n",
		       bt_addr_format(&st->addr, a), st->channel,
		       from ? from : "unknown", st->dev);
	return file_replace(serial_run_dir(), file, text, (size_t)len, 0644);
}

int serial_state_remove(const char *name)
{
	char path[4096];
	int ret = serial_run_path(path, sizeof(path), name, "state");

	if (ret)
		return ret;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

const char *serial_state_dir(void)
{
	const char *env = getenv("BTPAIR_STATE_DIR");

	return env && *env ? env : SERIAL_STATE_DIR;
}

/* DIR/<ctrl> into dir, and <dev> into file. */
static int channel_path(const bdaddr_t *ctrl, const bdaddr_t *dev, char *dir,
			size_t size, char file[BT_ADDR_STRLEN])
{
	char c[BT_ADDR_STRLEN];
	int n = snprintf(dir, size, "%s/%s", serial_state_dir(),
			 bt_addr_format(ctrl, c));

	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	bt_addr_format(dev, file);
	return 0;
}

int serial_channel_read(const bdaddr_t *ctrl, const bdaddr_t *dev,
			uint8_t *channel)
{
	char dir[4096], file[BT_ADDR_STRLEN], path[4096 + BT_ADDR_STRLEN];
	char buf[64];
	long ch = -1;
	int ret = channel_path(ctrl, dev, dir, sizeof(dir), file);

	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	ret = read_small(path, buf, sizeof(buf));
	if (ret)
		return ret;
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
		if (strncmp(l, "channel=", 8) == 0 &&
		    !parse_num(l + 8, 1, 30, &ch))
			ch = -1;
	if (ch < 0)
		return -EBADMSG;
	*channel = (uint8_t)ch;
	return 0;
}

int serial_channel_write(const bdaddr_t *ctrl, const bdaddr_t *dev,
			 uint8_t channel)
{
	char dir[4096], file[BT_ADDR_STRLEN], text[32];
	uint8_t now;
	int len, ret = channel_path(ctrl, dev, dir, sizeof(dir), file);

	if (ret)
		return ret;
	if (serial_channel_read(ctrl, dev, &now) == 0 && now == channel)
		return 0;
	ret = file_make_dirs(dir, 0755);
	if (ret)
		return ret;
	len = snprintf(text, sizeof(text), "channel=%u\n", channel);
	return file_replace(dir, file, text, (size_t)len, 0644);
}

int serial_channel_forget(const bdaddr_t *ctrl, const bdaddr_t *dev)
{
	char dir[4096], file[BT_ADDR_STRLEN], path[4096 + BT_ADDR_STRLEN];
	int ret = channel_path(ctrl, dev, dir, sizeof(dir), file);

	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

bool serial_retry_log_failure(struct serial_retry_log *log, const char *msg,
			      bool *repeated)
{
	*repeated = log->attempts && strcmp(msg, log->last) == 0;
	log->attempts++;
	log->same = *repeated ? log->same + 1 : 1;
	if (!*repeated)
		snprintf(log->last, sizeof(log->last), "%s", msg);
	return !*repeated || log->same % SERIAL_RETRY_REMIND == 0;
}
