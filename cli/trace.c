#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/context.h"
#include "cli/output.h"
#include "cli/common.h"
#include "cli/trace.h"
#include "mgmt/addr.h"
#include "mgmt/eir.h"

const char *cli_event_name(uint16_t code)
{
	/* clang-format off */
	switch ((enum mgmt_event_code)code) {
	case MGMT_EV_CMD_COMPLETE: return "command-complete";
	case MGMT_EV_CMD_STATUS: return "command-status";
	case MGMT_EV_INDEX_ADDED: return "index-added";
	case MGMT_EV_INDEX_REMOVED: return "index-removed";
	case MGMT_EV_NEW_SETTINGS: return "new-settings";
	case MGMT_EV_NEW_LINK_KEY: return "new-link-key";
	case MGMT_EV_DEVICE_CONNECTED: return "connected";
	case MGMT_EV_DEVICE_DISCONNECTED: return "disconnected";
	case MGMT_EV_CONNECT_FAILED: return "connect-failed";
	case MGMT_EV_PIN_CODE_REQUEST: return "pin-request";
	case MGMT_EV_USER_CONFIRM_REQUEST: return "confirm-request";
	case MGMT_EV_USER_PASSKEY_REQUEST: return "passkey-request";
	case MGMT_EV_AUTH_FAILED: return "auth-failed";
	case MGMT_EV_DEVICE_UNPAIRED: return "unpaired";
	case MGMT_EV_PASSKEY_NOTIFY: return "passkey-notify";
	case MGMT_EV_DEVICE_FOUND: return "device-found";
	case MGMT_EV_DISCOVERING: return "discovering";
	}
	/* clang-format on */
	return "unknown-event";
}

static const char *disconnect_reason(uint8_t reason)
{
	/* clang-format off */
	switch (reason) {
	case 0: return "unknown";
	case 1: return "timeout";
	case 2: return "local host";
	case 3: return "remote";
	case 4: return "authentication failure";
	case 5: return "local host suspend";
	}
	/* clang-format on */
	return "other";
}

static const char *key_type_name(uint8_t type)
{
	const char *name = mgmt_key_type_str(type);

	return name ? name : "unknown";
}

/* The address an event is about, or NULL. */
static const struct mgmt_addr *event_addr(const struct mgmt_event *ev)
{
	/* clang-format off */
	switch ((enum mgmt_event_code)ev->code) {
	case MGMT_EV_NEW_LINK_KEY: return &ev->new_link_key.key.addr;
	case MGMT_EV_DEVICE_CONNECTED: return &ev->connected.addr;
	case MGMT_EV_DEVICE_DISCONNECTED: return &ev->disconnected.addr;
	case MGMT_EV_CONNECT_FAILED: return &ev->connect_failed.addr;
	case MGMT_EV_PIN_CODE_REQUEST: return &ev->pin_request.addr;
	case MGMT_EV_USER_CONFIRM_REQUEST: return &ev->confirm_request.addr;
	case MGMT_EV_USER_PASSKEY_REQUEST: return &ev->passkey_request.addr;
	case MGMT_EV_AUTH_FAILED: return &ev->auth_failed.addr;
	case MGMT_EV_DEVICE_UNPAIRED: return &ev->unpaired.addr;
	case MGMT_EV_PASSKEY_NOTIFY: return &ev->passkey_notify.addr;
	case MGMT_EV_DEVICE_FOUND: return &ev->device_found.addr;
	case MGMT_EV_DISCOVERING:
	case MGMT_EV_CMD_COMPLETE:
	case MGMT_EV_CMD_STATUS:
	case MGMT_EV_INDEX_ADDED:
	case MGMT_EV_INDEX_REMOVED:
	case MGMT_EV_NEW_SETTINGS:
		return NULL;
	}
	/* clang-format on */
	return NULL;
}

/*
 * Where an event's fields go: the keys of a JSON object (j), or the tail of
 * a text line. Each field is given to both; the one not being written
 * ignores it, so one description serves `monitor`, the trace and --json.
 */
struct event_out {
	struct json *j; /* NULL: text */
	char *text;
	size_t size, len;
};

static void put_text(struct event_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put_text(struct event_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->j || o->len + 1 >= o->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->text + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n < o->size - o->len ? (size_t)n :
							 o->size - o->len - 1;
}

static void put_int(struct event_out *o, const char *key, long long val)
{
	if (o->j)
		json_int(o->j, key, val);
}

static void put_str(struct event_out *o, const char *key, const char *val)
{
	if (o->j)
		json_str(o->j, key, val);
}

static void put_bool(struct event_out *o, const char *key, bool val)
{
	if (o->j)
		json_bool(o->j, key, val);
}

static void put_settings(struct event_out *o, uint32_t settings)
{
	if (o->j) {
		const char *names[33];

		cli_settings_names(settings, names);
		json_str_array(o->j, "settings", names);
	} else {
		char s[200];

		cli_settings_str(settings, s, sizeof(s));
		put_text(o, " %s", s);
	}
}

/* The name a Device Connected event brings, or NULL. */
static const char *connected_name(const struct mgmt_event *ev,
				  struct eir_info *eir)
{
	if (eir_parse(ev->connected.eir, ev->connected.eir_len, eir) ||
	    !eir->has_name)
		return NULL;
	return eir->name;
}

/*
 * What an event says beyond its index and address: JSON keys, and text
 * after a space ("" when nothing). One case per event kind; each JSON key is
 * always there, null where unknown.
 */
static void event_fields(const struct mgmt_event *ev, struct event_out *o)
{
	const struct mgmt_ev_addr_byte *ab = &ev->addr_byte;
	const char *str;
	struct eir_info eir;

	switch ((enum mgmt_event_code)ev->code) {
	case MGMT_EV_CMD_COMPLETE:
	case MGMT_EV_CMD_STATUS:
		str = mgmt_opcode_str(ev->cmd.opcode);
		put_int(o, "opcode", ev->cmd.opcode);
		put_int(o, "status", ev->cmd.status);
		put_text(o, " %s (0x%04x) status 0x%02x (%s)", str ? str : "?",
			 ev->cmd.opcode, ev->cmd.status,
			 cli_status_name(ev->cmd.status));
		break;
	case MGMT_EV_NEW_SETTINGS:
		put_settings(o, ev->new_settings.settings);
		break;
	case MGMT_EV_NEW_LINK_KEY:
		str = key_type_name(ev->new_link_key.key.type);
		put_str(o, "key_type", str);
		put_int(o, "store_hint", ev->new_link_key.store_hint);
		put_text(o, " type %s, store hint %u", str,
			 ev->new_link_key.store_hint);
		break;
	case MGMT_EV_DEVICE_DISCONNECTED:
		str = disconnect_reason(ab->reason);
		put_str(o, "reason", str);
		put_text(o, " reason %s", str);
		break;
	case MGMT_EV_CONNECT_FAILED:
	case MGMT_EV_AUTH_FAILED:
		put_int(o, "status", ab->status);
		put_text(o, " status 0x%02x (%s)", ab->status,
			 cli_status_name(ab->status));
		break;
	case MGMT_EV_PIN_CODE_REQUEST:
		put_bool(o, "secure", ab->secure);
		if (ab->secure)
			put_text(o, " secure (16-byte PIN)");
		break;
	case MGMT_EV_USER_CONFIRM_REQUEST:
		put_int(o, "value", ev->confirm_request.value);
		put_bool(o, "just_works", ev->confirm_request.confirm_hint);
		put_text(o, " %06u%s", ev->confirm_request.value,
			 ev->confirm_request.confirm_hint ? " (just works)" :
							    "");
		break;
	case MGMT_EV_PASSKEY_NOTIFY:
		put_int(o, "passkey", ev->passkey_notify.passkey);
		put_int(o, "entered", ev->passkey_notify.entered);
		put_text(o, " %06u entered %u", ev->passkey_notify.passkey,
			 ev->passkey_notify.entered);
		break;
	case MGMT_EV_DEVICE_FOUND:
		put_int(o, "rssi", ev->device_found.rssi);
		put_text(o, " rssi %d flags 0x%x", ev->device_found.rssi,
			 ev->device_found.flags);
		break;
	case MGMT_EV_DISCOVERING:
		put_bool(o, "discovering", ev->discovering.discovering);
		put_text(o, " %s",
			 ev->discovering.discovering ? "started" : "stopped");
		break;
	case MGMT_EV_DEVICE_UNPAIRED:
		/* The same keys as the unpair command's event: the kernel
		 * dropped it; the store is not its business. */
		put_bool(o, "kernel", true);
		put_str(o, "stored", NULL);
		break;
	case MGMT_EV_DEVICE_CONNECTED:
		put_str(o, "name", connected_name(ev, &eir));
		break;
	case MGMT_EV_INDEX_ADDED:
	case MGMT_EV_INDEX_REMOVED:
	case MGMT_EV_USER_PASSKEY_REQUEST:
		break;
	}
}

void cli_event_describe(const struct mgmt_event *ev, char *buf, size_t size)
{
	const struct mgmt_addr *addr = event_addr(ev);
	char a[BT_ADDR_STRLEN] = "", detail[256] = "";
	struct event_out o = { .text = detail, .size = sizeof(detail) };

	if (addr)
		bt_addr_format(&addr->bdaddr, a);
	event_fields(ev, &o);

	if (ev->index == MGMT_INDEX_NONE)
		snprintf(buf, size, "%s%s%s%s", cli_event_name(ev->code),
			 addr ? " " : "", a, detail);
	else
		snprintf(buf, size, "hci%u %s%s%s%s", ev->index,
			 cli_event_name(ev->code), addr ? " " : "", a, detail);
}

void cli_event_json(const struct mgmt_event *ev, struct json *j)
{
	const struct mgmt_addr *addr = event_addr(ev);
	struct event_out o = { .j = j };

	/* Every event type has one key set: index always (null for events
	 * about no controller), address for those about a device. */
	json_index(j, ev->index);
	if (addr)
		json_addr(j, "address", &addr->bdaddr);
	event_fields(ev, &o);
}

static void hex_dump(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i += 16) {
		fprintf(stderr, "    ");
		for (size_t k = i; k < len && k < i + 16; k++)
			fprintf(stderr, " %02x", p[k]);
		fputc('\n', stderr);
	}
}

void cli_trace(void *data, bool outgoing, uint16_t code, uint16_t index,
	       const uint8_t *param, size_t len)
{
	/* Room to rebuild a message for the decoder; len never exceeds it. */
	static uint8_t msgbuf[sizeof(struct mgmt_msg) + MGMT_MAX_PARAM_LEN];
	struct mgmt_msg *msg = (struct mgmt_msg *)msgbuf;
	struct cli *cli = data;
	struct mgmt_event ev;
	char line[512];

	if (len > MGMT_MAX_PARAM_LEN)
		return;
	if (outgoing) {
		const char *name = mgmt_opcode_str(code);
		char idx[16] = "-", a[BT_ADDR_STRLEN] = "";

		if (index != MGMT_INDEX_NONE)
			snprintf(idx, sizeof(idx), "hci%u", index);
		/* The device commands btpair sends, PIN Code Reply onwards,
		 * all start with the address (Set IO Capability excepted). */
		if (len >= sizeof(struct mgmt_wire_addr) &&
		    code >= MGMT_OP_PIN_CODE_REPLY &&
		    code != MGMT_OP_SET_IO_CAPABILITY)
			bt_addr_format((const bdaddr_t *)param, a);
		fprintf(stderr, "> %s %s (0x%04x) len %zu%s%s\n", idx,
			name ? name : "?", code, len, a[0] ? " " : "", a);
	} else {
		msg->code = code;
		msg->index = index;
		msg->len = (uint16_t)len;
		memcpy(msg->param, param, len);
		if (mgmt_event_decode(msg, &ev) == 0) {
			cli_event_describe(&ev, line, sizeof(line));
			fprintf(stderr, "< %s\n", line);
		} else {
			const char *name = mgmt_event_str(code);

			fprintf(stderr,
				"< %s (0x%04x) index 0x%04x len %zu%s\n",
				name ? name : "unknown event", code, index, len,
				name ? " (malformed)" : "");
		}
	}
	if (cli->verbose >= 2 && len) {
		/* The copy is redacted before it is shown: no PIN, no key. */
		memcpy(msg->param, param, len);
		mgmt_redact(outgoing, code, msg->param, len);
		hex_dump(msg->param, len);
	}
	explicit_bzero(msg->param, len);
}
