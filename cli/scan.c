/* scan, and finding an address by name (name:PATTERN) for other commands. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/context.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "cli/common.h"
#include "cli/scan.h"
#include "mgmt/addr.h"
#include "mgmt/eir.h"

/* One inquiry takes about 10 s; names of devices that send none in EIR are
 * asked for after it, so a scan shorter than this misses them. */
#define SCAN_DEFAULT_DURATION_S 15
#define SCAN_MAX_DEVICES 256

struct found {
	struct mgmt_addr addr;
	bool has_name;
	char name[EIR_NAME_MAX];
	bool has_class;
	uint32_t dev_class;
	int8_t rssi;
	size_t uuid16_count;
	uint16_t uuid16[EIR_MAX_UUID16];
};

struct scan {
	struct cli *cli;
	uint16_t index;
	struct found devs[SCAN_MAX_DEVICES];
	size_t n;
	bool discovering;
	/* Called when a device is first seen or learns its name; returns
	 * true to stop the scan. */
	bool (*update)(struct scan *sc, const struct found *f, void *data);
	void *data;
};

static struct found *lookup(struct scan *sc, const bdaddr_t *addr,
			    bool *created)
{
	*created = false;
	for (size_t i = 0; i < sc->n; i++)
		if (bt_addr_equal(&sc->devs[i].addr.bdaddr, addr))
			return &sc->devs[i];
	if (sc->n == SCAN_MAX_DEVICES)
		return NULL;
	*created = true;
	memset(&sc->devs[sc->n], 0, sizeof(sc->devs[0]));
	sc->devs[sc->n].addr.bdaddr = *addr;
	return &sc->devs[sc->n++];
}

static int discovery(struct scan *sc, uint16_t opcode)
{
	uint8_t cp[1], status;
	int ret;

	ret = cli_call(sc->cli, mgmt_opcode_str(opcode), opcode, sc->index, cp,
		       mgmt_cmd_discovery(cp, MGMT_DISCOVERY_BREDR), &status,
		       NULL, 0, NULL);
	if (ret)
		return ret;
	if (status == MGMT_STATUS_BUSY && opcode == MGMT_OP_START_DISCOVERY)
		return cli_fail(sc->cli, CLI_EXIT_BUSY, status,
				"scan: hci%u is already discovering (another "
				"program's scan?)",
				sc->index);
	if (status != MGMT_STATUS_SUCCESS)
		return cli_status_fail(sc->cli, status, "scan");
	sc->discovering = opcode == MGMT_OP_START_DISCOVERY;
	return CLI_EXIT_OK;
}

/* A Device Found: merge what it says, ask for the name when unknown. */
static bool device_found(struct scan *sc, const struct mgmt_event *ev)
{
	struct eir_info eir;
	struct found *f;
	bool is_new, named_now = false;
	uint8_t cp[8], status;

	if (eir_parse(ev->device_found.eir, ev->device_found.eir_len, &eir) < 0)
		memset(&eir, 0,
		       sizeof(eir)); /* keep the address, not the junk */
	f = lookup(sc, &ev->device_found.addr.bdaddr, &is_new);
	if (!f)
		return false;
	f->addr = ev->device_found.addr;
	f->rssi = ev->device_found.rssi;
	if (eir.has_class) {
		f->has_class = true;
		f->dev_class = eir.dev_class;
	}
	if (eir.has_name && (!f->has_name || strcmp(f->name, eir.name))) {
		named_now = true;
		f->has_name = true;
		memcpy(f->name, eir.name, sizeof(f->name));
	}
	if (eir.uuid16_count) {
		f->uuid16_count = eir.uuid16_count;
		memcpy(f->uuid16, eir.uuid16, sizeof(f->uuid16));
	}
	if (ev->device_found.flags & MGMT_DEV_FOUND_CONFIRM_NAME)
		/* Name unknown: the kernel asks the device for it and
		 * reports it again. */
		mgmt_client_call(sc->cli->client, MGMT_OP_CONFIRM_NAME,
				 sc->index, cp,
				 mgmt_cmd_confirm_name(cp, &f->addr,
						       f->has_name),
				 time_deadline_in(CLI_COMMAND_TIMEOUT_MS),
				 &status, NULL, 0, NULL);
	if ((is_new || named_now) && sc->update)
		return sc->update(sc, f, sc->data);
	return false;
}

/*
 * Discover until the deadline or until update says stop; Stop Discovery
 * on every way out. Returns the exit code.
 */
static int scan_run(struct scan *sc, int64_t deadline)
{
	int ret = discovery(sc, MGMT_OP_START_DISCOVERY);

	if (ret == CLI_EXIT_OK)
		cli_progress(sc->cli, deadline, "scanning on hci%u", sc->index);

	while (ret == CLI_EXIT_OK) {
		struct mgmt_msg *msg;
		struct mgmt_event ev;
		int err = mgmt_client_next(sc->cli->client, deadline, &msg);

		if (err == -ETIMEDOUT)
			break;
		if (err == -EINTR) {
			ret = CLI_EXIT_INTERRUPTED;
			break;
		}
		if (err < 0) {
			ret = cli_client_fail(sc->cli, err, "scan");
			break;
		}
		/* ev's EIR points into msg: it lives until handled. */
		err = mgmt_event_decode(msg, &ev);
		if (err < 0 || ev.index != sc->index) {
			free(msg);
			continue;
		}
		if (ev.code == MGMT_EV_DEVICE_FOUND && device_found(sc, &ev)) {
			free(msg);
			break;
		}
		free(msg);
		if (ev.code == MGMT_EV_DISCOVERING &&
		    !ev.discovering.discovering) {
			/* One inquiry is about 10 s: go on while time is
			 * left. */
			sc->discovering = false;
			if (deadline >= 0 && time_now_ms() + 1000 < deadline)
				ret = discovery(sc, MGMT_OP_START_DISCOVERY);
			else
				break;
		}
	}
	if (sc->discovering) {
		int wakeup = mgmt_client_wakeup_fd(sc->cli->client);
		uint8_t cp[1], status;

		/* A signal must not stop the stop itself. */
		mgmt_client_set_wakeup_fd(sc->cli->client, -1);
		mgmt_client_call(sc->cli->client, MGMT_OP_STOP_DISCOVERY,
				 sc->index, cp,
				 mgmt_cmd_discovery(cp, MGMT_DISCOVERY_BREDR),
				 time_deadline_in(2000), &status, NULL, 0,
				 NULL);
		mgmt_client_set_wakeup_fd(sc->cli->client, wakeup);
		sc->discovering = false;
	}
	if (ret == CLI_EXIT_INTERRUPTED)
		cli_fail(sc->cli, ret, -1,
			 "scan: interrupted; discovery stopped");
	return ret;
}

/* Powered, or discovery is refused. */
static int ready(struct scan *sc, const char *cmd)
{
	struct mgmt_controller_info info;
	uint8_t cp[1], status, rp[4];
	size_t rp_len;
	int ret = cli_read_info(sc->cli, cmd, sc->index, &info);

	if (ret || (info.current_settings & MGMT_SETTING_POWERED))
		return ret;
	ret = cli_call(sc->cli, cmd, MGMT_OP_SET_POWERED, sc->index, cp,
		       mgmt_cmd_mode(cp, true), &status, rp, sizeof(rp),
		       &rp_len);
	if (ret)
		return ret;
	if (status == MGMT_STATUS_PERMISSION_DENIED)
		return cli_status_fail(sc->cli, status, cmd);
	if (status != MGMT_STATUS_SUCCESS)
		return cli_fail(sc->cli, CLI_EXIT_NO_CONTROLLER, status,
				"%s: hci%u cannot be powered", cmd, sc->index);
	return CLI_EXIT_OK;
}

static void print_device(struct cli *cli, uint16_t index, const struct found *f)
{
	char a[BT_ADDR_STRLEN], cls[16] = "";

	bt_addr_format(&f->addr.bdaddr, a);
	if (f->has_class)
		snprintf(cls, sizeof(cls), "0x%06x", f->dev_class);
	if (cli->json) {
		const char *uuids[EIR_MAX_UUID16 + 1];
		char ustr[EIR_MAX_UUID16][8];
		struct json j;

		for (size_t i = 0; i < f->uuid16_count; i++) {
			snprintf(ustr[i], sizeof(ustr[i]), "0x%04x",
				 f->uuid16[i]);
			uuids[i] = ustr[i];
		}
		uuids[f->uuid16_count] = NULL;
		json_begin_addr(&j, "device", index, a);
		json_str_or_null(&j, "name", f->has_name ? f->name : NULL);
		json_str_or_null(&j, "class", f->has_class ? cls : NULL);
		json_str_or_null(&j, "class_name",
				 f->has_class ?
					 eir_major_class_str(f->dev_class) :
					 NULL);
		json_int(&j, "rssi", f->rssi);
		json_str_array(&j, "uuids", uuids);
		json_end(cli, &j);
		return;
	}
	cli_print(cli, "%s %s%s%s class %s (%s) rssi %d", a,
		  f->has_name ? "\"" : "",
		  f->has_name ? f->name : "(name unknown)",
		  f->has_name ? "\"" : "", f->has_class ? cls : "unknown",
		  f->has_class ? eir_major_class_str(f->dev_class) : "unknown",
		  f->rssi);
}

static bool name_matches(const struct found *f, const char *pattern)
{
	return f->has_name && fnmatch(pattern, f->name, FNM_CASEFOLD) == 0;
}

struct scan_opts {
	unsigned long duration;
	const char *pattern;
	const struct found *match;
};

static bool scan_update(struct scan *sc, const struct found *f, void *data)
{
	struct scan_opts *o = data;

	print_device(sc->cli, sc->index, f);
	if (o->pattern && name_matches(f, o->pattern)) {
		o->match = f;
		return true;
	}
	return false;
}

int cmd_scan(struct cli *cli, int argc, char *argv[])
{
	static const struct cli_opt opts[] = {
		CLI_OPT(struct scan_opts, "duration", 'd', SECONDS, duration, 1,
			3600),
		CLI_OPT(struct scan_opts, "name", 'n', STRING, pattern),
		{ NULL },
	};
	static struct scan sc; /* a few tens of KiB: not on the stack */
	struct scan_opts o = { .duration = SCAN_DEFAULT_DURATION_S };
	int ret = CLI_EXIT_OK;

	if (!cli_options(cli, "scan", argc, argv, opts, NULL, &o, &ret))
		return ret;
	memset(&sc, 0, sizeof(sc));
	sc.cli = cli;
	sc.update = scan_update;
	sc.data = &o;
	ret = cli_open(cli, "scan");
	if (!ret)
		ret = cli_resolve_index(cli, "scan", &sc.index);
	if (!ret)
		ret = ready(&sc, "scan");
	if (!ret)
		ret = scan_run(&sc,
			       time_deadline_in((int64_t)o.duration * 1000));
	if (!ret && o.pattern && !o.match)
		return cli_fail(cli, CLI_EXIT_UNREACHABLE, -1,
				"scan: no device named '%s' found in %lu s",
				o.pattern, o.duration);
	/* The end, so that a scan that found nothing still says so. */
	if (!ret && cli->json) {
		struct json j;

		json_begin_index(&j, "scan-done", sc.index);
		json_int(&j, "count", (long long)sc.n);
		json_end(cli, &j);
	}
	return ret;
}

struct resolve {
	const char *pattern;
	bool first;
};

static bool resolve_update(struct scan *sc, const struct found *f, void *data)
{
	struct resolve *r = data;

	(void)sc;
	return r->first && name_matches(f, r->pattern);
}

int cli_resolve_addr(struct cli *cli, const char *cmd, const char *arg,
		     uint16_t index, bool first, struct mgmt_addr *out)
{
	return cli_resolve_addr_name(cli, cmd, arg, index, first, out, NULL, 0);
}

int cli_resolve_addr_name(struct cli *cli, const char *cmd, const char *arg,
			  uint16_t index, bool first, struct mgmt_addr *out,
			  char *name, size_t size)
{
	static struct scan sc;
	struct resolve r = { .pattern = arg + 5, .first = first };
	const struct found *match = NULL;
	char list[512] = "";
	size_t matches = 0, used = 0;
	int ret;

	if (name && size)
		name[0] = '\0';
	if (strncmp(arg, "name:", 5) != 0)
		return cli_parse_addr(cli, cmd, arg, out) ? CLI_EXIT_OK :
							    CLI_EXIT_USAGE;
	memset(&sc, 0, sizeof(sc));
	sc.cli = cli;
	sc.index = index;
	sc.update = resolve_update;
	sc.data = &r;
	if (cli->verbose)
		fprintf(stderr, "%s: scanning for '%s'\n", cmd, r.pattern);
	ret = ready(&sc, cmd);
	if (!ret)
		ret = scan_run(&sc, time_deadline_in(SCAN_DEFAULT_DURATION_S *
						     1000));
	if (ret)
		return ret;
	for (size_t i = 0; i < sc.n; i++) {
		char a[BT_ADDR_STRLEN];
		int n;

		if (!name_matches(&sc.devs[i], r.pattern))
			continue;
		matches++;
		match = match ? match : &sc.devs[i];
		n = snprintf(list + used, sizeof(list) - used, "%s%s (%s)",
			     used ? ", " : "",
			     bt_addr_format(&sc.devs[i].addr.bdaddr, a),
			     sc.devs[i].name);
		if (n > 0 && (size_t)n < sizeof(list) - used)
			used += (size_t)n;
	}
	if (!match)
		return cli_fail(cli, CLI_EXIT_UNREACHABLE, -1,
				"%s: no device named '%s' found", cmd,
				r.pattern);
	if (matches > 1 && !first)
		return cli_fail(cli, CLI_EXIT_USAGE, -1,
				"%s: %zu devices match '%s': %s; pass --first "
				"or an address",
				cmd, matches, r.pattern, list);
	out->bdaddr = match->addr.bdaddr;
	out->type = MGMT_ADDR_BREDR;
	if (name && size)
		snprintf(name, size, "%s", match->name);
	return CLI_EXIT_OK;
}
