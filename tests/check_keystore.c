/* The key store: bluetoothd's info files, edited without losing a byte. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/keystore.h"
#include "mgmt/addr.h"

#define KEYHEX "00112233445566778899AABBCCDDEEFF"

static struct mgmt_link_key key(const char *addr, uint8_t type, uint8_t pin_len)
{
	struct mgmt_link_key k = { .type = type, .pin_len = pin_len };

	ck_assert_int_eq(bt_addr_parse(addr, &k.addr.bdaddr), 0);
	for (int i = 0; i < 16; i++)
		k.val[i] = (uint8_t)(i * 0x11);
	return k;
}

static char *update(const char *text, const struct mgmt_link_key *k)
{
	size_t len;
	char *out = keystore_update_text(text, strlen(text), k, &len);

	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(len, strlen(out));
	return out;
}

START_TEST(test_parse_bluetoothd_file)
{
	const char *text = "[General]\nName=HC-05\nTrusted=false\n\n"
			   "[LinkKey]\nKey=" KEYHEX "\nType=0\nPINLength=4\n";
	struct mgmt_link_key k;

	ck_assert_int_eq(keystore_parse(text, strlen(text), &k), 0);
	ck_assert_uint_eq(k.val[0], 0x00);
	ck_assert_uint_eq(k.val[15], 0xff);
	ck_assert_uint_eq(k.type, 0);
	ck_assert_uint_eq(k.pin_len, 4);
}
END_TEST

START_TEST(test_parse_variants)
{
	const char *with_0x = "[LinkKey]\nKey=0x" KEYHEX "\nType=8\n";
	const char *lower = "# comment\n[LinkKey]\r\n"
			    "Key = 00112233445566778899aabbccddeeff\r\n"
			    "Type = 5\r\nPINLength=0\r\n";
	struct mgmt_link_key k;

	ck_assert_int_eq(keystore_parse(with_0x, strlen(with_0x), &k), 0);
	ck_assert_uint_eq(k.type, 8);
	ck_assert_uint_eq(k.pin_len, 0);
	ck_assert_int_eq(keystore_parse(lower, strlen(lower), &k), 0);
	ck_assert_uint_eq(k.val[10], 0xaa);
	ck_assert_uint_eq(k.type, 5);
}
END_TEST

static const char *const no_key[] = {
	"",
	"[General]\nName=x\n",
	"[LinkKey]\nType=0\n",
	"[LinkKey]\n[Other]\nKey=" KEYHEX "\nType=0\n",
};

START_TEST(test_parse_no_key)
{
	struct mgmt_link_key k;

	ck_assert_int_eq(keystore_parse(no_key[_i], strlen(no_key[_i]), &k),
			 -ENOENT);
}
END_TEST

static const char *const malformed[] = {
	"Key=" KEYHEX "\n",			      /* key before any group */
	"[LinkKey\nKey=" KEYHEX "\nType=0\n",	      /* broken header */
	"[LinkKey]\njunk line\n",		      /* neither kind */
	"[LinkKey]\n=value\n",			      /* empty key name */
	"[LinkKey]\nKey=" KEYHEX "0\nType=0\n",	      /* 33 digits */
	"[LinkKey]\nKey=00112233\nType=0\n",	      /* too short */
	"[LinkKey]\nKey=0011223344556677889XAABBCCDDEEFF\nType=0\n",
	"[LinkKey]\nKey=" KEYHEX "\n",		      /* no Type */
	"[LinkKey]\nKey=" KEYHEX "\nType=9\n",	      /* unknown type */
	"[LinkKey]\nKey=" KEYHEX "\nType=-1\n",
	"[LinkKey]\nKey=" KEYHEX "\nType=0\nPINLength=17\n",
	"[LinkKey]\nKey=" KEYHEX "\nType=0\nPINLength=4x\n",
	"[]\n",
	/* Two [LinkKey] groups: which key is meant? */
	"[LinkKey]\nKey=" KEYHEX "\nType=0\n[General]\nName=x\n[LinkKey]\nKey="
	KEYHEX "\nType=4\n",
};

START_TEST(test_parse_malformed)
{
	struct mgmt_link_key k;

	ck_assert_int_eq(keystore_parse(malformed[_i], strlen(malformed[_i]), &k),
			 -EBADMSG);
}
END_TEST

START_TEST(test_parse_nul_byte)
{
	const char text[] = "[LinkKey]\nKey=" KEYHEX "\0\nType=0\n";
	struct mgmt_link_key k;

	ck_assert_int_eq(keystore_parse(text, sizeof(text) - 1, &k), -EBADMSG);
}
END_TEST

START_TEST(test_update_keeps_everything_else)
{
	const char *before =
		"[General]\nName=HC-05\nClass=0x001f00\n# kept\n\n"
		"[LinkKey]\nKey=FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\nExtra=yes\n"
		"Type=4\nPINLength=0\n\n[DeviceID]\nSource=1\n";
	const char *after =
		"[General]\nName=HC-05\nClass=0x001f00\n# kept\n\n"
		"[LinkKey]\nKey=" KEYHEX "\nExtra=yes\n"
		"Type=0\nPINLength=4\n\n[DeviceID]\nSource=1\n";
	struct mgmt_link_key k = key("98:D3:31:F5:1A:2B", 0, 4);
	char *out = update(before, &k);

	ck_assert_str_eq(out, after);
	free(out);
}
END_TEST

START_TEST(test_update_adds_group)
{
	struct mgmt_link_key k = key("98:D3:31:F5:1A:2B", 0, 4);
	char *out = update("", &k);

	ck_assert_str_eq(out, "[LinkKey]\nKey=" KEYHEX "\nType=0\nPINLength=4\n");
	free(out);
	out = update("[General]\nName=x", &k);
	ck_assert_str_eq(out, "[General]\nName=x\n\n[LinkKey]\nKey=" KEYHEX
			      "\nType=0\nPINLength=4\n");
	free(out);
}
END_TEST

START_TEST(test_update_adds_missing_keys_in_group)
{
	struct mgmt_link_key k = key("98:D3:31:F5:1A:2B", 5, 0);
	char *out = update("[LinkKey]\nKey=" KEYHEX "\n\n[General]\nName=x\n", &k);

	ck_assert_str_eq(out, "[LinkKey]\nKey=" KEYHEX "\nType=5\nPINLength=0\n"
			      "\n[General]\nName=x\n");
	free(out);
	/* A last line without its newline. */
	out = update("[LinkKey]\nType=1", &k);
	ck_assert_str_eq(out, "[LinkKey]\nType=5\nKey=" KEYHEX "\nPINLength=0\n");
	free(out);
}
END_TEST

START_TEST(test_update_drops_duplicates)
{
	struct mgmt_link_key k = key("98:D3:31:F5:1A:2B", 0, 4);
	char *out = update("[LinkKey]\nType=1\nType=2\nKey=" KEYHEX
			   "\nPINLength=4\n", &k);

	ck_assert_str_eq(out, "[LinkKey]\nType=0\nKey=" KEYHEX "\nPINLength=4\n");
	free(out);
}
END_TEST

START_TEST(test_update_refuses_malformed)
{
	struct mgmt_link_key k = key("98:D3:31:F5:1A:2B", 0, 4);
	size_t len;

	const char *twice = "[LinkKey]\nType=0\n[LinkKey]\nType=1\n";

	errno = 0;
	ck_assert_ptr_null(keystore_update_text("junk\n", 5, &k, &len));
	ck_assert_int_eq(errno, EBADMSG);
	errno = 0;
	ck_assert_ptr_null(keystore_update_text(twice, strlen(twice), &k, &len));
	ck_assert_int_eq(errno, EBADMSG);
}
END_TEST

START_TEST(test_remove_text)
{
	const char *text = "[General]\nName=x\n\n[LinkKey]\nKey=" KEYHEX
			   "\nType=0\n\n[DeviceID]\nSource=1\n";
	size_t len;
	char *out = keystore_remove_text(text, strlen(text), &len);

	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, "[General]\nName=x\n\n[DeviceID]\nSource=1\n");
	free(out);
	errno = 0;
	ck_assert_ptr_null(keystore_remove_text("[General]\n", 10, &len));
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* ---- On disk ---- */

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/btpair-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int warnings;
static char last_warning[512];

static void on_warn(void *data, const char *path, const char *why)
{
	(void)data;
	warnings++;
	snprintf(last_warning, sizeof(last_warning), "%s: %s", path, why);
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(test_save_list_remove)
{
	struct mgmt_link_key k1 = key("98:D3:31:F5:1A:2B", 0, 4);
	struct mgmt_link_key k2 = key("00:11:22:33:44:55", 8, 0);
	struct keystore_entry *list;
	bdaddr_t ctrl, other;
	char path[256];
	size_t n;

	ck_assert_int_eq(bt_addr_parse("00:AA:01:00:00:00", &ctrl), 0);
	ck_assert_int_eq(bt_addr_parse("00:AA:01:01:00:01", &other), 0);
	ck_assert_int_eq(keystore_save(dir, &ctrl, &k1), 0);
	ck_assert_int_eq(keystore_save(dir, &ctrl, &k2), 0);
	ck_assert_int_eq(keystore_save(dir, &other, &k1), 0);

	snprintf(path, sizeof(path), "%s/00:AA:01:00:00:00", dir);
	ck_assert_uint_eq(mode_of(path), 0700);
	snprintf(path, sizeof(path), "%s/00:AA:01:00:00:00/98:D3:31:F5:1A:2B", dir);
	ck_assert_uint_eq(mode_of(path), 0700);
	snprintf(path, sizeof(path),
		 "%s/00:AA:01:00:00:00/98:D3:31:F5:1A:2B/info", dir);
	ck_assert_uint_eq(mode_of(path), 0600);

	ck_assert_int_eq(keystore_list(dir, &ctrl, &list, &n, on_warn, NULL), 0);
	ck_assert_uint_eq(n, 2);
	/* Sorted by device: 00:11:.. before 98:D3:.. */
	ck_assert_uint_eq(list[0].key.type, 8);
	ck_assert_uint_eq(list[1].key.type, 0);
	ck_assert_uint_eq(list[1].key.pin_len, 4);
	ck_assert_mem_eq(list[1].key.val, k1.val, 16);
	free(list);
	ck_assert_int_eq(keystore_list(dir, NULL, &list, &n, on_warn, NULL), 0);
	ck_assert_uint_eq(n, 3);
	free(list);

	ck_assert_int_eq(keystore_remove(dir, &ctrl, &k1.addr.bdaddr), 0);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(keystore_remove(dir, &ctrl, &k1.addr.bdaddr), -ENOENT);
	ck_assert_int_eq(keystore_list(dir, &ctrl, &list, &n, on_warn, NULL), 0);
	ck_assert_uint_eq(n, 1);
	free(list);
	ck_assert_int_eq(warnings, 0);
}
END_TEST

START_TEST(test_save_keeps_bluetoothd_groups_and_remove_keeps_file)
{
	struct mgmt_link_key k = key("98:D3:31:F5:1A:2B", 0, 4);
	char ddir[256], path[300], text[512];
	bdaddr_t ctrl;
	FILE *f;
	size_t n;

	ck_assert_int_eq(bt_addr_parse("00:AA:01:00:00:00", &ctrl), 0);
	snprintf(ddir, sizeof(ddir), "%s/00:AA:01:00:00:00/98:D3:31:F5:1A:2B", dir);
	snprintf(path, sizeof(path), "%s/info", ddir);
	ck_assert_int_eq(keystore_save(dir, &ctrl, &k), 0);
	write_text(path, "[General]\nName=HC-05\n\n[LinkKey]\nKey=" KEYHEX
			 "\nType=4\nPINLength=0\n");
	ck_assert_int_eq(keystore_save(dir, &ctrl, &k), 0);
	f = fopen(path, "r");
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	ck_assert_str_eq(text, "[General]\nName=HC-05\n\n[LinkKey]\nKey=" KEYHEX
			       "\nType=0\nPINLength=4\n");
	ck_assert_uint_eq(mode_of(path), 0600);

	ck_assert_int_eq(keystore_remove(dir, &ctrl, &k.addr.bdaddr), 0);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	ck_assert_str_eq(text, "[General]\nName=HC-05\n\n");
}
END_TEST

START_TEST(test_malformed_file_skipped_and_never_rewritten)
{
	struct mgmt_link_key k = key("98:D3:31:F5:1A:2B", 0, 4);
	struct keystore_entry *list;
	char ddir[256], path[300], text[64];
	bdaddr_t ctrl;
	FILE *f;
	size_t n;

	ck_assert_int_eq(bt_addr_parse("00:AA:01:00:00:00", &ctrl), 0);
	snprintf(ddir, sizeof(ddir), "%s/00:AA:01:00:00:00", dir);
	ck_assert_int_eq(mkdir(ddir, 0700), 0);
	snprintf(ddir, sizeof(ddir), "%s/00:AA:01:00:00:00/98:D3:31:F5:1A:2B", dir);
	ck_assert_int_eq(mkdir(ddir, 0700), 0);
	snprintf(path, sizeof(path), "%s/info", ddir);
	write_text(path, "not an ini file\n");

	warnings = 0;
	ck_assert_int_eq(keystore_list(dir, &ctrl, &list, &n, on_warn, NULL), 0);
	ck_assert_uint_eq(n, 0);
	free(list);
	ck_assert_int_eq(warnings, 1);
	ck_assert_ptr_nonnull(strstr(last_warning, path));

	ck_assert_int_eq(keystore_save(dir, &ctrl, &k), -EBADMSG);
	f = fopen(path, "r");
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	ck_assert_str_eq(text, "not an ini file\n");
}
END_TEST

/* keystore_list's result as seen by someone who may not open dir's
 * controller directories: as root, a child that becomes nobody; otherwise
 * the caller, once the directory has no permissions at all. */
static int list_without_access(const char *cdir)
{
	struct keystore_entry *list = NULL;
	size_t n = 0;
	int status, err;
	pid_t pid;

	if (geteuid() != 0) {
		ck_assert_int_eq(chmod(cdir, 0), 0);
		err = keystore_list(dir, NULL, &list, &n, on_warn, NULL);
		ck_assert_int_eq(chmod(cdir, 0700), 0);
		if (err == 0)
			keystore_entries_free(list, n);
		return err;
	}
	ck_assert_int_eq(chmod(dir, 0755), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(100);
		err = keystore_list(dir, NULL, &list, &n, on_warn, NULL);
		if (err == 0)
			_exit(101 + (n > 100 ? 100 : (int)n));
		_exit(-err);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_ne(WEXITSTATUS(status), 100);
	return WEXITSTATUS(status) > 100 ? 0 : -WEXITSTATUS(status);
}

START_TEST(test_unreadable_controller_dir_is_an_error)
{
	struct mgmt_link_key k = key("98:D3:31:F5:1A:2B", 0, 4);
	bdaddr_t readable, locked;
	char cdir[256];

	ck_assert_int_eq(bt_addr_parse("00:AA:01:00:00:00", &readable), 0);
	ck_assert_int_eq(bt_addr_parse("00:AA:01:01:00:01", &locked), 0);
	ck_assert_int_eq(keystore_save(dir, &readable, &k), 0);
	ck_assert_int_eq(keystore_save(dir, &locked, &k), 0);
	snprintf(cdir, sizeof(cdir), "%s/00:AA:01:00:00:00", dir);
	ck_assert_int_eq(chmod(cdir, 0755), 0);
	snprintf(cdir, sizeof(cdir), "%s/00:AA:01:00:00:00/98:D3:31:F5:1A:2B",
		 dir);
	ck_assert_int_eq(chmod(cdir, 0755), 0);
	/* One controller's keys readable, the other's not: a list with only
	 * the first would make `keys load` drop the second's from the
	 * kernel. */
	snprintf(cdir, sizeof(cdir), "%s/00:AA:01:01:00:01", dir);
	ck_assert_int_eq(list_without_access(cdir), -EACCES);
}
END_TEST

START_TEST(test_missing_store_is_empty)
{
	struct keystore_entry *list = (void *)1;
	size_t n = 99;

	ck_assert_int_eq(keystore_list("/nonexistent/store", NULL, &list, &n,
				       on_warn, NULL),
			 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(list);
}
END_TEST

/* pair asks the store whether it already holds the device's key; with an
 * empty store the list is NULL, and wiping it passed NULL to explicit_bzero
 * (UBSan: "null pointer passed as argument 1", seen by the VM suite with
 * the sanitized btpair). The sanitized unit run catches a regression. */
START_TEST(test_empty_list_freed)
{
	struct keystore_entry *list = (void *)1;
	size_t n = 99;

	ck_assert_int_eq(keystore_list(dir, NULL, &list, &n, NULL, NULL), 0);
	ck_assert_ptr_null(list);
	keystore_entries_free(list, n);
}
END_TEST

START_TEST(test_no_temporary_files_left)
{
	struct mgmt_link_key k = key("98:D3:31:F5:1A:2B", 0, 4);
	char cmd[256];
	bdaddr_t ctrl;

	ck_assert_int_eq(bt_addr_parse("00:AA:01:00:00:00", &ctrl), 0);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(keystore_save(dir, &ctrl, &k), 0);
	snprintf(cmd, sizeof(cmd),
		 "test $(find '%s' -type f | wc -l) -eq 1", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_dir_choice)
{
	unsetenv("BTPAIR_KEYSTORE");
	ck_assert_str_eq(keystore_dir(NULL), "/var/lib/bluetooth");
	setenv("BTPAIR_KEYSTORE", "/srv/keys", 1);
	ck_assert_str_eq(keystore_dir(NULL), "/srv/keys");
	ck_assert_str_eq(keystore_dir("/opt/k"), "/opt/k");
	unsetenv("BTPAIR_KEYSTORE");
}
END_TEST

static Suite *keystore_suite(void)
{
	Suite *s = suite_create("keystore");
	TCase *text = tcase_create("text");
	TCase *disk = tcase_create("disk");

	tcase_add_test(text, test_parse_bluetoothd_file);
	tcase_add_test(text, test_parse_variants);
	tcase_add_loop_test(text, test_parse_no_key, 0,
			    sizeof(no_key) / sizeof(no_key[0]));
	tcase_add_loop_test(text, test_parse_malformed, 0,
			    sizeof(malformed) / sizeof(malformed[0]));
	tcase_add_test(text, test_parse_nul_byte);
	tcase_add_test(text, test_update_keeps_everything_else);
	tcase_add_test(text, test_update_adds_group);
	tcase_add_test(text, test_update_adds_missing_keys_in_group);
	tcase_add_test(text, test_update_drops_duplicates);
	tcase_add_test(text, test_update_refuses_malformed);
	tcase_add_test(text, test_remove_text);
	tcase_add_test(text, test_dir_choice);
	suite_add_tcase(s, text);

	tcase_add_checked_fixture(disk, make_dir, remove_dir);
	tcase_add_test(disk, test_save_list_remove);
	tcase_add_test(disk, test_save_keeps_bluetoothd_groups_and_remove_keeps_file);
	tcase_add_test(disk, test_malformed_file_skipped_and_never_rewritten);
	tcase_add_test(disk, test_unreadable_controller_dir_is_an_error);
	tcase_add_test(disk, test_missing_store_is_empty);
	tcase_add_test(disk, test_empty_list_freed);
	tcase_add_test(disk, test_no_temporary_files_left);
	suite_add_tcase(s, disk);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(keystore_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
