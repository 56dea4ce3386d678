/*
 * buf.c - bounded byte queue.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Below this, an empty buffer keeps its memory: reallocating costs more. */
#define BUF_KEEP	4096

void
buf_init(struct buf *b, size_t limit)
{
	memset(b, 0, sizeof(*b));
	b->limit = limit;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->cap = b->start = b->end = 0;
}

int
buf_reserve(struct buf *b, size_t n)
{
	size_t	len = buf_len(b);
	size_t	newcap;
	uint8_t	*p;

	if (n > b->limit - len) {
		errno = ENOBUFS;
		return -1;
	}
	if (b->cap - b->end >= n)
		return 0;
	if (b->start > 0) {
		/* Slide the unread bytes down before growing. */
		memmove(b->data, b->data + b->start, len);
		b->start = 0;
		b->end = len;
		if (b->cap - b->end >= n)
			return 0;
	}
	newcap = b->cap ? b->cap : 512;
	while (newcap - len < n)
		newcap *= 2;
	if (newcap > b->limit && b->limit >= len + n)
		newcap = b->limit;
	p = realloc(b->data, newcap);
	if (p == NULL)
		return -1;
	b->data = p;
	b->cap = newcap;
	return 0;
}

int
buf_append(struct buf *b, const void *src, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return -1;
	memcpy(buf_tail(b), src, n);
	buf_commit(b, n);
	return 0;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= buf_len(b)) {
		b->start = b->end = 0;
		if (b->cap > BUF_KEEP) {
			free(b->data);
			b->data = NULL;
			b->cap = 0;
		}
		return;
	}
	b->start += n;
}
