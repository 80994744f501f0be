/* Declared serial devices (serial.c). */
#ifndef BTPAIR_CLI_SERIAL_H
#define BTPAIR_CLI_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cli/context.h"

struct serial_entry;
struct serial_state;
struct file_error;
struct rfcomm_dev_state;

/*
 * The /dev/rfcommN that serves entry e among the kernel's bindings, or -1.
 * *known says whether st was filled (from what `serial up` recorded, or the
 * entry's own address).
 */
int cli_serial_bound(const struct serial_entry *e,
		     const struct rfcomm_dev_state *devs, size_t ndevs,
		     struct serial_state *st, bool *known);
/* Whether the pty process serial up started for the entry runs. */
bool cli_serial_pty_running(const struct serial_entry *e);
/* The pid of the entry's retry process (serial up --retry), or 0 when
 * none of ours runs. */
pid_t cli_serial_retrying(const struct serial_entry *e);
/*
 * The line (without "btpair: " or a newline) in which serial up --retry and
 * its retry process say a failed attempt of entry name: msg, what failed;
 * bluetoothd, whether the pairing was refused while bluetoothd runs (then
 * the next step, this entry's); attempt, the count so far; repeated, the
 * same failure as the one before; wait_ms, the wait before the next.
 */
void cli_serial_retry_line(char *buf, size_t size, const char *name,
			   const char *msg, bool bluetoothd,
			   unsigned int attempt, bool repeated,
			   int64_t wait_ms);
/* Report a serial.conf that could not be loaded (err from
 * serial_conf_load); returns the exit code. */
int cli_serial_conf_fail(struct cli *cli, const char *cmd, const char *path,
			 int err, const struct file_error *cerr);

#endif
