/* btpair: pair Bluetooth Classic devices through the kernel's mgmt socket. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli/context.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/pin.h"
#include "cli/common.h"

/* SIGINT and SIGTERM become readable on a signalfd, which every wait in the
 * mgmt client watches: a pairing in progress is then cancelled cleanly. */
static int setup_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Parse the global options into cli (-V into *version); returns -1 to go
 * on, else the exit code (help shown, or a usage error reported). */
static int parse_globals(struct cli *cli, int argc, char *argv[], bool *version)
{
	static const struct option opts[] = {
		{ "index", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:i:jvqhV", opts, NULL)) != -1) {
		switch (opt) {
		case 'i':
		case 'j':
		case 'v':
		case 'q':
			cli_take_global(cli, opt, optarg);
			break;
		case 'h':
			cli_usage(stdout);
			return CLI_EXIT_OK;
		case 'V':
			*version = true;
			break;
		case ':':
			return cli_fail(cli, CLI_EXIT_USAGE, -1,
					"option '%s' needs an argument",
					argv[optind - 1]);
		default:
			return cli_fail(
				cli, CLI_EXIT_USAGE, -1,
				"unknown option '%s' (see btpair --help)",
				argv[optind - 1]);
		}
	}
	return -1;
}

int main(int argc, char *argv[])
{
	struct cli cli = { .prog = "btpair", .signal_fd = -1 };
	const struct cli_command *cmd;
	bool version = false;
	uint16_t index;
	int ret;

	/* Before anything can start a child or be read in /proc. */
	cli_pin_env_take();
	ret = parse_globals(&cli, argc, argv, &version);
	if (ret >= 0)
		return ret;
	/* After every option: -V -j prints JSON like everything else. */
	if (version)
		return cli_print_version(&cli);
	if (optind >= argc) {
		/* With --json a script still gets its error event. */
		if (cli.json)
			return cli_fail(&cli, CLI_EXIT_USAGE, -1,
					"no command (see btpair --help)");
		cli_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	cmd = cli_find_command(argv[optind]);
	if (!cmd)
		return cli_fail(&cli, CLI_EXIT_USAGE, -1,
				"unknown command '%s' (see btpair --help)",
				argv[optind]);
	/* A malformed -i is a usage error before anything is opened. */
	if (cli.index_arg && !cli_parse_index(cli.index_arg, &index))
		return cli_fail(&cli, CLI_EXIT_USAGE, -1,
				"-i: invalid controller '%s' (expected hciN or "
				"N)",
				cli.index_arg);

	cli.signal_fd = setup_signals();
	if (cli.signal_fd < 0)
		return cli_fail(&cli, CLI_EXIT_FAILURE, -1,
				"cannot set up signal handling");

	argc -= optind;
	argv += optind;
	optind = 0; /* the command parses its own options from scratch */
	ret = cmd->run(&cli, argc, argv);

	mgmt_client_free(cli.client);
	close(cli.signal_fd);
	return ret;
}
