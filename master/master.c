/*
 * master.c - the master's life, from its parts set up to everything freed.
 *
 *	master_init()	 the struct, nothing open: master_free() is safe
 *	master_prepare() what may fail before -d: -O's, -r's and --csv's
 *			 directories; the campaign's runs
 *	master_start()	 the loop and every part that lives on it
 *	master_begin()	 "phase discovery", discovery starts
 *	master_end()	 after the loop: --plot draws the results
 *	master_free()	 whatever phase the session ended in
 *
 * main() and the fuzz harness (tests/fuzz/fuzz_master_conn.c) call these
 * and nothing else to set up and tear down a master, so that a new part is
 * added here once and the harness cannot drift from the program.  What only
 * main() does (options, the sockets of discovery_open(), -d, the signals
 * that end a session) stays in main.c.
 */
#include <stdlib.h>

#include "master.h"

void
master_init(struct master *m, struct master_opts *opts, uint32_t nslaves)
{
	m->opts = opts;
	m->nslaves = nslaves;
	m->phase = PHASE_DISCOVERY;
	m->sf.fd = -1;
	discovery_init(m);
	TAILQ_INIT(&m->pending);
	TAILQ_INIT(&m->joined);
	atomic_file_none(&m->v.res);
	atomic_file_none(&m->v.csv);
	m->campaign.code = -1;
	control_init(m);
}

int
master_prepare(struct master *m, char *err, size_t errlen)
{
	/* The CONFs are open: the runs are known. */
	campaign_init(m);
	if (collect_init(m, err, errlen) == -1 ||
	    plot_prepare(m, err, errlen) == -1 ||
	    results_init(m, err, errlen) == -1 ||
	    csvfile_init(m, err, errlen) == -1)
		return -1;
	return 0;
}

int
master_start(struct master *m)
{
	/* Our own loop: the default loop would reap children by itself. */
	if ((m->loop = ev_loop_new(EVFLAG_AUTO)) == NULL)
		return -1;
	ev_init(&m->start_timer, NULL);
	status_init(m);
	control_start(m);
	end_init(m);
	display_init(m);
	admit_init(m);
	return 0;
}

void
master_begin(struct master *m)
{
	status_phase(m);
	discovery_start(m);
}

void
master_end(struct master *m)
{
	plot_draw(m);
}

void
master_free(struct master *m)
{
	struct peer *s;

	while ((s = TAILQ_FIRST(&m->pending)) != NULL) {
		TAILQ_REMOVE(&m->pending, s, entry);
		peer_free(s);
	}
	while ((s = TAILQ_FIRST(&m->joined)) != NULL) {
		TAILQ_REMOVE(&m->joined, s, entry);
		peer_free(s);
	}
	admit_free(m);
	discovery_close(m);
	hosts_free(m);
	control_cleanup(m);
	status_cleanup(m);
	collect_cleanup(m);
	results_cleanup(m);
	plot_cleanup(m);
	csvfile_cleanup(m);
	/* m->sf is one of the campaign's files, when it has them. */
	if (m->campaign.nfiles > 0)
		m->sf.fd = -1;
	campaign_free(m);
	if (m->loop != NULL)
		ev_loop_destroy(m->loop);
	m->loop = NULL;
	sessfile_close(&m->sf);
	pool_free(m);
	names_clear(&m->names);
	free(m->v1_conf);
	m->v1_conf = NULL;
}
