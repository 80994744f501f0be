/* Pairing for connect and bind (pair.c). */
#ifndef BTPAIR_CLI_PAIR_H
#define BTPAIR_CLI_PAIR_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/context.h"
#include "cli/pin.h"
#include "mgmt/wire.h"

/*
 * Pair before connecting (pair.c): like `pair`, key stored, failures
 * reported, but nothing on stdout. With afresh, the kernel's key for the
 * device is dropped first (Unpair Device), so that a new one is made.
 * *already says whether the device was paired already. Returns the exit
 * code.
 */
int cli_pair_for_connect(struct cli *cli, uint16_t index,
			 const struct mgmt_addr *addr,
			 const struct cli_pins *pins, unsigned long timeout_s,
			 bool afresh, bool *already);

/* What pair, connect and bind are told of the device and its pairing. */
struct cli_device_opts {
	const char *target;    /* ADDR or name:PATTERN */
	struct mgmt_addr addr; /* parsed when target is an address */
	bool by_name, first;
	const char *pin_file;
	struct cli_pins pins;
	unsigned long timeout_s;
	/* The device's name as the scan for name:PATTERN found it, else "". */
	char name[249];
};

/* The longest --timeout of a command that waits on a device. */
#define CLI_TIMEOUT_MAX_S 86400

/* Their options, in the table of each command whose options (type) hold
 * them as dev. */
#define CLI_DEVICE_OPTIONS(type)                                               \
	CLI_OPT(type, "pin", 'p', PINS, dev.pins),                             \
		CLI_OPT(type, "pin-file", 'f', STRING, dev.pin_file),          \
		CLI_OPT(type, "timeout", 't', SECONDS, dev.timeout_s, 1,       \
			CLI_TIMEOUT_MAX_S),                                    \
		CLI_OPT(type, "first", '1', FLAG, dev.first)

/* The positional ADDR or name:PATTERN; an address is parsed now. False
 * after a usage error. */
bool cli_device_target(struct cli *cli, const char *cmd, const char *arg,
		       struct cli_device_opts *o);
/*
 * For connect and bind: the controller (index, its address into local),
 * the device (found by a scan for a name) and its PINs. Returns the exit
 * code, reported.
 */
int cli_device_find(struct cli *cli, const char *cmd, struct cli_device_opts *o,
		    uint16_t *index, bdaddr_t *local);

/*
 * Answering the pairing requests an RFCOMM connect triggers, for the device
 * at addr (pair.c). With PINs they are answered as `pair` would, and a new
 * key is stored once the link is up; without, they are only noted, since an
 * agent may answer them. cli_connect_auth_serve is an rfcomm_watch's serve.
 */
struct cli_connect_auth;
struct cli_connect_auth *cli_connect_auth_new(struct cli *cli, uint16_t index,
					      const bdaddr_t *controller,
					      const struct mgmt_addr *addr,
					      const struct cli_pins *pins,
					      int64_t deadline);
int cli_connect_auth_serve(void *data);
/*
 * End it and free it; connect_err is rfcomm_connect's result. After a
 * connect that failed: the exit code, reported, when a request explains the
 * failure, else -1 for the caller to report the connect's own error (always
 * for -EINTR). After one that worked: CLI_EXIT_OK, or the exit code when the
 * new key could not be stored. A request noted but not answered is refused
 * when the connect failed.
 */
int cli_connect_auth_finish(struct cli_connect_auth *ca, int connect_err);

#endif
