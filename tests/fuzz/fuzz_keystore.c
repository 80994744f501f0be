/*
 * Fuzz the key store: the input is the text of an info file. In memory:
 * parse it, set a key in it and remove the key again, checking what the
 * store promises (the key read back is the key written; every byte outside
 * [LinkKey] kept; a removed group is gone). On disk, in a private temporary
 * directory: list the store with the file in place (a malformed file is
 * named and skipped), save a key over it and remove it again, as pair and
 * unpair do.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keystore/keystore.h"
#include "tests/fuzz/tmpdir.h"
#include "mgmt/addr.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CTRL "00:AA:01:00:00:00"
#define DEV "98:D3:31:F5:1A:2B"

static const char *root;
static char dev_dir[PATH_MAX];
static char info_path[PATH_MAX];
static bdaddr_t ctrl;
static struct mgmt_link_key new_key;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	root = fuzz_tmpdir("keystore");
	snprintf(dev_dir, sizeof(dev_dir), "%s/%s/%s", root, CTRL, DEV);
	snprintf(info_path, sizeof(info_path), "%s/info", dev_dir);
	if (bt_addr_parse(CTRL, &ctrl) < 0 ||
	    bt_addr_parse(DEV, &new_key.addr.bdaddr) < 0)
		abort();
	new_key.type = 4;
	new_key.pin_len = 0;
	for (int i = 0; i < 16; i++)
		new_key.val[i] = (uint8_t)(0xa5 ^ i * 17);
	return 0;
}

static bool same_key(const struct mgmt_link_key *a,
		     const struct mgmt_link_key *b)
{
	return a->type == b->type && a->pin_len == b->pin_len &&
	       memcmp(a->val, b->val, sizeof(a->val)) == 0;
}

/* What text becomes once [LinkKey] is set and then removed again: text
 * itself, with a newline ended and a blank line added before the group
 * that was appended. */
static char *expected_after_round_trip(const char *text, size_t len,
				       size_t *out_len)
{
	size_t removed_len;
	char *removed = keystore_remove_text(text, len, &removed_len), *out;

	if (removed) {
		*out_len = removed_len;
		return removed;
	}
	if (errno != ENOENT)
		abort(); /* update took it, so remove must too */
	out = malloc(len + 3);
	if (!out)
		abort();
	memcpy(out, text, len);
	*out_len = len;
	if (len && text[len - 1] != '\n')
		out[(*out_len)++] = '\n';
	if (len)
		out[(*out_len)++] = '\n';
	out[*out_len] = '\0';
	return out;
}

/* The in-memory editing; returns the parse result of text. */
static int check_text(const char *text, size_t len)
{
	struct mgmt_link_key k;
	size_t upd_len, rt_len, want_len, rem_len;
	char *upd, *rt, *want, *rem;
	int parsed = keystore_parse(text, len, &k);

	if (parsed != 0 && parsed != -ENOENT && parsed != -EBADMSG)
		abort();
	if (parsed == 0 && (k.type > 8 || k.pin_len > 16))
		abort();

	rem = keystore_remove_text(text, len, &rem_len);
	if (rem) {
		/* What is left has no key, and is still an INI file. */
		if (keystore_parse(rem, rem_len, &k) != -ENOENT ||
		    strlen(rem) != rem_len)
			abort();
		free(rem);
	} else if (errno != ENOENT && errno != EBADMSG) {
		abort();
	}

	upd = keystore_update_text(text, len, &new_key, &upd_len);
	if (!upd) {
		if (errno != EBADMSG || parsed != -EBADMSG)
			abort(); /* only a malformed text is refused */
		return parsed;
	}
	if (strlen(upd) != upd_len)
		abort();
	if (keystore_parse(upd, upd_len, &k) != 0 || !same_key(&k, &new_key))
		abort(); /* the key written is not the key read back */
	rt = keystore_remove_text(upd, upd_len, &rt_len);
	if (!rt)
		abort();
	want = expected_after_round_trip(text, len, &want_len);
	if (rt_len != want_len || memcmp(rt, want, rt_len) != 0)
		abort(); /* a byte outside [LinkKey] changed */
	free(want);
	free(rt);
	free(upd);
	return parsed;
}

static void count_warning(void *data, const char *path, const char *why)
{
	(void)path;
	(void)why;
	++*(int *)data;
}

static void write_info(const uint8_t *data, size_t size)
{
	int fd = open(info_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		      0600);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) < 0)
		abort();
}

/* The on-disk paths, as keys list, pair and unpair use them. */
static void check_files(const uint8_t *data, size_t size, int parsed)
{
	struct keystore_entry *list = NULL;
	struct mgmt_link_key k;
	struct stat st;
	size_t count = 0;
	int warnings = 0, err;

	if (mkdir(root, 0700) < 0 && errno != EEXIST)
		abort();
	snprintf(dev_dir, sizeof(dev_dir), "%s/%s", root, CTRL);
	if (mkdir(dev_dir, 0700) < 0 && errno != EEXIST)
		abort();
	snprintf(dev_dir, sizeof(dev_dir), "%s/%s/%s", root, CTRL, DEV);
	if (mkdir(dev_dir, 0700) < 0 && errno != EEXIST)
		abort();
	write_info(data, size);

	if (keystore_list(root, NULL, &list, &count, count_warning, &warnings) <
	    0)
		abort();
	if (count != (parsed == 0) || warnings != (parsed == -EBADMSG))
		abort(); /* a good key lost, or a bad file not named */
	free(list);

	err = keystore_save(root, &ctrl, &new_key);
	if (err == 0) {
		FILE *f = fopen(info_path, "re");
		char buf[4096];
		size_t n;

		if (!f || fstat(fileno(f), &st) < 0 ||
		    (st.st_mode & 0777) != 0600)
			abort();
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		if (keystore_parse(buf, n, &k) != 0 || !same_key(&k, &new_key))
			abort();
		if (keystore_remove(root, &ctrl, &new_key.addr.bdaddr) < 0)
			abort();
	} else if (err != -EBADMSG || parsed != -EBADMSG) {
		abort();
	}
	/* Whatever is left, no key of ours is. */
	list = NULL;
	if (keystore_list(root, &ctrl, &list, &count, NULL, NULL) < 0)
		abort();
	for (size_t i = 0; i < count; i++)
		if (same_key(&list[i].key, &new_key))
			abort();
	free(list);
	unlink(info_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exactly sized copy: ASan sees any read past the text. */
	char *text = malloc(size ? size : 1);
	int parsed;

	if (!text)
		return 0;
	memcpy(text, data, size);
	parsed = check_text(text, size);
	free(text);
	/* A file over the in-memory buffer above is read back only in part;
	 * the store's own limit (1 MiB) is far above the fuzzer's inputs. */
	if (size <= 2048)
		check_files(data, size, parsed);
	return 0;
}
