/* The key store: bluetoothd's info files, edited without losing a byte. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "keystore/keystore.h"
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
	"Key=" KEYHEX "\n",			/* key before any group */
	"[LinkKey\nKey=" KEYHEX "\nType=0\n",	/* broken header */
	"[LinkKey]\njunk line\n",		/* neither kind */
	"[LinkKey]\n=value\n",			/* empty key name */
	"[LinkKey]\nKey=" KEYHEX "0\nType=0\n", /* 33 digits */
	"[LinkKey]\nKey=00112233\nType=0\n",	/* too short */
	"[LinkKey]\nKey=0011223344556677889XAABBCCDDEEFF\nType=0\n",
	"[LinkKey]\nKey=" KEYHEX "\n",	       /* no Type */
	"[LinkKey]\nKey=" KEYHEX "\nType=9\n", /* unknown type */
	"[LinkKey]\nKey=" KEYHEX "\nType=-1\n",
	"[LinkKey]\nKey=" KEYHEX "\nType=0\nPINLength=17\n",
	"[LinkKey]\nKey=" KEYHEX "\nType=0\nPINLength=4x\n",
	"[]\n",
	/* Two [LinkKey] groups: which key is meant? */
	"[LinkKey]\nKey=" KEYHEX
	"\nType=0\n[General]\nName=x\n[LinkKey]\nKey=" KEYHEX "\nType=4\n",
};

START_TEST(test_parse_malformed)
{
	struct mgmt_link_key k;

	ck_assert_int_eq(keystore_parse(malformed[_i], strlen(malformed[_i]),
					&k),
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
	const char *after = "[General]\nName=HC-05\nClass=0x001f00\n# kept\n\n"
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

	ck_assert_str_eq(out,
			 "[LinkKey]\nKey=" KEYHEX "\nType=0\nPINLength=4\n");
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
	char *out = update("[LinkKey]\nKey=" KEYHEX "\n\n[General]\nName=x\n",
			   &k);

	ck_assert_str_eq(out, "[LinkKey]\nKey=" KEYHEX "\nType=5\nPINLength=0\n"
			      "\n[General]\nName=x\n");
	free(out);
	/* A last line without its newline. */
	out = update("[LinkKey]\nType=1", &k);
	ck_assert_str_eq(out,
			 "[LinkKey]\nType=5\nKey=" KEYHEX "\nPINLength=0\n");
	free(out);
}
END_TEST

START_TEST(test_update_drops_duplicates)
{
	struct mgmt_link_key k = key("98:D3:31:F5:1A:2B", 0, 4);
	char *out = update("[LinkKey]\nType=1\nType=2\nKey=" KEYHEX
			   "\nPINLength=4\n",
			   &k);

	ck_assert_str_eq(out,
			 "[LinkKey]\nType=0\nKey=" KEYHEX "\nPINLength=4\n");
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
	ck_assert_ptr_null(
		keystore_update_text(twice, strlen(twice), &k, &len));
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

/* The device names `name:PATTERN` is matched against (keys remove, unpair,
 * connect, bind): [General] Name= of each info file. */
static const struct {
	const char *text;
	int ret;
	const char *name;
} names[] = {
	{ "[General]\nName=HC-05\n", 0, "HC-05" },
	{ "[General]\nName = HC 05 \r\n", 0, "HC 05" },	     /* trimmed */
	{ "[General]\nName=first\nName=last\n", 0, "last" }, /* as GKeyFile */
	{ "[General]\nName=\n", 0, "" },
	{ "[LinkKey]\nKey=" KEYHEX "\nType=0\n[General]\nAlias=x\nName=y\n", 0,
	  "y" },
	{ "[General]\nName=a=b\n", 0, "a=b" },
	{ "", -ENOENT, "" },
	{ "[General]\nAlias=HC-05\n", -ENOENT, "" },
	{ "[DeviceID]\nName=HC-05\n", -ENOENT, "" }, /* not [General] */
	{ "Name=HC-05\n", -EBADMSG, "" },	     /* before any group */
	{ "[General]\nName HC-05\n", -EBADMSG, "" },
};

START_TEST(test_parse_name)
{
	char name[32] = "stale";

	ck_assert_int_eq(keystore_parse_name(names[_i].text,
					     strlen(names[_i].text), name,
					     sizeof(name)),
			 names[_i].ret);
	ck_assert_str_eq(name, names[_i].name);
}
END_TEST

START_TEST(test_parse_name_cut_to_size)
{
	const char *text = "[General]\nName=0123456789\n";
	char name[5] = "xxxx";

	ck_assert_int_eq(keystore_parse_name(text, strlen(text), name,
					     sizeof(name)),
			 0);
	ck_assert_str_eq(name, "0123");
	ck_assert_int_eq(keystore_parse_name(text, strlen(text), name, 1), 0);
	ck_assert_str_eq(name, "");
	ck_assert_int_eq(keystore_parse_name(text, strlen(text), name, 0),
			 -EINVAL);
}
END_TEST

/* ---- On disk ---- */

static char dir[64];
static int warnings;
static char last_warning[512];

static void make_dir(void)
{
	warnings = 0;
	last_warning[0] = '\0';
	snprintf(dir, sizeof(dir), "/tmp/btpair-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

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
	snprintf(path, sizeof(path), "%s/00:AA:01:00:00:00/98:D3:31:F5:1A:2B",
		 dir);
	ck_assert_uint_eq(mode_of(path), 0700);
	snprintf(path, sizeof(path),
		 "%s/00:AA:01:00:00:00/98:D3:31:F5:1A:2B/info", dir);
	ck_assert_uint_eq(mode_of(path), 0600);

	ck_assert_int_eq(keystore_list(dir, &ctrl, &list, &n, on_warn, NULL),
			 0);
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
	ck_assert_int_eq(keystore_list(dir, &ctrl, &list, &n, on_warn, NULL),
			 0);
	ck_assert_uint_eq(n, 1);
	free(list);
	ck_assert_int_eq(warnings, 0);
}
END_TEST

struct visits {
	int dirs, entries, stop_after;
};

static int visit(void *data, const char *cdir, const bdaddr_t *ctrl,
		 const char *name)
{
	struct visits *v = data;
	char a[BT_ADDR_STRLEN];

	/* cdir is DIR/<ctrl>, ctrl its address. */
	ck_assert_str_eq(strrchr(cdir, '/') + 1, bt_addr_format(ctrl, a));
	if (name)
		v->entries++;
	else
		v->dirs++;
	return v->stop_after && v->dirs + v->entries == v->stop_after ? 7 : 0;
}

/* The walk visits each controller directory, then each entry in it; one
 * controller's only with ctrl; fn's non-zero return ends it. */
START_TEST(test_walk)
{
	struct mgmt_link_key k1 = key("98:D3:31:F5:1A:2B", 0, 4);
	struct mgmt_link_key k2 = key("00:11:22:33:44:55", 8, 0);
	struct visits v = { 0 };
	bdaddr_t ctrl, other;
	char path[256];

	ck_assert_int_eq(bt_addr_parse("00:AA:01:00:00:00", &ctrl), 0);
	ck_assert_int_eq(bt_addr_parse("00:AA:01:01:00:01", &other), 0);
	ck_assert_int_eq(keystore_save(dir, &ctrl, &k1), 0);
	ck_assert_int_eq(keystore_save(dir, &ctrl, &k2), 0);
	ck_assert_int_eq(keystore_save(dir, &other, &k1), 0);
	/* Not a controller's: skipped. */
	snprintf(path, sizeof(path), "%s/settings", dir);
	write_text(path, "x");

	ck_assert_int_eq(keystore_walk(dir, NULL, visit, &v), 0);
	ck_assert_int_eq(v.dirs, 2);
	ck_assert_int_ge(v.entries, 3);
	v = (struct visits){ 0 };
	ck_assert_int_eq(keystore_walk(dir, &other, visit, &v), 0);
	ck_assert_int_eq(v.dirs, 1);
	v = (struct visits){ .stop_after = 2 };
	ck_assert_int_eq(keystore_walk(dir, NULL, visit, &v), 7);
	ck_assert_int_eq(v.dirs + v.entries, 2);
	snprintf(path, sizeof(path), "%s/none", dir);
	v = (struct visits){ 0 };
	ck_assert_int_eq(keystore_walk(path, NULL, visit, &v), 0);
	ck_assert_int_eq(v.dirs + v.entries, 0);
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
	snprintf(ddir, sizeof(ddir), "%s/00:AA:01:00:00:00/98:D3:31:F5:1A:2B",
		 dir);
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
	snprintf(ddir, sizeof(ddir), "%s/00:AA:01:00:00:00/98:D3:31:F5:1A:2B",
		 dir);
	ck_assert_int_eq(mkdir(ddir, 0700), 0);
	snprintf(path, sizeof(path), "%s/info", ddir);
	write_text(path, "not an ini file\n");

	warnings = 0;
	ck_assert_int_eq(keystore_list(dir, &ctrl, &list, &n, on_warn, NULL),
			 0);
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
	snprintf(cmd, sizeof(cmd), "test $(find '%s' -type f | wc -l) -eq 1",
		 dir);
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

static void read_text(const char *path, char *text, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(text, 1, size - 1, f);
	fclose(f);
	text[n] = '\0';
}

/* DIR/00:AA:01:00:00:00/<dev>/info with text in it, every level 0755 so
 * that someone else may look; returns the controller. */
static bdaddr_t plant(const char *dev, const char *text, char path[static 256])
{
	char d[240];
	bdaddr_t ctrl;

	ck_assert_int_eq(bt_addr_parse("00:AA:01:00:00:00", &ctrl), 0);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	snprintf(d, sizeof(d), "%s/00:AA:01:00:00:00", dir);
	ck_assert(mkdir(d, 0755) == 0 || errno == EEXIST);
	ck_assert_int_eq(chmod(d, 0755), 0); /* whatever the umask */
	snprintf(d, sizeof(d), "%s/00:AA:01:00:00:00/%s", dir, dev);
	ck_assert(mkdir(d, 0755) == 0 || errno == EEXIST);
	ck_assert_int_eq(chmod(d, 0755), 0);
	snprintf(path, 256, "%s/info", d);
	write_text(path, text);
	return ctrl;
}

/* The store holds one key for ctrl, listed with name. */
static void assert_one_named(const bdaddr_t *ctrl, const char *name)
{
	struct keystore_entry *list;
	size_t n;

	ck_assert_int_eq(keystore_list(dir, ctrl, &list, &n, on_warn, NULL), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(list[0].name, name);
	keystore_entries_free(list, n);
}

/* A name goes to bluetoothd's name cache, never into info; listing finds
 * it there when info has none; the first one stays; the key goes without
 * leaving its directory behind. */
START_TEST(test_save_name_in_cache)
{
	struct mgmt_link_key k = key("98:D3:31:F5:1A:2B", 0, 4);
	char ddir[256], cpath[300], text[512];
	bdaddr_t ctrl;

	snprintf(cpath, sizeof(cpath),
		 "%s/00:AA:01:00:00:00/cache/98:D3:31:F5:1A:2B", dir);
	ck_assert_int_eq(bt_addr_parse("00:AA:01:00:00:00", &ctrl), 0);
	ck_assert_int_eq(keystore_save(dir, &ctrl, &k), 0);
	ck_assert_int_eq(keystore_save_name(dir, &ctrl, &k.addr.bdaddr,
					    "HC-05"),
			 0);
	ck_assert_int_eq(keystore_save_name(dir, &ctrl, &k.addr.bdaddr,
					    "Other"),
			 0);
	read_text(cpath, text, sizeof(text));
	ck_assert_str_eq(text, "[General]\nName=HC-05\n");
	ck_assert_uint_eq(mode_of(cpath), 0600);
	assert_one_named(&ctrl, "HC-05");
	ck_assert_int_eq(keystore_save_name(dir, &ctrl, &k.addr.bdaddr,
					    "bad\x1b"),
			 -EINVAL);
	ck_assert_int_eq(keystore_save_name(dir, &ctrl, &k.addr.bdaddr, "a\nb"),
			 -EINVAL);
	ck_assert_int_eq(keystore_save_name(dir, &ctrl, &k.addr.bdaddr, ""),
			 -EINVAL);
	ck_assert_int_eq(keystore_remove(dir, &ctrl, &k.addr.bdaddr), 0);
	snprintf(ddir, sizeof(ddir), "%s/00:AA:01:00:00:00/98:D3:31:F5:1A:2B",
		 dir);
	ck_assert_int_eq(access(ddir, F_OK), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* info's own name comes first; a cache file bluetoothd wrote, with a name
 * or not, parsable or not, is left byte for byte. */
START_TEST(test_save_name_keeps_bluetoothd_cache)
{
	struct mgmt_link_key k = key("98:D3:31:F5:1A:2B", 0, 4);
	char path[256], cpath[300], text[512];
	bdaddr_t ctrl = plant(
		"98:D3:31:F5:1A:2B",
		"[General]\nName=FromInfo\n\n[LinkKey]\nKey=" KEYHEX
		"\nType=0\nPINLength=4\n",
		path);
	static const char *const theirs[] = {
		"[ServiceRecords]\n0x00010000=3535\n",
		"not ini\n",
	};

	snprintf(cpath, sizeof(cpath), "%s/00:AA:01:00:00:00/cache", dir);
	ck_assert_int_eq(mkdir(cpath, 0700), 0);
	snprintf(cpath, sizeof(cpath),
		 "%s/00:AA:01:00:00:00/cache/98:D3:31:F5:1A:2B", dir);
	for (size_t i = 0; i < 2; i++) {
		write_text(cpath, theirs[i]);
		ck_assert_int_eq(keystore_save_name(dir, &ctrl, &k.addr.bdaddr,
						    "HC-05"),
				 0);
		read_text(cpath, text, sizeof(text));
		ck_assert_str_eq(text, theirs[i]);
	}
	assert_one_named(&ctrl, "FromInfo");
}
END_TEST

/* Every type the kernel has and a PIN length at each end: what is stored
 * is what comes back, byte for byte. */
START_TEST(test_round_trip)
{
	static const uint8_t pins[] = { 0, 4, MGMT_PIN_MAX_LEN };
	struct keystore_entry *list;
	struct mgmt_link_key k[MGMT_KEY_AUTH_P256 + 1];
	bdaddr_t ctrl;
	size_t n;

	ck_assert_int_eq(bt_addr_parse("00:AA:01:00:00:00", &ctrl), 0);
	for (int t = 0; t <= MGMT_KEY_AUTH_P256; t++) {
		char addr[BT_ADDR_STRLEN];

		snprintf(addr, sizeof(addr), "00:11:22:33:44:%02X", t);
		k[t] = key(addr, (uint8_t)t, pins[t % 3]);
		for (int i = 0; i < MGMT_LINK_KEY_LEN; i++)
			k[t].val[i] = (uint8_t)(0xf0 - 7 * i + 31 * t);
		ck_assert_int_eq(keystore_save(dir, &ctrl, &k[t]), 0);
	}
	ck_assert_int_eq(keystore_list(dir, NULL, &list, &n, on_warn, NULL), 0);
	ck_assert_uint_eq(n, MGMT_KEY_AUTH_P256 + 1);
	for (size_t i = 0; i < n; i++) {
		ck_assert(bt_addr_equal(&list[i].controller, &ctrl));
		ck_assert(bt_addr_equal(&list[i].key.addr.bdaddr,
					&k[i].addr.bdaddr));
		ck_assert_uint_eq(list[i].key.addr.type, MGMT_ADDR_BREDR);
		ck_assert_uint_eq(list[i].key.type, k[i].type);
		ck_assert_uint_eq(list[i].key.pin_len, k[i].pin_len);
		ck_assert_mem_eq(list[i].key.val, k[i].val, MGMT_LINK_KEY_LEN);
		ck_assert_str_eq(list[i].name, "");
	}
	keystore_entries_free(list, n);

	/* Stored again with other values: the new ones, once. */
	k[0].type = MGMT_KEY_AUTH_P256;
	k[0].pin_len = 0;
	k[0].val[0] ^= 0xff;
	ck_assert_int_eq(keystore_save(dir, &ctrl, &k[0]), 0);
	ck_assert_int_eq(keystore_list(dir, &ctrl, &list, &n, on_warn, NULL),
			 0);
	ck_assert_uint_eq(n, MGMT_KEY_AUTH_P256 + 1);
	ck_assert_uint_eq(list[0].key.type, MGMT_KEY_AUTH_P256);
	ck_assert_uint_eq(list[0].key.pin_len, 0);
	ck_assert_mem_eq(list[0].key.val, k[0].val, MGMT_LINK_KEY_LEN);
	keystore_entries_free(list, n);
	ck_assert_int_eq(warnings, 0);
}
END_TEST

/* The names the store hands to name: matching come from each file. */
START_TEST(test_list_names)
{
	struct keystore_entry *list;
	char path[256];
	size_t n;

	plant("98:D3:31:F5:1A:2B",
	      "[General]\nName=HC-05\n\n[LinkKey]\nKey=" KEYHEX
	      "\nType=0\nPINLength=4\n",
	      path);
	plant("98:D3:31:F5:1A:2C", "[LinkKey]\nKey=" KEYHEX "\nType=0\n", path);
	/* A name without a key is no entry: nothing to match. */
	plant("98:D3:31:F5:1A:2D", "[General]\nName=HC-06\n", path);
	ck_assert_int_eq(keystore_list(dir, NULL, &list, &n, on_warn, NULL), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(list[0].name, "HC-05");
	ck_assert_str_eq(list[1].name, "");
	keystore_entries_free(list, n);
	ck_assert_int_eq(warnings, 0);
}
END_TEST

/* A save replaces the file, never rewrites it in place: a reader that
 * opened the old file keeps reading it whole, and the new file is 0600
 * whatever the old one's mode was. */
START_TEST(test_save_replaces_atomically)
{
	const char *old = "[General]\nName=HC-05\n";
	struct mgmt_link_key k = key("98:D3:31:F5:1A:2B", 0, 4);
	char path[256], text[512];
	struct stat before, after;
	bdaddr_t ctrl;
	ssize_t got;
	int fd;

	ctrl = plant("98:D3:31:F5:1A:2B", old, path);
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(stat(path, &before), 0);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);

	ck_assert_int_eq(keystore_save(dir, &ctrl, &k), 0);
	ck_assert_int_eq(stat(path, &after), 0);
	ck_assert_uint_ne(before.st_ino, after.st_ino);
	ck_assert_uint_eq(after.st_mode & 07777, 0600);
	got = read(fd, text, sizeof(text) - 1);
	close(fd);
	ck_assert_int_eq(got, (ssize_t)strlen(old));
	text[got] = '\0';
	ck_assert_str_eq(text, old);
	read_text(path, text, sizeof(text));
	ck_assert_str_eq(text, "[General]\nName=HC-05\n\n[LinkKey]\nKey=" KEYHEX
			       "\nType=0\nPINLength=4\n");
}
END_TEST

/* An info file that is a symbolic link is refused: a save through it
 * would write wherever it points. */
START_TEST(test_symlinked_info_refused)
{
	struct mgmt_link_key k = key("98:D3:31:F5:1A:2B", 0, 4);
	char path[256], target[256], text[64];
	bdaddr_t ctrl;

	ctrl = plant("98:D3:31:F5:1A:2B", "", path);
	ck_assert_int_eq(unlink(path), 0);
	snprintf(target, sizeof(target), "%s/elsewhere", dir);
	write_text(target, "[General]\n");
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_int_eq(keystore_save(dir, &ctrl, &k), -ELOOP);
	read_text(target, text, sizeof(text));
	ck_assert_str_eq(text, "[General]\n");
}
END_TEST

/* Files a crash, a full disk or a hand edit leave behind: each skipped
 * with a warning naming it, never taken for a key, never rewritten. */
static const char *const bad_files[] = {
	"[LinkKey]\nKey=00112233445566778899AABBCC", /* cut in the key */
	"[LinkKey]\nKey=" KEYHEX "\nTy",	     /* cut in a name */
	"[LinkK",				     /* cut in the header */
	"[LinkKey]\nKey=" KEYHEX,		     /* cut before Type */
	"[LinkKey]\nKey=0011223344556677889XAABBCCDDEEFF\nType=0\n",
	"[LinkKey]\nKey=" KEYHEX "\nType=9\n", /* no such type */
	"[LinkKey]\nKey=" KEYHEX "\nType=0\nPINLength=99\n",
	"\x01\x02\x03\x04",
};

START_TEST(test_bad_file_skipped)
{
	struct mgmt_link_key k = key("98:D3:31:F5:1A:2B", 0, 4);
	struct keystore_entry *list;
	char path[256], text[256];
	bdaddr_t ctrl;
	size_t n;

	ctrl = plant("98:D3:31:F5:1A:2B", bad_files[_i], path);
	warnings = 0;
	ck_assert_int_eq(keystore_list(dir, NULL, &list, &n, on_warn, NULL), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(warnings, 1);
	ck_assert_ptr_nonnull(strstr(last_warning, path));
	/* A file that is no INI file is left alone; one whose group is bad
	 * but readable gets the new key (the kernel's is the one that
	 * works). Either way nothing else in it is lost. */
	if (keystore_save(dir, &ctrl, &k) == 0) {
		ck_assert_int_eq(keystore_list(dir, NULL, &list, &n, on_warn,
					       NULL),
				 0);
		ck_assert_uint_eq(n, 1);
		ck_assert_mem_eq(list[0].key.val, k.val, MGMT_LINK_KEY_LEN);
		keystore_entries_free(list, n);
	} else {
		read_text(path, text, sizeof(text));
		ck_assert_str_eq(text, bad_files[_i]);
	}
}
END_TEST

/* An empty file is a device known without a key: no entry, no warning. */
START_TEST(test_empty_file_is_no_key)
{
	struct keystore_entry *list;
	char path[256];
	size_t n;

	plant("98:D3:31:F5:1A:2B", "", path);
	warnings = 0;
	ck_assert_int_eq(keystore_list(dir, NULL, &list, &n, on_warn, NULL), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(warnings, 0);
}
END_TEST

#define INFO_MAX (1024 * 1024)

/* A file of size bytes: a key, then comment lines. */
static void plant_sized(const char *dev, size_t size, char path[static 256])
{
	const char *head = "[LinkKey]\nKey=" KEYHEX "\nType=0\n";
	char *text = malloc(size + 1);

	ck_assert_ptr_nonnull(text);
	memset(text, '#', size);
	memcpy(text, head, strlen(head));
	text[size - 1] = '\n';
	text[size] = '\0';
	plant(dev, text, path);
	free(text);
}

/* Nothing of bluetoothd's is near 1 MiB: a bigger file is refused
 * before it is read, by list (a warning) and by save (the file as it
 * was). One of exactly 1 MiB is read. */
START_TEST(test_oversize_file)
{
	struct mgmt_link_key k = key("98:D3:31:F5:1A:2B", 0, 4);
	struct keystore_entry *list;
	char path[256], big[256];
	struct stat st;
	bdaddr_t ctrl;
	size_t n;

	plant_sized("98:D3:31:F5:1A:2A", INFO_MAX, path);
	plant_sized("98:D3:31:F5:1A:2B", INFO_MAX + 1, big);
	ck_assert_int_eq(bt_addr_parse("00:AA:01:00:00:00", &ctrl), 0);
	warnings = 0;
	ck_assert_int_eq(keystore_list(dir, NULL, &list, &n, on_warn, NULL), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(warnings, 1);
	ck_assert_ptr_nonnull(strstr(last_warning, big));
	ck_assert_ptr_nonnull(strstr(last_warning, strerror(EFBIG)));
	keystore_entries_free(list, n);
	ck_assert_int_eq(keystore_save(dir, &ctrl, &k), -EFBIG);
	ck_assert_int_eq(stat(big, &st), 0);
	ck_assert_int_eq(st.st_size, INFO_MAX + 1);
}
END_TEST

/* A store that is not there yet: saving makes every missing level, 0700;
 * removing from it finds nothing. */
START_TEST(test_missing_dirs)
{
	struct mgmt_link_key k = key("98:D3:31:F5:1A:2B", 0, 4);
	struct keystore_entry *list;
	char store[128], sub[256];
	bdaddr_t ctrl;
	size_t n;

	ck_assert_int_eq(bt_addr_parse("00:AA:01:00:00:00", &ctrl), 0);
	snprintf(store, sizeof(store), "%s/var/lib/bluetooth", dir);
	ck_assert_int_eq(keystore_remove(store, &ctrl, &k.addr.bdaddr),
			 -ENOENT);
	ck_assert_int_eq(keystore_list(store, NULL, &list, &n, on_warn, NULL),
			 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(keystore_save(store, &ctrl, &k), 0);
	snprintf(sub, sizeof(sub), "%s/var", dir);
	ck_assert_uint_eq(mode_of(sub), 0700);
	ck_assert_uint_eq(mode_of(store), 0700);
	snprintf(sub, sizeof(sub), "%s/00:AA:01:00:00:00/98:D3:31:F5:1A:2B",
		 store);
	ck_assert_uint_eq(mode_of(sub), 0700);
	ck_assert_int_eq(keystore_list(store, NULL, &list, &n, on_warn, NULL),
			 0);
	ck_assert_uint_eq(n, 1);
	keystore_entries_free(list, n);
	/* A store path through a file is an error, not an empty store. */
	snprintf(sub, sizeof(sub), "%s/file", dir);
	write_text(sub, "");
	snprintf(store, sizeof(store), "%s/file/store", dir);
	ck_assert_int_eq(keystore_save(store, &ctrl, &k), -ENOTDIR);
	ck_assert_int_eq(keystore_list(store, NULL, &list, &n, on_warn, NULL),
			 -ENOTDIR);
}
END_TEST

/*
 * fn() in dir as someone the store's modes keep out: as root (who passes
 * every permission check), a child that becomes nobody; otherwise the
 * caller, whose files the test has made unreadable. fn returns 0..254 and
 * names the store by a path relative to dir: the directories above it
 * (/tmp may be 0700) are no business of the test.
 */
static int as_outsider(int (*fn)(void))
{
	int status, cwd, ret;
	pid_t pid;

	if (geteuid() != 0) {
		cwd = open(".", O_RDONLY | O_DIRECTORY);
		ck_assert_int_ge(cwd, 0);
		ck_assert_int_eq(chdir(dir), 0);
		ret = fn();
		ck_assert_int_eq(fchdir(cwd), 0);
		close(cwd);
		return ret;
	}
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (chdir(dir) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
			_exit(255);
		_exit(fn());
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_ne(WEXITSTATUS(status), 255);
	return WEXITSTATUS(status);
}

static char outsider_store[256];

static int outsider_save(void)
{
	struct mgmt_link_key k = { .type = 0, .pin_len = 4 };
	bdaddr_t ctrl = { { 0, 0, 0, 1, 0xaa, 0 } };

	bt_addr_parse("98:D3:31:F5:1A:2B", &k.addr.bdaddr);
	return -keystore_save(outsider_store, &ctrl, &k);
}

static int outsider_remove(void)
{
	bdaddr_t ctrl = { { 0, 0, 0, 1, 0xaa, 0 } }, dev;

	bt_addr_parse("98:D3:31:F5:1A:2B", &dev);
	return -keystore_remove(outsider_store, &ctrl, &dev);
}

/* The entries listed * 10 plus the warnings, 9 more if the last warning
 * said permission denied; or 200 + errno of a failed list. */
static int outsider_list(void)
{
	struct keystore_entry *list;
	size_t n;
	int err;

	warnings = 0;
	last_warning[0] = '\0';
	err = keystore_list(outsider_store, NULL, &list, &n, on_warn, NULL);
	if (err < 0)
		return 200 + -err;
	keystore_entries_free(list, n);
	return (int)n * 10 + warnings +
	       (strstr(last_warning, strerror(EACCES)) ? 9 : 0);
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
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_eq(chmod(cdir, geteuid() ? 0 : 0700), 0);
	snprintf(outsider_store, sizeof(outsider_store), ".");
	ck_assert_int_eq(as_outsider(outsider_list), 200 + EACCES);
	ck_assert_int_eq(chmod(cdir, 0700), 0);
}
END_TEST

START_TEST(test_save_where_not_allowed)
{
	char path[256];

	/* A store directory nobody may write to: nothing can be made. */
	ck_assert_int_eq(chmod(dir, 0755), 0);
	snprintf(outsider_store, sizeof(outsider_store), "%s/ro", dir);
	ck_assert_int_eq(mkdir(outsider_store, 0555), 0);
	ck_assert_int_eq(chmod(outsider_store, 0555), 0);
	snprintf(outsider_store, sizeof(outsider_store), "ro");
	ck_assert_int_eq(as_outsider(outsider_save), EACCES);
	snprintf(outsider_store, sizeof(outsider_store), "%s/ro", dir);
	ck_assert_int_eq(rmdir(outsider_store), 0);

	/* Someone else's key: neither replaced nor removed. */
	snprintf(outsider_store, sizeof(outsider_store), ".");
	plant("98:D3:31:F5:1A:2B", "[LinkKey]\nKey=" KEYHEX "\nType=0\n", path);
	ck_assert_int_eq(chmod(path, geteuid() ? 0 : 0600), 0);
	ck_assert_int_eq(as_outsider(outsider_save), EACCES);
	ck_assert_int_eq(as_outsider(outsider_remove), EACCES);
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(access(path, F_OK), 0);
}
END_TEST

/* An info file that cannot be read is a warning that says why, and the
 * rest of the store is still listed. */
START_TEST(test_unreadable_info_is_warned)
{
	char path[256], other[256];

	snprintf(outsider_store, sizeof(outsider_store), ".");
	plant("98:D3:31:F5:1A:2B", "[LinkKey]\nKey=" KEYHEX "\nType=0\n", path);
	plant("98:D3:31:F5:1A:2C", "[LinkKey]\nKey=" KEYHEX "\nType=0\n",
	      other);
	ck_assert_int_eq(chmod(other, 0644), 0);
	ck_assert_int_eq(chmod(path, geteuid() ? 0 : 0600), 0);
	ck_assert_int_eq(as_outsider(outsider_list), 1 * 10 + 1 + 9);
	ck_assert_int_eq(chmod(path, 0600), 0);
}
END_TEST

/* ---- Crashes, removal, concurrent writers ---- */

/* How many entries dir has besides . and .. */
static int entries(const char *path)
{
	char cmd[512];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", path);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

static void sibling(const char *info, const char *name, char *out, size_t size)
{
	snprintf(out, size, "%.*s/%s", (int)(strrchr(info, '/') - info), info,
		 name);
}

/* A save before this one, killed between writing its temporary file and
 * renaming it, left the whole key in it: the next save deletes it, and
 * keeps what bluetoothd put there. */
START_TEST(test_save_removes_stale_temps)
{
	struct mgmt_link_key k = key("98:D3:31:F5:1A:2B", 0, 4);
	char path[256], t1[300], t2[300], attrs[300], glib[300], other[300];
	bdaddr_t ctrl;

	ctrl = plant("98:D3:31:F5:1A:2B", "[General]\nName=HC-05\n", path);
	sibling(path, ".info.AbC123", t1, sizeof(t1));
	sibling(path, ".info.x", t2, sizeof(t2));
	sibling(path, "attributes", attrs, sizeof(attrs));
	sibling(path, "info.QWERTY", glib, sizeof(glib));
	write_text(t1, "[LinkKey]\nKey=" KEYHEX "\nType=0\n");
	write_text(t2, "[LinkKey]\nKey=" KEYHEX);
	write_text(attrs, "[1800]\n");
	write_text(glib, "[General]\n"); /* bluetoothd's, maybe in use */
	/* One that cannot be unlinked stops nothing. */
	sibling(path, ".info.dir", other, sizeof(other));
	ck_assert_int_eq(mkdir(other, 0700), 0);
	ck_assert_int_eq(keystore_save(dir, &ctrl, &k), 0);
	ck_assert_int_eq(access(t1, F_OK), -1);
	ck_assert_int_eq(access(t2, F_OK), -1);
	ck_assert_int_eq(access(attrs, F_OK), 0);
	ck_assert_int_eq(access(glib, F_OK), 0);
	sibling(path, "", t1, sizeof(t1));
	ck_assert_int_eq(entries(t1), 4);
}
END_TEST

/* A remove leaves nothing of the key: the info file, the temporary files
 * of killed saves, and the directory if nothing else is in it. */
START_TEST(test_remove_removes_temps_and_dir)
{
	const char *keyed = "[LinkKey]\nKey=" KEYHEX "\nType=0\n";
	char path[256], tmp[300], ddir[300], attrs[300];
	bdaddr_t ctrl, dev;

	/* Only the key and a stale temporary: the directory goes. */
	ctrl = plant("98:D3:31:F5:1A:2B", keyed, path);
	sibling(path, ".info.AbC123", tmp, sizeof(tmp));
	sibling(path, "", ddir, sizeof(ddir));
	write_text(tmp, keyed);
	ck_assert_int_eq(bt_addr_parse("98:D3:31:F5:1A:2B", &dev), 0);
	ck_assert_int_eq(keystore_remove(dir, &ctrl, &dev), 0);
	ck_assert_int_eq(access(ddir, F_OK), -1);
	ck_assert_int_eq(errno, ENOENT);

	/* A file of bluetoothd's keeps the directory, and only it. */
	plant("98:D3:31:F5:1A:2C", keyed, path);
	sibling(path, ".info.AbC123", tmp, sizeof(tmp));
	sibling(path, "attributes", attrs, sizeof(attrs));
	sibling(path, "", ddir, sizeof(ddir));
	write_text(tmp, keyed);
	write_text(attrs, "[1800]\n");
	ck_assert_int_eq(bt_addr_parse("98:D3:31:F5:1A:2C", &dev), 0);
	ck_assert_int_eq(keystore_remove(dir, &ctrl, &dev), 0);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(access(tmp, F_OK), -1);
	ck_assert_int_eq(entries(ddir), 1);

	/* No info, only what a killed save left: no key to remove, but
	 * what was left goes, and the directory with it. */
	plant("98:D3:31:F5:1A:2D", "", path);
	sibling(path, ".info.AbC123", tmp, sizeof(tmp));
	sibling(path, "", ddir, sizeof(ddir));
	ck_assert_int_eq(rename(path, tmp), 0);
	write_text(tmp, keyed);
	ck_assert_int_eq(bt_addr_parse("98:D3:31:F5:1A:2D", &dev), 0);
	ck_assert_int_eq(keystore_remove(dir, &ctrl, &dev), -ENOENT);
	ck_assert_int_eq(access(ddir, F_OK), -1);
}
END_TEST

/* A save waits for the lock another writer holds on the controller
 * directory, then reads the file as that writer left it: its change is
 * kept, not undone by what was read before. */
START_TEST(test_lock_serialises_writers)
{
	struct mgmt_link_key k = key("98:D3:31:F5:1A:2B", 8, 0);
	char path[256], cdir[256], text[512];
	bdaddr_t ctrl;
	int lock, status;
	pid_t pid;

	ctrl = plant("98:D3:31:F5:1A:2B", "[LinkKey]\nKey=" KEYHEX "\nType=0\n",
		     path);
	snprintf(cdir, sizeof(cdir), "%s/00:AA:01:00:00:00", dir);
	lock = open(cdir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(lock, 0);
	ck_assert_int_eq(flock(lock, LOCK_EX), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(lock); /* the lock stays with the parent's */
		_exit(keystore_save(dir, &ctrl, &k) == 0 ? 0 : 1);
	}
	usleep(300 * 1000);
	ck_assert_int_eq(waitpid(pid, &status, WNOHANG), 0);
	write_text(path, "[General]\nName=Held\n\n[LinkKey]\nKey=" KEYHEX
			 "\nType=0\n");
	close(lock);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	read_text(path, text, sizeof(text));
	ck_assert_str_eq(text, "[General]\nName=Held\n\n[LinkKey]\nKey=" KEYHEX
			       "\nType=8\nPINLength=0\n");
}
END_TEST

#define FOREIGN_WRITES 300

static void read_or_empty(const char *path, char *text, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(text, 1, size - 1, f);
		fclose(f);
	}
	text[n] = '\0';
}

/* A writer that takes no lock, as bluetoothd: read info, count its own
 * group up, write info.XXXXXX and rename it over info. Exits with how
 * often it found its last count gone for good. A save that caught this
 * writer's rename between its last look and its own rename puts this
 * writer's file back at once: a read in that moment misses the count,
 * and one a little later finds it. */
static void foreign_writer(const char *path)
{
	char tmp[300], *g, *end;
	int undone = 0;

	for (int c = 1; c <= FOREIGN_WRITES; c++) {
		char text[4096], want[48], out[4200];
		int fd, len;

		read_or_empty(path, text, sizeof(text));
		snprintf(want, sizeof(want), "[Foreign]\nCount=%d\n", c - 1);
		if (c > 1 && !strstr(text, want)) {
			usleep(20 * 1000);
			read_or_empty(path, text, sizeof(text));
			if (!strstr(text, want))
				undone++;
		}
		g = strstr(text, "[Foreign]\n");
		if (g) {
			end = strchr(g + 10, '[');
			memmove(g, end ? end : g + strlen(g),
				strlen(end ? end : g + strlen(g)) + 1);
		}
		len = snprintf(out, sizeof(out), "%s[Foreign]\nCount=%d\n",
			       text, c);
		sibling(path, "info.XXXXXX", tmp, sizeof(tmp));
		fd = mkstemp(tmp);
		if (fd < 0 || write(fd, out, (size_t)len) != len ||
		    fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0)
			_exit(255);
	}
	_exit(undone > 250 ? 250 : undone);
}

/* Saves while a writer that takes no lock rewrites the same file: none of
 * its changes is undone. */
START_TEST(test_foreign_writer_survives_saves)
{
	struct mgmt_link_key k = key("98:D3:31:F5:1A:2B", 0, 4);
	char path[256], text[4096], want[48];
	bdaddr_t ctrl;
	int status;
	pid_t pid;

	ctrl = plant("98:D3:31:F5:1A:2B", "[General]\nName=HC-05\n", path);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		foreign_writer(path);
	for (int i = 0; i < FOREIGN_WRITES; i++) {
		k.pin_len = (uint8_t)(i % 17);
		ck_assert_int_eq(keystore_save(dir, &ctrl, &k), 0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	read_text(path, text, sizeof(text));
	snprintf(want, sizeof(want), "[Foreign]\nCount=%d\n", FOREIGN_WRITES);
	ck_assert_ptr_nonnull(strstr(text, want));
	ck_assert_ptr_nonnull(strstr(text, "Name=HC-05\n"));
}
END_TEST

/* fsync(2) as the key store calls it (the binary is linked with
 * --wrap=fsync): each fd's file recorded, to tell which directories were
 * made durable. */
int __real_fsync(int fd);
int __wrap_fsync(int fd);

static struct stat synced[64];
static int nsynced;

int __wrap_fsync(int fd)
{
	if (nsynced < 64 && fstat(fd, &synced[nsynced]) == 0)
		nsynced++;
	return __real_fsync(fd);
}

static bool was_synced(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	for (int i = 0; i < nsynced; i++)
		if (synced[i].st_dev == st.st_dev &&
		    synced[i].st_ino == st.st_ino)
			return true;
	return false;
}

/* Every directory that changed is fsynced: the parent of each one made,
 * the device directory after a rename or an unlink in it, the controller
 * directory when a device directory goes. */
START_TEST(test_changed_dirs_fsynced)
{
	struct mgmt_link_key k = key("98:D3:31:F5:1A:2B", 0, 4);
	char store[128], cdir[256], ddir[300], path[320];
	bdaddr_t ctrl;

	ck_assert_int_eq(bt_addr_parse("00:AA:01:00:00:00", &ctrl), 0);
	snprintf(store, sizeof(store), "%s/store", dir);
	snprintf(cdir, sizeof(cdir), "%s/00:AA:01:00:00:00", store);
	snprintf(ddir, sizeof(ddir), "%s/98:D3:31:F5:1A:2B", cdir);
	snprintf(path, sizeof(path), "%s/info", ddir);

	nsynced = 0;
	ck_assert_int_eq(keystore_save(store, &ctrl, &k), 0);
	ck_assert(was_synced(dir));   /* store made in it */
	ck_assert(was_synced(store)); /* controller directory made */
	ck_assert(was_synced(cdir));  /* device directory made */
	ck_assert(was_synced(ddir));  /* info renamed into it */
	ck_assert(was_synced(path));  /* the file itself */

	nsynced = 0;
	ck_assert_int_eq(keystore_save(store, &ctrl, &k), 0);
	ck_assert(was_synced(ddir));
	ck_assert(was_synced(path));

	/* A file that keeps a group of bluetoothd's: rewritten in place. */
	write_text(path, "[General]\nName=HC-05\n\n[LinkKey]\nKey=" KEYHEX
			 "\nType=0\n");
	nsynced = 0;
	ck_assert_int_eq(keystore_remove(store, &ctrl, &k.addr.bdaddr), 0);
	ck_assert(was_synced(ddir));

	/* The last of it: the device directory goes from the controller's. */
	ck_assert_int_eq(keystore_save(store, &ctrl, &k), 0);
	write_text(path, "[LinkKey]\nKey=" KEYHEX "\nType=0\n");
	nsynced = 0;
	ck_assert_int_eq(keystore_remove(store, &ctrl, &k.addr.bdaddr), 0);
	ck_assert_int_eq(access(ddir, F_OK), -1);
	ck_assert(was_synced(cdir));
}
END_TEST

/* openat and renameat2 as the key store calls them (--wrap): when told,
 * as on a file system without O_TMPFILE or a kernel without renameat2's
 * flags. */
int __real_openat64(int dfd, const char *path, int flags, ...);
int __wrap_openat64(int dfd, const char *path, int flags, ...);
int __real_renameat2(int olddfd, const char *old, int newdfd, const char *new,
		     unsigned int flags);
int __wrap_renameat2(int olddfd, const char *old, int newdfd, const char *new,
		     unsigned int flags);

static bool no_tmpfile, no_rename_flags;
static int tmpfile_refused, rename_refused;

int __wrap_openat64(int dfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & O_CREAT || (flags & O_TMPFILE) == O_TMPFILE) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (no_tmpfile && (flags & O_TMPFILE) == O_TMPFILE) {
		tmpfile_refused++;
		errno = EOPNOTSUPP;
		return -1;
	}
	return __real_openat64(dfd, path, flags, mode);
}

int __wrap_renameat2(int olddfd, const char *old, int newdfd, const char *new,
		     unsigned int flags)
{
	if (no_rename_flags && flags) {
		rename_refused++;
		errno = EINVAL;
		return -1;
	}
	return __real_renameat2(olddfd, old, newdfd, new, flags);
}

/* Without O_TMPFILE and renameat2's flags each change still lands whole,
 * and leaves no temporary file. */
START_TEST(test_without_tmpfile_or_rename_flags)
{
	struct mgmt_link_key k = key("98:D3:31:F5:1A:2B", 0, 4);
	char path[320], ddir[300], text[512];
	bdaddr_t ctrl;

	ck_assert_int_eq(bt_addr_parse("00:AA:01:00:00:00", &ctrl), 0);
	snprintf(ddir, sizeof(ddir), "%s/00:AA:01:00:00:00/98:D3:31:F5:1A:2B",
		 dir);
	snprintf(path, sizeof(path), "%s/info", ddir);
	no_tmpfile = no_rename_flags = true;
	tmpfile_refused = rename_refused = 0;
	ck_assert_int_eq(keystore_save(dir, &ctrl, &k), 0);
	ck_assert_uint_eq(mode_of(path), 0600);
	write_text(path, "[General]\nName=HC-05\n");
	ck_assert_int_eq(keystore_save(dir, &ctrl, &k), 0);
	read_text(path, text, sizeof(text));
	ck_assert_str_eq(text, "[General]\nName=HC-05\n\n[LinkKey]\nKey=" KEYHEX
			       "\nType=0\nPINLength=4\n");
	ck_assert_int_eq(keystore_remove(dir, &ctrl, &k.addr.bdaddr), 0);
	read_text(path, text, sizeof(text));
	ck_assert_str_eq(text, "[General]\nName=HC-05\n\n");
	ck_assert_int_eq(entries(ddir), 1);
	write_text(path, "[LinkKey]\nKey=" KEYHEX "\nType=0\n");
	ck_assert_int_eq(keystore_remove(dir, &ctrl, &k.addr.bdaddr), 0);
	snprintf(ddir, sizeof(ddir), "%s/00:AA:01:00:00:00/98:D3:31:F5:1A:2B",
		 dir);
	ck_assert_int_eq(access(ddir, F_OK), -1);
	ck_assert_int_ge(tmpfile_refused, 3);
	ck_assert_int_ge(rename_refused, 3);

	/* O_TMPFILE but no renameat2 flags: the same. */
	no_tmpfile = false;
	tmpfile_refused = rename_refused = 0;
	ck_assert_int_eq(keystore_save(dir, &ctrl, &k), 0);
	write_text(path, "[General]\nName=HC-05\n");
	ck_assert_int_eq(keystore_save(dir, &ctrl, &k), 0);
	read_text(path, text, sizeof(text));
	ck_assert_str_eq(text, "[General]\nName=HC-05\n\n[LinkKey]\nKey=" KEYHEX
			       "\nType=0\nPINLength=4\n");
	ck_assert_int_eq(entries(ddir), 1);
	ck_assert_int_eq(tmpfile_refused, 0);
	ck_assert_int_ge(rename_refused, 1);
	no_rename_flags = false;
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
	tcase_add_loop_test(text, test_parse_name, 0,
			    sizeof(names) / sizeof(names[0]));
	tcase_add_test(text, test_parse_name_cut_to_size);
	suite_add_tcase(s, text);

	tcase_add_checked_fixture(disk, make_dir, remove_dir);
	/* Hundreds of fsyncs in the concurrent tests: a busy disk or
	 * qemu-user takes more than Check's default 4 seconds. */
	tcase_set_timeout(disk, 20);
	tcase_add_test(disk, test_save_list_remove);
	tcase_add_test(disk, test_walk);
	tcase_add_test(disk,
		       test_save_keeps_bluetoothd_groups_and_remove_keeps_file);
	tcase_add_test(disk, test_malformed_file_skipped_and_never_rewritten);
	tcase_add_test(disk, test_unreadable_controller_dir_is_an_error);
	tcase_add_test(disk, test_missing_store_is_empty);
	tcase_add_test(disk, test_empty_list_freed);
	tcase_add_test(disk, test_no_temporary_files_left);
	tcase_add_test(disk, test_round_trip);
	tcase_add_test(disk, test_save_name_in_cache);
	tcase_add_test(disk, test_save_name_keeps_bluetoothd_cache);
	tcase_add_test(disk, test_list_names);
	tcase_add_test(disk, test_save_replaces_atomically);
	tcase_add_test(disk, test_symlinked_info_refused);
	tcase_add_loop_test(disk, test_bad_file_skipped, 0,
			    sizeof(bad_files) / sizeof(bad_files[0]));
	tcase_add_test(disk, test_empty_file_is_no_key);
	tcase_add_test(disk, test_oversize_file);
	tcase_add_test(disk, test_missing_dirs);
	tcase_add_test(disk, test_save_where_not_allowed);
	tcase_add_test(disk, test_unreadable_info_is_warned);
	tcase_add_test(disk, test_save_removes_stale_temps);
	tcase_add_test(disk, test_remove_removes_temps_and_dir);
	tcase_add_test(disk, test_lock_serialises_writers);
	tcase_add_test(disk, test_foreign_writer_survives_saves);
	tcase_add_test(disk, test_changed_dirs_fsynced);
	tcase_add_test(disk, test_without_tmpfile_or_rename_flags);
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
