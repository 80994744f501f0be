/* Event description (trace.c). */
#ifndef BTPAIR_CLI_TRACE_H
#define BTPAIR_CLI_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/output.h"
#include "mgmt/wire.h"

/* A one-line description of an event ("pin-request 00:11:.. secure"),
 * never containing a PIN or key. Returns buf. */
const char *cli_event_name(uint16_t code);
void cli_event_describe(const struct mgmt_event *ev, char *buf, size_t size);
/* Add the event's fields to a JSON object (never a key or PIN). */
void cli_event_json(const struct mgmt_event *ev, struct json *j);
/* The trace callback behind -v / -vv. */
void cli_trace(void *data, bool outgoing, uint16_t code, uint16_t index,
	       const uint8_t *param, size_t len);

#endif
