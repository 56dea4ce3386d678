/*
 * progress.c - the task's progress channel.
 *
 * The task finds the write end of a pipe at descriptor SYNEXEC_PROGRESS_FD;
 * each line it writes there ("iteration 40/100", "42%") becomes its progress
 * text.  The slave reads the pipe whenever it is readable, so the pipe never
 * fills and a task's write never waits for us, and keeps only the latest
 * whole line (its first PROTO_PROGRESS_MAX bytes): memory stays bounded
 * whatever the task writes.  '\r' ends a line as '\n' does, so progress bars
 * that redraw a line in place work; empty lines are ignored.  Bytes that are
 * not printable ASCII become '?'.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "progress.h"

/* Reads per wake-up: the loop serves the master between them. */
#define PROGRESS_READS	16

static void	progress_read_cb(struct ev_loop *, ev_io *, int);

void
progress_init(struct progress *p, struct ev_loop *loop)
{
	memset(p, 0, sizeof(*p));
	p->loop = loop;
	p->fd = -1;
	ev_io_init(&p->io, progress_read_cb, -1, EV_READ);
}

int
progress_open(struct progress *p, int *wr)
{
	int fds[2];

	progress_close(p);
	p->line[0] = '\0';
	p->part_len = 0;
	p->lines = 0;
	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	(void)fcntl(fds[0], F_SETFL, O_NONBLOCK);
	p->fd = fds[0];
	*wr = fds[1];
	ev_io_set(&p->io, p->fd, EV_READ);
	ev_io_start(p->loop, &p->io);
	return 0;
}

void
progress_close(struct progress *p)
{
	if (p->fd == -1)
		return;
	ev_io_stop(p->loop, &p->io);
	close(p->fd);
	p->fd = -1;
}

static void
progress_line_done(struct progress *p)
{
	if (p->part_len == 0)
		return;
	memcpy(p->line, p->part, p->part_len);
	p->line[p->part_len] = '\0';
	p->part_len = 0;
	p->lines++;
}

void
progress_feed(struct progress *p, const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint8_t c = b[i];

		if (c == '\n' || c == '\r') {
			progress_line_done(p);
			continue;
		}
		/* Past the limit the rest of the line is dropped (NOTES). */
		if (p->part_len >= PROTO_PROGRESS_MAX)
			continue;
		if (c == '\t')
			c = ' ';
		else if (c < 0x20 || c >= 0x7f)
			c = '?';
		p->part[p->part_len++] = (char)c;
	}
}

void
progress_eof(struct progress *p)
{
	progress_line_done(p);
}

/* Read until the pipe is empty (or PROGRESS_READS reads); EOF closes it. */
static void
progress_read(struct progress *p, int max_reads)
{
	uint8_t	buf[4096];
	ssize_t	n;
	int	i;

	for (i = 0; p->fd != -1 && i < max_reads; i++) {
		n = read(p->fd, buf, sizeof(buf));
		if (n > 0) {
			progress_feed(p, buf, (size_t)n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == -1)
			log_warn("progress channel");
		/* EOF: every writer is gone; an unended last line counts. */
		progress_eof(p);
		progress_close(p);
	}
}

static void
progress_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct progress *p = (struct progress *)((char *)w -
	    offsetof(struct progress, io));

	(void)loop;
	(void)revents;
	progress_read(p, PROGRESS_READS);
}

/*
 * The task's first process is gone: take what it wrote last.  Bounded (the
 * pipe holds at most 64 KiB unless someone still writes); processes it left
 * behind may go on writing, and are read as they do until the session ends.
 */
void
progress_drain(struct progress *p)
{
	progress_read(p, 64);
}
