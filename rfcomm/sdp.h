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

/*
 * Ask addr's SDP server (from the adapter at local) for uuid16's RFCOMM
 * channel, until the deadline. Returns the channel or -errno (-ENOENT: no
 * such service).
 */
int sdp_lookup_rfcomm_channel(const bdaddr_t *local, const bdaddr_t *addr,
			      uint16_t uuid16, int64_t deadline, int wakeup_fd);

#endif
