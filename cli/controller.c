/* Controller commands: list, power, setup. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <stdlib.h>

#include "cli/context.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "cli/common.h"
#include "cli/probe.h"
#include "cli/keys.h"
#include "keystore/keystore.h"
#include "mgmt/addr.h"

static int cmp_index(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static void print_controller(struct cli *cli, uint16_t index,
			     const struct mgmt_controller_info *info)
{
	char addr[BT_ADDR_STRLEN], settings[400], cls[16];

	bt_addr_format(&info->bdaddr, addr);
	snprintf(cls, sizeof(cls), "0x%02x%02x%02x", info->dev_class[2],
		 info->dev_class[1], info->dev_class[0]);
	if (cli->json) {
		const char *names[33];
		struct json j;

		cli_settings_names(info->current_settings, names);
		json_begin_addr(&j, "controller", index, addr);
		json_str(&j, "name", info->name);
		json_str(&j, "class", cls);
		json_int(&j, "version", info->version);
		json_int(&j, "manufacturer", info->manufacturer);
		json_str_array(&j, "settings", names);
		json_end(cli, &j);
		return;
	}
	cli_settings_str(info->current_settings, settings, sizeof(settings));
	cli_print(cli, "hci%u %s name \"%s\" class %s settings %s", index, addr,
		  info->name, cls, settings);
}

int cmd_list(struct cli *cli, int argc, char *argv[])
{
	uint16_t count, indexes[CLI_INDEX_LIST_MAX];
	int ret = CLI_EXIT_OK;

	if (!cli_options(cli, "list", argc, argv, NULL, NULL, NULL, &ret))
		return ret;
	ret = cli_open(cli, "list");
	if (ret)
		return ret;

	ret = cli_read_index_list(cli, "list", indexes, &count);
	if (ret)
		return ret;
	if (count == 0)
		return cli_fail(cli, CLI_EXIT_NO_CONTROLLER, -1,
				"list: no Bluetooth controller found");

	/* In index order: the kernel lists the newest first. */
	qsort(indexes, count, sizeof(indexes[0]), cmp_index);

	for (uint16_t i = 0; i < count; i++) {
		uint16_t index = indexes[i];
		struct mgmt_controller_info info;

		/* With -i, only that one. */
		if (cli->index_arg) {
			uint16_t wanted;

			if (!cli_index_arg(cli, &wanted))
				return CLI_EXIT_USAGE;
			if (wanted != index)
				continue;
		}
		ret = cli_read_info(cli, "list", index, &info);
		if (ret)
			return ret;
		print_controller(cli, index, &info);
	}
	if (cli->index_arg) {
		uint16_t index;

		/* Reports "no controller hciN" when it was not listed. */
		return cli_resolve_index(cli, "list", &index);
	}
	return CLI_EXIT_OK;
}

/*
 * Send a mode command (Set Powered and friends) and report a failure. On
 * success *settings gets the controller's new settings.
 */
static int set_mode(struct cli *cli, const char *cmd, uint16_t index,
		    uint16_t opcode, bool on, uint32_t *settings)
{
	uint8_t mode[1], rp[4], status;
	size_t rp_len = 0;
	char what[96];
	int ret;

	snprintf(what, sizeof(what), "%s hci%u: %s %s", cmd, index,
		 mgmt_opcode_str(opcode), on ? "on" : "off");
	if (opcode == MGMT_OP_SET_POWERED)
		cli_progress(cli, -1, "waiting for hci%u to power %s", index,
			     on ? "on" : "off");
	ret = cli_call(cli, what, opcode, index, mode, mgmt_cmd_mode(mode, on),
		       &status, rp, sizeof(rp), &rp_len);
	cli_progress_end();
	if (ret)
		return ret;
	if (status != MGMT_STATUS_SUCCESS) {
		/* A controller that will not power up is "unavailable";
		 * one that a user may not power is a permission matter. */
		if (opcode == MGMT_OP_SET_POWERED && on &&
		    status != MGMT_STATUS_PERMISSION_DENIED)
			return cli_fail(cli, CLI_EXIT_NO_CONTROLLER, status,
					"%s: cannot be powered (%s)", what,
					cli_status_name(status));
		return cli_status_fail(cli, status, what);
	}
	if (mgmt_rp_settings_decode(rp, rp_len, settings) < 0)
		return cli_client_fail(cli, -EBADMSG, what);
	return CLI_EXIT_OK;
}

static bool parse_on_off(const char *arg, bool *on)
{
	if (strcmp(arg, "on") == 0)
		*on = true;
	else if (strcmp(arg, "off") == 0)
		*on = false;
	else
		return false;
	return true;
}

int cmd_power(struct cli *cli, int argc, char *argv[])
{
	uint32_t settings = 0;
	uint16_t index;
	int ret = CLI_EXIT_OK;
	bool on;

	if (!cli_options(cli, "power", argc, argv, NULL, NULL, NULL, &ret))
		return ret;
	if (!parse_on_off(argv[optind], &on))
		return cli_fail(cli, CLI_EXIT_USAGE, -1,
				"power: expected 'on' or 'off', not '%s'",
				argv[optind]);
	ret = cli_open(cli, "power");
	if (!ret)
		ret = cli_resolve_index(cli, "power", &index);
	if (!ret)
		ret = set_mode(cli, "power", index, MGMT_OP_SET_POWERED, on,
			       &settings);
	if (ret)
		return ret;

	if (cli->json) {
		struct json j;

		json_begin_index(&j, "power", index);
		json_bool(&j, "powered", settings & MGMT_SETTING_POWERED);
		json_end(cli, &j);
	} else {
		cli_print(cli, "hci%u powered %s", index,
			  settings & MGMT_SETTING_POWERED ? "on" : "off");
	}
	return CLI_EXIT_OK;
}

static int set_name(struct cli *cli, uint16_t index, const char *name)
{
	uint8_t cp[sizeof(struct mgmt_cp_set_local_name)];
	char what[64];

	snprintf(what, sizeof(what), "setup hci%u: Set Local Name", index);
	return cli_call(cli, what, MGMT_OP_SET_LOCAL_NAME, index, cp,
			mgmt_cmd_set_local_name(cp, name), NULL, NULL, 0, NULL);
}

static int set_io_cap(struct cli *cli, uint16_t index, uint8_t cap)
{
	uint8_t cp[1];
	char what[64];

	snprintf(what, sizeof(what), "setup hci%u: Set IO Capability", index);
	return cli_call(cli, what, MGMT_OP_SET_IO_CAPABILITY, index, cp,
			mgmt_cmd_set_io_capability(cp, cap), NULL, NULL, 0,
			NULL);
}

/*
 * Switch SSP. Some kernels refuse to turn it off while powered; then power
 * down, switch, and power up again.
 */
static int set_ssp(struct cli *cli, uint16_t index, bool on, uint32_t *settings)
{
	uint8_t mode[1], rp[4], status;
	size_t rp_len = 0;
	int ret;

	ret = cli_call(cli, "setup: Set Secure Simple Pairing", MGMT_OP_SET_SSP,
		       index, mode, mgmt_cmd_mode(mode, on), &status, rp,
		       sizeof(rp), &rp_len);
	if (ret)
		return ret;
	if (status == MGMT_STATUS_SUCCESS) {
		if (mgmt_rp_settings_decode(rp, rp_len, settings) < 0)
			return cli_client_fail(cli, -EBADMSG, "setup");
		return CLI_EXIT_OK;
	}
	if (!(*settings & MGMT_SETTING_POWERED) ||
	    (status != MGMT_STATUS_REJECTED && status != MGMT_STATUS_BUSY))
		return cli_status_fail(cli, status,
				       "setup: Set Secure Simple Pairing");
	ret = set_mode(cli, "setup", index, MGMT_OP_SET_POWERED, false,
		       settings);
	if (!ret)
		ret = set_mode(cli, "setup", index, MGMT_OP_SET_SSP, on,
			       settings);
	if (!ret)
		ret = set_mode(cli, "setup", index, MGMT_OP_SET_POWERED, true,
			       settings);
	return ret;
}

/* What setup was asked for. */
struct setup_opts {
	const char *name; /* NULL: keep the name */
	uint8_t cap;
	bool ssp_given, ssp;
	bool load_keys;	      /* --load-keys: keys load first */
	const char *keystore; /* --keystore DIR, or NULL */
};

/* --ssp, setup's one option of its own. */
static bool setup_ssp(struct cli *cli, int opt, const char *arg, void *data)
{
	struct setup_opts *o = data;

	(void)opt;
	if (!parse_on_off(arg, &o->ssp)) {
		cli_fail(cli, CLI_EXIT_USAGE, -1,
			 "setup: --ssp takes 'on' or 'off', not '%s'", arg);
		return false;
	}
	o->ssp_given = true;
	return true;
}

/* Parse setup's options into o; false with *ret set when done already. */
static bool parse_setup(struct cli *cli, int argc, char *argv[],
			struct setup_opts *o, int *ret)
{
	static const struct cli_opt opts[] = {
		{ "ssp", 's', CLI_OPT_OWN },
		CLI_OPT(struct setup_opts, "capability", 'c', CAPABILITY, cap),
		CLI_OPT(struct setup_opts, "name", 'n', NAME, name),
		CLI_OPT(struct setup_opts, "load-keys", 'L', FLAG, load_keys),
		CLI_OPT(struct setup_opts, "keystore", 'K', STRING, keystore),
		{ NULL },
	};

	if (!cli_options(cli, "setup", argc, argv, opts, setup_ssp, o, ret))
		return false;
	if (o->keystore && !o->load_keys) {
		*ret = cli_fail(cli, CLI_EXIT_USAGE, -1,
				"setup: --keystore goes with --load-keys");
		return false;
	}
	return true;
}

/*
 * A radio that rfkill blocks cannot be powered. A soft block (rfkill
 * unblock, a desktop's switch, rfkill.default_state=0 at boot) is lifted,
 * and said; a hard one (a switch, a key, the firmware) is the user's to
 * lift, and setup fails saying where. *lifted tells whether it lifted one.
 */
static int free_radio(struct cli *cli, uint16_t index, bool *lifted)
{
	enum probe_rfkill_lift what = PROBE_RFKILL_NO_SWITCH;
	uint32_t idx = 0;
	int err;

	*lifted = false;
	err = probe_rfkill_lift(PROBE_SYSFS_BLUETOOTH, PROBE_SYSFS_RFKILL,
				PROBE_RFKILL_DEV, index, &idx, &what);
	/* Unreadable: powering up says what is wrong, if anything. */
	if (err < 0 && what != PROBE_RFKILL_SOFT)
		return CLI_EXIT_OK;
	if (err < 0)
		return cli_fail(cli,
				cli_permission_error(err) ?
					CLI_EXIT_PERMISSION :
					CLI_EXIT_NO_CONTROLLER,
				-1,
				"setup hci%u: the radio is soft-blocked "
				"(rfkill%u) and lifting that failed: %s%s",
				index, idx, strerror(-err),
				cli_permission_error(err) ? " (run as root)" :
							    "");
	switch (what) {
	case PROBE_RFKILL_HARD:
		return cli_fail(cli, CLI_EXIT_NO_CONTROLLER, -1,
				"setup hci%u: the radio is hard-blocked "
				"(rfkill%u): a switch, a key or the firmware "
				"turns it off and no software can lift that; "
				"turn it on there",
				index, idx);
	case PROBE_RFKILL_LIFTED:
		cli_warn(cli,
			 "setup hci%u: the radio was soft-blocked "
			 "(rfkill%u); unblocked it",
			 index, idx);
		*lifted = true;
		break;
	case PROBE_RFKILL_NO_SWITCH:
	case PROBE_RFKILL_CLEAR:
	case PROBE_RFKILL_SOFT:
		break;
	}
	return CLI_EXIT_OK;
}

/* Change what differs from o on the controller described by info, so that
 * running it twice is harmless. Returns the exit code, reported. */
static int setup_controller(struct cli *cli, uint16_t index,
			    const struct setup_opts *o,
			    const struct mgmt_controller_info *info,
			    bool *lifted)
{
	uint32_t settings = info->current_settings;
	int ret;

	ret = free_radio(cli, index, lifted);
	if (!ret)
		ret = set_io_cap(cli, index, o->cap);
	if (!ret && !(settings & MGMT_SETTING_BONDABLE))
		ret = set_mode(cli, "setup", index, MGMT_OP_SET_BONDABLE, true,
			       &settings);
	if (!ret && !(settings & MGMT_SETTING_CONNECTABLE))
		ret = set_mode(cli, "setup", index, MGMT_OP_SET_CONNECTABLE,
			       true, &settings);
	if (!ret && o->ssp_given && !!(settings & MGMT_SETTING_SSP) != o->ssp)
		ret = set_ssp(cli, index, o->ssp, &settings);
	if (!ret && o->name && strcmp(o->name, info->name) != 0)
		ret = set_name(cli, index, o->name);
	if (!ret && !(settings & MGMT_SETTING_POWERED))
		ret = set_mode(cli, "setup", index, MGMT_OP_SET_POWERED, true,
			       &settings);
	return ret;
}

static void report_setup(struct cli *cli, uint16_t index,
			 const struct mgmt_controller_info *info, uint8_t cap,
			 bool lifted)
{
	if (cli->json) {
		const char *names[33];
		char addr[BT_ADDR_STRLEN];
		struct json j;

		cli_settings_names(info->current_settings, names);
		json_begin_addr(&j, "setup", index,
				bt_addr_format(&info->bdaddr, addr));
		json_str(&j, "name", info->name);
		json_str(&j, "capability", mgmt_io_cap_str(cap));
		json_str_array(&j, "settings", names);
		json_bool(&j, "unblocked", lifted);
		json_end(cli, &j);
	} else {
		char s[400];

		cli_settings_str(info->current_settings, s, sizeof(s));
		cli_print(cli, "hci%u ready: %s capability %s", index, s,
			  mgmt_io_cap_str(cap));
	}
}

int cmd_setup(struct cli *cli, int argc, char *argv[])
{
	struct setup_opts o = { .cap = MGMT_IO_NO_INPUT_NO_OUTPUT };
	struct mgmt_controller_info info;
	uint16_t index;
	bool lifted = false;
	int ret = CLI_EXIT_OK;

	if (!parse_setup(cli, argc, argv, &o, &ret))
		return ret;
	ret = cli_open(cli, "setup");
	/* The keys first: once powered, the controller may be connected to,
	 * and a device it has a key for must not be asked for a PIN. One
	 * process for both is what a unit at boot wants. */
	if (!ret && o.load_keys)
		ret = cli_keys_load(cli, keystore_dir(o.keystore));
	if (!ret)
		ret = cli_resolve_index(cli, "setup", &index);
	if (!ret)
		ret = cli_read_info(cli, "setup", index, &info);
	if (!ret)
		ret = setup_controller(cli, index, &o, &info, &lifted);
	/* Read back what the controller now says, name included. */
	if (!ret)
		ret = cli_read_info(cli, "setup", index, &info);
	if (ret)
		return ret;
	report_setup(cli, index, &info, o.cap, lifted);
	return CLI_EXIT_OK;
}
