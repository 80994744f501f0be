/*
 * Link keys on disk, in the layout bluetoothd itself uses, so that a device
 * paired by btpair is known to bluetoothd and the other way round:
 *
 *     DIR/<CONTROLLER ADDR>/<DEVICE ADDR>/info
 *
 * an INI file whose [LinkKey] group holds Key= (32 upper-case hex digits, in
 * the byte order of the kernel's value field), Type= and PINLength=
 * (decimal). btpair changes only those three keys and keeps every other byte
 * of an existing file. Directories are 0700, files 0600, and each file is
 * replaced atomically (write, fsync, rename, fsync the directory); every
 * directory made or changed is fsynced. btpair's writers lock the
 * controller directory (flock(2)) and change the file as it is under the
 * lock; a writer that takes no lock, as bluetoothd, is not undone either
 * (keystore.c says how, and what is left).
 *
 * Functions return 0 or -errno and never print.
 */
#ifndef BTPAIR_KEYSTORE_KEYSTORE_H
#define BTPAIR_KEYSTORE_KEYSTORE_H

#include <stdbool.h>
#include <stddef.h>

#include "mgmt/wire.h"

#define KEYSTORE_DEFAULT_DIR "/var/lib/bluetooth"

/* The directory to use: opt if given, else $BTPAIR_KEYSTORE, else the
 * default. */
const char *keystore_dir(const char *opt);

/*
 * Parse an info file's text for its link key. Returns 0, -ENOENT when it
 * has no [LinkKey] group or no Key= in it, or -EBADMSG when the file is not
 * an INI file or the key's values are out of range.
 */
int keystore_parse(const char *text, size_t len, struct mgmt_link_key *key);

/*
 * The text of an info file with [LinkKey] set to key: every other byte as
 * it was. Returns a malloc'd NUL-terminated string and its length, or NULL
 * with errno set (EBADMSG for a malformed original).
 */
char *keystore_update_text(const char *text, size_t len,
			   const struct mgmt_link_key *key, size_t *out_len);
/* The same text without its [LinkKey] group (NULL with errno ENOENT if it
 * had none). */
char *keystore_remove_text(const char *text, size_t len, size_t *out_len);

/*
 * The device's name in an info file's text ([General] Name=, the last if
 * several) into name (cut to size - 1 bytes). Returns 0, -ENOENT when there
 * is none, or -EBADMSG when the text is not an INI file.
 */
int keystore_parse_name(const char *text, size_t len, char *name, size_t size);

/*
 * Remember dev's name where bluetoothd keeps the names it learns, its name
 * cache (DIR/<ctrl>/cache/<dev>, [General] Name=), when it has no file for
 * dev yet: one there, bluetoothd's, is never rewritten (so nothing it
 * writes is undone), and the key files are not touched. Listing falls back
 * to it for a key whose info holds no name. Returns 0 (also when a file was
 * there), -EINVAL for a name that cannot be stored, or -errno.
 */
int keystore_save_name(const char *dir, const bdaddr_t *ctrl,
		       const bdaddr_t *dev, const char *name);

/* Store key (its addr says which device) for the controller ctrl. -EAGAIN
 * as keystore_remove. */
int keystore_save(const char *dir, const bdaddr_t *ctrl,
		  const struct mgmt_link_key *key);
/* Remove the device's key; -ENOENT if there was none. A file left with
 * nothing else in it is removed, and the directory too when nothing else
 * is in it. Either way a save or a remove deletes the temporary files an
 * interrupted save left in the device's directory. -EAGAIN: another writer
 * kept changing the file, and it was left as that writer made it. */
int keystore_remove(const char *dir, const bdaddr_t *ctrl, const bdaddr_t *dev);

/* Called for each file that cannot be used, with the reason; such files
 * are skipped, never rewritten. */
typedef void (*keystore_warn_fn)(void *data, const char *path, const char *why);

struct keystore_entry {
	bdaddr_t controller;
	struct mgmt_link_key key;
	/* [General] Name=, the device's name as bluetoothd or btpair saw
	 * it (info's, else the name cache's); "" when neither has one. */
	char name[249];
};

/*
 * Every stored key, of one controller (ctrl) or of all (ctrl NULL), sorted
 * by controller then device. *entries is malloc'd, NULL when there are none:
 * free it with keystore_entries_free. A missing directory is an empty store;
 * a directory that cannot be read is an error (-errno), never an empty list.
 */
int keystore_list(const char *dir, const bdaddr_t *ctrl,
		  struct keystore_entry **entries, size_t *count,
		  keystore_warn_fn warn, void *data);
/*
 * Visit the store in dir, of one controller (ctrl) or of all (ctrl NULL):
 * fn with name NULL for each controller directory cdir (DIR/<ctrl>), then
 * with the name of each entry in it. A non-zero return of fn ends the walk
 * and is returned; otherwise 0, or -errno when a directory cannot be read
 * (a missing store is an empty one).
 */
typedef int (*keystore_walk_fn)(void *data, const char *cdir,
				const bdaddr_t *ctrl, const char *name);
int keystore_walk(const char *dir, const bdaddr_t *ctrl, keystore_walk_fn fn,
		  void *data);
/* Wipe the keys of a list from keystore_list (NULL included) and free it. */
void keystore_entries_free(struct keystore_entry *entries, size_t count);

#endif
