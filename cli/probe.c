#include "cli/probe.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/file.h"
#include "mgmt/addr.h"
#include "mgmt/wire.h"

/* ---- rfkill -------------------------------------------------------- */

int probe_rfkill_decode(const uint8_t *buf, size_t len,
			struct probe_rfkill *out)
{
	/* Later kernels may append fields (hard block reasons): the first
	 * eight bytes keep their meaning. */
	if (len < PROBE_RFKILL_EVENT_SIZE)
		return -EBADMSG;
	if (buf[6] > 1 || buf[7] > 1)
		return -EBADMSG;
	/* The struct is in host byte order, unlike the mgmt protocol. */
	memcpy(&out->idx, buf, 4);
	out->type = buf[4];
	out->op = buf[5];
	out->soft = buf[6];
	out->hard = buf[7];
	return 0;
}

int probe_rfkill_read(const char *dev, struct probe_rfkill *out, size_t max,
		      size_t *count)
{
	int fd = open(dev, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	*count = 0;
	if (fd < 0)
		return -errno;
	for (;;) {
		/* One event per read, in the first version's size: what
		 * the kernel hands a reader that asked for no other. */
		uint8_t buf[PROBE_RFKILL_EVENT_SIZE];
		struct probe_rfkill ev;
		ssize_t n = read(fd, buf, sizeof(buf));
		size_t i;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EAGAIN: every switch was told */
		if (probe_rfkill_decode(buf, (size_t)n, &ev) < 0)
			continue;
		for (i = 0; i < *count && out[i].idx != ev.idx; i++)
			;
		switch ((enum probe_rfkill_op)ev.op) {
		case PROBE_RFKILL_OP_ADD:
		case PROBE_RFKILL_OP_CHANGE:
			if (i == *count && *count < max)
				(*count)++;
			if (i < *count)
				out[i] = ev;
			break;
		case PROBE_RFKILL_OP_DEL:
			if (i < *count) {
				memmove(&out[i], &out[i + 1],
					(*count - i - 1) * sizeof(*out));
				(*count)--;
			}
			break;
		case PROBE_RFKILL_OP_CHANGE_ALL:
			break;
		}
	}
	close(fd);
	return 0;
}

int probe_rfkill_of(const char *bt_class, uint16_t index, uint32_t *idx)
{
	char path[PATH_MAX];
	struct dirent *de;
	int err = -ENOENT;
	DIR *d;

	snprintf(path, sizeof(path), "%s/hci%u", bt_class, index);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		unsigned long v;
		char *end;

		if (strncmp(de->d_name, "rfkill", 6) != 0 ||
		    !isdigit((unsigned char)de->d_name[6]))
			continue;
		errno = 0;
		v = strtoul(de->d_name + 6, &end, 10);
		if (errno || *end || v > UINT32_MAX)
			continue;
		*idx = (uint32_t)v;
		err = 0;
		break;
	}
	closedir(d);
	return err;
}

/* A sysfs attribute holding 0 or 1. */
static int read_flag(const char *dir, uint32_t idx, const char *name, bool *out)
{
	char path[PATH_MAX], *text;
	size_t len;
	int err;

	snprintf(path, sizeof(path), "%s/rfkill%u/%s", dir, idx, name);
	err = probe_read_file(path, 64, &text, &len);
	if (err < 0)
		return err;
	if (len >= 1 && (text[0] == '0' || text[0] == '1') &&
	    (len == 1 || text[1] == '\n'))
		*out = text[0] == '1';
	else
		err = -EBADMSG;
	probe_free_text(text, len);
	return err;
}

int probe_rfkill_sysfs(const char *rf_class, uint32_t idx,
		       struct probe_rfkill *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	out->idx = idx;
	out->type = PROBE_RFKILL_TYPE_BLUETOOTH;
	err = read_flag(rf_class, idx, "soft", &out->soft);
	if (!err)
		err = read_flag(rf_class, idx, "hard", &out->hard);
	return err;
}

int probe_rfkill_unblock(const char *dev, uint32_t idx)
{
	uint8_t ev[PROBE_RFKILL_EVENT_SIZE] = { 0 };
	ssize_t n;
	int fd, err = 0;

	memcpy(ev, &idx, 4);
	ev[4] = PROBE_RFKILL_TYPE_BLUETOOTH;
	ev[5] = PROBE_RFKILL_OP_CHANGE;
	ev[6] = 0; /* soft: not blocked */
	fd = open(dev, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, ev, sizeof(ev));
	if (n < 0)
		err = -errno;
	else if ((size_t)n != sizeof(ev))
		err = -EIO;
	close(fd);
	return err;
}

int probe_rfkill_lift(const char *bt_class, const char *rf_class,
		      const char *dev, uint16_t index, uint32_t *idx,
		      enum probe_rfkill_lift *out)
{
	struct probe_rfkill st;
	int err;

	err = probe_rfkill_of(bt_class, index, idx);
	if (err == -ENOENT) {
		*out = PROBE_RFKILL_NO_SWITCH;
		return 0;
	}
	if (!err)
		err = probe_rfkill_sysfs(rf_class, *idx, &st);
	if (err < 0)
		return err;
	if (st.hard) {
		*out = PROBE_RFKILL_HARD;
		return 0;
	}
	if (!st.soft) {
		*out = PROBE_RFKILL_CLEAR;
		return 0;
	}
	*out = PROBE_RFKILL_SOFT;
	err = probe_rfkill_unblock(dev, *idx);
	if (err < 0)
		return err;
	*out = PROBE_RFKILL_LIFTED;
	return 0;
}

/* ---- Processes ------------------------------------------------------ */

int probe_find_process(const char *proc, const char *name, pid_t *pids,
		       size_t max, size_t *count)
{
	DIR *d = opendir(proc);
	struct dirent *de;

	*count = 0;
	if (!d)
		return -errno;
	while ((de = readdir(d)) && *count < max) {
		char path[PATH_MAX], *text;
		size_t len;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "%s/%s/comm", proc, de->d_name);
		if (probe_read_file(path, 64, &text, &len) < 0)
			continue; /* gone since, or not ours to read */
		if (len && text[len - 1] == '\n')
			text[--len] = '\0';
		if (strcmp(text, name) == 0)
			pids[(*count)++] = (pid_t)atoi(de->d_name);
		probe_free_text(text, len);
	}
	closedir(d);
	return 0;
}

/* ---- Files ---------------------------------------------------------- */

int probe_read_file(const char *path, size_t max, char **text, size_t *len)
{
	struct stat st;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -EBADMSG;
	else
		err = file_read_fd(fd, max, text, len);
	close(fd);
	return err;
}

void probe_free_text(char *text, size_t len)
{
	if (text)
		explicit_bzero(text, len);
	free(text);
}

int probe_kernel_keys_parse(const char *text, size_t len, bdaddr_t *out,
			    size_t max, size_t *count)
{
	size_t pos = 0;

	*count = 0;
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - line) : len - pos;
		char addr[BT_ADDR_STRLEN];
		bdaddr_t a;

		pos += nl ? l + 1 : l;
		if (l == 0)
			continue;
		/* "XX:XX:XX:XX:XX:XX TYPE KEY PINLEN" */
		if (l < BT_ADDR_STRLEN || line[BT_ADDR_STRLEN - 1] != ' ')
			return -EBADMSG;
		memcpy(addr, line, BT_ADDR_STRLEN - 1);
		addr[BT_ADDR_STRLEN - 1] = '\0';
		if (bt_addr_parse(addr, &a) < 0)
			return -EBADMSG;
		if (*count < max)
			out[(*count)++] = a;
	}
	return 0;
}

int probe_kernel_keys(const char *dir, uint16_t index, bdaddr_t *out,
		      size_t max, size_t *count)
{
	char path[PATH_MAX], *text;
	size_t len;
	int err;

	snprintf(path, sizeof(path), "%s/hci%u/link_keys", dir, index);
	err = probe_read_file(path, 1024 * 1024, &text, &len);
	if (err < 0)
		return err;
	err = probe_kernel_keys_parse(text, len, out, max, count);
	probe_free_text(text, len);
	return err;
}

/* The next line of text from *pos: its start and length without the
 * newline and surrounding blanks. false at the end. */
static bool next_line(const char *text, size_t len, size_t *pos,
		      const char **line, size_t *l, size_t *lineno)
{
	const char *s, *e, *nl;

	if (*pos >= len)
		return false;
	s = text + *pos;
	nl = memchr(s, '\n', len - *pos);
	e = nl ? nl : text + len;
	*pos = (size_t)(e - text) + (nl ? 1 : 0);
	(*lineno)++;
	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	*line = s;
	*l = (size_t)(e - s);
	return true;
}

int probe_env_value(const char *text, size_t len, const char *key, char *out,
		    size_t size)
{
	size_t pos = 0, l, lineno = 0, klen = strlen(key);
	const char *line;
	int found = -ENOENT;

	while (next_line(text, len, &pos, &line, &l, &lineno)) {
		const char *v;
		size_t vl;

		if (!l || line[0] == '#' || line[0] == ';')
			continue;
		if (l <= klen || memcmp(line, key, klen) != 0 ||
		    line[klen] != '=')
			continue;
		v = line + klen + 1;
		vl = l - klen - 1;
		if (vl >= 2 && (v[0] == '"' || v[0] == '\'') &&
		    v[vl - 1] == v[0]) {
			v++;
			vl -= 2;
		}
		if (vl >= size) {
			found = -ENAMETOOLONG;
			continue;
		}
		memcpy(out, v, vl);
		out[vl] = '\0';
		found = 0;
	}
	return found;
}
