/*
 * The pairing the commands share (cli/pair.c) against a fake kernel: what
 * it does when Pair Device answers Already Paired and the key store has no
 * key for the device.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/context.h"
#include "cli/output.h"
#include "cli/pair.h"
#include "cli/pin.h"
#include "keystore/keystore.h"
#include "mgmt/addr.h"
#include "mgmt/client.h"
#include "mgmt/wire.h"
#include "tests/fake_kernel.h"

/* 98:D3:31:F5:1A:2B, BR/EDR, as it travels. */
#define DEV 0x2B, 0x1A, 0xF5, 0x31, 0xD3, 0x98, 0x00
/* clang-format off */
#define KEY16 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, \
	      0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f
/* clang-format on */
#define PIN_1234 0x04, '1', '2', '3', '4', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
#define OP_READ_INFO 0x0004
#define OP_DISCONNECT 0x0014
#define OP_PIN 0x0016
#define OP_IO 0x0018
#define OP_PAIR 0x0019
#define OP_UNPAIR 0x001B
#define EV_NEW_LINK_KEY 0x0009
#define EV_PIN_REQUEST 0x000E
#define ALREADY_PAIRED 0x13

/* Read Controller Information's reply: controller 00:00:00:00:00:00,
 * powered and bondable, so that nothing more is set up. */
static uint8_t info_reply[3 + sizeof(struct mgmt_rp_read_info)];
/* Step initializers, which clang-format takes for blocks. */
/* clang-format off */
#define READ_INFO                                                              \
	FK_EXPECT_CMD(OP_READ_INFO, 0),                                        \
		{ .kind = FK_SEND,                                             \
		  .code = 0x0001,                                              \
		  .param = info_reply,                                         \
		  .len = sizeof(info_reply) }
/* Pair Device as a NoInputNoOutput pairing sends it. */
#define PAIR_SENT                                                              \
	FK_EXPECT_BYTES(OP_IO, 0, 0x03), FK_COMPLETE(OP_IO, 0, 0x00),          \
		FK_EXPECT_BYTES(OP_PAIR, 0, DEV, 0x03)
/* A legacy pairing answered with 1234 that succeeds. */
#define PAIRED_WITH_1234                                                       \
	FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),                                \
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, PIN_1234),                     \
		FK_COMPLETE(OP_PIN, 0, 0x00, DEV),                             \
		FK_EVENT(EV_NEW_LINK_KEY, 0, 0x01, DEV, 0x00, KEY16, 0x04),    \
		FK_COMPLETE(OP_PAIR, 0, 0x00, DEV)
/* clang-format on */

static char store[64], info_path[160];
static const bdaddr_t controller = { { 0 } };
static struct mgmt_addr dev;

static void setup(void)
{
	struct mgmt_rp_read_info *rp = (void *)(info_reply + 3);

	info_reply[0] = OP_READ_INFO & 0xff;
	info_reply[1] = OP_READ_INFO >> 8;
	rp->current_settings = htobl(MGMT_SETTING_POWERED |
				     MGMT_SETTING_BONDABLE);
	strcpy(store, "/tmp/check_cli_pair.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(store));
	setenv("BTPAIR_KEYSTORE", store, 1);
	ck_assert_int_eq(bt_addr_parse("98:D3:31:F5:1A:2B", &dev.bdaddr), 0);
	dev.type = MGMT_ADDR_BREDR;
	snprintf(info_path, sizeof(info_path),
		 "%s/00:00:00:00:00:00/98:D3:31:F5:1A:2B/info", store);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", store);
	ck_assert_int_eq(system(cmd), 0);
	unsetenv("BTPAIR_KEYSTORE");
}

/* Pair for connect with pins (each a PIN, NULL-terminated) against steps;
 * *already as it says. Returns the exit code. */
static int pair(const struct fk_step *steps, const char *const *pin_list,
		bool *already)
{
	struct cli c = { .prog = "btpair", .signal_fd = -1 };
	struct cli_pins pins = { .count = 0 };
	struct fake_kernel *fk;
	char err[256];
	int fd, ret;

	for (; pin_list && *pin_list; pin_list++)
		ck_assert(cli_pins_add(&c, &pins, "connect", *pin_list));
	fk = fk_new(&fd);
	c.client = mgmt_client_new(fd);
	fk_start(fk, steps);
	ret = cli_pair_for_connect(&c, 0, &dev, &pins, 5, false, already);
	ck_assert_msg(fk_finish(fk, err, sizeof(err)), "fake kernel: %s", err);
	mgmt_client_free(c.client);
	cli_pins_clear(&pins);
	return ret;
}

static const char *const pin_1234[] = { "1234", NULL };

/* Already paired in the kernel, no key in the store, a PIN given: the
 * kernel's key is removed (disconnecting), the device paired again with
 * the PIN, and the new key stored. */
START_TEST(test_unstored_key_pairs_again)
{
	const struct fk_step steps[] = {
		READ_INFO,
		PAIR_SENT,
		FK_COMPLETE(OP_PAIR, 0, ALREADY_PAIRED, DEV),
		FK_EXPECT_BYTES(OP_UNPAIR, 0, DEV, 0x01),
		FK_COMPLETE(OP_UNPAIR, 0, 0x00, DEV),
		PAIR_SENT,
		PAIRED_WITH_1234,
		FK_SILENT_MS(50),
		FK_DONE,
	};
	struct mgmt_link_key key;
	bool already = true;
	struct stat st;
	char *text;
	size_t len;
	FILE *f;

	ck_assert_int_eq(pair(steps, pin_1234, &already), 0);
	ck_assert(!already);
	ck_assert_int_eq(stat(info_path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	f = fopen(info_path, "r");
	ck_assert_ptr_nonnull(f);
	text = calloc(1, 4096);
	len = fread(text, 1, 4095, f);
	fclose(f);
	ck_assert_int_eq(keystore_parse(text, len, &key), 0);
	ck_assert_uint_eq(key.val[0], 0x10);
	ck_assert_uint_eq(key.pin_len, 4);
	free(text);
}
END_TEST

/* With nothing to answer the device with, the kernel's pairing is kept:
 * no Unpair Device, success, nothing stored. */
START_TEST(test_unstored_key_kept_without_a_pin)
{
	const struct fk_step steps[] = {
		READ_INFO,
		PAIR_SENT,
		FK_COMPLETE(OP_PAIR, 0, ALREADY_PAIRED, DEV),
		FK_SILENT_MS(100),
		FK_DONE,
	};
	bool already = false;

	ck_assert_int_eq(pair(steps, NULL, &already), 0);
	ck_assert(already);
	ck_assert_int_ne(access(info_path, F_OK), 0);
}
END_TEST

/* The store has the key: Already Paired is the answer, nothing is
 * removed. */
START_TEST(test_stored_key_is_left_alone)
{
	const struct fk_step steps[] = {
		READ_INFO,
		PAIR_SENT,
		FK_COMPLETE(OP_PAIR, 0, ALREADY_PAIRED, DEV),
		FK_SILENT_MS(100),
		FK_DONE,
	};
	struct mgmt_link_key key = { .addr = dev, .type = 0, .pin_len = 4 };
	bool already = false;

	ck_assert_int_eq(keystore_save(store, &controller, &key), 0);
	ck_assert_int_eq(pair(steps, pin_1234, &already), 0);
	ck_assert(already);
	ck_assert_int_eq(access(info_path, F_OK), 0);
}
END_TEST

/* Unpair Device refused: that failure is the result, and no second
 * pairing is started. */
START_TEST(test_unpair_refused_is_reported)
{
	const struct fk_step steps[] = {
		READ_INFO,
		PAIR_SENT,
		FK_COMPLETE(OP_PAIR, 0, ALREADY_PAIRED, DEV),
		FK_EXPECT_BYTES(OP_UNPAIR, 0, DEV, 0x01),
		FK_COMPLETE(OP_UNPAIR, 0, MGMT_STATUS_PERMISSION_DENIED, DEV),
		FK_SILENT_MS(100),
		FK_DONE,
	};
	bool already = false;

	ck_assert_int_eq(pair(steps, pin_1234, &already), CLI_EXIT_PERMISSION);
	ck_assert_int_ne(access(info_path, F_OK), 0);
}
END_TEST

/* The second pairing fails (wrong PIN): authentication failed, nothing
 * stored. */
START_TEST(test_pairing_again_with_a_wrong_pin_fails)
{
	const struct fk_step steps[] = {
		READ_INFO,
		PAIR_SENT,
		FK_COMPLETE(OP_PAIR, 0, ALREADY_PAIRED, DEV),
		FK_EXPECT_BYTES(OP_UNPAIR, 0, DEV, 0x01),
		FK_COMPLETE(OP_UNPAIR, 0, 0x00, DEV),
		PAIR_SENT,
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, PIN_1234),
		FK_COMPLETE(OP_PIN, 0, 0x00, DEV),
		FK_COMPLETE(OP_PAIR, 0, MGMT_STATUS_AUTH_FAILED, DEV),
		FK_SILENT_MS(50),
		FK_DONE,
	};
	bool already = true;

	ck_assert_int_eq(pair(steps, pin_1234, &already), CLI_EXIT_AUTH);
	ck_assert_int_ne(access(info_path, F_OK), 0);
}
END_TEST

/* A pairing without bonding (store hint 0): nothing to store, and stderr
 * says why, with the next step. */
START_TEST(test_pairing_without_bonding_is_said)
{
	const struct fk_step steps[] = {
		READ_INFO,
		PAIR_SENT,
		FK_EVENT(EV_PIN_REQUEST, 0, DEV, 0x00),
		FK_EXPECT_BYTES(OP_PIN, 0, DEV, PIN_1234),
		FK_COMPLETE(OP_PIN, 0, 0x00, DEV),
		FK_EVENT(EV_NEW_LINK_KEY, 0, 0x00, DEV, 0x04, KEY16, 0x04),
		FK_COMPLETE(OP_PAIR, 0, 0x00, DEV),
		FK_SILENT_MS(50),
		FK_DONE,
	};
	char said[512] = "";
	bool already = true;
	FILE *err = tmpfile();
	int saved = dup(STDERR_FILENO);

	ck_assert_ptr_nonnull(err);
	fflush(stderr);
	dup2(fileno(err), STDERR_FILENO);
	ck_assert_int_eq(pair(steps, pin_1234, &already), 0);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(err);
	ck_assert_uint_gt(fread(said, 1, sizeof(said) - 1, err), 0);
	fclose(err);
	ck_assert(!already);
	ck_assert_ptr_nonnull(strstr(said, "paired without bonding"));
	ck_assert_ptr_nonnull(strstr(said, "make the device pairable"));
	ck_assert_ptr_null(strstr(said, "1234"));
	ck_assert_int_ne(access(info_path, F_OK), 0);
}
END_TEST

/* The device's file is there but malformed: nobody can tell whether the
 * store has its key, and pairing again would lose the kernel's pairing and
 * store nothing (the save fails on that file): the kernel's is kept. */
START_TEST(test_malformed_file_keeps_the_kernel_key)
{
	const struct fk_step steps[] = {
		READ_INFO,
		PAIR_SENT,
		FK_COMPLETE(OP_PAIR, 0, ALREADY_PAIRED, DEV),
		FK_SILENT_MS(100),
		FK_DONE,
	};
	char dir[200];
	bool already = false;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/00:00:00:00:00:00", store);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(dir, sizeof(dir), "%s/00:00:00:00:00:00/98:D3:31:F5:1A:2B",
		 store);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	f = fopen(info_path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("[LinkKey]\nKey=not hex\n", f);
	fclose(f);
	ck_assert_int_eq(pair(steps, pin_1234, &already), 0);
	ck_assert(already);
}
END_TEST

static Suite *cli_pair_suite(void)
{
	Suite *s = suite_create("cli_pair");
	TCase *tc = tcase_create("unstored");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_unstored_key_pairs_again);
	tcase_add_test(tc, test_unstored_key_kept_without_a_pin);
	tcase_add_test(tc, test_stored_key_is_left_alone);
	tcase_add_test(tc, test_unpair_refused_is_reported);
	tcase_add_test(tc, test_pairing_again_with_a_wrong_pin_fails);
	tcase_add_test(tc, test_pairing_without_bonding_is_said);
	tcase_add_test(tc, test_malformed_file_keeps_the_kernel_key);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cli_pair_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
