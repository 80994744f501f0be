/* connect, listen, bind, release: handing the link to RFCOMM. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "mgmt/addr.h"
#include "rfcomm/rfcomm.h"
#include "rfcomm/sdp.h"

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
static int find_channel(struct cli *cli, const char *cmd, const bdaddr_t *local,
			const bdaddr_t *addr, int64_t deadline, uint8_t *channel)
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
			fprintf(stderr, "%s: %s has Serial Port on channel %d\n",
				cmd, a, ch);
		*channel = (uint8_t)ch;
		return CLI_EXIT_OK;
	}
	if (ch == -EINTR)
		return cli_fail(cli, CLI_EXIT_INTERRUPTED, -1, "%s %s: interrupted",
				cmd, a);
	if (ch == -EHOSTDOWN || ch == -EHOSTUNREACH || ch == -ETIMEDOUT)
		return cli_fail(cli, CLI_EXIT_UNREACHABLE, -1,
				"%s %s: device unreachable (%s)", cmd, a,
				strerror(-ch));
	/* Many modules answer SDP badly or not at all; channel 1 is what
	 * they use. */
	fprintf(stderr, "btpair: %s %s: no Serial Port record found by SDP "
			"(%s); trying channel 1\n",
		cmd, a, ch == -ENOENT ? "none" : strerror(-ch));
	*channel = 1;
	return CLI_EXIT_OK;
}

static int connect_fail(struct cli *cli, int err, const char *a,
			uint8_t channel, unsigned long timeout_s)
{
	switch (err) {
	case -ECONNREFUSED:
		return cli_fail(cli, CLI_EXIT_UNREACHABLE, -1,
				"connect %s: connection refused: not paired, or "
				"nothing listens on channel %u (pass --pin to "
				"pair first)",
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
		return cli_fail(cli, CLI_EXIT_UNREACHABLE, -1,
				"connect %s: %s", a, strerror(-err));
	}
}

/* Whether a failed connect's error says authentication failed. */
static bool is_auth_refusal(int err)
{
	return err == -ECONNRESET || err == -ECONNABORTED || err == -EACCES;
}

/*
 * Run argv with sock as its stdin and stdout; return its exit status (128 +
 * signal if killed). A SIGINT/SIGTERM to btpair is passed on to it.
 */
static int run_exec(struct cli *cli, int sock, char *argv[])
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
			return cli_fail(cli, CLI_EXIT_FAILURE, -1, "waitpid: %s",
					strerror(err));
		}
		/* A signal for btpair goes on to the command, whose exit
		 * then ends the wait. */
		if (poll(pfd, 2, exited >= 0 ? -1 : 50) > 0 &&
		    (pfd[0].revents & POLLIN)) {
			struct signalfd_siginfo si;

			if (read(cli->signal_fd, &si, sizeof(si)) ==
			    (ssize_t)sizeof(si))
				kill(pid, (int)si.ssi_signo);
		}
	}
	if (exited >= 0)
		close(exited);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
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
			uint8_t channel)
{
	bool tty = isatty(STDIN_FILENO);
	int err;

	if (tty && tcgetattr(STDIN_FILENO, &saved_tty) == 0) {
		struct termios raw = saved_tty;

		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0) {
			tty_raw = true;
			atexit(restore_tty);
		}
		fprintf(stderr, "Connected to %s channel %u. Type ~. at the "
				"start of a line to quit.\r\n",
			a, channel);
	}
	err = rfcomm_bridge(sock, STDIN_FILENO, STDOUT_FILENO, tty,
			    BRIDGE_IDLE_MS, cli->signal_fd);
	restore_tty();
	close(sock);
	if (err == -EINTR)
		return CLI_EXIT_INTERRUPTED;
	if (err < 0)
		return cli_fail(cli, CLI_EXIT_FAILURE, -1, "connect %s: %s", a,
				strerror(-err));
	return CLI_EXIT_OK;
}

int cmd_connect(struct cli *cli, int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "channel", required_argument, NULL, 'c' },
		{ "pin", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "first", no_argument, NULL, '1' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long timeout_s = CONNECT_DEFAULT_TIMEOUT_S;
	bool first = false;
	struct cli_pins pins = { .count = 0 };
	uint8_t channel = 0;
	struct mgmt_addr addr;
	struct cli_connect_auth *auth;
	bool already = false;
	struct rfcomm_watch watch = { .serve = cli_connect_auth_serve };
	char **exec_argv, a[BT_ADDR_STRLEN];
	bdaddr_t local;
	uint16_t index;
	int64_t deadline, left_s;
	int opt, ret = CLI_EXIT_USAGE, sock, nargs;

	argc = split_exec(argc, argv, &exec_argv);
	while ((opt = cli_getopt(cli, "connect", argc, argv, "", opts, &ret)) !=
	       -1) {
		switch (opt) {
		case CLI_OPT_EXIT:
			goto out;
		case 'c':
			if (!cli_parse_channel(cli, "connect", optarg, &channel))
				goto out;
			break;
		case 'p':
			if (!cli_pins_add(cli, &pins, "connect", optarg))
				goto out;
			break;
		case 't':
			if (!cli_parse_uint(optarg, 1, 86400, &timeout_s)) {
				cli_fail(cli, CLI_EXIT_USAGE, -1,
					 "connect: --timeout takes 1 to 86400 "
					 "seconds, not '%s'",
					 optarg);
				goto out;
			}
			break;
		case '1':
			first = true;
			break;
		}
	}
	nargs = argc - optind;
	if (!cli_check_args(cli, "connect", nargs, 1, 1) ||
	    (strncmp(argv[optind], "name:", 5) != 0 &&
	     !cli_parse_addr(cli, "connect", argv[optind], &addr)))
		goto out;
	if (exec_argv && !exec_argv[0]) {
		cli_fail(cli, CLI_EXIT_USAGE, -1, "connect: --exec needs a command");
		goto out;
	}
	ret = cli_controller(cli, "connect", &index, &local);
	if (!ret)
		ret = cli_resolve_addr(cli, "connect", argv[optind], index,
				       first, &addr);
	if (ret)
		goto out;
	bt_addr_format(&addr.bdaddr, a);
	watch.fd = mgmt_client_fd(cli->client);
	deadline = mgmt_deadline_in((int64_t)timeout_s * 1000);
	/* Pairing on demand goes through the same code as `pair`. */
	if (pins.count) {
		ret = cli_pair_for_connect(cli, index, &addr, &pins, timeout_s,
					   false, &already);
		if (ret)
			goto out;
	}
	if (!channel) {
		ret = find_channel(cli, "connect", &local, &addr.bdaddr,
				   deadline, &channel);
		if (ret)
			goto out;
	}
again:
	/* A device that demands an authenticated link makes the connect
	 * itself ask for a PIN when nothing paired it first: answer (with
	 * --pin) or at least notice, while connecting. */
	auth = cli_connect_auth_new(cli, index, &local, &addr, &pins, deadline);
	if (!auth) {
		ret = cli_fail(cli, CLI_EXIT_FAILURE, -1, "connect: %s",
			       strerror(ENOMEM));
		goto out;
	}
	watch.data = auth;
	cli_progress(cli, deadline, "connecting to %s channel %u", a, channel);
	sock = rfcomm_connect(&local, &addr.bdaddr, channel, BT_SECURITY_LOW,
			      deadline, cli->signal_fd, &watch);
	/* Connected or not, that wait is over: the device's data may come. */
	cli_progress_end();
	ret = cli_connect_auth_finish(auth, sock);
	/* The kernel had a key the device refused: it has forgotten the
	 * pairing (an HC-05 after a reset). Pair afresh, once. */
	if (ret < 0 && already && is_auth_refusal(sock)) {
		fprintf(stderr, "btpair: connect %s: the device refused the "
				"stored key; pairing again\n",
			a);
		left_s = (deadline - mgmt_now_ms() + 999) / 1000;
		ret = cli_pair_for_connect(cli, index, &addr, &pins,
					   left_s > 0 ? (unsigned long)left_s : 1,
					   true, &already);
		if (ret)
			goto out;
		already = false;
		goto again;
	}
	if (sock < 0) {
		if (ret < 0)
			ret = connect_fail(cli, sock, a, channel, timeout_s);
		goto out;
	}
	if (ret) {
		close(sock);
		goto out;
	}
	if (exec_argv)
		ret = run_exec(cli, sock, exec_argv);
	else
		ret = bridge_stdio(cli, sock, a, channel);
out:
	cli_pins_clear(&pins);
	return ret;
}

int cmd_listen(struct cli *cli, int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "channel", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t channel = 1;
	bool once = false;
	char **exec_argv;
	bdaddr_t local;
	uint16_t index;
	int opt, ret = CLI_EXIT_OK, lfd;

	argc = split_exec(argc, argv, &exec_argv);
	while ((opt = cli_getopt(cli, "listen", argc, argv, "", opts, &ret)) !=
	       -1) {
		switch (opt) {
		case CLI_OPT_EXIT:
			return ret;
		case 'c':
			if (!cli_parse_channel(cli, "listen", optarg, &channel))
				return CLI_EXIT_USAGE;
			break;
		case 'o':
			once = true;
			break;
		}
	}
	if (!cli_check_args(cli, "listen", argc - optind, 0, 0))
		return CLI_EXIT_USAGE;
	if (exec_argv && !exec_argv[0])
		return cli_fail(cli, CLI_EXIT_USAGE, -1,
				"listen: --exec needs a command");
	ret = cli_controller(cli, "listen", &index, &local);
	if (ret)
		return ret;
	lfd = rfcomm_listen(&local, channel, BT_SECURITY_LOW);
	if (lfd < 0)
		return cli_fail(cli, lfd == -EADDRINUSE ? CLI_EXIT_BUSY :
				     cli_permission_error(lfd) ?
							  CLI_EXIT_PERMISSION :
							  CLI_EXIT_FAILURE,
				-1, "listen: channel %u: %s", channel,
				cli_permission_error(lfd) ?
					"permission denied: needs root or "
					"CAP_NET_ADMIN" :
					strerror(-lfd));
	fprintf(stderr, "btpair: listening on hci%u channel %u\n", index,
		channel);
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
		if (exec_argv)
			ret = run_exec(cli, sock, exec_argv);
		else
			ret = bridge_stdio(cli, sock, a, channel);
	} while (!once && ret != CLI_EXIT_INTERRUPTED);
	close(lfd);
	return ret;
}

int cmd_bind(struct cli *cli, int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "channel", required_argument, NULL, 'c' },
		{ "dev", required_argument, NULL, 'd' },
		{ "first", no_argument, NULL, '1' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long dev = 0;
	bool first = false;
	uint8_t channel = 0;
	struct mgmt_addr addr;
	char a[BT_ADDR_STRLEN];
	bdaddr_t local;
	uint16_t index;
	int opt, ret = CLI_EXIT_OK, err;

	while ((opt = cli_getopt(cli, "bind", argc, argv, "", opts, &ret)) != -1) {
		switch (opt) {
		case CLI_OPT_EXIT:
			return ret;
		case 'c':
			if (!cli_parse_channel(cli, "bind", optarg, &channel))
				return CLI_EXIT_USAGE;
			break;
		case 'd':
			if (!cli_parse_uint(optarg, 0, 255, &dev))
				return cli_fail(cli, CLI_EXIT_USAGE, -1,
						"bind: --dev takes 0 to 255");
			break;
		case '1':
			first = true;
			break;
		}
	}
	if (!cli_check_args(cli, "bind", argc - optind, 1, 1) ||
	    (strncmp(argv[optind], "name:", 5) != 0 &&
	     !cli_parse_addr(cli, "bind", argv[optind], &addr)))
		return CLI_EXIT_USAGE;
	ret = cli_controller(cli, "bind", &index, &local);
	if (!ret)
		ret = cli_resolve_addr(cli, "bind", argv[optind], index, first,
				       &addr);
	if (ret)
		return ret;
	bt_addr_format(&addr.bdaddr, a);
	if (!ret && !channel)
		ret = find_channel(cli, "bind", &local, &addr.bdaddr,
				   mgmt_deadline_in(CONNECT_DEFAULT_TIMEOUT_S *
						    1000),
				   &channel);
	if (ret)
		return ret;
	err = rfcomm_bind_dev((int)dev, &local, &addr.bdaddr, channel);
	if (err == -EADDRINUSE || err == -EBUSY)
		return cli_fail(cli, CLI_EXIT_BUSY, -1,
				"bind: /dev/rfcomm%lu is already bound", dev);
	if (err < 0) {
		char what[64];

		snprintf(what, sizeof(what), "bind /dev/rfcomm%lu", dev);
		return cli_errno_fail(cli, err, what);
	}
	if (cli->json) {
		struct json j;

		json_begin(&j, "bound");
		json_str(&j, "address", a);
		json_int(&j, "channel", channel);
		json_int(&j, "dev", (long long)dev);
		json_end(cli, &j);
	} else {
		cli_print(cli, "bound /dev/rfcomm%lu to %s channel %u", dev, a,
			  channel);
	}
	return CLI_EXIT_OK;
}

int cmd_release(struct cli *cli, int argc, char *argv[])
{
	unsigned long dev;
	int opt, ret = CLI_EXIT_OK, err;

	while ((opt = cli_getopt(cli, "release", argc, argv, "", NULL, &ret)) !=
	       -1)
		if (opt == CLI_OPT_EXIT)
			return ret;
	if (!cli_check_args(cli, "release", argc - optind, 1, 1))
		return CLI_EXIT_USAGE;
	if (!cli_parse_uint(argv[optind], 0, 255, &dev))
		return cli_fail(cli, CLI_EXIT_USAGE, -1,
				"release: expected a device number 0 to 255, "
				"not '%s'",
				argv[optind]);
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
	cli_print(cli, "released /dev/rfcomm%lu", dev);
	return CLI_EXIT_OK;
}
