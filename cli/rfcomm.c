/* connect, listen, bind, release: handing the link to RFCOMM. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cli/context.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "cli/common.h"
#include "cli/pin.h"
#include "cli/pair.h"
#include "cli/scan.h"
#include "cli/rfcomm.h"
#include "mgmt/addr.h"
#include "rfcomm/rfcomm.h"
#include "rfcomm/sdp.h"
#include "serial/conf.h"

#define CONNECT_DEFAULT_TIMEOUT_S 30
/* After stdin ends, how long the device may stay quiet before btpair stops
 * waiting for more of its answer. */
#define BRIDGE_IDLE_MS 2000

/* Split argv at "--exec": options before it, the command after it. */
static int split_exec(int argc, char *argv[], char ***exec_argv)
{
	*exec_argv = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--exec") == 0) {
			*exec_argv = &argv[i + 1];
			argv[i] = NULL;
			return i;
		}
	}
	return argc;
}

/* The Serial Port channel by SDP, or channel 1 with a note. */
int cli_find_channel(struct cli *cli, const char *cmd, const bdaddr_t *local,
		     const bdaddr_t *addr, int64_t deadline, uint8_t *channel,
		     bool *found)
{
	char a[BT_ADDR_STRLEN];
	int ch;

	bt_addr_format(addr, a);
	cli_progress(cli, deadline,
		     "asking %s for its Serial Port channel (SDP)", a);
	ch = sdp_lookup_rfcomm_channel(local, addr, SDP_UUID_SERIAL_PORT,
				       deadline, cli->signal_fd);
	cli_progress_end();
	if (ch > 0) {
		if (cli->verbose)
			fprintf(stderr,
				"%s: %s has Serial Port on channel %d\n", cmd,
				a, ch);
		*channel = (uint8_t)ch;
		if (found)
			*found = true;
		return CLI_EXIT_OK;
	}
	if (ch == -EINTR)
		return cli_fail(cli, CLI_EXIT_INTERRUPTED, -1,
				"%s %s: interrupted", cmd, a);
	if (ch == -EHOSTDOWN || ch == -EHOSTUNREACH || ch == -ETIMEDOUT)
		return cli_fail(cli, CLI_EXIT_UNREACHABLE, -1,
				"%s %s: device unreachable (%s)", cmd, a,
				strerror(-ch));
	/* Many modules answer SDP badly or not at all; channel 1 is what
	 * they use. */
	fprintf(stderr,
		"btpair: %s %s: no Serial Port record found by SDP "
		"(%s); trying channel 1\n",
		cmd, a, ch == -ENOENT ? "none" : strerror(-ch));
	*channel = 1;
	if (found)
		*found = false;
	return CLI_EXIT_OK;
}

static int connect_fail(struct cli *cli, int err, const char *a,
			uint8_t channel, unsigned long timeout_s,
			bool pins_given)
{
	switch (err) {
	case -ECONNREFUSED:
		/* With a PIN given, the device is paired by now: only what
		 * listens on the channel is in question. */
		if (pins_given)
			return cli_fail(cli, CLI_EXIT_UNREACHABLE, -1,
					"connect %s: connection refused: "
					"nothing listens on channel %u",
					a, channel);
		return cli_fail(cli, CLI_EXIT_UNREACHABLE, -1,
				"connect %s: connection refused: not paired, "
				"or nothing listens on channel %u (pass --pin "
				"to pair first)",
				a, channel);
	case -EHOSTDOWN:
	case -EHOSTUNREACH:
	case -ENOTCONN:
		return cli_fail(cli, CLI_EXIT_UNREACHABLE, -1,
				"connect %s: device unreachable (is it powered "
				"and in range?)",
				a);
	case -ECONNRESET:
	case -ECONNABORTED:
	case -EACCES:
		return cli_fail(cli, CLI_EXIT_AUTH, -1,
				"connect %s: the link was refused or dropped "
				"during authentication (wrong PIN, or not "
				"paired)",
				a);
	case -ETIMEDOUT:
		return cli_fail(cli, CLI_EXIT_TIMEOUT, -1,
				"connect %s: timed out after %lu s", a,
				timeout_s);
	case -EINTR:
		return cli_fail(cli, CLI_EXIT_INTERRUPTED, -1,
				"connect %s: interrupted", a);
	case -EPERM:
		return cli_fail(cli, CLI_EXIT_PERMISSION, -1,
				"connect %s: permission denied: needs root or "
				"CAP_NET_ADMIN",
				a);
	default:
		return cli_fail(cli, CLI_EXIT_UNREACHABLE, -1, "connect %s: %s",
				a, strerror(-err));
	}
}

/* Whether a failed connect's error says authentication failed. */
static bool is_auth_refusal(int err)
{
	return err == -ECONNRESET || err == -ECONNABORTED || err == -EACCES;
}

/* Whether the link of sock is gone (without taking any data). */
static bool link_down(int sock)
{
	struct pollfd pfd = { .fd = sock, .events = POLLIN | POLLRDHUP };

	return poll(&pfd, 1, 0) > 0 &&
	       (pfd.revents & (POLLHUP | POLLERR | POLLRDHUP));
}

/* Whether run_exec passed a SIGINT/SIGTERM on to its command. */
static bool exec_signalled;

/*
 * Run argv with sock as its stdin and stdout; return its exit status (128 +
 * signal if killed). A SIGINT/SIGTERM to btpair is passed on to it (and
 * noted in exec_signalled). With lost, *lost says whether the link was gone
 * when the command ended. One poll loop over the child, the signals and the
 * link, whose state is all local: splitting it would pass that state around.
 */
static int run_exec(struct cli *cli, int sock, char *argv[], bool *lost)
{
	sigset_t set;
	pid_t pid;
	int status, exited;

	if (!argv[0])
		return cli_fail(cli, CLI_EXIT_USAGE, -1,
				"--exec needs a command");
	/* Failing that, small writes still work: not worth refusing over. */
	rfcomm_set_send_buffer(sock);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return cli_fail(cli, CLI_EXIT_FAILURE, -1, "fork: %s",
				strerror(errno));
	if (pid == 0) {
		/* The child gets the signals btpair blocked for itself, with
		 * their default action even where btpair's starter ignored
		 * them (a shell's background job ignores SIGINT): btpair
		 * passes them on so that the command ends. */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&set);
		sigprocmask(SIG_SETMASK, &set, NULL);
		if (dup2(sock, STDIN_FILENO) < 0 ||
		    dup2(sock, STDOUT_FILENO) < 0)
			_exit(127);
		if (sock > STDOUT_FILENO)
			close(sock);
		execvp(argv[0], argv);
		fprintf(stderr, "btpair: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	if (!lost)
		close(sock);
	/* The command's exit ends the wait at once where the kernel has
	 * pidfds (5.3 on); elsewhere it is looked for every 50 ms. */
	exited = pidfd_open(pid, 0);
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = cli->signal_fd, .events = POLLIN },
			{ .fd = exited, .events = POLLIN },
		};
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			int err = errno;

			if (exited >= 0)
				close(exited);
			if (lost)
				close(sock);
			return cli_fail(cli, CLI_EXIT_FAILURE, -1,
					"waitpid: %s", strerror(err));
		}
		/* A signal for btpair goes on to the command, whose exit
		 * then ends the wait. */
		if (poll(pfd, 2, exited >= 0 ? -1 : 50) > 0 &&
		    (pfd[0].revents & POLLIN)) {
			struct signalfd_siginfo si;

			if (read(cli->signal_fd, &si, sizeof(si)) ==
			    (ssize_t)sizeof(si)) {
				kill(pid, (int)si.ssi_signo);
				exec_signalled = true;
			}
		}
	}
	if (exited >= 0)
		close(exited);
	if (lost) {
		*lost = link_down(sock);
		close(sock);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* With --exec, stdout is btpair's own: the link is announced there. (Without
 * it stdout carries the device's data, and nothing else may go there.) */
static void print_link(struct cli *cli, uint16_t index, const char *a,
		       uint8_t channel)
{
	struct json j;

	if (!cli->json)
		return;
	json_begin_addr(&j, "rfcomm-connected", index, a);
	json_int(&j, "channel", channel);
	json_end(cli, &j);
}

static struct termios saved_tty;
static bool tty_raw;

static void restore_tty(void)
{
	if (tty_raw) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
		tty_raw = false;
	}
}

/* A serial console: raw mode on a terminal, restored on every way out. */
static int bridge_stdio(struct cli *cli, int sock, const char *a,
			uint8_t channel, bool *lost)
{
	bool tty = isatty(STDIN_FILENO);
	struct rfcomm_bridge_opts o = { .escape = tty,
					.idle_ms = BRIDGE_IDLE_MS,
					.wakeup_fd = cli->signal_fd };
	struct rfcomm_bridge_result res = { 0 };
	int err;

	if (tty && tcgetattr(STDIN_FILENO, &saved_tty) == 0) {
		struct termios raw = saved_tty;

		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0) {
			tty_raw = true;
			atexit(restore_tty);
		}
		fprintf(stderr,
			"Connected to %s channel %u. Type ~. at the "
			"start of a line to quit.\r\n",
			a, channel);
	}
	err = rfcomm_bridge_link(sock, STDIN_FILENO, STDOUT_FILENO, &o, &res);
	restore_tty();
	close(sock);
	if (lost)
		*lost = !err && res.link_lost;
	if (err == -EINTR)
		return CLI_EXIT_INTERRUPTED;
	if (err < 0)
		return cli_fail(cli, CLI_EXIT_FAILURE, -1, "connect %s: %s", a,
				strerror(-err));
	return CLI_EXIT_OK;
}

int64_t cli_reconnect_wait(int64_t *backoff_ms, int64_t up_ms, int64_t cap_ms,
			   uint32_t r)
{
	int64_t b;

	/* Only a link that lasted is a sign the device is back for good: a
	 * peer that accepts and drops at once keeps backing off. */
	if (up_ms >= CLI_RECONNECT_STABLE_MS)
		*backoff_ms = CLI_RECONNECT_FIRST_MS;
	b = *backoff_ms;
	*backoff_ms = b * 2 > cap_ms ? cap_ms : b * 2;
	/* Shortened by up to a quarter, so that devices that dropped
	 * together do not all page at once. */
	return b - (int64_t)(r % (uint32_t)(b / 4 + 1));
}

/*
 * The pseudo-terminal of --pty: btpair holds the master and a descriptor of
 * the slave too, so that the slave's readers never see a hang-up, and a
 * slave nobody has open does not make the master report one either.
 */
struct pty_end {
	int master;
	int slave;
	const char *path;
	char name[64];
	uint64_t dropped; /* written to the pty while the link was down */
};

static void pty_close_fds(struct pty_end *p)
{
	if (p->slave >= 0)
		close(p->slave);
	if (p->master >= 0)
		close(p->master);
	p->master = p->slave = -1;
}

/* Whether path may take a pty link: 0 when nothing is there, or a symlink
 * to a pty (one a btpair made, stale after a crash or live in another);
 * -EEXIST when something else is; -errno when it cannot be told. */
static int pty_path_free(const char *path)
{
	char target[64];
	struct stat st;
	ssize_t n;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISLNK(st.st_mode))
		return -EEXIST;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	return strncmp(target, "/dev/pts/", 9) == 0 ? 0 : -EEXIST;
}

/* The pty's terminal to group (0660), as /dev/rfcommN is dialout's. */
static int pty_give_group(struct cli *cli, const char *group, int slave)
{
	gid_t gid;
	int err;

	if (!group)
		return CLI_EXIT_OK;
	err = cli_group_lookup(group, &gid);
	if (err == -ENOENT)
		return cli_fail(cli, CLI_EXIT_USAGE, -1,
				"connect: --pty-group: no group '%s'", group);
	if (err < 0)
		return cli_fail(cli, CLI_EXIT_FAILURE, -1,
				"connect: --pty-group %s: %s", group,
				strerror(-err));
	if (fchown(slave, (uid_t)-1, gid) < 0 || fchmod(slave, 0660) < 0) {
		err = errno;
		return cli_fail(cli,
				err == EPERM ? CLI_EXIT_PERMISSION :
					       CLI_EXIT_FAILURE,
				-1, "connect: pty group %s: %s", group,
				strerror(err));
	}
	return CLI_EXIT_OK;
}

static int pty_open(struct cli *cli, const char *path, const char *group,
		    struct pty_end *p)
{
	char tmp[4200];
	struct termios t;
	const char *name;
	int err;

	p->path = path;
	p->slave = -1;
	p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (p->master < 0 || grantpt(p->master) < 0 ||
	    unlockpt(p->master) < 0 || !(name = ptsname(p->master)) ||
	    strlen(name) >= sizeof(p->name))
		goto fail;
	strcpy(p->name, name);
	p->slave = open(p->name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (p->slave < 0)
		goto fail;
	err = pty_give_group(cli, group, p->slave);
	if (err) {
		pty_close_fds(p);
		return err;
	}
	/* Bytes as they are: no echo, no line editing, no CR/LF changes. */
	if (tcgetattr(p->slave, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(p->slave, TCSANOW, &t);
	}
	/* A reader that is too slow loses data, the link never stalls. */
	if (fcntl(p->master, F_SETFL, O_NONBLOCK) < 0)
		goto fail;
	/* Only a pty link is ever replaced: a regular file, a directory or a
	 * link elsewhere at path is the user's, not ours. */
	err = pty_path_free(path);
	if (err < 0) {
		errno = -err;
		goto fail;
	}
	/* The symlink replaced atomically: a stale one from a crash goes. */
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	unlink(tmp);
	if (symlink(p->name, tmp) < 0)
		goto fail;
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		goto fail;
	}
	return CLI_EXIT_OK;
fail:
	err = errno;
	pty_close_fds(p);
	if (err == EEXIST)
		return cli_fail(cli, CLI_EXIT_FAILURE, -1,
				"connect: pty at %s: something that is not a "
				"pty link is there; not replacing it",
				path);
	return cli_fail(cli,
			err == EACCES || err == EPERM ? CLI_EXIT_PERMISSION :
							CLI_EXIT_FAILURE,
			-1, "connect: pty at %s: %s", path, strerror(err));
}

static void pty_close(struct pty_end *p)
{
	char target[64];
	ssize_t n;

	if (p->master < 0)
		return;
	/* Only our own symlink: another btpair may have taken the path. */
	n = readlink(p->path, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		if (strcmp(target, p->name) == 0)
			unlink(p->path);
	}
	close(p->slave);
	close(p->master);
	p->master = p->slave = -1;
}

static int bridge_pty(struct cli *cli, int sock, struct pty_end *p, bool *lost)
{
	struct rfcomm_bridge_opts o = { .idle_ms = -1,
					.wakeup_fd = cli->signal_fd,
					.drop_full = true };
	struct rfcomm_bridge_result res = { 0 };
	int err = rfcomm_bridge_link(sock, p->master, p->master, &o, &res);

	close(sock);
	*lost = !err && res.link_lost;
	p->dropped += res.in_lost;
	if (res.out_dropped)
		fprintf(stderr,
			"btpair: connect: %llu bytes from the device "
			"dropped: nobody read %s\n",
			(unsigned long long)res.out_dropped, p->path);
	if (err == -EINTR)
		return CLI_EXIT_INTERRUPTED;
	if (err < 0)
		return cli_fail(cli, CLI_EXIT_FAILURE, -1, "connect: %s",
				strerror(-err));
	return CLI_EXIT_OK;
}

/* Drop (and count) what waits in the pty now. */
static void pty_drain(struct pty_end *p)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(p->master, buf, sizeof(buf))) > 0)
		p->dropped += (uint64_t)n;
}

/*
 * Wait ms while the link is down; what is written to the pty meanwhile is
 * read and dropped (counted), so that its writers never block. Returns 0,
 * or -EINTR on SIGINT/SIGTERM.
 */
static int wait_link_down(struct cli *cli, int64_t ms, struct pty_end *p)
{
	int64_t until = time_now_ms() + ms;

	for (;;) {
		int64_t left = until - time_now_ms();
		struct pollfd pfd[2] = {
			{ .fd = cli->signal_fd, .events = POLLIN },
			{ .fd = p ? p->master : -1, .events = POLLIN },
		};
		char buf[4096];
		int r;

		if (left <= 0)
			return 0;
		r = poll(pfd, 2, (int)left);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		if (pfd[0].revents & POLLIN)
			return -EINTR;
		if (pfd[1].revents & POLLIN) {
			ssize_t n = read(p->master, buf, sizeof(buf));

			if (n > 0)
				p->dropped += (uint64_t)n;
		}
	}
}

uint32_t cli_jitter_random(void)
{
	static unsigned int seed;

	if (!seed)
		seed = (unsigned int)time_now_ms() ^ (unsigned int)getpid();
	return (uint32_t)rand_r(&seed);
}

/* Say what became of the link: event is link-up, link-down, retry (failed,
 * with why: the failure) or reconnected; in JSON too when json_ok (the
 * link is not on stdout). */
static void log_link(struct cli *cli, const char *event, uint16_t index,
		     const char *a, uint8_t channel, int64_t retry_ms,
		     uint64_t dropped, bool json_ok,
		     const struct cli_capture *why)
{
	if (cli->json && json_ok) {
		struct json j;

		json_begin_addr(&j, event, index, a);
		json_int(&j, "channel", channel);
		json_int_or_null(&j, "retry_ms", retry_ms >= 0, retry_ms);
		json_int(&j, "dropped_bytes", (long long)dropped);
		if (why) {
			json_str(&j, "code", cli_exit_code_name(why->code));
			json_int_or_null(&j, "status", why->status >= 0,
					 why->status);
			json_str(&j, "message", why->message);
		}
		json_end(cli, &j);
		fflush(stdout);
	}
	if (strcmp(event, "link-down") == 0)
		fprintf(stderr,
			"btpair: connect %s: link lost; reconnecting "
			"in %.1f s\n",
			a, (double)retry_ms / 1000);
	else if (strcmp(event, "retry") == 0)
		fprintf(stderr, "btpair: connect %s: retrying in %.1f s\n", a,
			(double)retry_ms / 1000);
	else if (strcmp(event, "reconnected") == 0)
		fprintf(stderr,
			"btpair: connect %s: reconnected on channel %u"
			"%s\n",
			a, channel,
			dropped ? " (bytes written meanwhile were "
				  "dropped)" :
				  "");
	else
		fprintf(stderr, "btpair: connect %s: connected on channel %u\n",
			a, channel);
}

/*
 * One connect, answering the pairing requests it brings; when the device
 * refuses the stored key, pair afresh once (with PINs). Returns the socket,
 * or -1 with *ret the exit code, reported, and *why the connect's -errno
 * (0 when it was not the connect that failed).
 */
static int connect_device(struct cli *cli, uint16_t index,
			  const bdaddr_t *local, const struct mgmt_addr *addr,
			  uint8_t channel, const struct cli_pins *pins,
			  bool *already, unsigned long timeout_s, int *ret,
			  int *why)
{
	int64_t deadline = time_deadline_in((int64_t)timeout_s * 1000);
	struct rfcomm_watch watch = { .serve = cli_connect_auth_serve };
	struct cli_connect_auth *auth;
	char a[BT_ADDR_STRLEN];
	int64_t left_s;
	int sock;

	*why = 0;
	bt_addr_format(&addr->bdaddr, a);
	watch.fd = mgmt_client_fd(cli->client);
again:
	/* A device that demands an authenticated link makes the connect
	 * itself ask for a PIN when nothing paired it first: answer (with
	 * --pin) or at least notice, while connecting. */
	auth = cli_connect_auth_new(cli, index, local, addr, pins, deadline);
	if (!auth) {
		*ret = cli_fail(cli, CLI_EXIT_FAILURE, -1, "connect: %s",
				strerror(ENOMEM));
		return -1;
	}
	watch.data = auth;
	cli_progress(cli, deadline, "connecting to %s channel %u", a, channel);
	sock = rfcomm_connect(local, &addr->bdaddr, channel, BT_SECURITY_LOW,
			      deadline, cli->signal_fd, &watch);
	/* Connected or not, that wait is over: the device's data may come. */
	cli_progress_end();
	*ret = cli_connect_auth_finish(auth, sock);
	/* The kernel had a key the device refused: it has forgotten the
	 * pairing (an HC-05 after a reset). Pair afresh, once. */
	if (*ret < 0 && *already && is_auth_refusal(sock)) {
		fprintf(stderr,
			"btpair: connect %s: the device refused the "
			"stored key; pairing again\n",
			a);
		left_s = (deadline - time_now_ms() + 999) / 1000;
		*ret = cli_pair_for_connect(cli, index, addr, pins,
					    left_s > 0 ? (unsigned long)left_s :
							 1,
					    true, already);
		if (*ret)
			return -1;
		*already = false;
		goto again;
	}
	*why = sock < 0 ? sock : 0;
	if (sock < 0) {
		if (*ret < 0)
			*ret = connect_fail(cli, sock, a, channel, timeout_s,
					    pins->count > 0);
		return -1;
	}
	if (*ret) {
		close(sock);
		return -1;
	}
	return sock;
}

/* Failures worth another attempt with --reconnect: not a usage error,
 * not a refusal of permission, not a signal. */
bool cli_reconnect_worth(int ret)
{
	return ret != CLI_EXIT_USAGE && ret != CLI_EXIT_PERMISSION &&
	       ret != CLI_EXIT_INTERRUPTED;
}

/* What connect was asked for. */
struct connect_opts {
	struct cli_device_opts dev;
	bool reconnect;
	uint8_t channel; /* 0: found by SDP */
	bool sdp_if_refused;
	const char *pty_path;
	const char *pty_group;
	char **exec_argv;
};

/* The link connect keeps up, once the device is known. */
struct connect_link {
	uint16_t index;
	bdaddr_t local;
	struct mgmt_addr addr;
	char a[BT_ADDR_STRLEN];
	uint8_t channel;
	bool already;	/* paired before this connect */
	bool sdp_asked; /* --sdp-if-refused, since the last link */
	struct pty_end pty;
};

/* Parse connect's command line into o; false with *ret set when done
 * already (help shown, or a usage error reported). */
static bool parse_connect(struct cli *cli, int argc, char *argv[],
			  struct connect_opts *o, int *ret)
{
	static const struct cli_opt opts[] = {
		CLI_OPT(struct connect_opts, "channel", 'c', CHANNEL, channel),
		CLI_DEVICE_OPTIONS(struct connect_opts),
		CLI_OPT(struct connect_opts, "reconnect", 'r', FLAG, reconnect),
		CLI_OPT(struct connect_opts, "pty", 'y', PATH, pty_path),
		CLI_OPT(struct connect_opts, "pty-group", 'g', STRING,
			pty_group),
		CLI_OPT(struct connect_opts, "sdp-if-refused", 's', FLAG,
			sdp_if_refused),
		{ NULL },
	};

	argc = split_exec(argc, argv, &o->exec_argv);
	if (!cli_options(cli, "connect", argc, argv, opts, NULL, o, ret))
		return false;
	if (!cli_device_target(cli, "connect", argv[optind], &o->dev))
		return false;
	if (o->exec_argv && !o->exec_argv[0]) {
		cli_fail(cli, CLI_EXIT_USAGE, -1,
			 "connect: --exec needs a command");
		return false;
	}
	if (o->sdp_if_refused && !o->channel) {
		cli_fail(cli, CLI_EXIT_USAGE, -1,
			 "connect: --sdp-if-refused goes with --channel");
		return false;
	}
	if (o->pty_group && !o->pty_path) {
		cli_fail(cli, CLI_EXIT_USAGE, -1,
			 "connect: --pty-group needs --pty");
		return false;
	}
	if (o->exec_argv && o->pty_path) {
		cli_fail(cli, CLI_EXIT_USAGE, -1,
			 "connect: give --exec or --pty, not both");
		return false;
	}
	/* Without --exec, standard input is the link's. */
	if (o->dev.pin_file && strcmp(o->dev.pin_file, "-") == 0 &&
	    !o->exec_argv) {
		cli_fail(cli, CLI_EXIT_USAGE, -1,
			 "connect: --pin-file - needs --exec: standard input "
			 "carries the link");
		return false;
	}
	return true;
}

/*
 * Find the controller and the device, gather the PINs, open the pty, pair
 * when PINs are given and find the channel: everything before the first
 * connect. Returns the exit code, reported.
 */
static int prepare_connect(struct cli *cli, struct connect_opts *o,
			   struct connect_link *l)
{
	int64_t deadline;
	int ret;

	ret = cli_device_find(cli, "connect", &o->dev, &l->index, &l->local);
	if (ret)
		return ret;
	l->addr = o->dev.addr;
	bt_addr_format(&l->addr.bdaddr, l->a);
	/* The pty is there before the first connect, for programs started
	 * alongside, and stays until btpair ends. */
	if (o->pty_path) {
		ret = pty_open(cli, o->pty_path, o->pty_group, &l->pty);
		if (ret)
			return ret;
	}
	/* A write to a link that just went down must not kill btpair. */
	if (o->reconnect)
		signal(SIGPIPE, SIG_IGN);
	deadline = time_deadline_in((int64_t)o->dev.timeout_s * 1000);
	/* Pairing on demand goes through the same code as `pair`. */
	if (o->dev.pins.count) {
		ret = cli_pair_for_connect(cli, l->index, &l->addr,
					   &o->dev.pins, o->dev.timeout_s,
					   false, &l->already);
		if (ret)
			return ret;
	}
	if (!l->channel)
		ret = cli_find_channel(cli, "connect", &l->local,
				       &l->addr.bdaddr, deadline, &l->channel,
				       NULL);
	return ret;
}

/*
 * Carry the data of a link that is up, on sock, until it ends; *lost says
 * whether it dropped (with --reconnect). Returns the exit code.
 */
static int serve_link(struct cli *cli, const struct connect_opts *o,
		      struct connect_link *l, int sock, bool ever_up,
		      bool *lost)
{
	bool data_on_stdout = o->exec_argv || o->pty_path;
	int ret;

	/* What was written while the link was down is dropped, even what
	 * came during the connect. */
	if (o->pty_path && ever_up)
		pty_drain(&l->pty);
	if (o->reconnect)
		log_link(cli, ever_up ? "reconnected" : "link-up", l->index,
			 l->a, l->channel, -1, l->pty.dropped, data_on_stdout,
			 NULL);
	l->pty.dropped = 0;
	if (o->exec_argv) {
		print_link(cli, l->index, l->a, l->channel);
		ret = run_exec(cli, sock, o->exec_argv,
			       o->reconnect ? lost : NULL);
	} else if (o->pty_path) {
		ret = bridge_pty(cli, sock, &l->pty, lost);
	} else {
		ret = bridge_stdio(cli, sock, l->a, l->channel,
				   o->reconnect ? lost : NULL);
	}
	/* A signal passed on to the command ended it: told to stop, not a
	 * drop to come back from. */
	if (o->reconnect && exec_signalled)
		ret = CLI_EXIT_INTERRUPTED;
	return ret;
}

/*
 * --sdp-if-refused: the device refused the channel given (what SDP said
 * once, remembered): ask SDP again, once until a link comes up. True when
 * it gives another channel (or its fallback, channel 1), which is used from
 * now on and, when SDP said it, remembered as serial up remembers
 * channels.
 */
static bool channel_moved(struct cli *cli, struct connect_link *l)
{
	uint8_t channel = 0;
	bool found = false;
	int err;

	l->sdp_asked = true;
	if (cli_find_channel(cli, "connect", &l->local, &l->addr.bdaddr,
			     time_deadline_in(CONNECT_DEFAULT_TIMEOUT_S * 1000),
			     &channel, &found) ||
	    channel == l->channel)
		return false;
	fprintf(stderr, "btpair: connect %s: channel %u refused; %s %u\n", l->a,
		l->channel,
		found ? "SDP says the serial port is now on channel" :
			"trying SDP's fallback, channel",
		channel);
	l->channel = channel;
	/* Only what the device said is worth keeping. */
	err = found ? serial_channel_write(&l->local, &l->addr.bdaddr,
					   channel) :
		      0;
	if (err < 0)
		cli_warn(cli,
			 "connect %s: cannot remember channel %u under "
			 "%s: %s",
			 l->a, channel, serial_state_dir(), strerror(-err));
	return true;
}

/* What an attempt said while captured, on stderr only: its warning, and
 * its failure when failure (one that is retried, never an error event). */
static void say_captured(struct cli *cli, const struct cli_capture *cap,
			 bool failure)
{
	if (cap->warning[0])
		cli_warn(cli, "%s", cap->warning);
	if (failure && cap->error[0])
		fprintf(stderr, "%s: %s\n", cli->prog, cap->error);
}

/* channel_moved, whose failure is, with --reconnect, only said on stderr:
 * the attempt is retried all the same. */
static bool sdp_moved(struct cli *cli, const struct connect_opts *o,
		      struct connect_link *l)
{
	struct cli_capture cap = { .code = 0 };
	bool moved;

	if (!o->reconnect)
		return channel_moved(cli, l);
	cli->capture = &cap;
	moved = channel_moved(cli, l);
	cli->capture = NULL;
	say_captured(cli, &cap, true);
	return moved;
}

/* Connect and serve the link; with --reconnect, again after each drop or
 * failed attempt, backing off. Returns the exit code. */
static int keep_link(struct cli *cli, const struct connect_opts *o,
		     struct connect_link *l)
{
	int64_t backoff = CLI_RECONNECT_FIRST_MS, wait;
	bool ever_up = false, final;
	int ret, sock, err, why;
	struct cli_capture cap;

	for (;;) {
		int64_t up_ms = -1;
		bool lost = false;

		/* With --reconnect a failed attempt is not the end: its
		 * failure is kept, said on stderr and in the retry event, and
		 * is an error only when it ends connect. */
		memset(&cap, 0, sizeof(cap));
		if (o->reconnect)
			cli->capture = &cap;
		sock = connect_device(cli, l->index, &l->local, &l->addr,
				      l->channel, &o->dev.pins, &l->already,
				      o->dev.timeout_s, &ret, &why);
		if (o->reconnect)
			cli->capture = NULL;
		final = sock < 0 && cap.error[0] &&
			!(o->reconnect && cli_reconnect_worth(ret));
		say_captured(cli, &cap, sock < 0 && !final);
		if (final)
			return cli_fail(cli, ret, cap.status, "%s",
					cap.message);
		if (sock < 0 && why == -ECONNREFUSED && o->sdp_if_refused &&
		    !l->sdp_asked && sdp_moved(cli, o, l))
			continue;
		if (sock >= 0) {
			l->sdp_asked = false;
			int64_t t0 = time_now_ms();

			ret = serve_link(cli, o, l, sock, ever_up, &lost);
			up_ms = time_now_ms() - t0;
			ever_up = true;
			if (!o->reconnect || !lost ||
			    ret == CLI_EXIT_INTERRUPTED)
				return ret;
		} else if (!o->reconnect || !cli_reconnect_worth(ret)) {
			return ret;
		}
		wait = cli_reconnect_wait(&backoff, up_ms, CLI_RECONNECT_CAP_MS,
					  cli_jitter_random());
		if (sock < 0 && !cap.error[0]) {
			/* Every failure says why; should one not have: */
			cap.code = ret;
			cap.status = -1;
			snprintf(cap.message, sizeof(cap.message),
				 "connect %s: %s", l->a,
				 why < 0 ? strerror(-why) : "failed");
		}
		log_link(cli, sock >= 0 ? "link-down" : "retry", l->index, l->a,
			 l->channel, wait, l->pty.dropped,
			 o->exec_argv || o->pty_path, sock < 0 ? &cap : NULL);
		err = wait_link_down(cli, wait, o->pty_path ? &l->pty : NULL);
		if (err == -EINTR)
			return CLI_EXIT_INTERRUPTED;
		if (err < 0)
			return cli_fail(cli, CLI_EXIT_FAILURE, -1,
					"connect: %s", strerror(-err));
	}
}

int cmd_connect(struct cli *cli, int argc, char *argv[])
{
	struct connect_opts o = {
		.dev = { .timeout_s = CONNECT_DEFAULT_TIMEOUT_S },
	};
	struct connect_link l = { .pty = { .master = -1, .slave = -1 } };
	int ret = CLI_EXIT_USAGE;

	if (parse_connect(cli, argc, argv, &o, &ret)) {
		l.channel = o.channel;
		ret = prepare_connect(cli, &o, &l);
		if (!ret)
			ret = keep_link(cli, &o, &l);
	}
	pty_close(&l.pty);
	cli_pins_clear(&o.dev.pins);
	return ret;
}

/* What listen was asked for. */
struct listen_opts {
	uint8_t channel;
	bool once;
};

int cmd_listen(struct cli *cli, int argc, char *argv[])
{
	static const struct cli_opt opts[] = {
		CLI_OPT(struct listen_opts, "channel", 'c', CHANNEL, channel),
		CLI_OPT(struct listen_opts, "once", 'o', FLAG, once),
		{ NULL },
	};
	struct listen_opts o = { .channel = 1 };
	char **exec_argv;
	bdaddr_t local;
	uint16_t index;
	int ret = CLI_EXIT_OK, lfd;

	argc = split_exec(argc, argv, &exec_argv);
	if (!cli_options(cli, "listen", argc, argv, opts, NULL, &o, &ret))
		return ret;
	if (exec_argv && !exec_argv[0])
		return cli_fail(cli, CLI_EXIT_USAGE, -1,
				"listen: --exec needs a command");
	ret = cli_controller(cli, "listen", &index, &local);
	if (ret)
		return ret;
	lfd = rfcomm_listen(&local, o.channel, BT_SECURITY_LOW);
	if (lfd < 0)
		return cli_fail(cli,
				lfd == -EADDRINUSE ? CLI_EXIT_BUSY :
						     cli_errno_exit(lfd),
				-1, "listen: channel %u: %s", o.channel,
				cli_errno_str(lfd));
	fprintf(stderr, "btpair: listening on hci%u channel %u\n", index,
		o.channel);
	do {
		char a[BT_ADDR_STRLEN];
		bdaddr_t peer;
		int sock = rfcomm_accept(lfd, -1, cli->signal_fd, &peer);

		if (sock == -EINTR) {
			ret = CLI_EXIT_INTERRUPTED;
			break;
		}
		if (sock < 0) {
			ret = cli_fail(cli, CLI_EXIT_FAILURE, -1,
				       "listen: accept: %s", strerror(-sock));
			break;
		}
		fprintf(stderr, "btpair: connection from %s\n",
			bt_addr_format(&peer, a));
		if (exec_argv) {
			print_link(cli, index, a, o.channel);
			ret = run_exec(cli, sock, exec_argv, NULL);
			/* Told to stop: the signal ended the command, and
			 * listen ends with it instead of waiting again. */
			if (exec_signalled)
				ret = CLI_EXIT_INTERRUPTED;
		} else
			ret = bridge_stdio(cli, sock, a, o.channel, NULL);
	} while (!o.once && ret != CLI_EXIT_INTERRUPTED);
	close(lfd);
	return ret;
}

/* What bind was asked for. */
struct bind_opts {
	struct cli_device_opts dev;
	uint8_t channel;   /* 0: found by SDP */
	unsigned long num; /* N of /dev/rfcommN */
};

/* Parse bind's command line into o; false with *ret set when done already
 * (help shown, or a usage error reported). */
static bool parse_bind(struct cli *cli, int argc, char *argv[],
		       struct bind_opts *o, int *ret)
{
	static const struct cli_opt opts[] = {
		CLI_OPT(struct bind_opts, "channel", 'c', CHANNEL, channel),
		CLI_OPT(struct bind_opts, "dev", 'd', UINT, num, 0, 255),
		CLI_DEVICE_OPTIONS(struct bind_opts),
		{ NULL },
	};

	if (!cli_options(cli, "bind", argc, argv, opts, NULL, o, ret))
		return false;
	return cli_device_target(cli, "bind", argv[optind], &o->dev);
}

/*
 * Find the controller and the device, pair with the PINs given (if not
 * paired yet), find the channel and make /dev/rfcommN. Returns the exit
 * code, reported.
 */
static int bind_device(struct cli *cli, struct bind_opts *o, uint16_t *index)
{
	struct cli_device_opts *dev = &o->dev;
	bool already;
	bdaddr_t local;
	int ret, err;

	ret = cli_device_find(cli, "bind", dev, index, &local);
	/* With a PIN, pair now (if not yet): whoever opens the device node
	 * later finds the link key there, with nobody to answer a PIN. */
	if (!ret && dev->pins.count)
		ret = cli_pair_for_connect(cli, *index, &dev->addr, &dev->pins,
					   dev->timeout_s, false, &already);
	if (!ret && !o->channel)
		ret = cli_find_channel(cli, "bind", &local, &dev->addr.bdaddr,
				       time_deadline_in(
					       (int64_t)dev->timeout_s * 1000),
				       &o->channel, NULL);
	if (ret)
		return ret;
	err = rfcomm_bind_dev((int)o->num, &local, &dev->addr.bdaddr,
			      o->channel);
	if (err == -EADDRINUSE || err == -EBUSY)
		return cli_fail(cli, CLI_EXIT_BUSY, -1,
				"bind: /dev/rfcomm%lu is already bound",
				o->num);
	if (err < 0) {
		char what[64];

		snprintf(what, sizeof(what), "bind /dev/rfcomm%lu", o->num);
		return cli_errno_fail(cli, err, what);
	}
	return CLI_EXIT_OK;
}

int cmd_bind(struct cli *cli, int argc, char *argv[])
{
	struct bind_opts o = {
		.dev = { .timeout_s = CONNECT_DEFAULT_TIMEOUT_S },
	};
	char a[BT_ADDR_STRLEN];
	uint16_t index;
	int ret = CLI_EXIT_USAGE;

	if (!parse_bind(cli, argc, argv, &o, &ret))
		goto out;
	ret = bind_device(cli, &o, &index);
	if (ret)
		goto out;
	bt_addr_format(&o.dev.addr.bdaddr, a);
	if (cli->json) {
		struct json j;

		json_begin_addr(&j, "bound", index, a);
		json_int(&j, "channel", o.channel);
		json_int(&j, "dev", (long long)o.num);
		json_end(cli, &j);
	} else {
		cli_print(cli, "bound /dev/rfcomm%lu to %s channel %u", o.num,
			  a, o.channel);
	}
out:
	cli_pins_clear(&o.dev.pins);
	return ret;
}

int cmd_release(struct cli *cli, int argc, char *argv[])
{
	unsigned long dev;
	int ret = CLI_EXIT_OK, err;

	if (!cli_options(cli, "release", argc, argv, NULL, NULL, NULL, &ret))
		return ret;
	if (!cli_uint_arg(cli, argv[optind], 0, 255, &dev,
			  "release: expected a device number 0 to 255, not "
			  "'%s'",
			  argv[optind]))
		return CLI_EXIT_USAGE;
	err = rfcomm_release_dev((int)dev);
	if (err == -EAFNOSUPPORT || err == -EPROTONOSUPPORT)
		return cli_fail(cli, CLI_EXIT_NO_CONTROLLER, -1,
				"release: this kernel has no RFCOMM support");
	if (err == -ENODEV)
		return cli_fail(cli, CLI_EXIT_FAILURE, -1,
				"release: /dev/rfcomm%lu is not bound", dev);
	if (err < 0) {
		char what[64];

		snprintf(what, sizeof(what), "release /dev/rfcomm%lu", dev);
		return cli_errno_fail(cli, err, what);
	}
	if (cli->json) {
		struct json j;

		json_begin(&j, "released");
		json_int(&j, "dev", (long long)dev);
		json_end(cli, &j);
	} else {
		cli_print(cli, "released /dev/rfcomm%lu", dev);
	}
	return CLI_EXIT_OK;
}
