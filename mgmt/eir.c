#include "mgmt/eir.h"

#include <errno.h>
#include <string.h>

#define EIR_UUID16_SOME 0x02
#define EIR_UUID16_ALL 0x03
#define EIR_NAME_SHORT 0x08
#define EIR_NAME_COMPLETE 0x09
#define EIR_CLASS_OF_DEVICE 0x0D

static void set_name(struct eir_info *out, const uint8_t *p, size_t n,
		     bool complete)
{
	/* A complete name wins over a shortened one, whatever the order. */
	if (out->has_name && out->name_complete && !complete)
		return;
	if (n > EIR_NAME_MAX - 1)
		n = EIR_NAME_MAX - 1;
	for (size_t i = 0; i < n; i++) {
		char c = (char)p[i];

		if (c == '\0') {
			n = i;
			break;
		}
		out->name[i] = ((unsigned char)c < 0x20 || c == 0x7f) ? '?' : c;
	}
	out->name[n] = '\0';
	out->has_name = true;
	out->name_complete = complete;
}

int eir_parse(const uint8_t *eir, size_t len, struct eir_info *out)
{
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	while (pos < len) {
		size_t field = eir[pos];
		const uint8_t *data;
		size_t n;
		uint8_t type;

		if (field == 0)
			break; /* the rest is padding */
		if (field > len - pos - 1)
			return -EBADMSG;
		type = eir[pos + 1];
		data = eir + pos + 2;
		n = field - 1;
		switch (type) {
		case EIR_NAME_SHORT:
		case EIR_NAME_COMPLETE:
			set_name(out, data, n, type == EIR_NAME_COMPLETE);
			break;
		case EIR_CLASS_OF_DEVICE:
			if (n != 3)
				return -EBADMSG;
			out->has_class = true;
			out->dev_class = (uint32_t)data[0] |
					 (uint32_t)data[1] << 8 |
					 (uint32_t)data[2] << 16;
			break;
		case EIR_UUID16_SOME:
		case EIR_UUID16_ALL:
			if (n % 2)
				return -EBADMSG;
			for (size_t i = 0; i < n; i += 2)
				if (out->uuid16_count < EIR_MAX_UUID16)
					out->uuid16[out->uuid16_count++] =
						(uint16_t)(data[i] |
							   data[i + 1] << 8);
			break;
		default:
			break; /* other fields: not ours to read */
		}
		pos += 1 + field;
	}
	return 0;
}

const char *eir_major_class_str(uint32_t dev_class)
{
	static const char *const major[] = {
		"Miscellaneous", "Computer",   "Phone",	  "Network",
		"Audio/Video",	 "Peripheral", "Imaging", "Wearable",
		"Toy",		 "Health",
	};
	unsigned int m = (dev_class >> 8) & 0x1f;

	if (m < sizeof(major) / sizeof(major[0]))
		return major[m];
	return m == 0x1f ? "Uncategorized" : "Reserved";
}
