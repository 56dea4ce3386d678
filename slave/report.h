/*
 * report.h - what a slave tells its master while the task runs (slave side).
 *
 *   progress.c  the task's progress channel: a pipe at SYNEXEC_PROGRESS_FD,
 *               read eagerly, the latest complete line kept
 *   report.c    REPORT frames: every report_ms, and at once on REPORT_REQ;
 *               CPU of the task's process group from /proc
 *   output.c    OUTPUT frames: the task's output file streamed to the master
 *               as it grows, as the connection drains, up to output_max
 *
 * Included by slave.h; the structs are members of struct task and struct
 * uplink.
 */
#ifndef SYNEXEC_SLAVE_REPORT_H
#define SYNEXEC_SLAVE_REPORT_H

#include <sys/types.h>

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "proto.h"

/* The task finds its progress channel at this descriptor (NOTES 5). */
#define PROGRESS_FD		5
/* Poll the output file this often while the task runs (seconds). */
#define OUTPUT_POLL_FOLLOW	0.05	/* --follow on the master */
#define OUTPUT_POLL		0.2
/*
 * Never report more often than this, whatever a master asks (ms): the
 * shortest report_ms, the pace of answers to REPORT_REQ beyond a burst of
 * REPORT_ASK_BURST, and the age of a CPU figure used again (NOTES 5).
 */
#define REPORT_MIN_MS		100
#define REPORT_ASK_BURST	4
/* Bound on /proc entries looked at for one CPU figure. */
#define REPORT_PROC_MAX		200000

/* ---- progress.c (a member of struct task) ---- */

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

/* ---- report.c and output.c (members of struct uplink) ---- */

struct sc_report {
	ev_timer	 timer;		/* every report_ms while a task is ours */
	uint32_t	 report_ms;	/* 0: only on REPORT_REQ */
	uint64_t	 sent;
	/* Answers to REPORT_REQ: a token bucket, one answer per token. */
	ev_timer	 ask;		/* the next answer, when out of tokens */
	double		 tokens;	/* up to REPORT_ASK_BURST */
	ev_tstamp	 tokens_at;	/* loop time they were counted */
	/* The task's CPU figure, used again for REPORT_MIN_MS. */
	pid_t		 cpu_pgid;
	uint64_t	 cpu_us;
	uint64_t	 cpu_mono_ns;
};

struct sc_output {
	bool		 on;		/* CONF_FLAG_COLLECT_OUTPUT */
	bool		 follow;	/* CONF_FLAG_FOLLOW: poll faster */
	uint64_t	 max;		/* output_max, 0: all */
	int		 fd;		/* the output file, read-only; -1 */
	uint64_t	 sent;		/* bytes queued as OUTPUT */
	bool		 final;		/* the task was reaped: send up to end */
	uint64_t	 end;		/* bytes to send in all, once final */
	bool		 capped_said;
	ev_timer	 poll;
};

struct uplink;

/*
 * CPU so far (us) of the processes of group pgid that are in our process
 * tree (the task's, and what it left behind to us, its subreaper); from
 * every process in /proc on a kernel without /proc/PID/task/TID/children.
 */
uint64_t report_group_cpu_us(pid_t self, pid_t pgid);
void	report_init(struct uplink *);
/* Periodic REPORTs from now (the task is armed). */
void	report_start(struct uplink *);
/* No more REPORTs: neither periodic ones nor a deferred answer. */
void	report_stop(struct uplink *);
/*
 * REPORT_REQ: a REPORT now, or, past a burst, when the pace allows (one per
 * REPORT_MIN_MS); requests meanwhile are answered by that one.
 */
void	report_ask(struct uplink *);
/* One REPORT now (the last one before FINISHD); it answers any request. */
void	report_send(struct uplink *);

void	output_init(struct uplink *);
/* The task is armed with its output file: -1 and why if it cannot be read. */
int	output_open(struct uplink *, uint32_t flags, uint64_t max,
	    char *why, size_t whylen);
/* The task runs: poll its output. */
void	output_running(struct uplink *);
/* Send what the connection has room for (poll, drain). */
void	output_pump(struct uplink *);
/*
 * The task was reaped: true if every byte is sent already; otherwise the
 * rest follows as the connection drains, then uplink_output_done().
 */
bool	output_finish(struct uplink *);
void	output_close(struct uplink *);

#endif
