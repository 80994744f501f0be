/*
 * The kernel's Bluetooth management protocol: the commands and events btpair
 * uses, in the order of BlueZ's doc/mgmt-protocol.rst.
 *
 * Every multi-byte field on the wire is little-endian. The packed structs
 * below are the wire layout and are only ever filled by the mgmt_cmd_*
 * encoders or read by mgmt_event_decode(), which convert byte order; nothing
 * else touches wire bytes.
 */
#ifndef BTPAIR_MGMT_WIRE_H
#define BTPAIR_MGMT_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bluetooth/bluetooth.h>

#define MGMT_INDEX_NONE 0xFFFF
#define MGMT_HDR_SIZE 6
/* The length field is 16 bits, so no message is longer than this. */
#define MGMT_MAX_PARAM_LEN 0xFFFF
#define MGMT_MAX_NAME_LEN 249 /* 248 bytes and a NUL */
#define MGMT_MAX_SHORT_NAME_LEN 11
#define MGMT_PIN_MAX_LEN 16
#define MGMT_LINK_KEY_LEN 16

/* A wire layout: struct name with fields packed as they are on the wire,
 * and its size checked against the protocol's. */
#define MGMT_WIRE_STRUCT(name, size, fields)                                   \
	struct name fields __attribute__((packed));                            \
	_Static_assert(sizeof(struct name) == (size), #name)

/*
 * Each set of codes below (statuses, settings, IO capabilities, key types,
 * opcodes, events) is written down once, as a list of X(NAME, ..., TEXT):
 * the list makes the enum here and the names in wire.c, so that the two
 * cannot drift apart. Where the protocol numbers a set from 0 without gaps
 * (statuses, settings bits, IO capabilities, key types), a code's place in
 * its list is its value: X(NAME, TEXT), in the protocol's order. Opcodes
 * and events are sparse and give theirs: X(NAME, VALUE, TEXT).
 */
#define MGMT_ENUM_NEXT(name, text) name,
#define MGMT_ENUM_VALUE(name, value, text) name = value,
/* A set numbered from 0: its enum, and the lookup str_fn that names a code
 * of it. */
#define MGMT_CODE_SET(tag, list, str_fn)                                       \
	enum tag { list(MGMT_ENUM_NEXT) };                                     \
	const char *str_fn(uint8_t code)
/* A setting is a bit: NAME_BIT is its number, NAME its mask. */
#define MGMT_SETTING_BIT_NUMBER(name, text) name##_BIT,
#define MGMT_SETTING_BIT(name, text) name = 1u << name##_BIT,
/* An event also gives the length of its fixed parameters, the least that
 * mgmt_event_decode() accepts. */
#define MGMT_EVENT_VALUE(name, value, text, min_len) name = value,

MGMT_WIRE_STRUCT(mgmt_hdr, MGMT_HDR_SIZE, {
	uint16_t opcode;
	uint16_t index;
	uint16_t len;
});

MGMT_WIRE_STRUCT(mgmt_wire_addr, 7, {
	bdaddr_t bdaddr;
	uint8_t type;
});

enum mgmt_addr_type {
	MGMT_ADDR_BREDR = 0x00,
	MGMT_ADDR_LE_PUBLIC = 0x01,
	MGMT_ADDR_LE_RANDOM = 0x02,
};

/* An address as the decoders hand it out. */
struct mgmt_addr {
	bdaddr_t bdaddr;
	uint8_t type;
};

#define MGMT_STATUS_LIST(X)                                                    \
	X(MGMT_STATUS_SUCCESS, "Success")                                      \
	X(MGMT_STATUS_UNKNOWN_COMMAND, "Unknown Command")                      \
	X(MGMT_STATUS_NOT_CONNECTED, "Not Connected")                          \
	X(MGMT_STATUS_FAILED, "Failed")                                        \
	X(MGMT_STATUS_CONNECT_FAILED, "Connect Failed")                        \
	X(MGMT_STATUS_AUTH_FAILED, "Authentication Failed")                    \
	X(MGMT_STATUS_NOT_PAIRED, "Not Paired")                                \
	X(MGMT_STATUS_NO_RESOURCES, "No Resources")                            \
	X(MGMT_STATUS_TIMEOUT, "Timeout")                                      \
	X(MGMT_STATUS_ALREADY_CONNECTED, "Already Connected")                  \
	X(MGMT_STATUS_BUSY, "Busy")                                            \
	X(MGMT_STATUS_REJECTED, "Rejected")                                    \
	X(MGMT_STATUS_NOT_SUPPORTED, "Not Supported")                          \
	X(MGMT_STATUS_INVALID_PARAMS, "Invalid Parameters")                    \
	X(MGMT_STATUS_DISCONNECTED, "Disconnected")                            \
	X(MGMT_STATUS_NOT_POWERED, "Not Powered")                              \
	X(MGMT_STATUS_CANCELLED, "Cancelled")                                  \
	X(MGMT_STATUS_INVALID_INDEX, "Invalid Index")                          \
	X(MGMT_STATUS_RFKILLED, "Blocked through rfkill")                      \
	X(MGMT_STATUS_ALREADY_PAIRED, "Already Paired")                        \
	X(MGMT_STATUS_PERMISSION_DENIED, "Permission Denied")

/* The name of a status ("Authentication Failed"), or NULL if unknown. */
MGMT_CODE_SET(mgmt_status, MGMT_STATUS_LIST, mgmt_status_str);
#define MGMT_STATUS_COUNT 21

/* Settings bits of Read Controller Information and New Settings. */
#define MGMT_SETTING_LIST(X)                                                   \
	X(MGMT_SETTING_POWERED, "powered")                                     \
	X(MGMT_SETTING_CONNECTABLE, "connectable")                             \
	X(MGMT_SETTING_FAST_CONNECTABLE, "fast-connectable")                   \
	X(MGMT_SETTING_DISCOVERABLE, "discoverable")                           \
	X(MGMT_SETTING_BONDABLE, "bondable")                                   \
	X(MGMT_SETTING_LINK_SECURITY, "link-security")                         \
	X(MGMT_SETTING_SSP, "ssp")                                             \
	X(MGMT_SETTING_BREDR, "br/edr")                                        \
	X(MGMT_SETTING_HS, "hs")                                               \
	X(MGMT_SETTING_LE, "le")                                               \
	X(MGMT_SETTING_ADVERTISING, "advertising")                             \
	X(MGMT_SETTING_SECURE_CONN, "secure-conn")                             \
	X(MGMT_SETTING_DEBUG_KEYS, "debug-keys")                               \
	X(MGMT_SETTING_PRIVACY, "privacy")                                     \
	X(MGMT_SETTING_CONFIGURATION, "configuration")                         \
	X(MGMT_SETTING_STATIC_ADDRESS, "static-addr")                          \
	X(MGMT_SETTING_PHY_CONFIGURATION, "phy-configuration")                 \
	X(MGMT_SETTING_WIDEBAND_SPEECH, "wide-band-speech")                    \
	X(MGMT_SETTING_CIS_CENTRAL, "cis-central")                             \
	X(MGMT_SETTING_CIS_PERIPHERAL, "cis-peripheral")                       \
	X(MGMT_SETTING_ISO_BROADCASTER, "iso-broadcaster")                     \
	X(MGMT_SETTING_ISO_SYNC_RECEIVER, "iso-sync-receiver")                 \
	X(MGMT_SETTING_LL_PRIVACY, "ll-privacy")                               \
	X(MGMT_SETTING_PAST_SENDER, "past-sender")                             \
	X(MGMT_SETTING_PAST_RECEIVER, "past-receiver")

enum { MGMT_SETTING_LIST(MGMT_SETTING_BIT_NUMBER) };
enum mgmt_setting { MGMT_SETTING_LIST(MGMT_SETTING_BIT) };

/* The lower-case name of one settings bit ("bondable"), or NULL. */
const char *mgmt_setting_str(unsigned int bit);

#define MGMT_IO_CAP_LIST(X)                                                    \
	X(MGMT_IO_DISPLAY_ONLY, "DisplayOnly")                                 \
	X(MGMT_IO_DISPLAY_YES_NO, "DisplayYesNo")                              \
	X(MGMT_IO_KEYBOARD_ONLY, "KeyboardOnly")                               \
	X(MGMT_IO_NO_INPUT_NO_OUTPUT, "NoInputNoOutput")                       \
	X(MGMT_IO_KEYBOARD_DISPLAY, "KeyboardDisplay")

/* "DisplayYesNo" and so on, or NULL for a value outside the enum. */
MGMT_CODE_SET(mgmt_io_cap, MGMT_IO_CAP_LIST, mgmt_io_cap_str);
/* Case-insensitive parse of those names; returns 0 or -EINVAL. */
int mgmt_io_cap_parse(const char *str, uint8_t *out);

/* Link key types of Load Link Keys and New Link Key. */
#define MGMT_KEY_TYPE_LIST(X)                                                  \
	X(MGMT_KEY_COMBINATION, "combination")                                 \
	X(MGMT_KEY_LOCAL_UNIT, "local unit")                                   \
	X(MGMT_KEY_REMOTE_UNIT, "remote unit")                                 \
	X(MGMT_KEY_DEBUG_COMBINATION, "debug combination")                     \
	X(MGMT_KEY_UNAUTH_P192, "unauthenticated P-192")                       \
	X(MGMT_KEY_AUTH_P192, "authenticated P-192")                           \
	X(MGMT_KEY_CHANGED_COMBINATION, "changed combination")                 \
	X(MGMT_KEY_UNAUTH_P256, "unauthenticated P-256")                       \
	X(MGMT_KEY_AUTH_P256, "authenticated P-256")

/* "combination", "authenticated P-256" ..., or NULL. */
MGMT_CODE_SET(mgmt_key_type, MGMT_KEY_TYPE_LIST, mgmt_key_type_str);

/* ---- Commands ---------------------------------------------------------- */

#define MGMT_OPCODE_LIST(X)                                                    \
	X(MGMT_OP_READ_VERSION, 0x0001, "Read Management Version Information") \
	X(MGMT_OP_READ_INDEX_LIST, 0x0003, "Read Index List")                  \
	X(MGMT_OP_READ_INFO, 0x0004, "Read Controller Information")            \
	X(MGMT_OP_SET_POWERED, 0x0005, "Set Powered")                          \
	X(MGMT_OP_SET_CONNECTABLE, 0x0007, "Set Connectable")                  \
	X(MGMT_OP_SET_BONDABLE, 0x0009, "Set Bondable")                        \
	X(MGMT_OP_SET_SSP, 0x000B, "Set Secure Simple Pairing")                \
	X(MGMT_OP_SET_LOCAL_NAME, 0x000F, "Set Local Name")                    \
	X(MGMT_OP_LOAD_LINK_KEYS, 0x0012, "Load Link Keys")                    \
	X(MGMT_OP_DISCONNECT, 0x0014, "Disconnect")                            \
	X(MGMT_OP_GET_CONNECTIONS, 0x0015, "Get Connections")                  \
	X(MGMT_OP_PIN_CODE_REPLY, 0x0016, "PIN Code Reply")                    \
	X(MGMT_OP_PIN_CODE_NEG_REPLY, 0x0017, "PIN Code Negative Reply")       \
	X(MGMT_OP_SET_IO_CAPABILITY, 0x0018, "Set IO Capability")              \
	X(MGMT_OP_PAIR_DEVICE, 0x0019, "Pair Device")                          \
	X(MGMT_OP_CANCEL_PAIR_DEVICE, 0x001A, "Cancel Pair Device")            \
	X(MGMT_OP_UNPAIR_DEVICE, 0x001B, "Unpair Device")                      \
	X(MGMT_OP_USER_CONFIRM_REPLY, 0x001C, "User Confirmation Reply")       \
	X(MGMT_OP_USER_CONFIRM_NEG_REPLY, 0x001D,                              \
	  "User Confirmation Negative Reply")                                  \
	X(MGMT_OP_USER_PASSKEY_REPLY, 0x001E, "User Passkey Reply")            \
	X(MGMT_OP_USER_PASSKEY_NEG_REPLY, 0x001F,                              \
	  "User Passkey Negative Reply")                                       \
	X(MGMT_OP_START_DISCOVERY, 0x0023, "Start Discovery")                  \
	X(MGMT_OP_STOP_DISCOVERY, 0x0024, "Stop Discovery")                    \
	X(MGMT_OP_CONFIRM_NAME, 0x0025, "Confirm Name")

enum mgmt_opcode { MGMT_OPCODE_LIST(MGMT_ENUM_VALUE) };

/* Address types for Start/Stop Discovery: a bit mask. */
#define MGMT_DISCOVERY_BREDR 0x01

/* "Pair Device" and so on, or NULL for an opcode btpair does not use. */
const char *mgmt_opcode_str(uint16_t opcode);

/* Read Controller Information's fields: its wire layout here, and in host
 * byte order, names NUL-terminated, struct mgmt_controller_info. */
#define MGMT_READ_INFO_FIELDS                                                  \
	bdaddr_t bdaddr;                                                       \
	uint8_t version;                                                       \
	uint16_t manufacturer;                                                 \
	uint32_t supported_settings;                                           \
	uint32_t current_settings;                                             \
	uint8_t dev_class[3];                                                  \
	char name[MGMT_MAX_NAME_LEN];                                          \
	char short_name[MGMT_MAX_SHORT_NAME_LEN];

MGMT_WIRE_STRUCT(mgmt_rp_read_info, 280, { MGMT_READ_INFO_FIELDS });

MGMT_WIRE_STRUCT(mgmt_cp_set_local_name, 260, {
	uint8_t name[MGMT_MAX_NAME_LEN];
	uint8_t short_name[MGMT_MAX_SHORT_NAME_LEN];
});

MGMT_WIRE_STRUCT(mgmt_wire_link_key, 25, {
	struct mgmt_wire_addr addr;
	uint8_t type;
	uint8_t val[MGMT_LINK_KEY_LEN];
	uint8_t pin_len;
});

MGMT_WIRE_STRUCT(mgmt_cp_load_link_keys, 3, {
	uint8_t debug_keys;
	uint16_t key_count;
	struct mgmt_wire_link_key keys[];
});

MGMT_WIRE_STRUCT(mgmt_cp_pin_code_reply, 24, {
	struct mgmt_wire_addr addr;
	uint8_t pin_len;
	uint8_t pin_code[MGMT_PIN_MAX_LEN];
});

MGMT_WIRE_STRUCT(mgmt_cp_pair_device, 8, {
	struct mgmt_wire_addr addr;
	uint8_t io_cap;
});

MGMT_WIRE_STRUCT(mgmt_cp_unpair_device, 8, {
	struct mgmt_wire_addr addr;
	uint8_t disconnect;
});

MGMT_WIRE_STRUCT(mgmt_cp_user_passkey_reply, 11, {
	struct mgmt_wire_addr addr;
	uint32_t passkey;
});

/* A link key as btpair holds it in memory. */
struct mgmt_link_key {
	struct mgmt_addr addr;
	uint8_t type;
	uint8_t val[MGMT_LINK_KEY_LEN];
	uint8_t pin_len;
};

/*
 * Encoders. Each writes the command's parameters into out and returns their
 * length. Commands without parameters (Read Index List, Read Controller
 * Information, Get Connections) need none.
 */
size_t mgmt_cmd_mode(uint8_t out[static 1], bool on);
size_t mgmt_cmd_set_io_capability(uint8_t out[static 1], uint8_t io_cap);
/* name must be at most 248 bytes; returns 0 if it is longer. */
size_t mgmt_cmd_set_local_name(uint8_t out[static 260], const char *name);
/* Address-only commands: Disconnect, Cancel Pair Device, PIN Code Negative
 * Reply, User Confirmation Reply and Negative Reply, User Passkey Negative
 * Reply. */
size_t mgmt_cmd_addr(uint8_t out[static 7], const struct mgmt_addr *addr);
size_t mgmt_cmd_pair_device(uint8_t out[static 8], const struct mgmt_addr *addr,
			    uint8_t io_cap);
size_t mgmt_cmd_unpair_device(uint8_t out[static 8],
			      const struct mgmt_addr *addr, bool disconnect);
/* pin_len must be 1..16; returns 0 otherwise. */
size_t mgmt_cmd_pin_code_reply(uint8_t out[static 24],
			       const struct mgmt_addr *addr, const uint8_t *pin,
			       size_t pin_len);
size_t mgmt_cmd_user_passkey_reply(uint8_t out[static 11],
				   const struct mgmt_addr *addr,
				   uint32_t passkey);
/* Start and Stop Discovery: the address types as a mask. */
size_t mgmt_cmd_discovery(uint8_t out[static 1], uint8_t types);
size_t mgmt_cmd_confirm_name(uint8_t out[static 8],
			     const struct mgmt_addr *addr, bool name_known);
/* The size of a Load Link Keys command carrying count keys. */
size_t mgmt_cmd_load_link_keys_size(size_t count);
/* out must hold mgmt_cmd_load_link_keys_size(count) bytes; count <= 65535. */
size_t mgmt_cmd_load_link_keys(uint8_t *out, const struct mgmt_link_key *keys,
			       size_t count);

/*
 * Overwrite the secret bytes (PIN, link key) of a command or event's
 * parameters with 'X' so that a trace of them can be shown. is_command tells
 * whether code is an opcode or an event code.
 */
void mgmt_redact(bool is_command, uint16_t code, uint8_t *param, size_t len);

/* ---- Events ------------------------------------------------------------ */

#define MGMT_EVENT_LIST(X)                                                     \
	X(MGMT_EV_CMD_COMPLETE, 0x0001, "Command Complete", 3)                 \
	X(MGMT_EV_CMD_STATUS, 0x0002, "Command Status", 3)                     \
	X(MGMT_EV_INDEX_ADDED, 0x0004, "Index Added", 0)                       \
	X(MGMT_EV_INDEX_REMOVED, 0x0005, "Index Removed", 0)                   \
	X(MGMT_EV_NEW_SETTINGS, 0x0006, "New Settings", 4)                     \
	X(MGMT_EV_NEW_LINK_KEY, 0x0009, "New Link Key", 26)                    \
	X(MGMT_EV_DEVICE_CONNECTED, 0x000B, "Device Connected", 13)            \
	X(MGMT_EV_DEVICE_DISCONNECTED, 0x000C, "Device Disconnected", 8)       \
	X(MGMT_EV_CONNECT_FAILED, 0x000D, "Connect Failed", 8)                 \
	X(MGMT_EV_PIN_CODE_REQUEST, 0x000E, "PIN Code Request", 8)             \
	X(MGMT_EV_USER_CONFIRM_REQUEST, 0x000F, "User Confirmation Request",   \
	  12)                                                                  \
	X(MGMT_EV_USER_PASSKEY_REQUEST, 0x0010, "User Passkey Request", 7)     \
	X(MGMT_EV_AUTH_FAILED, 0x0011, "Authentication Failed", 8)             \
	X(MGMT_EV_DEVICE_FOUND, 0x0012, "Device Found", 14)                    \
	X(MGMT_EV_DISCOVERING, 0x0013, "Discovering", 2)                       \
	X(MGMT_EV_DEVICE_UNPAIRED, 0x0016, "Device Unpaired", 7)               \
	X(MGMT_EV_PASSKEY_NOTIFY, 0x0017, "Passkey Notify", 12)

enum mgmt_event_code { MGMT_EVENT_LIST(MGMT_EVENT_VALUE) };

/* "PIN Code Request" and so on, or NULL for an event btpair does not use. */
const char *mgmt_event_str(uint16_t code);

/* Device Found flags. */
#define MGMT_DEV_FOUND_CONFIRM_NAME 0x01
#define MGMT_DEV_FOUND_LEGACY_PAIRING 0x02
#define MGMT_DEV_FOUND_NAME_REQUEST_FAILED 0x10

/* One message from the kernel, header already in host byte order. */
struct mgmt_msg {
	uint16_t code;
	uint16_t index;
	uint16_t len;
	uint8_t param[];
};

/* Device Disconnected, Connect Failed, PIN Code Request and Authentication
 * Failed carry an address and one byte, which each names by what it means. */
struct mgmt_ev_addr_byte {
	struct mgmt_addr addr;
	union {
		uint8_t value;
		uint8_t reason; /* Device Disconnected */
		uint8_t status; /* Connect Failed, Authentication Failed */
		uint8_t secure; /* PIN Code Request */
	};
};

/* An event decoded into host byte order. */
struct mgmt_event {
	uint16_t code;
	uint16_t index;
	union {
		struct {
			uint16_t opcode;
			uint8_t status;
			/* Return parameters; point into the message. */
			const uint8_t *data;
			size_t len;
		} cmd; /* Command Complete and Command Status (len 0) */
		struct {
			uint32_t settings;
		} new_settings;
		struct {
			uint8_t store_hint;
			struct mgmt_link_key key;
		} new_link_key;
		struct {
			struct mgmt_addr addr;
			uint32_t flags;
			/* EIR data (the name, often); points into the
			 * message. */
			const uint8_t *eir;
			size_t eir_len;
		} connected;
		/* Written by the decoder for any of the four below. */
		struct mgmt_ev_addr_byte addr_byte;
		struct mgmt_ev_addr_byte disconnected;
		struct mgmt_ev_addr_byte connect_failed;
		struct mgmt_ev_addr_byte pin_request;
		struct {
			struct mgmt_addr addr;
			uint8_t confirm_hint;
			uint32_t value;
		} confirm_request;
		struct {
			struct mgmt_addr addr;
		} passkey_request;
		struct mgmt_ev_addr_byte auth_failed;
		struct {
			struct mgmt_addr addr;
		} unpaired;
		struct {
			struct mgmt_addr addr;
			uint32_t passkey;
			uint8_t entered;
		} passkey_notify;
		struct {
			struct mgmt_addr addr;
			int8_t rssi;
			uint32_t flags;
			/* EIR data; points into the message. */
			const uint8_t *eir;
			size_t eir_len;
		} device_found;
		struct {
			uint8_t type;
			bool discovering;
		} discovering;
	};
};

/*
 * Decode msg into ev. Returns 0; -EBADMSG if the parameters are shorter
 * than the event needs (longer is accepted: the protocol may grow); or
 * -ENOENT for an event code btpair does not know (ev->code and ev->index
 * are still set).
 */
int mgmt_event_decode(const struct mgmt_msg *msg, struct mgmt_event *ev);

/* Decoded return parameters of the commands that have some. */
struct mgmt_controller_info {
	MGMT_READ_INFO_FIELDS
};

/* Each returns 0 or -EBADMSG when data is too short or inconsistent. */
int mgmt_rp_read_info_decode(const uint8_t *data, size_t len,
			     struct mgmt_controller_info *out);
/* Read Management Version Information: version and revision. */
int mgmt_rp_version_decode(const uint8_t *data, size_t len, uint8_t *version,
			   uint16_t *revision);
int mgmt_rp_settings_decode(const uint8_t *data, size_t len, uint32_t *out);
int mgmt_rp_addr_decode(const uint8_t *data, size_t len, struct mgmt_addr *out);
/*
 * Read Index List: the count, then count little-endian indexes. On success
 * indexes[0..*count) hold them in the kernel's order (the newest controller
 * first). -EBADMSG when the count is cut short or says more than the data
 * holds, -ENOBUFS when it is more than max.
 */
int mgmt_rp_index_list_decode(const uint8_t *data, size_t len,
			      uint16_t *indexes, size_t max, uint16_t *count);
/* On success *count is set and *entries points at count 7-byte addresses;
 * read them with mgmt_rp_addr_decode(). */
int mgmt_rp_connections_decode(const uint8_t *data, size_t len, uint16_t *count,
			       const uint8_t **entries);

static inline uint16_t mgmt_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t mgmt_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void mgmt_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void mgmt_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

#endif
