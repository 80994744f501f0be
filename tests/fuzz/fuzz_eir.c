/*
 * Fuzz the EIR parser: any bytes a Device Found event can carry. Beyond
 * "no crash", what it returns must be sane: a NUL-terminated printable
 * name, a 24-bit class, no more UUIDs than the table holds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/eir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eir_info e;

	if (eir_parse(data, size, &e) < 0)
		return 0;
	if (e.has_name) {
		size_t n = strnlen(e.name, sizeof(e.name));

		if (n == sizeof(e.name))
			abort(); /* not terminated */
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)e.name[i] < 0x20 ||
			    e.name[i] == 0x7f)
				abort(); /* a control character got through */
	}
	if (e.dev_class > 0xffffff || e.uuid16_count > EIR_MAX_UUID16)
		abort();
	if (!eir_major_class_str(e.dev_class))
		abort();
	return 0;
}
