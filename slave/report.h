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
 * slave_conn.
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
/* Never report more often than this, whatever a master asks (ms). */
#define REPORT_MIN_MS		100
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

/* ---- report.c and output.c (members of struct slave_conn) ---- */

struct sc_report {
	ev_timer	 timer;		/* every report_ms while a task is ours */
	uint32_t	 report_ms;	/* 0: only on REPORT_REQ */
	uint64_t	 sent;
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

struct slave_conn;

uint64_t report_group_cpu_us(pid_t pgid);
void	report_init(struct slave_conn *);
/* Periodic REPORTs from now (the task is armed). */
void	report_start(struct slave_conn *);
void	report_stop(struct slave_conn *);
/* One REPORT now (REPORT_REQ, or the last one before FINISHD). */
void	report_send(struct slave_conn *);

void	output_init(struct slave_conn *);
/* The task is armed with its output file: -1 and why if it cannot be read. */
int	output_open(struct slave_conn *, uint32_t flags, uint64_t max,
	    char *why, size_t whylen);
/* The task runs: poll its output. */
void	output_running(struct slave_conn *);
/* Send what the connection has room for (poll, drain). */
void	output_pump(struct slave_conn *);
/*
 * The task was reaped: true if every byte is sent already; otherwise the
 * rest follows as the connection drains, then slave_conn_output_done().
 */
bool	output_finish(struct slave_conn *);
void	output_close(struct slave_conn *);

#endif
