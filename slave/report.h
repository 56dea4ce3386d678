/*
 * report.h - REPORT frames: what a slave tells its master while the task
 * runs (report.c): every report_ms, and at once on REPORT_REQ; CPU of the
 * task's process group from /proc.
 */
#ifndef SYNEXEC_SLAVE_REPORT_H
#define SYNEXEC_SLAVE_REPORT_H

#include <sys/types.h>

#include <ev.h>
#include <stdint.h>

#include "conn.h"
#include "task.h"

/*
 * Never report more often than this, whatever a master asks (ms): the
 * shortest report_ms, the pace of answers to REPORT_REQ beyond a burst of
 * REPORT_ASK_BURST, and the age of a CPU figure used again (NOTES 5).
 */
#define REPORT_MIN_MS		100
#define REPORT_ASK_BURST	4
/* Bound on /proc entries looked at for one CPU figure. */
#define REPORT_PROC_MAX		200000

/*
 * The uplink's REPORT stream; report.c knows the connection and the task,
 * not the link.
 */
struct uplink_report {
	struct ev_loop	*loop;
	const struct task *task;	/* what it reports */
	pid_t		 self;		/* ours: the top of the /proc walk */
	struct conn	*conn;		/* from report_open; NULL: none */
	ev_timer	 timer;		/* every report_ms while a task is ours */
	uint32_t	 report_ms;	/* 0: only on REPORT_REQ */
	uint64_t	 sent;
	/* METRICS with each REPORT (the master asked: WELCOME_FLAG_METRICS) */
	bool		 metrics;
	uint64_t	 metrics_mark;	/* the progress gen sent so far */
	/* Answers to REPORT_REQ: a token bucket, one answer per token. */
	ev_timer	 ask;		/* the next answer, when out of tokens */
	double		 tokens;	/* up to REPORT_ASK_BURST */
	ev_tstamp	 tokens_at;	/* loop time they were counted */
	/* The task's CPU figure, used again for REPORT_MIN_MS. */
	pid_t		 cpu_pgid;
	uint64_t	 cpu_us;
	uint64_t	 cpu_mono_ns;
};

/*
 * CPU so far (us) of the processes of group pgid that are in our process
 * tree (the task's, and what it left behind to us, its subreaper); from
 * every process in /proc on a kernel without /proc/PID/task/TID/children.
 */
uint64_t report_group_cpu_us(pid_t self, pid_t pgid);
void	report_init(struct uplink_report *, struct ev_loop *,
	    const struct task *, pid_t self);
/*
 * The master speaks our extensions (WELCOME): REPORTs go over conn; with
 * metrics (WELCOME_FLAG_METRICS), each with the METRICS that changed.
 */
void	report_open(struct uplink_report *, struct conn *conn, bool metrics);
/* Periodic REPORTs from now (the task is armed); 0: none. */
void	report_start(struct uplink_report *, uint32_t report_ms);
/* No more REPORTs: neither periodic ones nor a deferred answer. */
void	report_stop(struct uplink_report *);
/*
 * A campaign's next run (RUN_END): the answers' bucket full again, as for a
 * new session, which a master could have by connecting again anyway; a run
 * costs it a configuration and a task, so no flood comes of it.  Without
 * this, each run's last round of reports waited for a token (100 ms).
 */
void	report_new_run(struct uplink_report *);
/*
 * REPORT_REQ: a REPORT now, or, past a burst, when the pace allows (one per
 * REPORT_MIN_MS); requests meanwhile are answered by that one.
 */
void	report_ask(struct uplink_report *);
/*
 * One REPORT now (the last one before FINISHD); it answers any request.
 * The task's metrics that changed since the last METRICS (and a complaint
 * not yet told) go just before it, in the same write.
 */
void	report_send(struct uplink_report *);

#endif
