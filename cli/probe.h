/*
 * What `btpair doctor` reads besides the management socket: rfkill, the
 * processes running, the kernel's link key list in debugfs, bluetoothd's
 * and the agent unit's settings, PIN files. Paths are parameters, so that
 * tests can point them at files of their own.
 *
 * Functions return 0 or -errno and never print. Nothing here keeps a PIN
 * or a link key: what is read for them is wiped before it is freed.
 */
#ifndef BTPAIR_CLI_PROBE_H
#define BTPAIR_CLI_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <bluetooth/bluetooth.h>

#define PROBE_RFKILL_DEV "/dev/rfkill"
#define PROBE_SYSFS_BLUETOOTH "/sys/class/bluetooth"
#define PROBE_SYSFS_RFKILL "/sys/class/rfkill"
#define PROBE_DEBUGFS_BLUETOOTH "/sys/kernel/debug/bluetooth"

/* ---- rfkill -------------------------------------------------------- */

/* The kernel's struct rfkill_event (linux/rfkill.h): 8 bytes. */
#define PROBE_RFKILL_EVENT_SIZE 8
#define PROBE_RFKILL_TYPE_BLUETOOTH 2

enum probe_rfkill_op {
	PROBE_RFKILL_OP_ADD = 0,
	PROBE_RFKILL_OP_DEL = 1,
	PROBE_RFKILL_OP_CHANGE = 2,
	PROBE_RFKILL_OP_CHANGE_ALL = 3,
};

struct probe_rfkill {
	uint32_t idx; /* /sys/class/rfkill/rfkill<idx> */
	uint8_t type;
	uint8_t op;
	bool soft, hard;
};

/* Decode one event as read from /dev/rfkill: 0, or -EBADMSG when shorter
 * than the first version of the struct or a block state is not 0 or 1. */
int probe_rfkill_decode(const uint8_t *buf, size_t len,
			struct probe_rfkill *out);

/*
 * The state of every rfkill switch, from the events /dev/rfkill (dev) hands
 * a new reader: additions, then changes. At most max; returns 0 or -errno
 * (-ENOENT: no rfkill in the kernel).
 */
int probe_rfkill_read(const char *dev, struct probe_rfkill *out, size_t max,
		      size_t *count);

/* The rfkill index of controller hciN: the rfkill<idx> entry in
 * bt_class/hciN (normally /sys/class/bluetooth). -ENOENT if it has none. */
int probe_rfkill_of(const char *bt_class, uint16_t index, uint32_t *idx);

/* One switch's state from rf_class/rfkill<idx>/soft and hard. */
int probe_rfkill_sysfs(const char *rf_class, uint32_t idx,
		       struct probe_rfkill *out);

/* Lift the soft block of switch idx: RFKILL_OP_CHANGE written to dev. */
int probe_rfkill_unblock(const char *dev, uint32_t idx);

/* What probe_rfkill_lift found, and did. */
enum probe_rfkill_lift {
	PROBE_RFKILL_NO_SWITCH, /* hciN has no rfkill switch */
	PROBE_RFKILL_CLEAR,	/* not blocked */
	PROBE_RFKILL_SOFT,	/* soft-blocked; lifting it failed */
	PROBE_RFKILL_LIFTED,	/* was soft-blocked, and is no longer */
	PROBE_RFKILL_HARD,	/* hard-blocked: left as it is */
};

/*
 * Make hciN's radio free to power up where software may: a soft block is
 * lifted through dev, a hard one (a switch, a key, the firmware) never
 * touched. *idx is the switch's index when it has one. Returns 0, or -errno
 * when the switch cannot be read (*out left as it was) or the soft block
 * cannot be lifted (*out PROBE_RFKILL_SOFT).
 */
int probe_rfkill_lift(const char *bt_class, const char *rf_class,
		      const char *dev, uint16_t index, uint32_t *idx,
		      enum probe_rfkill_lift *out);

/* ---- Processes ------------------------------------------------------ */

/* The pids whose comm (proc/PID/comm) is name; at most max. */
int probe_find_process(const char *proc, const char *name, pid_t *pids,
		       size_t max, size_t *count);

/* ---- Files ---------------------------------------------------------- */

/* A whole regular file of at most max bytes, NUL-terminated (free with
 * probe_free_text). -EFBIG when bigger, -EBADMSG when not a regular file. */
int probe_read_file(const char *path, size_t max, char **text, size_t *len);
/* Wipe and free what probe_read_file returned. */
void probe_free_text(char *text, size_t len);

/*
 * The kernel's link key list as debugfs shows it (one line per key:
 * address, type, key, PIN length): the addresses only, at most max. The
 * key bytes are never kept. -EBADMSG for a line that does not read so.
 */
int probe_kernel_keys_parse(const char *text, size_t len, bdaddr_t *out,
			    size_t max, size_t *count);
/* The same from debugfs (dir/hci<index>/link_keys): -ENOENT or -EACCES
 * when debugfs is not mounted or not readable. */
int probe_kernel_keys(const char *dir, uint16_t index, bdaddr_t *out,
		      size_t max, size_t *count);

/*
 * KEY=VALUE of a systemd EnvironmentFile (the agent unit's agent.conf):
 * the last assignment wins, quotes are removed. Returns 0, -ENOENT, or
 * -ENAMETOOLONG when the value does not fit in size.
 */
int probe_env_value(const char *text, size_t len, const char *key, char *out,
		    size_t size);

#endif
