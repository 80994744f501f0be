/*
 * Just enough SDP to find a device's Serial Port channel: one Service Search
 * Attribute request for UUID 0x1101 over L2CAP PSM 1, and a bounds-checked
 * parser for the answer.
 */
#ifndef BTPAIR_RFCOMM_SDP_H
#define BTPAIR_RFCOMM_SDP_H

#include <stddef.h>
#include <stdint.h>

#include <bluetooth/bluetooth.h>

#define SDP_UUID_SERIAL_PORT 0x1101

/*
 * Encode a Service Search Attribute request for uuid16 asking for the
 * Protocol Descriptor List, with a continuation state (cont_len bytes, at
 * most 16). Returns the length written to out (at most 64 bytes).
 */
size_t sdp_encode_search_attr(uint8_t out[static 64], uint16_t tid,
			      uint16_t uuid16, const uint8_t *cont,
			      size_t cont_len);

/*
 * Parse one Service Search Attribute response PDU for transaction tid:
 * appends its attribute-list bytes to *lists (a buffer of size cap, *len
 * used) and copies the continuation state to cont (*cont_len bytes, 0 when
 * complete). Returns 0 or -EBADMSG (malformed, wrong PDU or transaction,
 * error response), -ENOBUFS (lists over cap).
 */
int sdp_parse_response(const uint8_t *pdu, size_t pdu_len, uint16_t tid,
		       uint8_t *lists, size_t cap, size_t *len,
		       uint8_t cont[static 17], size_t *cont_len);

/*
 * From the complete attribute lists (a data element sequence of records),
 * the RFCOMM channel of the first record that has one. Returns the channel
 * (1..30), -ENOENT when no record carries RFCOMM, or -EBADMSG.
 */
int sdp_find_rfcomm_channel(const uint8_t *lists, size_t len);

/* Requests one query sends at most: a server whose answer needs more
 * continuations than that never finishes it. */
#define SDP_MAX_ROUNDS 64

/*
 * The query itself, on fd: a connected SOCK_SEQPACKET socket to the SDP
 * server (L2CAP PSM 1; a socketpair in tests), blocking or not. Each round
 * sends a Service Search Attribute request for uuid16 (transaction IDs 1,
 * 2, ...; the continuation state of the last answer echoed) and waits for
 * its answer, until an answer carries no continuation state; then the
 * RFCOMM channel of the assembled lists. Returns the channel (1..30) or
 * -errno:
 *   -ENOENT      no record carries RFCOMM;
 *   -EBADMSG     a malformed answer (short, cut, over 4096 bytes, byte
 *                counts that disagree, wrong PDU type or transaction ID,
 *                an Error Response, a continuation state over 16 bytes),
 *                malformed lists, or no last answer within SDP_MAX_ROUNDS
 *                requests;
 *   -ENOBUFS     lists over 64 KiB;
 *   -ECONNRESET  the server closed the link (or sent an empty PDU);
 *   -ETIMEDOUT   the deadline passed (a server that says nothing);
 *   -EINTR       wakeup_fd became readable;
 *   another      the socket's error (a failed connect: EHOSTDOWN, ...).
 * fd is left open, whatever the outcome.
 */
int sdp_query_rfcomm_channel(int fd, uint16_t uuid16, int64_t deadline,
			     int wakeup_fd);

/*
 * Ask addr's SDP server (from the adapter at local) for uuid16's RFCOMM
 * channel, until the deadline: connect, then sdp_query_rfcomm_channel.
 * Returns the channel or -errno as that does, or connect's error.
 */
int sdp_lookup_rfcomm_channel(const bdaddr_t *local, const bdaddr_t *addr,
			      uint16_t uuid16, int64_t deadline, int wakeup_fd);

#endif
