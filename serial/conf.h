/*
 * The declared serial devices: /etc/btpair/serial.conf, one device per line,
 *
 *     NAME TARGET [KEY=VALUE...]
 *
 * TARGET an address or name:PATTERN; keys channel=N|auto, pin-file=PATH,
 * dev=N, pty=PATH, controller=hciN|N. '#' starts a comment, blank lines are
 * allowed. NAME is [A-Za-z0-9_-]+ and unique; dev and pty exclude each
 * other. Any error rejects the whole file. Functions never print.
 */
#ifndef BTPAIR_SERIAL_CONF_H
#define BTPAIR_SERIAL_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bluetooth/bluetooth.h>

#define SERIAL_CONF_DEFAULT_PATH "/etc/btpair/serial.conf"
/* A NAME ends up in file names under /run/btpair: keep it short. */
#define SERIAL_NAME_MAX 32
/* A larger file is refused rather than read. */
#define SERIAL_CONF_MAX_SIZE (256 * 1024)

struct serial_entry {
	char name[SERIAL_NAME_MAX + 1];
	unsigned int line; /* where it was declared */
	bool by_name;	   /* TARGET was name:PATTERN */
	bdaddr_t addr;	   /* unless by_name */
	char *pattern;	   /* with by_name: the glob after "name:" */
	uint8_t channel;   /* 0: auto (SDP) */
	char *pin_file;	   /* or NULL */
	int dev;	   /* /dev/rfcommN, -1: the lowest free */
	char *pty;	   /* or NULL; with a pty, dev is -1 */
	int controller;	   /* index, -1: the default */
};

struct serial_conf {
	struct serial_entry *entries;
	size_t count;
};

/* Why a file was refused: line 0 when the file as a whole failed. */
struct serial_conf_error {
	unsigned int line;
	char msg[160];
};

/* The path to use: opt if given, else $BTPAIR_SERIAL_CONF, else the
 * default. */
const char *serial_conf_path(const char *opt);

/*
 * Parse the text of a file (len bytes, NUL bytes refused). Returns 0 with
 * *conf filled (free with serial_conf_free), or -EINVAL with err set and
 * *conf empty, or -ENOMEM.
 */
int serial_conf_parse(const char *text, size_t len, struct serial_conf *conf,
		      struct serial_conf_error *err);

/*
 * Read and parse the file at path. Returns 0, -EINVAL (err says where), or
 * the -errno of opening or reading it (-ENOENT: no file), -EFBIG when it
 * is over SERIAL_CONF_MAX_SIZE or not a regular file.
 */
int serial_conf_load(const char *path, struct serial_conf *conf,
		     struct serial_conf_error *err);

void serial_conf_free(struct serial_conf *conf);

/* The entry called name, or NULL. */
const struct serial_entry *serial_conf_find(const struct serial_conf *conf,
					    const char *name);

/* Whether name is a valid NAME: 1 to SERIAL_NAME_MAX of [A-Za-z0-9_-]. */
bool serial_name_valid(const char *name);

/*
 * What `serial up` made of an entry, kept under SERIAL_RUN_DIR so that
 * `serial down` and `status` know it without a scan (a name: target):
 * "NAME.state" holds address=, channel= and dev= lines; a pty entry's
 * process keeps its id in "NAME.pid". Both go with a reboot.
 */
#define SERIAL_RUN_DIR "/run/btpair"

struct serial_state {
	bdaddr_t addr;
	uint8_t channel;
	int dev; /* -1 for a pty */
};

/* The run directory: $BTPAIR_RUN_DIR, else SERIAL_RUN_DIR. */
const char *serial_run_dir(void);
/* "DIR/NAME.SUFFIX" into buf; -ENAMETOOLONG if it does not fit. */
int serial_run_path(char *buf, size_t size, const char *name,
		    const char *suffix);
/* Read NAME's state: 0, -ENOENT (none), -EBADMSG (not one of ours). */
int serial_state_read(const char *name, struct serial_state *st);
/* Write it atomically (the directory made 0755 if missing). */
int serial_state_write(const char *name, const struct serial_state *st);
/* Remove it; 0 also when there was none. */
int serial_state_remove(const char *name);

#endif
