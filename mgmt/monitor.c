#include "mgmt/monitor.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bluetooth/bluetooth.h>
#include <bluetooth/hci.h>

#include "lib/file.h"
#include "mgmt/client.h"
#include "mgmt/wire.h"

#ifndef HCI_CHANNEL_MONITOR
#define HCI_CHANNEL_MONITOR 2
#endif

/*
 * HCI_MON_CTRL_OPEN's parameters (net/bluetooth/hci_sock.c,
 * create_monitor_ctrl_open): cookie (4), format (2), version (1),
 * revision (2), flags (4), the length of the name (1) and the name.
 */
#define CTRL_OPEN_FIXED 14

int mon_decode(const uint8_t *msg, size_t len, struct mon_socket *out)
{
	const uint8_t *p = msg + MON_HDR_SIZE;
	uint16_t opcode, plen;
	size_t comm_len;

	if (len < MON_HDR_SIZE)
		return -EBADMSG;
	opcode = mgmt_get_le16(msg);
	plen = mgmt_get_le16(msg + 4);
	if (plen > len - MON_HDR_SIZE)
		return -EBADMSG;
	if (opcode != MON_OP_CTRL_OPEN && opcode != MON_OP_CTRL_CLOSE)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	out->index = mgmt_get_le16(msg + 2);
	if (plen < 4)
		return -EBADMSG;
	out->cookie = mgmt_get_le32(p);
	if (opcode == MON_OP_CTRL_CLOSE)
		return 1;
	if (plen < CTRL_OPEN_FIXED)
		return -EBADMSG;
	out->format = mgmt_get_le16(p + 4);
	out->flags = mgmt_get_le32(p + 9);
	comm_len = p[13];
	if (comm_len > (size_t)(plen - CTRL_OPEN_FIXED))
		return -EBADMSG;
	if (comm_len > MON_COMM_LEN)
		comm_len = MON_COMM_LEN;
	for (size_t i = 0; i < comm_len; i++) {
		uint8_t c = p[CTRL_OPEN_FIXED + i];

		if (!c)
			break;
		/* A name is whatever a process called itself: keep it
		 * printable, and valid UTF-8 in JSON. */
		out->comm[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	return 0;
}

int mon_open(void)
{
	return mgmt_open_hci_channel(HCI_CHANNEL_MONITOR, SOCK_NONBLOCK);
}

int mon_collect(int fd, struct mon_socket *out, size_t max, size_t *count,
		size_t *bad)
{
	/* A monitor message may carry a whole ACL packet: room for any. */
	static uint8_t buf[MON_HDR_SIZE + 0xFFFF];

	*count = 0;
	*bad = 0;
	for (;;) {
		struct mon_socket s;
		ssize_t n = file_recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		int kind;

		if (n == -EAGAIN)
			return 0;
		if (n < 0)
			return (int)n;
		if (n == 0)
			return 0; /* a test's peer closed: nothing more */
		kind = mon_decode(buf, (size_t)n, &s);
		if (kind == -EBADMSG) {
			(*bad)++;
			continue;
		}
		if (kind == 1) {
			for (size_t i = 0; i < *count; i++) {
				if (out[i].cookie != s.cookie)
					continue;
				memmove(&out[i], &out[i + 1],
					(*count - i - 1) * sizeof(*out));
				(*count)--;
				break;
			}
			continue;
		}
		if (kind == 0 && *count < max)
			out[(*count)++] = s;
	}
}
