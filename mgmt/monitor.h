/*
 * The kernel's HCI monitor channel (HCI_CHANNEL_MONITOR), read for one
 * thing: who holds Bluetooth sockets. When a monitor socket is bound, the
 * kernel queues on it a replay of every control, raw and user channel
 * socket already open, as HCI_MON_CTRL_OPEN messages carrying the name of
 * the process that bound it; later opens and closes follow as
 * HCI_MON_CTRL_OPEN and HCI_MON_CTRL_CLOSE. Binding one needs CAP_NET_RAW.
 *
 * Functions return 0 or -errno and never print.
 */
#ifndef BTPAIR_MGMT_MONITOR_H
#define BTPAIR_MGMT_MONITOR_H

#include <stddef.h>
#include <stdint.h>

#define MON_HDR_SIZE 6
#define MON_COMM_LEN 16 /* the kernel's TASK_COMM_LEN */

enum mon_opcode {
	MON_OP_CTRL_OPEN = 14,
	MON_OP_CTRL_CLOSE = 15,
};

/* The channel a socket is bound to, as HCI_MON_CTRL_OPEN names it. */
enum mon_format {
	MON_FORMAT_RAW = 0x0000,
	MON_FORMAT_USER = 0x0001,
	MON_FORMAT_CONTROL = 0x0002,
};

/* One open socket, from HCI_MON_CTRL_OPEN. */
struct mon_socket {
	uint32_t cookie; /* the kernel's id for the socket */
	uint16_t format; /* enum mon_format, or another value */
	uint16_t index;	 /* controller, 0xFFFF for none */
	uint32_t flags;	 /* bit 0: trusted (opened with CAP_NET_ADMIN) */
	/* The process name as the kernel keeps it, NUL-terminated; bytes
	 * outside printable ASCII are replaced by '?'. */
	char comm[MON_COMM_LEN + 1];
};

/*
 * Decode one monitor message (header included). HCI_MON_CTRL_OPEN: 0 and
 * *out filled. HCI_MON_CTRL_CLOSE: 1 and out->cookie set. Any other
 * message: -ENOENT. Truncated or inconsistent: -EBADMSG.
 */
int mon_decode(const uint8_t *msg, size_t len, struct mon_socket *out);

/*
 * Open and bind a monitor socket. Returns the fd, -EPERM without
 * CAP_NET_RAW, -EAFNOSUPPORT without Bluetooth, or another -errno.
 */
int mon_open(void);

/*
 * Read what is queued on fd now, without waiting (the replay a fresh
 * monitor socket holds), and collect the sockets it names: opens add,
 * closes remove. At most max are kept (*count says how many); malformed
 * messages are skipped and counted in *bad. Returns 0 or -errno.
 */
int mon_collect(int fd, struct mon_socket *out, size_t max, size_t *count,
		size_t *bad);

#endif
