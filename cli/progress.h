/* Progress lines (progress.c). */
#ifndef BTPAIR_CLI_PROGRESS_H
#define BTPAIR_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/context.h"

/* Whether progress lines are shown: stderr a terminal, neither -q nor
 * --json. */
bool cli_progress_enabled(const struct cli *cli);
/*
 * Say what btpair now waits for ("connecting to ADDR"), on stderr as
 * "btpair: ...", if the wait is still going on a second from now; with a
 * deadline (not -1) the time left is added. Replaces what was pending.
 * Nothing at all unless cli_progress_enabled().
 */
void cli_progress(const struct cli *cli, int64_t deadline, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The wait is over: nothing pending is printed any more. Every result,
 * warning and error line calls it first. */
void cli_progress_end(void);

#endif
