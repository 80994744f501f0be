/*
 * Extended Inquiry Response data, as Device Found carries it: a run of
 * length-type-value fields. Parsing is a pure function over the bytes.
 */
#ifndef BTPAIR_MGMT_EIR_H
#define BTPAIR_MGMT_EIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EIR_MAX_UUID16 32
#define EIR_NAME_MAX 249 /* 248 bytes and a NUL */

struct eir_info {
	bool has_name;
	bool name_complete; /* a complete name, not a shortened one */
	char name[EIR_NAME_MAX];
	bool has_class;
	uint32_t dev_class; /* 24 bits */
	size_t uuid16_count;
	uint16_t uuid16[EIR_MAX_UUID16];
};

/*
 * Parse eir (len bytes) into out. A zero length field ends the data (the
 * rest is padding). Returns 0, or -EBADMSG when a field runs past the end or
 * a known field has the wrong size; out then holds nothing trustworthy.
 * Control characters in names are replaced with '?'.
 */
int eir_parse(const uint8_t *eir, size_t len, struct eir_info *out);

/* The major device class in words ("Phone", "Computer", "Uncategorized"). */
const char *eir_major_class_str(uint32_t dev_class);

#endif
