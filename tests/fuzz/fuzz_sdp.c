/*
 * Fuzz the SDP client's response parser. The input is what a device would
 * send: one or more Service Search Attribute Response PDUs back to back
 * (each 5 header bytes and the length its header gives), parsed as the
 * client parses them, continuation states and all, and then the assembled
 * attribute lists searched for the RFCOMM channel. The whole input is also
 * searched as attribute lists on its own, since that parser sees bytes the
 * PDU layer only frames.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rfcomm/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small enough that the fuzzer reaches the "lists over cap" path. */
#define LISTS_CAP 1024

static void check_channel(int ch)
{
	if (ch > 30 || ch == 0 || (ch < 0 && ch != -ENOENT && ch != -EBADMSG))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *lists = malloc(LISTS_CAP), cont[17];
	size_t len = 0, pos = 0, cont_len = 0;
	uint16_t tid = 1;

	if (!lists)
		return 0;
	while (size - pos >= 5) {
		size_t pdu_len = 5 +
				 ((size_t)data[pos + 3] << 8 | data[pos + 4]);
		uint8_t *pdu;
		int err;

		if (pdu_len > size - pos)
			pdu_len = size - pos;
		/* An exactly sized copy: ASan sees any read past the PDU. */
		pdu = malloc(pdu_len);
		if (!pdu)
			break;
		memcpy(pdu, data + pos, pdu_len);
		/* The transaction ID of the request it answers is the one in
		 * the PDU: a mismatch is rejected before anything else. */
		tid = (uint16_t)(pdu[1] << 8 | pdu[2]);
		err = sdp_parse_response(pdu, pdu_len, tid, lists, LISTS_CAP,
					 &len, cont, &cont_len);
		free(pdu);
		if (err != 0 && err != -EBADMSG && err != -ENOBUFS)
			abort();
		if (len > LISTS_CAP || (err == 0 && cont_len > 16))
			abort();
		if (err < 0)
			break;
		pos += pdu_len;
		if (cont_len == 0)
			break;
	}
	check_channel(sdp_find_rfcomm_channel(lists, len));
	free(lists);

	lists = malloc(size ? size : 1);
	if (lists) {
		memcpy(lists, data, size);
		check_channel(sdp_find_rfcomm_channel(lists, size));
		free(lists);
	}
	return 0;
}
