/*
 * end.c - how a run ends, and then the campaign, each written once, in
 * order.
 *
 * session_end() is the one door: the engine stops the watchers of its run
 * (discovery, -t, the 2014 start timer) and hands over to run_end() here:
 *
 *	1. the last report round: REPORT_REQ to every slave of ours still
 *	   connected, their answers awaited VIEW_FINAL_WAIT_SECS at most (less
 *	   after an abort: its wait is bounded as a whole); only in the run
 *	   phase, and not for a forced end
 *	2. "phase done", the last --follow lines, -O files closed
 *	3. the summary, where the cause of the end has one to print (a
 *	   preflight's: a verdict per slave)
 *	4. the run's exit code (end_code(): the cause, the verdicts, whether
 *	   everything was stored), then the results file
 *	5. campaign.c: the run's record and line, and whether another run
 *	   follows; the results file and the CSV (atomically, each time)
 *	6. the next run (campaign_next(): RUN_END, --pause, the next run's
 *	   configuration), or campaign_end(): the campaign's tables, BYE to
 *	   every slave, every connection closed, the loop broken, the
 *	   campaign's exit code
 *
 * Only the views, campaign.c and the peers' own connections are called
 * from here: the session, discovery and control call in.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "master.h"

/* What a run's end prints of its slaves. */
enum end_report {
	REPORT_NONE,
	REPORT_SUMMARY,		/* the summary table (summary_print) */
	REPORT_PREFLIGHT,	/* a verdict per slave (summary_preflight) */
};

/* What each cause of the end does. */
static const struct end_row {
	int		 code;		/* the exit code; -1: the verdicts' worst */
	enum end_report	 report;
} end_rows[] = {
	[END_COMPLETE]	= { -1, REPORT_SUMMARY },
	[END_ABORTED]	= { 4, REPORT_SUMMARY },
	[END_FAIL_FAST]	= { -1, REPORT_SUMMARY },
	[END_FORCED]	= { 4, REPORT_SUMMARY },
	[END_REFUSED]	= { -1, REPORT_NONE },
	[END_ALL_LOST]	= { -1, REPORT_SUMMARY },
	[END_TOO_LARGE]	= { 3, REPORT_NONE },
	[END_DISCOVERY]	= { 5, REPORT_NONE },
	[END_KEY]	= { 3, REPORT_NONE },
	[END_LOCAL]	= { 1, REPORT_NONE },
	/* Every slave ready: 0; not ready, cannot preflight, lost: 3. */
	[END_PREFLIGHT]	= { -1, REPORT_PREFLIGHT },
	[END_INCAPABLE]	= { 3, REPORT_NONE },
};

static void	end_round_cb(struct ev_loop *, ev_timer *, int);
static void	end_finish(struct master *);

void
end_init(struct master *m)
{
	m->end.step = END_NONE;
	ev_init(&m->end.round_timer, end_round_cb);
}

void
end_run_begin(struct master *m)
{
	struct end *e = &m->end;

	ev_timer_stop(m->loop, &e->round_timer);
	e->step = END_NONE;
	e->cause = END_COMPLETE;
	e->why[0] = e->bye[0] = '\0';
	e->code = 0;
	e->outcome = NULL;
	e->waiting = 0;
}

/*
 * The exit code of a run: its cause's, or its slaves' worst verdict (0, 2
 * or 3) where the cause leaves it to them; a run that went well but whose
 * task output or results could not be stored (stored false) exits 1.
 */
static int
end_code(const struct master *m, enum end_cause cause, bool stored)
{
	struct verdict_counts	c;
	int			code = end_rows[cause].code;

	if (code == -1) {
		verdict_count(m, &c);
		code = c.worst;
	}
	return code == 0 && !stored ? 1 : code;
}

/* The results' outcome for an exit code (README, "Results file"). */
static const char *
end_outcome(enum end_cause cause, int code)
{
	if (cause == END_PREFLIGHT && (code == 0 || code == 3))
		return code == 0 ? "ready" : "not ready";
	switch (code) {
	case 0:		return "complete";
	case 1:		return "error";
	case 2:		return "task failed";
	case 3:		return "slave failed";
	case 4:		return "aborted";
	case 5:		return "discovery timed out";
	default:	return "unknown";
	}
}

static void
end_set(struct master *m, enum end_cause cause, const char *why,
    const char *bye)
{
	m->end.cause = cause;
	snprintf(m->end.why, sizeof(m->end.why), "%s", why);
	snprintf(m->end.bye, sizeof(m->end.bye), "%s", bye != NULL ? bye :
	    why);
}

/* Complete the round from the loop, never from inside a callback. */
static void
end_round_soon(struct master *m)
{
	ev_timer_stop(m->loop, &m->end.round_timer);
	ev_timer_set(&m->end.round_timer, 0., 0.);
	ev_timer_start(m->loop, &m->end.round_timer);
}

/*
 * How long the round may wait: VIEW_FINAL_WAIT_SECS, or what is left of an
 * abort's wait (control.c), which ends within the longest kill grace and
 * MASTER_ABORT_END_SECS as a whole, so that -t stays a hard limit.
 */
static double
end_round_secs(const struct master *m)
{
	double left;

	if (!m->aborting || m->abort_end <= 0)
		return VIEW_FINAL_WAIT_SECS;
	left = m->abort_end - ev_now(m->loop);
	if (left < 0)
		left = 0;
	return left < VIEW_FINAL_WAIT_SECS ? left : VIEW_FINAL_WAIT_SECS;
}

/* Step 1: each slave's last REPORT, asked for at once. */
static void
end_round(struct master *m)
{
	struct end	*e = &m->end;
	struct peer	*s;

	e->step = END_REPORTING;
	e->waiting = 0;
	TAILQ_FOREACH(s, &m->joined, entry) {
		if (peer_ask_report(s)) {
			s->report_due = true;
			e->waiting++;
		}
	}
	if (e->waiting == 0) {
		end_round_soon(m);
		return;
	}
	e->round_secs = end_round_secs(m);
	log_debug("asking %u slaves for a last report (%.1f s at most)",
	    e->waiting, e->round_secs);
	ev_timer_set(&e->round_timer, e->round_secs, 0.);
	ev_timer_start(m->loop, &e->round_timer);
}

void
end_answered(struct peer *s)
{
	struct end *e = &s->m->end;

	if (!s->report_due)
		return;
	s->report_due = false;
	if (e->waiting > 0 && --e->waiting == 0 && e->step == END_REPORTING)
		end_round_soon(s->m);
}

static void
end_round_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct master	*m = (struct master *)((char *)w -
			    offsetof(struct master, end.round_timer));
	struct peer	*s;

	(void)loop;
	(void)revents;
	if (m->end.waiting > 0) {
		TAILQ_FOREACH(s, &m->joined, entry)
			if (s->report_due)
				log_warnx("%s: no answer to the last report "
				    "request within %.1f s", s->label,
				    m->end.round_secs);
	}
	end_finish(m);
}

void
run_end(struct master *m, enum end_cause cause, const char *why,
    const char *bye)
{
	enum end_step step = m->end.step;

	/*
	 * While the round is out, an abort makes the end an abort, and a
	 * forced end (a second signal) cuts the round short.
	 */
	end_set(m, cause, why, bye);
	if (step == END_REPORTING && cause != END_FORCED)
		return;
	ev_timer_stop(m->loop, &m->end.round_timer);
	if (step == END_NONE && m->phase == PHASE_RUN && cause != END_FORCED)
		end_round(m);
	else
		end_finish(m);
}

/* Steps 2 to 4, then the campaign's end. */
static void
end_finish(struct master *m)
{
	struct end	*e = &m->end;
	size_t		 n;
	bool		 failed;

	e->step = END_OVER;
	m->phase = PHASE_DONE;
	display_end(m);
	collect_end(m);
	status_end(m, e->why);
	/* A campaign's: once, for its last run, at its end. */
	if (end_rows[e->cause].report == REPORT_SUMMARY &&
	    !TAILQ_EMPTY(&m->joined) && !m->campaign.multi)
		summary_print(m);
	else if (end_rows[e->cause].report == REPORT_PREFLIGHT)
		summary_preflight(m);
	if (m->v.out_error) {
		/* The results' reason says why a good run exits 1. */
		n = strlen(e->why);
		snprintf(e->why + n, sizeof(e->why) - n, "; task output could "
		    "not be stored in %s", m->v.out_dir != NULL ?
		    m->v.out_dir : "-O's directory");
	}
	e->code = end_code(m, e->cause, !m->v.out_error);
	e->outcome = end_outcome(e->cause, e->code);
	campaign_run_ended(m);
	/* Both, whatever the other did. */
	failed = results_write(m) == -1;
	failed |= csvfile_write(m) == -1;
	if (failed) {
		e->code = end_code(m, e->cause, false);
		e->outcome = end_outcome(e->cause, e->code);
		campaign_store_failed(m);
	}
	if (m->campaign.over || e->cause == END_PREFLIGHT)
		campaign_end(m);
	else
		campaign_next(m);
}

const char *
end_outcome_word(int code)
{
	return end_outcome(END_COMPLETE, code);
}

/*
 * The campaign's exit code from its runs': a local error (1) first, then
 * a discovery that timed out (5), then the most severe: 4, 3, 2, 0.
 */
int
end_campaign_code(int so_far, int run)
{
	static const int rank[] = { 0, 5, 1, 2, 3, 4 };	/* by exit code */

	if (run < 0 || run > 5)
		return so_far;
	if (so_far < 0 || so_far > 5)
		return run;
	return rank[run] > rank[so_far] ? run : so_far;
}

void
campaign_end(struct master *m)
{
	struct peer_list	*lists[] = { &m->pending, &m->joined };
	struct peer		*s;
	size_t			 i;

	m->exit_code = m->campaign.code >= 0 ? m->campaign.code :
	    end_campaign_code(-1, m->end.code);
	/* A campaign's tables: its last run's slaves, then one line a run. */
	if (m->campaign.multi && m->campaign.nrecords > 0) {
		if (end_rows[m->end.cause].report == REPORT_SUMMARY &&
		    !TAILQ_EMPTY(&m->joined))
			summary_print(m);
		summary_campaign(m);
	}
	discovery_stop_accepting(m);
	ev_signal_stop(m->loop, &m->sigint);
	ev_signal_stop(m->loop, &m->sigterm);
	ev_signal_stop(m->loop, &m->sighup);
	ev_signal_stop(m->loop, &m->usr1);
	ev_timer_stop(m->loop, &m->ask_timer);
	ev_timer_stop(m->loop, &m->campaign.pause_timer);
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		TAILQ_FOREACH(s, lists[i], entry) {
			if (!peer_is_open(s))
				continue;
			if (s->welcomed)
				peer_send_text(s, CMD_BYE, m->end.bye);
			peer_close(s);
		}
	}
	/* Peers are freed after the loop: a callback up the stack may look. */
	ev_break(m->loop, EVBREAK_ALL);
}
