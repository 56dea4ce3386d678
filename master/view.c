/*
 * view.c - what the views share of how a session is shown: the names of
 * its phases, how long a task has run, the tasks' starts on the master's
 * clock and their spread.  Pure reading of the session, for the views.
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "master.h"

const char *
view_phase_name(int phase)
{
	switch (phase) {
	case PHASE_DISCOVERY:	return "discovery";
	case PHASE_PREFLIGHT:	return "preflight";
	case PHASE_CONFIG:	return "configuration";
	case PHASE_RUN:		return "run";
	case PHASE_DONE:	return "done";
	default:		return "?";
	}
}

uint64_t
view_elapsed(const struct peer *s)
{
	const struct master	*m = s->m;
	uint64_t		 now;

	if (s->have_result)
		return s->res.finish_real_ns > s->res.start_real_ns ?
		    s->res.finish_real_ns - s->res.start_real_ns : 0;
	if ((s->state == PEER_STARTING || s->state == PEER_RUNNING) &&
	    m->start_mono_ns != 0) {
		/* Every task started at T, give or take microseconds. */
		now = mono_ns();
		return now > m->start_mono_ns ? now - m->start_mono_ns : 0;
	}
	return s->v.have_report ? s->v.last.elapsed_ns : 0;
}

/*
 * A slave's clock (its task's start or finish) on the master's realtime
 * clock, by the offset the clock sync measured; a 2014 slave has none, its
 * clock is taken as it is.  Unsigned: it may wrap, differences stay exact.
 */
uint64_t
view_aligned(const struct peer *s, uint64_t slave_real)
{
	if (s->kind != PEER_KIND_OURS)
		return slave_real;
	return slave_real - (uint64_t)s->off_real_ns;
}

const char *
view_run_words(const struct master *m, char *buf, size_t len)
{
	const struct campaign *c = &m->campaign;

	snprintf(buf, len, "run %u of %u (%s, repeat %u of %u)", c->run + 1,
	    c->runs, c->nfiles > 0 ? c->files[c->file].base : "?",
	    c->file_repeat + 1, c->repeat);
	return buf;
}

void
view_spread(const struct master *m, struct view_spread *sp)
{
	const struct peer	*s;
	uint64_t		 a;

	memset(sp, 0, sizeof(*sp));
	TAILQ_FOREACH(s, &m->joined, entry) {
		if (!verdict_ran(peer_verdict(s)))
			continue;
		a = view_aligned(s, s->res.start_real_ns);
		if (sp->n == 0 || a < sp->first)
			sp->first = a;
		if (sp->n == 0 || a > sp->last)
			sp->last = a;
		sp->n++;
	}
}
