/*
 * status.c - what the slaves say while their tasks run, and what the master
 * says about the session's progress.
 *
 * Each of our slaves sends a REPORT every report interval (CONF_BEGIN's
 * report_ms) from the moment its task is armed: state, elapsed, CPU so far,
 * output bytes so far, the task's latest progress line.  The master keeps the
 * last one and counts them (the last round of them, when every slave is
 * done, is end.c's).  A slave that sends METRICS (NOTES section 5: the
 * task's "metric NAME=VALUE [UNIT]" lines) has its latest values kept,
 * the first 64 names, and what it said of lines it refused, once each;
 * every REPORT of a task armed, running or finished becomes a point of its
 * series (series.c), with the metrics' values then.
 *
 * Lines on stdout: one per phase change ("phase run: ..."), and with -v one
 * status line per report interval when stdout is not a terminal (on one, the
 * live display of display.c shows the same and more).
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "master.h"

static void	status_timer_cb(struct ev_loop *, ev_timer *, int);

/* Seconds since the run began (discovery, for the first), "1.234". */
static const char *
status_since_start(const struct master *m, char *buf, size_t len)
{
	uint64_t now = mono_ns(), t0 = m->v.run_mono_ns;

	snprintf(buf, len, "%.3f", now > t0 ? (double)(now - t0) / 1e9 : 0.);
	return buf;
}

void
status_phase(struct master *m)
{
	struct verdict_counts	c;
	char			secs[32];
	int			p = (int)m->phase;
	unsigned		n;
	double			secs_r;

	if (p < 0 || p >= VIEW_PHASES || m->v.phase_seen[p])
		return;
	m->v.phase_seen[p] = true;
	m->v.phase_real_ns[p] = real_ns();
	m->v.phase_mono_ns[p] = mono_ns();
	verdict_count(m, &c);
	switch (m->phase) {
	case PHASE_DISCOVERY:
		m->v.run_mono_ns = m->v.phase_mono_ns[p];
		if (m->pool.open)
			summary_out(m, "phase discovery: waiting for slaves "
			    "until -w expires (SLAVES all)");
		else
			summary_out(m, "phase discovery: waiting for %u "
			    "slave%s", m->nslaves, m->nslaves == 1 ? "" : "s");
		/* On a terminal the live display says as much and more. */
		if (!m->v.tty && log_get_verbose() >= 1) {
			secs_r = (double)m->opts->report_interval_ns / 1e9;
			ev_timer_set(&m->v.status_timer, secs_r, secs_r);
			ev_timer_start(m->loop, &m->v.status_timer);
		}
		break;
	case PHASE_PREFLIGHT:
		summary_out(m, "phase preflight: %u of %u slaves joined after "
		    "%s s; nothing runs", c.joined, m->nslaves,
		    status_since_start(m, secs, sizeof(secs)));
		break;
	case PHASE_CONFIG:
		if (m->campaign.run > 0)
			summary_out(m, "phase configuration: %u slave%s",
			    c.joined, c.joined == 1 ? "" : "s");
		else
			summary_out(m, "phase configuration: %u of %u slaves "
			    "joined after %s s", c.joined, m->nslaves,
			    status_since_start(m, secs, sizeof(secs)));
		break;
	case PHASE_RUN:
		/* Those armed: ours got START, 2014 ones wait for EXEC. */
		n = c.armed + c.running;
		summary_out(m, "phase run: %u slave%s armed after %s s; start "
		    "in %.3f ms", n, n == 1 ? "" : "s", status_since_start(m, secs,
		    sizeof(secs)), m->start_mono_ns > m->v.phase_mono_ns[p] ?
		    (double)(m->start_mono_ns - m->v.phase_mono_ns[p]) / 1e6 :
		    0.);
		break;
	default:
		break;
	}
	display_update(m);
}

/* Before any other call of this file. */
void
status_init(struct master *m)
{
	ev_init(&m->v.status_timer, status_timer_cb);
}

void
status_joined(struct master *m, struct peer *s)
{
	s->v.join_real_ns = real_ns();
	s->v.join_mono_ns = mono_ns();
	/* Its share of the series' budget. */
	series_init(&s->v.series, SERIES_BUDGET_BYTES / (m->nslaves > 0 ?
	    m->nslaves : 1));
	display_update(m);
}

/* The REPORT as a point of the slave's series, with its metrics now. */
static void
status_point(struct peer *s, const struct proto_report *r)
{
	struct series_point	p;
	double			vals[PROTO_METRICS_MAX];
	unsigned		i;

	/* No task (idle): nothing of a task to show. */
	if (r->state == TASK_STATE_IDLE || s->v.series_full)
		return;
	memset(&p, 0, sizeof(p));
	p.mono_ns = s->v.last_mono_ns;
	p.cpu_us = r->cpu_us;
	p.output_bytes = r->output_bytes;
	p.state = r->state;
	for (i = 0; i < s->v.nmetric; i++)
		vals[i] = s->v.metric[i].value;
	if (series_add(&s->v.series, &p, vals, s->v.nmetric) == -1) {
		log_warnx("%s: out of memory for its reports' series: the "
		    "results hold them up to now", s->label);
		s->v.series_full = true;
	}
}

int
status_metrics(struct peer *s, const struct proto_metrics *pm, char *why,
    size_t whylen)
{
	struct view_metric	*vm;
	unsigned		 i, k;
	int			 e;

	if (s->v.metric == NULL && pm->n > 0 && (s->v.metric = calloc(
	    PROTO_METRICS_MAX, sizeof(*s->v.metric))) == NULL) {
		snprintf(why, whylen, "out of memory for its metrics");
		return -1;
	}
	for (i = 0; i < pm->n; i++) {
		for (k = 0; k < s->v.nmetric; k++)
			if (strcmp(s->v.metric[k].name, pm->m[i].name) == 0)
				break;
		if (k == s->v.nmetric) {
			if (k == PROTO_METRICS_MAX) {
				snprintf(why, whylen, "METRICS with a metric "
				    "name beyond the 64 a slave may have (%s)",
				    pm->m[i].name);
				return -1;
			}
			s->v.nmetric++;
		}
		vm = &s->v.metric[k];
		memcpy(vm->name, pm->m[i].name, sizeof(vm->name));
		memcpy(vm->unit, pm->m[i].unit, sizeof(vm->unit));
		vm->value = pm->m[i].value;
	}
	for (i = 0; i < pm->nerr; i++) {
		e = pm->err[i].kind - 1;
		if (s->v.metric_error[e] != NULL)
			continue;	/* one of each kind */
		if ((s->v.metric_error[e] = strdup(pm->err[i].text)) == NULL)
			continue;
		log_warnx("%s: task's metrics: %s", s->label,
		    pm->err[i].text);
	}
	log_trace("%s: METRICS: %u values, %u errors", s->label, pm->n,
	    pm->nerr);
	return 0;
}

void
status_peer_free(struct peer *s)
{
	int e;

	free(s->v.metric);
	s->v.metric = NULL;
	s->v.nmetric = 0;
	for (e = 0; e < METRIC_ERROR_KINDS; e++) {
		free(s->v.metric_error[e]);
		s->v.metric_error[e] = NULL;
	}
	series_free(&s->v.series);
}

void
status_report(struct peer *s, const struct proto_report *r)
{
	s->v.last = *r;
	s->v.have_report = true;
	s->v.last_mono_ns = mono_ns();
	s->v.nreports++;
	status_point(s, r);
	log_trace("%s: report %llu: state %u, %.3f s, cpu %.3f s, %llu "
	    "output bytes, progress '%s'", s->label,
	    (unsigned long long)s->v.nreports, r->state,
	    (double)r->elapsed_ns / 1e9, (double)r->cpu_us / 1e6,
	    (unsigned long long)r->output_bytes, r->progress);
	display_update(s->m);
}

void
status_show(struct master *m, bool per_slave)
{
	struct verdict_counts	 c;
	struct peer		*s;
	char			 secs[32], st[32], joined[32];

	verdict_count(m, &c);
	if (m->pool.open && m->phase == PHASE_DISCOVERY)
		snprintf(joined, sizeof(joined), "%u (all)", c.joined);
	else
		snprintf(joined, sizeof(joined), "%u/%u", c.joined,
		    m->nslaves);
	summary_out(m, "status: %s %s s: %s joined, %u armed, %u running, "
	    "%u finished, %u failed", view_phase_name((int)m->phase),
	    status_since_start(m, secs, sizeof(secs)), joined, c.armed,
	    c.running, c.finished, c.failed);
	if (!per_slave)
		return;
	TAILQ_FOREACH(s, &m->joined, entry)
		summary_out(m, "status:   %s: %s, %.1f s, cpu %.1f s, %" PRIu64
		    " output bytes%s%s", s->name, verdict_word(s, st,
		    sizeof(st)), (double)view_elapsed(s) / 1e9,
		    s->v.have_report ? (double)s->v.last.cpu_us / 1e6 : 0.,
		    s->v.have_report ? s->v.last.output_bytes : 0,
		    s->v.have_report && s->v.last.progress[0] != '\0' ?
		    ": " : "", s->v.have_report ? s->v.last.progress : "");
}

static void
status_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct master *m = (struct master *)((char *)w -
	    offsetof(struct master, v.status_timer));

	(void)loop;
	(void)revents;
	status_show(m, log_get_verbose() >= 2);
}

/* The run is over (why: how): "phase done", and no more status lines. */
void
status_end(struct master *m, const char *why)
{
	char secs[32];

	m->v.phase_seen[PHASE_DONE] = true;
	m->v.phase_real_ns[PHASE_DONE] = real_ns();
	m->v.phase_mono_ns[PHASE_DONE] = mono_ns();
	ev_timer_stop(m->loop, &m->v.status_timer);
	summary_out(m, "phase done: %s after %s s", why,
	    status_since_start(m, secs, sizeof(secs)));
}

void
status_run_begin(struct master *m)
{
	int p;

	/* No discovery in this run: its phases are its own. */
	for (p = 0; p < VIEW_PHASES; p++)
		m->v.phase_seen[p] = false;
	m->v.run_mono_ns = mono_ns();
	if (!m->v.tty && log_get_verbose() >= 1) {
		double secs = (double)m->opts->report_interval_ns / 1e9;

		ev_timer_set(&m->v.status_timer, secs, secs);
		ev_timer_start(m->loop, &m->v.status_timer);
	}
	display_run_begin(m);
}

void
status_peer_reset(struct peer *s)
{
	s->v.have_report = false;
	memset(&s->v.last, 0, sizeof(s->v.last));
	s->v.last_mono_ns = 0;
	s->v.nreports = 0;
	/* The next task's metrics, complaints and series are its own. */
	status_peer_free(s);
	s->v.series_full = false;
	series_init(&s->v.series, SERIES_BUDGET_BYTES / (s->m->nslaves > 0 ?
	    s->m->nslaves : 1));
}

void
status_cleanup(struct master *m)
{
	if (m->loop == NULL)
		return;
	ev_timer_stop(m->loop, &m->v.status_timer);
	display_end(m);
}
