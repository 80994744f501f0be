/*
 * PIN files: the one grammar that every command and doctor read. A file
 * holds either one PIN alone (its only entry, for every device), or lines
 *
 *     ADDR PIN
 *     NAME PIN      a Bluetooth name, a case-insensitive glob as in
 *                   name:PATTERN; "double quoted" when it holds blanks
 *     * PIN         any other device
 *
 * with '#' comment lines and blank lines; a UTF-8 byte-order mark and CRLF
 * line ends are tolerated. A PIN is 1 to 16 bytes and never "*". Every line
 * is checked, whichever device is asked for: any error rejects the whole
 * file. Functions never print; the PINs are wiped when the file is freed.
 */
#ifndef BTPAIR_PIN_FILE_H
#define BTPAIR_PIN_FILE_H

#include <stddef.h>

#include <bluetooth/bluetooth.h>

#include "lib/file.h"

/* A PIN file is small; anything bigger is not one. */
#define PIN_FILE_MAX_SIZE 65536

/* What the first field of a line names. */
enum pin_file_kind {
	PIN_FILE_ADDR,
	PIN_FILE_NAME,
	PIN_FILE_ANY,
	PIN_FILE_ALONE, /* a PIN alone: the file's only entry */
};

struct pin_file_entry {
	enum pin_file_kind kind;
	unsigned int line;
	bdaddr_t addr;	  /* PIN_FILE_ADDR */
	const char *name; /* PIN_FILE_NAME: the glob */
	const char *pin;
};

struct pin_file {
	struct pin_file_entry *entries;
	size_t count;
	char *text; /* the copy the entries point into */
	size_t size;
};

/*
 * Parse the text of a file (len bytes). Returns 0 with *pf filled (free
 * with pin_file_free), -EINVAL with err set (line 0: the file as a whole,
 * "has no PIN") and *pf empty, or -ENOMEM.
 */
int pin_file_parse(const char *text, size_t len, struct pin_file *pf,
		   struct file_error *err);

/*
 * The PINs for a device in the order they are tried: the PIN alone; else
 * the lines of its address, then those whose NAME matches name (when
 * known, else none), then the '*' lines, each kind in the file's order.
 * Up to max of them go to out (pointers into pf); returns how many there
 * are in all.
 */
size_t pin_file_lookup(const struct pin_file *pf, const bdaddr_t *addr,
		       const char *name, const char **out, size_t max);

/* Wipe the PINs and free. */
void pin_file_free(struct pin_file *pf);

#endif
