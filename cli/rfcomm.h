/* RFCOMM links (rfcomm.c). */
#ifndef BTPAIR_CLI_RFCOMM_H
#define BTPAIR_CLI_RFCOMM_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/context.h"

/* The Serial Port channel of addr by SDP, else 1 with a note on stderr
 * (rfcomm.c); *found (unless NULL) says which. Returns the exit code,
 * reported. */
int cli_find_channel(struct cli *cli, const char *cmd, const bdaddr_t *local,
		     const bdaddr_t *addr, int64_t deadline, uint8_t *channel,
		     bool *found);

/*
 * connect --reconnect's waits: the first, the cap of the doubling, and how
 * long a link must have stayed up for the next drop to start again from the
 * first wait.
 */
#define CLI_RECONNECT_FIRST_MS 1000
#define CLI_RECONNECT_CAP_MS 120000
#define CLI_RECONNECT_STABLE_MS 10000

/*
 * The wait before the next attempt, from *backoff_ms (which it advances):
 * back to the first wait when the link before stayed up (up_ms, -1 when the
 * attempt failed) at least CLI_RECONNECT_STABLE_MS, else doubled up to
 * cap_ms (CLI_RECONNECT_CAP_MS for a link that drops); shortened by r
 * modulo a quarter of it (r random: jitter).
 */
int64_t cli_reconnect_wait(int64_t *backoff_ms, int64_t up_ms, int64_t cap_ms,
			   uint32_t r);
/* A random number for the jitter of those waits. */
uint32_t cli_jitter_random(void);
/* Whether a failure with exit code ret may pass if tried again: not a
 * usage error, a refused permission or an interruption. */
bool cli_reconnect_worth(int ret);

#endif
