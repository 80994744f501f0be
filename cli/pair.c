/* pair and unpair. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/context.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "cli/common.h"
#include "cli/pin.h"
#include "cli/pair.h"
#include "cli/keys.h"
#include "cli/scan.h"
#include "keystore/keystore.h"
#include "mgmt/addr.h"
#include "mgmt/pair.h"

#define PAIR_DEFAULT_TIMEOUT_S 30

struct pair_ctx {
	struct cli *cli;
	uint16_t index; /* the controller pairing, for what is printed */
	bool store;
	const char *keystore;
	/* connect: stdout carries the device's data, so nothing else may go
	 * there. */
	bool data_on_stdout;
	/* Set by run_pairing when Pair Device said Already Paired. */
	bool already_paired;
	/* For the progress lines. */
	char addr[BT_ADDR_STRLEN];
	int64_t deadline;
	bool have_pins;
	/* The device's name, stored with its key (NULL: none known). */
	const char *name;
	/* The last key the kernel handed over, kept until the pairing ends. */
	bool have_key;
	uint8_t store_hint;
	struct mgmt_link_key key;
};

static void on_passkey_notify(void *data, const struct mgmt_addr *addr,
			      uint32_t passkey, uint8_t entered)
{
	struct pair_ctx *ctx = data;
	char a[BT_ADDR_STRLEN];

	/* Shown once, when the kernel first reports it. */
	if (entered)
		return;
	bt_addr_format(&addr->bdaddr, a);
	if (ctx->data_on_stdout) {
		fprintf(stderr, "passkey %06u for %s: type it on the device\n",
			passkey, a);
	} else if (ctx->cli->json) {
		struct json j;

		json_begin_addr(&j, "passkey", ctx->index, a);
		json_int(&j, "passkey", passkey);
		json_end(ctx->cli, &j);
	} else {
		/* Printed even with -q: without it the pairing cannot end. */
		printf("passkey %06u for %s: type it on the device\n", passkey,
		       a);
		fflush(stdout);
	}
}

/*
 * Ask whether the numbers match, until the deadline: on stderr, the answer
 * read from stdin (both terminals, or it is not asked: see cmd_pair).
 */
static bool on_ask_confirm(void *data, const struct mgmt_addr *addr,
			   uint32_t value, int64_t deadline)
{
	struct pair_ctx *ctx = data;
	char a[BT_ADDR_STRLEN], answer[16] = "";
	size_t got = 0;
	bool yes = false;

	cli_progress_end();
	fprintf(stderr, "Does %s show %06u? Confirm pairing [y/N]: ",
		bt_addr_format(&addr->bdaddr, a), value);
	fflush(stderr);
	while (got < sizeof(answer) - 1) {
		struct pollfd pfd[2] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = ctx->cli->signal_fd, .events = POLLIN },
		};
		int64_t left = deadline < 0 ? 60000 : deadline - time_now_ms();
		ssize_t n;

		if (left <= 0 ||
		    poll(pfd, 2, (int)(left > 60000 ? 60000 : left)) <= 0 ||
		    (pfd[1].revents & POLLIN))
			break;
		n = read(STDIN_FILENO, answer + got, 1);
		if (n <= 0 || answer[got] == '\n')
			break;
		got++;
	}
	answer[got] = '\0';
	yes = answer[0] == 'y' || answer[0] == 'Y';
	if (!yes && (got == 0 || answer[got - 1] != '\n'))
		fputc('\n', stderr);
	return yes;
}

/* Say on a terminal what the pairing now waits for. */
static void on_phase(void *data, enum pair_phase phase)
{
	struct pair_ctx *ctx = data;
	struct cli *cli = ctx->cli;

	switch (phase) {
	case PAIR_PHASE_CONNECTING:
		cli_progress(cli, ctx->deadline, "connecting to %s", ctx->addr);
		break;
	case PAIR_PHASE_CONNECTED:
		cli_progress(cli, ctx->deadline,
			     "connected to %s; waiting for the device's %s "
			     "request",
			     ctx->addr, ctx->have_pins ? "PIN" : "pairing");
		break;
	case PAIR_PHASE_ANSWERED:
		cli_progress(cli, ctx->deadline,
			     "answered; waiting for %s to finish pairing",
			     ctx->addr);
		break;
	}
}

static void on_new_link_key(void *data, uint16_t index,
			    const struct mgmt_link_key *key, uint8_t store_hint)
{
	struct pair_ctx *ctx = data;

	(void)index;
	/* Written once Pair Device says the pairing succeeded: a key from a
	 * pairing that then fails is worth nothing. */
	ctx->have_key = true;
	ctx->store_hint = store_hint;
	ctx->key = *key;
}

/*
 * Write the new key to the store when the kernel says it is worth keeping.
 * Returns CLI_EXIT_OK with *stored set, or the exit code after reporting.
 */
static int store_key(struct pair_ctx *ctx, const char *a,
		     const bdaddr_t *controller, bool *stored)
{
	const char *dir = keystore_dir(ctx->keystore);
	int err;

	*stored = false;
	if (!ctx->store || !ctx->have_key)
		return CLI_EXIT_OK;
	/* Store hint 0: a pairing without bonding (the device, or its host,
	 * is not bondable): the key is for this connection only, and both
	 * sides forget it. Nothing to store, but say so. */
	if (!ctx->store_hint) {
		cli_warn(ctx->cli,
			 "pair %s: paired without bonding: the device keeps "
			 "no key, so none was stored and the pairing ends "
			 "with this connection; make the device pairable "
			 "(bondable) and pair again",
			 a);
		return CLI_EXIT_OK;
	}
	err = keystore_save(dir, controller, &ctx->key);
	if (err == -EBADMSG)
		return cli_fail(ctx->cli, CLI_EXIT_FAILURE, -1,
				"pair %s: paired, but the key was not stored: "
				"the device's info file in %s is malformed "
				"(fix or remove it, then pair again)",
				a, dir);
	if (err < 0)
		return cli_fail(ctx->cli, cli_errno_exit(err), -1,
				"pair %s: paired, but the key was not stored "
				"in %s: %s",
				a, dir, cli_file_errno_str(err));
	*stored = true;
	/* The name it was found by, so that name:PATTERN finds it later
	 * without a scan (unpair, a PIN file's name lines). */
	if (ctx->name && ctx->name[0]) {
		err = keystore_save_name(dir, controller, &ctx->key.addr.bdaddr,
					 ctx->name);
		if (err < 0)
			cli_warn(ctx->cli,
				 "pair %s: its name was not stored in %s: %s",
				 a, dir, cli_file_errno_str(err));
	}
	return CLI_EXIT_OK;
}

/* What key_in_store saw of the one device it looks for. */
struct store_look {
	char addr[BT_ADDR_STRLEN];
	bool trouble; /* its file is there but unreadable or malformed */
};

static void note_trouble(void *data, const char *path, const char *why)
{
	struct store_look *look = data;
	char dir[BT_ADDR_STRLEN + 8];

	(void)why;
	snprintf(dir, sizeof(dir), "/%s/info", look->addr);
	if (strstr(path, dir))
		look->trouble = true;
}

/*
 * Whether the store holds a key for the device: 1 (with *type its type), 0,
 * or -errno when the store cannot be read or the device's file is there
 * but unreadable or malformed (-EBADMSG): then nobody can tell.
 */
static int key_in_store(const char *dir, const bdaddr_t *controller,
			const bdaddr_t *dev, uint8_t *type)
{
	struct store_look look = { .trouble = false };
	struct keystore_entry *list;
	int found = 0, err;
	size_t n;

	bt_addr_format(dev, look.addr);
	err = keystore_list(dir, controller, &list, &n, note_trouble, &look);
	if (err < 0)
		return err;
	for (size_t i = 0; i < n && !found; i++) {
		found = bt_addr_equal(&list[i].key.addr.bdaddr, dev);
		if (found)
			*type = list[i].key.type;
	}
	keystore_entries_free(list, n);
	return !found && look.trouble ? -EBADMSG : found;
}

/* Whether a key could be written to the store in dir now: the directory
 * (or, before the first key, the nearest one there is) is writable. A
 * read-only root fails here (EROFS). */
static bool store_writable(const char *dir)
{
	char path[PATH_MAX];
	char *slash;

	if ((size_t)snprintf(path, sizeof(path), "%s", dir) >= sizeof(path))
		return false;
	while (access(path, W_OK) < 0) {
		if (errno != ENOENT || !(slash = strrchr(path, '/')) ||
		    slash == path)
			return false;
		*slash = '\0';
	}
	return true;
}

static const struct pair_callbacks pair_callbacks = {
	.phase = on_phase,
	.passkey_notify = on_passkey_notify,
	.ask_confirm = on_ask_confirm,
	.new_link_key = on_new_link_key,
};

/*
 * Explain a failed pairing in words a person can act on. Long because it is
 * the table of those messages, one case per failure the contract names,
 * best read in one place.
 */
static int report_failure(struct cli *cli, const char *a,
			  const struct pair_result *res, size_t pin_count)
{
	int st = res->status;

	if (res->pin_secure_refused)
		return cli_fail(cli, CLI_EXIT_AUTH, st,
				"pair %s: the device asked for a secure PIN, "
				"which must be exactly 16 bytes; none was sent",
				a);
	if (res->pin_missing && res->pins_sent == 0)
		return cli_fail(cli, CLI_EXIT_AUTH, st,
				"pair %s: the device asked for a PIN; pass "
				"--pin (HC-05 modules ship with 1234)",
				a);
	if (res->confirm_refused)
		return cli_fail(cli, CLI_EXIT_AUTH, st,
				"pair %s: numeric comparison refused; pass "
				"--confirm to accept it",
				a);
	if (res->passkey_missing)
		return cli_fail(cli, CLI_EXIT_AUTH, st,
				"pair %s: the device asked for a passkey; pass "
				"--passkey N with the number it shows",
				a);
	/* With no agent registered, bluetoothd rejects every request
	 * itself; whether its answer or ours reached the controller first,
	 * the kernel does not always say. */
	if ((res->reply_rejected ||
	     cli_status_exit(res->status) == CLI_EXIT_AUTH) &&
	    cli_bluetoothd_running())
		return cli_fail(cli, cli_status_exit(res->status), st,
				"pair %s: %s (%s); bluetoothd rejects pairing "
				"requests itself when no agent is registered "
				"there: stop bluetoothd (systemctl stop "
				"bluetooth) or register an agent in it, then "
				"pair again",
				a,
				res->reply_rejected ? "bluetoothd answered the "
						      "device's request first" :
				res->pins_sent	    ? "pairing refused while "
						      "bluetoothd runs (or a "
						      "wrong PIN)" :
						      "pairing refused while "
						      "bluetoothd runs",
				cli_status_name(res->status));

	switch (res->status) {
	case MGMT_STATUS_AUTH_FAILED:
		if (res->pins_sent > 1)
			return cli_fail(cli, CLI_EXIT_AUTH, st,
					"pair %s: authentication failed with "
					"each of the %u PINs (wrong PIN?)",
					a, res->pins_sent);
		if (res->pins_sent)
			return cli_fail(cli, CLI_EXIT_AUTH, st,
					"pair %s: authentication failed "
					"(wrong PIN?)",
					a);
		return cli_fail(cli, CLI_EXIT_AUTH, st,
				"pair %s: authentication failed%s", a,
				pin_count ? "" : " (does it need --pin?)");
	case MGMT_STATUS_REJECTED:
		return cli_fail(cli, CLI_EXIT_AUTH, st,
				"pair %s: pairing rejected by the device", a);
	case MGMT_STATUS_CONNECT_FAILED:
	case MGMT_STATUS_NOT_CONNECTED:
	case MGMT_STATUS_DISCONNECTED:
		return cli_fail(cli, CLI_EXIT_UNREACHABLE, st,
				"pair %s: device unreachable (is it powered, "
				"in range and not connected elsewhere?)",
				a);
	case MGMT_STATUS_BUSY:
		return cli_fail(cli, CLI_EXIT_BUSY, st,
				"pair %s: another pairing with this device is "
				"in progress",
				a);
	case MGMT_STATUS_PERMISSION_DENIED: {
		char what[64];

		snprintf(what, sizeof(what), "pair %s", a);
		return cli_status_fail(cli, res->status, what);
	}
	default:
		return cli_fail(cli, cli_status_exit(res->status), st,
				"pair %s: %s", a, cli_status_name(res->status));
	}
}

/* type: the key's type, or -1 when unknown (already paired, not in the
 * store); unstored: the key should be in the store and is not. */
static void report_success(struct cli *cli, uint16_t index, const char *a,
			   const struct pair_result *res, int type, bool stored,
			   bool unstored)
{
	const char *name = type < 0 ? NULL : mgmt_key_type_str((uint8_t)type);
	bool already = res->outcome == PAIR_OUTCOME_ALREADY_PAIRED;

	if (type >= 0 && !name)
		name = "unknown";
	if (cli->json) {
		struct json j;

		json_begin_addr(&j, "paired", index, a);
		/* Always there: null when the kernel kept the key to itself
		 * (already paired, and not in the store). */
		json_str_or_null(&j, "key_type", name);
		json_bool(&j, "stored", stored);
		json_bool(&j, "already_paired", already);
		json_end(cli, &j);
		return;
	}
	if (already && !stored && unstored)
		cli_print(cli, "paired %s (already paired, not stored)", a);
	else if (already)
		cli_print(cli, "paired %s (already paired)", a);
	else if (name)
		cli_print(cli, "paired %s (%s key%s)", a, name,
			  stored ? ", stored" : "");
	else
		cli_print(cli, "paired %s", a);
}

/*
 * Unpair Device, disconnecting it; *in_kernel says whether the kernel had
 * a key for it. Returns the exit code, reported.
 */
static int unpair_kernel(struct cli *cli, uint16_t index,
			 const struct mgmt_addr *addr, const char *what,
			 bool *in_kernel)
{
	uint8_t cp[sizeof(struct mgmt_cp_unpair_device)], status;
	bool lost = false;
	int err;

	for (int tries = 1;; tries++) {
		err = mgmt_client_call(cli->client, MGMT_OP_UNPAIR_DEVICE,
				       index, cp,
				       mgmt_cmd_unpair_device(cp, addr, true),
				       time_deadline_in(CLI_COMMAND_TIMEOUT_MS),
				       &status, NULL, 0, NULL);
		/* The reply lost to a full receive buffer (-ENOMEM): the
		 * kernel unpaired, or refused at once. Asking again tells:
		 * Not Paired now means the device is not paired, as asked. */
		if (err != -ENOMEM || tries >= MGMT_CLIENT_LOST_REPLY_TRIES)
			break;
		lost = true;
	}
	if (err < 0)
		return cli_client_fail(cli, err, what);
	if (status != MGMT_STATUS_SUCCESS && status != MGMT_STATUS_NOT_PAIRED)
		return cli_status_fail(cli, status, what);
	cli_progress_end();
	*in_kernel = status == MGMT_STATUS_SUCCESS ||
		     (lost && status == MGMT_STATUS_NOT_PAIRED);
	return CLI_EXIT_OK;
}

/* Whether the pairing can be answered without a person: a PIN, a passkey,
 * or numeric comparison accepted. */
static bool can_answer(const struct pair_params *p)
{
	return p->pin_count > 0 || p->have_passkey ||
	       p->confirm == PAIR_CONFIRM_ACCEPT;
}

/*
 * Already Paired, and the store has no key for the device: the kernel holds
 * a key that nobody stored (a Just Works pairing made by an RFCOMM open
 * while no agent ran, a key another tool loaded), and the pairing is gone at
 * the next reboot. When the pairing can be answered, it is made again so
 * that its key is stored, which is what the user asked for: the kernel's
 * key is removed (Unpair Device, disconnecting) and Pair Device sent once
 * more, *res its result. Otherwise, or when the store cannot be read or
 * written, *res is left as it is. Returns the exit code, reported, when the unpairing
 * failed; else CLI_EXIT_OK.
 */
static int pair_again_if_unstored(struct pair_ctx *ctx, struct pair_params *p,
				  const char *a, const bdaddr_t *controller,
				  struct pair_result *res)
{
	const char *dir = keystore_dir(ctx->keystore);
	bool in_kernel = false;
	char what[64];
	uint8_t type;
	int ret;

	/* Only on a clean "no key there", into a store that can take the
	 * new one: a malformed file or a read-only store would lose the
	 * kernel's pairing and store nothing. */
	if (!ctx->store || !can_answer(p) ||
	    key_in_store(dir, controller, &p->addr.bdaddr, &type) != 0 ||
	    !store_writable(dir))
		return CLI_EXIT_OK;
	cli_warn(ctx->cli,
		 "pair %s: hci%u holds a key for it that is not in %s and "
		 "would be lost at the next reboot; pairing again to store it",
		 a, p->index, dir);
	snprintf(what, sizeof(what), "pair %s", a);
	ret = unpair_kernel(ctx->cli, p->index, &p->addr, what, &in_kernel);
	if (ret)
		return ret;
	ctx->have_key = false;
	pair_device(ctx->cli->client, p, res);
	return CLI_EXIT_OK;
}

/* Already paired, the key not in the store, and nothing to pair again with:
 * say that the pairing ends at the next reboot, and what stores it. */
static void warn_unstored(struct pair_ctx *ctx, const struct pair_params *p,
			  const char *a)
{
	const char *dir = keystore_dir(ctx->keystore);

	if (!store_writable(dir))
		cli_warn(ctx->cli,
			 "pair %s: paired in the kernel (hci%u), but its key "
			 "is not in %s, which cannot be written now, so the "
			 "pairing ends at the next reboot",
			 a, p->index, dir);
	else
		cli_warn(ctx->cli,
			 "pair %s: paired in the kernel (hci%u), but its key "
			 "is not in %s, so the pairing ends at the next "
			 "reboot; to pair again and store the key: btpair "
			 "pair %s --pin PIN (or --confirm)",
			 a, p->index, dir, a);
}

/*
 * Make the controller ready, pair, store the key and report the outcome.
 * Returns the exit code.
 */
static int run_pairing(struct cli *cli, struct pair_params *p,
		       struct pair_ctx *ctx, unsigned long timeout_s)
{
	struct mgmt_controller_info info;
	struct pair_result res;
	bool stored = false;
	char a[BT_ADDR_STRLEN];
	uint8_t status;
	int ret = CLI_EXIT_FAILURE, err;

	bt_addr_format(&p->addr.bdaddr, a);
	ctx->index = p->index;
	p->deadline = time_deadline_in((int64_t)timeout_s * 1000);
	memcpy(ctx->addr, a, sizeof(ctx->addr));
	ctx->deadline = p->deadline;
	ctx->have_pins = p->pin_count > 0;
	err = pair_prepare_controller(cli->client, p->index, p->deadline,
				      &status, &info);
	if (err < 0)
		return cli_client_fail(cli, err, "pair");
	if (status == MGMT_STATUS_PERMISSION_DENIED)
		return cli_status_fail(cli, status, "pair");
	if (status != MGMT_STATUS_SUCCESS)
		return cli_fail(cli, CLI_EXIT_NO_CONTROLLER, status,
				"pair %s: hci%u cannot be made ready (%s)", a,
				p->index, cli_status_name(status));

	pair_device(cli->client, p, &res);
	if (res.outcome == PAIR_OUTCOME_ALREADY_PAIRED) {
		ret = pair_again_if_unstored(ctx, p, a, &info.bdaddr, &res);
		if (ret)
			return ret;
	}
	switch (res.outcome) {
	case PAIR_OUTCOME_PAIRED:
		ret = store_key(ctx, a, &info.bdaddr, &stored);
		if (ret == CLI_EXIT_OK && !ctx->data_on_stdout)
			report_success(cli, p->index, a, &res,
				       res.key_received ? res.key_type : -1,
				       stored, false);
		break;
	case PAIR_OUTCOME_ALREADY_PAIRED: {
		uint8_t type = 0;
		bool unstored;

		ctx->already_paired = true;
		err = key_in_store(keystore_dir(ctx->keystore), &info.bdaddr,
				   &p->addr.bdaddr, &type);
		stored = err == 1;
		unstored = ctx->store && !stored;
		if (err == -EBADMSG)
			cli_warn(cli,
				 "pair %s: already paired; its file in the key "
				 "store %s is malformed or unreadable (fix or "
				 "remove it, then pair again)",
				 a, keystore_dir(ctx->keystore));
		else if (err < 0)
			cli_warn(cli,
				 "pair %s: already paired; the key store %s "
				 "cannot be read: %s",
				 a, keystore_dir(ctx->keystore),
				 cli_file_errno_str(err));
		else if (unstored)
			warn_unstored(ctx, p, a);
		if (!ctx->data_on_stdout)
			report_success(cli, p->index, a, &res,
				       stored ? type : -1, stored, unstored);
		ret = CLI_EXIT_OK;
		break;
	}
	case PAIR_OUTCOME_FAILED:
		ret = report_failure(cli, a, &res, p->pin_count);
		break;
	case PAIR_OUTCOME_TIMEOUT:
		ret = cli_fail(cli, CLI_EXIT_TIMEOUT, -1,
			       "pair %s: timed out after %lu s%s; pairing "
			       "cancelled",
			       a, timeout_s,
			       res.pin_requested ?
				       "" :
				       " (is the device in range?)");
		break;
	case PAIR_OUTCOME_INTERRUPTED:
		ret = cli_fail(cli, CLI_EXIT_INTERRUPTED, -1,
			       "pair %s: interrupted; pairing cancelled", a);
		break;
	case PAIR_OUTCOME_ERROR:
		if (res.err == -ENODEV)
			ret = cli_fail(cli, CLI_EXIT_NO_CONTROLLER, -1,
				       "pair %s: controller hci%u went away", a,
				       p->index);
		else
			ret = cli_client_fail(cli, res.err, "pair");
		break;
	}
	return ret;
}

/* The PINs for addr: --pin as given, else --pin-file, else BTPAIR_PIN. A
 * PIN file may name the device by its Bluetooth name: the one a scan found
 * (name:PATTERN), else the one in the key store. */
static int gather_pins(struct cli *cli, struct cli_pins *pins, const char *cmd,
		       const char *pin_file, const char *keystore,
		       const struct mgmt_addr *addr, const char *found_name)
{
	char stored[249];
	const char *name = found_name && *found_name ? found_name : NULL;

	if (!name && pin_file &&
	    cli_stored_name(keystore_dir(keystore), &addr->bdaddr, stored,
			    sizeof(stored)))
		name = stored;
	return cli_pins_gather(cli, pins, cmd, pin_file, &addr->bdaddr, name);
}

bool cli_device_target(struct cli *cli, const char *cmd, const char *arg,
		       struct cli_device_opts *o)
{
	o->target = arg;
	o->by_name = strncmp(arg, "name:", 5) == 0;
	/* A name is resolved once the controller is known; an address is
	 * checked now, before anything is opened. */
	return o->by_name || cli_parse_addr(cli, cmd, arg, &o->addr);
}

int cli_device_find(struct cli *cli, const char *cmd, struct cli_device_opts *o,
		    uint16_t *index, bdaddr_t *local)
{
	int ret;

	/* With an address, a bad PIN source is a usage error before
	 * anything is opened. */
	if (!o->by_name && (ret = gather_pins(cli, &o->pins, cmd, o->pin_file,
					      NULL, &o->addr, NULL)))
		return ret;
	ret = cli_controller(cli, cmd, index, local);
	if (!ret)
		ret = cli_resolve_addr_name(cli, cmd, o->target, *index,
					    o->first, &o->addr, o->name,
					    sizeof(o->name));
	if (!ret && o->by_name)
		ret = gather_pins(cli, &o->pins, cmd, o->pin_file, NULL,
				  &o->addr, o->name);
	return ret;
}

/* What pair was asked for. */
struct pair_opts {
	struct cli_device_opts dev;
	/* The pairing: passkey, confirm, capability. */
	struct pair_params p;
	bool confirm; /* --confirm: p.confirm accepts */
	bool no_store;
	const char *keystore;
};

/* --passkey, pair's one option of its own. */
static bool pair_passkey(struct cli *cli, int opt, const char *arg, void *data)
{
	struct pair_opts *o = data;
	unsigned long v;

	(void)opt;
	if (!cli_uint_arg(cli, arg, 0, 999999, &v,
			  "pair: --passkey takes 0 to 999999"))
		return false;
	o->p.have_passkey = true;
	o->p.passkey = (uint32_t)v;
	return true;
}

/* Parse pair's command line into o; false with *ret set when done already
 * (help shown, or a usage error reported). */
static bool parse_pair(struct cli *cli, int argc, char *argv[],
		       struct pair_opts *o, int *ret)
{
	static const struct cli_opt opts[] = {
		CLI_DEVICE_OPTIONS(struct pair_opts),
		{ "passkey", 'k', CLI_OPT_OWN },
		CLI_OPT(struct pair_opts, "confirm", 'c', FLAG, confirm),
		CLI_OPT(struct pair_opts, "capability", 'C', CAPABILITY,
			p.io_cap),
		CLI_OPT(struct pair_opts, "no-store", 'n', FLAG, no_store),
		CLI_OPT(struct pair_opts, "keystore", 'K', STRING, keystore),
		{ NULL },
	};

	if (!cli_options(cli, "pair", argc, argv, opts, pair_passkey, o, ret))
		return false;
	if (o->confirm)
		o->p.confirm = PAIR_CONFIRM_ACCEPT;
	return cli_device_target(cli, "pair", argv[optind], &o->dev) &&
	       cli_pins_one_source(cli, "pair", &o->dev.pins, o->dev.pin_file);
}

/* The controller, the device (found by a scan for a name) and its PINs.
 * Returns the exit code, reported. */
static int find_device(struct cli *cli, struct pair_opts *o)
{
	struct cli_device_opts *dev = &o->dev;
	int ret;

	/* With an address, a bad PIN source is a usage error before any
	 * kernel is asked; a name has to be found first. */
	if (!dev->by_name &&
	    (ret = gather_pins(cli, &dev->pins, "pair", dev->pin_file,
			       o->keystore, &dev->addr, NULL)))
		return ret;
	ret = cli_open(cli, "pair");
	if (!ret)
		ret = cli_resolve_index(cli, "pair", &o->p.index);
	if (!ret && dev->by_name)
		ret = cli_resolve_addr_name(cli, "pair", dev->target,
					    o->p.index, dev->first, &dev->addr,
					    dev->name, sizeof(dev->name));
	if (!ret && dev->by_name)
		ret = gather_pins(cli, &dev->pins, "pair", dev->pin_file,
				  o->keystore, &dev->addr, dev->name);
	o->p.addr = dev->addr;
	return ret;
}

int cmd_pair(struct cli *cli, int argc, char *argv[])
{
	struct pair_ctx ctx = { .cli = cli };
	struct pair_opts o = {
		.dev = { .timeout_s = PAIR_DEFAULT_TIMEOUT_S },
		.p = {
			.io_cap = MGMT_IO_NO_INPUT_NO_OUTPUT,
			/* Asked only of a person at a terminal, never
			 * through /dev/tty behind a script's redirections
			 * (ssh -t gives the script one all the same). */
			.confirm = isatty(STDIN_FILENO) &&
						   isatty(STDERR_FILENO) ?
					   PAIR_CONFIRM_ASK :
					   PAIR_CONFIRM_REFUSE,
			.cb = &pair_callbacks,
			.cb_data = &ctx,
		},
	};
	int ret = CLI_EXIT_USAGE;

	if (!parse_pair(cli, argc, argv, &o, &ret))
		goto out;
	ret = find_device(cli, &o);
	if (ret)
		goto out;
	ctx.store = !o.no_store;
	ctx.keystore = o.keystore;
	ctx.name = o.dev.name;
	o.p.pins = (const char *const *)o.dev.pins.pins;
	o.p.pin_count = o.dev.pins.count;
	if (cli_bluetoothd_running())
		cli_warn(cli, "bluetoothd is running: it may answer or reject "
			      "this device's requests before btpair does");
	ret = run_pairing(cli, &o.p, &ctx, o.dev.timeout_s);
out:
	explicit_bzero(&ctx.key, sizeof(ctx.key));
	cli_pins_clear(&o.dev.pins);
	return ret;
}

/* Remove the device's key from the store in dir, after the kernel's (or
 * not); *in_store says whether there was one. Returns the exit code. */
static int unpair_store(struct cli *cli, const char *dir, const bdaddr_t *ctrl,
			const bdaddr_t *dev, const char *a, bool in_kernel,
			bool *in_store)
{
	int err = keystore_remove(dir, ctrl, dev);

	if (err < 0 && err != -ENOENT)
		return cli_fail(cli, cli_errno_exit(err), -1,
				"unpair %s: %s the key in %s could not be "
				"removed: %s",
				a, in_kernel ? "unpaired, but" : "", dir,
				err == -EBADMSG ? "its file is malformed" :
						  cli_file_errno_str(err));
	*in_store = err == 0;
	return CLI_EXIT_OK;
}

int cmd_unpair(struct cli *cli, int argc, char *argv[])
{
	static const struct cli_opt opts[] = {
		{ "keystore", 'K', CLI_OPT_STRING }, /* data: keystore */
		{ NULL },
	};
	struct mgmt_controller_info info;
	const char *keystore = NULL, *dir;
	char a[BT_ADDR_STRLEN], what[64];
	bool in_kernel = false, in_store = false, by_name;
	struct mgmt_addr addr;
	uint16_t index;
	int ret = CLI_EXIT_OK;

	if (!cli_options(cli, "unpair", argc, argv, opts, NULL, &keystore,
			 &ret))
		return ret;
	by_name = strncmp(argv[optind], "name:", 5) == 0;
	if (!by_name && !cli_parse_addr(cli, "unpair", argv[optind], &addr))
		return CLI_EXIT_USAGE;
	dir = keystore_dir(keystore);

	ret = cli_open(cli, "unpair");
	if (!ret)
		ret = cli_resolve_index(cli, "unpair", &index);
	if (!ret)
		ret = cli_read_info(cli, "unpair", index, &info);
	/* A name is looked up in the store: the kernel keeps no names. */
	if (!ret && by_name) {
		addr.type = MGMT_ADDR_BREDR;
		ret = cli_stored_name_addr(cli, "unpair", dir, &info.bdaddr,
					   argv[optind], &addr.bdaddr);
	}
	if (ret)
		return ret;
	bt_addr_format(&addr.bdaddr, a);
	snprintf(what, sizeof(what), "unpair %s", a);
	cli_progress(cli, -1, "unpairing %s (and disconnecting it)", a);
	ret = unpair_kernel(cli, index, &addr, what, &in_kernel);
	if (!ret)
		ret = unpair_store(cli, dir, &info.bdaddr, &addr.bdaddr, a,
				   in_kernel, &in_store);
	if (ret)
		return ret;
	if (!in_kernel && !in_store)
		return cli_fail(cli, CLI_EXIT_FAILURE, MGMT_STATUS_NOT_PAIRED,
				"unpair %s: not paired on hci%u", a, index);

	if (cli->json) {
		struct json j;

		json_begin_addr(&j, "unpaired", index, a);
		json_bool(&j, "kernel", in_kernel);
		json_bool(&j, "stored", in_store);
		json_end(cli, &j);
	} else {
		cli_print(cli, "unpaired %s%s", a,
			  in_kernel ? "" : " (from the key store only)");
	}
	return CLI_EXIT_OK;
}

/* What connect pairs with: the PINs given, confirmations refused (stdio
 * carries the device's data), keys stored, nothing on stdout. */
static void connect_pairing(struct cli *cli, uint16_t index,
			    const struct mgmt_addr *addr,
			    const struct cli_pins *pins, struct pair_ctx *ctx,
			    struct pair_params *p)
{
	*ctx = (struct pair_ctx){ .cli = cli,
				  .store = true,
				  .data_on_stdout = true,
				  .deadline = -1,
				  .have_pins = pins->count > 0 };
	bt_addr_format(&addr->bdaddr, ctx->addr);
	*p = (struct pair_params){
		.index = index,
		.addr = *addr,
		.io_cap = MGMT_IO_NO_INPUT_NO_OUTPUT,
		.pins = (const char *const *)pins->pins,
		.pin_count = pins->count,
		.confirm = PAIR_CONFIRM_REFUSE,
		.cb = &pair_callbacks,
		.cb_data = ctx,
	};
}

int cli_pair_for_connect(struct cli *cli, uint16_t index,
			 const struct mgmt_addr *addr,
			 const struct cli_pins *pins, unsigned long timeout_s,
			 bool afresh, bool *already)
{
	struct pair_ctx ctx;
	struct pair_params p;
	int ret;

	connect_pairing(cli, index, addr, pins, &ctx, &p);

	if (afresh) {
		bool in_kernel;

		/* Not Paired is fine: the kernel has dropped the key already. */
		ret = unpair_kernel(cli, index, addr, "connect", &in_kernel);
		if (ret)
			return ret;
	}
	ret = run_pairing(cli, &p, &ctx, timeout_s);
	*already = ctx.already_paired;
	explicit_bzero(&ctx.key, sizeof(ctx.key));
	return ret;
}

struct cli_connect_auth {
	struct pair_ctx ctx;
	struct pair_params params;
	struct pair_result res;
	struct policy_state policy;
	/* Without PINs, requests are only noted: an agent may answer them.
	 * The last one noted (its event code) is refused if the connect
	 * fails, so that no pairing of ours is left hanging. */
	bool answer;
	uint16_t refuse_code;
	struct mgmt_addr refuse_addr;
	bdaddr_t controller;
};

struct cli_connect_auth *cli_connect_auth_new(struct cli *cli, uint16_t index,
					      const bdaddr_t *controller,
					      const struct mgmt_addr *addr,
					      const struct cli_pins *pins,
					      int64_t deadline)
{
	struct cli_connect_auth *ca = calloc(1, sizeof(*ca));

	if (!ca)
		return NULL;
	connect_pairing(cli, index, addr, pins, &ca->ctx, &ca->params);
	ca->params.deadline = deadline;
	ca->ctx.deadline = deadline;
	ca->answer = pins->count > 0;
	bacpy(&ca->controller, controller);
	return ca;
}

/* Note a request for the device without answering it. */
static void note_request(struct cli_connect_auth *ca,
			 const struct mgmt_event *ev)
{
	const struct mgmt_addr *addr;

	if (ev->code == MGMT_EV_PIN_CODE_REQUEST)
		addr = &ev->pin_request.addr;
	else if (ev->code == MGMT_EV_USER_CONFIRM_REQUEST)
		addr = &ev->confirm_request.addr;
	else if (ev->code == MGMT_EV_USER_PASSKEY_REQUEST)
		addr = &ev->passkey_request.addr;
	else
		return;
	if (ev->index == ca->params.index &&
	    bt_addr_equal(&addr->bdaddr, &ca->params.addr.bdaddr)) {
		ca->res.pin_requested = true;
		ca->refuse_code = ev->code;
		ca->refuse_addr = *addr;
	}
}

/* Refuse the request the connect left unanswered: a failure status means
 * it was answered or gone already. The wakeup fd is set aside, since it may
 * be what ended the connect. */
static void refuse_noted(struct cli_connect_auth *ca)
{
	struct mgmt_client *c = ca->ctx.cli->client;
	int wakeup = mgmt_client_wakeup_fd(c);
	struct policy_reply r;

	mgmt_client_set_wakeup_fd(c, -1);
	policy_refuse(c, ca->params.index, &ca->refuse_addr, ca->refuse_code,
		      time_deadline_in(CLI_COMMAND_TIMEOUT_MS), &r);
	mgmt_client_set_wakeup_fd(c, wakeup);
}

int cli_connect_auth_serve(void *data)
{
	struct cli_connect_auth *ca = data;
	struct mgmt_client *c = ca->ctx.cli->client;

	for (;;) {
		struct mgmt_event ev;
		struct mgmt_msg *m;
		int err = mgmt_client_next_ready(c, &m);

		if (err == -EAGAIN)
			return 0;
		if (err < 0)
			return err;
		/* Unknown and malformed events are none of ours. */
		if (mgmt_event_decode(m, &ev) == 0) {
			if (ca->answer)
				err = pair_answer_event(c, &ca->params,
							&ca->res, &ca->policy,
							&ev);
			else
				note_request(ca, &ev);
		}
		free(m);
		if (err < 0)
			return err;
	}
}

int cli_connect_auth_finish(struct cli_connect_auth *ca, int connect_err)
{
	bool connected = connect_err >= 0;
	const struct pair_result *res = &ca->res;
	struct cli *cli = ca->ctx.cli;
	char a[BT_ADDR_STRLEN];
	bool stored;
	int ret = -1;

	bt_addr_format(&ca->params.addr.bdaddr, a);
	if (!connected && ca->refuse_code)
		refuse_noted(ca);
	/* A key from a pairing the connect triggered is worth keeping once
	 * the link it was made for is up. */
	if (connected)
		ret = store_key(&ca->ctx, a, &ca->controller, &stored);
	else if (connect_err == -EINTR)
		ret = -1; /* an interruption is that, whatever was asked */
	else if (res->pin_requested && !ca->answer)
		ret = cli_fail(cli, CLI_EXIT_AUTH, -1,
			       "connect %s: the device asked for a PIN and "
			       "nobody answered; pass --pin (HC-05 modules "
			       "ship with 1234)",
			       a);
	else if (res->pin_secure_refused || res->confirm_refused ||
		 res->passkey_missing || (res->pin_missing && !res->pins_sent))
		ret = report_failure(cli, a, res, ca->params.pin_count);
	else if (res->auth_failed && res->pins_sent)
		ret = cli_fail(cli, CLI_EXIT_AUTH, -1,
			       "connect %s: authentication failed (wrong "
			       "PIN?)",
			       a);
	explicit_bzero(&ca->ctx.key, sizeof(ca->ctx.key));
	free(ca);
	return ret;
}
