#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "mgmt/addr.h"

/* A PIN file is small; anything bigger is not one. */
#define PIN_FILE_MAX 65536

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

/* Split line into at most two whitespace-separated fields; returns how
 * many it found, or 3 when there are more. */
static int split(char *line, char **a, char **b)
{
	char *save, *extra;

	*a = strtok_r(line, " \t", &save);
	if (!*a)
		return 0;
	*b = strtok_r(NULL, " \t", &save);
	if (!*b)
		return 1;
	extra = strtok_r(NULL, " \t", &save);
	return extra ? 3 : 2;
}

int cli_pins_from_file(struct cli *cli, struct cli_pins *pins, const char *cmd,
		       const char *path, const bdaddr_t *addr)
{
	char *data = NULL, *line, *next, *wild[CLI_MAX_PINS];
	size_t nwild = 0, lineno = 0;
	bool first = true, single = false;
	int ret = CLI_EXIT_USAGE, fd;
	struct stat st;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
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
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > PIN_FILE_MAX) {
		close(fd);
		return cli_fail(cli, CLI_EXIT_USAGE, -1,
				"%s: PIN file %s is not a regular file of at "
				"most %d bytes",
				cmd, path, PIN_FILE_MAX);
	}
	if (st.st_mode & 077)
		cli_warn(cli, "PIN file %s can be read by others (chmod 600 it)",
			 path);
	data = calloc(1, (size_t)st.st_size + 1);
	if (!data) {
		close(fd);
		return cli_fail(cli, CLI_EXIT_FAILURE, -1, "%s: out of memory",
				cmd);
	}
	n = read(fd, data, (size_t)st.st_size);
	close(fd);
	if (n < 0 || n != st.st_size) {
		ret = cli_fail(cli, CLI_EXIT_USAGE, -1,
			       "%s: cannot read PIN file %s", cmd, path);
		goto out;
	}
	if (memchr(data, '\0', (size_t)n)) {
		ret = cli_fail(cli, CLI_EXIT_USAGE, -1,
			       "%s: PIN file %s holds a NUL byte", cmd, path);
		goto out;
	}

	/* Line by line, blank ones included, so that a message names the line
	 * an editor shows. */
	for (line = data; line; line = next) {
		char *a, *b;
		bdaddr_t entry;
		int fields;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		line[strcspn(line, "\r")] = '\0';
		if (line[strspn(line, " \t")] == '#')
			continue;
		fields = split(line, &a, &b);
		if (fields == 0)
			continue;
		if (fields == 1 && first) {
			/* One PIN for every device. */
			single = true;
			if (!cli_pins_add(cli, pins, cmd, a))
				goto out;
			break;
		}
		first = false;
		if (fields != 2) {
			ret = cli_fail(cli, CLI_EXIT_USAGE, -1,
				       "%s: PIN file %s line %zu: expected "
				       "'ADDR PIN' or '* PIN'",
				       cmd, path, lineno);
			goto out;
		}
		if (strcmp(a, "*") == 0) {
			if (nwild < CLI_MAX_PINS)
				wild[nwild++] = b;
			continue;
		}
		if (bt_addr_parse(a, &entry) < 0) {
			ret = cli_fail(cli, CLI_EXIT_USAGE, -1,
				       "%s: PIN file %s line %zu: invalid "
				       "address",
				       cmd, path, lineno);
			goto out;
		}
		if (addr && bt_addr_equal(&entry, addr) &&
		    !cli_pins_add(cli, pins, cmd, b))
			goto out;
	}
	/* The device's own PINs first, then those for any device. */
	for (size_t i = 0; !single && i < nwild; i++)
		if (!cli_pins_add(cli, pins, cmd, wild[i]))
			goto out;
	ret = CLI_EXIT_OK;
out:
	explicit_bzero(data, (size_t)st.st_size);
	free(data);
	return ret;
}
