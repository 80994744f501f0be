/* PINs from the command line, a file or the environment (pin.c). */
#ifndef BTPAIR_CLI_PIN_H
#define BTPAIR_CLI_PIN_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/context.h"
#include "mgmt/wire.h"

#define CLI_MAX_PINS 16

struct cli_pins {
	char *pins[CLI_MAX_PINS];
	size_t count;
};

/* Add one PIN from the command line. Returns false (after a usage error)
 * when it is empty, over 16 bytes, or one too many. */
bool cli_pins_add(struct cli *cli, struct cli_pins *pins, const char *cmd,
		  const char *pin);

/*
 * Take BTPAIR_PIN out of the environment, once, at start: its value is kept
 * in memory and wiped where the kernel shows it (/proc/PID/environ), and the
 * variable removed, so no child (--exec, a pty process) inherits it.
 */
void cli_pin_env_take(void);
/* BTPAIR_PIN as it was at start, or NULL. */
const char *cli_pin_env(void);

/* PINs come from --pin or from --pin-file: false, after a usage error,
 * when both were given. */
bool cli_pins_one_source(struct cli *cli, const char *cmd,
			 const struct cli_pins *pins, const char *pin_file);

/* A PIN file's bytes, read once; regular when it can be read again. */
struct cli_pin_text {
	char *data;
	size_t len;
	bool regular;
};

/*
 * Read a PIN file whole: path, or "-" for standard input; a regular file or
 * a pipe (so that --pin-file <(command) works), at most PIN_FILE_MAX_SIZE
 * bytes (pin/file.h). Warns when group or others can read it. Returns
 * CLI_EXIT_OK, or the exit code (2) after reporting. Free t with
 * cli_pin_text_free.
 */
int cli_pin_file_read(struct cli *cli, const char *cmd, const char *path,
		      struct cli_pin_text *t);
void cli_pin_text_free(struct cli_pin_text *t);
/*
 * Parse a PIN file's text (the grammar of pin/file.h) and report what
 * refuses it, naming path and line. With addr, the device's PINs are added
 * to pins in the order pin_file_lookup gives; none is an error ("no PIN
 * for ADDR in FILE"). Without addr, the file is only checked. Returns
 * CLI_EXIT_OK or 2 after reporting.
 */
int cli_pin_file_parse(struct cli *cli, struct cli_pins *pins, const char *cmd,
		       const char *path, const struct cli_pin_text *t,
		       const bdaddr_t *addr, const char *name);
/* Read and parse in one. */
int cli_pins_from_file(struct cli *cli, struct cli_pins *pins, const char *cmd,
		       const char *path, const bdaddr_t *addr,
		       const char *name);
/*
 * The PINs for a device, from the one source given: --pin (already in pins),
 * else the PIN file, else BTPAIR_PIN; none at all is no error. --pin and
 * --pin-file together are a usage error. Returns the exit code.
 */
int cli_pins_gather(struct cli *cli, struct cli_pins *pins, const char *cmd,
		    const char *pin_file, const bdaddr_t *addr,
		    const char *name);
/* Wipe and free. */
void cli_pins_clear(struct cli_pins *pins);

#endif
