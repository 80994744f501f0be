/* A growing text buffer that wipes what it leaves (buf.h). */
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

void buf_put(struct buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *nd;

		while (cap < b->len + n + 1)
			cap *= 2;
		nd = malloc(cap);
		if (!nd) {
			b->failed = true;
			return;
		}
		if (b->data) {
			memcpy(nd, b->data, b->len);
			explicit_bzero(b->data, b->cap);
			free(b->data);
		}
		b->data = nd;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_put_str(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

void buf_wipe(struct buf *b)
{
	if (b->data)
		explicit_bzero(b->data, b->cap);
	free(b->data);
	memset(b, 0, sizeof(*b));
}
