/* The commands: the table, its help texts, and what each runs. */
#ifndef BTPAIR_CLI_COMMANDS_H
#define BTPAIR_CLI_COMMANDS_H

#include <stdio.h>

#include "cli/context.h"

struct cli_command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char *argv[]);
	/* Positional arguments after the options: checked before run
	 * is given them (cli_options). */
	int min_args, max_args;
	const char *usage;   /* the synopsis after "btpair " */
	const char *summary; /* one line for btpair --help */
	const char *help;    /* what it does, and its options */
};

int cmd_list(struct cli *cli, int argc, char *argv[]);
int cmd_power(struct cli *cli, int argc, char *argv[]);
int cmd_setup(struct cli *cli, int argc, char *argv[]);
int cmd_pair(struct cli *cli, int argc, char *argv[]);
int cmd_unpair(struct cli *cli, int argc, char *argv[]);
int cmd_monitor(struct cli *cli, int argc, char *argv[]);
int cmd_keys(struct cli *cli, int argc, char *argv[]);
int cmd_agent(struct cli *cli, int argc, char *argv[]);
int cmd_connect(struct cli *cli, int argc, char *argv[]);
int cmd_listen(struct cli *cli, int argc, char *argv[]);
int cmd_bind(struct cli *cli, int argc, char *argv[]);
int cmd_release(struct cli *cli, int argc, char *argv[]);
int cmd_scan(struct cli *cli, int argc, char *argv[]);
int cmd_doctor(struct cli *cli, int argc, char *argv[]);
int cmd_status(struct cli *cli, int argc, char *argv[]);
int cmd_disconnect(struct cli *cli, int argc, char *argv[]);
int cmd_serial(struct cli *cli, int argc, char *argv[]);

/* The global usage text. */
void cli_usage(FILE *out);
/* Print "usage: btpair ..." of one command on stdout. */
void cli_command_help(const struct cli_command *cmd);
const struct cli_command *cli_find_command(const char *name);

#endif
