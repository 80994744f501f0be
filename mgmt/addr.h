/* Bluetooth device addresses in text form. */
#ifndef BTPAIR_MGMT_ADDR_H
#define BTPAIR_MGMT_ADDR_H

#include <stdbool.h>
#include <stdint.h>

#include <bluetooth/bluetooth.h>

/* "XX:XX:XX:XX:XX:XX" plus the terminating NUL. */
#define BT_ADDR_STRLEN 18

/*
 * Parse "XX:XX:XX:XX:XX:XX" (hex digits in either case, nothing before or
 * after) into a bdaddr_t, which holds the bytes least significant first as
 * they travel on the wire. Returns 0, or -EINVAL for anything else.
 */
int bt_addr_parse(const char *str, bdaddr_t *out);

/* Format as upper-case "XX:XX:XX:XX:XX:XX"; returns out. */
char *bt_addr_format(const bdaddr_t *addr, char out[static BT_ADDR_STRLEN]);

bool bt_addr_equal(const bdaddr_t *a, const bdaddr_t *b);

#endif
