/* serial up|down: the devices declared in serial.conf, made ready. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/context.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/common.h"
#include "cli/pin.h"
#include "cli/pair.h"
#include "cli/scan.h"
#include "cli/rfcomm.h"
#include "cli/serial.h"
#include "keystore/keystore.h"
#include "lib/file.h"
#include "lib/time.h"
#include "mgmt/addr.h"
#include "rfcomm/rfcomm.h"
#include "serial/conf.h"

#define SERIAL_PAIR_TIMEOUT_S 30

int cli_serial_bound(const struct serial_entry *e,
		     const struct rfcomm_dev_state *devs, size_t ndevs,
		     struct serial_state *st, bool *known)
{
	*known = false;
	if (serial_state_read(e->name, st) == 0) {
		*known = true;
		for (size_t i = 0; !e->pty && i < ndevs; i++)
			if (devs[i].id == st->dev &&
			    bt_addr_equal(&devs[i].addr, &st->addr))
				return devs[i].id;
		return -1;
	}
	if (e->by_name)
		return -1;
	/* Not recorded (bound by hand, or before a crash): a binding to the
	 * entry's address and channel is the entry's. */
	*known = true;
	st->addr = e->addr;
	st->channel = e->channel;
	st->from = e->channel ? SERIAL_CHANNEL_CONF : SERIAL_CHANNEL_UNKNOWN;
	st->dev = e->dev;
	for (size_t i = 0; !e->pty && i < ndevs; i++)
		if ((e->dev < 0 || devs[i].id == e->dev) &&
		    bt_addr_equal(&devs[i].addr, &e->addr) &&
		    (!e->channel || devs[i].channel == e->channel))
			return devs[i].id;
	return -1;
}

/*
 * The processes serial up leaves running for an entry are named by a file
 * under the run directory, NAME.pid for the pty process and NAME.retry for
 * the retry process, as "PID START": its pid and its start time (field 22
 * of /proc/PID/stat, clock ticks since boot). A pid alone proves nothing
 * once that process is gone: the number may belong to any process since.
 * Only a live process with the same start time is the one serial up
 * started, and only that one is ever signalled.
 */
#define PTY_SUFFIX "pid"
#define RETRY_SUFFIX "retry"

struct pty_process {
	pid_t pid;
	unsigned long long start; /* 0: not recorded (an older pid file) */
};

/* The start time of pid, or 0 when it is gone or a zombie. */
static unsigned long long start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start;
	ssize_t n;
	int fd;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The name, in parentheses, may hold anything: fields are counted
	 * from its last ')'. State is field 3, start time field 22. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return 0;
	p += 2;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return 0;
		p++;
	}
	if (sscanf(p, "%llu", &start) != 1)
		return 0;
	return start;
}

/* NAME.suffix into *proc; false when there is none or it does not
 * parse. */
static bool read_process(const char *name, const char *suffix,
			 struct pty_process *proc)
{
	char path[4096], buf[64], *start;
	unsigned long v;
	ssize_t n;
	int fd;

	*proc = (struct pty_process){ 0 };
	if (serial_run_path(path, sizeof(path), name, suffix) < 0)
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	start = strchr(buf, ' ');
	if (start)
		*start++ = '\0';
	if (!cli_parse_uint(buf, 2, 0x3fffffff, &v))
		return false;
	proc->pid = (pid_t)v;
	if (start && sscanf(start, "%llu", &proc->start) != 1)
		proc->start = 0;
	return true;
}

/* Whether proc runs and is the process its pid file was written for. */
static bool is_running(const struct pty_process *proc)
{
	return proc->start && start_time(proc->pid) == proc->start;
}

/*
 * A pid file of an older btpair holds the pid alone (it survives a package
 * upgrade in /run). Its process is taken for the entry's only if it runs
 * exactly the command serial up starts for that pty (connect ... --pty
 * PATH); then its start time is filled in, so that from here on it is held
 * to that like any other.
 */
static void adopt_legacy(struct pty_process *proc, const char *pty)
{
	char path[64], buf[8192];
	bool connect = false, pty_next = false, ours = false;
	unsigned long long start;
	ssize_t n;
	int fd;

	if (proc->start || !(start = start_time(proc->pid)))
		return;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)proc->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (char *a = buf; a < buf + n; a += strlen(a) + 1) {
		if (pty_next)
			ours = connect && strcmp(a, pty) == 0;
		connect = connect || strcmp(a, "connect") == 0;
		pty_next = strcmp(a, "--pty") == 0;
	}
	if (ours && start_time(proc->pid) == start)
		proc->start = start;
}

bool cli_serial_pty_running(const struct serial_entry *e)
{
	struct pty_process proc;

	if (!read_process(e->name, PTY_SUFFIX, &proc))
		return false;
	adopt_legacy(&proc, e->pty);
	return is_running(&proc);
}

pid_t cli_serial_retrying(const struct serial_entry *e)
{
	struct pty_process proc;

	if (!read_process(e->name, RETRY_SUFFIX, &proc) || !is_running(&proc))
		return 0;
	return proc.pid;
}

int cli_serial_conf_fail(struct cli *cli, const char *cmd, const char *path,
			 int err, const struct file_error *cerr)
{
	if (err == -EINVAL && cerr->line)
		return cli_fail(cli, CLI_EXIT_USAGE, -1, "%s: %s:%u: %s", cmd,
				path, cerr->line, cerr->msg);
	if (err == -EFBIG)
		return cli_fail(cli, CLI_EXIT_USAGE, -1,
				"%s: %s is not a regular file of at most %d "
				"bytes",
				cmd, path, SERIAL_CONF_MAX_SIZE);
	return cli_fail(cli, cli_errno_exit(err), -1, "%s: cannot read %s: %s",
			cmd, path, strerror(-err));
}

/*
 * serial up --retry: how long it tries the entries that need their device
 * (a pairing, an SDP query) in the foreground, all of them together,
 * before it hands those still unanswered to retry processes. At boot the
 * unit waits that long, and bluetoothd after it: keep it short.
 */
#define SERIAL_RETRY_BOUND_MS 20000
/*
 * How long a retry process waits at most between attempts. A device off at
 * boot is switched on at any time and should be in use within 30 s of it:
 * an attempt at least every 20 s (a page to an absent device costs the
 * radio about 5 s; the log says only the first failure, each change and
 * every tenth repeat).
 */
#define SERIAL_RETRY_CAP_MS 20000
/*
 * serial wait's default bound: how long a first boot whose device is off
 * holds bluetoothd back for its pairing (btpair-serial-wait.service).
 */
#define SERIAL_WAIT_DEFAULT_S 180

struct serial_run {
	struct cli *cli;
	const struct serial_conf *conf;
	const char *config; /* its path, for the retry process */
	struct rfcomm_dev_state devs[RFCOMM_MAX_DEV];
	size_t ndevs;
	/* PINs from the command line, for entries without pin-file. */
	const struct cli_pins *pins;
	const char *pin_file;
	bool retry;	    /* --retry */
	bool offline;	    /* this pass: only what needs no page */
	int64_t until;	    /* --retry: the end of the foreground's time */
	int64_t backoff_ms; /* what cli_reconnect_wait has reached */
	bool in_retry;	    /* this is an entry's retry process */
};

/* entry_attempt: the entry needs its device, and this pass is offline. */
#define SERIAL_NEEDS_DEVICE (-1)

static void report(struct cli *cli, const struct serial_entry *e,
		   const char *state, bool changed, const bdaddr_t *addr,
		   int channel, int dev, bool paired)
{
	char a[BT_ADDR_STRLEN] = "";

	if (addr)
		bt_addr_format(addr, a);
	if (cli->json) {
		struct json j;

		json_begin(&j, "serial");
		json_str(&j, "name", e->name);
		json_str(&j, "state", state);
		json_bool(&j, "changed", changed);
		json_addr(&j, "address", addr);
		json_int_or_null(&j, "channel", channel > 0, channel);
		json_int_or_null(&j, "dev", dev >= 0, dev);
		json_str(&j, "pty", e->pty);
		json_bool(&j, "paired", paired);
		json_end(cli, &j);
		return;
	}
	if (strcmp(state, "retrying") == 0) {
		cli_print(cli, "serial %s %sretrying in the background",
			  e->name, changed ? "" : "already ");
		return;
	}
	if (strcmp(state, "down") == 0) {
		if (!changed)
			cli_print(cli, "serial %s already down", e->name);
		else if (dev >= 0)
			cli_print(cli,
				  "serial %s down (released /dev/rfcomm%d)",
				  e->name, dev);
		else
			cli_print(cli, "serial %s down", e->name);
		return;
	}
	if (e->pty)
		cli_print(cli, "serial %s %sup %s %s channel %d%s", e->name,
			  changed ? "" : "already ", e->pty, a, channel,
			  paired ? " (paired)" : "");
	else
		cli_print(cli, "serial %s %sup /dev/rfcomm%d %s channel %d%s",
			  e->name, changed ? "" : "already ", dev, a, channel,
			  paired ? " (paired)" : "");
}

/* Whether some entry asks for /dev/rfcomm<dev> by number. */
static bool dev_reserved(const struct serial_conf *conf, int dev)
{
	for (size_t i = 0; i < conf->count; i++)
		if (conf->entries[i].dev == dev)
			return true;
	return false;
}

static const struct rfcomm_dev_state *find_dev(const struct serial_run *r,
					       int dev)
{
	for (size_t i = 0; i < r->ndevs; i++)
		if (r->devs[i].id == dev)
			return &r->devs[i];
	return NULL;
}

/* The controller of an entry: its own, else -i's or the first. */
static int entry_controller(struct cli *cli, const char *what,
			    const struct serial_entry *e, uint16_t *index,
			    bdaddr_t *local)
{
	const char *saved = cli->index_arg;
	char arg[16];
	int ret;

	if (e->controller >= 0) {
		snprintf(arg, sizeof(arg), "%d", e->controller);
		cli->index_arg = arg;
	}
	ret = cli_controller(cli, what, index, local);
	cli->index_arg = saved;
	return ret;
}

/* Whether the key store holds a key of ctrl for addr. */
static bool key_stored(struct cli *cli, const bdaddr_t *ctrl,
		       const bdaddr_t *addr)
{
	struct keystore_entry *list = NULL;
	size_t n = 0;
	bool found = false;

	if (keystore_list(keystore_dir(NULL), ctrl, &list, &n, NULL, cli) < 0)
		return false;
	for (size_t i = 0; i < n && !found; i++)
		found = bt_addr_equal(&list[i].key.addr.bdaddr, addr);
	keystore_entries_free(list, n);
	return found;
}

/* Pair (no key is stored): PINs from the entry's pin-file, else from the
 * command line or BTPAIR_PIN. */
static int pair_entry(struct serial_run *r, const struct serial_entry *e,
		      const char *what, uint16_t index,
		      const struct mgmt_addr *addr, unsigned long timeout_s,
		      bool *paired)
{
	struct cli *cli = r->cli;
	struct cli_pins pins = { .count = 0 };
	const char *file = e->pin_file ? e->pin_file : r->pin_file;
	const char *env = cli_pin_env();
	bool already = false;
	int ret = CLI_EXIT_OK;

	*paired = false;
	if (file) {
		ret = cli_pins_from_file(cli, &pins, what, file, &addr->bdaddr,
					 NULL);
	} else if (r->pins->count) {
		for (size_t i = 0; i < r->pins->count && !ret; i++)
			if (!cli_pins_add(cli, &pins, what, r->pins->pins[i]))
				ret = CLI_EXIT_USAGE;
	} else if (env && *env && !cli_pins_add(cli, &pins, what, env)) {
		ret = CLI_EXIT_USAGE;
	}
	if (!ret)
		ret = cli_pair_for_connect(cli, index, addr, &pins, timeout_s,
					   false, &already);
	cli_pins_clear(&pins);
	if (!ret)
		*paired = !already;
	return ret;
}

/* Whether the entry's PIN, were it needed, lives only in this process
 * (--pin, BTPAIR_PIN, --pin-file -): a retry process cannot have it. */
/*
 * Whether another attempt later may bring an entry up after it failed with
 * ret: the device did not answer (unreachable, timed out), the controller
 * was not there or not ready (a UART controller late or being reset at
 * boot), or a pairing was refused while bluetoothd runs (it refuses PIN
 * requests before btpair can answer). Not a wrong PIN, a pty that cannot
 * be made, a node bound to another device, a refused permission: those
 * need a person, and say so at once.
 */
static bool serial_retry_worth(int ret)
{
	switch (ret) {
	case CLI_EXIT_UNREACHABLE:
	case CLI_EXIT_TIMEOUT:
	case CLI_EXIT_NO_CONTROLLER:
		return true;
	case CLI_EXIT_AUTH:
		return cli_bluetoothd_running();
	default:
		return false;
	}
}

static bool pin_only_here(const struct serial_run *r,
			  const struct serial_entry *e)
{
	const char *env = cli_pin_env();

	struct stat st;

	if (e->pin_file)
		return false;
	/* Standard input, a pipe, /dev/fd/N: drained once read. */
	if (r->pin_file)
		return strcmp(r->pin_file, "-") == 0 ||
		       stat(r->pin_file, &st) < 0 || !S_ISREG(st.st_mode);
	return r->pins->count || (env && *env);
}

static int pty_up(struct serial_run *r, const struct serial_entry *e,
		  const char *what, uint16_t index,
		  const struct serial_state *st, bool paired);

/* Bind the entry's /dev/rfcommN (its dev=, else the lowest free) and
 * record it. Returns the exit code, reported. */
static int bind_entry(struct serial_run *r, const struct serial_entry *e,
		      const char *what, const bdaddr_t *local,
		      struct serial_state *st, bool paired)
{
	struct cli *cli = r->cli;
	int dev, err;

	dev = e->dev;
	/* The lowest number nobody holds or asks for by number. */
	for (int i = 0; dev < 0 && i < RFCOMM_MAX_DEV; i++)
		if (!find_dev(r, i) && !dev_reserved(r->conf, i))
			dev = i;
	if (dev < 0)
		return cli_fail(cli, CLI_EXIT_BUSY, -1,
				"%s: no free /dev/rfcomm number", what);
	err = rfcomm_bind_dev(dev, local, &st->addr, st->channel);
	if (err == -EADDRINUSE || err == -EBUSY)
		return cli_fail(cli, CLI_EXIT_BUSY, -1,
				"%s: /dev/rfcomm%d is already bound", what,
				dev);
	if (err < 0)
		return cli_fail(cli, cli_errno_exit(err), -1,
				"%s: bind /dev/rfcomm%d: %s", what, dev,
				strerror(-err));
	/* Known to the next entry's choice of a free number. */
	if (r->ndevs < RFCOMM_MAX_DEV)
		r->devs[r->ndevs++] = (struct rfcomm_dev_state){
			.id = dev,
			.state = 0,
			.local = *local,
			.addr = st->addr,
			.channel = st->channel
		};
	st->dev = dev;
	err = serial_state_write(e->name, st);
	if (err < 0)
		cli_warn(cli, "%s: cannot record it under %s: %s", what,
			 serial_run_dir(), strerror(-err));
	report(cli, e, "up", true, &st->addr, st->channel, dev, paired);
	return CLI_EXIT_OK;
}

/*
 * The entry's channel into st: channel=N, else what this boot's serial up
 * recorded, else what SDP said before (remembered across reboots), else
 * SDP now, remembered for the next time (asked again when it gave no
 * answer right after a pairing, paired). With r->offline, SDP is not
 * asked: SERIAL_NEEDS_DEVICE.
 */
#define SDP_AFTER_PAIR_TRIES 2
#define SDP_AFTER_PAIR_PAUSE_MS 1500
static int pause_ms(struct cli *cli, int64_t ms);

static int entry_channel(struct serial_run *r, const struct serial_entry *e,
			 const char *what, const bdaddr_t *local,
			 const struct serial_state *recorded, int64_t deadline,
			 bool paired, struct serial_state *st)
{
	bool found = false;
	int ret, err;

	if (e->channel) {
		st->channel = e->channel;
		st->from = SERIAL_CHANNEL_CONF;
		return CLI_EXIT_OK;
	}
	if (recorded && recorded->channel &&
	    bt_addr_equal(&recorded->addr, &st->addr)) {
		st->channel = recorded->channel;
		st->from = recorded->from;
		return CLI_EXIT_OK;
	}
	if (serial_channel_read(local, &st->addr, &st->channel) == 0) {
		st->from = SERIAL_CHANNEL_REMEMBERED;
		return CLI_EXIT_OK;
	}
	if (r->offline)
		return SERIAL_NEEDS_DEVICE;
	ret = cli_find_channel(r->cli, what, local, &st->addr, deadline,
			       &st->channel, &found);
	/* Right after a pairing the device may still be tearing that link
	 * down and reset SDP's (seen on 6.1): ask again once it has, rather
	 * than settle on channel 1 for good. */
	for (int i = 0; !ret && !found && paired && i < SDP_AFTER_PAIR_TRIES &&
			time_now_ms() + SDP_AFTER_PAIR_PAUSE_MS < deadline;
	     i++) {
		if (pause_ms(r->cli, SDP_AFTER_PAIR_PAUSE_MS) < 0)
			return CLI_EXIT_INTERRUPTED;
		ret = cli_find_channel(r->cli, what, local, &st->addr, deadline,
				       &st->channel, &found);
	}
	if (ret)
		return ret;
	st->from = SERIAL_CHANNEL_SDP;
	/* Only what the device said is worth keeping: channel 1 for want of
	 * an answer is asked again next time. */
	err = found ? serial_channel_write(local, &st->addr, st->channel) : 0;
	if (err < 0)
		cli_warn(r->cli, "%s: cannot remember channel %u under %s: %s",
			 what, st->channel, serial_state_dir(), strerror(-err));
	return CLI_EXIT_OK;
}

/*
 * One try at bringing the entry up, within timeout_ms: find the device and
 * the controller, pair when no key is stored, find the channel, bind or
 * start the pty process. Returns the exit code, reported, or
 * SERIAL_NEEDS_DEVICE (nothing said) when r->offline and the device would
 * have to answer.
 */
static int entry_attempt(struct serial_run *r, const struct serial_entry *e,
			 const char *what, int64_t timeout_ms)
{
	struct cli *cli = r->cli;
	struct serial_state recorded, st = { .dev = -1 };
	struct mgmt_addr addr = { .type = MGMT_ADDR_BREDR };
	int64_t deadline = time_deadline_in(timeout_ms);
	char a[BT_ADDR_STRLEN];
	bool known, paired = false;
	bdaddr_t local;
	uint16_t index;
	int ret;

	cli_serial_bound(e, r->devs, r->ndevs, &recorded, &known);
	if (known) {
		addr.bdaddr = recorded.addr;
	} else if (r->offline) {
		return SERIAL_NEEDS_DEVICE;
	}
	ret = entry_controller(cli, what, e, &index, &local);
	if (ret)
		return ret;
	if (!known) {
		char target[80];

		snprintf(target, sizeof(target), "name:%s", e->pattern);
		ret = cli_resolve_addr(cli, what, target, index, false, &addr);
		if (ret)
			return ret;
	}
	st.addr = addr.bdaddr;
	if (e->dev >= 0) {
		const struct rfcomm_dev_state *d = find_dev(r, e->dev);

		if (d)
			return cli_fail(cli, CLI_EXIT_BUSY, -1,
					"%s: /dev/rfcomm%d is already bound to "
					"%s",
					what, e->dev,
					bt_addr_format(&d->addr, a));
	}
	if (!key_stored(cli, &local, &addr.bdaddr)) {
		if (r->offline)
			return SERIAL_NEEDS_DEVICE;
		ret = pair_entry(r, e, what, index, &addr,
				 (unsigned long)(timeout_ms + 999) / 1000,
				 &paired);
		if (ret)
			return ret;
	}
	ret = entry_channel(r, e, what, &local, known ? &recorded : NULL,
			    deadline, paired, &st);
	if (ret)
		return ret;
	if (e->pty)
		return pty_up(r, e, what, index, &st, paired);
	return bind_entry(r, e, what, &local, &st, paired);
}

/* Wait ms, or until SIGINT/SIGTERM: 0 or -EINTR. */
static int pause_ms(struct cli *cli, int64_t ms)
{
	int64_t until = time_now_ms() + ms;

	for (;;) {
		struct pollfd pfd = { .fd = cli->signal_fd, .events = POLLIN };
		int64_t left = until - time_now_ms();
		int n;

		if (left <= 0)
			return 0;
		n = poll(&pfd, 1, (int)left);
		if (n > 0)
			return -EINTR;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

static int stop_process(struct serial_run *r, const struct serial_entry *e,
			const char *what, const char *suffix, bool *stopped);
static int spawn_retry(struct serial_run *r, const struct serial_entry *e,
		       const char *what, const char *why);

static void retry_log_failure(struct cli *cli, struct serial_retry_log *log,
			      const struct serial_entry *e, int ret,
			      const struct cli_capture *cap, int64_t wait_ms);

/*
 * serial up --retry's entry that needs its device: tried again, backing
 * off, until r->until, its failures said as a retry process says them; if
 * it still fails in a way that may pass, handed to a retry process of its
 * own. Returns the exit code.
 */
static int entry_retry(struct serial_run *r, const struct serial_entry *e,
		       const char *what)
{
	struct serial_retry_log log = { .attempts = 0 };
	struct cli *cli = r->cli;
	struct cli_capture cap;
	int ret;

	r->backoff_ms = CLI_RECONNECT_FIRST_MS;
	for (;;) {
		int64_t left = r->until - time_now_ms(), wait, base;

		memset(&cap, 0, sizeof(cap));
		cli->capture = &cap;
		ret = CLI_EXIT_TIMEOUT;
		if (left > 0)
			ret = entry_attempt(r, e, what, left);
		else
			snprintf(cap.error, sizeof(cap.error),
				 "%s: no time left to try", what);
		cli->capture = NULL;
		if (cap.warning[0])
			cli_warn(cli, "%s", cap.warning);
		if (!ret)
			return ret;
		if (!serial_retry_worth(ret))
			return cli_fail(cli, ret, -1, "%s", cap.error);
		base = r->backoff_ms;
		wait = cli_reconnect_wait(&r->backoff_ms, -1,
					  SERIAL_RETRY_CAP_MS,
					  cli_jitter_random());
		if (time_now_ms() + wait >= r->until) {
			/* The retry process makes the wait not made here. */
			r->backoff_ms = base;
			break;
		}
		retry_log_failure(cli, &log, e, ret, &cap, wait);
		if (pause_ms(cli, wait) < 0)
			return CLI_EXIT_INTERRUPTED;
	}
	if (pin_only_here(r, e))
		return cli_fail(cli, ret, -1,
				"%s; not retried in the background: its PIN "
				"came from --pin, BTPAIR_PIN or standard "
				"input, which a retry process is never given "
				"(give the entry pin-file=)",
				cap.error);
	return spawn_retry(r, e, what, cap.error);
}

static int entry_up(struct serial_run *r, const struct serial_entry *e)
{
	struct cli *cli = r->cli;
	struct serial_state st;
	char what[64];
	bool known, stopped;
	int dev, ret;

	snprintf(what, sizeof(what), "serial up %s", e->name);
	dev = cli_serial_bound(e, r->devs, r->ndevs, &st, &known);
	if (e->pty && cli_serial_pty_running(e)) {
		report(cli, e, "up", false, known ? &st.addr : NULL,
		       known ? st.channel : e->channel, -1, false);
		return CLI_EXIT_OK;
	}
	if (dev >= 0) {
		report(cli, e, "up", false, &st.addr, st.channel, dev, false);
		return CLI_EXIT_OK;
	}
	if (!r->in_retry && cli_serial_retrying(e)) {
		/* The unit started again: its retry process goes on. */
		if (r->retry) {
			if (r->offline)
				return SERIAL_NEEDS_DEVICE;
			report(cli, e, "retrying", false, NULL, 0, -1, false);
			return CLI_EXIT_OK;
		}
		/* Asked by hand: this try replaces the retry process. */
		ret = stop_process(r, e, what, RETRY_SUFFIX, &stopped);
		if (ret)
			return ret;
		if (stopped)
			cli_warn(cli,
				 "%s: its retry process is stopped; this "
				 "command tries once",
				 what);
	}
	if (r->retry && !r->offline)
		return entry_retry(r, e, what);
	return entry_attempt(r, e, what, SERIAL_PAIR_TIMEOUT_S * 1000);
}

static int pty_down(struct serial_run *r, const struct serial_entry *e,
		    const char *what, bool retrying);
static int entry_down(struct serial_run *r, const struct serial_entry *e)
{
	struct cli *cli = r->cli;
	struct serial_state st;
	char what[64];
	bool known, retrying = false;
	int dev, err;

	snprintf(what, sizeof(what), "serial down %s", e->name);
	/* First the retry process, so that it binds nothing meanwhile. */
	err = stop_process(r, e, what, RETRY_SUFFIX, &retrying);
	if (err)
		return err;
	if (e->pty)
		return pty_down(r, e, what, retrying);
	dev = cli_serial_bound(e, r->devs, r->ndevs, &st, &known);
	if (dev < 0) {
		serial_state_remove(e->name);
		report(cli, e, "down", retrying, NULL, 0, -1, false);
		return CLI_EXIT_OK;
	}
	err = rfcomm_release_dev(dev);
	if (err < 0 && err != -ENODEV)
		return cli_fail(cli, cli_errno_exit(err), -1,
				"%s: release /dev/rfcomm%d: %s", what, dev,
				strerror(-err));
	serial_state_remove(e->name);
	report(cli, e, "down", true, &st.addr, st.channel, dev, false);
	return CLI_EXIT_OK;
}

/* Whether stderr is systemd's journal (a unit's), where the pty process's
 * log should go too. */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	       fstat(STDERR_FILENO, &st) == 0 &&
	       (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

/*
 * Start btpair with args in the background, in a session of its own; its
 * stderr (and its stdout too when out_too) goes to the journal under
 * systemd, else to RUN_DIR/NAME.log. Returns its pid or -errno.
 */
static pid_t spawn_btpair(const struct serial_entry *e, char *const args[],
			  bool out_too)
{
	bool journal = stderr_is_journal();
	char log[4096];
	pid_t pid;

	if (serial_run_path(log, sizeof(log), e->name, "log") < 0)
		return -ENAMETOOLONG;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		int fd = journal ?
				 STDERR_FILENO :
				 open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		int err_fd = fd >= 0 ? fd : null;
		sigset_t set;

		setsid();
		if (null < 0 || dup2(null, STDIN_FILENO) < 0 ||
		    dup2(out_too ? err_fd : null, STDOUT_FILENO) < 0 ||
		    dup2(err_fd, STDERR_FILENO) < 0)
			_exit(127);
		/* Nothing but 0-2 goes on into the process, whatever
		 * serial up itself inherited. */
		close_range(STDERR_FILENO + 1, ~0U, 0);
		sigemptyset(&set);
		sigprocmask(SIG_SETMASK, &set, NULL);
		/* The same binary, whatever PATH holds. */
		execv("/proc/self/exe", args);
		_exit(127);
	}
	return pid;
}

/* `btpair -i N connect ADDR --channel C --reconnect --pty PATH
 * [--pty-group G] [--sdp-if-refused]` in the background: a channel that
 * came from SDP, now or before, is asked again if the device refuses it. */
static pid_t spawn_pty(const struct serial_entry *e, uint16_t index,
		       const char *a, const struct serial_state *st,
		       const char *group)
{
	char idx[16], ch[8];
	char *args[16] = { "btpair",  "-i",	   idx, "connect",
			   (char *)a, "--channel", ch,	"--reconnect",
			   "--pty",   e->pty };
	size_t n = 10;

	snprintf(idx, sizeof(idx), "%u", index);
	snprintf(ch, sizeof(ch), "%u", st->channel);
	if (group) {
		args[n++] = "--pty-group";
		args[n++] = (char *)group;
	}
	if (!e->channel)
		args[n++] = "--sdp-if-refused";
	args[n] = NULL;
	return spawn_btpair(e, args, false);
}

static int write_pid(const char *name, const char *suffix, pid_t pid)
{
	char file[SERIAL_NAME_MAX + 16], text[48];
	unsigned long long start = start_time(pid);
	int len;

	/* Gone already: nothing to record; serial up sees it fail. */
	if (!start)
		return -ESRCH;
	snprintf(file, sizeof(file), "%s.%s", name, suffix);
	len = snprintf(text, sizeof(text), "%d %llu\n", (int)pid, start);
	return file_replace(serial_run_dir(), file, text, (size_t)len, 0644);
}

static void remove_run_file(const char *name, const char *suffix)
{
	char path[4096];

	if (serial_run_path(path, sizeof(path), name, suffix) == 0)
		unlink(path);
}

/* How long serial up waits for the pty to appear. */
#define PTY_START_MS 10000

/* The group a pty entry's terminal gets, checked: its group=, else dialout
 * when there is one (else NULL: left as the kernel makes it). */
static int pty_group(struct serial_run *r, const struct serial_entry *e,
		     const char *what, const char **group)
{
	struct cli *cli = r->cli;
	gid_t gid;
	int err;

	*group = NULL;
	err = cli_group_lookup(e->group ? e->group : SERIAL_PTY_GROUP, &gid);
	if (!err) {
		*group = e->group ? e->group : SERIAL_PTY_GROUP;
		return CLI_EXIT_OK;
	}
	if (!e->group)
		return CLI_EXIT_OK;
	if (err == -ENOENT)
		return cli_fail(cli, CLI_EXIT_USAGE, -1,
				"%s: no group '%s' (%s:%u)", what, e->group,
				r->config, e->line);
	return cli_fail(cli, CLI_EXIT_FAILURE, -1, "%s: group '%s': %s", what,
			e->group, strerror(-err));
}

/* End a child of ours not reaped yet: SIGTERM, up to 5 s to exit, then
 * SIGKILL; reaped either way. */
static void end_child(pid_t pid)
{
	int64_t until = time_now_ms() + 5000;
	int status;

	if (kill(pid, SIGTERM) < 0)
		return;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (time_now_ms() > until) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return;
		}
		usleep(20000);
	}
}

static int pty_up(struct serial_run *r, const struct serial_entry *e,
		  const char *what, uint16_t index,
		  const struct serial_state *st, bool paired)
{
	struct cli *cli = r->cli;
	char a[BT_ADDR_STRLEN], log[4096];
	int64_t until = time_now_ms() + PTY_START_MS;
	const char *group;
	struct stat sb;
	pid_t pid;
	int err;

	bt_addr_format(&st->addr, a);
	err = pty_group(r, e, what, &group);
	if (err)
		return err;
	if (mkdir(serial_run_dir(), 0755) < 0 && errno != EEXIST)
		return cli_fail(cli, CLI_EXIT_FAILURE, -1, "%s: %s: %s", what,
				serial_run_dir(), strerror(errno));
	/* A pty link left by a process that is gone would look ready;
	 * anything else at the path is not ours to remove (the pty process
	 * then says so). */
	if (lstat(e->pty, &sb) == 0 && S_ISLNK(sb.st_mode)) {
		char target[64];
		ssize_t n = readlink(e->pty, target, sizeof(target) - 1);

		if (n > 0) {
			target[n] = '\0';
			if (strncmp(target, "/dev/pts/", 9) == 0)
				unlink(e->pty);
		}
	}
	pid = spawn_pty(e, index, a, st, group);
	if (pid < 0)
		return cli_fail(cli, CLI_EXIT_FAILURE, -1,
				"%s: cannot start "
				"the pty process: %s",
				what, strerror(-pid));
	err = write_pid(e->name, PTY_SUFFIX, pid);
	if (!err)
		err = serial_state_write(e->name, st);
	if (err < 0)
		cli_warn(cli, "%s: cannot record it under %s: %s", what,
			 serial_run_dir(), strerror(-err));
	/* Ready when the symlink leads to the pty. */
	while (stat(e->pty, &sb) < 0 || !S_ISCHR(sb.st_mode)) {
		int status;
		bool reaped = waitpid(pid, &status, WNOHANG) == pid;

		if (reaped || time_now_ms() > until) {
			/* Only a child not reaped yet is still ours to
			 * signal (and then to reap). */
			if (!reaped)
				end_child(pid);
			remove_run_file(e->name, PTY_SUFFIX);
			serial_state_remove(e->name);
			serial_run_path(log, sizeof(log), e->name, "log");
			return cli_fail(cli, CLI_EXIT_FAILURE, -1,
					"%s: the pty process did not make %s "
					"(see %s or the journal)",
					what, e->pty, log);
		}
		usleep(50 * 1000);
	}
	report(cli, e, "up", true, &st->addr, st->channel, -1, paired);
	return CLI_EXIT_OK;
}

/* Signal proc through pidfd when there is one (it cannot reach another
 * process), else by pid after a last check that it is still proc. */
static int signal_pty_process(const struct pty_process *proc, int pidfd,
			      int sig)
{
	if (pidfd >= 0)
		return pidfd_send_signal(pidfd, sig, NULL, 0);
	if (!is_running(proc)) {
		errno = ESRCH;
		return -1;
	}
	return kill(proc->pid, sig);
}

/* Wait up to ms for proc to end. */
static void wait_pty_process(const struct pty_process *proc, int pidfd, int ms)
{
	int64_t until = time_now_ms() + ms;

	if (pidfd >= 0) {
		struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

		poll(&pfd, 1, ms);
		return;
	}
	while (is_running(proc) && time_now_ms() < until)
		usleep(50 * 1000);
}

/*
 * Stop the entry's process that NAME.suffix names, if it is still the one
 * serial up started (SIGTERM, SIGKILL after 5 s), and remove the file.
 * *stopped says whether one ran. Returns the exit code, reported.
 */
static int stop_process(struct serial_run *r, const struct serial_entry *e,
			const char *what, const char *suffix, bool *stopped)
{
	struct pty_process proc;
	bool recorded = read_process(e->name, suffix, &proc), running;
	bool pty = strcmp(suffix, PTY_SUFFIX) == 0;
	int pidfd = -1;

	*stopped = false;
	if (recorded && pty)
		adopt_legacy(&proc, e->pty);
	running = recorded && is_running(&proc);
	/* A pidfd taken while proc is still the process the file names is
	 * that process for good, whatever becomes of its pid after. */
	if (running) {
		pidfd = (int)pidfd_open(proc.pid, 0);
		running = is_running(&proc);
		if (pidfd >= 0 && !running) {
			close(pidfd);
			pidfd = -1;
		}
	}
	if (!running) {
		if (recorded && start_time(proc.pid))
			cli_warn(r->cli,
				 "%s: process %d is not the %s process serial "
				 "up started (that one is gone); left alone",
				 what, (int)proc.pid, pty ? "pty" : "retry");
		remove_run_file(e->name, suffix);
		return CLI_EXIT_OK;
	}
	if (signal_pty_process(&proc, pidfd, SIGTERM) < 0 && errno != ESRCH) {
		int err = errno;

		if (pidfd >= 0)
			close(pidfd);
		return cli_fail(r->cli,
				err == EPERM ? CLI_EXIT_PERMISSION :
					       CLI_EXIT_FAILURE,
				-1, "%s: cannot stop process %d: %s", what,
				(int)proc.pid, strerror(err));
	}
	wait_pty_process(&proc, pidfd, 5000);
	if (is_running(&proc) && signal_pty_process(&proc, pidfd, SIGKILL) == 0)
		cli_warn(r->cli, "%s: process %d did not stop; killed", what,
			 (int)proc.pid);
	if (pidfd >= 0)
		close(pidfd);
	remove_run_file(e->name, suffix);
	*stopped = true;
	return CLI_EXIT_OK;
}

/* Stop the pty process; retrying says a retry process was stopped just
 * before (a change too). */
static int pty_down(struct serial_run *r, const struct serial_entry *e,
		    const char *what, bool retrying)
{
	struct serial_state st;
	bool known = serial_state_read(e->name, &st) == 0, stopped;
	int ret = stop_process(r, e, what, PTY_SUFFIX, &stopped);

	if (ret)
		return ret;
	serial_state_remove(e->name);
	if (!stopped)
		report(r->cli, e, "down", retrying, NULL, 0, -1, false);
	else
		report(r->cli, e, "down", true, known ? &st.addr : NULL,
		       known ? st.channel : 0, -1, false);
	return CLI_EXIT_OK;
}

/* The kernel's /dev/rfcommN bindings into r. Returns the exit code. */
static int list_bindings(struct cli *cli, struct serial_run *r)
{
	int err = rfcomm_list_devs(r->devs, RFCOMM_MAX_DEV, &r->ndevs);

	if (err == -EAFNOSUPPORT || err == -EPROTONOSUPPORT)
		return cli_fail(cli, CLI_EXIT_NO_CONTROLLER, -1,
				"serial: this kernel has no RFCOMM support");
	if (err < 0)
		return cli_fail(cli, CLI_EXIT_FAILURE, -1,
				"serial: RFCOMM bindings: %s", strerror(-err));
	return CLI_EXIT_OK;
}

/*
 * Start the entry's retry process: `btpair [-i N] serial up NAME --config
 * FILE [--pin-file FILE] --retry-process MS`, recorded in NAME.retry. Its
 * PIN, if it needs one, it reads from the file when it pairs: none is in
 * its argv or environment. Returns the exit code, reported.
 */
static int spawn_retry(struct serial_run *r, const struct serial_entry *e,
		       const char *what, const char *why)
{
	char wait[24], name[SERIAL_NAME_MAX + 1];
	char *args[16];
	size_t n = 0;
	pid_t pid;
	int err;

	snprintf(wait, sizeof(wait), "%lld", (long long)r->backoff_ms);
	strcpy(name, e->name);
	args[n++] = "btpair";
	if (r->cli->index_arg) {
		args[n++] = "-i";
		args[n++] = (char *)r->cli->index_arg;
	}
	args[n++] = "serial";
	args[n++] = "up";
	args[n++] = name;
	args[n++] = "--config";
	args[n++] = (char *)r->config;
	if (r->pin_file && !e->pin_file) {
		args[n++] = "--pin-file";
		args[n++] = (char *)r->pin_file;
	}
	args[n++] = "--retry-process";
	args[n++] = wait;
	args[n] = NULL;
	if (mkdir(serial_run_dir(), 0755) < 0 && errno != EEXIST)
		return cli_fail(r->cli, CLI_EXIT_FAILURE, -1, "%s: %s: %s",
				what, serial_run_dir(), strerror(errno));
	pid = spawn_btpair(e, args, true);
	if (pid < 0)
		return cli_fail(r->cli, CLI_EXIT_FAILURE, -1,
				"%s: cannot start its retry process: %s", what,
				strerror(-pid));
	err = write_pid(e->name, RETRY_SUFFIX, pid);
	if (err < 0) {
		kill(pid, SIGTERM);
		return cli_fail(r->cli, CLI_EXIT_FAILURE, -1,
				"%s: cannot record its retry process under "
				"%s: %s",
				what, serial_run_dir(), strerror(-err));
	}
	cli_warn(r->cli,
		 "serial %s: %s; not up after %d s, so retrying in the "
		 "background (process %d, backing off up to %d s)",
		 e->name, why, SERIAL_RETRY_BOUND_MS / 1000, (int)pid,
		 SERIAL_RETRY_CAP_MS / 1000);
	report(r->cli, e, "retrying", true, NULL, 0, -1, false);
	return CLI_EXIT_OK;
}

void cli_serial_retry_line(char *buf, size_t size, const char *name,
			   const char *msg, bool bluetoothd,
			   unsigned int attempt, bool repeated, int64_t wait_ms)
{
	char hint[256] = "";

	/* pair's own message may name bluetoothd already: then only what
	 * to type, for this entry. */
	if (bluetoothd && strstr(msg, "bluetoothd"))
		snprintf(hint, sizeof(hint),
			 "; to pair with it stopped: systemctl stop bluetooth; "
			 "btpair serial up %s; systemctl start bluetooth",
			 name);
	else if (bluetoothd)
		snprintf(hint, sizeof(hint),
			 "; bluetoothd runs and, with no agent, refuses every "
			 "pairing first: pair while it is stopped (systemctl "
			 "stop bluetooth; btpair serial up %s; systemctl start "
			 "bluetooth) or give it an agent",
			 name);
	snprintf(buf, size,
		 "serial %s: %s%s (attempt %u%s); retrying in %.0f s", name,
		 msg, hint, attempt, repeated ? ", the same for a while" : "",
		 (double)wait_ms / 1000);
}

/* A failed attempt of the retry process, said as serial_retry_log_failure
 * decides: one line naming the entry, the next step where one is known. */
static void retry_log_failure(struct cli *cli, struct serial_retry_log *log,
			      const struct serial_entry *e, int ret,
			      const struct cli_capture *cap, int64_t wait_ms)
{
	const char *msg = cap->error[0] ? cap->error : "failed";
	char line[1600];
	bool repeated;

	if (!serial_retry_log_failure(log, msg, &repeated))
		return;
	/* bluetoothd with no agent refuses every PIN request, before us. */
	cli_serial_retry_line(line, sizeof(line), e->name, msg,
			      ret == CLI_EXIT_AUTH && cli_bluetoothd_running(),
			      log->attempts, repeated, wait_ms);
	fprintf(stderr, "%s: %s\n", cli->prog, line);
	if (cap->warning[0])
		fprintf(stderr, "%s: warning: serial %s: %s\n", cli->prog,
			e->name, cap->warning);
}

/*
 * The retry process of one entry: attempts, backing off from backoff_ms
 * to SERIAL_RETRY_CAP_MS with jitter, each with the timeout serial up
 * has, until one brings the entry up or fails in a way another attempt
 * cannot mend; SIGTERM (serial down) ends it. Returns the exit code.
 */
static int retry_process(struct serial_run *r, const struct serial_entry *e,
			 int64_t backoff_ms)
{
	struct cli *cli = r->cli;
	struct serial_retry_log log = { .attempts = 0 };
	struct pty_process self;
	struct cli_capture cap;
	char what[64];
	int ret;

	snprintf(what, sizeof(what), "serial up %s", e->name);
	r->backoff_ms = backoff_ms;
	for (;;) {
		int64_t wait = cli_reconnect_wait(&r->backoff_ms, -1,
						  SERIAL_RETRY_CAP_MS,
						  cli_jitter_random());

		/* Later waits are told with the failure before them. */
		if (!log.attempts)
			fprintf(stderr,
				"%s: serial %s: retry process started; first "
				"attempt in %.0f s\n",
				cli->prog, e->name, (double)wait / 1000);
		if (pause_ms(cli, wait) < 0) {
			ret = CLI_EXIT_INTERRUPTED;
			fprintf(stderr,
				"%s: serial %s: retry process stopped\n",
				cli->prog, e->name);
			break;
		}
		memset(&cap, 0, sizeof(cap));
		cli->capture = &cap;
		ret = list_bindings(cli, r);
		if (!ret)
			ret = entry_attempt(r, e, what,
					    SERIAL_PAIR_TIMEOUT_S * 1000);
		cli->capture = NULL;
		/* A stuck socket or a controller gone: a fresh one next. */
		if (ret && cli->client) {
			mgmt_client_free(cli->client);
			cli->client = NULL;
		}
		if (!ret) {
			fprintf(stderr,
				"%s: serial %s: up after %u attempt%s\n",
				cli->prog, e->name, log.attempts + 1,
				log.attempts ? "s" : "");
			break;
		}
		if (ret == CLI_EXIT_INTERRUPTED) {
			fprintf(stderr,
				"%s: serial %s: retry process stopped\n",
				cli->prog, e->name);
			break;
		}
		if (!serial_retry_worth(ret)) {
			fprintf(stderr,
				"%s: serial %s: %s; not retried (fix it, then "
				"btpair serial up %s)\n",
				cli->prog, e->name,
				cap.error[0] ? cap.error : "failed", e->name);
			break;
		}
		/* The next wait, told with this failure: about the base
		 * cli_reconnect_wait will shorten by its jitter. */
		retry_log_failure(cli, &log, e, ret, &cap, r->backoff_ms);
	}
	/* Only its own file: a serial up that stopped it may have started
	 * another since. */
	if (read_process(e->name, RETRY_SUFFIX, &self) && self.pid == getpid())
		remove_run_file(e->name, RETRY_SUFFIX);
	return ret;
}

/*
 * serial up --retry's first pass: the entry brought up if that needs
 * nothing from its device. Else *later, and what was said is kept for the
 * second pass to say again, unless no other attempt can mend it.
 */
static int entry_up_offline(struct serial_run *r, const struct serial_entry *e,
			    bool *later)
{
	struct cli_capture cap;
	int ret;

	memset(&cap, 0, sizeof(cap));
	r->cli->capture = &cap;
	ret = entry_up(r, e);
	r->cli->capture = NULL;
	*later = ret == SERIAL_NEEDS_DEVICE || (ret && serial_retry_worth(ret));
	if (cap.warning[0] && !*later)
		cli_warn(r->cli, "%s", cap.warning);
	if (ret && !*later)
		return cli_fail(r->cli, ret, -1, "%s", cap.error);
	return *later ? CLI_EXIT_OK : ret;
}

/* Bring up (or down) each entry named (all when none is), in the file's
 * order; one failure does not stop the others. Returns the first failure's
 * exit code, or an interruption's. With --retry, first the entries that
 * need nothing from their device, then the others. */
static int run_entries(struct serial_run *r, bool up, char *names[], int nnames)
{
	int ret, first_fail = CLI_EXIT_OK;
	bool later[r->conf->count + 1];
	int passes = up && r->retry ? 2 : 1;

	memset(later, 0, sizeof(later));
	r->offline = passes == 2;
	for (int pass = 0; pass < passes; pass++) {
		for (size_t i = 0; i < r->conf->count; i++) {
			const struct serial_entry *e = &r->conf->entries[i];
			bool wanted = nnames == 0;

			for (int k = 0; k < nnames && !wanted; k++)
				wanted = strcmp(names[k], e->name) == 0;
			if (!wanted || (pass == 1 && !later[i]))
				continue;
			ret = r->offline ? entry_up_offline(r, e, &later[i]) :
			      up	 ? entry_up(r, e) :
					   entry_down(r, e);
			if (later[i] && r->offline)
				continue;
			if (ret == CLI_EXIT_INTERRUPTED)
				return ret;
			if (ret && !first_fail)
				first_fail = ret;
		}
		r->offline = false;
	}
	return first_fail;
}

/*
 * serial wait: until no retry process of the entries named (all when none
 * is) is still at it, for at most timeout_s. Returns 0 when none is, or
 * exit 5 naming one that still is. btpair-serial-wait.service runs it
 * before bluetoothd: a first pairing must not race a bluetoothd that
 * refuses every PIN request.
 */
static int wait_retries(struct serial_run *r, char *names[], int nnames,
			unsigned long timeout_s)
{
	int64_t start = time_now_ms(), end = start + (int64_t)timeout_s * 1000;
	size_t waited = 0;
	bool said = false;

	for (;;) {
		const struct serial_entry *left = NULL;
		size_t count = 0;

		for (size_t i = 0; i < r->conf->count; i++) {
			const struct serial_entry *e = &r->conf->entries[i];
			bool wanted = nnames == 0;

			for (int k = 0; k < nnames && !wanted; k++)
				wanted = strcmp(names[k], e->name) == 0;
			if (wanted && cli_serial_retrying(e)) {
				count++;
				left = left ? left : e;
			}
		}
		if (!count) {
			int64_t ms = time_now_ms() - start;

			if (r->cli->json) {
				struct json j;

				json_begin(&j, "serial-waited");
				json_int(&j, "waited", (long long)waited);
				json_int(&j, "seconds", ms / 1000);
				json_end(r->cli, &j);
			} else if (said) {
				cli_print(r->cli,
					  "serial: no retry process left after "
					  "%.0f s",
					  (double)ms / 1000);
			}
			return CLI_EXIT_OK;
		}
		if (time_now_ms() >= end) {
			char more[48] = "";

			if (count > 1)
				snprintf(more, sizeof(more), " (and %zu more)",
					 count - 1);
			return cli_fail(
				r->cli, CLI_EXIT_TIMEOUT, -1,
				"serial wait: %s%s still retrying after %lu s "
				"(its journal says why); should it still need "
				"its first pairing, a bluetoothd with no agent "
				"refuses that: once the device is on, "
				"systemctl stop bluetooth; btpair serial up %s; "
				"systemctl start bluetooth",
				left->name, more, timeout_s, left->name);
		}
		if (!said) {
			waited = count;
			cli_print(r->cli,
				  "serial: waiting up to %lu s for %zu retry "
				  "process%s (%s%s)",
				  timeout_s, count, count == 1 ? "" : "es",
				  left->name, count > 1 ? ", ..." : "");
			said = true;
		}
		if (pause_ms(r->cli, 500) < 0)
			return CLI_EXIT_INTERRUPTED;
	}
}

/* What serial was asked for. */
struct serial_opts {
	const char *config, *pin_file;
	struct cli_pins pins;
	bool retry;
	unsigned long retry_process; /* ms: the first wait; 0: not one */
	unsigned long timeout_s;     /* serial wait's */
};

int cmd_serial(struct cli *cli, int argc, char *argv[])
{
	static const struct cli_opt opts[] = {
		CLI_OPT(struct serial_opts, "config", 'f', STRING, config),
		CLI_OPT(struct serial_opts, "pin", 'p', PINS, pins),
		CLI_OPT(struct serial_opts, "pin-file", 'P', STRING, pin_file),
		CLI_OPT(struct serial_opts, "retry", 'r', FLAG, retry),
		CLI_OPT(struct serial_opts, "retry-process", 'R', UINT,
			retry_process, 1, SERIAL_RETRY_CAP_MS),
		CLI_OPT(struct serial_opts, "timeout", 't', RUN_TIME,
			timeout_s),
		{ NULL },
	};
	static struct serial_run r;
	struct serial_opts o = { .pins = { .count = 0 } };
	struct serial_conf conf = { NULL, 0 };
	struct file_error cerr;
	const char *path, *verb;
	bool up, wait;
	int ret = CLI_EXIT_USAGE, err;

	memset(&r, 0, sizeof(r));
	if (!cli_options(cli, "serial", argc, argv, opts, NULL, &o, &ret))
		goto out;
	verb = argv[optind++];
	if (strcmp(verb, "up") != 0 && strcmp(verb, "down") != 0 &&
	    strcmp(verb, "wait") != 0) {
		cli_fail(cli, CLI_EXIT_USAGE, -1,
			 "serial: expected 'up', 'down' or 'wait', not '%s'",
			 verb);
		goto out;
	}
	up = verb[0] == 'u';
	wait = verb[0] == 'w';
	if (!up && (o.retry || o.retry_process)) {
		cli_fail(cli, CLI_EXIT_USAGE, -1,
			 "serial %s: --retry is serial up's", verb);
		goto out;
	}
	if (!wait && o.timeout_s) {
		cli_fail(cli, CLI_EXIT_USAGE, -1,
			 "serial %s: --timeout is serial wait's", verb);
		goto out;
	}
	if (wait && (o.pins.count || o.pin_file)) {
		cli_fail(cli, CLI_EXIT_USAGE, -1,
			 "serial wait: pairs nothing, so takes no PIN");
		goto out;
	}
	if (o.retry_process && (argc - optind != 1 || o.pins.count)) {
		cli_fail(cli, CLI_EXIT_USAGE, -1,
			 "serial up: --retry-process takes one NAME and no "
			 "--pin (serial up --retry starts it)");
		goto out;
	}
	if (!cli_pins_one_source(cli, "serial", &o.pins, o.pin_file))
		goto out;
	path = serial_conf_path(o.config);
	err = serial_conf_load(path, &conf, &cerr);
	if (err < 0) {
		char cmd[16];

		snprintf(cmd, sizeof(cmd), "serial %s", verb);
		ret = cli_serial_conf_fail(cli, cmd, path, err, &cerr);
		goto out;
	}
	/* Every NAME asked for must be declared, before anything is done. */
	for (int i = optind; i < argc; i++) {
		if (!serial_conf_find(&conf, argv[i])) {
			cli_fail(cli, CLI_EXIT_USAGE, -1,
				 "serial: no device '%s' in %s", argv[i], path);
			goto out;
		}
	}
	/* And every group= must exist, or nothing is done either. */
	for (size_t i = 0; up && i < conf.count; i++) {
		const struct serial_entry *e = &conf.entries[i];
		bool wanted = optind == argc;
		gid_t gid;

		for (int k = optind; k < argc && !wanted; k++)
			wanted = strcmp(argv[k], e->name) == 0;
		if (wanted && e->group &&
		    cli_group_lookup(e->group, &gid) == -ENOENT) {
			cli_fail(cli, CLI_EXIT_USAGE, -1,
				 "serial up %s: no group '%s' (%s:%u)", e->name,
				 e->group, path, e->line);
			goto out;
		}
	}
	r.cli = cli;
	r.conf = &conf;
	r.config = path;
	r.pins = &o.pins;
	r.pin_file = o.pin_file;
	r.retry = o.retry;
	r.until = time_now_ms() + SERIAL_RETRY_BOUND_MS;
	if (wait) {
		ret = wait_retries(&r, argv + optind, argc - optind,
				   o.timeout_s ? o.timeout_s :
						 SERIAL_WAIT_DEFAULT_S);
		goto out;
	}
	if (o.retry_process) {
		r.in_retry = true;
		ret = retry_process(&r, serial_conf_find(&conf, argv[optind]),
				    (int64_t)o.retry_process);
		goto out;
	}
	ret = list_bindings(cli, &r);
	if (ret)
		goto out;
	ret = run_entries(&r, up, argv + optind, argc - optind);
out:
	serial_conf_free(&conf);
	cli_pins_clear(&o.pins);
	return ret;
}
