/* keys list|load|remove: the stored link keys. */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/context.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/common.h"
#include "cli/keys.h"
#include "keystore/keystore.h"
#include "mgmt/addr.h"

void cli_find_present(struct cli *cli, struct cli_present *p)
{
	uint8_t rp[2 + 2 * CLI_INDEX_LIST_MAX], status;
	uint16_t count, indexes[CLI_INDEX_LIST_MAX];
	size_t rp_len;
	int fd;

	p->n = 0;
	if (!cli->client) {
		fd = mgmt_open_control_socket();
		if (fd < 0)
			return;
		cli->client = mgmt_client_new(fd);
		if (!cli->client) {
			close(fd);
			return;
		}
		mgmt_client_set_wakeup_fd(cli->client, cli->signal_fd);
	}
	if (mgmt_client_call(cli->client, MGMT_OP_READ_INDEX_LIST,
			     MGMT_INDEX_NONE, NULL, 0,
			     time_deadline_in(CLI_COMMAND_TIMEOUT_MS), &status,
			     rp, sizeof(rp), &rp_len) < 0 ||
	    status != MGMT_STATUS_SUCCESS)
		return;
	if (rp_len > sizeof(rp))
		rp_len = sizeof(rp);
	if (mgmt_rp_index_list_decode(rp, rp_len, indexes, CLI_INDEX_LIST_MAX,
				      &count) < 0)
		return;
	for (uint16_t i = 0; i < count; i++) {
		uint8_t info[sizeof(struct mgmt_rp_read_info)];
		struct mgmt_controller_info ci;
		uint16_t index = indexes[i];
		int64_t deadline = time_deadline_in(CLI_COMMAND_TIMEOUT_MS);

		if (mgmt_client_call(cli->client, MGMT_OP_READ_INFO, index,
				     NULL, 0, deadline, &status, info,
				     sizeof(info), &rp_len) < 0 ||
		    status != MGMT_STATUS_SUCCESS ||
		    mgmt_rp_read_info_decode(info, rp_len, &ci) < 0)
			continue;
		p->index[p->n] = index;
		p->addr[p->n++] = ci.bdaddr;
	}
}

uint16_t cli_present_index(const struct cli_present *p, const bdaddr_t *addr)
{
	for (size_t i = 0; i < p->n; i++)
		if (bt_addr_equal(&p->addr[i], addr))
			return p->index[i];
	return MGMT_INDEX_NONE;
}

void cli_key_json(struct cli *cli, const struct cli_present *present,
		  const struct keystore_entry *e)
{
	const char *type = mgmt_key_type_str(e->key.type);
	struct json j;

	json_begin_index(&j, "key", cli_present_index(present, &e->controller));
	json_addr(&j, "controller", &e->controller);
	json_addr(&j, "address", &e->key.addr.bdaddr);
	json_str_or_null(&j, "name", e->name[0] ? e->name : NULL);
	json_str(&j, "key_type", type ? type : "unknown");
	json_int(&j, "pin_length", e->key.pin_len);
	json_end(cli, &j);
}

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
		return cli_file_errno_fail(cli, err, what);
	}
	return CLI_EXIT_OK;
}

static int keys_list(struct cli *cli, const char *dir)
{
	struct keystore_entry *list = NULL;
	uint16_t index = MGMT_INDEX_NONE;
	size_t n = 0;
	int ret;

	struct cli_present present = { .n = 0 };

	ret = stored_keys(cli, "keys list", dir, false, &index, &list, &n);
	if (ret)
		return ret;
	if (cli->json && n)
		cli_find_present(cli, &present);
	for (size_t i = 0; i < n; i++) {
		const struct keystore_entry *e = &list[i];
		const char *type = mgmt_key_type_str(e->key.type);
		char c[BT_ADDR_STRLEN], d[BT_ADDR_STRLEN];

		if (cli->json) {
			cli_key_json(cli, &present, e);
			continue;
		}
		bt_addr_format(&e->controller, c);
		bt_addr_format(&e->key.addr.bdaddr, d);
		cli_print(cli, "%s %s %s key, PIN length %u", c, d,
			  type ? type : "unknown", e->key.pin_len);
	}
	/* The end of the list, so that an empty store still answers. */
	if (cli->json) {
		struct json j;

		json_begin_index(&j, "keys-listed",
				 cli->index_arg ? index : MGMT_INDEX_NONE);
		json_int(&j, "count", (long long)n);
		json_end(cli, &j);
	}
	keystore_entries_free(list, n);
	return CLI_EXIT_OK;
}

int cli_keys_load(struct cli *cli, const char *dir)
{
	struct keystore_entry *list = NULL;
	struct mgmt_link_key *keys = NULL;
	uint8_t *cp = NULL;
	size_t n = 0, len;
	uint16_t index;
	int ret;

	ret = stored_keys(cli, "keys load", dir, true, &index, &list, &n);
	if (ret)
		return ret;
	/* The kernel replaces its whole list with what one Load Link Keys
	 * carries: every key of this controller goes in one command. */
	keys = calloc(n ? n : 1, sizeof(*keys));
	cp = malloc(mgmt_cmd_load_link_keys_size(n));
	if (!keys || !cp) {
		ret = cli_fail(cli, CLI_EXIT_FAILURE, -1,
			       "keys load: out of memory");
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
	ret = cli_call(cli, "keys load", MGMT_OP_LOAD_LINK_KEYS, index, cp, len,
		       NULL, NULL, 0, NULL);
	if (ret)
		goto out;
	if (cli->json) {
		struct json j;

		json_begin_index(&j, "keys-loaded", index);
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

/*
 * Which stored keys arg names: an address, or name:PATTERN matched against
 * the names in the store (a case-insensitive glob). A pattern that matches
 * several devices is a usage error listing them. Sets *dev. Returns the
 * exit code after reporting.
 */
static int keys_match(struct cli *cli, const char *cmd, const char *dir,
		      const char *arg, const struct keystore_entry *list,
		      size_t n, bdaddr_t *dev)
{
	const char *pattern = arg + 5;
	char found[512] = "";
	size_t used = 0, devices = 0;

	if (strncmp(arg, "name:", 5) != 0)
		return CLI_EXIT_OK; /* parsed already */
	for (size_t i = 0; i < n; i++) {
		char a[BT_ADDR_STRLEN];
		int w;

		if (!list[i].name[0] ||
		    fnmatch(pattern, list[i].name, FNM_CASEFOLD) != 0)
			continue;
		if (devices && bt_addr_equal(dev, &list[i].key.addr.bdaddr))
			continue;
		/* The list is sorted by controller first: the same device
		 * may come again under another controller. */
		if (devices &&
		    strstr(found, bt_addr_format(&list[i].key.addr.bdaddr, a)))
			continue;
		if (!devices)
			*dev = list[i].key.addr.bdaddr;
		devices++;
		w = snprintf(found + used, sizeof(found) - used, "%s%s (%s)",
			     used ? ", " : "",
			     bt_addr_format(&list[i].key.addr.bdaddr, a),
			     list[i].name);
		if (w > 0 && (size_t)w < sizeof(found) - used)
			used += (size_t)w;
	}
	if (!devices)
		return cli_fail(cli, CLI_EXIT_FAILURE, -1,
				"%s: no stored device named '%s' in %s", cmd,
				pattern, dir);
	if (devices > 1)
		return cli_fail(cli, CLI_EXIT_USAGE, -1,
				"%s: %zu stored devices match '%s': %s; give "
				"an address",
				cmd, devices, pattern, found);
	return CLI_EXIT_OK;
}

int cli_stored_name_addr(struct cli *cli, const char *cmd, const char *dir,
			 const bdaddr_t *ctrl, const char *arg, bdaddr_t *dev)
{
	struct keystore_entry *list = NULL;
	size_t n = 0;
	int err, ret;

	err = keystore_list(dir, ctrl, &list, &n, warn_file, cli);
	if (err < 0)
		return cli_fail(cli, CLI_EXIT_FAILURE, -1,
				"%s: cannot read %s: %s", cmd, dir,
				strerror(-err));
	ret = keys_match(cli, cmd, dir, arg, list, n, dev);
	keystore_entries_free(list, n);
	return ret;
}

bool cli_stored_name(const char *dir, const bdaddr_t *dev, char *name,
		     size_t size)
{
	struct keystore_entry *list = NULL;
	bool found = false;
	size_t n = 0;

	if (keystore_list(dir, NULL, &list, &n, NULL, NULL) < 0)
		return false;
	for (size_t i = 0; i < n && !found; i++) {
		if (!list[i].name[0] ||
		    !bt_addr_equal(&list[i].key.addr.bdaddr, dev))
			continue;
		snprintf(name, size, "%s", list[i].name);
		found = true;
	}
	keystore_entries_free(list, n);
	return found;
}

static int keys_remove(struct cli *cli, const char *dir, const char *arg)
{
	struct keystore_entry *list = NULL;
	struct cli_present present = { .n = 0 };
	struct mgmt_addr dev;
	char a[BT_ADDR_STRLEN];
	unsigned int removed = 0;
	uint16_t index;
	size_t n = 0;
	int ret, err;

	if (strncmp(arg, "name:", 5) != 0 &&
	    !cli_parse_addr(cli, "keys remove", arg, &dev))
		return CLI_EXIT_USAGE;
	/* Without -i: from every controller that has a key for it. */
	ret = stored_keys(cli, "keys remove", dir, false, &index, &list, &n);
	if (!ret)
		ret = keys_match(cli, "keys remove", dir, arg, list, n,
				 &dev.bdaddr);
	if (ret) {
		keystore_entries_free(list, n);
		return ret;
	}
	bt_addr_format(&dev.bdaddr, a);
	if (cli->json)
		cli_find_present(cli, &present);
	for (size_t i = 0; i < n; i++) {
		char c[BT_ADDR_STRLEN];

		if (!bt_addr_equal(&list[i].key.addr.bdaddr, &dev.bdaddr))
			continue;
		err = keystore_remove(dir, &list[i].controller, &dev.bdaddr);
		if (err < 0) {
			char what[64];

			keystore_entries_free(list, n);
			snprintf(what, sizeof(what), "keys remove %s", a);
			return cli_file_errno_fail(cli, err, what);
		}
		removed++;
		bt_addr_format(&list[i].controller, c);
		if (cli->json) {
			struct json j;

			/* One per key: each names its controller. */
			json_begin_index(
				&j, "key-removed",
				cli_present_index(&present,
						  &list[i].controller));
			json_str(&j, "controller", c);
			json_str(&j, "address", a);
			json_end(cli, &j);
		}
	}
	keystore_entries_free(list, n);
	if (!removed)
		return cli_fail(cli, CLI_EXIT_FAILURE, -1,
				"keys remove %s: no stored key in %s", a, dir);
	cli_print(cli, "removed the stored key of %s", a);
	return CLI_EXIT_OK;
}

int cmd_keys(struct cli *cli, int argc, char *argv[])
{
	static const struct cli_opt opts[] = {
		{ "keystore", 'K', CLI_OPT_STRING }, /* data: keystore */
		{ NULL },
	};
	const char *keystore = NULL, *dir, *verb;
	int ret = CLI_EXIT_OK, nargs;

	if (!cli_options(cli, "keys", argc, argv, opts, NULL, &keystore, &ret))
		return ret;
	nargs = argc - optind;
	verb = argv[optind];
	dir = keystore_dir(keystore);
	if (strcmp(verb, "list") == 0 && nargs == 1)
		return keys_list(cli, dir);
	if (strcmp(verb, "load") == 0 && nargs == 1)
		return cli_keys_load(cli, dir);
	if (strcmp(verb, "remove") == 0 && nargs == 2)
		return keys_remove(cli, dir, argv[optind + 1]);
	return cli_fail(cli, CLI_EXIT_USAGE, -1,
			"keys: expected 'list', 'load' or 'remove ADDR' (see "
			"btpair keys --help)");
}
