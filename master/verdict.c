/*
 * verdict.c - how a slave stands, judged in one place and said in one table.
 *
 * peer_verdict() is the one function that reads a peer's state and result
 * and says what became of it; verdict_rows is the one table of what each
 * verdict is called and what it weighs.  Everything that asks "did it
 * fail?", "what is it called?", "how bad is it for the exit code?" asks
 * them: the counts of the live display and of the status lines, --fail-fast,
 * the finish lines, the summary and its totals, the exit code, the results
 * file.  A new verdict is a member of enum verdict, its case in
 * peer_verdict() and its row here; nothing else names it.
 */
#include <stdio.h>
#include <string.h>

#include "master.h"

/* What a text of the table is followed by. */
enum verdict_tail {
	TAIL_NONE,
	TAIL_VALUE,	/* " N": the exit code or the signal */
	TAIL_WHY,	/* " (why)": the reason it gave or we found */
	TAIL_ERRNO,	/* ": why": its task could not start (the slave's
			   words, STDERR_TAIL; else strerror(N)) */
	TAIL_2014,	/* " (2014 slave)" if it is one */
};

struct verdict_text {
	const char		*w;	/* NULL: as its exit status alone says */
	enum verdict_tail	 tail;
};

/* Which count of the display and the status lines it adds to. */
enum verdict_count {
	COUNT_NONE,
	COUNT_ARMED,
	COUNT_RUNNING,
	COUNT_FINISHED,
	COUNT_FAILED,
};

struct verdict_row {
	struct verdict_text	 shown;		/* display, -v, exit_status */
	struct verdict_text	 summary;	/* STATUS column; NULL: shown */
	const char		*state;		/* the results' "state" */
	bool			 ended;		/* it has a result (exit_status) */
	bool			 ran;		/* its task ran: times, duration */
	enum verdict_count	 count;
	int			 severity;	/* its exit code: 0, 2 or 3 */
	struct verdict_text	 finish;	/* "finished: NAME ..." */
	struct verdict_text	 blame;		/* "--fail-fast: NAME ..." */
};

#define T(w, tail)	{ (w), (tail) }

static const struct verdict_row verdict_rows[VERDICT_COUNT] = {
	[VERDICT_JOINING] = {
		.shown = T("joining", TAIL_NONE),
		.summary = T("not started", TAIL_NONE), .state = "joining",
	},
	[VERDICT_JOINED] = {
		.shown = T("joined", TAIL_NONE),
		.summary = T("not started", TAIL_NONE), .state = "joined",
	},
	[VERDICT_CONFIGURING] = {
		.shown = T("configuring", TAIL_NONE),
		.summary = T("not started", TAIL_NONE), .state = "configuring",
	},
	[VERDICT_ARMED] = {
		.shown = T("armed", TAIL_NONE),
		.summary = T("not started", TAIL_NONE), .state = "armed",
		.count = COUNT_ARMED,
	},
	[VERDICT_STARTING] = {
		.shown = T("starting", TAIL_NONE),
		.summary = T("running", TAIL_NONE), .state = "starting",
		.count = COUNT_RUNNING,
	},
	[VERDICT_RUNNING] = {
		.shown = T("running", TAIL_NONE), .state = "running",
		.count = COUNT_RUNNING,
	},
	[VERDICT_ENDING] = {
		.shown = T("ending", TAIL_NONE),
		.summary = T("running", TAIL_NONE), .state = "running",
		.count = COUNT_RUNNING,
	},
	[VERDICT_EXIT_0] = {
		.shown = T("exit", TAIL_VALUE), .state = "finished",
		.ended = true, .ran = true, .count = COUNT_FINISHED,
		.finish = T("exit", TAIL_VALUE),
	},
	/* A 2014 slave's: counts as success, as in 2014. */
	[VERDICT_UNKNOWN] = {
		.shown = T("finished", TAIL_NONE),
		.summary = T("unknown", TAIL_NONE), .state = "finished",
		.ended = true, .ran = true, .count = COUNT_FINISHED,
		.finish = T("exit status unknown", TAIL_2014),
	},
	[VERDICT_EXIT] = {
		.shown = T("exit", TAIL_VALUE), .state = "finished",
		.ended = true, .ran = true, .count = COUNT_FAILED,
		.severity = 2, .finish = T("exit", TAIL_VALUE),
		.blame = T("exited", TAIL_VALUE),
	},
	[VERDICT_SIGNAL] = {
		.shown = T("signal", TAIL_VALUE), .state = "finished",
		.ended = true, .ran = true, .count = COUNT_FAILED,
		.severity = 2, .finish = T("killed by signal", TAIL_VALUE),
		.blame = T("was killed by signal", TAIL_VALUE),
	},
	/*
	 * Stopped by our ABORT: "aborted" in the display, the summary and
	 * the results' exit_status (its exit_code or signal members say
	 * how); its finish line and blame say its exit status.
	 */
	[VERDICT_ABORTED] = {
		.shown = T("aborted", TAIL_NONE),
		.state = "finished", .ended = true, .ran = true,
		.count = COUNT_FAILED, .severity = 2,
	},
	/* Stopped by our ABORT before its instant came: it never ran. */
	[VERDICT_CANCELLED] = {
		.shown = T("aborted", TAIL_NONE), .state = "finished",
		.ended = true, .count = COUNT_FAILED, .severity = 2,
		.finish = T("aborted before its start", TAIL_NONE),
		.blame = T("was aborted before its start", TAIL_NONE),
	},
	[VERDICT_EXEC_FAILED] = {
		.shown = T("not started", TAIL_NONE), .state = "finished",
		.ended = true, .count = COUNT_FAILED, .severity = 3,
		.finish = T("did not start", TAIL_ERRNO),
		.blame = T("did not start", TAIL_NONE),
	},
	[VERDICT_NOSTART] = {
		.shown = T("not started", TAIL_NONE), .state = "not started",
		.count = COUNT_FAILED, .severity = 3,
		.blame = T("could not start", TAIL_WHY),
	},
	[VERDICT_REFUSED] = {
		.shown = T("refused", TAIL_NONE), .state = "refused",
		.count = COUNT_FAILED, .severity = 3,
		.blame = T("refused the configuration", TAIL_WHY),
	},
	[VERDICT_LOST] = {
		.shown = T("lost", TAIL_NONE), .state = "lost",
		.count = COUNT_FAILED, .severity = 3,
		.blame = T("was lost", TAIL_WHY),
	},
	/* --preflight: its checks, nothing runs (summary.c says them). */
	[VERDICT_CHECKING] = {
		.shown = T("checking", TAIL_NONE),
		.summary = T("not started", TAIL_NONE), .state = "checking",
		.count = COUNT_RUNNING,
	},
	[VERDICT_READY] = {
		.shown = T("ready", TAIL_NONE), .state = "ready",
		.count = COUNT_FINISHED,
	},
	[VERDICT_NOT_READY] = {
		.shown = T("not ready", TAIL_NONE), .state = "not ready",
		.count = COUNT_FAILED, .severity = 3,
		.blame = T("is not ready", TAIL_NONE),
	},
	[VERDICT_NO_PREFLIGHT] = {
		.shown = T("cannot preflight", TAIL_NONE),
		.state = "cannot preflight",
		.count = COUNT_FAILED, .severity = 3,
		.blame = T("cannot preflight", TAIL_NONE),
	},
};

/* The verdict of its task's exit status alone (it has a result). */
static enum verdict
verdict_exit(const struct peer *s)
{
	switch (s->res.exit_kind) {
	case EXIT_KIND_EXITED:
		return s->res.exit_value == 0 ? VERDICT_EXIT_0 : VERDICT_EXIT;
	case EXIT_KIND_SIGNALED:
		return VERDICT_SIGNAL;
	case EXIT_KIND_NOT_STARTED:
		return VERDICT_EXEC_FAILED;
	default:
		return VERDICT_UNKNOWN;
	}
}

/*
 * Did its task exit by itself, not because of our ABORT?  Its reap (its
 * slave's clock made ours) came before the ABORT could have reached it
 * and been acted on: half a round trip, and VERDICT_REAP_SLACK_NS for the
 * slave's loop to reap a task that had exited just before.  A task that
 * a signal ended after an ABORT is taken as stopped by it, whenever.
 */
#define VERDICT_REAP_SLACK_NS	20000000ULL

static bool
verdict_ended_first(const struct peer *s, enum verdict v)
{
	uint64_t reaped, reached;

	if (v != VERDICT_EXIT || s->abort_real_ns == 0 ||
	    s->res.finish_real_ns == 0)
		return false;
	reaped = s->res.finish_real_ns - (uint64_t)s->off_real_ns;
	reached = s->abort_real_ns + s->rtt_ns / 2 + VERDICT_REAP_SLACK_NS;
	return reaped < reached;
}

enum verdict
peer_verdict(const struct peer *s)
{
	enum verdict v;

	switch (s->state) {
	case PEER_HELLO:
	case PEER_SYNC:		return VERDICT_JOINING;
	case PEER_JOINED:	return VERDICT_JOINED;
	case PEER_CONF:		return VERDICT_CONFIGURING;
	case PEER_READY:	return VERDICT_ARMED;
	case PEER_REFUSED:	return VERDICT_REFUSED;
	case PEER_STARTING:	return VERDICT_STARTING;
	case PEER_RUNNING:
		/* Its task ended; its output is still on its way. */
		if (s->v.have_report && s->v.last.state == TASK_STATE_FINISHED)
			return VERDICT_ENDING;
		return VERDICT_RUNNING;
	case PEER_NOSTART:	return VERDICT_NOSTART;
	case PEER_LOST:		return VERDICT_LOST;
	case PEER_PREFLIGHT:	return VERDICT_CHECKING;
	case PEER_CHECKED:
		return s->pf_ready ? VERDICT_READY : VERDICT_NOT_READY;
	case PEER_NO_PREFLIGHT:	return VERDICT_NO_PREFLIGHT;
	case PEER_FINISHED:
		break;
	}
	if (!s->have_result)	/* FINISHED comes with its result */
		return VERDICT_UNKNOWN;
	v = verdict_exit(s);
	/*
	 * Ended otherwise than well after we told it to stop; not a task
	 * that had ended by itself before our ABORT reached its slave (its
	 * reap, on our clock, before the ABORT left plus half a round trip).
	 */
	if (s->abort_sent && (v == VERDICT_EXIT || v == VERDICT_SIGNAL) &&
	    !verdict_ended_first(s, v))
		return VERDICT_ABORTED;
	/* Never released: not an exec that failed (no errno). */
	if (s->abort_sent && v == VERDICT_EXEC_FAILED && s->res.exit_value == 0)
		return VERDICT_CANCELLED;
	return v;
}

/* Which text of a row. */
enum verdict_form {
	FORM_SHOWN,
	FORM_SUMMARY,
	FORM_FINISH,
	FORM_BLAME,
};

/*
 * The row's text; the summary's is the shown one where it has none of its
 * own.  A verdict with no words of its own (ABORTED) says its exit
 * status's.
 */
static const struct verdict_text *
verdict_text(const struct peer *s, enum verdict v, enum verdict_form form)
{
	const struct verdict_row	*r = &verdict_rows[v];
	const struct verdict_text	*t = &r->shown;

	switch (form) {
	case FORM_SHOWN:
		break;
	case FORM_SUMMARY:
		if (r->summary.w != NULL)
			t = &r->summary;
		break;
	case FORM_FINISH:
		t = &r->finish;
		break;
	case FORM_BLAME:
		t = &r->blame;
		break;
	}
	if (t->w == NULL && r->ended && verdict_exit(s) != v)
		return verdict_text(s, verdict_exit(s), form);
	return t;
}

static const char *
verdict_say(const struct peer *s, enum verdict_form form, char *buf,
    size_t len)
{
	const struct verdict_text *t = verdict_text(s, peer_verdict(s), form);

	switch (t->tail) {
	case TAIL_VALUE:
		snprintf(buf, len, "%s %d", t->w, s->res.exit_value);
		return buf;
	case TAIL_WHY:
		snprintf(buf, len, "%s (%.1000s)", t->w, s->why);
		return buf;
	case TAIL_ERRNO:
		/* The slave's own words: "/opt/x/run: Permission denied". */
		if (s->why[0] != '\0')
			snprintf(buf, len, "%s: %.1000s", t->w, s->why);
		else if (s->res.exit_value == 0)
			return t->w;
		else
			snprintf(buf, len, "%s: %s", t->w,
			    strerror(s->res.exit_value));
		return buf;
	case TAIL_2014:
		snprintf(buf, len, "%s%s", t->w, s->kind == PEER_KIND_2014 ?
		    " (2014 slave)" : "");
		return buf;
	case TAIL_NONE:
		break;
	}
	return t->w != NULL ? t->w : "";
}

const char *
verdict_word(const struct peer *s, char *buf, size_t len)
{
	return verdict_say(s, FORM_SHOWN, buf, len);
}

const char *
verdict_summary_word(const struct peer *s, char *buf, size_t len)
{
	return verdict_say(s, FORM_SUMMARY, buf, len);
}

const char *
verdict_finish_words(const struct peer *s, char *buf, size_t len)
{
	return verdict_say(s, FORM_FINISH, buf, len);
}

const char *
verdict_blame(const struct peer *s, char *buf, size_t len)
{
	return verdict_say(s, FORM_BLAME, buf, len);
}

const char *
verdict_state_word(enum verdict v)
{
	return verdict_rows[v].state;
}

bool
verdict_ended(enum verdict v)
{
	return verdict_rows[v].ended;
}

bool
verdict_ran(enum verdict v)
{
	return verdict_rows[v].ran;
}

bool
verdict_is_running(enum verdict v)
{
	return verdict_rows[v].count == COUNT_RUNNING;
}

bool
verdict_is_failure(enum verdict v)
{
	return verdict_rows[v].severity > 0;
}

void
verdict_count(const struct master *m, struct verdict_counts *c)
{
	const struct peer	*s;
	enum verdict		 v;

	memset(c, 0, sizeof(*c));
	c->joined = m->njoined;
	TAILQ_FOREACH(s, &m->joined, entry) {
		v = peer_verdict(s);
		c->of[v]++;
		if (verdict_rows[v].severity > c->worst)
			c->worst = verdict_rows[v].severity;
		switch (verdict_rows[v].count) {
		case COUNT_ARMED:	c->armed++;	break;
		case COUNT_RUNNING:	c->running++;	break;
		case COUNT_FINISHED:	c->finished++;	break;
		case COUNT_FAILED:	c->failed++;	break;
		case COUNT_NONE:			break;
		}
	}
}
