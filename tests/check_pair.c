/* The pairing procedure against a fake kernel, one scripted case each. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mgmt/addr.h"
#include "mgmt/pair.h"
#include "tests/fake_kernel.h"

/* 98:D3:31:F5:1A:2B, BR/EDR, as it travels. */
#define DEV 0x2B, 0x1A, 0xF5, 0x31, 0xD3, 0x98, 0x00
/* Another device: 00:11:22:33:44:55. */
#define OTHER 0x55, 0x44, 0x33, 0x22, 0x11, 0x00, 0x00
/* clang-format off */
#define KEY16 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, \
	      0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f
/* clang-format on */
#define PIN_1234 0x04, '1', '2', '3', '4', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
#define PIN_0000 0x04, '0', '0', '0', '0', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0

#define OP_IO 0x0018
#define OP_PAIR 0x0019
#define OP_CANCEL 0x001A
#define OP_PIN 0x0016
#define OP_PIN_NEG 0x0017
#define OP_CONFIRM 0x001C
#define OP_CONFIRM_NEG 0x001D
#define OP_PASSKEY 0x001E
#define OP_PASSKEY_NEG 0x001F
#define OP_DISCONNECT 0x0014

#define EV_NEW_LINK_KEY 0x0009
#define EV_CONNECTED 0x000B
#define EV_DISCONNECTED 0x000C
#define EV_PIN_REQUEST 0x000E
#define EV_CONFIRM_REQUEST 0x000F
#define EV_PASSKEY_REQUEST 0x0010
#define EV_AUTH_FAILED 0x0011
#define EV_PASSKEY_NOTIFY 0x0017

/* The opening every pairing of the NoInputNoOutput kind makes. */
#define START_NOIO                                                             \
	FK_EXPECT_BYTES(OP_IO, 0, 0x03), FK_COMPLETE(OP_IO, 0, 0x00),          \
		FK_EXPECT_BYTES(OP_PAIR, 0, DEV, 0x03)

struct seen {
	int keys;
	struct mgmt_link_key key;
	uint8_t hint;
	int notifies;
	uint32_t passkey;
	int asked;
	bool answer;
	enum pair_phase phases[8];
	int nphases;
};

/*
 * The kernel runs a command inside send() and then fails to queue its
 * immediate reply when the receive buffer is full: send() returns ENOMEM
 * although the command ran. This send() stands in for libc's here: on the
 * client's fd it passes the command on, then fails the next lose_count
 * sends of lose_op with ENOMEM.
 */
static int watched_fd = -1;
static uint16_t lose_op;
static int lose_count;

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	const uint8_t *b = buf;
	long n = syscall(SYS_sendto, fd, buf, len, flags, NULL, 0);

	if (n >= 2 && fd == watched_fd && lose_count > 0 &&
	    (uint16_t)(b[0] | b[1] << 8) == lose_op) {
		lose_count--;
		errno = ENOMEM;
		return -1;
	}
	return n;
}

static void on_phase(void *data, enum pair_phase phase)
{
	struct seen *s = data;

	if (s->nphases < 8)
		s->phases[s->nphases++] = phase;
}

static void on_notify(void *data, const struct mgmt_addr *addr,
		      uint32_t passkey, uint8_t entered)
{
	struct seen *s = data;

	(void)addr;
	(void)entered;
	s->notifies++;
	s->passkey = passkey;
}

static bool on_ask(void *data, const struct mgmt_addr *addr, uint32_t value,
		   int64_t deadline)
{
	struct seen *s = data;

	(void)addr;
	(void)value;
	(void)deadline;
	s->asked++;
	return s->answer;
}

static void on_key(void *data, uint16_t index, const struct mgmt_link_key *key,
		   uint8_t hint)
{
	struct seen *s = data;

	ck_assert_uint_eq(index, 0);
	s->keys++;
	s->key = *key;
	s->hint = hint;
}

static const struct pair_callbacks callbacks = {
	.phase = on_phase,
	.passkey_notify = on_notify,
	.ask_confirm = on_ask,
	.new_link_key = on_key,
};

static struct seen seen;
static struct pair_result res;
static struct pair_params params;

static void setup(void)
{
	memset(&seen, 0, sizeof(seen));
	memset(&params, 0, sizeof(params));
	ck_assert_int_eq(bt_addr_parse("98:D3:31:F5:1A:2B",
				       &params.addr.bdaddr),
			 0);
	params.addr.type = MGMT_ADDR_BREDR;
	params.index = 0;
	params.io_cap = MGMT_IO_NO_INPUT_NO_OUTPUT;
	params.cb = &callbacks;
	params.cb_data = &seen;
	params.deadline = time_deadline_in(5000);
}

static void run(const struct fk_step *steps, int wakeup_fd)
{
	struct fake_kernel *fk;
	struct mgmt_client *c;
	char err[256];
	bool ok;
	int fd;

	fk = fk_new(&fd);
	c = mgmt_client_new(fd);
	mgmt_client_set_wakeup_fd(c, wakeup_fd);
	watched_fd = mgmt_client_fd(c);
	fk_start(fk, steps);
	ck_assert_int_eq(pair_device(c, &params, &res), 0);
	watched_fd = -1;
	lose_count = 0;
	ok = fk_finish(fk, err, sizeof(err));
	mgmt_client_free(c);
	ck_assert_msg(ok, "fake kernel: %s", err);
}

static const char *const pins_1234[] = { "1234" };
static const char *const pins_both[] = { "1234", "0000" };

START_TEST(test_legacy_pin_success)
{
	const struct fk_step steps[] = {
		START_NOIO,
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, PIN_1234),
		FK_COMPLETE(OP_PIN, 0, 0x00, DEV),
		FK_EVENT(EV_NEW_LINK_KEY, 0, 0x01, DEV, 0x00, KEY16, 0x04),
		FK_COMPLETE(OP_PAIR, 0, 0x00, DEV),
		FK_SILENT_MS(50),
		FK_DONE,
	};
	const uint8_t key[] = { KEY16 };

	params.pins = pins_1234;
	params.pin_count = 1;
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_PAIRED);
	ck_assert_uint_eq(res.status, 0);
	ck_assert(res.pin_requested);
	ck_assert_uint_eq(res.pins_sent, 1);
	ck_assert(res.key_received);
	ck_assert_uint_eq(res.key_type, MGMT_KEY_COMBINATION);
	ck_assert_uint_eq(res.store_hint, 1);
	ck_assert_int_eq(seen.keys, 1);
	ck_assert_mem_eq(seen.key.val, key, 16);
	ck_assert_uint_eq(seen.key.pin_len, 4);
	ck_assert(!res.reply_rejected);
}
END_TEST

/* Device Connected for DEV: flags 0, no EIR. */
#define CONNECTED_DEV FK_EVENT(EV_CONNECTED, 0, DEV, 0, 0, 0, 0, 0, 0)

START_TEST(test_pairing_ends_the_link_it_made)
{
	const struct fk_step steps[] = {
		START_NOIO,
		CONNECTED_DEV,
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, PIN_1234),
		FK_COMPLETE(OP_PIN, 0, 0x00, DEV),
		FK_EVENT(EV_NEW_LINK_KEY, 0, 0x01, DEV, 0x00, KEY16, 0x04),
		FK_COMPLETE(OP_PAIR, 0, 0x00, DEV),
		FK_EXPECT_BYTES(OP_DISCONNECT, 0, DEV),
		FK_EVENT(EV_DISCONNECTED, 0, DEV, 0x02),
		FK_COMPLETE(OP_DISCONNECT, 0, 0x00, DEV),
		FK_SILENT_MS(50),
		FK_DONE,
	};

	params.pins = pins_1234;
	params.pin_count = 1;
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_PAIRED);
	ck_assert(res.link_ended);
}
END_TEST

/* A link that was up before Pair Device (no Device Connected during it) may
 * carry someone else's connection: it stays. */
START_TEST(test_pairing_leaves_a_link_it_did_not_make)
{
	const struct fk_step steps[] = {
		START_NOIO,
		FK_EVENT(EV_CONNECTED, 0, OTHER, 0, 0, 0, 0, 0, 0),
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, PIN_1234),
		FK_COMPLETE(OP_PIN, 0, 0x00, DEV),
		FK_EVENT(EV_NEW_LINK_KEY, 0, 0x01, DEV, 0x00, KEY16, 0x04),
		FK_COMPLETE(OP_PAIR, 0, 0x00, DEV),
		FK_SILENT_MS(100),
		FK_DONE,
	};

	params.pins = pins_1234;
	params.pin_count = 1;
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_PAIRED);
	ck_assert(!res.link_ended);
}
END_TEST

/* The link went down before Pair Device's reply: nothing to end. */
START_TEST(test_pairing_link_already_down_is_not_ended)
{
	const struct fk_step steps[] = {
		START_NOIO,
		CONNECTED_DEV,
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, PIN_1234),
		FK_COMPLETE(OP_PIN, 0, 0x00, DEV),
		FK_EVENT(EV_NEW_LINK_KEY, 0, 0x01, DEV, 0x00, KEY16, 0x04),
		FK_EVENT(EV_DISCONNECTED, 0, DEV, 0x03),
		FK_COMPLETE(OP_PAIR, 0, 0x0e, DEV),
		FK_SILENT_MS(100),
		FK_DONE,
	};

	params.pins = pins_1234;
	params.pin_count = 1;
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_PAIRED);
	ck_assert(!res.link_ended);
}
END_TEST

/* Disconnect refused (the link went away meanwhile): still paired. */
START_TEST(test_pairing_link_end_refused_is_still_paired)
{
	const struct fk_step steps[] = {
		START_NOIO,
		CONNECTED_DEV,
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, PIN_1234),
		FK_COMPLETE(OP_PIN, 0, 0x00, DEV),
		FK_EVENT(EV_NEW_LINK_KEY, 0, 0x01, DEV, 0x00, KEY16, 0x04),
		FK_COMPLETE(OP_PAIR, 0, 0x00, DEV),
		FK_EXPECT_BYTES(OP_DISCONNECT, 0, DEV),
		FK_COMPLETE(OP_DISCONNECT, 0, 0x02, DEV),
		FK_DONE,
	};

	params.pins = pins_1234;
	params.pin_count = 1;
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_PAIRED);
	ck_assert(!res.link_ended);
}
END_TEST

START_TEST(test_second_pin_after_auth_failure)
{
	const struct fk_step steps[] = {
		START_NOIO,
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, PIN_1234),
		FK_COMPLETE(OP_PIN, 0, 0x00, DEV),
		FK_EVENT(EV_AUTH_FAILED, 0, DEV, 0x05),
		FK_COMPLETE(OP_PAIR, 0, 0x05, DEV),
		/* Not while the failed link is still up... */
		FK_SILENT_MS(100),
		FK_EVENT(EV_DISCONNECTED, 0, DEV, 0x04),
		/* ...but once it is down, with the next PIN. */
		FK_EXPECT_BYTES(OP_PAIR, 0, DEV, 0x03),
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, PIN_0000),
		FK_COMPLETE(OP_PIN, 0, 0x00, DEV),
		FK_COMPLETE(OP_PAIR, 0, 0x00, DEV),
		FK_DONE,
	};

	params.pins = pins_both;
	params.pin_count = 2;
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_PAIRED);
	ck_assert_uint_eq(res.pins_sent, 2);
	ck_assert(!res.auth_failed);
}
END_TEST

START_TEST(test_next_pin_without_disconnect_event)
{
	const struct fk_step steps[] = {
		START_NOIO,
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, PIN_1234),
		FK_COMPLETE(OP_PIN, 0, 0x00, DEV),
		FK_COMPLETE(OP_PAIR, 0, 0x05, DEV),
		/* No Disconnected comes: btpair goes on after a while. */
		FK_EXPECT_BYTES(OP_PAIR, 0, DEV, 0x03),
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, PIN_0000),
		FK_COMPLETE(OP_PIN, 0, 0x00, DEV),
		FK_COMPLETE(OP_PAIR, 0, 0x00, DEV),
		FK_DONE,
	};

	params.pins = pins_both;
	params.pin_count = 2;
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_PAIRED);
	ck_assert_uint_eq(res.pins_sent, 2);
}
END_TEST

START_TEST(test_stale_link_is_retried_once)
{
	const struct fk_step steps[] = {
		START_NOIO,
		/* The link of an earlier attempt goes down under this one. */
		FK_EVENT(EV_DISCONNECTED, 0, DEV, 0x02),
		FK_COMPLETE(OP_PAIR, 0, 0x0e, DEV),
		FK_EXPECT_BYTES(OP_PAIR, 0, DEV, 0x03),
		FK_EVENT(EV_DISCONNECTED, 0, DEV, 0x02),
		FK_COMPLETE(OP_PAIR, 0, 0x0e, DEV),
		/* Twice is not a stale link: it is the answer. */
		FK_SILENT_MS(200),
		FK_DONE,
	};

	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_FAILED);
	ck_assert_uint_eq(res.status, MGMT_STATUS_DISCONNECTED);
}
END_TEST

START_TEST(test_link_lost_after_a_kept_key_is_paired)
{
	const struct fk_step steps[] = {
		START_NOIO,
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, PIN_1234),
		FK_COMPLETE(OP_PIN, 0, 0x00, DEV),
		FK_EVENT(EV_NEW_LINK_KEY, 0, 0x01, DEV, 0x00, KEY16, 0x04),
		FK_EVENT(EV_DISCONNECTED, 0, DEV, 0x03),
		FK_COMPLETE(OP_PAIR, 0, 0x0e, DEV),
		FK_SILENT_MS(50),
		FK_DONE,
	};

	params.pins = pins_1234;
	params.pin_count = 1;
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_PAIRED);
	ck_assert_uint_eq(res.status, 0x0e);
	ck_assert_int_eq(seen.keys, 1);
}
END_TEST

START_TEST(test_link_lost_after_a_discarded_key_fails)
{
	const struct fk_step steps[] = {
		START_NOIO,
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, PIN_1234),
		FK_COMPLETE(OP_PIN, 0, 0x00, DEV),
		/* Store hint 0: the kernel does not keep it. */
		FK_EVENT(EV_NEW_LINK_KEY, 0, 0x00, DEV, 0x04, KEY16, 0x00),
		FK_COMPLETE(OP_PAIR, 0, 0x0e, DEV),
		FK_SILENT_MS(50),
		FK_DONE,
	};

	params.pins = pins_1234;
	params.pin_count = 1;
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_FAILED);
	ck_assert_uint_eq(res.status, 0x0e);
}
END_TEST

START_TEST(test_wrong_pin)
{
	const struct fk_step steps[] = {
		START_NOIO,
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, PIN_1234),
		FK_COMPLETE(OP_PIN, 0, 0x00, DEV),
		FK_EVENT(EV_AUTH_FAILED, 0, DEV, 0x05),
		FK_COMPLETE(OP_PAIR, 0, 0x05, DEV),
		FK_SILENT_MS(50),
		FK_DONE,
	};

	params.pins = pins_1234;
	params.pin_count = 1;
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_FAILED);
	ck_assert_uint_eq(res.status, MGMT_STATUS_AUTH_FAILED);
	ck_assert_uint_eq(res.pins_sent, 1);
	ck_assert(res.auth_failed);
	ck_assert_uint_eq(res.auth_status, 0x05);
	ck_assert(!res.pin_missing);
}
END_TEST

START_TEST(test_no_pin_given)
{
	const struct fk_step steps[] = {
		START_NOIO,
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN_NEG, 0, DEV),
		FK_COMPLETE(OP_PIN_NEG, 0, 0x00, DEV),
		FK_COMPLETE(OP_PAIR, 0, 0x05, DEV),
		FK_DONE,
	};

	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_FAILED);
	ck_assert(res.pin_requested);
	ck_assert(res.pin_missing);
	ck_assert_uint_eq(res.pins_sent, 0);
}
END_TEST

START_TEST(test_secure_pin_request_refuses_short_pin)
{
	const struct fk_step steps[] = {
		START_NOIO,
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x01),
		FK_EXPECT_BYTES(OP_PIN_NEG, 0, DEV),
		FK_COMPLETE(OP_PIN_NEG, 0, 0x00, DEV),
		FK_COMPLETE(OP_PAIR, 0, 0x05, DEV),
		FK_SILENT_MS(50),
		FK_DONE,
	};

	params.pins = pins_both;
	params.pin_count = 2;
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_FAILED);
	ck_assert(res.pin_secure_refused);
	ck_assert_uint_eq(res.pins_sent, 0);
}
END_TEST

START_TEST(test_secure_pin_request_takes_16_bytes)
{
	static const char *const pin16[] = { "0123456789abcdef" };
	const struct fk_step steps[] = {
		START_NOIO,
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x01),
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, 16, '0', '1', '2', '3', '4',
				'5', '6', '7', '8', '9', 'a', 'b', 'c', 'd',
				'e', 'f'),
		FK_COMPLETE(OP_PIN, 0, 0x00, DEV),
		FK_COMPLETE(OP_PAIR, 0, 0x00, DEV),
		FK_DONE,
	};

	params.pins = pin16;
	params.pin_count = 1;
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_PAIRED);
}
END_TEST

START_TEST(test_just_works_is_accepted)
{
	const struct fk_step steps[] = {
		START_NOIO,
		FK_EVENT(EV_CONFIRM_REQUEST, 0, DEV, 0x01, 0x40, 0xe2, 0x01,
			 0x00),
		FK_EXPECT_BYTES(OP_CONFIRM, 0, DEV),
		FK_COMPLETE(OP_CONFIRM, 0, 0x00, DEV),
		FK_EVENT(EV_NEW_LINK_KEY, 0, 0x01, DEV, 0x04, KEY16, 0x00),
		FK_COMPLETE(OP_PAIR, 0, 0x00, DEV),
		FK_DONE,
	};

	params.confirm = PAIR_CONFIRM_REFUSE;
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_PAIRED);
	ck_assert_uint_eq(res.key_type, MGMT_KEY_UNAUTH_P192);
	ck_assert_int_eq(seen.asked, 0);
}
END_TEST

START_TEST(test_numeric_comparison_refused)
{
	const struct fk_step steps[] = {
		START_NOIO,
		FK_EVENT(EV_CONFIRM_REQUEST, 0, DEV, 0x00, 0x40, 0xe2, 0x01,
			 0x00),
		FK_EXPECT_BYTES(OP_CONFIRM_NEG, 0, DEV),
		FK_COMPLETE(OP_CONFIRM_NEG, 0, 0x00, DEV),
		FK_COMPLETE(OP_PAIR, 0, 0x05, DEV),
		FK_DONE,
	};

	params.confirm = PAIR_CONFIRM_REFUSE;
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_FAILED);
	ck_assert(res.confirm_refused);
}
END_TEST

START_TEST(test_numeric_comparison_accepted)
{
	const struct fk_step steps[] = {
		START_NOIO,
		FK_EVENT(EV_CONFIRM_REQUEST, 0, DEV, 0x00, 0x40, 0xe2, 0x01,
			 0x00),
		FK_EXPECT_BYTES(OP_CONFIRM, 0, DEV),
		FK_COMPLETE(OP_CONFIRM, 0, 0x00, DEV),
		FK_COMPLETE(OP_PAIR, 0, 0x00, DEV),
		FK_DONE,
	};

	params.confirm = PAIR_CONFIRM_ACCEPT;
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_PAIRED);
	ck_assert(!res.confirm_refused);
}
END_TEST

START_TEST(test_numeric_comparison_asked)
{
	const struct fk_step steps[] = {
		START_NOIO,
		FK_EVENT(EV_CONFIRM_REQUEST, 0, DEV, 0x00, 0x40, 0xe2, 0x01,
			 0x00),
		FK_EXPECT_BYTES(OP_CONFIRM_NEG, 0, DEV),
		FK_COMPLETE(OP_CONFIRM_NEG, 0, 0x00, DEV),
		FK_COMPLETE(OP_PAIR, 0, 0x05, DEV),
		FK_DONE,
	};

	params.confirm = PAIR_CONFIRM_ASK;
	seen.answer = false;
	run(steps, -1);
	ck_assert_int_eq(seen.asked, 1);
	ck_assert(res.confirm_refused);
}
END_TEST

START_TEST(test_passkey_entry)
{
	const struct fk_step steps[] = {
		FK_EXPECT_BYTES(OP_IO, 0, 0x02),
		FK_COMPLETE(OP_IO, 0, 0x00),
		FK_EXPECT_BYTES(OP_PAIR, 0, DEV, 0x02),
		FK_EVENT(EV_PASSKEY_REQUEST, 0, DEV),
		FK_EXPECT_BYTES(OP_PASSKEY, 0, DEV, 0x40, 0xe2, 0x01, 0x00),
		FK_COMPLETE(OP_PASSKEY, 0, 0x00, DEV),
		FK_COMPLETE(OP_PAIR, 0, 0x00, DEV),
		FK_DONE,
	};

	params.io_cap = MGMT_IO_KEYBOARD_ONLY;
	params.have_passkey = true;
	params.passkey = 123456;
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_PAIRED);
}
END_TEST

START_TEST(test_passkey_missing)
{
	const struct fk_step steps[] = {
		START_NOIO,
		FK_EVENT(EV_PASSKEY_REQUEST, 0, DEV),
		FK_EXPECT_BYTES(OP_PASSKEY_NEG, 0, DEV),
		FK_COMPLETE(OP_PASSKEY_NEG, 0, 0x00, DEV),
		FK_COMPLETE(OP_PAIR, 0, 0x05, DEV),
		FK_DONE,
	};

	run(steps, -1);
	ck_assert(res.passkey_missing);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_FAILED);
}
END_TEST

START_TEST(test_passkey_notify_reaches_callback)
{
	const struct fk_step steps[] = {
		START_NOIO,
		FK_EVENT(EV_PASSKEY_NOTIFY, 0, DEV, 0x3f, 0x42, 0x0f, 0x00,
			 0x00),
		/* Another controller's notification is none of ours. */
		FK_EVENT(EV_PASSKEY_NOTIFY, 1, DEV, 0x01, 0x00, 0x00, 0x00,
			 0x00),
		FK_COMPLETE(OP_PAIR, 0, 0x00, DEV),
		FK_DONE,
	};

	run(steps, -1);
	ck_assert_int_eq(seen.notifies, 1);
	ck_assert_uint_eq(seen.passkey, 999999);
}
END_TEST

START_TEST(test_requests_for_others_are_left_alone)
{
	const struct fk_step steps[] = {
		START_NOIO,
		/* Another device on this controller, and this device on
		 * another controller: someone else's to answer. */
		FK_EVENT(EV_PIN_REQUEST, 0, OTHER, 0x00),
		FK_EVENT(EV_PIN_REQUEST, 1, DEV, 0x00),
		FK_EVENT(EV_CONFIRM_REQUEST, 1, DEV, 0x01, 0, 0, 0, 0),
		FK_EVENT(EV_PASSKEY_REQUEST, 0, OTHER),
		FK_EVENT(EV_NEW_LINK_KEY, 0, 0x01, OTHER, 0x00, KEY16, 0x04),
		FK_SILENT_MS(100),
		FK_COMPLETE(OP_PAIR, 0, 0x00, DEV),
		FK_SILENT_MS(50),
		FK_DONE,
	};

	params.pins = pins_1234;
	params.pin_count = 1;
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_PAIRED);
	ck_assert(!res.pin_requested);
	ck_assert_int_eq(seen.keys, 0);
}
END_TEST

/* Feed every event to pair_answer_event until the fake kernel closes. */
static void answer_all(const struct fk_step *steps)
{
	struct policy_state st = { 0 };
	struct fake_kernel *fk;
	struct mgmt_client *c;
	struct mgmt_msg *m;
	char err[256];
	bool ok;
	int fd;

	fk = fk_new(&fd);
	c = mgmt_client_new(fd);
	fk_start(fk, steps);
	while (mgmt_client_next(c, time_deadline_in(3000), &m) == 0) {
		struct mgmt_event ev;

		if (mgmt_event_decode(m, &ev) == 0)
			ck_assert_int_eq(pair_answer_event(c, &params, &res,
							   &st, &ev),
					 0);
		free(m);
	}
	ok = fk_finish(fk, err, sizeof(err));
	mgmt_client_free(c);
	ck_assert_msg(ok, "fake kernel: %s", err);
}

START_TEST(test_answer_requests_of_a_pairing_started_elsewhere)
{
	const struct fk_step steps[] = {
		FK_EVENT(EV_PIN_REQUEST, 0, OTHER, 0x00),
		FK_EVENT(EV_PIN_REQUEST, 1, DEV, 0x00),
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, PIN_1234),
		FK_COMPLETE(OP_PIN, 0, 0x00, DEV),
		FK_EVENT(EV_AUTH_FAILED, 0, DEV, 0x05),
		/* The next request gets the next PIN. */
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, PIN_0000),
		FK_COMPLETE(OP_PIN, 0, 0x00, DEV),
		/* Another program's Pair Device reply ends nothing here. */
		FK_COMPLETE(OP_PAIR, 0, 0x00, DEV),
		FK_EVENT(EV_AUTH_FAILED, 0, DEV, 0x05),
		/* With no PIN left, a refusal at once. */
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN_NEG, 0, DEV),
		FK_COMPLETE(OP_PIN_NEG, 0, 0x00, DEV),
		/* A key: the device's PINs start over. */
		FK_EVENT(EV_NEW_LINK_KEY, 0, 0x01, DEV, 0x00, KEY16, 0x04),
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, PIN_1234),
		FK_COMPLETE(OP_PIN, 0, 0x00, DEV),
		FK_SILENT_MS(50),
		FK_CLOSE_END,
		FK_DONE,
	};

	memset(&res, 0, sizeof(res));
	res.outcome = PAIR_OUTCOME_ERROR;
	params.pins = pins_both;
	params.pin_count = 2;
	answer_all(steps);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_ERROR);
	ck_assert(res.pin_requested);
	ck_assert_uint_eq(res.pins_sent, 2);
	ck_assert(res.auth_failed);
	ck_assert(res.pin_missing);
	ck_assert(res.key_received);
	ck_assert_int_eq(seen.keys, 1);
	ck_assert(!res.reply_rejected);
}
END_TEST

START_TEST(test_already_paired)
{
	const struct fk_step steps[] = {
		START_NOIO,
		FK_COMPLETE(OP_PAIR, 0, 0x13, DEV),
		FK_DONE,
	};

	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_ALREADY_PAIRED);
	ck_assert_uint_eq(res.status, MGMT_STATUS_ALREADY_PAIRED);
}
END_TEST

START_TEST(test_peer_disconnects)
{
	const struct fk_step steps[] = {
		START_NOIO,
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN_NEG, 0, DEV),
		FK_COMPLETE(OP_PIN_NEG, 0, 0x00, DEV),
		FK_EVENT(EV_DISCONNECTED, 0, DEV, 0x03),
		FK_COMPLETE(OP_PAIR, 0, 0x0e, DEV),
		FK_DONE,
	};

	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_FAILED);
	ck_assert(res.disconnected);
	ck_assert_uint_eq(res.disconnect_reason, 3);
	ck_assert_uint_eq(res.status, MGMT_STATUS_DISCONNECTED);
}
END_TEST

START_TEST(test_unreachable)
{
	const struct fk_step steps[] = {
		START_NOIO,
		FK_COMPLETE(OP_PAIR, 0, 0x04, DEV),
		FK_DONE,
	};

	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_FAILED);
	ck_assert_uint_eq(res.status, MGMT_STATUS_CONNECT_FAILED);
}
END_TEST

START_TEST(test_deadline_cancels)
{
	const struct fk_step steps[] = {
		START_NOIO,
		/* The device never answers; at the deadline btpair cancels. */
		FK_EXPECT_BYTES(OP_CANCEL, 0, DEV),
		FK_COMPLETE(OP_PAIR, 0, 0x10, DEV),
		FK_COMPLETE(OP_CANCEL, 0, 0x00, DEV),
		FK_DONE,
	};
	int64_t t0 = time_now_ms();

	params.deadline = time_deadline_in(300);
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_TIMEOUT);
	ck_assert_int_ge(time_now_ms() - t0, 300);
	ck_assert_int_lt(time_now_ms() - t0, 2000);
}
END_TEST

START_TEST(test_interrupt_cancels)
{
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	{
		const struct fk_step steps[] = {
			START_NOIO,
			FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
			FK_EXPECT_BYTES(OP_PIN_NEG, 0, DEV),
			FK_COMPLETE(OP_PIN_NEG, 0, 0x00, DEV),
			/* SIGINT arrives mid-pairing. */
			FK_POKE_FD(p[1]),
			FK_EXPECT_BYTES(OP_CANCEL, 0, DEV),
			FK_COMPLETE(OP_PAIR, 0, 0x10, DEV),
			FK_COMPLETE(OP_CANCEL, 0, 0x00, DEV),
			FK_DONE,
		};

		run(steps, p[0]);
	}
	close(p[0]);
	close(p[1]);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_INTERRUPTED);
}
END_TEST

START_TEST(test_interrupt_before_start_sends_no_cancel)
{
	const struct fk_step steps[] = {
		FK_EXPECT_BYTES(OP_IO, 0, 0x03),
		FK_SILENT_MS(100),
		FK_DONE,
	};
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	run(steps, p[0]);
	close(p[0]);
	close(p[1]);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_INTERRUPTED);
}
END_TEST

START_TEST(test_reply_rejected_is_not_fatal)
{
	const struct fk_step steps[] = {
		START_NOIO,
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, PIN_1234),
		/* Someone else answered first. */
		FK_COMPLETE(OP_PIN, 0, 0x02, DEV),
		FK_COMPLETE(OP_PAIR, 0, 0x00, DEV),
		FK_DONE,
	};

	params.pins = pins_1234;
	params.pin_count = 1;
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_PAIRED);
	ck_assert(res.reply_rejected);
}
END_TEST

START_TEST(test_pair_reply_while_waiting_for_pin_reply)
{
	/* The kernel may finish the pairing before it confirms our reply:
	 * Pair Device's reply must not be lost in between. */
	const struct fk_step steps[] = {
		START_NOIO,
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, PIN_1234),
		FK_COMPLETE(OP_PAIR, 0, 0x00, DEV),
		FK_COMPLETE(OP_PIN, 0, 0x00, DEV),
		FK_DONE,
	};

	params.pins = pins_1234;
	params.pin_count = 1;
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_PAIRED);
}
END_TEST

START_TEST(test_index_removed)
{
	const struct fk_step steps[] = {
		START_NOIO,
		FK_EVENT0(0x0005, 1),
		FK_EVENT0(0x0005, 0),
		FK_DONE,
	};

	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_ERROR);
	ck_assert_int_eq(res.err, -ENODEV);
}
END_TEST

START_TEST(test_controller_removed_under_pair_device)
{
	/* Removal completes the pending Pair Device with Invalid Index
	 * before Index Removed comes: the controller went away, it is not
	 * a pairing that failed. */
	const struct fk_step steps[] = {
		START_NOIO,
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, PIN_1234),
		FK_COMPLETE(OP_PIN, 0, 0x00, DEV),
		FK_COMPLETE(OP_PAIR, 0, 0x11, DEV),
		FK_EVENT0(0x0005, 0),
		FK_DONE,
	};

	params.pins = pins_1234;
	params.pin_count = 1;
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_ERROR);
	ck_assert_int_eq(res.err, -ENODEV);
}
END_TEST

START_TEST(test_malformed_events_are_ignored)
{
	const struct fk_step steps[] = {
		START_NOIO,
		/* A PIN request one byte short, a link key cut in half, an
		 * unknown event: none may be answered or trusted. */
		FK_EVENT(EV_PIN_REQUEST, 0, DEV),
		FK_EVENT(EV_NEW_LINK_KEY, 0, 0x01, DEV, 0x00, 0x01, 0x02),
		FK_EVENT(0x7777, 0, 0x01),
		FK_SILENT_MS(100),
		FK_COMPLETE(OP_PAIR, 0, 0x00, DEV),
		FK_DONE,
	};

	params.pins = pins_1234;
	params.pin_count = 1;
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_PAIRED);
	ck_assert(!res.pin_requested);
	ck_assert(!res.key_received);
}
END_TEST

START_TEST(test_io_capability_refused)
{
	const struct fk_step steps[] = {
		FK_EXPECT_BYTES(OP_IO, 0, 0x03),
		FK_STATUS(OP_IO, 0, 0x11),
		FK_SILENT_MS(50),
		FK_DONE,
	};

	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_FAILED);
	ck_assert_uint_eq(res.status, MGMT_STATUS_INVALID_INDEX);
}
END_TEST

START_TEST(test_pair_device_command_status)
{
	const struct fk_step steps[] = {
		START_NOIO,
		FK_STATUS(OP_PAIR, 0, 0x0f),
		FK_DONE,
	};

	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_FAILED);
	ck_assert_uint_eq(res.status, MGMT_STATUS_NOT_POWERED);
}
END_TEST

START_TEST(test_prepare_turns_on_bondable_and_power)
{
	uint8_t info[3 + 280] = { 0x04, 0x00, 0x00 };
	struct fk_step steps[] = {
		FK_EXPECT_CMD(0x0004, 0),
		{ .kind = FK_SEND,
		  .code = 0x0001,
		  .index = 0,
		  .param = info,
		  .len = sizeof(info) },
		FK_EXPECT_BYTES(0x0009, 0, 0x01),
		FK_COMPLETE(0x0009, 0, 0x00, 0x90, 0x00, 0x00, 0x00),
		FK_EXPECT_BYTES(0x0005, 0, 0x01),
		FK_COMPLETE(0x0005, 0, 0x00, 0x91, 0x00, 0x00, 0x00),
		FK_SILENT_MS(50),
		FK_DONE,
	};
	struct fake_kernel *fk;
	struct mgmt_client *c;
	struct mgmt_controller_info ci;
	uint8_t status = 0xff;
	char err[256];
	bool ok;
	int fd;

	/* current settings at offset 3 + 13: BR/EDR only */
	info[3 + 13] = 0x80;
	fk = fk_new(&fd);
	c = mgmt_client_new(fd);
	fk_start(fk, steps);
	ck_assert_int_eq(pair_prepare_controller(c, 0, time_deadline_in(2000),
						 &status, &ci),
			 0);
	ok = fk_finish(fk, err, sizeof(err));
	mgmt_client_free(c);
	ck_assert_msg(ok, "fake kernel: %s", err);
	ck_assert_uint_eq(status, 0);
	ck_assert_uint_eq(ci.current_settings, 0x91);
}
END_TEST

START_TEST(test_prepare_leaves_ready_controller_alone)
{
	uint8_t info[3 + 280] = { 0x04, 0x00, 0x00 };
	struct fk_step steps[] = {
		FK_EXPECT_CMD(0x0004, 0),
		{ .kind = FK_SEND,
		  .code = 0x0001,
		  .index = 0,
		  .param = info,
		  .len = sizeof(info) },
		FK_SILENT_MS(100),
		FK_DONE,
	};
	struct fake_kernel *fk;
	struct mgmt_client *c;
	struct mgmt_controller_info ci;
	uint8_t status = 0xff;
	char err[256];
	bool ok;
	int fd;

	info[3 + 13] = 0x91;
	fk = fk_new(&fd);
	c = mgmt_client_new(fd);
	fk_start(fk, steps);
	ck_assert_int_eq(pair_prepare_controller(c, 0, time_deadline_in(2000),
						 &status, &ci),
			 0);
	ok = fk_finish(fk, err, sizeof(err));
	mgmt_client_free(c);
	ck_assert_msg(ok, "fake kernel: %s", err);
	ck_assert_uint_eq(ci.current_settings, 0x91);
}
END_TEST

/* Pair Device answered at once (Already Paired here), its reply lost to a
 * full receive buffer: sent again, it gets the same answer. */
START_TEST(test_pair_device_lost_reply_is_asked_again)
{
	const struct fk_step steps[] = {
		START_NOIO, /* its reply lost */
		FK_EXPECT_BYTES(OP_PAIR, 0, DEV, 0x03),
		FK_COMPLETE(OP_PAIR, 0, 0x13, DEV),
		FK_DONE,
	};

	lose_op = OP_PAIR;
	lose_count = 1;
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_ALREADY_PAIRED);
}
END_TEST

/* A PIN reply whose own reply was lost is not sent again (it could not be
 * taken twice), nor taken for a failure: Pair Device tells the end. */
START_TEST(test_pin_reply_lost_reply_is_not_sent_again)
{
	const struct fk_step steps[] = {
		START_NOIO,
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, PIN_1234), /* its reply lost */
		FK_SILENT_MS(200),
		FK_EVENT(EV_NEW_LINK_KEY, 0, 0x01, DEV, 0x00, KEY16, 0x04),
		FK_COMPLETE(OP_PAIR, 0, 0x00, DEV),
		FK_DONE,
	};

	params.pins = pins_1234;
	params.pin_count = 1;
	lose_op = OP_PIN;
	lose_count = 1;
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_PAIRED);
	ck_assert(!res.reply_rejected);
	ck_assert_uint_eq(res.pins_sent, 1);
}
END_TEST

/* The phases a caller shows as progress, in order. */
START_TEST(test_phases_in_order)
{
	const struct fk_step steps[] = {
		START_NOIO,
		FK_EVENT(0x000B, 0, DEV, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00),
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, PIN_1234),
		FK_COMPLETE(OP_PIN, 0, 0x00, DEV),
		FK_COMPLETE(OP_PAIR, 0, 0x00, DEV),
		FK_DONE,
	};

	params.pins = pins_1234;
	params.pin_count = 1;
	run(steps, -1);
	ck_assert_int_eq(res.outcome, PAIR_OUTCOME_PAIRED);
	ck_assert_int_eq(seen.nphases, 3);
	ck_assert_int_eq(seen.phases[0], PAIR_PHASE_CONNECTING);
	ck_assert_int_eq(seen.phases[1], PAIR_PHASE_CONNECTED);
	ck_assert_int_eq(seen.phases[2], PAIR_PHASE_ANSWERED);
}
END_TEST

static Suite *pair_suite(void)
{
	Suite *s = suite_create("pairing");
	TCase *tc = tcase_create("fake kernel");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_legacy_pin_success);
	tcase_add_test(tc, test_second_pin_after_auth_failure);
	tcase_add_test(tc, test_next_pin_without_disconnect_event);
	tcase_add_test(tc, test_stale_link_is_retried_once);
	tcase_add_test(tc, test_link_lost_after_a_kept_key_is_paired);
	tcase_add_test(tc, test_link_lost_after_a_discarded_key_fails);
	tcase_add_test(tc, test_pairing_ends_the_link_it_made);
	tcase_add_test(tc, test_pairing_leaves_a_link_it_did_not_make);
	tcase_add_test(tc, test_pairing_link_already_down_is_not_ended);
	tcase_add_test(tc, test_pairing_link_end_refused_is_still_paired);
	tcase_add_test(tc, test_wrong_pin);
	tcase_add_test(tc, test_no_pin_given);
	tcase_add_test(tc, test_secure_pin_request_refuses_short_pin);
	tcase_add_test(tc, test_secure_pin_request_takes_16_bytes);
	tcase_add_test(tc, test_just_works_is_accepted);
	tcase_add_test(tc, test_numeric_comparison_refused);
	tcase_add_test(tc, test_numeric_comparison_accepted);
	tcase_add_test(tc, test_numeric_comparison_asked);
	tcase_add_test(tc, test_passkey_entry);
	tcase_add_test(tc, test_passkey_missing);
	tcase_add_test(tc, test_passkey_notify_reaches_callback);
	tcase_add_test(tc, test_requests_for_others_are_left_alone);
	tcase_add_test(tc, test_answer_requests_of_a_pairing_started_elsewhere);
	tcase_add_test(tc, test_already_paired);
	tcase_add_test(tc, test_peer_disconnects);
	tcase_add_test(tc, test_unreachable);
	tcase_add_test(tc, test_deadline_cancels);
	tcase_add_test(tc, test_interrupt_cancels);
	tcase_add_test(tc, test_interrupt_before_start_sends_no_cancel);
	tcase_add_test(tc, test_reply_rejected_is_not_fatal);
	tcase_add_test(tc, test_pair_reply_while_waiting_for_pin_reply);
	tcase_add_test(tc, test_index_removed);
	tcase_add_test(tc, test_controller_removed_under_pair_device);
	tcase_add_test(tc, test_malformed_events_are_ignored);
	tcase_add_test(tc, test_io_capability_refused);
	tcase_add_test(tc, test_pair_device_command_status);
	tcase_add_test(tc, test_prepare_turns_on_bondable_and_power);
	tcase_add_test(tc, test_prepare_leaves_ready_controller_alone);
	tcase_add_test(tc, test_pair_device_lost_reply_is_asked_again);
	tcase_add_test(tc, test_pin_reply_lost_reply_is_not_sent_again);
	tcase_add_test(tc, test_phases_in_order);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pair_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
