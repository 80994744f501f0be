/* PINs: from the command line, a PIN file (or pipe), or BTPAIR_PIN. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/context.h"
#include "cli/output.h"
#include "cli/common.h"
#include "cli/pin.h"
#include "lib/file.h"
#include "mgmt/addr.h"

bool cli_pins_add(struct cli *cli, struct cli_pins *pins, const char *cmd,
		  const char *pin)
{
	size_t len = strlen(pin);

	/* The message never repeats the PIN itself. */
	if (len == 0 || len > MGMT_PIN_MAX_LEN) {
		cli_fail(cli, CLI_EXIT_USAGE, -1,
			 "%s: a PIN is 1 to 16 bytes (this one has %zu)", cmd,
			 len);
		return false;
	}
	if (pins->count >= CLI_MAX_PINS) {
		cli_fail(cli, CLI_EXIT_USAGE, -1, "%s: at most %d PINs", cmd,
			 CLI_MAX_PINS);
		return false;
	}
	pins->pins[pins->count] = strdup(pin);
	if (!pins->pins[pins->count]) {
		cli_fail(cli, CLI_EXIT_FAILURE, -1, "%s: out of memory", cmd);
		return false;
	}
	pins->count++;
	return true;
}

void cli_pins_clear(struct cli_pins *pins)
{
	for (size_t i = 0; i < pins->count; i++) {
		explicit_bzero(pins->pins[i], strlen(pins->pins[i]));
		free(pins->pins[i]);
		pins->pins[i] = NULL;
	}
	pins->count = 0;
}

void cli_pin_text_free(struct cli_pin_text *t)
{
	if (t->data) {
		explicit_bzero(t->data, t->len);
		free(t->data);
	}
	t->data = NULL;
	t->len = 0;
}

int cli_pin_file_read(struct cli *cli, const char *cmd, const char *path,
		      struct cli_pin_text *t)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *shown = is_stdin ? "(standard input)" : path;
	int fd, err, ret = CLI_EXIT_OK;
	struct stat st;

	t->data = NULL;
	t->len = 0;
	t->regular = false;
	fd = is_stdin ? STDIN_FILENO :
			open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	/* A file this user may not read is a permission matter (4), like
	 * every other; one that is not there is a bad argument (2). */
	if (fd < 0 && cli_permission_error(-errno))
		return cli_fail(cli, CLI_EXIT_PERMISSION, -1,
				"%s: cannot open PIN file %s: permission "
				"denied: needs root or CAP_NET_ADMIN",
				cmd, path);
	if (fd < 0)
		return cli_fail(cli, CLI_EXIT_USAGE, -1,
				"%s: cannot open PIN file %s: %s", cmd, path,
				strerror(errno));
	if (fstat(fd, &st) < 0 ||
	    !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode) ||
	      (is_stdin && !isatty(fd)))) {
		ret = cli_fail(cli, CLI_EXIT_USAGE, -1,
			       "%s: PIN file %s is not a regular file or a "
			       "pipe",
			       cmd, shown);
		goto out;
	}
	t->regular = S_ISREG(st.st_mode) && !is_stdin;
	if (S_ISREG(st.st_mode) && (st.st_mode & 077))
		cli_warn(cli,
			 "PIN file %s can be read by others (chmod 600 it)",
			 shown);
	err = file_read_fd(fd, CLI_PIN_FILE_MAX, &t->data, &t->len);
	if (err == -ENOMEM) {
		ret = cli_fail(cli, CLI_EXIT_FAILURE, -1, "%s: out of memory",
			       cmd);
		goto out;
	}
	if (err == -EFBIG) {
		ret = cli_fail(cli, CLI_EXIT_USAGE, -1,
			       "%s: PIN file %s is over %d bytes: not a PIN "
			       "file",
			       cmd, shown, CLI_PIN_FILE_MAX);
		goto out;
	}
	if (err < 0) {
		ret = cli_fail(cli, CLI_EXIT_USAGE, -1,
			       "%s: cannot read PIN file %s: %s", cmd, shown,
			       strerror(-err));
		goto out;
	}
	if (memchr(t->data, '\0', t->len))
		ret = cli_fail(cli, CLI_EXIT_USAGE, -1,
			       "%s: PIN file %s holds a NUL byte", cmd, shown);
out:
	if (!is_stdin)
		close(fd);
	if (ret)
		cli_pin_text_free(t);
	return ret;
}

/* What the first field of a line names. */
enum pin_key {
	PIN_KEY_ADDR,
	PIN_KEY_NAME,
	PIN_KEY_ANY,
};

/*
 * Split one line (NUL-terminated, no newline) into KEY and PIN. KEY may be
 * "double quoted" to hold blanks (a name). Returns the number of fields: 1
 * (a PIN alone, in *pin), 2, or 0 for a blank line; -1 when it does not
 * parse.
 */
static int split_line(char *line, char **key, bool *quoted, char **pin)
{
	char *p = line + strspn(line, " \t"), *end;

	*key = *pin = NULL;
	*quoted = false;
	if (!*p)
		return 0;
	if (*p == '"') {
		end = strchr(p + 1, '"');
		if (!end || end == p + 1)
			return -1;
		*key = p + 1;
		*end = '\0';
		*quoted = true;
		p = end + 1;
		if (*p != ' ' && *p != '\t')
			return -1;
	} else {
		*key = p;
		p += strcspn(p, " \t");
		if (!*p) {
			*pin = *key; /* one field: a PIN alone */
			*key = NULL;
			return 1;
		}
		*p++ = '\0';
	}
	p += strspn(p, " \t");
	if (!*p)
		return -1;
	*pin = p;
	p += strcspn(p, " \t");
	end = p + strspn(p, " \t");
	if (*end)
		return -1; /* a third field */
	*p = '\0';
	return 2;
}

/* An address-like key (hex digits and colons) must be a valid one. */
static bool looks_like_addr(const char *s)
{
	if (!strchr(s, ':'))
		return false;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s) && *s != ':')
			return false;
	return true;
}

/* Long because it is one pass over the file's lines: each line is checked
 * and its PIN kept by kind (address, name, '*') in the same loop, so that an
 * error names its line and no PIN is copied more often than it must be. */
int cli_pin_file_parse(struct cli *cli, struct cli_pins *pins, const char *cmd,
		       const char *path, const struct cli_pin_text *t,
		       const bdaddr_t *addr, const char *name)
{
	const char *shown = strcmp(path, "-") == 0 ? "(standard input)" : path;
	char *copy, *line, *next, *alone = NULL;
	/* The PINs for the device in the order they are tried: its address's
	 * lines, then those of its name, then '*'. */
	char *by_kind[3][CLI_MAX_PINS];
	size_t count[3] = { 0 }, lineno = 0, entries = 0, alone_line = 0;
	int ret = CLI_EXIT_USAGE;

	copy = malloc(t->len + 1);
	if (!copy)
		return cli_fail(cli, CLI_EXIT_FAILURE, -1, "%s: out of memory",
				cmd);
	memcpy(copy, t->data, t->len);
	copy[t->len] = '\0';

	/* Line by line, blank ones included, so that a message names the line
	 * an editor shows. Every line is checked, whichever device is asked
	 * for: a mistake is found the first time the file is read. */
	for (line = copy; line; line = next) {
		char *key, *pin;
		bool quoted;
		bdaddr_t entry;
		enum pin_key kind;
		size_t len;
		int fields;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!next && !*line)
			break; /* after the last newline */
		lineno++;
		line[strcspn(line, "\r")] = '\0';
		if (line[strspn(line, " \t")] == '#')
			continue;
		fields = split_line(line, &key, &quoted, &pin);
		if (fields == 0)
			continue;
		entries++;
		if (fields == 1 && !alone) {
			alone = pin;
			alone_line = lineno;
			continue;
		}
		if (fields != 2) {
			cli_fail(cli, CLI_EXIT_USAGE, -1,
				 "%s: PIN file %s line %zu: expected "
				 "'ADDR PIN', 'NAME PIN' or '* PIN'",
				 cmd, shown, lineno);
			goto out;
		}
		len = strlen(pin);
		if (len > MGMT_PIN_MAX_LEN) {
			cli_fail(cli, CLI_EXIT_USAGE, -1,
				 "%s: PIN file %s line %zu: a PIN is 1 to 16 "
				 "bytes (this one has %zu)",
				 cmd, shown, lineno, len);
			goto out;
		}
		if (!quoted && strcmp(key, "*") == 0) {
			kind = PIN_KEY_ANY;
		} else if (!quoted && looks_like_addr(key)) {
			if (bt_addr_parse(key, &entry) < 0) {
				cli_fail(cli, CLI_EXIT_USAGE, -1,
					 "%s: PIN file %s line %zu: invalid "
					 "address (expected "
					 "XX:XX:XX:XX:XX:XX)",
					 cmd, shown, lineno);
				goto out;
			}
			kind = PIN_KEY_ADDR;
			if (!addr || !bt_addr_equal(&entry, addr))
				continue;
		} else {
			/* A device's Bluetooth name, a glob as in
			 * name:PATTERN. */
			kind = PIN_KEY_NAME;
			if (!name || fnmatch(key, name, FNM_CASEFOLD) != 0)
				continue;
		}
		if (count[kind] < CLI_MAX_PINS)
			by_kind[kind][count[kind]++] = pin;
	}
	/* A stray word must never become every device's PIN: a PIN alone is
	 * the whole file or an error. */
	if (alone && entries > 1) {
		cli_fail(cli, CLI_EXIT_USAGE, -1,
			 "%s: PIN file %s line %zu: a PIN alone must be the "
			 "file's only line; expected 'ADDR PIN', 'NAME PIN' or "
			 "'* PIN'",
			 cmd, shown, alone_line);
		goto out;
	}
	if (alone && strlen(alone) > MGMT_PIN_MAX_LEN) {
		cli_fail(cli, CLI_EXIT_USAGE, -1,
			 "%s: PIN file %s line %zu: a PIN is 1 to 16 bytes "
			 "(this one has %zu)",
			 cmd, shown, alone_line, strlen(alone));
		goto out;
	}
	if (!entries) {
		cli_fail(cli, CLI_EXIT_USAGE, -1, "%s: PIN file %s has no PIN",
			 cmd, shown);
		goto out;
	}
	if (!addr) {
		ret = CLI_EXIT_OK; /* only checked */
		goto out;
	}
	if (alone) {
		ret = cli_pins_add(cli, pins, cmd, alone) ? CLI_EXIT_OK :
							    CLI_EXIT_USAGE;
		goto out;
	}
	/* In the file's order within each kind. */
	for (int kind = PIN_KEY_ADDR; kind <= PIN_KEY_ANY; kind++)
		for (size_t i = 0; i < count[kind]; i++)
			if (!cli_pins_add(cli, pins, cmd, by_kind[kind][i]))
				goto out;
	if (!pins->count) {
		char a[BT_ADDR_STRLEN];

		cli_fail(cli, CLI_EXIT_USAGE, -1,
			 "%s: no PIN for %s%s%s%s in %s (add an 'ADDR PIN' or "
			 "'* PIN' line)",
			 cmd, bt_addr_format(addr, a), name ? " (\"" : "",
			 name ? name : "", name ? "\")" : "", shown);
		goto out;
	}
	ret = CLI_EXIT_OK;
out:
	if (ret)
		cli_pins_clear(pins);
	explicit_bzero(copy, t->len + 1);
	free(copy);
	return ret;
}

int cli_pins_from_file(struct cli *cli, struct cli_pins *pins, const char *cmd,
		       const char *path, const bdaddr_t *addr, const char *name)
{
	struct cli_pin_text t;
	int ret = cli_pin_file_read(cli, cmd, path, &t);

	if (!ret)
		ret = cli_pin_file_parse(cli, pins, cmd, path, &t, addr, name);
	cli_pin_text_free(&t);
	return ret;
}

bool cli_pins_one_source(struct cli *cli, const char *cmd,
			 const struct cli_pins *pins, const char *pin_file)
{
	if (pins->count && pin_file) {
		cli_fail(cli, CLI_EXIT_USAGE, -1,
			 "%s: give --pin or --pin-file, not both", cmd);
		return false;
	}
	return true;
}

static char *env_pin_value;

void cli_pin_env_take(void)
{
	static const char name[] = "BTPAIR_PIN=";
	char *v = getenv("BTPAIR_PIN"), *entries[16];
	size_t n = 0;

	if (!v)
		return;
	/* A PIN longer than any the contract takes is refused later, by
	 * length: keep it whole. Out of memory, it is dropped. */
	free(env_pin_value);
	env_pin_value = strdup(v);
	/* Every entry of the variable (an environment may hold it twice),
	 * name and value, is wiped where it lies once it is gone from the
	 * list children get. */
	for (char **e = environ; *e && n < sizeof(entries) / sizeof(*e); e++)
		if (strncmp(*e, name, sizeof(name) - 1) == 0)
			entries[n++] = *e;
	unsetenv("BTPAIR_PIN");
	while (n > 0) {
		n--;
		explicit_bzero(entries[n], strlen(entries[n]));
	}
}

const char *cli_pin_env(void)
{
	return env_pin_value;
}

int cli_pins_gather(struct cli *cli, struct cli_pins *pins, const char *cmd,
		    const char *pin_file, const bdaddr_t *addr,
		    const char *name)
{
	const char *env_pin = cli_pin_env();
	char what[64];

	if (!cli_pins_one_source(cli, cmd, pins, pin_file))
		return CLI_EXIT_USAGE;
	if (pin_file)
		return cli_pins_from_file(cli, pins, cmd, pin_file, addr, name);
	snprintf(what, sizeof(what), "%s (BTPAIR_PIN)", cmd);
	if (!pins->count && env_pin && *env_pin &&
	    !cli_pins_add(cli, pins, what, env_pin))
		return CLI_EXIT_USAGE;
	return CLI_EXIT_OK;
}
