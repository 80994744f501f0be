/*
 * doctor [ADDR] [--fix]: check the whole stack in order -- the kernel, each
 * controller, who else holds the management socket, the key store and the
 * agent's PIN file, and with ADDR the device -- one line per check with the
 * next step where something is wrong. --fix mends what is safe to mend and
 * says what it changed; it never stops or reconfigures bluetoothd.
 */
#include <stdarg.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bluetooth/bluetooth.h>
#include <bluetooth/hci.h>

#include "cli/context.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/common.h"
#include "cli/trace.h"
#include "keystore/keystore.h"
#include "cli/probe.h"
#include "mgmt/addr.h"
#include "mgmt/monitor.h"
#include "pin/file.h"
#include "rfcomm/sdp.h"

#define DOCTOR_AGENT_CONF "/etc/btpair/agent.conf"
/* How long the device has to answer a page and the SDP query. */
#define DOCTOR_PAGE_TIMEOUT_MS 10000
#define DOCTOR_MAX_CONTROLLERS 64
#define DOCTOR_MAX_SOCKETS 256
#define DOCTOR_MAX_RFKILL 64
#define DOCTOR_MAX_KEYS 4096

enum doctor_result {
	DOCTOR_OK,
	DOCTOR_WARN,
	DOCTOR_FAIL,
	DOCTOR_FIXED,
};

struct doctor {
	struct cli *cli;
	bool fix;
	const char *keystore;
	const char *agent_conf;
	int exit; /* the first failed check's exit code */
	bool interrupted;

	int mon_err; /* 0: the monitor channel was read */
	struct mon_socket sockets[DOCTOR_MAX_SOCKETS];
	size_t nsockets;

	pid_t bluetoothd_pid; /* 0: not running */

	/* From /dev/rfkill; a switch not there is read from sysfs. */
	struct probe_rfkill rfkill[DOCTOR_MAX_RFKILL];
	size_t nrfkill;

	uint16_t indexes[DOCTOR_MAX_CONTROLLERS];
	size_t nindexes;
};

static const char *result_name(enum doctor_result r)
{
	/* clang-format off */
	switch (r) {
	case DOCTOR_OK: return "ok";
	case DOCTOR_WARN: return "warn";
	case DOCTOR_FAIL: return "fail";
	case DOCTOR_FIXED: return "fixed";
	}
	/* clang-format on */
	return "fail";
}

/*
 * One check's line: "RESULT [hciN ]CHECK: MESSAGE[; next: NEXT]", or with
 * --json {"event":"check","index":N|null,"check":..,"result":..,
 * "message":..,"fix":..|null}. With --quiet only what is not ok is shown.
 * A failure with code records the exit status (the first one counts).
 */
static void __attribute__((format(printf, 7, 8)))
report(struct doctor *d, int index, const char *check, enum doctor_result r,
       int code, const char *next, const char *fmt, ...)
{
	struct cli *cli = d->cli;
	bool quiet = cli->quiet;
	char msg[1024], where[16] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r == DOCTOR_FAIL && !d->exit)
		d->exit = code ? code : CLI_EXIT_FAILURE;
	if (r != DOCTOR_WARN && r != DOCTOR_FAIL)
		next = NULL;
	if (quiet && r == DOCTOR_OK)
		return;
	if (index >= 0)
		snprintf(where, sizeof(where), "hci%d ", index);
	if (cli->json) {
		struct json j;

		json_begin(&j, "check");
		json_int_or_null(&j, "index", index >= 0, index);
		json_str(&j, "check", check);
		json_str(&j, "result", result_name(r));
		json_str(&j, "message", msg);
		if (next)
			json_str(&j, "fix", next);
		else
			json_null(&j, "fix");
		cli->quiet = false;
		json_end(cli, &j);
		cli->quiet = quiet;
		return;
	}
	printf("%-5s %s%s: %s%s%s\n", result_name(r), where, check, msg,
	       next ? "; next: " : "", next ? next : "");
	fflush(stdout);
}

/* A client error during a check: interrupted, or a failed check. */
static void client_error(struct doctor *d, int index, const char *check,
			 int err, const char *what)
{
	if (err == -EINTR) {
		d->interrupted = true;
		return;
	}
	report(d, index, check, DOCTOR_FAIL, CLI_EXIT_FAILURE, NULL, "%s: %s",
	       what,
	       err == -ETIMEDOUT ? "the kernel did not answer in time" :
	       err == -EBADMSG	 ? "malformed reply from the kernel" :
				   strerror(-err));
}

/* Send a command; *status gets the mgmt status. 0 or -errno. */
static int call(struct doctor *d, uint16_t opcode, uint16_t index,
		const void *param, size_t len, uint8_t *status, void *rp,
		size_t rp_size, size_t *rp_len)
{
	return mgmt_client_call(d->cli->client, opcode, index, param, len,
				time_deadline_in(CLI_COMMAND_TIMEOUT_MS),
				status, rp, rp_size, rp_len);
}

/* The exit code of a fix the kernel refused. */
static int fix_exit(uint8_t status, int fallback)
{
	return status == MGMT_STATUS_PERMISSION_DENIED ? CLI_EXIT_PERMISSION :
							 fallback;
}

/* ---- Before anything else: who holds Bluetooth sockets --------------- */

/*
 * Read the monitor channel's replay before btpair opens a socket of its
 * own, so that every socket it names is someone else's.
 */
static void snapshot_sockets(struct doctor *d)
{
	size_t bad = 0;
	int fd = mon_open();

	if (fd < 0) {
		d->mon_err = fd;
		return;
	}
	d->mon_err = mon_collect(fd, d->sockets, DOCTOR_MAX_SOCKETS,
				 &d->nsockets, &bad);
	close(fd);
}

static void find_bluetoothd(struct doctor *d)
{
	size_t n = 0;
	pid_t pid;

	if (probe_find_process("/proc", "bluetoothd", &pid, 1, &n) == 0 && n)
		d->bluetoothd_pid = pid;
	for (size_t i = 0; !n && i < d->nsockets; i++)
		if (strcmp(d->sockets[i].comm, "bluetoothd") == 0)
			d->bluetoothd_pid = -1; /* seen, pid unknown */
}

/* ---- The kernel ------------------------------------------------------ */

/* Returns false when nothing further can be asked of the kernel. */
static bool check_kernel(struct doctor *d)
{
	struct cli *cli = d->cli;
	uint8_t rp[3], status, version;
	uint16_t revision;
	size_t rp_len = 0;
	int fd, err;

	fd = socket(AF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC, BTPROTO_HCI);
	if (fd < 0 && (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT)) {
		report(d, -1, "bluetooth", DOCTOR_FAIL, CLI_EXIT_NO_CONTROLLER,
		       "modprobe bluetooth (or a kernel built with CONFIG_BT)",
		       "this kernel has no Bluetooth support "
		       "(no AF_BLUETOOTH)");
		return false;
	}
	if (fd >= 0)
		close(fd);
	report(d, -1, "bluetooth", DOCTOR_OK, 0, NULL,
	       "the kernel has Bluetooth support (AF_BLUETOOTH)");

	fd = mgmt_open_control_socket();
	if (cli_permission_error(fd)) {
		report(d, -1, "mgmt", DOCTOR_FAIL, CLI_EXIT_PERMISSION,
		       "run as root (or with CAP_NET_ADMIN)",
		       "permission denied opening the management socket");
		return false;
	}
	if (fd < 0) {
		report(d, -1, "mgmt", DOCTOR_FAIL, CLI_EXIT_NO_CONTROLLER, NULL,
		       "cannot open the management socket: %s", strerror(-fd));
		return false;
	}
	cli->client = mgmt_client_new(fd);
	if (!cli->client) {
		close(fd);
		report(d, -1, "mgmt", DOCTOR_FAIL, CLI_EXIT_FAILURE, NULL,
		       "out of memory");
		return false;
	}
	mgmt_client_set_wakeup_fd(cli->client, cli->signal_fd);
	if (cli->verbose)
		mgmt_client_set_trace(cli->client, cli_trace, cli);
	err = call(d, MGMT_OP_READ_VERSION, MGMT_INDEX_NONE, NULL, 0, &status,
		   rp, sizeof(rp), &rp_len);
	if (err == 0 && status == MGMT_STATUS_SUCCESS &&
	    mgmt_rp_version_decode(rp, rp_len, &version, &revision) == 0) {
		report(d, -1, "mgmt", DOCTOR_OK, 0, NULL,
		       "management interface version %u.%u", version, revision);
	} else if (err < 0) {
		client_error(d, -1, "mgmt", err,
			     "Read Management Version Information");
		return false;
	} else {
		report(d, -1, "mgmt", DOCTOR_FAIL, CLI_EXIT_FAILURE, NULL,
		       "Read Management Version Information: %s",
		       status ? cli_status_name(status) : "malformed reply");
		return false;
	}

	/* Creating the socket loads the module when it is there to load. */
	fd = socket(AF_BLUETOOTH, SOCK_STREAM | SOCK_CLOEXEC, BTPROTO_RFCOMM);
	if (fd >= 0) {
		close(fd);
		report(d, -1, "rfcomm", DOCTOR_OK, 0, NULL,
		       "RFCOMM sockets available (module rfcomm)");
	} else if (errno == EPROTONOSUPPORT || errno == EAFNOSUPPORT) {
		report(d, -1, "rfcomm", DOCTOR_FAIL, CLI_EXIT_FAILURE,
		       "modprobe rfcomm",
		       "no RFCOMM in this kernel: connect, listen and bind "
		       "cannot work");
	} else {
		report(d, -1, "rfcomm", DOCTOR_WARN, 0, NULL,
		       "cannot tell whether RFCOMM is there: %s",
		       strerror(errno));
	}
	return true;
}

static int cmp_index(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* The controllers to check: -i's, or every one. false: none usable. */
static bool list_controllers(struct doctor *d)
{
	uint8_t rp[2 + 2 * CLI_INDEX_LIST_MAX], status;
	uint16_t indexes[CLI_INDEX_LIST_MAX];
	size_t rp_len = 0;
	uint16_t count, wanted = 0;
	int err;

	if (d->cli->index_arg)
		cli_parse_index(d->cli->index_arg, &wanted); /* checked */
	err = call(d, MGMT_OP_READ_INDEX_LIST, MGMT_INDEX_NONE, NULL, 0,
		   &status, rp, sizeof(rp), &rp_len);
	if (err < 0) {
		client_error(d, -1, "controllers", err, "Read Index List");
		return false;
	}
	if (rp_len > sizeof(rp))
		rp_len = sizeof(rp);
	if (status != MGMT_STATUS_SUCCESS ||
	    mgmt_rp_index_list_decode(rp, rp_len, indexes, CLI_INDEX_LIST_MAX,
				      &count) < 0) {
		report(d, -1, "controllers", DOCTOR_FAIL, CLI_EXIT_FAILURE,
		       NULL, "Read Index List: %s",
		       status ? cli_status_name(status) : "malformed reply");
		return false;
	}
	for (uint16_t i = 0; i < count; i++) {
		uint16_t index = indexes[i];

		if (d->cli->index_arg && index != wanted)
			continue;
		if (d->nindexes < DOCTOR_MAX_CONTROLLERS)
			d->indexes[d->nindexes++] = index;
	}
	qsort(d->indexes, d->nindexes, sizeof(d->indexes[0]), cmp_index);
	if (d->nindexes == 0 && d->cli->index_arg) {
		report(d, -1, "controllers", DOCTOR_FAIL,
		       CLI_EXIT_NO_CONTROLLER,
		       "btpair list shows those there are",
		       "no controller hci%u", wanted);
		return false;
	}
	if (d->nindexes == 0) {
		report(d, -1, "controllers", DOCTOR_FAIL,
		       CLI_EXIT_NO_CONTROLLER,
		       "is the adapter plugged in and its firmware loaded? "
		       "(dmesg | grep -i bluetooth)",
		       "no Bluetooth controller");
		return false;
	}
	report(d, -1, "controllers", DOCTOR_OK, 0, NULL, "%zu controller%s",
	       d->nindexes, d->nindexes == 1 ? "" : "s");
	return true;
}

/* ---- Each controller ------------------------------------------------- */

static bool read_info(struct doctor *d, uint16_t index,
		      struct mgmt_controller_info *info)
{
	uint8_t rp[sizeof(struct mgmt_rp_read_info)], status;
	size_t rp_len = 0;
	int err;

	err = call(d, MGMT_OP_READ_INFO, index, NULL, 0, &status, rp,
		   sizeof(rp), &rp_len);
	if (err < 0) {
		client_error(d, index, "controller", err,
			     "Read Controller Information");
		return false;
	}
	if (status != MGMT_STATUS_SUCCESS ||
	    mgmt_rp_read_info_decode(rp, rp_len, info) < 0) {
		report(d, index, "controller", DOCTOR_FAIL,
		       fix_exit(status, CLI_EXIT_NO_CONTROLLER),
		       status == MGMT_STATUS_PERMISSION_DENIED ?
			       "run as root (or with CAP_NET_ADMIN)" :
			       NULL,
		       "Read Controller Information: %s",
		       status ? cli_status_name(status) : "malformed reply");
		return false;
	}
	return true;
}

/* Set a mode on; *status gets the kernel's answer. */
static int set_mode(struct doctor *d, uint16_t index, uint16_t opcode,
		    uint8_t *status)
{
	uint8_t mode[1], rp[4];
	size_t rp_len = 0;

	return call(d, opcode, index, mode, mgmt_cmd_mode(mode, true), status,
		    rp, sizeof(rp), &rp_len);
}

static void check_rfkill(struct doctor *d, uint16_t index)
{
	struct probe_rfkill st = { 0 };
	char next[64];
	uint32_t idx;
	bool found = false;
	int err;

	err = probe_rfkill_of(PROBE_SYSFS_BLUETOOTH, index, &idx);
	if (err == -ENOENT) {
		report(d, index, "rfkill", DOCTOR_OK, 0, NULL,
		       "no rfkill switch");
		return;
	}
	if (err < 0) {
		report(d, index, "rfkill", DOCTOR_WARN, 0, NULL,
		       "cannot read %s/hci%u: %s", PROBE_SYSFS_BLUETOOTH, index,
		       strerror(-err));
		return;
	}
	for (size_t i = 0; i < d->nrfkill; i++) {
		if (d->rfkill[i].idx == idx) {
			st = d->rfkill[i];
			found = true;
		}
	}
	if (!found && probe_rfkill_sysfs(PROBE_SYSFS_RFKILL, idx, &st) < 0) {
		report(d, index, "rfkill", DOCTOR_WARN, 0, NULL,
		       "cannot read the state of rfkill%u", idx);
		return;
	}
	if (st.hard) {
		report(d, index, "rfkill", DOCTOR_FAIL, CLI_EXIT_NO_CONTROLLER,
		       "turn the radio on with its switch or key, or in the "
		       "firmware settings",
		       "hard-blocked (rfkill%u): a switch, a key or the "
		       "firmware blocks the radio, and no software can lift it",
		       idx);
		return;
	}
	if (!st.soft) {
		report(d, index, "rfkill", DOCTOR_OK, 0, NULL,
		       "not blocked (rfkill%u)", idx);
		return;
	}
	snprintf(next, sizeof(next),
		 "btpair doctor --fix, or rfkill unblock %u", idx);
	if (!d->fix) {
		report(d, index, "rfkill", DOCTOR_FAIL, CLI_EXIT_NO_CONTROLLER,
		       next, "soft-blocked (rfkill%u): the radio is off", idx);
		return;
	}
	err = probe_rfkill_unblock(PROBE_RFKILL_DEV, idx);
	if (err < 0) {
		report(d, index, "rfkill", DOCTOR_FAIL,
		       cli_permission_error(err) ? CLI_EXIT_PERMISSION :
						   CLI_EXIT_NO_CONTROLLER,
		       cli_permission_error(err) ? "run as root" : next,
		       "soft-blocked (rfkill%u), and unblocking it failed: %s",
		       idx, strerror(-err));
		return;
	}
	report(d, index, "rfkill", DOCTOR_FIXED, 0, NULL,
	       "was soft-blocked (rfkill%u): unblocked", idx);
}

/*
 * One setting that should be on: ok, or fixed with --fix, or the failure.
 * why says what its being off breaks.
 */
static void check_setting(struct doctor *d, uint16_t index, uint32_t *settings,
			  uint32_t bit, uint16_t opcode, const char *check,
			  enum doctor_result off_result, int code,
			  const char *next, const char *why)
{
	uint8_t status;
	int err;

	if (*settings & bit) {
		report(d, index, check, DOCTOR_OK, 0, NULL, "on");
		return;
	}
	if (!d->fix) {
		report(d, index, check, off_result, code, next, "off: %s", why);
		return;
	}
	err = set_mode(d, index, opcode, &status);
	if (err < 0) {
		client_error(d, index, check, err, mgmt_opcode_str(opcode));
		return;
	}
	if (status != MGMT_STATUS_SUCCESS) {
		report(d, index, check, DOCTOR_FAIL, fix_exit(status, code),
		       status == MGMT_STATUS_PERMISSION_DENIED ? "run as root" :
								 next,
		       "off, and %s failed: %s [mgmt status 0x%02x]",
		       mgmt_opcode_str(opcode), cli_status_name(status),
		       status);
		return;
	}
	*settings |= bit;
	report(d, index, check, DOCTOR_FIXED, 0, NULL, "was off: switched on");
}

/* The kernel's link keys of a controller, from debugfs. */
struct kernel_keys {
	int err; /* 0: read */
	bdaddr_t addrs[DOCTOR_MAX_KEYS];
	size_t count;
};

static bool has_addr(const bdaddr_t *list, size_t n, const bdaddr_t *a)
{
	for (size_t i = 0; i < n; i++)
		if (bt_addr_equal(&list[i], a))
			return true;
	return false;
}

static void read_kernel_keys(uint16_t index, struct kernel_keys *kk)
{
	kk->count = 0;
	kk->err = probe_kernel_keys(PROBE_DEBUGFS_BLUETOOTH, index, kk->addrs,
				    DOCTOR_MAX_KEYS, &kk->count);
}

static bool stored_key(struct doctor *d, const bdaddr_t *ctrl,
		       const bdaddr_t *dev, struct mgmt_link_key *key)
{
	struct keystore_entry *list = NULL;
	bool found = false;
	size_t n = 0;

	if (keystore_list(d->keystore, ctrl, &list, &n, NULL, NULL) < 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (bt_addr_equal(&list[i].key.addr.bdaddr, dev)) {
			if (key) {
				*key = list[i].key;
				explicit_bzero(key->val, sizeof(key->val));
			}
			found = true;
		}
	}
	keystore_entries_free(list, n);
	return found;
}

/* The links of a controller (Get Connections). -errno or the count. */
static int connections(struct doctor *d, uint16_t index, const char *check,
		       struct mgmt_addr *out, size_t max)
{
	uint8_t rp[2 + 7 * 256], status;
	const uint8_t *entries;
	size_t rp_len = 0, n = 0;
	uint16_t count;
	int err;

	err = call(d, MGMT_OP_GET_CONNECTIONS, index, NULL, 0, &status, rp,
		   sizeof(rp), &rp_len);
	if (err < 0) {
		client_error(d, index, check, err, "Get Connections");
		return err;
	}
	if (rp_len > sizeof(rp))
		rp_len = sizeof(rp);
	if (status != MGMT_STATUS_SUCCESS ||
	    mgmt_rp_connections_decode(rp, rp_len, &count, &entries) < 0) {
		/* The kernel answers it only on a trusted socket. */
		report(d, index, check, DOCTOR_FAIL,
		       fix_exit(status, CLI_EXIT_FAILURE),
		       status == MGMT_STATUS_PERMISSION_DENIED ?
			       "run as root (or with CAP_NET_ADMIN)" :
			       NULL,
		       "Get Connections: %s",
		       status ? cli_status_name(status) : "malformed reply");
		return -EBADMSG;
	}
	for (uint16_t i = 0; i < count && n < max; i++)
		if (mgmt_rp_addr_decode(entries + 7 * i, 7, &out[n]) == 0)
			n++;
	return (int)n;
}

/*
 * A pairing still pending: the kernel shows none, but a pairing always
 * has a link, and a link to a device the kernel has no key for is either
 * one being paired or one that never asked (SDP). With --fix, Cancel Pair
 * Device tells them apart: it cancels a pending Pair Device, and is
 * refused (Invalid Parameters) when there is none.
 */
static void check_pairing(struct doctor *d, uint16_t index,
			  const bdaddr_t *ctrl, uint32_t settings,
			  const struct kernel_keys *kk)
{
	struct mgmt_addr links[64];
	unsigned int keyless = 0;
	int n;

	if (!(settings & MGMT_SETTING_POWERED)) {
		report(d, index, "pairing", DOCTOR_OK, 0, NULL,
		       "powered off: no link, no pairing pending");
		return;
	}
	n = connections(d, index, "pairing", links, 64);
	if (n < 0)
		return;
	for (int i = 0; i < n; i++) {
		const bdaddr_t *a = &links[i].bdaddr;
		char s[BT_ADDR_STRLEN];
		uint8_t cp[7], status;
		bool has_key;
		int err;

		if (links[i].type != MGMT_ADDR_BREDR)
			continue;
		has_key = kk->err == 0 ? has_addr(kk->addrs, kk->count, a) :
					 stored_key(d, ctrl, a, NULL);
		if (has_key)
			continue;
		keyless++;
		bt_addr_format(a, s);
		if (!d->fix) {
			report(d, index, "pairing", DOCTOR_WARN, 0,
			       "btpair doctor --fix cancels a pending Pair "
			       "Device; the kernel gives up on its own "
			       "within a minute",
			       "a link to %s without a key: a pairing may "
			       "still be pending (pair then says busy)",
			       s);
			continue;
		}
		err = call(d, MGMT_OP_CANCEL_PAIR_DEVICE, index, cp,
			   mgmt_cmd_addr(cp, &links[i]), &status, NULL, 0,
			   NULL);
		if (err < 0) {
			client_error(d, index, "pairing", err,
				     "Cancel Pair Device");
			return;
		}
		if (status == MGMT_STATUS_SUCCESS)
			report(d, index, "pairing", DOCTOR_FIXED, 0, NULL,
			       "cancelled the pairing pending with %s", s);
		else if (status == MGMT_STATUS_INVALID_PARAMS)
			report(d, index, "pairing", DOCTOR_OK, 0, NULL,
			       "a link to %s without a key, but no Pair "
			       "Device pending on it",
			       s);
		else
			report(d, index, "pairing", DOCTOR_FAIL,
			       fix_exit(status, CLI_EXIT_FAILURE), NULL,
			       "Cancel Pair Device %s: %s [mgmt status 0x%02x]",
			       s, cli_status_name(status), status);
	}
	if (!keyless)
		report(d, index, "pairing", DOCTOR_OK, 0, NULL,
		       "no pairing pending (%d link%s, each with a key)", n,
		       n == 1 ? "" : "s");
}

/* Powered, connectable, bondable: each checked and, with --fix, switched
 * on; false when a signal came meanwhile. */
static bool check_switches(struct doctor *d, uint16_t index, uint32_t *settings)
{
	char next[96];

	snprintf(next, sizeof(next),
		 "btpair doctor --fix, or btpair -i hci%u power on", index);
	check_setting(d, index, settings, MGMT_SETTING_POWERED,
		      MGMT_OP_SET_POWERED, "powered", DOCTOR_FAIL,
		      CLI_EXIT_NO_CONTROLLER, next,
		      "nothing can pair or connect through it");
	if (d->interrupted)
		return false;
	snprintf(next, sizeof(next),
		 "btpair doctor --fix, or btpair -i hci%u setup", index);
	check_setting(d, index, settings, MGMT_SETTING_CONNECTABLE,
		      MGMT_OP_SET_CONNECTABLE, "connectable", DOCTOR_WARN, 0,
		      next,
		      "devices cannot connect to it (pairings they start, "
		      "an HC-05 reconnecting)");
	if (d->interrupted)
		return false;
	if (!(*settings & MGMT_SETTING_BONDABLE) && d->bluetoothd_pid) {
		/* Its Bondable follows its agents: not ours to change. */
		report(d, index, "bondable", DOCTOR_FAIL, CLI_EXIT_FAILURE,
		       "see the bluetoothd check",
		       "off while bluetoothd runs (it switches Bondable off "
		       "when its last agent goes away): the kernel refuses PIN "
		       "requests for pairings the host did not start");
	} else {
		check_setting(d, index, settings, MGMT_SETTING_BONDABLE,
			      MGMT_OP_SET_BONDABLE, "bondable", DOCTOR_FAIL,
			      CLI_EXIT_FAILURE, next,
			      "the kernel refuses PIN requests for pairings "
			      "the host did not start, and keeps no SSP key");
	}
	return !d->interrupted;
}

/* BR/EDR, SSP and Secure Connections as they are; the IO capability is
 * not readable. */
static void report_modes(struct doctor *d, uint16_t index, uint32_t settings)
{
	if (!(settings & MGMT_SETTING_BREDR))
		report(d, index, "ssp", DOCTOR_FAIL, CLI_EXIT_FAILURE,
		       "btmgmt -i hci%u bredr on",
		       "BR/EDR is off: Classic devices (an HC-05) cannot "
		       "pair or connect");
	else
		report(d, index, "ssp", DOCTOR_OK, 0, NULL,
		       "Secure Simple Pairing %s%s, Secure Connections %s",
		       settings & MGMT_SETTING_SSP ? "on" : "off",
		       settings & MGMT_SETTING_SSP ?
			       "" :
			       " (legacy PIN pairing only, as an HC-05 does)",
		       settings & MGMT_SETTING_SECURE_CONN ? "on" : "off");
	report(d, index, "io-capability", DOCTOR_OK, 0, NULL,
	       "not readable through the management interface: pair and "
	       "agent set their own (--capability, default NoInputNoOutput)");
}

static void check_controller(struct doctor *d, uint16_t index,
			     struct mgmt_controller_info *info)
{
	struct kernel_keys *kk;
	uint32_t settings;
	char addr[BT_ADDR_STRLEN];

	if (!read_info(d, index, info))
		return;
	bt_addr_format(&info->bdaddr, addr);
	report(d, index, "controller", DOCTOR_OK, 0, NULL, "%s \"%s\"", addr,
	       info->name);
	check_rfkill(d, index);
	if (d->interrupted)
		return;
	/* An unblocked controller's settings change: read them again. */
	if (d->fix && !read_info(d, index, info))
		return;
	settings = info->current_settings;

	if (!check_switches(d, index, &settings))
		return;
	report_modes(d, index, settings);

	kk = malloc(sizeof(*kk));
	if (!kk) {
		report(d, index, "pairing", DOCTOR_FAIL, CLI_EXIT_FAILURE, NULL,
		       "out of memory");
		return;
	}
	read_kernel_keys(index, kk);
	check_pairing(d, index, &info->bdaddr, settings, kk);
	free(kk);
	info->current_settings = settings;
}

/* ---- Who else holds the management socket ---------------------------- */

/* Append name to a ", "-separated list, once. */
static void add_name(char *list, size_t size, const char *name)
{
	size_t len = strlen(list), nlen = strlen(name);

	for (const char *p = list; (p = strstr(p, name)); p += nlen)
		if ((p == list || p[-1] == ' ') && (p[nlen] == ',' || !p[nlen]))
			return;
	if (len + nlen + 3 > size)
		return;
	snprintf(list + len, size - len, "%s%s", len ? ", " : "", name);
}

static void check_sockets(struct doctor *d)
{
	char others[512] = "", known[128] = "", users[512] = "";

	if (cli_permission_error(d->mon_err)) {
		report(d, -1, "sockets", DOCTOR_OK, 0, NULL,
		       "the monitor channel needs CAP_NET_RAW: other programs "
		       "on the management socket not listed (bluetoothd "
		       "looked for in /proc)");
		return;
	}
	if (d->mon_err == -EAFNOSUPPORT)
		return; /* no Bluetooth: the kernel check said so */
	if (d->mon_err < 0) {
		report(d, -1, "sockets", DOCTOR_WARN, 0, NULL,
		       "cannot read the monitor channel: %s",
		       strerror(-d->mon_err));
		return;
	}
	for (size_t i = 0; i < d->nsockets; i++) {
		const struct mon_socket *s = &d->sockets[i];
		const char *comm = s->comm[0] ? s->comm : "?";

		if (s->format == MON_FORMAT_USER) {
			char one[48];

			snprintf(one, sizeof(one), "%s (hci%u)", comm,
				 s->index);
			add_name(users, sizeof(users), one);
		} else if (s->format != MON_FORMAT_CONTROL) {
			continue;
		} else if (strcmp(comm, "btpair") == 0 ||
			   strcmp(comm, "bluetoothd") == 0) {
			/* An agent, another btpair; bluetoothd: checked
			 * on its own. */
			add_name(known, sizeof(known), comm);
		} else {
			add_name(others, sizeof(others), comm);
		}
	}
	if (users[0])
		report(d, -1, "sockets", DOCTOR_WARN, 0,
		       "stop that program to give the controller back",
		       "held for itself by %s (user channel): the kernel hides "
		       "that controller from everyone else",
		       users);
	if (others[0])
		report(d, -1, "sockets", DOCTOR_WARN, 0,
		       "stop it while pairing",
		       "also on the management socket: %s%s%s; every program "
		       "there receives pairing requests, and the first answer "
		       "wins",
		       others, known[0] ? ", " : "", known);
	else if (known[0])
		report(d, -1, "sockets", DOCTOR_OK, 0, NULL,
		       "on the management socket besides doctor: %s", known);
	else
		report(d, -1, "sockets", DOCTOR_OK, 0, NULL,
		       "no other program on the management socket");
}

static void check_bluetoothd(struct doctor *d)
{
	char pid[32] = "";

	if (!d->bluetoothd_pid) {
		report(d, -1, "bluetoothd", DOCTOR_OK, 0, NULL,
		       "not running: nothing refuses pairing requests before "
		       "btpair answers them");
		return;
	}
	if (d->bluetoothd_pid > 0)
		snprintf(pid, sizeof(pid), " (pid %d)", (int)d->bluetoothd_pid);
	/*
	 * Whether an agent is registered in it can only be asked over D-Bus.
	 * Either way it answers every PIN request too: with no agent it
	 * refuses at once, often before btpair can answer; with one, that
	 * agent is asked and its answer races btpair's.
	 */
	report(d, -1, "bluetoothd", DOCTOR_FAIL, CLI_EXIT_FAILURE,
	       "sudo systemctl stop bluetooth while btpair pairs (doctor "
	       "never stops or reconfigures bluetoothd); or pair through it "
	       "instead (bluetoothctl: agent on, default-agent, pair ADDR)",
	       "runs%s: it answers PIN requests too, with a refusal when no "
	       "agent is registered in it, often before btpair can answer",
	       pid);
}

/* ---- The key store --------------------------------------------------- */

/* Mode and owner of one path of the store; fixes the mode with --fix. */
static void check_mode(struct doctor *d, const char *path, mode_t want)
{
	struct stat st;
	char next[PATH_MAX + 32];

	if (lstat(path, &st) < 0)
		return;
	if (st.st_uid != 0 && st.st_uid != geteuid())
		report(d, -1, "keystore", DOCTOR_WARN, 0,
		       "chown root: it holds link keys",
		       "%s is owned by uid %u", path, (unsigned int)st.st_uid);
	if (!(st.st_mode & 077))
		return;
	snprintf(next, sizeof(next), "btpair doctor --fix, or chmod %03o %s",
		 (unsigned int)want, path);
	if (!d->fix) {
		report(d, -1, "keystore", DOCTOR_WARN, 0, next,
		       "%s is mode %04o: others can reach the link keys "
		       "(bluetoothd keeps %04o)",
		       path, (unsigned int)(st.st_mode & 07777),
		       (unsigned int)want);
		return;
	}
	if (chmod(path, want) < 0) {
		report(d, -1, "keystore", DOCTOR_FAIL, cli_errno_exit(-errno),
		       next, "%s is mode %04o, and chmod failed: %s", path,
		       (unsigned int)(st.st_mode & 07777), strerror(errno));
		return;
	}
	report(d, -1, "keystore", DOCTOR_FIXED, 0, NULL,
	       "%s was mode %04o: now %04o", path,
	       (unsigned int)(st.st_mode & 07777), (unsigned int)want);
}

static int check_entry_modes(void *data, const char *cdir, const bdaddr_t *ctrl,
			     const char *name)
{
	struct doctor *d = data;
	char ddir[PATH_MAX], info[PATH_MAX + 8];
	bdaddr_t a;

	(void)ctrl;
	if (!name) {
		check_mode(d, cdir, 0700);
		return 0;
	}
	if (bt_addr_parse(name, &a) < 0 ||
	    (size_t)snprintf(ddir, sizeof(ddir), "%s/%s", cdir, name) >=
		    sizeof(ddir))
		return 0;
	snprintf(info, sizeof(info), "%s/info", ddir);
	check_mode(d, ddir, 0700);
	check_mode(d, info, 0600);
	return 0;
}

/* The store's directories and files: DIR, DIR/<ctrl>, DIR/<ctrl>/<dev>,
 * DIR/<ctrl>/<dev>/info. A directory that cannot be read is the keystore
 * check's to report. */
static void check_store_modes(struct doctor *d)
{
	check_mode(d, d->keystore, 0700);
	keystore_walk(d->keystore, NULL, check_entry_modes, d);
}

struct bad_files {
	struct doctor *d;
	unsigned int count;
};

static void bad_file(void *data, const char *path, const char *why)
{
	struct bad_files *b = data;
	char next[PATH_MAX * 2 + 64];

	b->count++;
	snprintf(next, sizeof(next),
		 "move it aside (mv %s %s.bad) and pair the device again", path,
		 path);
	report(b->d, -1, "keystore", DOCTOR_WARN, 0, next,
	       "%s cannot be used (%s): its device counts as not paired", path,
	       why);
}

static void check_keystore(struct doctor *d)
{
	struct keystore_entry *list = NULL;
	struct bad_files bad = { .d = d };
	struct stat st;
	size_t n = 0;
	int err;

	if (stat(d->keystore, &st) < 0 && errno == ENOENT) {
		report(d, -1, "keystore", DOCTOR_OK, 0, NULL,
		       "%s does not exist yet: nothing is paired", d->keystore);
		return;
	}
	check_store_modes(d);
	err = keystore_list(d->keystore, NULL, &list, &n, bad_file, &bad);
	if (err < 0) {
		report(d, -1, "keystore", DOCTOR_FAIL, cli_errno_exit(err),
		       err == -EACCES ? "run as root" : NULL,
		       "cannot read %s: %s", d->keystore, strerror(-err));
		return;
	}
	keystore_entries_free(list, n);
	report(d, -1, "keystore", DOCTOR_OK, 0, NULL, "%zu key%s in %s%s", n,
	       n == 1 ? "" : "s", d->keystore,
	       bad.count ? " that can be used" : "");
}

/* Load Link Keys with every stored key of the controller. */
static int load_keys(struct doctor *d, uint16_t index,
		     const struct keystore_entry *list, size_t n,
		     uint8_t *status)
{
	struct mgmt_link_key *keys = calloc(n ? n : 1, sizeof(*keys));
	size_t size = mgmt_cmd_load_link_keys_size(n), len;
	uint8_t *cp = malloc(size);
	int err = -ENOMEM;

	if (keys && cp) {
		for (size_t i = 0; i < n; i++)
			keys[i] = list[i].key;
		len = mgmt_cmd_load_link_keys(cp, keys, n);
		err = len ? call(d, MGMT_OP_LOAD_LINK_KEYS, index, cp, len,
				 status, NULL, 0, NULL) :
			    -E2BIG;
	}
	if (cp)
		explicit_bzero(cp, size);
	free(cp);
	if (keys)
		explicit_bzero(keys, (n ? n : 1) * sizeof(*keys));
	free(keys);
	return err;
}

/* How many stored keys the kernel lacks (*missing), and how many keys it
 * holds that the store lacks (*extra). */
static void compare_keys(const struct keystore_entry *list, size_t n,
			 const struct kernel_keys *kk, size_t *missing,
			 size_t *extra)
{
	for (size_t i = 0; i < n; i++)
		if (!has_addr(kk->addrs, kk->count, &list[i].key.addr.bdaddr))
			(*missing)++;
	for (size_t i = 0; i < kk->count; i++) {
		bool stored = false;

		for (size_t k = 0; k < n && !stored; k++)
			stored = bt_addr_equal(&list[k].key.addr.bdaddr,
					       &kk->addrs[i]);
		*extra += !stored;
	}
}

/* --fix: load the stored keys (the kernel has none the store lacks). */
static void load_stored_keys(struct doctor *d, uint16_t index,
			     const struct keystore_entry *list, size_t n,
			     int list_err, const char *next)
{
	uint8_t status;
	int err;

	err = load_keys(d, index, list, n, &status);
	if (err < 0) {
		client_error(d, index, "keys-loaded", err, "Load Link Keys");
	} else if (status != MGMT_STATUS_SUCCESS) {
		report(d, index, "keys-loaded", DOCTOR_FAIL,
		       fix_exit(status, CLI_EXIT_FAILURE), next,
		       "Load Link Keys: %s [mgmt status 0x%02x]",
		       cli_status_name(status), status);
	} else {
		report(d, index, "keys-loaded", DOCTOR_FIXED, 0, NULL,
		       "loaded the %zu stored key%s%s", n, n == 1 ? "" : "s",
		       list_err ? " (the kernel's list cannot be read: loaded "
				  "to be sure)" :
				  "");
	}
}

/* Whether the kernel holds the stored keys of a controller. */
static void check_keys_loaded(struct doctor *d, uint16_t index,
			      const bdaddr_t *ctrl)
{
	struct keystore_entry *list = NULL;
	struct kernel_keys *kk = NULL;
	size_t n = 0, missing = 0, extra = 0;
	char next[128];

	if (d->bluetoothd_pid) {
		report(d, index, "keys-loaded", DOCTOR_OK, 0, NULL,
		       "bluetoothd runs: it loads the key store itself and "
		       "owns the kernel's key list");
		return;
	}
	if (keystore_list(d->keystore, ctrl, &list, &n, NULL, NULL) < 0)
		return; /* the keystore check said why */
	if (!n) {
		report(d, index, "keys-loaded", DOCTOR_OK, 0, NULL,
		       "no stored keys for this controller");
		goto out;
	}
	kk = malloc(sizeof(*kk));
	if (!kk)
		goto out;
	read_kernel_keys(index, kk);
	if (kk->err == 0) {
		compare_keys(list, n, kk, &missing, &extra);
		if (!missing) {
			report(d, index, "keys-loaded", DOCTOR_OK, 0, NULL,
			       "the kernel has all %zu stored key%s", n,
			       n == 1 ? "" : "s");
			goto out;
		}
	}
	snprintf(next, sizeof(next),
		 "btpair doctor --fix, or btpair -i hci%u keys load", index);
	if (extra) {
		/* Load Link Keys replaces the whole list. */
		report(d, index, "keys-loaded", DOCTOR_FAIL, CLI_EXIT_FAILURE,
		       "btpair keys load, if the kernel's other keys may go",
		       "%zu of %zu stored keys are not in the kernel, which "
		       "holds %zu the store lacks: loading would drop those",
		       missing, n, extra);
		goto out;
	}
	if (!d->fix) {
		if (kk->err == 0)
			report(d, index, "keys-loaded", DOCTOR_FAIL,
			       CLI_EXIT_FAILURE, next,
			       "%zu of %zu stored keys are not in the kernel "
			       "(it forgets them at every boot): their devices "
			       "are asked for a PIN again",
			       missing, n);
		else
			report(d, index, "keys-loaded", DOCTOR_WARN, 0, next,
			       "cannot tell whether the %zu stored key%s are "
			       "loaded: the kernel's list is in debugfs (%s: "
			       "%s)",
			       n, n == 1 ? "" : "s", PROBE_DEBUGFS_BLUETOOTH,
			       strerror(-kk->err));
		goto out;
	}
	load_stored_keys(d, index, list, n, kk->err, next);
out:
	free(kk);
	keystore_entries_free(list, n);
}

/* ---- The agent's PIN file -------------------------------------------- */

static void check_pin_file(struct doctor *d, const char *path)
{
	char next[PATH_MAX + 64], *text;
	struct file_error perr;
	struct pin_file pf;
	struct stat st;
	size_t len;
	int err;

	if (stat(path, &st) < 0) {
		snprintf(next, sizeof(next),
			 "write it (ADDR PIN lines) and chmod 600 %s", path);
		report(d, -1, "pin-file", DOCTOR_FAIL, CLI_EXIT_FAILURE, next,
		       "%s (PIN_FILE of %s): %s: the agent unit cannot start",
		       path, d->agent_conf, strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		report(d, -1, "pin-file", DOCTOR_FAIL, CLI_EXIT_FAILURE, NULL,
		       "%s is not a regular file", path);
		return;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid())
		report(d, -1, "pin-file", DOCTOR_WARN, 0,
		       "chown root: it holds PINs", "%s is owned by uid %u",
		       path, (unsigned int)st.st_uid);
	if (st.st_mode & 077) {
		snprintf(next, sizeof(next),
			 "btpair doctor --fix, or chmod 600 %s", path);
		if (!d->fix)
			report(d, -1, "pin-file", DOCTOR_WARN, 0, next,
			       "%s is mode %04o: others can read the PINs",
			       path, (unsigned int)(st.st_mode & 07777));
		else if (chmod(path, 0600) < 0)
			report(d, -1, "pin-file", DOCTOR_FAIL,
			       errno == EPERM ? CLI_EXIT_PERMISSION :
						CLI_EXIT_FAILURE,
			       next, "%s is mode %04o, and chmod failed: %s",
			       path, (unsigned int)(st.st_mode & 07777),
			       strerror(errno));
		else
			report(d, -1, "pin-file", DOCTOR_FIXED, 0, NULL,
			       "%s was mode %04o: now 0600", path,
			       (unsigned int)(st.st_mode & 07777));
	}
	err = probe_read_file(path, PIN_FILE_MAX_SIZE, &text, &len);
	if (err < 0) {
		report(d, -1, "pin-file", DOCTOR_FAIL,
		       err == -EACCES ? CLI_EXIT_PERMISSION : CLI_EXIT_FAILURE,
		       err == -EACCES ? "run as root" : NULL,
		       "cannot read %s: %s", path, strerror(-err));
		return;
	}
	err = pin_file_parse(text, len, &pf, &perr);
	probe_free_text(text, len);
	pin_file_free(&pf);
	if (err == -ENOMEM)
		report(d, -1, "pin-file", DOCTOR_FAIL, CLI_EXIT_FAILURE, NULL,
		       "cannot check %s: out of memory", path);
	else if (err < 0 && perr.line)
		report(d, -1, "pin-file", DOCTOR_FAIL, CLI_EXIT_FAILURE,
		       "one PIN alone, or 'ADDR PIN', 'NAME PIN' and '* PIN' "
		       "lines (a PIN is 1 to 16 bytes)",
		       "%s line %u does not parse (%s): the agent refuses to "
		       "start",
		       path, perr.line, perr.msg);
	else if (err < 0)
		report(d, -1, "pin-file", DOCTOR_FAIL, CLI_EXIT_FAILURE,
		       "one PIN alone, or 'ADDR PIN', 'NAME PIN' and '* PIN' "
		       "lines",
		       "%s %s", path, perr.msg);
	else
		report(d, -1, "pin-file", DOCTOR_OK, 0, NULL,
		       "%s reads as a PIN file", path);
}

static void check_agent_conf(struct doctor *d)
{
	char *text, pin_file[PATH_MAX], allow[1024];
	size_t len;
	int err;

	err = probe_read_file(d->agent_conf, 65536, &text, &len);
	if (err == -ENOENT) {
		report(d, -1, "agent-conf", DOCTOR_OK, 0, NULL,
		       "no %s: the agent unit is not set up", d->agent_conf);
		return;
	}
	if (err < 0) {
		report(d, -1, "agent-conf", DOCTOR_FAIL,
		       err == -EACCES ? CLI_EXIT_PERMISSION : CLI_EXIT_FAILURE,
		       err == -EACCES ? "run as root" : NULL,
		       "cannot read %s: %s", d->agent_conf, strerror(-err));
		return;
	}
	err = probe_env_value(text, len, "PIN_FILE", pin_file,
			      sizeof(pin_file));
	if (probe_env_value(text, len, "ALLOW", allow, sizeof(allow)) < 0)
		allow[0] = '\0';
	probe_free_text(text, len);
	if (err < 0 || !pin_file[0]) {
		report(d, -1, "agent-conf", DOCTOR_FAIL, CLI_EXIT_FAILURE,
		       "PIN_FILE=/etc/btpair/pins in it", "%s sets no PIN_FILE",
		       d->agent_conf);
		return;
	}
	if (!allow[0])
		report(d, -1, "agent-conf", DOCTOR_WARN, 0,
		       "ALLOW=--allow ADDR (or --allow-any) in it",
		       "%s: ALLOW is empty, so the agent refuses every device",
		       d->agent_conf);
	else
		report(d, -1, "agent-conf", DOCTOR_OK, 0, NULL,
		       "%s: PIN_FILE=%s, ALLOW=%s", d->agent_conf, pin_file,
		       allow);
	check_pin_file(d, pin_file);
}

/* ---- The device ------------------------------------------------------ */

/* Whether the store has the device's key, and of what kind. */
static void check_stored_key(struct doctor *d, uint16_t index,
			     const bdaddr_t *ctrl, const bdaddr_t *dev,
			     const char *a)
{
	struct mgmt_link_key key;
	char next[128];

	if (stored_key(d, ctrl, dev, &key)) {
		const char *type = mgmt_key_type_str(key.type);

		report(d, index, "stored-key", DOCTOR_OK, 0, NULL,
		       "%s: %s key, PIN length %u, in %s", a,
		       type ? type : "unknown", key.pin_len, d->keystore);
	} else {
		snprintf(next, sizeof(next),
			 "btpair pair %s --pin 1234 --pin 0000 (an HC-05's "
			 "factory PINs)",
			 a);
		report(d, index, "stored-key", DOCTOR_WARN, 0, next,
		       "%s: no stored key: not paired with hci%u", a, index);
	}
}

/* What the SDP query (ch, its channel or -errno) found. */
static void report_sdp(struct doctor *d, uint16_t index, const char *a, int ch)
{
	char next[128];

	if (ch > 0) {
		report(d, index, "sdp", DOCTOR_OK, 0, NULL,
		       "%s: Serial Port on RFCOMM channel %d", a, ch);
		return;
	}
	if (ch != -ENOENT && ch != -ECONNREFUSED) {
		report(d, index, "sdp", DOCTOR_FAIL, CLI_EXIT_FAILURE, NULL,
		       "%s: the SDP query failed: %s", a, strerror(-ch));
		return;
	}
	snprintf(next, sizeof(next),
		 "btpair connect %s --channel N, if it listens elsewhere", a);
	report(d, index, "sdp", DOCTOR_WARN, 0, next,
	       ch == -ENOENT ? "%s has no Serial Port record: connect and "
			       "bind use channel 1" :
			       "%s runs no SDP server: connect and bind use "
			       "channel 1",
	       a);
}

static void check_device(struct doctor *d, uint16_t index,
			 const struct mgmt_controller_info *info,
			 const struct mgmt_addr *dev)
{
	struct mgmt_addr links[64];
	char a[BT_ADDR_STRLEN];
	bool connected = false;
	int n, ch;

	bt_addr_format(&dev->bdaddr, a);
	check_stored_key(d, index, &info->bdaddr, &dev->bdaddr, a);
	if (!(info->current_settings & MGMT_SETTING_POWERED)) {
		report(d, index, "page", DOCTOR_FAIL, CLI_EXIT_NO_CONTROLLER,
		       "see the powered check", "%s not asked: hci%u is off", a,
		       index);
		return;
	}
	n = connections(d, index, "connection", links, 64);
	if (n < 0)
		return;
	for (int i = 0; i < n; i++)
		connected |= bt_addr_equal(&links[i].bdaddr, &dev->bdaddr);
	report(d, index, "connection", DOCTOR_OK, 0, NULL, "%s %s", a,
	       connected ? "is connected" : "is not connected");

	/* The SDP query pages the device first: one connect tells both. */
	ch = sdp_lookup_rfcomm_channel(&info->bdaddr, &dev->bdaddr,
				       SDP_UUID_SERIAL_PORT,
				       time_deadline_in(DOCTOR_PAGE_TIMEOUT_MS),
				       d->cli->signal_fd);
	if (ch == -EINTR) {
		d->interrupted = true;
		return;
	}
	if (ch == -EHOSTDOWN || ch == -ETIMEDOUT || ch == -EHOSTUNREACH) {
		report(d, index, "page", DOCTOR_FAIL, CLI_EXIT_UNREACHABLE,
		       "power the device and bring it in range; an HC-05 "
		       "that is connected elsewhere does not answer",
		       "%s does not answer a page within %d s (%s)", a,
		       DOCTOR_PAGE_TIMEOUT_MS / 1000, strerror(-ch));
		report(d, index, "sdp", DOCTOR_FAIL, CLI_EXIT_UNREACHABLE, NULL,
		       "%s not asked: it did not answer", a);
		return;
	}
	report(d, index, "page", DOCTOR_OK, 0, NULL, "%s answers a page", a);
	report_sdp(d, index, a, ch);
}

/* Every check in order, each reported; the device's too when dev is
 * given. Stops at an interruption. */
static void run_checks(struct doctor *d, const struct mgmt_addr *dev)
{
	snapshot_sockets(d);
	find_bluetoothd(d);
	if (probe_rfkill_read(PROBE_RFKILL_DEV, d->rfkill, DOCTOR_MAX_RFKILL,
			      &d->nrfkill) < 0)
		d->nrfkill = 0;

	if (check_kernel(d) && !d->interrupted && list_controllers(d)) {
		for (size_t i = 0; i < d->nindexes && !d->interrupted; i++) {
			struct mgmt_controller_info info;

			check_controller(d, d->indexes[i], &info);
		}
	}
	if (!d->interrupted) {
		check_sockets(d);
		check_bluetoothd(d);
		check_keystore(d);
	}
	for (size_t i = 0; i < d->nindexes && !d->interrupted; i++) {
		struct mgmt_controller_info info;

		if (!read_info(d, d->indexes[i], &info))
			continue;
		check_keys_loaded(d, d->indexes[i], &info.bdaddr);
	}
	if (!d->interrupted)
		check_agent_conf(d);
	if (dev && !d->interrupted) {
		struct mgmt_controller_info info;

		/* The controller -i names, or the lowest index. */
		if (d->nindexes && read_info(d, d->indexes[0], &info))
			check_device(d, d->indexes[0], &info, dev);
		else if (!d->interrupted)
			report(d, -1, "page", DOCTOR_FAIL,
			       CLI_EXIT_NO_CONTROLLER, "see the checks above",
			       "the device cannot be checked: no controller");
	}
}

/* What doctor was asked for. */
struct doctor_opts {
	bool fix;
	const char *keystore, *agent_conf;
};

int cmd_doctor(struct cli *cli, int argc, char *argv[])
{
	static const struct cli_opt opts[] = {
		CLI_OPT(struct doctor_opts, "fix", 'f', FLAG, fix),
		CLI_OPT(struct doctor_opts, "keystore", 'K', STRING, keystore),
		CLI_OPT(struct doctor_opts, "agent-conf", 'A', STRING,
			agent_conf),
		{ NULL },
	};
	struct doctor *d;
	struct mgmt_addr dev;
	struct doctor_opts o = { false, NULL, NULL };
	bool have_dev = false;
	uint16_t wanted;
	int ret = CLI_EXIT_OK;

	if (!cli_options(cli, "doctor", argc, argv, opts, NULL, &o, &ret))
		return ret;
	if (argc - optind == 1) {
		if (!cli_parse_addr(cli, "doctor", argv[optind], &dev))
			return CLI_EXIT_USAGE;
		have_dev = true;
	}
	if (!cli_index_arg(cli, &wanted))
		return CLI_EXIT_USAGE;

	d = calloc(1, sizeof(*d));
	if (!d)
		return cli_fail(cli, CLI_EXIT_FAILURE, -1,
				"doctor: out of memory");
	d->cli = cli;
	d->fix = o.fix;
	d->keystore = keystore_dir(o.keystore);
	d->agent_conf = o.agent_conf ? o.agent_conf : DOCTOR_AGENT_CONF;

	run_checks(d, have_dev ? &dev : NULL);
	ret = d->interrupted ? CLI_EXIT_INTERRUPTED : d->exit;
	if (d->interrupted)
		cli_fail(cli, CLI_EXIT_INTERRUPTED, -1, "doctor: interrupted");
	free(d);
	return ret;
}
