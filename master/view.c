/*
 * view.c - what the views share of how a session is shown: the names of
 * its phases and how long a task has run.  Pure reading of the session,
 * for the views.
 */
#include "clock.h"
#include "master.h"

const char *
view_phase_name(int phase)
{
	switch (phase) {
	case PHASE_DISCOVERY:	return "discovery";
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

