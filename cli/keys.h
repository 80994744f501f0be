/* The key store as the commands see it (keys.c). */
#ifndef BTPAIR_CLI_KEYS_H
#define BTPAIR_CLI_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/common.h"
#include "cli/context.h"
#include "mgmt/wire.h"

/* The controllers present, by address, so that an event about a stored key
 * names its controller by index like every other event (keys.c). */
struct cli_present {
	size_t n;
	uint16_t index[CLI_INDEX_LIST_MAX];
	bdaddr_t addr[CLI_INDEX_LIST_MAX];
};
/* Fill p with the controllers the kernel has; quietly none when it cannot
 * be asked (no Bluetooth, no permission): a key store needs no kernel. */
void cli_find_present(struct cli *cli, struct cli_present *p);
/* The index of the controller at addr, or MGMT_INDEX_NONE. */
uint16_t cli_present_index(const struct cli_present *p, const bdaddr_t *addr);

struct keystore_entry;
/* A stored key as a JSON "key" event (keys list, status). */
void cli_key_json(struct cli *cli, const struct cli_present *present,
		  const struct keystore_entry *e);

/*
 * For "name:PATTERN" (a case-insensitive shell glob), the one device of the
 * key store in dir (of the controller ctrl, or of any when NULL) whose
 * stored name matches: none is exit 1, several exit 2. Returns the exit
 * code after reporting.
 */
int cli_stored_name_addr(struct cli *cli, const char *cmd, const char *dir,
			 const bdaddr_t *ctrl, const char *arg, bdaddr_t *dev);

/* keys load: give the kernel every key stored in dir for the controller
 * (-i), in one Load Link Keys, and say how many. Returns the exit code
 * after reporting. */
int cli_keys_load(struct cli *cli, const char *dir);
/* The device's name in the key store in dir (of any controller): false
 * when it has none there. */
bool cli_stored_name(const char *dir, const bdaddr_t *dev, char *name,
		     size_t size);

#endif
