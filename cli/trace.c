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

/* The status of Connect Failed or Authentication Failed. */
static uint8_t failure_status(const struct mgmt_event *ev)
{
	return ev->code == MGMT_EV_AUTH_FAILED ? ev->auth_failed.status :
						 ev->connect_failed.status;
}

/* What an event says beyond its name and address, after a space ("" when
 * nothing). One case per event kind. */
static void event_detail(const struct mgmt_event *ev, char *detail, size_t size)
{
	const char *opname;

	switch ((enum mgmt_event_code)ev->code) {
	case MGMT_EV_CMD_COMPLETE:
	case MGMT_EV_CMD_STATUS:
		opname = mgmt_opcode_str(ev->cmd.opcode);
		snprintf(detail, size, " %s (0x%04x) status 0x%02x (%s)",
			 opname ? opname : "?", ev->cmd.opcode, ev->cmd.status,
			 cli_status_name(ev->cmd.status));
		break;
	case MGMT_EV_NEW_SETTINGS: {
		char s[200];

		cli_settings_str(ev->new_settings.settings, s, sizeof(s));
		snprintf(detail, size, " %s", s);
		break;
	}
	case MGMT_EV_NEW_LINK_KEY:
		snprintf(detail, size, " type %s, store hint %u",
			 key_type_name(ev->new_link_key.key.type),
			 ev->new_link_key.store_hint);
		break;
	case MGMT_EV_DEVICE_DISCONNECTED:
		snprintf(detail, size, " reason %s",
			 disconnect_reason(ev->disconnected.reason));
		break;
	case MGMT_EV_CONNECT_FAILED:
	case MGMT_EV_AUTH_FAILED:
		snprintf(detail, size, " status 0x%02x (%s)",
			 failure_status(ev),
			 cli_status_name(failure_status(ev)));
		break;
	case MGMT_EV_PIN_CODE_REQUEST:
		if (ev->pin_request.secure)
			snprintf(detail, size, " secure (16-byte PIN)");
		break;
	case MGMT_EV_USER_CONFIRM_REQUEST:
		snprintf(detail, size, " %06u%s", ev->confirm_request.value,
			 ev->confirm_request.confirm_hint ? " (just works)" :
							    "");
		break;
	case MGMT_EV_PASSKEY_NOTIFY:
		snprintf(detail, size, " %06u entered %u",
			 ev->passkey_notify.passkey,
			 ev->passkey_notify.entered);
		break;
	case MGMT_EV_DEVICE_FOUND:
		snprintf(detail, size, " rssi %d flags 0x%x",
			 ev->device_found.rssi, ev->device_found.flags);
		break;
	case MGMT_EV_DISCOVERING:
		snprintf(detail, size, " %s",
			 ev->discovering.discovering ? "started" : "stopped");
		break;
	case MGMT_EV_INDEX_ADDED:
	case MGMT_EV_INDEX_REMOVED:
	case MGMT_EV_DEVICE_CONNECTED:
	case MGMT_EV_USER_PASSKEY_REQUEST:
	case MGMT_EV_DEVICE_UNPAIRED:
		break;
	}
}

void cli_event_describe(const struct mgmt_event *ev, char *buf, size_t size)
{
	const struct mgmt_addr *addr = event_addr(ev);
	char a[BT_ADDR_STRLEN] = "", detail[256] = "";

	if (addr)
		bt_addr_format(&addr->bdaddr, a);
	event_detail(ev, detail, sizeof(detail));

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
	char a[BT_ADDR_STRLEN];

	/* Every event type has one key set: index always (null for events
	 * about no controller), address for those about a device. */
	json_index(j, ev->index);
	if (addr)
		json_str(j, "address", bt_addr_format(&addr->bdaddr, a));

	switch ((enum mgmt_event_code)ev->code) {
	case MGMT_EV_CMD_COMPLETE:
	case MGMT_EV_CMD_STATUS:
		json_int(j, "opcode", ev->cmd.opcode);
		json_int(j, "status", ev->cmd.status);
		break;
	case MGMT_EV_NEW_SETTINGS: {
		const char *names[33];

		cli_settings_names(ev->new_settings.settings, names);
		json_str_array(j, "settings", names);
		break;
	}
	case MGMT_EV_NEW_LINK_KEY:
		json_str(j, "key_type",
			 key_type_name(ev->new_link_key.key.type));
		json_int(j, "store_hint", ev->new_link_key.store_hint);
		break;
	case MGMT_EV_DEVICE_DISCONNECTED:
		json_str(j, "reason",
			 disconnect_reason(ev->disconnected.reason));
		break;
	case MGMT_EV_CONNECT_FAILED:
	case MGMT_EV_AUTH_FAILED:
		json_int(j, "status", failure_status(ev));
		break;
	case MGMT_EV_PIN_CODE_REQUEST:
		json_bool(j, "secure", ev->pin_request.secure);
		break;
	case MGMT_EV_USER_CONFIRM_REQUEST:
		json_int(j, "value", ev->confirm_request.value);
		json_bool(j, "just_works", ev->confirm_request.confirm_hint);
		break;
	case MGMT_EV_PASSKEY_NOTIFY:
		json_int(j, "passkey", ev->passkey_notify.passkey);
		json_int(j, "entered", ev->passkey_notify.entered);
		break;
	case MGMT_EV_DEVICE_FOUND:
		json_int(j, "rssi", ev->device_found.rssi);
		break;
	case MGMT_EV_DISCOVERING:
		json_bool(j, "discovering", ev->discovering.discovering);
		break;
	case MGMT_EV_DEVICE_UNPAIRED:
		/* The same keys as the unpair command's event: the kernel
		 * dropped it; the store is not its business. */
		json_bool(j, "kernel", true);
		json_null(j, "stored");
		break;
	case MGMT_EV_DEVICE_CONNECTED: {
		struct eir_info eir;

		if (eir_parse(ev->connected.eir, ev->connected.eir_len, &eir) ||
		    !eir.has_name)
			json_null(j, "name");
		else
			json_str(j, "name", eir.name);
		break;
	}
	case MGMT_EV_INDEX_ADDED:
	case MGMT_EV_INDEX_REMOVED:
	case MGMT_EV_USER_PASSKEY_REQUEST:
		break;
	}
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
