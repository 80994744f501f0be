/*
 * A growing NUL-terminated text buffer, for text that may hold a secret (a
 * link key): it grows by copy and wipes the copy it leaves. Start from
 * { 0 }; an allocation that fails sets failed, and the puts after it do
 * nothing.
 */
#ifndef BTPAIR_LIB_BUF_H
#define BTPAIR_LIB_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len, cap;
	bool failed;
};

/* Append n bytes of s. */
void buf_put(struct buf *b, const char *s, size_t n);
/* Append the string s. */
void buf_put_str(struct buf *b, const char *s);
/* Wipe and free what b holds; b is { 0 } again. */
void buf_wipe(struct buf *b);

#endif
