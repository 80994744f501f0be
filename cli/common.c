#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
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
#include "cli/trace.h"
#include "mgmt/addr.h"

bool cli_parse_addr(struct cli *cli, const char *cmd, const char *arg,
		    struct mgmt_addr *out)
{
	if (bt_addr_parse(arg, &out->bdaddr) < 0) {
		cli_fail(
			cli, CLI_EXIT_USAGE, -1,
			"%s: invalid address '%s' (expected XX:XX:XX:XX:XX:XX)",
			cmd, arg);
		return false;
	}
	out->type = MGMT_ADDR_BREDR;
	return true;
}

bool cli_parse_uint(const char *arg, unsigned long min, unsigned long max,
		    unsigned long *out)
{
	unsigned long v;
	char *end;

	/* strtoul accepts signs and spaces; a number here is digits only. */
	if (!arg || !isdigit((unsigned char)arg[0]))
		return false;
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool cli_uint_arg(struct cli *cli, const char *arg, unsigned long min,
		  unsigned long max, unsigned long *out, const char *fmt, ...)
{
	va_list ap;

	if (cli_parse_uint(arg, min, max, out))
		return true;
	va_start(ap, fmt);
	cli_vfail(cli, CLI_EXIT_USAGE, -1, fmt, ap);
	va_end(ap);
	return false;
}

bool cli_parse_index(const char *arg, uint16_t *out)
{
	unsigned long v;

	if (strncmp(arg, "hci", 3) == 0)
		arg += 3;
	if (!cli_parse_uint(arg, 0, MGMT_INDEX_NONE - 1, &v))
		return false;
	*out = (uint16_t)v;
	return true;
}

bool cli_index_arg(struct cli *cli, uint16_t *index)
{
	if (!cli->index_arg || cli_parse_index(cli->index_arg, index))
		return true;
	cli_fail(cli, CLI_EXIT_USAGE, -1,
		 "invalid controller '%s' (expected hciN or N)",
		 cli->index_arg);
	return false;
}

int cli_open(struct cli *cli, const char *cmd)
{
	int fd = mgmt_open_control_socket();

	if (fd == -EAFNOSUPPORT || fd == -EPROTONOSUPPORT)
		return cli_fail(cli, CLI_EXIT_NO_CONTROLLER, -1,
				"%s: this kernel has no Bluetooth support "
				"(no AF_BLUETOOTH: load the bluetooth module)",
				cmd);
	if (cli_permission_error(fd))
		return cli_fail(cli, CLI_EXIT_PERMISSION, -1,
				"%s: permission denied: needs root or "
				"CAP_NET_ADMIN",
				cmd);
	if (fd < 0)
		return cli_fail(cli, CLI_EXIT_FAILURE, -1,
				"%s: cannot open the Bluetooth management "
				"socket: %s",
				cmd, strerror(-fd));
	cli->client = mgmt_client_new(fd);
	if (!cli->client) {
		close(fd);
		return cli_fail(cli, CLI_EXIT_FAILURE, -1, "%s: out of memory",
				cmd);
	}
	mgmt_client_set_wakeup_fd(cli->client, cli->signal_fd);
	if (cli->verbose)
		mgmt_client_set_trace(cli->client, cli_trace, cli);
	return CLI_EXIT_OK;
}

bool cli_has_net_admin(void)
{
	char line[256];
	bool yes = true;
	FILE *f = fopen("/proc/self/status", "re");

	/* Without /proc, let the kernel say no itself. */
	if (!f)
		return true;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long caps;

		if (sscanf(line, "CapEff: %llx", &caps) == 1) {
			yes = caps & (1ULL << 12); /* CAP_NET_ADMIN */
			break;
		}
	}
	fclose(f);
	return yes;
}

bool cli_permission_error(int err)
{
	return err == -EPERM || err == -EACCES;
}

int cli_errno_exit(int err)
{
	return cli_permission_error(err) ? CLI_EXIT_PERMISSION :
					   CLI_EXIT_FAILURE;
}

const char *cli_file_errno_str(int err)
{
	return cli_permission_error(err) ?
		       "permission denied: run as root or its "
		       "owner, or change its mode" :
		       strerror(-err);
}

const char *cli_errno_str(int err)
{
	return cli_permission_error(err) ?
		       "permission denied: needs root or CAP_NET_ADMIN" :
		       strerror(-err);
}

int cli_file_errno_fail(struct cli *cli, int err, const char *what)
{
	return cli_fail(cli, cli_errno_exit(err), -1, "%s: %s", what,
			cli_file_errno_str(err));
}

int cli_errno_fail(struct cli *cli, int err, const char *what)
{
	return cli_fail(cli, cli_errno_exit(err), -1, "%s: %s", what,
			cli_errno_str(err));
}

int cli_status_exit(uint8_t status)
{
	switch ((enum mgmt_status)status) {
	case MGMT_STATUS_SUCCESS:
		return CLI_EXIT_OK;
	case MGMT_STATUS_AUTH_FAILED:
	case MGMT_STATUS_REJECTED:
		return CLI_EXIT_AUTH;
	case MGMT_STATUS_CONNECT_FAILED:
	case MGMT_STATUS_NOT_CONNECTED:
	case MGMT_STATUS_DISCONNECTED:
		return CLI_EXIT_UNREACHABLE;
	case MGMT_STATUS_TIMEOUT:
		return CLI_EXIT_TIMEOUT;
	case MGMT_STATUS_BUSY:
		return CLI_EXIT_BUSY;
	case MGMT_STATUS_NOT_POWERED:
	case MGMT_STATUS_INVALID_INDEX:
	case MGMT_STATUS_RFKILLED:
		return CLI_EXIT_NO_CONTROLLER;
	case MGMT_STATUS_PERMISSION_DENIED:
		return CLI_EXIT_PERMISSION;
	case MGMT_STATUS_UNKNOWN_COMMAND:
	case MGMT_STATUS_FAILED:
	case MGMT_STATUS_NOT_PAIRED:
	case MGMT_STATUS_NO_RESOURCES:
	case MGMT_STATUS_ALREADY_CONNECTED:
	case MGMT_STATUS_NOT_SUPPORTED:
	case MGMT_STATUS_INVALID_PARAMS:
	case MGMT_STATUS_CANCELLED:
	case MGMT_STATUS_ALREADY_PAIRED:
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_FAILURE;
}

int cli_client_fail(struct cli *cli, int err, const char *what)
{
	static const struct {
		int err, code;
		const char *msg;
	} known[] = {
		{ -ETIMEDOUT, CLI_EXIT_TIMEOUT,
		  "the kernel did not answer in time" },
		{ -EINTR, CLI_EXIT_INTERRUPTED, "interrupted" },
		{ -EBADMSG, CLI_EXIT_FAILURE,
		  "malformed reply from the kernel" },
		{ -EPIPE, CLI_EXIT_FAILURE,
		  "the management socket was closed" },
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (err == known[i].err)
			return cli_fail(cli, known[i].code, -1, "%s: %s", what,
					known[i].msg);
	return cli_fail(cli, CLI_EXIT_FAILURE, -1, "%s: %s", what,
			strerror(-err));
}

const char *cli_status_name(uint8_t status)
{
	const char *name = mgmt_status_str(status);

	return name ? name : "unknown status";
}

int cli_call(struct cli *cli, const char *what, uint16_t opcode, uint16_t index,
	     const void *param, size_t len, uint8_t *status, void *rp,
	     size_t rp_size, size_t *rp_len)
{
	uint8_t st;
	int err;

	err = mgmt_client_call(cli->client, opcode, index, param, len,
			       time_deadline_in(CLI_COMMAND_TIMEOUT_MS), &st,
			       rp, rp_size, rp_len);
	if (err < 0)
		return cli_client_fail(cli, err, what);
	if (status)
		*status = st;
	else if (st != MGMT_STATUS_SUCCESS)
		return cli_status_fail(cli, st, what);
	return CLI_EXIT_OK;
}

/* Report a failed mgmt status for what, naming the status. */
int cli_status_fail(struct cli *cli, uint8_t status, const char *what)
{
	/* The kernel lets anyone read; changing anything needs privilege. */
	if (status == MGMT_STATUS_PERMISSION_DENIED)
		return cli_fail(cli, CLI_EXIT_PERMISSION, status,
				"%s: permission denied: needs root or "
				"CAP_NET_ADMIN",
				what);
	return cli_fail(cli, cli_status_exit(status), status, "%s: %s", what,
			cli_status_name(status));
}

int cli_read_index_list(struct cli *cli, const char *cmd,
			uint16_t indexes[static CLI_INDEX_LIST_MAX],
			uint16_t *count)
{
	uint8_t rp[2 + 2 * CLI_INDEX_LIST_MAX];
	size_t rp_len;
	int ret;

	ret = cli_call(cli, cmd, MGMT_OP_READ_INDEX_LIST, MGMT_INDEX_NONE, NULL,
		       0, NULL, rp, sizeof(rp), &rp_len);
	if (ret)
		return ret;
	if (rp_len > sizeof(rp))
		rp_len = sizeof(rp); /* more controllers than anyone has */
	if (mgmt_rp_index_list_decode(rp, rp_len, indexes, CLI_INDEX_LIST_MAX,
				      count) < 0)
		return cli_client_fail(cli, -EBADMSG, cmd);
	return CLI_EXIT_OK;
}

/*
 * hciN (wanted) is not on the management interface. When the kernel has
 * registered it, it is still being set up, as every controller is for a
 * moment after it appears (HCI Reset, its firmware, its features): a unit
 * that starts because hci0 appeared runs in that moment. Wait for its Index
 * Added, up to CLI_COMMAND_TIMEOUT_MS (the socket gets index events since
 * its Read Index List). A controller the kernel does not have is reported
 * at once.
 */
static int wait_for_setup(struct cli *cli, const char *cmd, uint16_t wanted,
			  uint16_t *index)
{
	char path[PATH_MAX];
	struct mgmt_msg *msg;
	int64_t deadline;
	bool added;
	int err;

	snprintf(path, sizeof(path), "%s/hci%u",
		 cli->sysfs_dir ? cli->sysfs_dir : CLI_SYSFS_BLUETOOTH, wanted);
	if (access(path, F_OK) < 0)
		return cli_fail(cli, CLI_EXIT_NO_CONTROLLER, -1,
				"%s: no controller hci%u", cmd, wanted);
	deadline = time_deadline_in(CLI_COMMAND_TIMEOUT_MS);
	cli_progress(cli, deadline, "waiting for hci%u to be set up", wanted);
	for (;;) {
		err = mgmt_client_next(cli->client, deadline, &msg);
		if (err == -ETIMEDOUT)
			break;
		if (err < 0)
			return cli_client_fail(cli, err, cmd);
		added = msg->code == MGMT_EV_INDEX_ADDED &&
			msg->index == wanted;
		free(msg);
		if (added) {
			cli_progress_end();
			*index = wanted;
			return CLI_EXIT_OK;
		}
	}
	return cli_fail(cli, CLI_EXIT_NO_CONTROLLER, -1,
			"%s: hci%u was not set up within %d s", cmd, wanted,
			CLI_COMMAND_TIMEOUT_MS / 1000);
}

int cli_resolve_index(struct cli *cli, const char *cmd, uint16_t *index)
{
	uint16_t indexes[CLI_INDEX_LIST_MAX];
	uint16_t count, wanted = 0;
	int ret;

	if (!cli_index_arg(cli, &wanted))
		return CLI_EXIT_USAGE;
	ret = cli_read_index_list(cli, cmd, indexes, &count);
	if (ret)
		return ret;

	if (!cli->index_arg) {
		if (count == 0)
			return cli_fail(cli, CLI_EXIT_NO_CONTROLLER, -1,
					"%s: no Bluetooth controller found",
					cmd);
		/* The kernel lists the newest controller first; the lowest
		 * index is the one people mean (hci0). */
		*index = indexes[0];
		for (uint16_t i = 1; i < count; i++)
			if (indexes[i] < *index)
				*index = indexes[i];
		return CLI_EXIT_OK;
	}
	for (uint16_t i = 0; i < count; i++) {
		if (indexes[i] == wanted) {
			*index = wanted;
			return CLI_EXIT_OK;
		}
	}
	return wait_for_setup(cli, cmd, wanted, index);
}

int cli_read_info(struct cli *cli, const char *cmd, uint16_t index,
		  struct mgmt_controller_info *info)
{
	uint8_t rp[sizeof(struct mgmt_rp_read_info)];
	size_t rp_len = 0;
	int ret = cli_call(cli, cmd, MGMT_OP_READ_INFO, index, NULL, 0, NULL,
			   rp, sizeof(rp), &rp_len);

	if (ret)
		return ret;
	if (mgmt_rp_read_info_decode(rp, rp_len, info) < 0)
		return cli_client_fail(cli, -EBADMSG, cmd);
	return CLI_EXIT_OK;
}

void cli_settings_names(uint32_t settings, const char *names[static 33])
{
	size_t n = 0;

	for (unsigned int bit = 0; bit < 32; bit++) {
		const char *name;

		if (!(settings & (1u << bit)))
			continue;
		name = mgmt_setting_str(bit);
		names[n++] = name ? name : "unknown";
	}
	names[n] = NULL;
}

void cli_settings_str(uint32_t settings, char *buf, size_t size)
{
	const char *names[33];
	size_t used = 0;

	cli_settings_names(settings, names);
	buf[0] = '\0';
	for (size_t i = 0; names[i] && used < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%s", i ? " " : "",
				 names[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

int cli_group_lookup(const char *group, gid_t *gid)
{
	struct group *gr;
	unsigned long v;

	if (cli_parse_uint(group, 0, 0x7ffffffe, &v)) {
		*gid = (gid_t)v;
		return 0;
	}
	errno = 0;
	gr = getgrnam(group);
	if (!gr)
		return errno && errno != ENOENT && errno != ESRCH ? -errno :
								    -ENOENT;
	*gid = gr->gr_gid;
	return 0;
}

bool cli_bluetoothd_running(void)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	bool found = false;

	if (!proc)
		return false;
	while (!found && (de = readdir(proc))) {
		char path[PATH_MAX], comm[32] = "";
		FILE *f;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f))
			found = strcmp(comm, "bluetoothd\n") == 0;
		fclose(f);
	}
	closedir(proc);
	return found;
}

bool cli_check_args(struct cli *cli, const char *cmd, int have, int min,
		    int max)
{
	if (have < min) {
		cli_fail(cli, CLI_EXIT_USAGE, -1,
			 "%s: missing argument (see btpair %s --help)", cmd,
			 cmd);
		return false;
	}
	if (have > max) {
		cli_fail(cli, CLI_EXIT_USAGE, -1,
			 "%s: too many arguments (see btpair %s --help)", cmd,
			 cmd);
		return false;
	}
	return true;
}

int cli_controller(struct cli *cli, const char *cmd, uint16_t *index,
		   bdaddr_t *addr)
{
	struct mgmt_controller_info info;
	int ret = cli->client ? CLI_EXIT_OK : cli_open(cli, cmd);

	if (!ret)
		ret = cli_resolve_index(cli, cmd, index);
	if (!ret)
		ret = cli_read_info(cli, cmd, *index, &info);
	if (!ret)
		*addr = info.bdaddr;
	return ret;
}

static bool check_args(struct cli *cli, const struct cli_command *cmd, int have)
{
	if (!cmd)
		return true; /* not in the table: the caller counts */
	return cli_check_args(cli, cmd->name, have, cmd->min_args,
			      cmd->max_args);
}

/* getopt_long for a command: the index of the option in opts, -1 at the
 * end, or CLI_OPT_EXIT with *ret set. */
#define CLI_OPT_EXIT (-2)
/* The global options, taken after a command too (as before it), unless
 * the command has an option of that name or letter itself. */
static const struct option globals[] = {
	{ "index", required_argument, NULL, 'i' },
	{ "json", no_argument, NULL, 'j' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "version", no_argument, NULL, 'V' },
};
#define N_GLOBALS (sizeof(globals) / sizeof(globals[0]))

static bool global_clashes(const struct cli_opt *opts, size_t n,
			   const struct option *g)
{
	for (size_t k = 0; k < n; k++)
		if (opts[k].val == g->val || strcmp(opts[k].name, g->name) == 0)
			return true;
	return false;
}

int cli_print_version(struct cli *cli)
{
	if (cli->json) {
		struct json j;

		json_begin(&j, "version");
		json_str(&j, "version", BTPAIR_VERSION);
		cli->quiet = false;
		json_end(cli, &j);
	} else {
		printf("btpair %s\n", BTPAIR_VERSION);
	}
	return CLI_EXIT_OK;
}

void cli_take_global(struct cli *cli, int opt, const char *arg)
{
	switch (opt) {
	case 'i':
		cli->index_arg = arg;
		break;
	case 'j':
		cli->json = true;
		break;
	case 'v':
		cli->verbose++;
		break;
	case 'q':
		cli->quiet = true;
		break;
	case 'V':
		/* Printed once the options are read, as -j may follow. */
		cli->version = true;
		break;
	}
}

static int next_option(struct cli *cli, const char *cmd, int argc, char *argv[],
		       const struct cli_opt *opts, int *ret)
{
	size_t nopts = 0;

	while (opts && opts[nopts].name)
		nopts++;

	/* As many as the table has: no table is too long. */
	struct option all[nopts + N_GLOBALS + 2];
	char shorts[3 + 2 * N_GLOBALS + 1] = ":h";
	size_t n = 0, len = 2;
	int opt;

	for (; n < nopts; n++)
		all[n] = (struct option){ opts[n].name,
					  opts[n].kind == CLI_OPT_FLAG ?
						  no_argument :
						  required_argument,
					  NULL, opts[n].val };
	for (size_t g = 0; g < N_GLOBALS; g++) {
		if (global_clashes(opts, nopts, &globals[g]))
			continue;
		all[n++] = globals[g];
		shorts[len++] = (char)globals[g].val;
		if (globals[g].has_arg)
			shorts[len++] = ':';
	}
	shorts[len] = '\0';
	all[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	all[n] = (struct option){ NULL, 0, NULL, 0 };

	opterr = 0;
	/* Every command takes -h/--help; ':' first reports missing values. */
	for (;;) {
		bool global = false;

		opt = getopt_long(argc, argv, shorts, all, NULL);
		for (size_t g = 0; g < N_GLOBALS; g++)
			global = global ||
				 (opt == globals[g].val &&
				  !global_clashes(opts, nopts, &globals[g]));
		if (!global)
			break;
		cli_take_global(cli, opt, optarg);
	}
	switch (opt) {
	case 'h':
		cli_command_help(cli_find_command(cmd));
		*ret = CLI_EXIT_OK;
		return CLI_OPT_EXIT;
	case ':':
		*ret = cli_fail(cli, CLI_EXIT_USAGE, -1,
				"%s: option '%s' needs a value", cmd,
				argv[optind - 1]);
		return CLI_OPT_EXIT;
	case '?':
		if (optopt)
			*ret = cli_fail(cli, CLI_EXIT_USAGE, -1,
					"%s: unknown option '-%c' (see btpair "
					"%s --help)",
					cmd, optopt, cmd);
		else
			*ret = cli_fail(cli, CLI_EXIT_USAGE, -1,
					"%s: unknown option '%s' (see btpair "
					"%s --help)",
					cmd, argv[optind - 1], cmd);
		return CLI_OPT_EXIT;
	case -1:
		if (cli->version) {
			*ret = cli_print_version(cli);
			return CLI_OPT_EXIT;
		}
		/* The positional arguments, counted once for every command
		 * against its entry in the command table. */
		if (!check_args(cli, cli_find_command(cmd), argc - optind)) {
			*ret = CLI_EXIT_USAGE;
			return CLI_OPT_EXIT;
		}
		return -1;
	default:
		for (n = 0; opts[n].val != opt; n++)
			;
		return (int)n;
	}
}

/* The value of opt into its field of data; false after a usage error. */
static bool take_option(struct cli *cli, const char *cmd,
			const struct cli_opt *opt, const char *arg,
			cli_option_fn *own, void *data)
{
	void *field = (char *)data + opt->field;
	unsigned long *num = field;
	unsigned long v;

	switch (opt->kind) {
	case CLI_OPT_FLAG:
		*(bool *)field = true;
		return true;
	case CLI_OPT_PATH:
		if (arg[0] != '/') {
			cli_fail(cli, CLI_EXIT_USAGE, -1,
				 "%s: --%s takes an absolute path, not '%s'",
				 cmd, opt->name, arg);
			return false;
		}
		*(const char **)field = arg;
		return true;
	case CLI_OPT_NAME:
		if (strlen(arg) > MGMT_MAX_NAME_LEN - 1) {
			cli_fail(cli, CLI_EXIT_USAGE, -1,
				 "%s: a name is at most %d bytes", cmd,
				 MGMT_MAX_NAME_LEN - 1);
			return false;
		}
		*(const char **)field = arg;
		return true;
	case CLI_OPT_STRING:
		*(const char **)field = arg;
		return true;
	case CLI_OPT_PINS: {
		bool ok = cli_pins_add(cli, field, cmd, arg);

		/* Kept in pins now: wiped from argv, which every local
		 * user reads in /proc/PID/cmdline for the process's life. */
		explicit_bzero((char *)arg, strlen(arg));
		return ok;
	}
	case CLI_OPT_CAPABILITY:
		if (mgmt_io_cap_parse(arg, field) < 0) {
			cli_fail(cli, CLI_EXIT_USAGE, -1,
				 "%s: unknown capability '%s'", cmd, arg);
			return false;
		}
		return true;
	case CLI_OPT_CHANNEL:
		if (!cli_uint_arg(cli, arg, 1, 30, &v,
				  "%s: --%s takes 1 to 30, not '%s'", cmd,
				  opt->name, arg))
			return false;
		*(uint8_t *)field = (uint8_t)v;
		return true;
	case CLI_OPT_UINT:
		return cli_uint_arg(cli, arg, opt->min, opt->max, num,
				    "%s: --%s takes %lu to %lu", cmd, opt->name,
				    opt->min, opt->max);
	case CLI_OPT_SECONDS:
		return cli_uint_arg(cli, arg, opt->min, opt->max, num,
				    "%s: --%s takes %lu to %lu seconds, not "
				    "'%s'",
				    cmd, opt->name, opt->min, opt->max, arg);
	case CLI_OPT_RUN_TIME:
		return cli_uint_arg(cli, arg, 1, CLI_RUN_TIME_MAX_S, num,
				    "%s: --%s takes a number of seconds, not "
				    "'%s'",
				    cmd, opt->name, arg);
	case CLI_OPT_OWN:
		return own(cli, opt->val, arg, data);
	}
	return true;
}

bool cli_options(struct cli *cli, const char *cmd, int argc, char *argv[],
		 const struct cli_opt *opts, cli_option_fn *own, void *data,
		 int *ret)
{
	int i;

	while ((i = next_option(cli, cmd, argc, argv, opts, ret)) != -1) {
		if (i == CLI_OPT_EXIT)
			return false;
		if (!take_option(cli, cmd, &opts[i], optarg, own, data)) {
			*ret = CLI_EXIT_USAGE;
			return false;
		}
	}
	return true;
}
