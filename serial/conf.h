/*
 * The declared serial devices: /etc/btpair/serial.conf, one device per line,
 *
 *     NAME TARGET [KEY=VALUE...]
 *
 * TARGET an address or name:PATTERN; keys channel=N|auto, pin-file=PATH,
 * dev=N, pty=PATH, controller=hciN|N, group=NAME|GID (a pty entry's). '#' starts a comment, blank lines are
 * allowed. NAME is [A-Za-z0-9_-]+ and unique; dev and pty exclude each
 * other. Any error rejects the whole file. Functions never print.
 */
#ifndef BTPAIR_SERIAL_CONF_H
#define BTPAIR_SERIAL_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bluetooth/bluetooth.h>

#include "lib/file.h"

#define SERIAL_CONF_DEFAULT_PATH "/etc/btpair/serial.conf"
/* A NAME ends up in file names under /run/btpair: keep it short. */
#define SERIAL_NAME_MAX 32
/* The longest group= (useradd's limit). */
#define SERIAL_GROUP_MAX 32
/* The group of a pty entry's terminal without group=, as /dev/rfcommN's. */
#define SERIAL_PTY_GROUP "dialout"
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
	char *group;	   /* group= of a pty entry, or NULL */
};

struct serial_conf {
	struct serial_entry *entries;
	size_t count;
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
		      struct file_error *err);

/*
 * Read and parse the file at path. Returns 0, -EINVAL (err says where), or
 * the -errno of opening or reading it (-ENOENT: no file), -EFBIG when it
 * is over SERIAL_CONF_MAX_SIZE or not a regular file.
 */
int serial_conf_load(const char *path, struct serial_conf *conf,
		     struct file_error *err);

void serial_conf_free(struct serial_conf *conf);

/* The entry called name, or NULL. */
const struct serial_entry *serial_conf_find(const struct serial_conf *conf,
					    const char *name);

/* Whether name is a valid NAME: 1 to SERIAL_NAME_MAX of [A-Za-z0-9_-]. */
bool serial_name_valid(const char *name);
/* Whether group may be a group= value: a group name as useradd takes it
 * ([A-Za-z0-9_.-], not starting with '-', an optional trailing '$') or a
 * gid, at most SERIAL_GROUP_MAX bytes. Whether it exists is for the
 * caller. */
bool serial_group_valid(const char *group);

/*
 * What `serial up` made of an entry, kept under SERIAL_RUN_DIR so that
 * `serial down` and `status` know it without a scan (a name: target):
 * "NAME.state" holds address=, channel=, channel-from= and dev= lines; a
 * pty entry's process keeps its id in "NAME.pid", an entry's retry process
 * in "NAME.retry". They go with a reboot.
 */
#define SERIAL_RUN_DIR "/run/btpair"

/* Where an entry's channel came from. */
enum serial_channel_from {
	SERIAL_CHANNEL_UNKNOWN,	   /* a state file of an older btpair */
	SERIAL_CHANNEL_CONF,	   /* channel=N */
	SERIAL_CHANNEL_SDP,	   /* asked now */
	SERIAL_CHANNEL_REMEMBERED, /* what SDP said before */
	_SERIAL_CHANNEL_MAX,
};

/* "conf", "sdp", "remembered"; NULL for SERIAL_CHANNEL_UNKNOWN. */
const char *serial_channel_from_name(enum serial_channel_from from);

struct serial_state {
	bdaddr_t addr;
	uint8_t channel;
	enum serial_channel_from from;
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

/*
 * The channels SDP gave, remembered across reboots so that a paired device
 * that is off at boot still gets its node bound without a page:
 * "DIR/<CONTROLLER ADDR>/<DEVICE ADDR>" holding "channel=N", DIR
 * $BTPAIR_STATE_DIR or SERIAL_STATE_DIR (directories 0755, files 0644,
 * each replaced atomically).
 */
#define SERIAL_STATE_DIR "/var/lib/btpair"

const char *serial_state_dir(void);
/* The channel remembered for dev on ctrl: 0, -ENOENT (none), -EBADMSG. */
int serial_channel_read(const bdaddr_t *ctrl, const bdaddr_t *dev,
			uint8_t *channel);
/* Remember it (nothing written when it is already so). */
int serial_channel_write(const bdaddr_t *ctrl, const bdaddr_t *dev,
			 uint8_t channel);
/* Forget it; 0 also when there was none. */
int serial_channel_forget(const bdaddr_t *ctrl, const bdaddr_t *dev);

/*
 * What a retry process (serial up --retry) says of its failed attempts:
 * the first, each that differs from the one before, and the same one again
 * every SERIAL_RETRY_REMIND attempts, so that a device off for a week
 * leaves a few lines a day in the journal, not thousands.
 */
#define SERIAL_RETRY_REMIND 10

struct serial_retry_log {
	char last[1100];
	unsigned int attempts; /* failed so far */
	unsigned int same;     /* of them, in a row with the last message */
};

/* Count a failed attempt that said msg: whether to say it, and in
 * *repeated whether it is the same as the one before. */
bool serial_retry_log_failure(struct serial_retry_log *log, const char *msg,
			      bool *repeated);

#endif
