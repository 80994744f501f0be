#include "mgmt/addr.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int bt_addr_parse(const char *str, bdaddr_t *out)
{
	bdaddr_t addr;

	if (!str || strlen(str) != BT_ADDR_STRLEN - 1)
		return -EINVAL;

	for (int i = 0; i < 6; i++) {
		const char *p = str + i * 3;
		int hi = hex_value(p[0]), lo = hex_value(p[1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		if (i < 5 && p[2] != ':')
			return -EINVAL;
		/* Text is most significant byte first; the wire is the
		 * reverse. */
		addr.b[5 - i] = (uint8_t)(hi << 4 | lo);
	}
	*out = addr;
	return 0;
}

char *bt_addr_format(const bdaddr_t *addr, char out[static BT_ADDR_STRLEN])
{
	snprintf(out, BT_ADDR_STRLEN, "%02X:%02X:%02X:%02X:%02X:%02X",
		 addr->b[5], addr->b[4], addr->b[3], addr->b[2], addr->b[1],
		 addr->b[0]);
	return out;
}

bool bt_addr_equal(const bdaddr_t *a, const bdaddr_t *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}
