/*
 * progress.h - the task's progress channel (progress.c): a pipe at
 * SYNEXEC_PROGRESS_FD, read eagerly, the latest complete line kept.
 */
#ifndef SYNEXEC_SLAVE_PROGRESS_H
#define SYNEXEC_SLAVE_PROGRESS_H

#include <ev.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* The task finds its progress channel at this descriptor (NOTES 5). */
#define PROGRESS_FD		5

struct progress {
	struct ev_loop	*loop;
	int		 fd;		/* read end of the pipe, -1 */
	ev_io		 io;
	char		 line[PROTO_PROGRESS_MAX + 1];	/* latest whole line */
	char		 part[PROTO_PROGRESS_MAX + 1];	/* line being read */
	size_t		 part_len;	/* bytes kept of it (at most the max) */
	uint64_t	 lines;		/* whole lines seen */
};

void	progress_init(struct progress *, struct ev_loop *);
/* A new pipe: the read end is watched; *wr is the write end for the task. */
int	progress_open(struct progress *, int *wr);
/* Read what the pipe holds now (the task was just reaped). */
void	progress_drain(struct progress *);
void	progress_close(struct progress *);
/* The bytes a task wrote, split into lines: pure, for tests too. */
void	progress_feed(struct progress *, const uint8_t *, size_t);
/* At EOF a last line without a newline counts too. */
void	progress_eof(struct progress *);

#endif
