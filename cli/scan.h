/* Finding devices by name (scan.c). */
#ifndef BTPAIR_CLI_SCAN_H
#define BTPAIR_CLI_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/context.h"
#include "mgmt/wire.h"

/*
 * ADDR as given, or for "name:PATTERN" (a case-insensitive shell glob) the
 * address found by a scan on index: none is exit 7, several exit 2 unless
 * first. Opens nothing; the client must be open. Returns the exit code.
 */
int cli_resolve_addr(struct cli *cli, const char *cmd, const char *arg,
		     uint16_t index, bool first, struct mgmt_addr *out);
/* The same, and for a name:PATTERN the name found into name (size bytes;
 * "" for an address). */
int cli_resolve_addr_name(struct cli *cli, const char *cmd, const char *arg,
			  uint16_t index, bool first, struct mgmt_addr *out,
			  char *name, size_t size);

#endif
