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
	st->dev = e->dev;
	for (size_t i = 0; !e->pty && i < ndevs; i++)
		if ((e->dev < 0 || devs[i].id == e->dev) &&
		    bt_addr_equal(&devs[i].addr, &e->addr) &&
		    (!e->channel || devs[i].channel == e->channel))
			return devs[i].id;
	return -1;
}

/*
 * The pty process of an entry is named by NAME.pid as "PID START": its pid
 * and its start time (field 22 of /proc/PID/stat, clock ticks since boot).
 * A pid alone proves nothing once that process is gone: the number may
 * belong to any process since. Only a live process with the same start
 * time is the one serial up started, and only that one is ever signalled.
 */
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

/* NAME.pid into *proc; false when there is none or it does not parse. */
static bool read_pty_process(const char *name, struct pty_process *proc)
{
	char path[4096], buf[64], *start;
	unsigned long v;
	ssize_t n;
	int fd;

	*proc = (struct pty_process){ 0 };
	if (serial_run_path(path, sizeof(path), name, "pid") < 0)
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

	if (!read_pty_process(e->name, &proc))
		return false;
	adopt_legacy(&proc, e->pty);
	return is_running(&proc);
}

int cli_serial_conf_fail(struct cli *cli, const char *cmd, const char *path,
			 int err, const struct serial_conf_error *cerr)
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

struct serial_run {
	struct cli *cli;
	const struct serial_conf *conf;
	struct rfcomm_dev_state devs[RFCOMM_MAX_DEV];
	size_t ndevs;
	/* PINs from the command line, for entries without pin-file. */
	const struct cli_pins *pins;
	const char *pin_file;
};

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

/* Pair when no key is stored: PINs from the entry's pin-file, else from
 * the command line or BTPAIR_PIN. */
static int ensure_paired(struct serial_run *r, const struct serial_entry *e,
			 const char *what, uint16_t index,
			 const bdaddr_t *local, const struct mgmt_addr *addr,
			 bool *paired)
{
	struct cli *cli = r->cli;
	struct cli_pins pins = { .count = 0 };
	const char *file = e->pin_file ? e->pin_file : r->pin_file;
	const char *env = cli_pin_env();
	bool already = false;
	int ret = CLI_EXIT_OK;

	*paired = false;
	if (key_stored(cli, local, &addr->bdaddr))
		return CLI_EXIT_OK;
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
		ret = cli_pair_for_connect(cli, index, addr, &pins,
					   SERIAL_PAIR_TIMEOUT_S, false,
					   &already);
	cli_pins_clear(&pins);
	if (!ret)
		*paired = !already;
	return ret;
}

static int pty_up(struct serial_run *r, const struct serial_entry *e,
		  const char *what, uint16_t index,
		  const struct mgmt_addr *addr, uint8_t channel, bool paired);

/* Bind the entry's /dev/rfcommN (its dev=, else the lowest free) and
 * record it. Returns the exit code, reported. */
static int bind_entry(struct serial_run *r, const struct serial_entry *e,
		      const char *what, const bdaddr_t *local,
		      const struct mgmt_addr *addr, uint8_t channel,
		      bool paired)
{
	struct cli *cli = r->cli;
	struct serial_state st;
	int dev, err;

	dev = e->dev;
	/* The lowest number nobody holds or asks for by number. */
	for (int i = 0; dev < 0 && i < RFCOMM_MAX_DEV; i++)
		if (!find_dev(r, i) && !dev_reserved(r->conf, i))
			dev = i;
	if (dev < 0)
		return cli_fail(cli, CLI_EXIT_BUSY, -1,
				"%s: no free /dev/rfcomm number", what);
	err = rfcomm_bind_dev(dev, local, &addr->bdaddr, channel);
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
			.addr = addr->bdaddr,
			.channel = channel
		};
	st = (struct serial_state){ .addr = addr->bdaddr,
				    .channel = channel,
				    .dev = dev };
	err = serial_state_write(e->name, &st);
	if (err < 0)
		cli_warn(cli, "%s: cannot record it under %s: %s", what,
			 serial_run_dir(), strerror(-err));
	report(cli, e, "up", true, &addr->bdaddr, channel, dev, paired);
	return CLI_EXIT_OK;
}

static int entry_up(struct serial_run *r, const struct serial_entry *e)
{
	struct cli *cli = r->cli;
	struct serial_state st;
	struct mgmt_addr addr = { .type = MGMT_ADDR_BREDR };
	char what[64], a[BT_ADDR_STRLEN];
	bool known, paired = false;
	uint8_t channel;
	bdaddr_t local;
	uint16_t index;
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
	ret = entry_controller(cli, what, e, &index, &local);
	if (ret)
		return ret;
	if (known) {
		addr.bdaddr = st.addr;
	} else {
		char target[80];

		snprintf(target, sizeof(target), "name:%s", e->pattern);
		ret = cli_resolve_addr(cli, what, target, index, false, &addr);
		if (ret)
			return ret;
	}
	bt_addr_format(&addr.bdaddr, a);
	if (e->dev >= 0) {
		const struct rfcomm_dev_state *d = find_dev(r, e->dev);

		if (d)
			return cli_fail(cli, CLI_EXIT_BUSY, -1,
					"%s: /dev/rfcomm%d is already bound to "
					"%s",
					what, e->dev,
					bt_addr_format(&d->addr, a));
	}
	ret = ensure_paired(r, e, what, index, &local, &addr, &paired);
	if (ret)
		return ret;
	channel = e->channel;
	if (!channel && known && st.channel)
		channel = st.channel;
	if (!channel) {
		ret = cli_find_channel(cli, what, &local, &addr.bdaddr,
				       time_deadline_in(SERIAL_PAIR_TIMEOUT_S *
							1000),
				       &channel);
		if (ret)
			return ret;
	}
	if (e->pty)
		return pty_up(r, e, what, index, &addr, channel, paired);
	return bind_entry(r, e, what, &local, &addr, channel, paired);
}

static int pty_down(struct serial_run *r, const struct serial_entry *e,
		    const char *what);
static int entry_down(struct serial_run *r, const struct serial_entry *e)
{
	struct cli *cli = r->cli;
	struct serial_state st;
	char what[64];
	bool known;
	int dev, err;

	snprintf(what, sizeof(what), "serial down %s", e->name);
	if (e->pty)
		return pty_down(r, e, what);
	dev = cli_serial_bound(e, r->devs, r->ndevs, &st, &known);
	if (dev < 0) {
		serial_state_remove(e->name);
		report(cli, e, "down", false, NULL, 0, -1, false);
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

/* Start `btpair connect ADDR --reconnect --pty PATH` in the background, in
 * a session of its own; its log goes to the journal under systemd, else to
 * RUN_DIR/NAME.log. Returns its pid or -errno. */
static pid_t spawn_pty(const struct serial_entry *e, uint16_t index,
		       const char *a, uint8_t channel)
{
	char idx[16], ch[8], log[4096];
	char *args[] = { "btpair",  "-i",	 idx, "connect",
			 (char *)a, "--channel", ch,  "--reconnect",
			 "--pty",   e->pty,	 NULL };
	bool journal = stderr_is_journal();
	pid_t pid;

	snprintf(idx, sizeof(idx), "%u", index);
	snprintf(ch, sizeof(ch), "%u", channel);
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
		sigset_t set;

		setsid();
		if (null < 0 || dup2(null, STDIN_FILENO) < 0 ||
		    dup2(null, STDOUT_FILENO) < 0 ||
		    dup2(fd >= 0 ? fd : null, STDERR_FILENO) < 0)
			_exit(127);
		/* Nothing but 0-2 goes on into the pty process. */
		if (fd > STDERR_FILENO)
			close(fd);
		if (null > STDERR_FILENO)
			close(null);
		sigemptyset(&set);
		sigprocmask(SIG_SETMASK, &set, NULL);
		/* The same binary, whatever PATH holds. */
		execv("/proc/self/exe", args);
		_exit(127);
	}
	return pid;
}

static int write_pid(const char *name, pid_t pid)
{
	char path[4096], text[48];
	unsigned long long start = start_time(pid);
	int fd, len, ret = 0;

	/* Gone already: nothing to record; serial up sees it fail. */
	if (!start)
		return -ESRCH;
	ret = serial_run_path(path, sizeof(path), name, "pid");
	if (ret)
		return ret;
	len = snprintf(text, sizeof(text), "%d %llu\n", (int)pid, start);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, (size_t)len) != len)
		ret = -EIO;
	close(fd);
	return ret;
}

static void remove_run_file(const char *name, const char *suffix)
{
	char path[4096];

	if (serial_run_path(path, sizeof(path), name, suffix) == 0)
		unlink(path);
}

/* How long serial up waits for the pty to appear. */
#define PTY_START_MS 10000

static int pty_up(struct serial_run *r, const struct serial_entry *e,
		  const char *what, uint16_t index,
		  const struct mgmt_addr *addr, uint8_t channel, bool paired)
{
	struct cli *cli = r->cli;
	struct serial_state st = { .addr = addr->bdaddr,
				   .channel = channel,
				   .dev = -1 };
	char a[BT_ADDR_STRLEN], log[4096];
	int64_t until = time_now_ms() + PTY_START_MS;
	struct stat sb;
	pid_t pid;
	int err;

	bt_addr_format(&addr->bdaddr, a);
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
	pid = spawn_pty(e, index, a, channel);
	if (pid < 0)
		return cli_fail(cli, CLI_EXIT_FAILURE, -1,
				"%s: cannot start "
				"the pty process: %s",
				what, strerror(-pid));
	err = write_pid(e->name, pid);
	if (!err)
		err = serial_state_write(e->name, &st);
	if (err < 0)
		cli_warn(cli, "%s: cannot record it under %s: %s", what,
			 serial_run_dir(), strerror(-err));
	/* Ready when the symlink leads to the pty. */
	while (stat(e->pty, &sb) < 0 || !S_ISCHR(sb.st_mode)) {
		int status;

		if (waitpid(pid, &status, WNOHANG) == pid ||
		    time_now_ms() > until) {
			kill(pid, SIGTERM);
			remove_run_file(e->name, "pid");
			serial_state_remove(e->name);
			serial_run_path(log, sizeof(log), e->name, "log");
			return cli_fail(cli, CLI_EXIT_FAILURE, -1,
					"%s: the pty process did not make %s "
					"(see %s or the journal)",
					what, e->pty, log);
		}
		usleep(50 * 1000);
	}
	report(cli, e, "up", true, &addr->bdaddr, channel, -1, paired);
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

static int pty_down(struct serial_run *r, const struct serial_entry *e,
		    const char *what)
{
	struct pty_process proc;
	bool recorded = read_pty_process(e->name, &proc), running;
	struct serial_state st;
	bool known = serial_state_read(e->name, &st) == 0;
	int pidfd = -1;

	if (recorded)
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
				 "%s: process %d is not the pty process serial "
				 "up started (that one is gone); left alone",
				 what, (int)proc.pid);
		remove_run_file(e->name, "pid");
		serial_state_remove(e->name);
		report(r->cli, e, "down", false, NULL, 0, -1, false);
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
	remove_run_file(e->name, "pid");
	serial_state_remove(e->name);
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

/* Bring up (or down) each entry named (all when none is), in the file's
 * order; one failure does not stop the others. Returns the first failure's
 * exit code, or an interruption's. */
static int run_entries(struct serial_run *r, bool up, char *names[], int nnames)
{
	int ret, first_fail = CLI_EXIT_OK;

	for (size_t i = 0; i < r->conf->count; i++) {
		const struct serial_entry *e = &r->conf->entries[i];
		bool wanted = nnames == 0;

		for (int k = 0; k < nnames && !wanted; k++)
			wanted = strcmp(names[k], e->name) == 0;
		if (!wanted)
			continue;
		ret = up ? entry_up(r, e) : entry_down(r, e);
		if (ret == CLI_EXIT_INTERRUPTED)
			return ret;
		if (ret && !first_fail)
			first_fail = ret;
	}
	return first_fail;
}

/* What serial was asked for. */
struct serial_opts {
	const char *config, *pin_file;
	struct cli_pins pins;
};

int cmd_serial(struct cli *cli, int argc, char *argv[])
{
	static const struct cli_opt opts[] = {
		CLI_OPT(struct serial_opts, "config", 'f', STRING, config),
		CLI_OPT(struct serial_opts, "pin", 'p', PINS, pins),
		CLI_OPT(struct serial_opts, "pin-file", 'P', STRING, pin_file),
		{ NULL },
	};
	static struct serial_run r;
	struct serial_opts o = { .pins = { .count = 0 } };
	struct serial_conf conf = { NULL, 0 };
	struct serial_conf_error cerr;
	const char *path, *verb;
	bool up;
	int ret = CLI_EXIT_USAGE, err;

	memset(&r, 0, sizeof(r));
	if (!cli_options(cli, "serial", argc, argv, opts, NULL, &o, &ret))
		goto out;
	verb = argv[optind++];
	if (strcmp(verb, "up") != 0 && strcmp(verb, "down") != 0) {
		cli_fail(cli, CLI_EXIT_USAGE, -1,
			 "serial: expected 'up' or 'down', not '%s'", verb);
		goto out;
	}
	up = verb[0] == 'u';
	if (!cli_pins_one_source(cli, "serial", &o.pins, o.pin_file))
		goto out;
	path = serial_conf_path(o.config);
	err = serial_conf_load(path, &conf, &cerr);
	if (err < 0) {
		ret = cli_serial_conf_fail(cli,
					   up ? "serial up" : "serial down",
					   path, err, &cerr);
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
	ret = list_bindings(cli, &r);
	if (ret)
		goto out;
	r.cli = cli;
	r.conf = &conf;
	r.pins = &o.pins;
	r.pin_file = o.pin_file;
	ret = run_entries(&r, up, argv + optind, argc - optind);
out:
	serial_conf_free(&conf);
	cli_pins_clear(&o.pins);
	return ret;
}
