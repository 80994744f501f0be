/* status and disconnect: what is paired, connected, bound and declared. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/context.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/common.h"
#include "cli/keys.h"
#include "cli/serial.h"
#include "keystore/keystore.h"
#include "mgmt/addr.h"
#include "rfcomm/rfcomm.h"
#include "serial/conf.h"

static int cmp_index(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static void warn_file(void *data, const char *path, const char *why)
{
	cli_warn(data, "skipping %s: %s", path, why);
}

/* The controllers in index order (all, or -i's). */
static int controllers(struct cli *cli, uint16_t *indexes, uint16_t *count)
{
	uint16_t all[CLI_INDEX_LIST_MAX];
	uint16_t n, wanted;
	int ret;

	ret = cli_read_index_list(cli, "status", all, &n);
	if (ret)
		return ret;
	*count = 0;
	if (!cli_index_arg(cli, &wanted))
		return CLI_EXIT_USAGE;
	for (uint16_t i = 0; i < n; i++) {
		uint16_t index = all[i];

		if (!cli->index_arg || index == wanted)
			indexes[(*count)++] = index;
	}
	if (cli->index_arg && !*count)
		return cli_fail(cli, CLI_EXIT_NO_CONTROLLER, -1,
				"status: no controller hci%u", wanted);
	qsort(indexes, *count, sizeof(indexes[0]), cmp_index);
	return CLI_EXIT_OK;
}

static const char *addr_type_str(uint8_t type)
{
	/* clang-format off */
	switch (type) {
	case MGMT_ADDR_BREDR: return "BR/EDR";
	case MGMT_ADDR_LE_PUBLIC: return "LE public";
	case MGMT_ADDR_LE_RANDOM: return "LE random";
	}
	/* clang-format on */
	return "unknown";
}

static int show_controller(struct cli *cli, uint16_t index,
			   const bdaddr_t *filter)
{
	struct mgmt_controller_info info;
	uint8_t rp[2 + 7 * 512], status;
	const uint8_t *entries;
	char a[BT_ADDR_STRLEN], what[32];
	uint16_t n;
	size_t rp_len;
	int ret;

	ret = cli_read_info(cli, "status", index, &info);
	if (ret)
		return ret;
	bt_addr_format(&info.bdaddr, a);
	if (cli->json) {
		const char *names[33];
		struct json j;

		char cls[16];

		/* The same key set as list's controller event. */
		snprintf(cls, sizeof(cls), "0x%02x%02x%02x", info.dev_class[2],
			 info.dev_class[1], info.dev_class[0]);
		cli_settings_names(info.current_settings, names);
		json_begin_addr(&j, "controller", index, a);
		json_str(&j, "name", info.name);
		json_str(&j, "class", cls);
		json_int(&j, "version", info.version);
		json_int(&j, "manufacturer", info.manufacturer);
		json_str_array(&j, "settings", names);
		json_end(cli, &j);
	} else {
		char settings[400];

		cli_settings_str(info.current_settings, settings,
				 sizeof(settings));
		cli_print(cli, "controller hci%u %s \"%s\" %s", index, a,
			  info.name, settings);
	}
	snprintf(what, sizeof(what), "status hci%u", index);
	ret = cli_call(cli, what, MGMT_OP_GET_CONNECTIONS, index, NULL, 0,
		       &status, rp, sizeof(rp), &rp_len);
	if (ret)
		return ret;
	/* A controller that is off has no connections to list. */
	if (status == MGMT_STATUS_NOT_POWERED)
		return CLI_EXIT_OK;
	if (status != MGMT_STATUS_SUCCESS)
		return cli_status_fail(cli, status, what);
	if (rp_len > sizeof(rp))
		return cli_client_fail(cli, -EBADMSG, what);
	if (mgmt_rp_connections_decode(rp, rp_len, &n, &entries) < 0)
		return cli_client_fail(cli, -EBADMSG, what);
	for (uint16_t i = 0; i < n; i++) {
		struct mgmt_addr peer;
		char d[BT_ADDR_STRLEN];

		if (mgmt_rp_addr_decode(entries + 7 * i, 7, &peer) < 0)
			return cli_client_fail(cli, -EBADMSG, what);
		if (filter && !bt_addr_equal(filter, &peer.bdaddr))
			continue;
		bt_addr_format(&peer.bdaddr, d);
		if (cli->json) {
			struct json j;

			json_begin_addr(&j, "connection", index, d);
			json_str(&j, "type", addr_type_str(peer.type));
			json_end(cli, &j);
		} else {
			cli_print(cli, "connection hci%u %s %s", index, d,
				  addr_type_str(peer.type));
		}
	}
	return CLI_EXIT_OK;
}

static int show_keys(struct cli *cli, const char *dir, const bdaddr_t *filter)
{
	struct keystore_entry *list = NULL;
	size_t n = 0;
	int err;

	err = keystore_list(dir, NULL, &list, &n, warn_file, cli);
	if (err < 0)
		return cli_fail(cli, CLI_EXIT_FAILURE, -1,
				"status: cannot read %s: %s", dir,
				strerror(-err));
	struct cli_present present = { .n = 0 };

	if (cli->json)
		cli_find_present(cli, &present);
	for (size_t i = 0; i < n; i++) {
		const struct keystore_entry *e = &list[i];
		const char *type = mgmt_key_type_str(e->key.type);
		char c[BT_ADDR_STRLEN], d[BT_ADDR_STRLEN];

		if (filter && !bt_addr_equal(filter, &e->key.addr.bdaddr))
			continue;
		if (cli->json) {
			cli_key_json(cli, &present, e);
			continue;
		}
		bt_addr_format(&e->controller, c);
		bt_addr_format(&e->key.addr.bdaddr, d);
		cli_print(cli, "key %s %s %s", c, d, type ? type : "unknown");
	}
	keystore_entries_free(list, n);
	return CLI_EXIT_OK;
}

/* A node's state for people: whether its link is up. The kernel says
 * "open" for a node never used and "closed" for one whose link ended: both
 * are a node waiting to be opened. */
static const char *binding_state(uint16_t state)
{
	/* clang-format off */
	switch (state) {
	case BT_CONNECTED: return "connected";
	case BT_CONNECT:
	case BT_CONNECT2:
	case BT_CONFIG: return "connecting";
	case BT_DISCONN: return "disconnecting";
	}
	/* clang-format on */
	return "idle";
}

static void show_binding(struct cli *cli, const struct rfcomm_dev_state *d)
{
	char a[BT_ADDR_STRLEN];

	if (cli->json) {
		struct json j;

		json_begin(&j, "binding");
		json_int(&j, "dev", d->id);
		json_addr(&j, "address", &d->addr);
		json_addr(&j, "local", &d->local);
		json_int(&j, "channel", d->channel);
		json_str(&j, "state", binding_state(d->state));
		json_end(cli, &j);
	} else {
		cli_print(cli, "binding /dev/rfcomm%d %s channel %u %s", d->id,
			  bt_addr_format(&d->addr, a), d->channel,
			  binding_state(d->state));
	}
}

static void show_entry(struct cli *cli, const struct serial_entry *e,
		       const struct rfcomm_dev_state *devs, size_t ndevs)
{
	struct serial_state st;
	char a[BT_ADDR_STRLEN] = "", target[64], ch[48], down[48] = "down";
	bool known = false;
	int dev = cli_serial_bound(e, devs, ndevs, &st, &known);
	bool up = e->pty ? cli_serial_pty_running(e) : dev >= 0;
	pid_t retry = up ? 0 : cli_serial_retrying(e);
	/* Where the channel in use came from, when serial up recorded it. */
	const char *from = known && (up || dev >= 0) ?
				   serial_channel_from_name(st.from) :
				   NULL;

	if (e->by_name)
		snprintf(target, sizeof(target), "name:%.40s", e->pattern);
	else
		bt_addr_format(&e->addr, target);
	if (known)
		bt_addr_format(&st.addr, a);
	else if (!e->by_name)
		bt_addr_format(&e->addr, a);
	if (e->channel)
		snprintf(ch, sizeof(ch), "%u", e->channel);
	else if (from)
		snprintf(ch, sizeof(ch), "auto (%u, %s)", st.channel, from);
	else
		snprintf(ch, sizeof(ch), "auto");
	if (retry)
		snprintf(down, sizeof(down), "down (retrying: process %d)",
			 (int)retry);
	if (cli->json) {
		struct json j;

		json_begin(&j, "serial-entry");
		json_str(&j, "name", e->name);
		json_str(&j, "target", target);
		json_str(&j, "address", *a ? a : NULL);
		/* null: found by SDP when the link comes up */
		json_int_or_null(&j, "channel", e->channel || from,
				 e->channel ? e->channel : st.channel);
		json_str_or_null(&j, "channel_from",
				 e->channel ? "conf" : from);
		json_int_or_null(&j, "dev", dev >= 0 || e->dev >= 0,
				 dev >= 0 ? dev : e->dev);
		json_str(&j, "pty", e->pty);
		json_bool(&j, "up", up);
		json_bool(&j, "retrying", retry != 0);
		json_end(cli, &j);
		return;
	}
	if (e->pty)
		cli_print(cli, "serial %s %s channel %s pty %s %s", e->name,
			  target, ch, e->pty, up ? "up" : down);
	else if (dev >= 0)
		cli_print(cli, "serial %s %s channel %s /dev/rfcomm%d up",
			  e->name, target, ch, dev);
	else
		cli_print(cli, "serial %s %s channel %s %s", e->name, target,
			  ch, down);
}

/* What status was asked for. */
struct status_opts {
	const char *keystore, *config;
};

int cmd_status(struct cli *cli, int argc, char *argv[])
{
	static const struct cli_opt opts[] = {
		CLI_OPT(struct status_opts, "keystore", 'k', STRING, keystore),
		CLI_OPT(struct status_opts, "config", 'f', STRING, config),
		{ NULL },
	};
	static struct rfcomm_dev_state devs[RFCOMM_MAX_DEV];
	struct status_opts o = { NULL, NULL };
	const char *path;
	struct serial_conf conf = { NULL, 0 };
	struct file_error cerr;
	uint16_t indexes[CLI_INDEX_LIST_MAX], count = 0;
	struct mgmt_addr filter;
	const bdaddr_t *f = NULL;
	size_t ndevs = 0;
	int ret = CLI_EXIT_OK, err;

	if (!cli_options(cli, "status", argc, argv, opts, NULL, &o, &ret))
		return ret;
	if (argc - optind == 1 &&
	    !cli_parse_addr(cli, "status", argv[optind], &filter))
		return CLI_EXIT_USAGE;
	if (argc - optind == 1)
		f = &filter.bdaddr;

	ret = cli_open(cli, "status");
	if (!ret)
		ret = controllers(cli, indexes, &count);
	for (uint16_t i = 0; !ret && i < count; i++)
		ret = show_controller(cli, indexes[i], f);
	if (!ret)
		ret = show_keys(cli, keystore_dir(o.keystore), f);
	if (ret)
		return ret;

	err = rfcomm_list_devs(devs, RFCOMM_MAX_DEV, &ndevs);
	if (err < 0 && err != -EAFNOSUPPORT && err != -EPROTONOSUPPORT)
		return cli_fail(cli, CLI_EXIT_FAILURE, -1,
				"status: RFCOMM bindings: %s", strerror(-err));
	for (size_t i = 0; i < ndevs; i++)
		if (!f || bt_addr_equal(f, &devs[i].addr))
			show_binding(cli, &devs[i]);

	path = serial_conf_path(o.config);
	err = serial_conf_load(path, &conf, &cerr);
	if (err == -ENOENT && !o.config && !getenv("BTPAIR_SERIAL_CONF"))
		return CLI_EXIT_OK;
	if (err < 0)
		return cli_serial_conf_fail(cli, "status", path, err, &cerr);
	for (size_t i = 0; i < conf.count; i++) {
		const struct serial_entry *e = &conf.entries[i];
		struct serial_state st;
		bool known = false;

		if (f) {
			cli_serial_bound(e, devs, ndevs, &st, &known);
			if (!(known && bt_addr_equal(f, &st.addr)) &&
			    (e->by_name || !bt_addr_equal(f, &e->addr)))
				continue;
		}
		show_entry(cli, e, devs, ndevs);
	}
	serial_conf_free(&conf);
	return CLI_EXIT_OK;
}

int cmd_disconnect(struct cli *cli, int argc, char *argv[])
{
	uint8_t cp[7], rp[7], status;
	struct mgmt_addr addr;
	char a[BT_ADDR_STRLEN], what[64];
	uint16_t index;
	size_t rp_len;
	int ret = CLI_EXIT_OK;

	if (!cli_options(cli, "disconnect", argc, argv, NULL, NULL, NULL, &ret))
		return ret;
	if (!cli_parse_addr(cli, "disconnect", argv[optind], &addr))
		return CLI_EXIT_USAGE;
	ret = cli_open(cli, "disconnect");
	if (!ret)
		ret = cli_resolve_index(cli, "disconnect", &index);
	if (ret)
		return ret;
	bt_addr_format(&addr.bdaddr, a);
	snprintf(what, sizeof(what), "disconnect %s", a);
	addr.type = MGMT_ADDR_BREDR;
	ret = cli_call(cli, what, MGMT_OP_DISCONNECT, index, cp,
		       mgmt_cmd_addr(cp, &addr), &status, rp, sizeof(rp),
		       &rp_len);
	if (ret)
		return ret;
	/* Kernels answer Not Connected or Disconnected for a device with no
	 * link. */
	if (status == MGMT_STATUS_NOT_CONNECTED ||
	    status == MGMT_STATUS_DISCONNECTED)
		return cli_fail(cli, CLI_EXIT_FAILURE, status,
				"%s: not connected", what);
	if (status != MGMT_STATUS_SUCCESS)
		return cli_status_fail(cli, status, what);
	if (cli->json) {
		struct json j;

		json_begin_addr(&j, "disconnected", index, a);
		/* The link was ended from here, as Device Disconnected
		 * says "local host" for monitor. */
		json_str(&j, "reason", "local host");
		json_end(cli, &j);
	} else {
		cli_print(cli, "disconnected %s", a);
	}
	return CLI_EXIT_OK;
}
