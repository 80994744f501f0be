/* keys list|load|remove: the stored link keys. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/keystore.h"
#include "mgmt/addr.h"

static void warn_file(void *data, const char *path, const char *why)
{
	cli_warn(data, "skipping %s: %s", path, why);
}

/*
 * The stored keys of the controller named by -i (or, with need_controller,
 * of the default one), else of every controller; a store without -i needs
 * no kernel. Reports failures; returns the exit code.
 */
static int stored_keys(struct cli *cli, const char *cmd, const char *dir,
		       bool need_controller, uint16_t *index,
		       struct keystore_entry **list, size_t *n)
{
	bool one = need_controller || cli->index_arg;
	bdaddr_t ctrl;
	int ret, err;

	if (one) {
		ret = cli_controller(cli, cmd, index, &ctrl);
		if (ret)
			return ret;
	}
	err = keystore_list(dir, one ? &ctrl : NULL, list, n, warn_file, cli);
	if (err < 0) {
		char what[PATH_MAX + 64];

		snprintf(what, sizeof(what), "%s: cannot read %s", cmd, dir);
		return cli_errno_fail(cli, err, what);
	}
	return CLI_EXIT_OK;
}

static int keys_list(struct cli *cli, const char *dir)
{
	struct keystore_entry *list = NULL;
	uint16_t index;
	size_t n = 0;
	int ret;

	ret = stored_keys(cli, "keys list", dir, false, &index, &list, &n);
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++) {
		const struct keystore_entry *e = &list[i];
		const char *type = mgmt_key_type_str(e->key.type);
		char c[BT_ADDR_STRLEN], d[BT_ADDR_STRLEN];

		bt_addr_format(&e->controller, c);
		bt_addr_format(&e->key.addr.bdaddr, d);
		if (cli->json) {
			struct json j;

			json_begin(&j, "key");
			json_str(&j, "controller", c);
			json_str(&j, "address", d);
			json_str(&j, "key_type", type ? type : "unknown");
			json_int(&j, "pin_length", e->key.pin_len);
			json_end(cli, &j);
		} else {
			cli_print(cli, "%s %s %s key, PIN length %u", c, d,
				  type ? type : "unknown", e->key.pin_len);
		}
	}
	keystore_entries_free(list, n);
	return CLI_EXIT_OK;
}

static int keys_load(struct cli *cli, const char *dir)
{
	struct keystore_entry *list = NULL;
	struct mgmt_link_key *keys = NULL;
	uint8_t *cp = NULL, status;
	size_t n = 0, len;
	uint16_t index;
	int ret, err;

	ret = stored_keys(cli, "keys load", dir, true, &index, &list, &n);
	if (ret)
		return ret;
	/* The kernel replaces its whole list with what one Load Link Keys
	 * carries: every key of this controller goes in one command. */
	keys = calloc(n ? n : 1, sizeof(*keys));
	cp = malloc(mgmt_cmd_load_link_keys_size(n));
	if (!keys || !cp) {
		ret = cli_fail(cli, CLI_EXIT_FAILURE, -1, "keys load: out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		keys[i] = list[i].key;
	len = mgmt_cmd_load_link_keys(cp, keys, n);
	if (!len) {
		ret = cli_fail(cli, CLI_EXIT_FAILURE, -1,
			       "keys load: %zu keys do not fit in one command",
			       n);
		goto out;
	}
	err = mgmt_client_call(cli->client, MGMT_OP_LOAD_LINK_KEYS, index, cp,
			       len, mgmt_deadline_in(CLI_COMMAND_TIMEOUT_MS),
			       &status, NULL, 0, NULL);
	if (err < 0) {
		ret = cli_client_fail(cli, err, "keys load");
		goto out;
	}
	if (status != MGMT_STATUS_SUCCESS) {
		ret = cli_status_fail(cli, status, "keys load");
		goto out;
	}
	if (cli->json) {
		struct json j;

		json_begin(&j, "keys-loaded");
		json_int(&j, "index", index);
		json_int(&j, "count", (long long)n);
		json_end(cli, &j);
	} else {
		cli_print(cli, "hci%u loaded %zu key%s", index, n,
			  n == 1 ? "" : "s");
	}
	ret = CLI_EXIT_OK;
out:
	if (cp)
		explicit_bzero(cp, mgmt_cmd_load_link_keys_size(n));
	free(cp);
	if (keys)
		explicit_bzero(keys, n * sizeof(*keys));
	free(keys);
	keystore_entries_free(list, n);
	return ret;
}

static int keys_remove(struct cli *cli, const char *dir, const char *arg)
{
	struct keystore_entry *list = NULL;
	struct mgmt_addr dev;
	char a[BT_ADDR_STRLEN];
	unsigned int removed = 0;
	uint16_t index;
	size_t n = 0;
	int ret, err;

	if (!cli_parse_addr(cli, "keys remove", arg, &dev))
		return CLI_EXIT_USAGE;
	bt_addr_format(&dev.bdaddr, a);
	/* Without -i: from every controller that has a key for it. */
	ret = stored_keys(cli, "keys remove", dir, false, &index, &list, &n);
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++) {
		if (!bt_addr_equal(&list[i].key.addr.bdaddr, &dev.bdaddr))
			continue;
		err = keystore_remove(dir, &list[i].controller, &dev.bdaddr);
		if (err < 0) {
			char what[64];

			keystore_entries_free(list, n);
			snprintf(what, sizeof(what), "keys remove %s", a);
			return cli_errno_fail(cli, err, what);
		}
		removed++;
	}
	keystore_entries_free(list, n);
	if (!removed)
		return cli_fail(cli, CLI_EXIT_FAILURE, -1,
				"keys remove %s: no stored key in %s", a, dir);
	if (cli->json) {
		struct json j;

		json_begin(&j, "key-removed");
		json_str(&j, "address", a);
		json_int(&j, "count", removed);
		json_end(cli, &j);
	} else {
		cli_print(cli, "removed the stored key of %s", a);
	}
	return CLI_EXIT_OK;
}

int cmd_keys(struct cli *cli, int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "keystore", required_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	const char *keystore = NULL, *dir, *verb;
	int opt, ret = CLI_EXIT_OK, nargs;

	while ((opt = cli_getopt(cli, "keys", argc, argv, "", opts, &ret)) != -1) {
		if (opt == CLI_OPT_EXIT)
			return ret;
		if (opt == 'K')
			keystore = optarg;
	}
	nargs = argc - optind;
	if (!cli_check_args(cli, "keys", nargs, 1, 2))
		return CLI_EXIT_USAGE;
	verb = argv[optind];
	dir = keystore_dir(keystore);
	if (strcmp(verb, "list") == 0 && nargs == 1)
		return keys_list(cli, dir);
	if (strcmp(verb, "load") == 0 && nargs == 1)
		return keys_load(cli, dir);
	if (strcmp(verb, "remove") == 0 && nargs == 2)
		return keys_remove(cli, dir, argv[optind + 1]);
	return cli_fail(cli, CLI_EXIT_USAGE, -1,
			"keys: expected 'list', 'load' or 'remove ADDR' (see "
			"btpair keys --help)");
}
