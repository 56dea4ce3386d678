/*
 * buf.h - a byte queue with a hard size limit, for per-peer input and output.
 *
 * Memory grows only as needed, up to the limit given at init, and is given
 * back when the queue empties (so thousands of idle peers cost little).
 */
#ifndef SYNEXEC_BUF_H
#define SYNEXEC_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t	*data;
	size_t	cap;	/* allocated */
	size_t	start;	/* first unread byte */
	size_t	end;	/* one past the last byte */
	size_t	limit;	/* never hold more than this many bytes */
};

void	buf_init(struct buf *, size_t limit);
void	buf_free(struct buf *);
static inline size_t buf_len(const struct buf *b) { return b->end - b->start; }
static inline uint8_t *buf_head(const struct buf *b) { return b->data + b->start; }
/* Room for n more bytes at buf_tail(); -1 if that would pass the limit or ENOMEM. */
int	buf_reserve(struct buf *, size_t n);
static inline uint8_t *buf_tail(const struct buf *b) { return b->data + b->end; }
static inline void buf_commit(struct buf *b, size_t n) { b->end += n; }
int	buf_append(struct buf *, const void *, size_t);
void	buf_consume(struct buf *, size_t n);
/* Bytes that may still be added before the limit. */
static inline size_t buf_room(const struct buf *b) { return b->limit - buf_len(b); }

#endif
