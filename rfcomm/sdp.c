#include "rfcomm/sdp.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bluetooth/l2cap.h>

#include "lib/file.h"
#include "lib/time.h"

#define SDP_PSM 0x0001
#define PDU_ERROR_RSP 0x01
#define PDU_SEARCH_ATTR_REQ 0x06
#define PDU_SEARCH_ATTR_RSP 0x07
#define ATTR_PROTOCOL_DESCRIPTOR_LIST 0x0004
#define UUID_RFCOMM 0x0003
#define MAX_CONT 16
/* Enough for any real device's answer; more is refused, not trusted. */
#define MAX_LISTS 65536
/* Records nested deeper than this are not an SDP answer. */
#define MAX_DEPTH 8

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8); /* SDP is big-endian */
	p[1] = (uint8_t)v;
}

static uint32_t get_be(const uint8_t *p, size_t n)
{
	uint32_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

size_t sdp_encode_search_attr(uint8_t out[static 64], uint16_t tid,
			      uint16_t uuid16, const uint8_t *cont,
			      size_t cont_len)
{
	size_t n = 5;

	if (cont_len > MAX_CONT)
		cont_len = 0;
	out[0] = PDU_SEARCH_ATTR_REQ;
	put16(out + 1, tid);
	/* ServiceSearchPattern: DES { UUID16 } */
	out[n++] = 0x35;
	out[n++] = 3;
	out[n++] = 0x19;
	put16(out + n, uuid16);
	n += 2;
	/* MaximumAttributeByteCount */
	put16(out + n, 0xffff);
	n += 2;
	/* AttributeIDList: DES { UINT16 ProtocolDescriptorList } */
	out[n++] = 0x35;
	out[n++] = 3;
	out[n++] = 0x09;
	put16(out + n, ATTR_PROTOCOL_DESCRIPTOR_LIST);
	n += 2;
	out[n++] = (uint8_t)cont_len;
	if (cont_len)
		memcpy(out + n, cont, cont_len);
	n += cont_len;
	put16(out + 3, (uint16_t)(n - 5));
	return n;
}

int sdp_parse_response(const uint8_t *pdu, size_t pdu_len, uint16_t tid,
		       uint8_t *lists, size_t cap, size_t *len,
		       uint8_t cont[static 17], size_t *cont_len)
{
	size_t plen, count;

	if (pdu_len < 5 || pdu[0] != PDU_SEARCH_ATTR_RSP ||
	    get_be(pdu + 1, 2) != tid)
		return -EBADMSG;
	plen = get_be(pdu + 3, 2);
	if (plen != pdu_len - 5 || plen < 3)
		return -EBADMSG;
	count = get_be(pdu + 5, 2);
	/* count bytes of lists, then the continuation length and state */
	if (count > plen - 3)
		return -EBADMSG;
	*cont_len = pdu[7 + count];
	if (*cont_len > MAX_CONT || 7 + count + 1 + *cont_len != pdu_len)
		return -EBADMSG;
	if (count > cap - *len)
		return -ENOBUFS;
	memcpy(lists + *len, pdu + 7, count);
	*len += count;
	memcpy(cont, pdu + 8 + count, *cont_len);
	return 0;
}

struct elem {
	uint8_t type;
	const uint8_t *data; /* the value (for a sequence: its elements) */
	size_t len;
};

/* Read the data element at *p (within end); advance *p past it. */
static int read_elem(const uint8_t **p, const uint8_t *end, struct elem *e)
{
	static const size_t fixed[] = { 1, 2, 4, 8, 16 };
	uint8_t d, idx;
	size_t avail = (size_t)(end - *p), hdr = 1, len;

	if (avail < 1)
		return -EBADMSG;
	d = (*p)[0];
	e->type = d >> 3;
	idx = d & 7;
	if (e->type == 0) {
		len = 0; /* nil */
	} else if (idx <= 4) {
		len = fixed[idx];
	} else {
		size_t n = (size_t)1 << (idx - 5); /* 1, 2 or 4 length bytes */

		if (avail < 1 + n)
			return -EBADMSG;
		len = get_be(*p + 1, n);
		hdr += n;
	}
	if (len > avail - hdr)
		return -EBADMSG;
	e->data = *p + hdr;
	e->len = len;
	*p += hdr + len;
	return 0;
}

static bool is_uuid16(const struct elem *e, uint16_t uuid)
{
	return e->type == 3 && e->len == 2 && get_be(e->data, 2) == uuid;
}

/* In a ProtocolDescriptorList value: the RFCOMM descriptor's channel. */
static int channel_in_pdl(const struct elem *pdl)
{
	const uint8_t *p = pdl->data, *end = pdl->data + pdl->len;

	if (pdl->type != 6)
		return -EBADMSG;
	while (p < end) {
		struct elem desc, uuid, chan;
		const uint8_t *q;

		if (read_elem(&p, end, &desc) < 0 || desc.type != 6)
			return -EBADMSG;
		q = desc.data;
		if (read_elem(&q, desc.data + desc.len, &uuid) < 0)
			return -EBADMSG;
		if (!is_uuid16(&uuid, UUID_RFCOMM))
			continue;
		if (read_elem(&q, desc.data + desc.len, &chan) < 0 ||
		    chan.type != 1 || chan.len != 1)
			return -EBADMSG;
		if (chan.data[0] < 1 || chan.data[0] > 30)
			return -EBADMSG;
		return chan.data[0];
	}
	return -ENOENT;
}

int sdp_find_rfcomm_channel(const uint8_t *lists, size_t len)
{
	const uint8_t *p = lists, *end = lists + len;
	struct elem all;
	int found = -ENOENT;

	if (read_elem(&p, end, &all) < 0 || all.type != 6 || p != end)
		return -EBADMSG;
	p = all.data;
	end = all.data + all.len;
	while (p < end) {
		struct elem rec;
		const uint8_t *q;

		if (read_elem(&p, end, &rec) < 0 || rec.type != 6)
			return -EBADMSG;
		q = rec.data;
		/* Attribute ID, value, attribute ID, value, ... */
		while (q < rec.data + rec.len) {
			struct elem id, val;
			int ch;

			if (read_elem(&q, rec.data + rec.len, &id) < 0 ||
			    id.type != 1 || id.len != 2 ||
			    read_elem(&q, rec.data + rec.len, &val) < 0)
				return -EBADMSG;
			if (get_be(id.data, 2) != ATTR_PROTOCOL_DESCRIPTOR_LIST)
				continue;
			ch = channel_in_pdl(&val);
			if (ch == -EBADMSG)
				return ch;
			if (ch > 0 && found == -ENOENT)
				found = ch;
		}
	}
	return found;
}

int sdp_query_rfcomm_channel(int fd, uint16_t uuid16, int64_t deadline,
			     int wakeup_fd)
{
	static uint8_t lists[MAX_LISTS];
	uint8_t req[64], rsp[4096], cont[MAX_CONT + 1];
	size_t len = 0, cont_len = 0;
	uint16_t tid = 1;
	int ret;

	/* Each round: send a request, wait for its answer; until the
	 * answer carries no continuation state. */
	for (int round = 0; round < SDP_MAX_ROUNDS; round++, tid++) {
		size_t n = sdp_encode_search_attr(req, tid, uuid16, cont,
						  cont_len);
		struct iovec iov = { .iov_base = rsp, .iov_len = sizeof(rsp) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		socklen_t sl = sizeof(int);
		int soerr = 0;
		ssize_t got;

		ret = time_wait_fd(fd, POLLOUT, deadline, wakeup_fd);
		if (ret == 0 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 &&
		    soerr)
			ret = -soerr;
		if (ret == 0 && send(fd, req, n, MSG_NOSIGNAL) < 0)
			ret = -errno;
		if (ret == 0)
			ret = time_wait_fd(fd, POLLIN, deadline, wakeup_fd);
		if (ret < 0)
			return ret;
		got = recvmsg(fd, &msg, 0);
		if (got <= 0)
			return got < 0 ? -errno : -ECONNRESET;
		/* A PDU longer than rsp: its header may describe only the
		 * part that fit. */
		if (msg.msg_flags & MSG_TRUNC)
			return -EBADMSG;
		ret = sdp_parse_response(rsp, (size_t)got, tid, lists,
					 sizeof(lists), &len, cont, &cont_len);
		if (ret < 0)
			return ret;
		if (cont_len == 0)
			return sdp_find_rfcomm_channel(lists, len);
	}
	return -EBADMSG; /* a server that never finishes its answer */
}

int sdp_lookup_rfcomm_channel(const bdaddr_t *local, const bdaddr_t *addr,
			      uint16_t uuid16, int64_t deadline, int wakeup_fd)
{
	struct sockaddr_l2 src = { .l2_family = AF_BLUETOOTH };
	struct sockaddr_l2 dst = { .l2_family = AF_BLUETOOTH,
				   .l2_psm = htobs(SDP_PSM) };
	int fd, ret;

	bacpy(&src.l2_bdaddr, local);
	bacpy(&dst.l2_bdaddr, addr);
	fd = file_socket_bound(AF_BLUETOOTH, SOCK_SEQPACKET, BTPROTO_L2CAP,
			       &src, sizeof(src));
	if (fd < 0)
		return fd;
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0 &&
	    errno != EINPROGRESS)
		ret = -errno;
	else
		ret = sdp_query_rfcomm_channel(fd, uuid16, deadline, wakeup_fd);
	close(fd);
	return ret;
}
