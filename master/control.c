/*
 * control.c - the operator's hand on a session: SIGINT, SIGTERM and SIGHUP
 * (a lost terminal) end it early, as the -t limit on the run phase and
 * --fail-fast do; SIGUSR1 asks every slave for a report and shows them.
 *
 * Before the run phase nothing runs yet: an abort releases every slave with
 * BYE (a slave kills a task that is armed but not started) and exits.  In the
 * run phase each slave of ours whose task may still run gets ABORT; it stops
 * its task's process group (SIGTERM, then SIGKILL after its --kill-grace)
 * and reports the end with FINISHD as usual.  The master waits for those
 * reports (heartbeats keep telling it who is lost meanwhile), then prints the
 * summary, writes the results and exits 4.  That wait is bounded: each
 * slave has its --kill-grace (it said it in KILL_GRACE, else the default
 * 10 s) and MASTER_ABORT_MARGIN_SECS, then it is lost; the whole wait ends
 * within the longest grace and MASTER_ABORT_END_SECS (so -t is a hard
 * limit).  A 2014 slave has no ABORT: it is let go, marked lost with a
 * reason that says its task may still run.  A second such signal ends at
 * once: the slaves stop their tasks when their connections close.
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "master.h"
#include "numparse.h"

#define CONTROL_NAMES_MAX	8	/* slaves named in "still waiting for" */

static void	control_timeout_cb(struct ev_loop *, ev_timer *, int);
static void	control_abort_log_cb(struct ev_loop *, ev_timer *, int);
static void	control_usr1_cb(struct ev_loop *, ev_signal *, int);
static void	control_ask_cb(struct ev_loop *, ev_timer *, int);

void
control_init(struct master *m)
{
	m->hb_timeout = (double)m->opts->c.heartbeat_timeout_ns /
	    (double)NSEC_PER_SEC;
	m->hb_interval = live_interval(m->hb_timeout);
	m->aborting = false;
	m->abort_cause = END_ABORTED;
	ev_init(&m->timeout_timer, control_timeout_cb);
	ev_init(&m->abort_timer, control_abort_log_cb);
	ev_init(&m->ask_timer, control_ask_cb);
	ev_signal_init(&m->usr1, control_usr1_cb, SIGUSR1);
}

/* A campaign's next run: no abort under way. */
void
control_run_begin(struct master *m)
{
	control_stop(m);
	m->aborting = false;
	m->abort_cause = END_ABORTED;
	m->abort_why[0] = '\0';
	m->abort_end = 0;
}

/* The loop exists: SIGUSR1 is ours (its default would end the master). */
void
control_start(struct master *m)
{
	ev_signal_start(m->loop, &m->usr1);
}

/* The run's own: -t, and the wait after an abort. */
void
control_stop(struct master *m)
{
	if (m->loop == NULL)
		return;
	ev_timer_stop(m->loop, &m->timeout_timer);
	ev_timer_stop(m->loop, &m->abort_timer);
}

void
control_cleanup(struct master *m)
{
	if (m->loop == NULL)
		return;
	control_stop(m);
	ev_timer_stop(m->loop, &m->ask_timer);
	ev_signal_stop(m->loop, &m->usr1);
}

/* SIGUSR1: REPORT_REQ to every slave of ours, one round at a time. */
static void
control_ask(struct master *m)
{
	struct peer *s;

	if (m->ask_waiting > 0)
		return;
	TAILQ_FOREACH(s, &m->joined, entry) {
		if (peer_ask_report(s)) {
			s->ask_due = true;
			m->ask_waiting++;
		}
	}
	ev_timer_stop(m->loop, &m->ask_timer);
	ev_timer_set(&m->ask_timer, m->ask_waiting > 0 ? VIEW_ASK_WAIT_SECS :
	    0., 0.);
	ev_timer_start(m->loop, &m->ask_timer);
}

void
control_answered(struct peer *s)
{
	struct master *m = s->m;

	if (!s->ask_due)
		return;
	s->ask_due = false;
	if (m->ask_waiting > 0 && --m->ask_waiting == 0) {
		/* Shown from the loop, not from inside the frame. */
		ev_timer_stop(m->loop, &m->ask_timer);
		ev_timer_set(&m->ask_timer, 0., 0.);
		ev_timer_start(m->loop, &m->ask_timer);
	}
}

/* Every slave asked has answered, or VIEW_ASK_WAIT_SECS went by. */
static void
control_ask_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct master	*m = (struct master *)((char *)w -
			    offsetof(struct master, ask_timer));
	struct peer	*s;

	(void)loop;
	(void)revents;
	TAILQ_FOREACH(s, &m->joined, entry) {
		if (s->ask_due)
			log_warnx("%s: no answer to the report request within "
			    "%.0f s", s->label, VIEW_ASK_WAIT_SECS);
		s->ask_due = false;
	}
	m->ask_waiting = 0;
	status_show(m, true);
}

static void
control_usr1_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct master *m = (struct master *)((char *)w -
	    offsetof(struct master, usr1));

	(void)loop;
	(void)revents;
	control_ask(m);
}

void
control_run_started(struct master *m)
{
	uint64_t	now = mono_ns(), limit = m->opts->timeout_ns;
	double		delay;

	if (limit == 0)
		return;
	/* -t counts from the start instant T, not from the START frames. */
	delay = (double)limit / (double)NSEC_PER_SEC;
	if (m->start_mono_ns > now)
		delay += (double)(m->start_mono_ns - now) / (double)NSEC_PER_SEC;
	ev_now_update(m->loop);
	ev_timer_set(&m->timeout_timer, delay, 0.);
	ev_timer_start(m->loop, &m->timeout_timer);
}

static void
control_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct master	*m = (struct master *)((char *)w -
			    offsetof(struct master, timeout_timer));
	char		 secs[32], why[96];

	(void)loop;
	(void)revents;
	snprintf(why, sizeof(why), "timed out: the tasks ran for %s s (-t)",
	    format_seconds(m->opts->timeout_ns, secs, sizeof(secs)));
	control_abort(m, END_ABORTED, why);
}

/* Slaves of ours told to abort whose final FINISHD has not come yet. */
static bool
control_awaited(const struct peer *s)
{
	return s->abort_sent && peer_is_open(s) &&
	    (s->state == PEER_STARTING || s->state == PEER_RUNNING);
}

/* "a (ip:port), b (ip:port) and 3 more" into a malloc'ed string. */
static char *
control_awaited_list(struct master *m, unsigned *count)
{
	struct peer	*s;
	char		*list = NULL;
	size_t		 len = 0;
	FILE		*f;
	unsigned	 n = 0;

	f = open_memstream(&list, &len);
	TAILQ_FOREACH(s, &m->joined, entry) {
		if (!control_awaited(s))
			continue;
		if (f != NULL && n < CONTROL_NAMES_MAX)
			fprintf(f, "%s%s", n > 0 ? ", " : "", s->label);
		n++;
	}
	if (f != NULL) {
		if (n > CONTROL_NAMES_MAX)
			fprintf(f, " and %u more", n - CONTROL_NAMES_MAX);
		fclose(f);
	}
	*count = n;
	return list;
}

static void
control_abort_log_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct master	*m = (struct master *)((char *)w -
			    offsetof(struct master, abort_timer));
	unsigned	 n;
	char		*list = control_awaited_list(m, &n);

	(void)loop;
	(void)revents;
	if (n > 0)
		summary_err(m, "still waiting for %u slave%s to stop %s task%s: "
		    "%s", n, n == 1 ? "" : "s", n == 1 ? "its" : "their",
		    n == 1 ? "" : "s", list != NULL ? list : "?");
	free(list);
}

void
control_abort(struct master *m, enum end_cause cause, const char *why)
{
	struct peer	*s;
	char		 bye[320], *list;
	unsigned	 n;
	double		 longest;

	if (m->phase == PHASE_DONE || m->aborting)
		return;
	m->aborting = true;
	m->abort_cause = cause;
	snprintf(m->abort_why, sizeof(m->abort_why), "%s", why);
	snprintf(bye, sizeof(bye), "session aborted: %s", why);
	ev_timer_stop(m->loop, &m->timeout_timer);

	if (m->phase != PHASE_RUN) {
		/* Nothing runs yet: BYE releases them, armed tasks included. */
		summary_err(m, "aborted: %s", why);
		/* Its reason: why, or with no slave joined, what BYE says. */
		session_end(m, cause, TAILQ_EMPTY(&m->joined) ? bye : why, bye);
		return;
	}

	summary_err(m, "aborting: %s", why);
	if (m->end.step == END_REPORTING) {
		/* Every task is done, their last reports are asked for. */
		session_end(m, cause, why, "session aborted");
		return;
	}
	/* 2014 slaves waiting for T get no EXEC now. */
	ev_timer_stop(m->loop, &m->start_timer);
	/*
	 * ABORT to ours first, so that no report can end the loop below.
	 * Each has its kill grace and a margin to report the end of its task;
	 * the wait as a whole, the last report round included, ends within
	 * the longest grace and MASTER_ABORT_END_SECS, whatever they do.
	 */
	longest = 0;
	ev_now_update(m->loop);
	TAILQ_FOREACH(s, &m->joined, entry) {
		double grace = (double)s->kill_grace_ns / 1e9;

		if (s->kind != PEER_KIND_OURS || !peer_is_open(s) ||
		    (s->state != PEER_STARTING && s->state != PEER_RUNNING))
			continue;
		s->abort_sent = true;
		s->abort_real_ns = real_ns();
		peer_deadline(s, grace + MASTER_ABORT_MARGIN_SECS);
		if (grace > longest)
			longest = grace;
		peer_send_text(s, CMD_ABORT, why);
	}
	m->abort_end = ev_now(m->loop) + longest + MASTER_ABORT_END_SECS;
	TAILQ_FOREACH(s, &m->joined, entry) {
		if (m->phase == PHASE_DONE)
			return;
		if (s->kind != PEER_KIND_2014)
			continue;
		if (s->state == PEER_READY) {
			/* Armed, but its EXEC was still to come. */
			s->state = PEER_NOSTART;
			snprintf(s->why, sizeof(s->why), "aborted before its "
			    "start");
			peer_close(s);
			session_peer_done(m, s);
		} else if (s->state == PEER_STARTING ||
		    s->state == PEER_RUNNING)
			dialog_drop(s, "aborted: a 2014 slave cannot be told to "
			    "stop its task, which may still run");
	}
	if (m->phase == PHASE_DONE)
		return;
	list = control_awaited_list(m, &n);
	if (n > 0) {
		summary_err(m, "waiting for %u slave%s to stop %s task%s "
		    "(SIGTERM, then SIGKILL after each slave's --kill-grace, "
		    "the longest %.1f s; a slave not done %.1f s after its "
		    "grace is lost): %s; interrupt again to exit at once", n,
		    n == 1 ? "" : "s", n == 1 ? "its" : "their",
		    n == 1 ? "" : "s", longest, MASTER_ABORT_MARGIN_SECS,
		    list != NULL ? list : "?");
		ev_timer_set(&m->abort_timer, MASTER_ABORT_LOG_SECS,
		    MASTER_ABORT_LOG_SECS);
		ev_timer_start(m->loop, &m->abort_timer);
	}
	free(list);
	/* When the last of them reports, session_peer_done() ends the run. */
}

void
control_signal(struct master *m, int signum)
{
	const char	*name = signum == SIGINT ? "SIGINT" :
			    signum == SIGHUP ? "SIGHUP" : "SIGTERM";
	char		 why[64];

	/*
	 * One interrupt sent twice at once is one (timeout(1) passes a
	 * signal on to its child, then to its whole process group): only a
	 * second one later than MASTER_SIGNAL_TWICE_NS means "exit now".
	 */
	if (m->aborting && signum == m->abort_sig &&
	    mono_ns() - m->abort_sig_ns < MASTER_SIGNAL_TWICE_NS) {
		log_debug("%s again at once: the same interrupt", name);
		return;
	}
	if (m->aborting) {
		summary_err(m, "%s again: exiting now; the slaves stop their "
		    "tasks as their connections close", name);
		session_end(m, END_FORCED, m->abort_why, "session aborted");
		return;
	}
	snprintf(why, sizeof(why), "interrupted by %s", name);
	m->abort_sig = signum;
	m->abort_sig_ns = mono_ns();
	/* Between a campaign's runs nothing runs: its end, at once. */
	if (campaign_interrupt(m, why))
		return;
	control_abort(m, END_ABORTED, why);
}

void
control_peer_failed(struct master *m, struct peer *s)
{
	char what[PROTO_REASON_MAX + 64], why[sizeof(what) + sizeof(s->label) + 16];

	if (!m->opts->fail_fast || m->aborting || m->phase == PHASE_DONE ||
	    s == NULL)
		return;
	snprintf(why, sizeof(why), "--fail-fast: %s %s", s->label,
	    verdict_blame(s, what, sizeof(what)));
	/* The exit code is the verdicts': 2 or 3, as the failure says. */
	control_abort(m, END_FAIL_FAST, why);
}
