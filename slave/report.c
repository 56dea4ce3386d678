/*
 * report.c - REPORT frames: the task's state, elapsed time, CPU so far,
 * output bytes so far and progress text, every report_ms from the moment the
 * task is armed, and when the master sends REPORT_REQ.
 *
 * Answers to REPORT_REQ come from a token bucket: REPORT_ASK_BURST at once,
 * then one per REPORT_MIN_MS; the requests that come in between are all
 * answered by the next REPORT, made when it leaves.  So a master asking
 * without pause gets ten REPORTs a second, not one per request, each a
 * walk of /proc (NOTES section 5).
 *
 * CPU so far is the sum, over the processes of the task's process group, of
 * what /proc says each used (user + system), plus what its members' reaped
 * children used (cutime + cstime), so work done by short-lived children
 * counts too.  The processes are found by walking our own process tree
 * (/proc/PID/task/TID/children): the task's, and what it left behind to us
 * as its subreaper; a cost in the size of the task, not of the host.  A
 * figure is used again for REPORT_MIN_MS.  Once the task is reaped, wait4's
 * rusage is the figure, as in FINISHD.
 *
 * A master that asked for them (WELCOME_FLAG_METRICS) gets the task's
 * metrics with the REPORTs: before each REPORT, in the same write, a
 * METRICS frame with the metrics that changed since the last one and a
 * complaint about a refused line not yet told (NOTES section 5).  Over one
 * ordered connection the master so always holds the latest values, and
 * since the last REPORT goes right before FINISHD, the final ones.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "clock.h"
#include "report.h"

static void	report_timer_cb(struct ev_loop *, ev_timer *, int);
static void	report_ask_cb(struct ev_loop *, ev_timer *, int);

/* The fields of /proc/PID/stat after "(comm)": a read of at most 1 KiB. */
static int
report_proc_stat(long pid, long *pgrp, unsigned long long *ticks)
{
	char			 path[64], buf[1024], *p;
	unsigned long long	 ut, st;
	long long		 cut, cst;
	ssize_t			 n;
	int			 fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: the last ')' ends it. */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	if (sscanf(p + 1, " %*c %*d %ld %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu %lld %lld", pgrp, &ut, &st, &cut, &cst) != 5)
		return -1;
	*ticks = ut + st + (cut > 0 ? (unsigned long long)cut : 0) +
	    (cst > 0 ? (unsigned long long)cst : 0);
	return 0;
}

/* Pids still to visit in the walk of our process tree. */
struct report_pids {
	long	*v;
	size_t	 n, cap;
	size_t	 seen;		/* pids ever pushed: the walk's bound */
};

static void
report_pids_push(struct report_pids *l, long pid)
{
	long *v;

	if (pid <= 0 || l->seen >= REPORT_PROC_MAX)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;

		if ((v = realloc(l->v, cap * sizeof(*v))) == NULL)
			return;		/* a figure a little short, no more */
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = pid;
	l->seen++;
}

/*
 * Push the children of every thread of pid (a thread's children are its
 * own: /proc/PID/task/TID/children).  -1 if pid's first file cannot be
 * read: gone, or (for us) a kernel without these files.
 */
static int
report_children(long pid, struct report_pids *l)
{
	char		 path[96], buf[4096];
	DIR		*d;
	struct dirent	*de;
	long		 cur;
	bool		 in_num;
	ssize_t		 n, i;
	int		 fd, rc = -1;

	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%.20s/children",
		    pid, de->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		rc = 0;
		cur = 0;
		in_num = false;
		/* "12 34 56 ": a number may span two reads. */
		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			for (i = 0; i < n; i++) {
				if (isdigit((unsigned char)buf[i])) {
					if (cur < 100000000)
						cur = cur * 10 + (buf[i] - '0');
					in_num = true;
				} else if (in_num) {
					report_pids_push(l, cur);
					cur = 0;
					in_num = false;
				}
			}
		}
		if (in_num)
			report_pids_push(l, cur);
		close(fd);
	}
	closedir(d);
	return rc;
}

/* The old way, for a kernel without children files: every process. */
static unsigned long long
report_scan_all(pid_t pgid)
{
	DIR			*d;
	struct dirent		*de;
	unsigned long long	 ticks, sum = 0;
	long			 pgrp;
	unsigned		 seen = 0;

	if ((d = opendir("/proc")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL && seen++ < REPORT_PROC_MAX) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (report_proc_stat(strtol(de->d_name, NULL, 10), &pgrp,
		    &ticks) == 0 && pgrp == (long)pgid)
			sum += ticks;
	}
	closedir(d);
	return sum;
}

uint64_t
report_group_cpu_us(pid_t self, pid_t pgid)
{
	static long		 hz;
	struct report_pids	 l = { NULL, 0, 0, 0 };
	unsigned long long	 ticks, sum = 0;
	long			 pid, pgrp;

	if (hz <= 0 && (hz = sysconf(_SC_CLK_TCK)) <= 0)
		hz = 100;
	if (pgid <= 0)
		return 0;
	if (report_children(self, &l) == -1) {
		free(l.v);
		sum = report_scan_all(pgid);
	} else {
		/*
		 * Depth first through everything below us; a process that
		 * left the group is walked through too, and only the group's
		 * members are counted.
		 */
		while (l.n > 0) {
			pid = l.v[--l.n];
			if (report_proc_stat(pid, &pgrp, &ticks) == -1)
				continue;	/* gone meanwhile */
			if (pgrp == (long)pgid)
				sum += ticks;
			(void)report_children(pid, &l);
		}
		free(l.v);
	}
	return (uint64_t)(sum * 1000000ull / (unsigned long long)hz);
}

/* The figure of the task's group, walked at most once per REPORT_MIN_MS. */
static uint64_t
report_cpu(struct uplink_report *r, pid_t pgid)
{
	uint64_t now = mono_ns();

	if (r->cpu_pgid != pgid ||
	    now - r->cpu_mono_ns >= REPORT_MIN_MS * NSEC_PER_MSEC) {
		r->cpu_us = report_group_cpu_us(r->self, pgid);
		r->cpu_pgid = pgid;
		r->cpu_mono_ns = now;
	}
	return r->cpu_us;
}

void
report_init(struct uplink_report *r, struct ev_loop *loop,
    const struct task *task, pid_t self)
{
	memset(r, 0, sizeof(*r));
	r->loop = loop;
	r->task = task;
	r->self = self;
	ev_timer_init(&r->timer, report_timer_cb, 0, 0);
	ev_timer_init(&r->ask, report_ask_cb, 0, 0);
	r->tokens = REPORT_ASK_BURST;
	r->tokens_at = ev_now(loop);
}

void
report_open(struct uplink_report *r, struct conn *conn, bool metrics)
{
	r->conn = conn;
	r->metrics = metrics;
	r->metrics_mark = 0;
}

/* METRICS with what changed since the last one, if anything did. */
static void
report_metrics(struct uplink_report *rep)
{
	struct proto_metrics	m;
	uint8_t			buf[PROTO_MAX_PAYLOAD];
	uint64_t		now;
	size_t			len;

	if (!rep->metrics || progress_metrics_since(&rep->task->prog,
	    rep->metrics_mark, &m, &now) == 0)
		return;
	if ((len = proto_metrics_encode(buf, sizeof(buf), &m)) == 0)
		return;	/* cannot happen: progress.c keeps them in bounds */
	if (conn_send(rep->conn, CMD_METRICS, buf, len) == 0)
		rep->metrics_mark = now;
}

void
report_start(struct uplink_report *r, uint32_t report_ms)
{
	double secs;

	if (r->conn == NULL || report_ms == 0)
		return;
	r->report_ms = report_ms < REPORT_MIN_MS ? REPORT_MIN_MS : report_ms;
	secs = r->report_ms / 1000.;
	ev_timer_stop(r->loop, &r->timer);
	ev_timer_set(&r->timer, secs, secs);
	ev_timer_start(r->loop, &r->timer);
}

void
report_stop(struct uplink_report *r)
{
	ev_timer_stop(r->loop, &r->timer);
	ev_timer_stop(r->loop, &r->ask);
}

void
report_new_run(struct uplink_report *r)
{
	r->tokens = REPORT_ASK_BURST;
	r->tokens_at = ev_now(r->loop);
}

/* Tokens earned since they were last counted: one per REPORT_MIN_MS. */
static void
report_refill(struct uplink_report *r)
{
	ev_tstamp now = ev_now(r->loop);

	r->tokens += (now - r->tokens_at) * 1000. / REPORT_MIN_MS;
	if (r->tokens > REPORT_ASK_BURST)
		r->tokens = REPORT_ASK_BURST;
	r->tokens_at = now;
}

void
report_ask(struct uplink_report *r)
{
	/* An answer is due already: it answers this request too. */
	if (ev_is_active(&r->ask))
		return;
	report_refill(r);
	if (r->tokens >= 1.) {
		r->tokens -= 1.;
		report_send(r);
		return;
	}
	ev_timer_set(&r->ask, (1. - r->tokens) * REPORT_MIN_MS / 1000., 0.);
	ev_timer_start(r->loop, &r->ask);
}

static void
report_ask_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct uplink_report *r = (struct uplink_report *)((char *)w -
	    offsetof(struct uplink_report, ask));

	(void)loop;
	(void)revents;
	report_refill(r);
	r->tokens = r->tokens >= 1. ? r->tokens - 1. : 0.;
	report_send(r);
}

void
report_send(struct uplink_report *rep)
{
	const struct task	*t = rep->task;
	struct proto_report	 r;
	uint8_t			 buf[32 + PROTO_PROGRESS_MAX];
	size_t			 len;
	bool			 corked;

	/* Not yet (a 2014 master knows no REPORT), or not any more. */
	if (rep->conn == NULL || rep->conn->fd == -1 || rep->conn->failed)
		return;
	/* Whatever its cause, this REPORT answers the requests waiting. */
	ev_timer_stop(rep->loop, &rep->ask);
	memset(&r, 0, sizeof(r));
	r.state = task_report_state(t);
	r.elapsed_ns = task_elapsed_ns(t);
	r.output_bytes = task_output_bytes(t);
	if (r.state == TASK_STATE_RUNNING)
		r.cpu_us = report_cpu(rep, t->pid);
	else if (r.state == TASK_STATE_FINISHED)
		r.cpu_us = t->result.utime_us + t->result.stime_us;
	snprintf(r.progress, sizeof(r.progress), "%s", t->prog.line);
	if ((len = proto_report_encode(buf, sizeof(buf), &r)) == 0)
		return;	/* cannot happen: every field is bounded above */
	rep->sent++;
	/* METRICS and REPORT leave together (inside the caller's cork, if any). */
	corked = rep->conn->corked;
	conn_cork(rep->conn, true);
	report_metrics(rep);
	/* A failure (queue full, socket error) comes back through on_error. */
	(void)conn_send(rep->conn, CMD_REPORT, buf, len);
	conn_cork(rep->conn, corked);
}

static void
report_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct uplink_report *r = (struct uplink_report *)((char *)w -
	    offsetof(struct uplink_report, timer));

	(void)loop;
	(void)revents;
	/*
	 * Always room: output.c stops queueing at half the queue's limit,
	 * which leaves more than a frame and a report free.
	 */
	report_send(r);
}
