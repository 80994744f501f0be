/*
 * agent: stay running and answer the pairing requests that others start,
 * for the devices it is told to, and store the keys that result.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <fnmatch.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/context.h"
#include "cli/keys.h"
#include "cli/output.h"
#include "cli/pin.h"
#include "keystore/keystore.h"
#include "lib/time.h"
#include "mgmt/addr.h"
#include "mgmt/client.h"
#include "mgmt/eir.h"
#include "mgmt/policy.h"
#include "mgmt/wire.h"

#define AGENT_MAX_ALLOW 64
#define AGENT_MAX_CONTROLLERS 16
#define AGENT_MAX_DEVICES 64

struct controller {
	bool used;
	uint16_t index;
	bdaddr_t addr;
};

/* A device's name, as its Device Connected event brought it. */
struct device_name {
	bool used;
	uint16_t index;
	bdaddr_t dev;
	char name[249];
};

struct agent {
	struct cli *cli;
	struct cli_pins pins;
	const char *pin_file;
	/* A PIN file that is not a regular file (a pipe) is read once, at
	 * start; a regular one again for each request. */
	struct cli_pin_text pin_text;
	bdaddr_t allow[AGENT_MAX_ALLOW];
	size_t nallow;
	/* --allow name:PATTERN */
	const char *allow_names[AGENT_MAX_ALLOW];
	size_t nallow_names;
	struct device_name names[AGENT_MAX_DEVICES];
	unsigned int next_name;
	bool allow_any;
	bool confirm;
	bool once;
	unsigned long timeout_s; /* --timeout, 0: none */
	uint8_t cap;
	const char *keystore;
	bool only_one;
	uint16_t only_index;
	struct controller ctrl[AGENT_MAX_CONTROLLERS];
	/* What to answer, and the PINs each device has tried: the policy's. */
	struct policy policy;
	struct policy_state policy_state;
	/* The PINs the PIN file gives the requesting device. */
	struct cli_pins file_pins;
	unsigned int paired;
};

/* One line per event on stderr: journald keeps each as one entry. */
static void agent_log(struct agent *ag, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void agent_log(struct agent *ag, const char *fmt, ...)
{
	va_list ap;

	(void)ag;
	fputs("btpair agent: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static struct controller *find_ctrl(struct agent *ag, uint16_t index)
{
	for (size_t i = 0; i < AGENT_MAX_CONTROLLERS; i++)
		if (ag->ctrl[i].used && ag->ctrl[i].index == index)
			return &ag->ctrl[i];
	return NULL;
}

/* The name the device's Device Connected event carried, or NULL. */
static const char *connected_name(struct agent *ag, uint16_t index,
				  const bdaddr_t *dev)
{
	for (size_t i = 0; i < AGENT_MAX_DEVICES; i++) {
		struct device_name *d = &ag->names[i];

		if (d->used && d->index == index && bt_addr_equal(&d->dev, dev))
			return d->name;
	}
	return NULL;
}

/* The device's name: from its Device Connected event, else the key
 * store's; NULL when neither has one. */
static const char *device_name(struct agent *ag, uint16_t index,
			       const bdaddr_t *dev, char *buf, size_t size)
{
	const char *name = connected_name(ag, index, dev);

	if (name)
		return name;
	if (cli_stored_name(keystore_dir(ag->keystore), dev, buf, size))
		return buf;
	return NULL;
}

/* Keep the name a Device Connected event carries in its EIR. */
static void note_name(struct agent *ag, const struct mgmt_event *ev)
{
	struct device_name *d = NULL;
	struct eir_info eir;

	if (eir_parse(ev->connected.eir, ev->connected.eir_len, &eir) < 0 ||
	    !eir.has_name || !eir.name[0])
		return;
	for (size_t i = 0; i < AGENT_MAX_DEVICES && !d; i++) {
		struct device_name *n = &ag->names[i];

		if (n->used && n->index == ev->index &&
		    bt_addr_equal(&n->dev, &ev->connected.addr.bdaddr))
			d = n;
	}
	if (!d) {
		/* The oldest gives way. */
		d = &ag->names[ag->next_name++ % AGENT_MAX_DEVICES];
		d->used = true;
		d->index = ev->index;
		d->dev = ev->connected.addr.bdaddr;
	}
	snprintf(d->name, sizeof(d->name), "%s", eir.name);
}

static bool allowed(struct agent *ag, uint16_t index, const bdaddr_t *dev)
{
	char buf[249];
	const char *name;

	if (ag->allow_any)
		return true;
	for (size_t i = 0; i < ag->nallow; i++)
		if (bt_addr_equal(&ag->allow[i], dev))
			return true;
	if (!ag->nallow_names)
		return false;
	/* A name is what the device says it is: weaker than an address,
	 * which is no secret either. */
	name = device_name(ag, index, dev, buf, sizeof(buf));
	for (size_t i = 0; name && i < ag->nallow_names; i++)
		if (fnmatch(ag->allow_names[i], name, FNM_CASEFOLD) == 0)
			return true;
	return false;
}

/* Configure a controller we are to serve: IO capability and bondable. */
static int adopt(struct agent *ag, uint16_t index)
{
	struct mgmt_controller_info info;
	struct controller *slot = NULL;
	uint8_t cp[1], status, rp[4];
	char a[BT_ADDR_STRLEN], what[48];
	size_t rp_len;
	int err, ret;

	if (ag->only_one && index != ag->only_index)
		return CLI_EXIT_OK;
	if (find_ctrl(ag, index))
		return CLI_EXIT_OK;
	for (size_t i = 0; i < AGENT_MAX_CONTROLLERS && !slot; i++)
		if (!ag->ctrl[i].used)
			slot = &ag->ctrl[i];
	if (!slot) {
		agent_log(ag, "hci%u: too many controllers, not served", index);
		return CLI_EXIT_OK;
	}
	ret = cli_read_info(ag->cli, "agent", index, &info);
	if (ret)
		return ret;
	snprintf(what, sizeof(what), "agent hci%u", index);
	err = mgmt_client_call(ag->cli->client, MGMT_OP_SET_IO_CAPABILITY,
			       index, cp,
			       mgmt_cmd_set_io_capability(cp, ag->cap),
			       time_deadline_in(CLI_COMMAND_TIMEOUT_MS),
			       &status, NULL, 0, NULL);
	if (err < 0)
		return cli_client_fail(ag->cli, err, what);
	if (status != MGMT_STATUS_SUCCESS)
		return cli_status_fail(ag->cli, status, what);
	/* Without bondable the kernel refuses the PINs of pairings it did not
	 * start, and drops SSP keys. */
	if (!(info.current_settings & MGMT_SETTING_BONDABLE)) {
		err = mgmt_client_call(ag->cli->client, MGMT_OP_SET_BONDABLE,
				       index, cp, mgmt_cmd_mode(cp, true),
				       time_deadline_in(CLI_COMMAND_TIMEOUT_MS),
				       &status, rp, sizeof(rp), &rp_len);
		if (err < 0)
			return cli_client_fail(ag->cli, err, what);
		if (status != MGMT_STATUS_SUCCESS)
			return cli_status_fail(ag->cli, status, what);
	}
	slot->used = true;
	slot->index = index;
	slot->addr = info.bdaddr;
	agent_log(ag, "serving hci%u (%s), capability %s%s", index,
		  bt_addr_format(&info.bdaddr, a), mgmt_io_cap_str(ag->cap),
		  info.current_settings & MGMT_SETTING_POWERED ?
			  "" :
			  "; it is powered off (btpair setup powers it)");
	if (ag->cli->json) {
		struct json j;

		json_begin_addr(&j, "serving", index, a);
		json_str(&j, "capability", mgmt_io_cap_str(ag->cap));
		json_bool(&j, "powered",
			  info.current_settings & MGMT_SETTING_POWERED);
		json_end(ag->cli, &j);
	}
	return CLI_EXIT_OK;
}

static bool policy_allowed(void *data, uint16_t index, const bdaddr_t *dev)
{
	return allowed(data, index, dev);
}

/* The requesting device's PINs from the PIN file. A regular file is read
 * afresh each time, so that an edit takes effect; a pipe was read once, at
 * start. What is wrong with it goes to the log: the agent goes on, so it is
 * no error event on stdout. */
static int policy_file_pins(void *data, uint16_t index, const bdaddr_t *dev,
			    const char *const **pins, size_t *count)
{
	struct agent *ag = data;
	bool json = ag->cli->json;
	char buf[249];
	const char *name = device_name(ag, index, dev, buf, sizeof(buf));
	int ret;

	cli_pins_clear(&ag->file_pins);
	ag->cli->json = false;
	if (ag->pin_text.data)
		ret = cli_pin_file_parse(ag->cli, &ag->file_pins, "agent",
					 ag->pin_file, &ag->pin_text, dev,
					 name);
	else
		ret = cli_pins_from_file(ag->cli, &ag->file_pins, "agent",
					 ag->pin_file, dev, name);
	ag->cli->json = json;
	if (ret)
		return -ENOENT;
	*pins = (const char *const *)ag->file_pins.pins;
	*count = ag->file_pins.count;
	return 0;
}

/* Say what the policy answered, and why. */
static void log_answer(struct agent *ag, const struct mgmt_event *ev,
		       const char *a, const struct policy_reply *r)
{
	const char *what = ev->code == MGMT_EV_PIN_CODE_REQUEST ?
				   "PIN request" :
			   ev->code == MGMT_EV_USER_CONFIRM_REQUEST ?
				   "confirmation" :
				   "passkey entry";
	uint16_t i = ev->index;

	switch (r->reason) {
	case POLICY_REASON_ANSWERED:
		if (ev->code == MGMT_EV_PIN_CODE_REQUEST)
			agent_log(ag, "hci%u %s: answering PIN request", i, a);
		else
			agent_log(ag, "hci%u %s: accepting %s", i, a,
				  r->just_works ? "Just Works pairing" :
						  "numeric comparison");
		break;
	case POLICY_REASON_NOT_ALLOWED:
		agent_log(ag,
			  "hci%u %s: refused %s: not allowed (--allow %s "
			  "or --allow-any)",
			  i, a, what, a);
		break;
	case POLICY_REASON_PIN_LOOKUP:
		agent_log(ag,
			  "hci%u %s: refused PIN request: no PIN from %s "
			  "(see above)",
			  i, a, ag->pin_file);
		break;
	case POLICY_REASON_NO_PIN:
		agent_log(ag,
			  "hci%u %s: refused PIN request: no PIN for it "
			  "(--pin or --pin-file)",
			  i, a);
		break;
	case POLICY_REASON_PINS_FAILED:
		agent_log(ag,
			  "hci%u %s: refused PIN request: each of its %zu "
			  "PINs failed",
			  i, a, r->pin_count);
		break;
	case POLICY_REASON_SECURE_PIN:
		agent_log(ag,
			  "hci%u %s: refused secure PIN request: it needs "
			  "a 16-byte PIN",
			  i, a);
		break;
	case POLICY_REASON_CONFIRM:
		agent_log(ag,
			  "hci%u %s: refused numeric comparison %06u: "
			  "pass --confirm to accept",
			  i, a, ev->confirm_request.value);
		break;
	case POLICY_REASON_NO_PASSKEY:
		agent_log(ag,
			  "hci%u %s: refused passkey entry: the agent has "
			  "no keyboard (use a capability without one)",
			  i, a);
		break;
	case POLICY_REASON_REFUSED:
		break;
	}
	if (r->lost)
		agent_log(ag,
			  "hci%u %s: %s sent, its answer lost (event "
			  "flood?)",
			  i, a, mgmt_opcode_str(r->opcode));
	else if (r->rejected)
		agent_log(ag,
			  "hci%u %s: %s not taken (%s): another program "
			  "answered first, or the link is gone",
			  i, a, mgmt_opcode_str(r->opcode),
			  mgmt_status_str(r->status) ?
				  mgmt_status_str(r->status) :
				  "unknown status");
}

/* A PIN, confirmation or passkey request: the policy answers. */
static int on_request(struct agent *ag, const struct mgmt_event *ev,
		      const char *a)
{
	struct policy_reply r;
	int err;

	err = policy_answer(ag->cli->client, &ag->policy, &ag->policy_state, ev,
			    time_deadline_in(CLI_COMMAND_TIMEOUT_MS), &r);
	cli_pins_clear(&ag->file_pins);
	if (err < 0)
		return err;
	log_answer(ag, ev, a, &r);
	return 0;
}

static int on_new_link_key(struct agent *ag, const struct mgmt_event *ev,
			   const char *a)
{
	const struct mgmt_link_key *key = &ev->new_link_key.key;
	const char *type = mgmt_key_type_str(key->type);
	struct controller *c = find_ctrl(ag, ev->index);
	bool stored = false;
	int err;

	if (!c)
		return 0;
	if (ev->new_link_key.store_hint) {
		const char *name = connected_name(ag, ev->index,
						  &key->addr.bdaddr);

		err = keystore_save(keystore_dir(ag->keystore), &c->addr, key);
		if (err < 0)
			agent_log(ag, "hci%u %s: key not stored in %s: %s",
				  ev->index, a, keystore_dir(ag->keystore),
				  err == -EBADMSG ?
					  "its info file is malformed" :
					  strerror(-err));
		stored = err == 0;
		/* Its name too, for name:PATTERN later. */
		if (stored && name &&
		    (err = keystore_save_name(keystore_dir(ag->keystore),
					      &c->addr, &key->addr.bdaddr,
					      name)) < 0)
			agent_log(ag, "hci%u %s: its name not stored in %s: %s",
				  ev->index, a, keystore_dir(ag->keystore),
				  strerror(-err));
	}
	ag->paired++;
	agent_log(ag, "hci%u %s: paired (%s key%s)", ev->index, a,
		  type ? type : "unknown",
		  stored ? ", stored" : ", not stored");
	if (ag->cli->json) {
		struct json j;

		json_begin_addr(&j, "paired", ev->index, a);
		json_str(&j, "key_type", type ? type : "unknown");
		json_bool(&j, "stored", stored);
		json_bool(&j, "already_paired", false);
		json_end(ag->cli, &j);
	}
	return 0;
}

/* Handle one event. Returns 1 to stop (--once), 0 to go on, or an exit
 * code (> 1) / -errno on failure. */
static int handle(struct agent *ag, const struct mgmt_event *ev)
{
	const struct mgmt_addr *addr = NULL;
	char a[BT_ADDR_STRLEN] = "";
	int ret;

	switch (ev->code) {
	case MGMT_EV_INDEX_ADDED:
		/* A controller that vanishes while being set up is no
		 * reason to stop serving the others. */
		if (adopt(ag, ev->index))
			agent_log(ag, "hci%u: not served", ev->index);
		return 0;
	case MGMT_EV_INDEX_REMOVED: {
		struct controller *c = find_ctrl(ag, ev->index);

		if (c) {
			c->used = false;
			agent_log(ag, "hci%u removed", ev->index);
		}
		return 0;
	}
	case MGMT_EV_DEVICE_CONNECTED:
		if (find_ctrl(ag, ev->index))
			note_name(ag, ev);
		return 0;
	case MGMT_EV_PIN_CODE_REQUEST:
		addr = &ev->pin_request.addr;
		break;
	case MGMT_EV_USER_CONFIRM_REQUEST:
		addr = &ev->confirm_request.addr;
		break;
	case MGMT_EV_USER_PASSKEY_REQUEST:
		addr = &ev->passkey_request.addr;
		break;
	case MGMT_EV_NEW_LINK_KEY:
		addr = &ev->new_link_key.key.addr;
		break;
	case MGMT_EV_AUTH_FAILED:
		addr = &ev->auth_failed.addr;
		break;
	default:
		return 0;
	}
	if (!find_ctrl(ag, ev->index))
		return 0;
	bt_addr_format(&addr->bdaddr, a);

	switch (ev->code) {
	case MGMT_EV_PIN_CODE_REQUEST:
	case MGMT_EV_USER_CONFIRM_REQUEST:
	case MGMT_EV_USER_PASSKEY_REQUEST:
		return on_request(ag, ev, a);
	case MGMT_EV_NEW_LINK_KEY:
		policy_note_event(&ag->policy_state, ev);
		ret = on_new_link_key(ag, ev, a);
		if (ret == 0 && ag->once)
			return 1;
		return ret;
	case MGMT_EV_AUTH_FAILED:
		policy_note_event(&ag->policy_state, ev);
		agent_log(ag, "hci%u %s: authentication failed (%s)", ev->index,
			  a,
			  mgmt_status_str(ev->auth_failed.status) ?
				  mgmt_status_str(ev->auth_failed.status) :
				  "unknown status");
		return 0;
	default:
		return 0;
	}
}

static int serve_existing(struct agent *ag)
{
	uint16_t count, indexes[CLI_INDEX_LIST_MAX];
	int ret;

	ret = cli_read_index_list(ag->cli, "agent", indexes, &count);
	if (ret)
		return ret;
	for (uint16_t i = 0; i < count; i++) {
		ret = adopt(ag, indexes[i]);
		if (ret)
			return ret;
	}
	if (ag->only_one && !find_ctrl(ag, ag->only_index))
		agent_log(ag, "hci%u is not there yet; waiting for it",
			  ag->only_index);
	else if (count == 0)
		agent_log(ag, "no controller yet; waiting for one");
	return CLI_EXIT_OK;
}

/* --allow ADDR or --allow name:PATTERN. */
static bool parse_allow(struct cli *cli, struct agent *ag, const char *arg)
{
	struct mgmt_addr addr;

	if (strncmp(arg, "name:", 5) == 0) {
		if (!arg[5] || ag->nallow_names == AGENT_MAX_ALLOW) {
			cli_fail(cli, CLI_EXIT_USAGE, -1,
				 "agent: --allow name:PATTERN needs a pattern "
				 "(at most %d)",
				 AGENT_MAX_ALLOW);
			return false;
		}
		ag->allow_names[ag->nallow_names++] = arg + 5;
		return true;
	}
	if (!cli_parse_addr(cli, "agent", arg, &addr))
		return false;
	if (ag->nallow == AGENT_MAX_ALLOW) {
		cli_fail(cli, CLI_EXIT_USAGE, -1, "agent: at most %d --allow",
			 AGENT_MAX_ALLOW);
		return false;
	}
	ag->allow[ag->nallow++] = addr.bdaddr;
	return true;
}

/* --allow, the agent's one option of its own. */
static bool agent_allow(struct cli *cli, int opt, const char *arg, void *data)
{
	(void)opt;
	return parse_allow(cli, data, arg);
}

/* The command line into ag; false with *ret set when the agent must not
 * start (a usage error, or --help). */
static bool parse_agent(struct cli *cli, int argc, char *argv[],
			struct agent *ag, int *ret)
{
	static const struct cli_opt opts[] = {
		CLI_OPT(struct agent, "pin", 'p', PINS, pins),
		CLI_OPT(struct agent, "pin-file", 'f', STRING, pin_file),
		{ "allow", 'a', CLI_OPT_OWN },
		CLI_OPT(struct agent, "allow-any", 'A', FLAG, allow_any),
		CLI_OPT(struct agent, "confirm", 'c', FLAG, confirm),
		CLI_OPT(struct agent, "capability", 'C', CAPABILITY, cap),
		CLI_OPT(struct agent, "once", 'o', FLAG, once),
		CLI_OPT(struct agent, "timeout", 't', RUN_TIME, timeout_s),
		CLI_OPT(struct agent, "keystore", 'K', STRING, keystore),
		{ NULL },
	};

	return cli_options(cli, "agent", argc, argv, opts, agent_allow, ag,
			   ret) &&
	       cli_pins_one_source(cli, "agent", &ag->pins, ag->pin_file);
}

/* -i: the one controller to serve (default: every one, as they come). */
static bool parse_index(struct cli *cli, struct agent *ag)
{
	if (!cli_index_arg(cli, &ag->only_index))
		return false;
	ag->only_one = cli->index_arg != NULL;
	return true;
}

/* The PINs the agent answers with: --pin, else the PIN file (checked now,
 * whole: missing, unreadable or malformed is a usage error at start, not a
 * refusal later), else BTPAIR_PIN. */
static int load_pins(struct cli *cli, struct agent *ag)
{
	const char *env_pin;
	int ret;

	if (ag->pin_file) {
		ret = cli_pin_file_read(cli, "agent", ag->pin_file,
					&ag->pin_text);
		if (!ret)
			ret = cli_pin_file_parse(cli, &ag->pins, "agent",
						 ag->pin_file, &ag->pin_text,
						 NULL, NULL);
		if (ret)
			return ret;
		if (ag->pin_text.regular)
			cli_pin_text_free(&ag->pin_text);
		return CLI_EXIT_OK;
	}
	if (!ag->pins.count && (env_pin = cli_pin_env()) && *env_pin &&
	    !cli_pins_add(cli, &ag->pins, "agent (BTPAIR_PIN)", env_pin))
		return CLI_EXIT_USAGE;
	return CLI_EXIT_OK;
}

/* The agent's policy: its PINs (or its PIN file's, per device), its
 * allow-list, --confirm; it has no keyboard for a passkey. */
static void set_policy(struct agent *ag)
{
	ag->policy = (struct policy){
		.pins = (const char *const *)ag->pins.pins,
		.pin_count = ag->pins.count,
		.confirm = ag->confirm ? POLICY_CONFIRM_ACCEPT :
					 POLICY_CONFIRM_REFUSE,
		.allowed = policy_allowed,
		.lookup_pins = ag->pin_file ? policy_file_pins : NULL,
		.data = ag,
	};
}

/* Answer events until the deadline, a signal, --once's pairing or an
 * error; returns the exit code. */
static int serve(struct agent *ag, unsigned long timeout_s)
{
	struct cli *cli = ag->cli;
	int64_t deadline = timeout_s ?
				   time_deadline_in((int64_t)timeout_s * 1000) :
				   -1;

	for (;;) {
		struct mgmt_msg *msg;
		struct mgmt_event ev;
		int err = mgmt_client_next(cli->client, deadline, &msg);

		if (err == -ETIMEDOUT) {
			if (ag->once && !ag->paired)
				return cli_fail(
					cli, CLI_EXIT_TIMEOUT, -1,
					"agent: no pairing within %lu s",
					timeout_s);
			agent_log(ag, "stopping after %lu s", timeout_s);
			return CLI_EXIT_OK;
		}
		if (err == -EINTR) {
			agent_log(ag, "stopping on a signal");
			return CLI_EXIT_INTERRUPTED;
		}
		if (err < 0)
			return cli_client_fail(cli, err, "agent");
		/* The event points into msg (a Device Connected's EIR): msg
		 * lives until the event is handled. */
		err = mgmt_event_decode(msg, &ev);
		if (err < 0) {
			free(msg);
			continue; /* unknown or malformed: nothing to answer */
		}
		err = handle(ag, &ev);
		free(msg);
		if (err == 1)
			return CLI_EXIT_OK;
		if (err < 0)
			return cli_client_fail(cli, err, "agent");
		if (err > 1)
			return err;
	}
}

int cmd_agent(struct cli *cli, int argc, char *argv[])
{
	struct agent *ag = calloc(1, sizeof(*ag));
	int ret = CLI_EXIT_USAGE;

	if (!ag)
		return cli_fail(cli, CLI_EXIT_FAILURE, -1,
				"agent: out of memory");
	ag->cli = cli;
	ag->cap = MGMT_IO_NO_INPUT_NO_OUTPUT;
	if (!parse_agent(cli, argc, argv, ag, &ret))
		goto out;
	ret = load_pins(cli, ag);
	if (ret)
		goto out;
	ret = CLI_EXIT_USAGE;
	if (!parse_index(cli, ag))
		goto out;
	set_policy(ag);
	if (!ag->allow_any && !ag->nallow && !ag->nallow_names)
		cli_warn(cli, "agent: no --allow and no --allow-any: every "
			      "request will be refused");
	if (cli_bluetoothd_running())
		cli_warn(cli, "bluetoothd is running: it may answer or reject "
			      "requests before the agent does");
	ret = cli_open(cli, "agent");
	if (!ret)
		ret = serve_existing(ag);
	if (!ret)
		ret = serve(ag, ag->timeout_s);
	if (ret == CLI_EXIT_OK && cli->json) {
		struct json j;

		json_begin(&j, "stopped");
		json_str(&j, "command", "agent");
		json_int(&j, "paired", ag->paired);
		json_end(cli, &j);
	}
out:
	cli_pins_clear(&ag->pins);
	cli_pins_clear(&ag->file_pins);
	cli_pin_text_free(&ag->pin_text);
	free(ag);
	return ret;
}
