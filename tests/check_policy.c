/*
 * The pairing policy against a fake kernel: which answer each PIN,
 * confirmation and passkey request gets, and the reply on the wire. Each
 * case runs the policy as its callers fill it -- pair (PINs, passkey,
 * confirmation asked or accepted), connect (PINs, confirmation refused) and
 * the agent (allow-list, PIN file, --confirm, no passkey) -- through one
 * loop that does what each caller does with an event: drop it when it does
 * not decode, note it, answer it when it is a request.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/addr.h"
#include "mgmt/policy.h"
#include "tests/fake_kernel.h"

/* 98:D3:31:F5:1A:2B, BR/EDR, as it travels. */
#define DEV 0x2B, 0x1A, 0xF5, 0x31, 0xD3, 0x98, 0x00
/* Another device: 00:11:22:33:44:55. */
#define OTHER 0x55, 0x44, 0x33, 0x22, 0x11, 0x00, 0x00
#define KEY16                                                                  \
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a,      \
		0x1b, 0x1c, 0x1d, 0x1e, 0x1f
#define PIN_1234 0x04, '1', '2', '3', '4', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
#define PIN_0000 0x04, '0', '0', '0', '0', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0

#define OP_PIN 0x0016
#define OP_PIN_NEG 0x0017
#define OP_CONFIRM 0x001C
#define OP_CONFIRM_NEG 0x001D
#define OP_PASSKEY 0x001E
#define OP_PASSKEY_NEG 0x001F

#define EV_NEW_LINK_KEY 0x0009
#define EV_PIN_REQUEST 0x000E
#define EV_CONFIRM_REQUEST 0x000F
#define EV_PASSKEY_REQUEST 0x0010
#define EV_AUTH_FAILED 0x0011

/* A PIN request for DEV and its answers. */
#define PIN_REQ FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00)
#define SENDS_PIN(...)                                                         \
	FK_EXPECT_BYTES(OP_PIN, 0, DEV, __VA_ARGS__),                          \
		FK_COMPLETE(OP_PIN, 0, 0x00, DEV)
#define REFUSES(op) FK_EXPECT_BYTES(op, 0, DEV), FK_COMPLETE(op, 0, 0x00, DEV)
#define AUTH_FAILED FK_EVENT(EV_AUTH_FAILED, 0, DEV, 0x05)
/* Numeric comparison of 123456, and Just Works. */
#define NUMERIC_REQ                                                            \
	FK_EVENT(EV_CONFIRM_REQUEST, 0, DEV, 0x00, 0x40, 0xe2, 0x01, 0x00)
#define JUST_WORKS_REQ                                                         \
	FK_EVENT(EV_CONFIRM_REQUEST, 0, DEV, 0x01, 0x40, 0xe2, 0x01, 0x00)

enum caller {
	CALLER_PAIR,
	CALLER_CONNECT,
	CALLER_AGENT,
};

static const char *const pins_both[] = { "1234", "0000" };

/* What the callbacks saw. */
struct seen {
	int allowed_calls;
	int lookups;
	int lookup_err;
	int asked;
	bool answer;
	uint32_t asked_value;
};

static struct seen seen;
static struct policy pol;
static struct policy_state state;
/* Every reply the loop got, in order. */
static struct policy_reply replies[16];
static int nreplies;
static int undecoded;

static bool allow_dev(void *data, uint16_t index, const bdaddr_t *dev)
{
	bdaddr_t allowed;

	(void)data;
	seen.allowed_calls++;
	ck_assert_int_eq(bt_addr_parse("98:D3:31:F5:1A:2B", &allowed), 0);
	return index == 0 && bt_addr_equal(dev, &allowed);
}

static bool ask(void *data, const struct mgmt_addr *addr, uint32_t value,
		int64_t deadline)
{
	(void)data;
	(void)addr;
	(void)deadline;
	seen.asked++;
	seen.asked_value = value;
	return seen.answer;
}

static int lookup(void *data, uint16_t index, const bdaddr_t *dev,
		  const char *const **pins, size_t *count)
{
	static const char *const file_pins[] = { "0000" };

	(void)data;
	(void)index;
	(void)dev;
	seen.lookups++;
	if (seen.lookup_err)
		return seen.lookup_err;
	*pins = file_pins;
	*count = 1;
	return 0;
}

/* The policy as each caller fills it. */
static void configure(enum caller who)
{
	memset(&pol, 0, sizeof(pol));
	pol.pins = pins_both;
	pol.pin_count = 2;
	switch (who) {
	case CALLER_PAIR:
		pol.have_passkey = true;
		pol.passkey = 123456;
		pol.confirm = POLICY_CONFIRM_ASK;
		pol.ask_confirm = ask;
		break;
	case CALLER_CONNECT:
		pol.confirm = POLICY_CONFIRM_REFUSE;
		break;
	case CALLER_AGENT:
		pol.confirm = POLICY_CONFIRM_REFUSE;
		pol.allowed = allow_dev;
		break;
	}
}

static void setup(void)
{
	memset(&seen, 0, sizeof(seen));
	memset(&state, 0, sizeof(state));
	memset(replies, 0, sizeof(replies));
	nreplies = 0;
	undecoded = 0;
	configure(CALLER_AGENT);
}

/* Play steps; each event goes where a caller sends it. */
static void serve(const struct fk_step *steps)
{
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
		struct policy_reply r;
		struct mgmt_event ev;
		int ret;

		if (mgmt_event_decode(m, &ev) < 0) {
			undecoded++;
			free(m);
			continue;
		}
		policy_note_event(&state, &ev);
		ret = policy_answer(c, &pol, &state, &ev,
				    time_deadline_in(2000), &r);
		if (ev.code == EV_PIN_REQUEST ||
		    ev.code == EV_CONFIRM_REQUEST ||
		    ev.code == EV_PASSKEY_REQUEST) {
			ck_assert_int_eq(ret, 0);
			ck_assert_int_lt(nreplies, 16);
			replies[nreplies++] = r;
		} else {
			ck_assert_int_eq(ret, -EINVAL);
		}
		free(m);
	}
	ok = fk_finish(fk, err, sizeof(err));
	mgmt_client_free(c);
	ck_assert_msg(ok, "fake kernel: %s", err);
}

static void check_reply(int i, enum policy_reason reason, uint16_t opcode)
{
	ck_assert_int_gt(nreplies, i);
	ck_assert_int_eq(replies[i].reason, reason);
	ck_assert_uint_eq(replies[i].opcode, opcode);
	ck_assert(!replies[i].rejected);
	ck_assert(!replies[i].lost);
}

/* PIN order and retry, the same for every caller: the next PIN after an
 * authentication failure, none once each failed, all again after a key. */
START_TEST(test_pin_retry_after_auth_failure)
{
	const struct fk_step steps[] = {
		PIN_REQ,
		SENDS_PIN(PIN_1234),
		AUTH_FAILED,
		PIN_REQ,
		SENDS_PIN(PIN_0000),
		AUTH_FAILED,
		/* Lockout: each PIN failed. */
		PIN_REQ,
		REFUSES(OP_PIN_NEG),
		/* A pairing that succeeds starts the PINs over. */
		FK_EVENT(EV_NEW_LINK_KEY, 0, 0x01, DEV, 0x00, KEY16, 0x04),
		PIN_REQ,
		SENDS_PIN(PIN_1234),
		FK_SILENT_MS(50),
		FK_CLOSE_END,
		FK_DONE,
	};

	configure((enum caller)_i);
	serve(steps);
	ck_assert_int_eq(nreplies, 4);
	check_reply(0, POLICY_REASON_ANSWERED, OP_PIN);
	ck_assert_uint_eq(replies[0].pin, 0);
	ck_assert(replies[0].accepted);
	check_reply(1, POLICY_REASON_ANSWERED, OP_PIN);
	ck_assert_uint_eq(replies[1].pin, 1);
	check_reply(2, POLICY_REASON_PINS_FAILED, OP_PIN_NEG);
	ck_assert_uint_eq(replies[2].pin_count, 2);
	ck_assert(!replies[2].accepted);
	check_reply(3, POLICY_REASON_ANSWERED, OP_PIN);
	ck_assert_uint_eq(replies[3].pin, 0);
}
END_TEST

/* The rule where pair/connect and the agent used to differ: only a failure
 * that follows a PIN of ours spends it. */
START_TEST(test_pin_spent_only_by_its_failure)
{
	const struct fk_step steps[] = {
		/* A failure before any PIN (SSP, a refused stored key). */
		AUTH_FAILED,
		PIN_REQ,
		SENDS_PIN(PIN_1234),
		/* Asked again with no failure: the same PIN. */
		PIN_REQ,
		SENDS_PIN(PIN_1234),
		/* Two reports of one failure spend one PIN. */
		AUTH_FAILED,
		AUTH_FAILED,
		PIN_REQ,
		SENDS_PIN(PIN_0000),
		FK_SILENT_MS(50),
		FK_CLOSE_END,
		FK_DONE,
	};

	configure((enum caller)_i);
	serve(steps);
	ck_assert_int_eq(nreplies, 3);
	ck_assert_uint_eq(replies[0].pin, 0);
	ck_assert_uint_eq(replies[1].pin, 0);
	ck_assert_uint_eq(replies[2].pin, 1);
}
END_TEST

/* Pair Device's Authentication Failed status is the pairing socket's only
 * report of a failure: it spends the PIN once, and the event after it does
 * not again. */
START_TEST(test_failure_reported_by_status)
{
	bdaddr_t dev;

	ck_assert_int_eq(bt_addr_parse("98:D3:31:F5:1A:2B", &dev), 0);
	ck_assert(!policy_note_auth_failed(&state, 0, &dev));
	ck_assert(policy_pins_left(&state, 0, &dev, 2));
	ck_assert(!policy_pins_left(&state, 0, &dev, 0));
	state.dev[5] = (struct policy_device){
		.used = true, .pin_out = true, .index = 0, .dev = dev
	};
	ck_assert(policy_note_auth_failed(&state, 0, &dev));
	ck_assert(!policy_note_auth_failed(&state, 0, &dev));
	ck_assert(!policy_note_auth_failed(&state, 1, &dev));
	ck_assert_uint_eq(state.dev[5].failed, 1);
	ck_assert(policy_pins_left(&state, 0, &dev, 2));
	ck_assert(!policy_pins_left(&state, 0, &dev, 1));
}
END_TEST

START_TEST(test_agent_pin_request)
{
	const struct fk_step steps[] = {
		PIN_REQ, SENDS_PIN(PIN_1234), FK_SILENT_MS(50), FK_CLOSE_END,
		FK_DONE,
	};

	serve(steps);
	check_reply(0, POLICY_REASON_ANSWERED, OP_PIN);
	ck_assert_int_eq(seen.allowed_calls, 1);
}
END_TEST

/* A PIN file: the device's PINs are looked up for each request; a lookup
 * that fails refuses. */
START_TEST(test_agent_pin_file)
{
	const struct fk_step found[] = {
		PIN_REQ, SENDS_PIN(PIN_0000), FK_SILENT_MS(50), FK_CLOSE_END,
		FK_DONE,
	};
	const struct fk_step gone[] = {
		PIN_REQ, REFUSES(OP_PIN_NEG), FK_SILENT_MS(50), FK_CLOSE_END,
		FK_DONE,
	};

	pol.pins = NULL;
	pol.pin_count = 0;
	pol.lookup_pins = lookup;
	serve(found);
	check_reply(0, POLICY_REASON_ANSWERED, OP_PIN);
	ck_assert_uint_eq(replies[0].pin_count, 1);
	ck_assert_int_eq(seen.lookups, 1);
	/* The next request finds the file gone. */
	nreplies = 0;
	seen.lookup_err = -ENOENT;
	serve(gone);
	check_reply(0, POLICY_REASON_PIN_LOOKUP, OP_PIN_NEG);
	ck_assert_int_eq(seen.lookups, 2);
}
END_TEST

START_TEST(test_agent_no_pin)
{
	const struct fk_step steps[] = {
		PIN_REQ, REFUSES(OP_PIN_NEG), FK_SILENT_MS(50), FK_CLOSE_END,
		FK_DONE,
	};

	pol.pins = NULL;
	pol.pin_count = 0;
	serve(steps);
	check_reply(0, POLICY_REASON_NO_PIN, OP_PIN_NEG);
}
END_TEST

START_TEST(test_secure_pin_request)
{
	static const char *const pin16[] = { "0123456789abcdef" };
	const struct fk_step steps[] = {
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x01),
		REFUSES(OP_PIN_NEG),
		/* Not spent: the same PIN is still the first. */
		FK_SILENT_MS(50),
		FK_CLOSE_END,
		FK_DONE,
	};
	const struct fk_step steps16[] = {
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x01),
		SENDS_PIN(16, '0', '1', '2', '3', '4', '5', '6', '7', '8', '9',
			  'a', 'b', 'c', 'd', 'e', 'f'),
		FK_SILENT_MS(50),
		FK_CLOSE_END,
		FK_DONE,
	};

	serve(steps);
	check_reply(0, POLICY_REASON_SECURE_PIN, OP_PIN_NEG);
	nreplies = 0;
	pol.pins = pin16;
	pol.pin_count = 1;
	serve(steps16);
	check_reply(0, POLICY_REASON_ANSWERED, OP_PIN);
}
END_TEST

/* Without --confirm: Just Works accepted, numeric comparison refused. */
START_TEST(test_agent_confirm_without_confirm)
{
	const struct fk_step steps[] = {
		JUST_WORKS_REQ,	  REFUSES(OP_CONFIRM),
		NUMERIC_REQ,	  REFUSES(OP_CONFIRM_NEG),
		FK_SILENT_MS(50), FK_CLOSE_END,
		FK_DONE,
	};

	serve(steps);
	check_reply(0, POLICY_REASON_ANSWERED, OP_CONFIRM);
	ck_assert(replies[0].just_works);
	ck_assert(replies[0].accepted);
	check_reply(1, POLICY_REASON_CONFIRM, OP_CONFIRM_NEG);
	ck_assert(!replies[1].just_works);
	ck_assert_int_eq(seen.asked, 0);
}
END_TEST

START_TEST(test_agent_confirm_with_confirm)
{
	const struct fk_step steps[] = {
		NUMERIC_REQ,	  REFUSES(OP_CONFIRM),
		FK_SILENT_MS(50), FK_CLOSE_END,
		FK_DONE,
	};

	pol.confirm = POLICY_CONFIRM_ACCEPT;
	serve(steps);
	check_reply(0, POLICY_REASON_ANSWERED, OP_CONFIRM);
	ck_assert(!replies[0].just_works);
}
END_TEST

/* pair on a terminal: the number is asked, the answer decides. */
START_TEST(test_pair_confirm_asked)
{
	const struct fk_step steps[] = {
		NUMERIC_REQ,	  REFUSES(OP_CONFIRM_NEG),
		NUMERIC_REQ,	  REFUSES(OP_CONFIRM),
		JUST_WORKS_REQ,	  REFUSES(OP_CONFIRM),
		FK_SILENT_MS(50), FK_CLOSE_END,
		FK_DONE,
	};

	configure(CALLER_PAIR);
	seen.answer = false;
	serve((const struct fk_step[]){ steps[0], steps[1], steps[2],
					FK_SILENT_MS(50), FK_CLOSE_END,
					FK_DONE });
	check_reply(0, POLICY_REASON_CONFIRM, OP_CONFIRM_NEG);
	ck_assert_int_eq(seen.asked, 1);
	ck_assert_uint_eq(seen.asked_value, 123456);
	seen.answer = true;
	nreplies = 0;
	serve(steps + 3);
	check_reply(0, POLICY_REASON_ANSWERED, OP_CONFIRM);
	check_reply(1, POLICY_REASON_ANSWERED, OP_CONFIRM);
	/* Just Works is never asked. */
	ck_assert_int_eq(seen.asked, 2);
}
END_TEST

/* The agent has no passkey: refused. pair --passkey sends it. */
START_TEST(test_passkey)
{
	const struct fk_step refused[] = {
		FK_EVENT(EV_PASSKEY_REQUEST, 0, DEV),
		REFUSES(OP_PASSKEY_NEG),
		FK_SILENT_MS(50),
		FK_CLOSE_END,
		FK_DONE,
	};
	const struct fk_step entered[] = {
		FK_EVENT(EV_PASSKEY_REQUEST, 0, DEV),
		FK_EXPECT_BYTES(OP_PASSKEY, 0, DEV, 0x40, 0xe2, 0x01, 0x00),
		FK_COMPLETE(OP_PASSKEY, 0, 0x00, DEV),
		FK_SILENT_MS(50),
		FK_CLOSE_END,
		FK_DONE,
	};

	serve(refused);
	check_reply(0, POLICY_REASON_NO_PASSKEY, OP_PASSKEY_NEG);
	configure(CALLER_PAIR);
	nreplies = 0;
	serve(entered);
	check_reply(0, POLICY_REASON_ANSWERED, OP_PASSKEY);
	ck_assert(replies[0].accepted);
}
END_TEST

/* A device the agent is not told about: every request refused, Just Works
 * included, and no PIN attempt remembered for it. */
START_TEST(test_agent_not_allowed)
{
	const struct fk_step steps[] = {
		FK_EVENT(EV_PIN_REQUEST, 0, OTHER, 0x00),
		FK_EXPECT_BYTES(OP_PIN_NEG, 0, OTHER),
		FK_COMPLETE(OP_PIN_NEG, 0, 0x00, OTHER),
		FK_EVENT(EV_CONFIRM_REQUEST, 0, OTHER, 0x01, 0, 0, 0, 0),
		FK_EXPECT_BYTES(OP_CONFIRM_NEG, 0, OTHER),
		FK_COMPLETE(OP_CONFIRM_NEG, 0, 0x00, OTHER),
		FK_EVENT(EV_PASSKEY_REQUEST, 0, OTHER),
		FK_EXPECT_BYTES(OP_PASSKEY_NEG, 0, OTHER),
		FK_COMPLETE(OP_PASSKEY_NEG, 0, 0x00, OTHER),
		/* The allowed device, on another controller, is not. */
		FK_EVENT(EV_PIN_REQUEST, 1, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN_NEG, 1, DEV),
		FK_COMPLETE(OP_PIN_NEG, 1, 0x00, DEV),
		FK_SILENT_MS(50),
		FK_CLOSE_END,
		FK_DONE,
	};

	pol.confirm = POLICY_CONFIRM_ACCEPT;
	serve(steps);
	ck_assert_int_eq(nreplies, 4);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(replies[i].reason, POLICY_REASON_NOT_ALLOWED);
		ck_assert(!replies[i].accepted);
	}
	ck_assert_uint_eq(replies[1].opcode, OP_CONFIRM_NEG);
	ck_assert_uint_eq(replies[2].opcode, OP_PASSKEY_NEG);
	for (size_t i = 0; i < POLICY_MAX_DEVICES; i++)
		ck_assert(!state.dev[i].used);
}
END_TEST

/* Truncated and malformed request events answer nothing; the next good
 * one is answered as usual. */
START_TEST(test_malformed_requests)
{
	const struct fk_step steps[] = {
		/* A PIN request without its Secure byte. */
		FK_EVENT(EV_PIN_REQUEST, 0, DEV),
		/* A confirmation cut in its value. */
		FK_EVENT(EV_CONFIRM_REQUEST, 0, DEV, 0x00, 0x40, 0xe2),
		/* A passkey request with half an address. */
		FK_EVENT(EV_PASSKEY_REQUEST, 0, 0x2B, 0x1A, 0xF5),
		/* No parameters at all. */
		FK_EVENT0(EV_PIN_REQUEST, 0),
		/* A header that claims more than came. */
		FK_RAW_BYTES(0x0e, 0x00, 0x00, 0x00, 0x08, 0x00, 0x2B, 0x1A),
		/* An Authentication Failed cut short spends nothing. */
		FK_EVENT(EV_AUTH_FAILED, 0, DEV),
		FK_SILENT_MS(100),
		PIN_REQ,
		SENDS_PIN(PIN_1234),
		FK_EVENT(EV_AUTH_FAILED, 0, 0x2B, 0x1A),
		PIN_REQ,
		SENDS_PIN(PIN_1234),
		FK_SILENT_MS(50),
		FK_CLOSE_END,
		FK_DONE,
	};

	serve(steps);
	ck_assert_int_ge(undecoded, 6);
	ck_assert_int_eq(nreplies, 2);
	check_reply(0, POLICY_REASON_ANSWERED, OP_PIN);
	check_reply(1, POLICY_REASON_ANSWERED, OP_PIN);
	ck_assert_uint_eq(replies[1].pin, 0);
}
END_TEST

/* A reply the kernel does not take (another program answered first): noted,
 * and the PIN it carried is not spent by the failure that follows. */
START_TEST(test_reply_not_taken)
{
	const struct fk_step steps[] = {
		PIN_REQ,
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, PIN_1234),
		FK_COMPLETE(OP_PIN, 0, 0x02, DEV),
		AUTH_FAILED,
		PIN_REQ,
		SENDS_PIN(PIN_1234),
		FK_SILENT_MS(50),
		FK_CLOSE_END,
		FK_DONE,
	};

	serve(steps);
	ck_assert_int_eq(nreplies, 2);
	ck_assert(replies[0].rejected);
	ck_assert_uint_eq(replies[0].status, 0x02);
	check_reply(1, POLICY_REASON_ANSWERED, OP_PIN);
	ck_assert_uint_eq(replies[1].pin, 0);
}
END_TEST

/* connect refuses a request it noted and left to an agent. */
START_TEST(test_refuse_each_kind)
{
	static const uint16_t codes[] = { EV_PIN_REQUEST, EV_CONFIRM_REQUEST,
					  EV_PASSKEY_REQUEST };
	const struct fk_step steps[] = {
		REFUSES(OP_PIN_NEG),
		REFUSES(OP_CONFIRM_NEG),
		REFUSES(OP_PASSKEY_NEG),
		FK_SILENT_MS(50),
		FK_DONE,
	};
	struct mgmt_addr addr = { .type = MGMT_ADDR_BREDR };
	struct fake_kernel *fk;
	struct mgmt_client *c;
	struct policy_reply r;
	char err[256];
	int fd;

	ck_assert_int_eq(bt_addr_parse("98:D3:31:F5:1A:2B", &addr.bdaddr), 0);
	fk = fk_new(&fd);
	c = mgmt_client_new(fd);
	fk_start(fk, steps);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(policy_refuse(c, 0, &addr, codes[i],
					       time_deadline_in(2000), &r),
				 0);
		ck_assert_int_eq(r.reason, POLICY_REASON_REFUSED);
		ck_assert(!r.accepted);
		ck_assert(!r.rejected);
	}
	/* Not a request: nothing sent. */
	ck_assert_int_eq(policy_refuse(c, 0, &addr, EV_AUTH_FAILED,
				       time_deadline_in(2000), &r),
			 -EINVAL);
	ck_assert_msg(fk_finish(fk, err, sizeof(err)), "fake kernel: %s", err);
	mgmt_client_free(c);
}
END_TEST

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("answers");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 20);
	/* Once for each caller: pair, connect, agent. */
	tcase_add_loop_test(tc, test_pin_retry_after_auth_failure, CALLER_PAIR,
			    CALLER_AGENT + 1);
	tcase_add_loop_test(tc, test_pin_spent_only_by_its_failure, CALLER_PAIR,
			    CALLER_AGENT + 1);
	tcase_add_test(tc, test_failure_reported_by_status);
	tcase_add_test(tc, test_agent_pin_request);
	tcase_add_test(tc, test_agent_pin_file);
	tcase_add_test(tc, test_agent_no_pin);
	tcase_add_test(tc, test_secure_pin_request);
	tcase_add_test(tc, test_agent_confirm_without_confirm);
	tcase_add_test(tc, test_agent_confirm_with_confirm);
	tcase_add_test(tc, test_pair_confirm_asked);
	tcase_add_test(tc, test_passkey);
	tcase_add_test(tc, test_agent_not_allowed);
	tcase_add_test(tc, test_malformed_requests);
	tcase_add_test(tc, test_reply_not_taken);
	tcase_add_test(tc, test_refuse_each_kind);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(policy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
