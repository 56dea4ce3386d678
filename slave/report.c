/*
 * report.c - REPORT frames: the task's state, elapsed time, CPU so far,
 * output bytes so far and progress text, every report_ms from the moment the
 * task is armed, and at once when the master sends REPORT_REQ.
 *
 * CPU so far is the sum over the task's process group of what /proc says
 * each member used (user + system), plus what its members' reaped children
 * used (cutime + cstime), so work done by short-lived children counts too.
 * Once the task is reaped, wait4's rusage is the figure, as in FINISHD.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "slave.h"

static void	report_timer_cb(struct ev_loop *, ev_timer *, int);

/* The fields of /proc/PID/stat after "(comm)": a read of at most 1 KiB. */
static int
report_proc_stat(const char *pid, long *pgrp, unsigned long long *ticks)
{
	char			 path[64], buf[1024], *p;
	unsigned long long	 ut, st;
	long long		 cut, cst;
	ssize_t			 n;
	int			 fd;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
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

uint64_t
report_group_cpu_us(pid_t pgid)
{
	static long		 hz;
	DIR			*d;
	struct dirent		*de;
	unsigned long long	 ticks, sum = 0;
	long			 pgrp;
	unsigned		 seen = 0;

	if (hz <= 0 && (hz = sysconf(_SC_CLK_TCK)) <= 0)
		hz = 100;
	if (pgid <= 0 || (d = opendir("/proc")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL && seen++ < REPORT_PROC_MAX) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (report_proc_stat(de->d_name, &pgrp, &ticks) == 0 &&
		    pgrp == (long)pgid)
			sum += ticks;
	}
	closedir(d);
	return (uint64_t)(sum * 1000000ull / (unsigned long long)hz);
}

void
report_init(struct slave_conn *sc)
{
	ev_timer_init(&sc->rep.timer, report_timer_cb, 0, 0);
	sc->rep.report_ms = 0;
	sc->rep.sent = 0;
}

void
report_start(struct slave_conn *sc)
{
	double secs;

	if (!sc->ext || sc->cb.report_ms == 0)
		return;
	sc->rep.report_ms = sc->cb.report_ms < REPORT_MIN_MS ? REPORT_MIN_MS :
	    sc->cb.report_ms;
	secs = sc->rep.report_ms / 1000.;
	ev_timer_stop(sc->sl->loop, &sc->rep.timer);
	ev_timer_set(&sc->rep.timer, secs, secs);
	ev_timer_start(sc->sl->loop, &sc->rep.timer);
}

void
report_stop(struct slave_conn *sc)
{
	ev_timer_stop(sc->sl->loop, &sc->rep.timer);
}

static uint64_t
report_out_bytes(const struct task *t)
{
	struct stat st;

	if (t->state == TASK_DONE)
		return t->output_bytes;
	if (t->out_fd != -1 && fstat(t->out_fd, &st) == 0 && st.st_size > 0)
		return (uint64_t)st.st_size;
	return 0;
}

void
report_send(struct slave_conn *sc)
{
	const struct task	*t = &sc->sl->task;
	struct proto_report	 r;
	struct proto_result	 res;
	uint8_t			 buf[32 + PROTO_PROGRESS_MAX];
	size_t			 len;

	if (!sc->ext || !sc->conn_open || sc->conn.failed)
		return;
	memset(&r, 0, sizeof(r));
	switch (t->state) {
	case TASK_ARMED:
		if (!task_due(t)) {
			r.state = TASK_STATE_ARMED;
			break;
		}
		/* Its instant came; our timer marks it later (slave.h). */
		r.state = TASK_STATE_RUNNING;
		r.elapsed_ns = mono_ns() - t->sched_mono_ns;
		r.cpu_us = report_group_cpu_us(t->pid);
		break;
	case TASK_RUNNING:
		r.state = TASK_STATE_RUNNING;
		r.elapsed_ns = mono_ns() - t->start_mono_ns;
		r.cpu_us = report_group_cpu_us(t->pid);
		break;
	case TASK_DONE:
		r.state = TASK_STATE_FINISHED;
		task_result(t, &res);
		r.elapsed_ns = res.finish_real_ns - res.start_real_ns;
		r.cpu_us = res.utime_us + res.stime_us;
		break;
	case TASK_IDLE:
	default:
		r.state = TASK_STATE_IDLE;
		break;
	}
	if (t->state != TASK_IDLE)
		r.output_bytes = report_out_bytes(t);
	snprintf(r.progress, sizeof(r.progress), "%s", t->prog.line);
	if ((len = proto_report_encode(buf, sizeof(buf), &r)) == 0)
		return;	/* cannot happen: every field is bounded above */
	sc->rep.sent++;
	/* A failure (queue full, socket error) comes back through on_error. */
	(void)conn_send(&sc->conn, CMD_REPORT, buf, len);
}

static void
report_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct slave_conn *sc = (struct slave_conn *)((char *)w -
	    offsetof(struct slave_conn, rep.timer));

	(void)loop;
	(void)revents;
	/*
	 * Always room: output.c stops queueing at half the queue's limit,
	 * which leaves more than a frame and a report free.
	 */
	report_send(sc);
}
