/*
 * progress.h - the task's progress channel (progress.c): a pipe at
 * SYNEXEC_PROGRESS_FD, read eagerly, the latest complete line kept, and
 * the task's metrics ("metric NAME=VALUE [UNIT]" lines) in a table.
 */
#ifndef SYNEXEC_SLAVE_PROGRESS_H
#define SYNEXEC_SLAVE_PROGRESS_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* The task finds its progress channel at this descriptor (NOTES 5). */
#define PROGRESS_FD		5

/* One of the task's metrics: its latest value, and when it changed. */
struct progress_metric {
	struct proto_metric	m;	/* name, unit ("": none), value */
	uint64_t		gen;	/* progress gen of its last change */
};

struct progress {
	struct ev_loop	*loop;
	int		 fd;		/* read end of the pipe, -1 */
	ev_io		 io;
	char		 line[PROTO_PROGRESS_MAX + 1];	/* latest whole line */
	char		 part[PROTO_PROGRESS_MAX + 1];	/* line being read */
	size_t		 part_len;	/* bytes kept of it (at most the max) */
	bool		 part_cut;	/* it went past the max: bytes dropped */
	bool		 part_odd;	/* it held a byte not printable ASCII */
	uint64_t	 lines;		/* whole lines seen */
	/* Metrics: the first PROTO_METRICS_MAX names, in order of arrival. */
	struct progress_metric metric[PROTO_METRICS_MAX];
	unsigned	 nmetric;
	uint64_t	 metric_lines;	/* metric lines taken */
	/*
	 * Each change (a value, an error) takes the next gen; a reader that
	 * remembers the gen it last saw asks for what is newer.  Never reset,
	 * so that a mark survives a new task.
	 */
	uint64_t	 gen;
	/* The first complaint of each kind (enum proto_metric_error - 1). */
	char		 error[METRIC_ERROR_KINDS][PROTO_METRIC_ERROR_MAX + 1];
	uint64_t	 error_gen[METRIC_ERROR_KINDS];	/* 0: none yet */
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
/*
 * The metrics and complaints newer than gen since (0: all) into out; how
 * many of both.  *gen_now (if not NULL) is the gen to ask from next time.
 */
unsigned progress_metrics_since(const struct progress *, uint64_t since,
	    struct proto_metrics *out, uint64_t *gen_now);

#endif
