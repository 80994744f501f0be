/*
 * The wire format: golden bytes for every command encoder, every event
 * decoded field by field, and every truncation rejected.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/addr.h"
#include "mgmt/wire.h"

/* 98:D3:31:F5:1A:2B BR/EDR as it travels: least significant byte first. */
#define DEV 0x2B, 0x1A, 0xF5, 0x31, 0xD3, 0x98, 0x00
/* clang-format off */
#define KEY16 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, \
	      0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff
/* clang-format on */

static struct mgmt_addr dev(void)
{
	struct mgmt_addr a = { .type = MGMT_ADDR_BREDR };

	ck_assert_int_eq(bt_addr_parse("98:D3:31:F5:1A:2B", &a.bdaddr), 0);
	return a;
}

static void addr_is_dev(const struct mgmt_addr *a)
{
	char text[BT_ADDR_STRLEN];

	ck_assert_str_eq(bt_addr_format(&a->bdaddr, text), "98:D3:31:F5:1A:2B");
	ck_assert_uint_eq(a->type, MGMT_ADDR_BREDR);
}

/* Decode code/params held in a fresh heap message of exactly len bytes, so
 * that ASan sees any read past the end. */
static int decode(uint16_t code, const uint8_t *p, size_t len,
		  struct mgmt_event *ev, struct mgmt_msg **keep)
{
	struct mgmt_msg *m = malloc(sizeof(*m) + len);
	int err;

	ck_assert_ptr_nonnull(m);
	m->code = code;
	m->index = 3;
	m->len = (uint16_t)len;
	if (len)
		memcpy(m->param, p, len);
	err = mgmt_event_decode(m, ev);
	if (keep)
		*keep = m;
	else
		free(m);
	return err;
}

/* Every shorter length of a good event must be rejected. */
static void rejects_truncation(uint16_t code, const uint8_t *p, size_t len)
{
	struct mgmt_event ev;

	for (size_t n = 0; n < len; n++)
		ck_assert_msg(decode(code, p, n, &ev, NULL) == -EBADMSG,
			      "event 0x%04x accepted %zu of %zu bytes", code, n,
			      len);
}

/* ---- Encoders ---- */

START_TEST(test_cmd_mode)
{
	uint8_t out[1];

	ck_assert_uint_eq(mgmt_cmd_mode(out, true), 1);
	ck_assert_uint_eq(out[0], 0x01);
	ck_assert_uint_eq(mgmt_cmd_mode(out, false), 1);
	ck_assert_uint_eq(out[0], 0x00);
}
END_TEST

START_TEST(test_cmd_io_capability)
{
	uint8_t out[1];

	ck_assert_uint_eq(mgmt_cmd_set_io_capability(out,
						     MGMT_IO_KEYBOARD_DISPLAY),
			  1);
	ck_assert_uint_eq(out[0], 0x04);
}
END_TEST

START_TEST(test_cmd_local_name)
{
	uint8_t out[260], want[260] = { 'H', 'C', '-', '0', '5' };
	char longest[249], too_long[250];

	memset(out, 0xee, sizeof(out));
	ck_assert_uint_eq(mgmt_cmd_set_local_name(out, "HC-05"), 260);
	ck_assert_mem_eq(out, want, sizeof(want));

	memset(longest, 'n', 248);
	longest[248] = '\0';
	ck_assert_uint_eq(mgmt_cmd_set_local_name(out, longest), 260);
	ck_assert_uint_eq(out[247], 'n');
	ck_assert_uint_eq(out[248], 0);
	memset(too_long, 'n', 249);
	too_long[249] = '\0';
	ck_assert_uint_eq(mgmt_cmd_set_local_name(out, too_long), 0);
}
END_TEST

START_TEST(test_cmd_addr)
{
	struct mgmt_addr a = dev();
	const uint8_t want[] = { DEV };
	uint8_t out[7];

	ck_assert_uint_eq(mgmt_cmd_addr(out, &a), 7);
	ck_assert_mem_eq(out, want, 7);
}
END_TEST

START_TEST(test_cmd_pair_device)
{
	struct mgmt_addr a = dev();
	const uint8_t want[] = { DEV, 0x03 };
	uint8_t out[8];

	ck_assert_uint_eq(mgmt_cmd_pair_device(out, &a, 0x03), 8);
	ck_assert_mem_eq(out, want, 8);
}
END_TEST

START_TEST(test_cmd_unpair_device)
{
	struct mgmt_addr a = dev();
	const uint8_t want_on[] = { DEV, 0x01 }, want_off[] = { DEV, 0x00 };
	uint8_t out[8];

	ck_assert_uint_eq(mgmt_cmd_unpair_device(out, &a, true), 8);
	ck_assert_mem_eq(out, want_on, 8);
	ck_assert_uint_eq(mgmt_cmd_unpair_device(out, &a, false), 8);
	ck_assert_mem_eq(out, want_off, 8);
}
END_TEST

START_TEST(test_cmd_pin_code_reply)
{
	struct mgmt_addr a = dev();
	const uint8_t want4[] = { DEV, 4, '1', '2', '3', '4', 0, 0, 0,
				  0,   0, 0,   0,   0,	 0,   0, 0, 0 };
	const uint8_t want16[] = {
		DEV, 16,  'a', 'b', 'c', 'd', 'e', 'f', 'g',
		'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p'
	};
	uint8_t out[24];

	memset(out, 0xee, sizeof(out));
	ck_assert_uint_eq(mgmt_cmd_pin_code_reply(out, &a,
						  (const uint8_t *)"1234", 4),
			  24);
	ck_assert_mem_eq(out, want4, 24);
	ck_assert_uint_eq(mgmt_cmd_pin_code_reply(
				  out, &a, (const uint8_t *)"abcdefghijklmnop",
				  16),
			  24);
	ck_assert_mem_eq(out, want16, 24);
	ck_assert_uint_eq(mgmt_cmd_pin_code_reply(out, &a, (const uint8_t *)"",
						  0),
			  0);
	ck_assert_uint_eq(mgmt_cmd_pin_code_reply(
				  out, &a, (const uint8_t *)"abcdefghijklmnopq",
				  17),
			  0);
}
END_TEST

START_TEST(test_cmd_passkey_reply)
{
	struct mgmt_addr a = dev();
	/* 123456 = 0x0001E240, little-endian. */
	const uint8_t want[] = { DEV, 0x40, 0xE2, 0x01, 0x00 };
	uint8_t out[11];

	ck_assert_uint_eq(mgmt_cmd_user_passkey_reply(out, &a, 123456), 11);
	ck_assert_mem_eq(out, want, 11);
}
END_TEST

START_TEST(test_cmd_load_link_keys)
{
	struct mgmt_link_key keys[2] = {
		{ .addr = dev(),
		  .type = MGMT_KEY_COMBINATION,
		  .pin_len = 4,
		  .val = { KEY16 } },
		{ .addr = dev(),
		  .type = MGMT_KEY_AUTH_P256,
		  .pin_len = 0,
		  .val = { KEY16 } },
	};
	const uint8_t want[] = {
		0x00, 0x02, 0x00,	 /* debug keys off, 2 keys */
		DEV,  0x00, KEY16, 0x04, /* combination, PIN length 4 */
		DEV,  0x08, KEY16, 0x00, /* authenticated P-256 */
	};
	const uint8_t want_none[] = { 0x00, 0x00, 0x00 };
	uint8_t out[3 + 2 * 25];

	ck_assert_uint_eq(mgmt_cmd_load_link_keys_size(0), 3);
	ck_assert_uint_eq(mgmt_cmd_load_link_keys_size(2), 53);
	ck_assert_uint_eq(mgmt_cmd_load_link_keys(out, keys, 2), 53);
	ck_assert_mem_eq(out, want, sizeof(want));
	ck_assert_uint_eq(mgmt_cmd_load_link_keys(out, keys, 0), 3);
	ck_assert_mem_eq(out, want_none, 3);
	/* 65535 keys do not fit in one message. */
	ck_assert_uint_eq(mgmt_cmd_load_link_keys(out, keys, 3000), 0);
}
END_TEST

START_TEST(test_cmd_discovery_and_confirm_name)
{
	struct mgmt_addr a = dev();
	const uint8_t want_known[] = { DEV, 0x01 },
		      want_unknown[] = { DEV, 0x00 };
	uint8_t out[8];

	ck_assert_uint_eq(mgmt_cmd_discovery(out, MGMT_DISCOVERY_BREDR), 1);
	ck_assert_uint_eq(out[0], 0x01);
	ck_assert_uint_eq(mgmt_cmd_confirm_name(out, &a, true), 8);
	ck_assert_mem_eq(out, want_known, 8);
	ck_assert_uint_eq(mgmt_cmd_confirm_name(out, &a, false), 8);
	ck_assert_mem_eq(out, want_unknown, 8);
}
END_TEST

START_TEST(test_redact)
{
	uint8_t pin[] = { DEV, 4, '1', '2', '3', '4', 0, 0, 0,
			  0,   0, 0,   0,   0,	 0,   0, 0, 0 };
	uint8_t key_ev[] = { 0x01, DEV, 0x00, KEY16, 0x04 };
	uint8_t load[] = { 0x00, 0x02, 0x00, DEV,   0x00, KEY16,
			   0x04, DEV,  0x00, KEY16, 0x04 };
	uint8_t pair[] = { DEV, 0x03 }, pair_copy[sizeof(pair)];
	uint8_t xs[16];

	memset(xs, 'X', sizeof(xs));
	mgmt_redact(true, MGMT_OP_PIN_CODE_REPLY, pin, sizeof(pin));
	ck_assert_mem_eq(pin + 8, xs, 16);
	ck_assert_uint_eq(pin[7], 4);
	ck_assert_uint_eq(pin[0], 0x2B);

	mgmt_redact(false, MGMT_EV_NEW_LINK_KEY, key_ev, sizeof(key_ev));
	ck_assert_mem_eq(key_ev + 9, xs, 16);
	ck_assert_uint_eq(key_ev[0], 0x01);
	ck_assert_uint_eq(key_ev[8], 0x00);
	ck_assert_uint_eq(key_ev[25], 0x04);

	mgmt_redact(true, MGMT_OP_LOAD_LINK_KEYS, load, sizeof(load));
	ck_assert_mem_eq(load + 3 + 8, xs, 16);
	ck_assert_mem_eq(load + 3 + 25 + 8, xs, 16);
	ck_assert_uint_eq(load[3 + 24], 0x04);
	ck_assert_uint_eq(load[3 + 25], 0x2B);

	/* Truncated: what is there is redacted, nothing past it touched. */
	{
		uint8_t *cut = malloc(12);

		memcpy(cut, pin, 8);
		memcpy(cut + 8, "1234", 4);
		mgmt_redact(true, MGMT_OP_PIN_CODE_REPLY, cut, 12);
		ck_assert_mem_eq(cut + 8, xs, 4);
		free(cut);
	}
	/* Other messages are left alone, even if their code is a secret
	 * one's in the other direction. */
	memcpy(pair_copy, pair, sizeof(pair));
	mgmt_redact(true, MGMT_OP_PAIR_DEVICE, pair, sizeof(pair));
	ck_assert_mem_eq(pair, pair_copy, sizeof(pair));
	{
		uint8_t ev[] = { DEV, 0x00 }, copy[sizeof(ev)];

		memcpy(copy, ev, sizeof(ev));
		mgmt_redact(false, MGMT_OP_PIN_CODE_REPLY, ev, sizeof(ev));
		ck_assert_mem_eq(ev, copy, sizeof(ev));
	}
}
END_TEST

/* ---- Events ---- */

START_TEST(test_ev_cmd_complete)
{
	const uint8_t p[] = { 0x19, 0x00, 0x13, DEV };
	struct mgmt_event ev;
	struct mgmt_msg *m;

	ck_assert_int_eq(decode(MGMT_EV_CMD_COMPLETE, p, sizeof(p), &ev, &m),
			 0);
	ck_assert_uint_eq(ev.code, MGMT_EV_CMD_COMPLETE);
	ck_assert_uint_eq(ev.index, 3);
	ck_assert_uint_eq(ev.cmd.opcode, MGMT_OP_PAIR_DEVICE);
	ck_assert_uint_eq(ev.cmd.status, MGMT_STATUS_ALREADY_PAIRED);
	ck_assert_uint_eq(ev.cmd.len, 7);
	ck_assert_ptr_eq(ev.cmd.data, m->param + 3);
	free(m);
	rejects_truncation(MGMT_EV_CMD_COMPLETE, p, 3);
}
END_TEST

START_TEST(test_ev_cmd_status)
{
	const uint8_t p[] = { 0x05, 0x00, 0x12 };
	struct mgmt_event ev;

	ck_assert_int_eq(decode(MGMT_EV_CMD_STATUS, p, sizeof(p), &ev, NULL),
			 0);
	ck_assert_uint_eq(ev.cmd.opcode, MGMT_OP_SET_POWERED);
	ck_assert_uint_eq(ev.cmd.status, MGMT_STATUS_RFKILLED);
	ck_assert_uint_eq(ev.cmd.len, 0);
	rejects_truncation(MGMT_EV_CMD_STATUS, p, sizeof(p));
}
END_TEST

START_TEST(test_ev_index_added_removed)
{
	struct mgmt_event ev;

	ck_assert_int_eq(decode(MGMT_EV_INDEX_ADDED, NULL, 0, &ev, NULL), 0);
	ck_assert_uint_eq(ev.code, MGMT_EV_INDEX_ADDED);
	ck_assert_uint_eq(ev.index, 3);
	ck_assert_int_eq(decode(MGMT_EV_INDEX_REMOVED, NULL, 0, &ev, NULL), 0);
	ck_assert_uint_eq(ev.code, MGMT_EV_INDEX_REMOVED);
}
END_TEST

START_TEST(test_ev_new_settings)
{
	const uint8_t p[] = { 0xd1, 0x00, 0x00, 0x80 };
	struct mgmt_event ev;

	ck_assert_int_eq(decode(MGMT_EV_NEW_SETTINGS, p, sizeof(p), &ev, NULL),
			 0);
	ck_assert_uint_eq(ev.new_settings.settings, 0x800000d1);
	rejects_truncation(MGMT_EV_NEW_SETTINGS, p, sizeof(p));
}
END_TEST

START_TEST(test_ev_new_link_key)
{
	const uint8_t p[] = { 0x01, DEV, 0x05, KEY16, 0x10 };
	const uint8_t key[] = { KEY16 };
	struct mgmt_event ev;

	ck_assert_int_eq(decode(MGMT_EV_NEW_LINK_KEY, p, sizeof(p), &ev, NULL),
			 0);
	ck_assert_uint_eq(ev.new_link_key.store_hint, 1);
	addr_is_dev(&ev.new_link_key.key.addr);
	ck_assert_uint_eq(ev.new_link_key.key.type, MGMT_KEY_AUTH_P192);
	ck_assert_mem_eq(ev.new_link_key.key.val, key, 16);
	ck_assert_uint_eq(ev.new_link_key.key.pin_len, 16);
	rejects_truncation(MGMT_EV_NEW_LINK_KEY, p, sizeof(p));
}
END_TEST

START_TEST(test_ev_device_connected)
{
	const uint8_t p[] = { DEV,  0x02, 0x00, 0x00, 0x00,
			      0x03, 0x00, 0x02, 0x0a, 0x00 };
	const uint8_t lying[] = { DEV,	0x00, 0x00, 0x00, 0x00,
				  0x04, 0x00, 0x02, 0x0a, 0x00 };
	struct mgmt_event ev;

	ck_assert_int_eq(decode(MGMT_EV_DEVICE_CONNECTED, p, sizeof(p), &ev,
				NULL),
			 0);
	addr_is_dev(&ev.connected.addr);
	ck_assert_uint_eq(ev.connected.flags, 2);
	rejects_truncation(MGMT_EV_DEVICE_CONNECTED, p, 13);
	/* EIR length past the end of the event. */
	ck_assert_int_eq(decode(MGMT_EV_DEVICE_CONNECTED, lying, sizeof(lying),
				&ev, NULL),
			 -EBADMSG);
}
END_TEST

START_TEST(test_ev_device_disconnected)
{
	const uint8_t p[] = { DEV, 0x03 };
	struct mgmt_event ev;

	ck_assert_int_eq(decode(MGMT_EV_DEVICE_DISCONNECTED, p, sizeof(p), &ev,
				NULL),
			 0);
	addr_is_dev(&ev.disconnected.addr);
	ck_assert_uint_eq(ev.disconnected.reason, 3);
	rejects_truncation(MGMT_EV_DEVICE_DISCONNECTED, p, sizeof(p));
}
END_TEST

START_TEST(test_ev_connect_failed)
{
	const uint8_t p[] = { DEV, 0x04 };
	struct mgmt_event ev;

	ck_assert_int_eq(decode(MGMT_EV_CONNECT_FAILED, p, sizeof(p), &ev,
				NULL),
			 0);
	addr_is_dev(&ev.connect_failed.addr);
	ck_assert_uint_eq(ev.connect_failed.status, MGMT_STATUS_CONNECT_FAILED);
	rejects_truncation(MGMT_EV_CONNECT_FAILED, p, sizeof(p));
}
END_TEST

START_TEST(test_ev_pin_code_request)
{
	const uint8_t p[] = { DEV, 0x01 };
	struct mgmt_event ev;

	ck_assert_int_eq(decode(MGMT_EV_PIN_CODE_REQUEST, p, sizeof(p), &ev,
				NULL),
			 0);
	addr_is_dev(&ev.pin_request.addr);
	ck_assert_uint_eq(ev.pin_request.secure, 1);
	rejects_truncation(MGMT_EV_PIN_CODE_REQUEST, p, sizeof(p));
}
END_TEST

START_TEST(test_ev_user_confirm_request)
{
	const uint8_t p[] = { DEV, 0x01, 0x3f, 0x42, 0x0f, 0x00 };
	struct mgmt_event ev;

	ck_assert_int_eq(decode(MGMT_EV_USER_CONFIRM_REQUEST, p, sizeof(p), &ev,
				NULL),
			 0);
	addr_is_dev(&ev.confirm_request.addr);
	ck_assert_uint_eq(ev.confirm_request.confirm_hint, 1);
	ck_assert_uint_eq(ev.confirm_request.value, 999999);
	rejects_truncation(MGMT_EV_USER_CONFIRM_REQUEST, p, sizeof(p));
}
END_TEST

START_TEST(test_ev_user_passkey_request)
{
	const uint8_t p[] = { DEV };
	struct mgmt_event ev;

	ck_assert_int_eq(decode(MGMT_EV_USER_PASSKEY_REQUEST, p, sizeof(p), &ev,
				NULL),
			 0);
	addr_is_dev(&ev.passkey_request.addr);
	rejects_truncation(MGMT_EV_USER_PASSKEY_REQUEST, p, sizeof(p));
}
END_TEST

START_TEST(test_ev_auth_failed)
{
	const uint8_t p[] = { DEV, 0x05 };
	struct mgmt_event ev;

	ck_assert_int_eq(decode(MGMT_EV_AUTH_FAILED, p, sizeof(p), &ev, NULL),
			 0);
	addr_is_dev(&ev.auth_failed.addr);
	ck_assert_uint_eq(ev.auth_failed.status, MGMT_STATUS_AUTH_FAILED);
	rejects_truncation(MGMT_EV_AUTH_FAILED, p, sizeof(p));
}
END_TEST

START_TEST(test_ev_device_unpaired)
{
	const uint8_t p[] = { DEV };
	struct mgmt_event ev;

	ck_assert_int_eq(decode(MGMT_EV_DEVICE_UNPAIRED, p, sizeof(p), &ev,
				NULL),
			 0);
	addr_is_dev(&ev.unpaired.addr);
	rejects_truncation(MGMT_EV_DEVICE_UNPAIRED, p, sizeof(p));
}
END_TEST

START_TEST(test_ev_passkey_notify)
{
	const uint8_t p[] = { DEV, 0x40, 0xe2, 0x01, 0x00, 0x02 };
	struct mgmt_event ev;

	ck_assert_int_eq(decode(MGMT_EV_PASSKEY_NOTIFY, p, sizeof(p), &ev,
				NULL),
			 0);
	addr_is_dev(&ev.passkey_notify.addr);
	ck_assert_uint_eq(ev.passkey_notify.passkey, 123456);
	ck_assert_uint_eq(ev.passkey_notify.entered, 2);
	rejects_truncation(MGMT_EV_PASSKEY_NOTIFY, p, sizeof(p));
}
END_TEST

START_TEST(test_ev_device_found)
{
	const uint8_t p[] = { DEV,  0xc4, 0x03, 0x00, 0x00, 0x00,
			      0x04, 0x00, 0x03, 0x09, 'h',  'i' };
	const uint8_t lying[] = { DEV,	0xc4, 0x00, 0x00, 0x00, 0x00,
				  0x05, 0x00, 0x03, 0x09, 'h',	'i' };
	struct mgmt_event ev;
	struct mgmt_msg *m;

	ck_assert_int_eq(decode(MGMT_EV_DEVICE_FOUND, p, sizeof(p), &ev, &m),
			 0);
	addr_is_dev(&ev.device_found.addr);
	ck_assert_int_eq(ev.device_found.rssi, -60);
	ck_assert_uint_eq(ev.device_found.flags, 3);
	ck_assert_uint_eq(ev.device_found.eir_len, 4);
	ck_assert_ptr_eq(ev.device_found.eir, m->param + 14);
	free(m);
	rejects_truncation(MGMT_EV_DEVICE_FOUND, p, 14);
	ck_assert_int_eq(decode(MGMT_EV_DEVICE_FOUND, lying, sizeof(lying), &ev,
				NULL),
			 -EBADMSG);
}
END_TEST

START_TEST(test_ev_discovering)
{
	const uint8_t p[] = { 0x01, 0x01 };
	struct mgmt_event ev;

	ck_assert_int_eq(decode(MGMT_EV_DISCOVERING, p, sizeof(p), &ev, NULL),
			 0);
	ck_assert_uint_eq(ev.discovering.type, 1);
	ck_assert(ev.discovering.discovering);
	rejects_truncation(MGMT_EV_DISCOVERING, p, sizeof(p));
}
END_TEST

START_TEST(test_ev_longer_is_accepted)
{
	const uint8_t p[] = { DEV, 0x00, 0xaa, 0xbb };
	struct mgmt_event ev;

	ck_assert_int_eq(decode(MGMT_EV_PIN_CODE_REQUEST, p, sizeof(p), &ev,
				NULL),
			 0);
	ck_assert_uint_eq(ev.pin_request.secure, 0);
}
END_TEST

START_TEST(test_ev_unknown)
{
	const uint8_t p[] = { 0x01 };
	struct mgmt_event ev;

	ck_assert_int_eq(decode(0x0024, p, sizeof(p), &ev, NULL), -ENOENT);
	ck_assert_uint_eq(ev.code, 0x0024);
	ck_assert_uint_eq(ev.index, 3);
}
END_TEST

/* ---- Return parameters ---- */

START_TEST(test_rp_read_info)
{
	uint8_t p[280] = { 0x00, 0x00, 0x01, 0x00, 0xAA, 0x00, /* address */
			   0x09,			       /* version */
			   0xf1, 0x05,		   /* manufacturer */
			   0xff, 0xfe, 0x01, 0x00, /* supported */
			   0x91, 0x00, 0x00, 0x00, /* current */
			   0x0c, 0x02, 0x5a };	   /* class */
	struct mgmt_controller_info info;
	char text[BT_ADDR_STRLEN];

	memcpy(p + 20, "HC-05", 5);
	memcpy(p + 269, "HC", 2);
	ck_assert_int_eq(mgmt_rp_read_info_decode(p, sizeof(p), &info), 0);
	ck_assert_str_eq(bt_addr_format(&info.bdaddr, text),
			 "00:AA:00:01:00:00");
	ck_assert_uint_eq(info.version, 9);
	ck_assert_uint_eq(info.manufacturer, 0x05f1);
	ck_assert_uint_eq(info.supported_settings, 0x0001feff);
	ck_assert_uint_eq(info.current_settings, 0x91);
	ck_assert_uint_eq(info.dev_class[0], 0x0c);
	ck_assert_uint_eq(info.dev_class[2], 0x5a);
	ck_assert_str_eq(info.name, "HC-05");
	ck_assert_str_eq(info.short_name, "HC");
	ck_assert_int_eq(mgmt_rp_read_info_decode(p, 279, &info), -EBADMSG);

	/* Names without their NUL are cut, never read past. */
	memset(p + 20, 'n', 249);
	memset(p + 269, 's', 11);
	ck_assert_int_eq(mgmt_rp_read_info_decode(p, sizeof(p), &info), 0);
	ck_assert_uint_eq(strlen(info.name), 248);
	ck_assert_uint_eq(strlen(info.short_name), 10);
}
END_TEST

START_TEST(test_rp_settings_and_addr)
{
	const uint8_t s[] = { 0x01, 0x02, 0x00, 0x00 }, a[] = { DEV };
	struct mgmt_addr addr;
	uint32_t settings;

	ck_assert_int_eq(mgmt_rp_settings_decode(s, 4, &settings), 0);
	ck_assert_uint_eq(settings, 0x0201);
	ck_assert_int_eq(mgmt_rp_settings_decode(s, 3, &settings), -EBADMSG);
	ck_assert_int_eq(mgmt_rp_addr_decode(a, 7, &addr), 0);
	addr_is_dev(&addr);
	ck_assert_int_eq(mgmt_rp_addr_decode(a, 6, &addr), -EBADMSG);
}
END_TEST

/* Read Index List's reply as the kernel sends it: a little-endian count,
 * then that many little-endian indexes, the newest controller first. */
START_TEST(test_rp_index_list)
{
	const uint8_t two[] = { 0x02, 0x00, 0x01, 0x00, 0x00, 0x00 };
	const uint8_t wide[] = { 0x03, 0x00, 0x34, 0x12, 0x00,
				 0x01, 0xfe, 0xff, 0xaa };
	const uint8_t none[] = { 0x00, 0x00 };
	uint16_t indexes[4] = { 0 }, count = 99;

	ck_assert_int_eq(mgmt_rp_index_list_decode(two, sizeof(two), indexes, 4,
						   &count),
			 0);
	ck_assert_uint_eq(count, 2);
	ck_assert_uint_eq(indexes[0], 1);
	ck_assert_uint_eq(indexes[1], 0);

	/* Both bytes of each index, and a trailing byte ignored. */
	ck_assert_int_eq(mgmt_rp_index_list_decode(wide, sizeof(wide), indexes,
						   4, &count),
			 0);
	ck_assert_uint_eq(count, 3);
	ck_assert_uint_eq(indexes[0], 0x1234);
	ck_assert_uint_eq(indexes[1], 0x0100);
	ck_assert_uint_eq(indexes[2], 0xfffe);

	/* No controller: a count of zero and nothing else. */
	count = 99;
	ck_assert_int_eq(mgmt_rp_index_list_decode(none, sizeof(none), indexes,
						   4, &count),
			 0);
	ck_assert_uint_eq(count, 0);
	ck_assert_int_eq(mgmt_rp_index_list_decode(none, sizeof(none), NULL, 0,
						   &count),
			 0);
	ck_assert_uint_eq(count, 0);
}
END_TEST

static const struct {
	uint8_t data[8];
	size_t len;
} bad_index_lists[] = {
	{ { 0 }, 0 },				       /* no header */
	{ { 0x01 }, 1 },			       /* half a count */
	{ { 0x01, 0x00 }, 2 },			       /* a count, no index */
	{ { 0x03, 0x00, 0x01, 0x00, 0x00, 0x00 }, 6 }, /* 3 said, 2 there */
	{ { 0x02, 0x00, 0x01, 0x00, 0x00 }, 5 },       /* last index cut */
	{ { 0xff, 0xff, 0x00, 0x00 }, 4 },	       /* 65535 said, 1 there */
	{ { 0x00, 0x01, 0x00, 0x00 }, 4 },	       /* 256 (big-endian 1) */
};

START_TEST(test_rp_index_list_malformed)
{
	uint16_t indexes[4] = { 7, 7, 7, 7 }, count = 99;

	ck_assert_int_eq(mgmt_rp_index_list_decode(bad_index_lists[_i].data,
						   bad_index_lists[_i].len,
						   indexes, 4, &count),
			 -EBADMSG);
	/* Nothing written on failure. */
	ck_assert_uint_eq(count, 99);
	ck_assert_uint_eq(indexes[0], 7);
}
END_TEST

START_TEST(test_rp_index_list_more_than_room)
{
	const uint8_t three[] = {
		0x03, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00
	};
	uint16_t indexes[3] = { 7, 7, 7 }, count = 99;

	ck_assert_int_eq(mgmt_rp_index_list_decode(three, sizeof(three),
						   indexes, 2, &count),
			 -ENOBUFS);
	ck_assert_uint_eq(count, 99);
	ck_assert_uint_eq(indexes[2], 7);
	ck_assert_int_eq(mgmt_rp_index_list_decode(three, sizeof(three),
						   indexes, 3, &count),
			 0);
	ck_assert_uint_eq(count, 3);
	ck_assert_uint_eq(indexes[0], 2);
	ck_assert_uint_eq(indexes[2], 0);
}
END_TEST

START_TEST(test_rp_connections)
{
	const uint8_t p[] = { 0x01, 0x00, DEV };
	const uint8_t lying[] = { 0xff, 0xff, DEV };
	const uint8_t *entries;
	struct mgmt_addr a;
	uint16_t count;

	ck_assert_int_eq(mgmt_rp_connections_decode(p, sizeof(p), &count,
						    &entries),
			 0);
	ck_assert_uint_eq(count, 1);
	ck_assert_int_eq(mgmt_rp_addr_decode(entries, 7, &a), 0);
	addr_is_dev(&a);
	ck_assert_int_eq(mgmt_rp_connections_decode(p, sizeof(p) - 1, &count,
						    &entries),
			 -EBADMSG);
	ck_assert_int_eq(mgmt_rp_connections_decode(lying, sizeof(lying),
						    &count, &entries),
			 -EBADMSG);
}
END_TEST

/* ---- Names ---- */

START_TEST(test_status_names)
{
	for (unsigned int s = 0; s < MGMT_STATUS_COUNT; s++)
		ck_assert_ptr_nonnull(mgmt_status_str((uint8_t)s));
	ck_assert_uint_eq(MGMT_STATUS_COUNT, 21);
	ck_assert_str_eq(mgmt_status_str(0x05), "Authentication Failed");
	ck_assert_str_eq(mgmt_status_str(0x13), "Already Paired");
	ck_assert_str_eq(mgmt_status_str(0x14), "Permission Denied");
	ck_assert_ptr_null(mgmt_status_str(0x15));
	ck_assert_ptr_null(mgmt_status_str(0xff));
}
END_TEST

START_TEST(test_opcode_and_event_names)
{
	static const uint16_t ops[] = {
		0x0003, 0x0004, 0x0005, 0x0007, 0x0009, 0x000B, 0x000F, 0x0012,
		0x0015, 0x0016, 0x0017, 0x0018, 0x0019, 0x001A, 0x001B, 0x001C,
		0x001D, 0x001E, 0x001F, 0x0023, 0x0024, 0x0025,
	};
	static const uint16_t evs[] = {
		0x0001, 0x0002, 0x0004, 0x0005, 0x0006, 0x0009,
		0x000B, 0x000C, 0x000D, 0x000E, 0x000F, 0x0010,
		0x0011, 0x0016, 0x0017, 0x0012, 0x0013,
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		ck_assert_ptr_nonnull(mgmt_opcode_str(ops[i]));
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		ck_assert_ptr_nonnull(mgmt_event_str(evs[i]));
	ck_assert_str_eq(mgmt_opcode_str(0x0019), "Pair Device");
	ck_assert_str_eq(mgmt_event_str(0x000E), "PIN Code Request");
	ck_assert_ptr_null(mgmt_opcode_str(0x0100));
	ck_assert_ptr_null(mgmt_event_str(0x0100));
}
END_TEST

START_TEST(test_io_cap_names)
{
	static const char *const names[] = {
		"DisplayOnly",	   "displayyesno",    "KEYBOARDONLY",
		"NoInputNoOutput", "keyboardDisplay",
	};
	uint8_t cap = 0xff;

	for (uint8_t i = 0; i < 5; i++) {
		ck_assert_int_eq(mgmt_io_cap_parse(names[i], &cap), 0);
		ck_assert_uint_eq(cap, i);
		ck_assert_ptr_nonnull(mgmt_io_cap_str(i));
	}
	ck_assert_int_eq(mgmt_io_cap_parse("", &cap), -EINVAL);
	ck_assert_int_eq(mgmt_io_cap_parse("NoInput", &cap), -EINVAL);
	ck_assert_int_eq(mgmt_io_cap_parse(NULL, &cap), -EINVAL);
	ck_assert_ptr_null(mgmt_io_cap_str(5));
}
END_TEST

START_TEST(test_key_type_and_setting_names)
{
	ck_assert_str_eq(mgmt_key_type_str(0), "combination");
	ck_assert_str_eq(mgmt_key_type_str(8), "authenticated P-256");
	ck_assert_ptr_null(mgmt_key_type_str(9));
	ck_assert_str_eq(mgmt_setting_str(0), "powered");
	ck_assert_str_eq(mgmt_setting_str(4), "bondable");
	ck_assert_str_eq(mgmt_setting_str(6), "ssp");
	ck_assert_ptr_null(mgmt_setting_str(31));
}
END_TEST

START_TEST(test_le_helpers)
{
	uint8_t b[4];

	mgmt_put_le16(b, 0x1234);
	ck_assert_uint_eq(b[0], 0x34);
	ck_assert_uint_eq(b[1], 0x12);
	ck_assert_uint_eq(mgmt_get_le16(b), 0x1234);
	mgmt_put_le32(b, 0xdeadbeef);
	ck_assert_uint_eq(b[0], 0xef);
	ck_assert_uint_eq(b[3], 0xde);
	ck_assert_uint_eq(mgmt_get_le32(b), 0xdeadbeef);
}
END_TEST

static Suite *wire_suite(void)
{
	Suite *s = suite_create("wire");
	TCase *cmd = tcase_create("commands");
	TCase *ev = tcase_create("events");
	TCase *rp = tcase_create("return parameters");
	TCase *names = tcase_create("names");

	tcase_add_test(cmd, test_cmd_mode);
	tcase_add_test(cmd, test_cmd_io_capability);
	tcase_add_test(cmd, test_cmd_local_name);
	tcase_add_test(cmd, test_cmd_addr);
	tcase_add_test(cmd, test_cmd_pair_device);
	tcase_add_test(cmd, test_cmd_unpair_device);
	tcase_add_test(cmd, test_cmd_pin_code_reply);
	tcase_add_test(cmd, test_cmd_passkey_reply);
	tcase_add_test(cmd, test_cmd_load_link_keys);
	tcase_add_test(cmd, test_cmd_discovery_and_confirm_name);
	tcase_add_test(cmd, test_redact);
	suite_add_tcase(s, cmd);

	tcase_add_test(ev, test_ev_cmd_complete);
	tcase_add_test(ev, test_ev_cmd_status);
	tcase_add_test(ev, test_ev_index_added_removed);
	tcase_add_test(ev, test_ev_new_settings);
	tcase_add_test(ev, test_ev_new_link_key);
	tcase_add_test(ev, test_ev_device_connected);
	tcase_add_test(ev, test_ev_device_disconnected);
	tcase_add_test(ev, test_ev_connect_failed);
	tcase_add_test(ev, test_ev_pin_code_request);
	tcase_add_test(ev, test_ev_user_confirm_request);
	tcase_add_test(ev, test_ev_user_passkey_request);
	tcase_add_test(ev, test_ev_auth_failed);
	tcase_add_test(ev, test_ev_device_unpaired);
	tcase_add_test(ev, test_ev_passkey_notify);
	tcase_add_test(ev, test_ev_device_found);
	tcase_add_test(ev, test_ev_discovering);
	tcase_add_test(ev, test_ev_longer_is_accepted);
	tcase_add_test(ev, test_ev_unknown);
	suite_add_tcase(s, ev);

	tcase_add_test(rp, test_rp_read_info);
	tcase_add_test(rp, test_rp_settings_and_addr);
	tcase_add_test(rp, test_rp_index_list);
	tcase_add_loop_test(rp, test_rp_index_list_malformed, 0,
			    sizeof(bad_index_lists) /
				    sizeof(bad_index_lists[0]));
	tcase_add_test(rp, test_rp_index_list_more_than_room);
	tcase_add_test(rp, test_rp_connections);
	suite_add_tcase(s, rp);

	tcase_add_test(names, test_status_names);
	tcase_add_test(names, test_opcode_and_event_names);
	tcase_add_test(names, test_io_cap_names);
	tcase_add_test(names, test_key_type_and_setting_names);
	tcase_add_test(names, test_le_helpers);
	suite_add_tcase(s, names);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(wire_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
