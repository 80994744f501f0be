#include "mgmt/wire.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

/* Event parameter layouts, in the order of mgmt-protocol.rst. */
MGMT_WIRE_STRUCT(mgmt_ev_cmd_complete, 3, {
	uint16_t opcode;
	uint8_t status;
});

MGMT_WIRE_STRUCT(mgmt_ev_new_link_key, 26, {
	uint8_t store_hint;
	struct mgmt_wire_link_key key;
});

MGMT_WIRE_STRUCT(mgmt_ev_device_connected, 13, {
	struct mgmt_wire_addr addr;
	uint32_t flags;
	uint16_t eir_len;
});

/* Disconnected, Connect Failed, PIN Code Request, Authentication Failed */
MGMT_WIRE_STRUCT(mgmt_ev_addr_u8, 8, {
	struct mgmt_wire_addr addr;
	uint8_t value;
});

MGMT_WIRE_STRUCT(mgmt_ev_user_confirm_request, 12, {
	struct mgmt_wire_addr addr;
	uint8_t confirm_hint;
	uint32_t value;
});

MGMT_WIRE_STRUCT(mgmt_ev_device_found, 14, {
	struct mgmt_wire_addr addr;
	int8_t rssi;
	uint32_t flags;
	uint16_t eir_len;
});

MGMT_WIRE_STRUCT(mgmt_ev_passkey_notify, 12, {
	struct mgmt_wire_addr addr;
	uint32_t passkey;
	uint8_t entered;
});

/* The names, made from the lists in wire.h: a table in the order of the
 * values for the sets numbered from 0, else a switch. */
#define NAME_NEXT(name, text) text,
#define NAME_CASE(name, value, text)                                           \
	case name:                                                             \
		return text;
#define EVENT_NAME_CASE(name, value, text, min_len) NAME_CASE(name, value, text)

/* The last code of each list numbered by place, as the protocol gives it. */
_Static_assert(MGMT_STATUS_PERMISSION_DENIED == 0x14, "status list");
_Static_assert(MGMT_SETTING_PAST_RECEIVER == 1u << 24, "setting list");
_Static_assert(MGMT_IO_KEYBOARD_DISPLAY == 0x04, "IO capability list");
_Static_assert(MGMT_KEY_AUTH_P256 == 0x08, "key type list");

static const char *const status_names[] = { MGMT_STATUS_LIST(NAME_NEXT) };
_Static_assert(sizeof(status_names) / sizeof(status_names[0]) ==
		       MGMT_STATUS_COUNT,
	       "a status code has no name");

const char *mgmt_status_str(uint8_t status)
{
	return status < MGMT_STATUS_COUNT ? status_names[status] : NULL;
}

static const char *const setting_names[] = { MGMT_SETTING_LIST(NAME_NEXT) };

const char *mgmt_setting_str(unsigned int bit)
{
	return bit < sizeof(setting_names) / sizeof(setting_names[0]) ?
		       setting_names[bit] :
		       NULL;
}

static const char *const io_cap_names[] = { MGMT_IO_CAP_LIST(NAME_NEXT) };

const char *mgmt_io_cap_str(uint8_t cap)
{
	return cap <= MGMT_IO_KEYBOARD_DISPLAY ? io_cap_names[cap] : NULL;
}

int mgmt_io_cap_parse(const char *str, uint8_t *out)
{
	for (uint8_t i = 0; i <= MGMT_IO_KEYBOARD_DISPLAY; i++) {
		if (str && strcasecmp(str, io_cap_names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *const key_type_names[] = { MGMT_KEY_TYPE_LIST(NAME_NEXT) };

const char *mgmt_key_type_str(uint8_t type)
{
	return type <= MGMT_KEY_AUTH_P256 ? key_type_names[type] : NULL;
}

const char *mgmt_opcode_str(uint16_t opcode)
{
	switch ((enum mgmt_opcode)opcode) {
		MGMT_OPCODE_LIST(NAME_CASE)
	}
	return NULL;
}

const char *mgmt_event_str(uint16_t code)
{
	switch ((enum mgmt_event_code)code) {
		MGMT_EVENT_LIST(EVENT_NAME_CASE)
	}
	return NULL;
}

/* ---- Encoders ---------------------------------------------------------- */

static void put_addr(uint8_t *out, const struct mgmt_addr *addr)
{
	memcpy(out + offsetof(struct mgmt_wire_addr, bdaddr), &addr->bdaddr,
	       sizeof(addr->bdaddr));
	out[offsetof(struct mgmt_wire_addr, type)] = addr->type;
}

static void get_addr(const uint8_t *in, struct mgmt_addr *addr)
{
	memcpy(&addr->bdaddr, in + offsetof(struct mgmt_wire_addr, bdaddr),
	       sizeof(addr->bdaddr));
	addr->type = in[offsetof(struct mgmt_wire_addr, type)];
}

size_t mgmt_cmd_mode(uint8_t out[static 1], bool on)
{
	out[0] = on ? 0x01 : 0x00;
	return 1;
}

size_t mgmt_cmd_set_io_capability(uint8_t out[static 1], uint8_t io_cap)
{
	out[0] = io_cap;
	return 1;
}

size_t mgmt_cmd_set_local_name(uint8_t out[static 260], const char *name)
{
	size_t len = strlen(name);

	if (len >= MGMT_MAX_NAME_LEN)
		return 0;
	memset(out, 0, sizeof(struct mgmt_cp_set_local_name));
	memcpy(out + offsetof(struct mgmt_cp_set_local_name, name), name, len);
	/* The short name stays empty: the kernel then advertises the full
	 * one. */
	return sizeof(struct mgmt_cp_set_local_name);
}

size_t mgmt_cmd_addr(uint8_t out[static 7], const struct mgmt_addr *addr)
{
	put_addr(out, addr);
	return sizeof(struct mgmt_wire_addr);
}

size_t mgmt_cmd_pair_device(uint8_t out[static 8], const struct mgmt_addr *addr,
			    uint8_t io_cap)
{
	put_addr(out + offsetof(struct mgmt_cp_pair_device, addr), addr);
	out[offsetof(struct mgmt_cp_pair_device, io_cap)] = io_cap;
	return sizeof(struct mgmt_cp_pair_device);
}

size_t mgmt_cmd_unpair_device(uint8_t out[static 8],
			      const struct mgmt_addr *addr, bool disconnect)
{
	put_addr(out + offsetof(struct mgmt_cp_unpair_device, addr), addr);
	out[offsetof(struct mgmt_cp_unpair_device, disconnect)] = disconnect ?
									  1 :
									  0;
	return sizeof(struct mgmt_cp_unpair_device);
}

size_t mgmt_cmd_pin_code_reply(uint8_t out[static 24],
			       const struct mgmt_addr *addr, const uint8_t *pin,
			       size_t pin_len)
{
	if (pin_len < 1 || pin_len > MGMT_PIN_MAX_LEN)
		return 0;
	memset(out, 0, sizeof(struct mgmt_cp_pin_code_reply));
	put_addr(out + offsetof(struct mgmt_cp_pin_code_reply, addr), addr);
	out[offsetof(struct mgmt_cp_pin_code_reply, pin_len)] = (uint8_t)
		pin_len;
	memcpy(out + offsetof(struct mgmt_cp_pin_code_reply, pin_code), pin,
	       pin_len);
	return sizeof(struct mgmt_cp_pin_code_reply);
}

size_t mgmt_cmd_user_passkey_reply(uint8_t out[static 11],
				   const struct mgmt_addr *addr,
				   uint32_t passkey)
{
	put_addr(out + offsetof(struct mgmt_cp_user_passkey_reply, addr), addr);
	mgmt_put_le32(out + offsetof(struct mgmt_cp_user_passkey_reply,
				     passkey),
		      passkey);
	return sizeof(struct mgmt_cp_user_passkey_reply);
}

size_t mgmt_cmd_discovery(uint8_t out[static 1], uint8_t types)
{
	out[0] = types;
	return 1;
}

size_t mgmt_cmd_confirm_name(uint8_t out[static 8],
			     const struct mgmt_addr *addr, bool name_known)
{
	put_addr(out, addr);
	out[sizeof(struct mgmt_wire_addr)] = name_known ? 1 : 0;
	return sizeof(struct mgmt_wire_addr) + 1;
}

size_t mgmt_cmd_load_link_keys_size(size_t count)
{
	return sizeof(struct mgmt_cp_load_link_keys) +
	       count * sizeof(struct mgmt_wire_link_key);
}

static void put_link_key(uint8_t *out, const struct mgmt_link_key *key)
{
	put_addr(out + offsetof(struct mgmt_wire_link_key, addr), &key->addr);
	out[offsetof(struct mgmt_wire_link_key, type)] = key->type;
	memcpy(out + offsetof(struct mgmt_wire_link_key, val), key->val,
	       MGMT_LINK_KEY_LEN);
	out[offsetof(struct mgmt_wire_link_key, pin_len)] = key->pin_len;
}

static void get_link_key(const uint8_t *in, struct mgmt_link_key *key)
{
	get_addr(in + offsetof(struct mgmt_wire_link_key, addr), &key->addr);
	key->type = in[offsetof(struct mgmt_wire_link_key, type)];
	memcpy(key->val, in + offsetof(struct mgmt_wire_link_key, val),
	       MGMT_LINK_KEY_LEN);
	key->pin_len = in[offsetof(struct mgmt_wire_link_key, pin_len)];
}

size_t mgmt_cmd_load_link_keys(uint8_t *out, const struct mgmt_link_key *keys,
			       size_t count)
{
	uint8_t *p = out + sizeof(struct mgmt_cp_load_link_keys);

	if (count > UINT16_MAX ||
	    mgmt_cmd_load_link_keys_size(count) > MGMT_MAX_PARAM_LEN)
		return 0;
	/* Debug keys stay refused: a key made with them protects nothing. */
	out[offsetof(struct mgmt_cp_load_link_keys, debug_keys)] = 0;
	mgmt_put_le16(out + offsetof(struct mgmt_cp_load_link_keys, key_count),
		      (uint16_t)count);
	for (size_t i = 0; i < count;
	     i++, p += sizeof(struct mgmt_wire_link_key))
		put_link_key(p, &keys[i]);
	return mgmt_cmd_load_link_keys_size(count);
}

static void redact(uint8_t *param, size_t len, size_t off, size_t n)
{
	if (off >= len)
		return;
	if (n > len - off)
		n = len - off;
	memset(param + off, 'X', n);
}

void mgmt_redact(bool is_command, uint16_t code, uint8_t *param, size_t len)
{
	if (is_command && code == MGMT_OP_PIN_CODE_REPLY) {
		redact(param, len,
		       offsetof(struct mgmt_cp_pin_code_reply, pin_code),
		       MGMT_PIN_MAX_LEN);
	} else if (is_command && code == MGMT_OP_LOAD_LINK_KEYS) {
		size_t off = sizeof(struct mgmt_cp_load_link_keys);

		for (; off < len; off += sizeof(struct mgmt_wire_link_key))
			redact(param, len,
			       off + offsetof(struct mgmt_wire_link_key, val),
			       MGMT_LINK_KEY_LEN);
	} else if (!is_command && code == MGMT_EV_NEW_LINK_KEY) {
		redact(param, len,
		       offsetof(struct mgmt_ev_new_link_key, key) +
			       offsetof(struct mgmt_wire_link_key, val),
		       MGMT_LINK_KEY_LEN);
	}
}

/* ---- Decoders ---------------------------------------------------------- */

/* The least length of an event's parameters (the sizes of the layouts
 * above), or -1 for an event btpair does not know. */
static long event_min_len(uint16_t code)
{
#define EVENT_MIN_LEN(name, value, text, min_len)                              \
	case name:                                                             \
		return min_len;
	switch ((enum mgmt_event_code)code) {
		MGMT_EVENT_LIST(EVENT_MIN_LEN)
	}
	return -1;
#undef EVENT_MIN_LEN
}

/* The EIR data after an event's fixed parameters (need bytes), its length
 * at len_off: 0, or -EBADMSG when it does not fit in what was received. */
static int get_eir(const uint8_t *p, size_t len, size_t need, size_t len_off,
		   const uint8_t **eir, size_t *eir_len)
{
	size_t n = mgmt_get_le16(p + len_off);

	if (n > len - need)
		return -EBADMSG;
	*eir = p + need;
	*eir_len = n;
	return 0;
}

int mgmt_event_decode(const struct mgmt_msg *msg, struct mgmt_event *ev)
{
	const uint8_t *p = msg->param;
	long min_len = event_min_len(msg->code);
	size_t len = msg->len, need;

	memset(ev, 0, sizeof(*ev));
	ev->code = msg->code;
	ev->index = msg->index;

	if (min_len < 0)
		return -ENOENT;
	need = (size_t)min_len;
	if (len < need)
		return -EBADMSG;

	switch ((enum mgmt_event_code)msg->code) {
	case MGMT_EV_CMD_COMPLETE:
	case MGMT_EV_CMD_STATUS:
		ev->cmd.opcode = mgmt_get_le16(p);
		ev->cmd.status = p[offsetof(struct mgmt_ev_cmd_complete,
					    status)];
		ev->cmd.data = p + need;
		ev->cmd.len = len - need;
		break;
	case MGMT_EV_INDEX_ADDED:
	case MGMT_EV_INDEX_REMOVED:
		break;
	case MGMT_EV_NEW_SETTINGS:
		ev->new_settings.settings = mgmt_get_le32(p);
		break;
	case MGMT_EV_NEW_LINK_KEY:
		ev->new_link_key.store_hint = p[0];
		get_link_key(p + offsetof(struct mgmt_ev_new_link_key, key),
			     &ev->new_link_key.key);
		break;
	case MGMT_EV_DEVICE_CONNECTED:
		/* The EIR data must fit in what was received. */
		if (get_eir(p, len, need,
			    offsetof(struct mgmt_ev_device_connected, eir_len),
			    &ev->connected.eir, &ev->connected.eir_len) < 0)
			return -EBADMSG;
		get_addr(p, &ev->connected.addr);
		ev->connected.flags = mgmt_get_le32(
			p + offsetof(struct mgmt_ev_device_connected, flags));
		break;
	case MGMT_EV_DEVICE_DISCONNECTED:
	case MGMT_EV_CONNECT_FAILED:
	case MGMT_EV_PIN_CODE_REQUEST:
	case MGMT_EV_AUTH_FAILED:
		get_addr(p, &ev->addr_byte.addr);
		ev->addr_byte.value = p[sizeof(struct mgmt_wire_addr)];
		break;
	case MGMT_EV_USER_CONFIRM_REQUEST:
		get_addr(p, &ev->confirm_request.addr);
		ev->confirm_request.confirm_hint = p[offsetof(
			struct mgmt_ev_user_confirm_request, confirm_hint)];
		ev->confirm_request.value = mgmt_get_le32(
			p +
			offsetof(struct mgmt_ev_user_confirm_request, value));
		break;
	case MGMT_EV_USER_PASSKEY_REQUEST:
		get_addr(p, &ev->passkey_request.addr);
		break;
	case MGMT_EV_DEVICE_UNPAIRED:
		get_addr(p, &ev->unpaired.addr);
		break;
	case MGMT_EV_PASSKEY_NOTIFY:
		get_addr(p, &ev->passkey_notify.addr);
		ev->passkey_notify.passkey = mgmt_get_le32(
			p + offsetof(struct mgmt_ev_passkey_notify, passkey));
		ev->passkey_notify.entered =
			p[offsetof(struct mgmt_ev_passkey_notify, entered)];
		break;
	case MGMT_EV_DEVICE_FOUND:
		if (get_eir(p, len, need,
			    offsetof(struct mgmt_ev_device_found, eir_len),
			    &ev->device_found.eir,
			    &ev->device_found.eir_len) < 0)
			return -EBADMSG;
		get_addr(p, &ev->device_found.addr);
		ev->device_found.rssi = (int8_t)
			p[offsetof(struct mgmt_ev_device_found, rssi)];
		ev->device_found.flags = mgmt_get_le32(
			p + offsetof(struct mgmt_ev_device_found, flags));
		break;
	case MGMT_EV_DISCOVERING:
		ev->discovering.type = p[0];
		ev->discovering.discovering = p[1] != 0;
		break;
	}
	return 0;
}

static void copy_name(char *dst, const uint8_t *src, size_t size)
{
	/* The kernel NUL-terminates, but a hostile peer of the test may not. */
	memcpy(dst, src, size);
	dst[size - 1] = '\0';
}

int mgmt_rp_read_info_decode(const uint8_t *data, size_t len,
			     struct mgmt_controller_info *out)
{
	if (len < sizeof(struct mgmt_rp_read_info))
		return -EBADMSG;
	memcpy(&out->bdaddr, data, sizeof(out->bdaddr));
	out->version = data[offsetof(struct mgmt_rp_read_info, version)];
	out->manufacturer = mgmt_get_le16(
		data + offsetof(struct mgmt_rp_read_info, manufacturer));
	out->supported_settings = mgmt_get_le32(
		data + offsetof(struct mgmt_rp_read_info, supported_settings));
	out->current_settings = mgmt_get_le32(
		data + offsetof(struct mgmt_rp_read_info, current_settings));
	memcpy(out->dev_class,
	       data + offsetof(struct mgmt_rp_read_info, dev_class), 3);
	copy_name(out->name, data + offsetof(struct mgmt_rp_read_info, name),
		  MGMT_MAX_NAME_LEN);
	copy_name(out->short_name,
		  data + offsetof(struct mgmt_rp_read_info, short_name),
		  MGMT_MAX_SHORT_NAME_LEN);
	return 0;
}

int mgmt_rp_settings_decode(const uint8_t *data, size_t len, uint32_t *out)
{
	if (len < 4)
		return -EBADMSG;
	*out = mgmt_get_le32(data);
	return 0;
}

int mgmt_rp_addr_decode(const uint8_t *data, size_t len, struct mgmt_addr *out)
{
	if (len < sizeof(struct mgmt_wire_addr))
		return -EBADMSG;
	get_addr(data, out);
	return 0;
}

static int counted_list_decode(const uint8_t *data, size_t len, size_t size,
			       uint16_t *count, const uint8_t **entries)
{
	uint16_t n;

	if (len < 2)
		return -EBADMSG;
	n = mgmt_get_le16(data);
	/* A count the data cannot hold is a lie; trust neither. */
	if ((size_t)n * size > len - 2)
		return -EBADMSG;
	*count = n;
	*entries = data + 2;
	return 0;
}

int mgmt_rp_version_decode(const uint8_t *data, size_t len, uint8_t *version,
			   uint16_t *revision)
{
	if (len < 3)
		return -EBADMSG;
	*version = data[0];
	*revision = mgmt_get_le16(data + 1);
	return 0;
}

int mgmt_rp_index_list_decode(const uint8_t *data, size_t len,
			      uint16_t *indexes, size_t max, uint16_t *count)
{
	const uint8_t *entries;
	uint16_t n;
	int err;

	err = counted_list_decode(data, len, 2, &n, &entries);
	if (err < 0)
		return err;
	if (n > max)
		return -ENOBUFS;
	for (uint16_t i = 0; i < n; i++)
		indexes[i] = mgmt_get_le16(entries + 2 * i);
	*count = n;
	return 0;
}

int mgmt_rp_connections_decode(const uint8_t *data, size_t len, uint16_t *count,
			       const uint8_t **entries)
{
	return counted_list_decode(data, len, sizeof(struct mgmt_wire_addr),
				   count, entries);
}
