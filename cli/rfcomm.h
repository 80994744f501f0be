/* RFCOMM links (rfcomm.c). */
#ifndef BTPAIR_CLI_RFCOMM_H
#define BTPAIR_CLI_RFCOMM_H

#include <stdint.h>

#include "cli/context.h"

/* The Serial Port channel of addr by SDP, else 1 with a note on stderr
 * (rfcomm.c). Returns the exit code, reported. */
int cli_find_channel(struct cli *cli, const char *cmd, const bdaddr_t *local,
		     const bdaddr_t *addr, int64_t deadline, uint8_t *channel);

#endif
