/* PINs: from the command line, a PIN file (or pipe), or BTPAIR_PIN. */
#include <errno.h>
#include <fcntl.h>
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
#include "pin/file.h"

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
				"%s: cannot open PIN file %s: %s", cmd, path,
				cli_file_errno_str(-errno));
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
	err = file_read_fd(fd, PIN_FILE_MAX_SIZE, &t->data, &t->len);
	if (err == -ENOMEM) {
		ret = cli_fail(cli, CLI_EXIT_FAILURE, -1, "%s: out of memory",
			       cmd);
		goto out;
	}
	if (err == -EFBIG) {
		ret = cli_fail(cli, CLI_EXIT_USAGE, -1,
			       "%s: PIN file %s is over %d bytes: not a PIN "
			       "file",
			       cmd, shown, PIN_FILE_MAX_SIZE);
		goto out;
	}
	if (err < 0)
		ret = cli_fail(cli, CLI_EXIT_USAGE, -1,
			       "%s: cannot read PIN file %s: %s", cmd, shown,
			       strerror(-err));
	/* What the bytes say, a NUL among them, is the parser's to judge
	 * (cli_pin_file_parse), with the line. */
out:
	if (!is_stdin)
		close(fd);
	if (ret)
		cli_pin_text_free(t);
	return ret;
}

int cli_pin_file_parse(struct cli *cli, struct cli_pins *pins, const char *cmd,
		       const char *path, const struct cli_pin_text *t,
		       const bdaddr_t *addr, const char *name)
{
	const char *shown = strcmp(path, "-") == 0 ? "(standard input)" : path;
	const char *found[CLI_MAX_PINS];
	struct file_error err;
	struct pin_file pf;
	size_t n;
	int ret;

	ret = pin_file_parse(t->data, t->len, &pf, &err);
	if (ret == -ENOMEM)
		return cli_fail(cli, CLI_EXIT_FAILURE, -1, "%s: out of memory",
				cmd);
	if (ret < 0 && err.line)
		return cli_fail(cli, CLI_EXIT_USAGE, -1,
				"%s: PIN file %s line %u: %s", cmd, shown,
				err.line, err.msg);
	if (ret < 0)
		return cli_fail(cli, CLI_EXIT_USAGE, -1, "%s: PIN file %s %s",
				cmd, shown, err.msg);
	if (!addr) {
		pin_file_free(&pf); /* only checked */
		return CLI_EXIT_OK;
	}
	ret = CLI_EXIT_USAGE;
	n = pin_file_lookup(&pf, addr, name, found, CLI_MAX_PINS);
	if (n > CLI_MAX_PINS)
		n = CLI_MAX_PINS; /* the first ones: more are never tried */
	for (size_t i = 0; i < n; i++)
		if (!cli_pins_add(cli, pins, cmd, found[i]))
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
	pin_file_free(&pf);
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
