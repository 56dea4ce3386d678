/*
 * campaign.c - several runs over one pool of slaves: one discovery, the
 * connections kept, each run configured, armed and started at one instant
 * as a single session is.
 *
 *	synexec_master [options] SLAVES CONF [CONF...]
 *
 * runs each CONF --repeat K times in a row (CONF1 x K, then CONF2 x K...),
 * --pause SECONDS apart.  A run ends through end.c as a session does; then
 * campaign_run_ended() keeps what it came to (struct run_record: its
 * outcome, durations, and each figure's total over its slaves for the
 * statistics across runs), says its line and decides whether another run
 * follows:
 *
 *	the last run		the campaign is over
 *	aborted (signal, -t)	over, exit 4; so is a local error (exit 1)
 *	--fail-fast		over after the first run that failed
 *	a slave lost		over after that run (exit 3), unless
 *				--keep-going: the next runs go on without it
 *
 * If another follows, campaign_next() sends RUN_END to each slave (it lets
 * the run's task go and stays connected), waits --pause, and begins the
 * next run: every slave's state of the run reset, the next CONF, then
 * session.c's configuration, which sends RUN before each CONF_BEGIN.  A
 * slave whose hello did not say HELLO_CAP_CAMPAIGN (a 2014 slave, ours
 * before 2026-12) serves one run per connection: a campaign of several
 * runs with one refuses at its start (campaign_refused()), before anything
 * is sent; a single run takes it as ever.
 *
 * The campaign's exit code is end.c's ranking of its runs' (1, 5, 4, 3,
 * 2, 0); campaign_end() (end.c) sends BYE.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "master.h"

/* Figures: names in a campaign, and a run's own (4 built-in + metrics). */
#define CAMPAIGN_FIGURES_MAX	1024
#define RUN_FIGURES_MAX		(4 + PROTO_METRICS_MAX)

static void	campaign_pause_cb(struct ev_loop *, ev_timer *, int);

int
campaign_add_file(struct master *m, const char *path, char *err,
    size_t errlen)
{
	struct campaign		*c = &m->campaign;
	struct campaign_file	*f, *v;
	const char		*base;
	size_t			 i;

	if ((v = realloc(c->files, (c->nfiles + 1) * sizeof(*v))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	c->files = v;
	f = &c->files[c->nfiles];
	memset(f, 0, sizeof(*f));
	f->sf.fd = -1;
	if (sessfile_open(&f->sf, path, err, errlen) == -1)
		return -1;
	/* Its name without its directory, as RUN may carry it. */
	base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	snprintf(f->base, sizeof(f->base), "%s", *base != '\0' ? base : path);
	for (i = 0; f->base[i] != '\0'; i++)
		if (!proto_run_conf_char((unsigned char)f->base[i]))
			f->base[i] = '?';
	if (c->nfiles++ == 0)
		m->sf = f->sf;
	return 0;
}

void
campaign_init(struct master *m)
{
	struct campaign	*c = &m->campaign;
	const char	*base;

	if (c->nfiles == 0) {
		/* One file opened as m->sf (the fuzz harness): it is the one. */
		if ((c->files = calloc(1, sizeof(*c->files))) == NULL)
			fatal("campaign");
		c->files[0].sf = m->sf;
		base = m->sf.path != NULL && strrchr(m->sf.path, '/') != NULL ?
		    strrchr(m->sf.path, '/') + 1 : m->sf.path;
		snprintf(c->files[0].base, sizeof(c->files[0].base), "%s",
		    base != NULL && *base != '\0' ? base : "session");
		c->nfiles = 1;
	}
	c->repeat = m->opts->repeat > 0 ? m->opts->repeat : 1;
	c->runs = (uint32_t)c->nfiles * c->repeat;
	c->multi = c->runs > 1;
	c->run = 0;
	c->file = 0;
	c->file_repeat = 0;
	c->code = -1;
	ev_init(&c->pause_timer, campaign_pause_cb);
}

/* Can it serve several runs on one connection? */
static bool
campaign_capable(const struct peer *s)
{
	return s->kind == PEER_KIND_OURS && (s->caps & HELLO_CAP_CAMPAIGN);
}

bool
campaign_refused(struct master *m)
{
	struct peer	*s;
	char		*list = NULL;
	size_t		 len = 0;
	FILE		*f;
	unsigned	 n = 0;

	if (!m->campaign.multi)
		return false;
	if ((f = open_memstream(&list, &len)) == NULL)
		fatal("campaign");
	TAILQ_FOREACH(s, &m->joined, entry) {
		if (campaign_capable(s))
			continue;
		fprintf(f, "%s%s (%s)", n++ > 0 ? ", " : "", s->label,
		    s->kind == PEER_KIND_2014 ? "a 2014 slave" :
		    "a slave of before 2026-12");
	}
	fclose(f);
	if (n > 0) {
		summary_err(m, "a campaign of %u runs needs slaves that serve "
		    "several runs on one connection, and %u here serve%s one "
		    "run only: %s; update %s, or run each session file with a "
		    "master of its own", m->campaign.runs, n, n == 1 ? "s" : "",
		    list, n == 1 ? "it" : "them");
		free(list);
		session_end(m, END_INCAPABLE, "campaign refused: slaves that "
		    "serve one run only", "this campaign needs slaves that "
		    "serve several runs on one connection");
		return true;
	}
	free(list);
	return false;
}

void
campaign_send_run(struct peer *s)
{
	const struct campaign	*c = &s->m->campaign;
	struct proto_run	 r;
	uint8_t			 buf[32 + PROTO_NAME_MAX];
	size_t			 n;

	if (!campaign_capable(s))
		return;
	memset(&r, 0, sizeof(r));
	r.run = c->run;
	r.runs = c->runs;
	r.repeat = c->file_repeat;
	r.repeats = c->repeat;
	snprintf(r.conf, sizeof(r.conf), "%s", c->files[c->file].base);
	if ((n = proto_run_encode(buf, sizeof(buf), &r)) == 0)
		fatalx("cannot encode RUN for %s", s->label);
	peer_send(s, CMD_RUN, buf, n);
}

static int
campaign_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Figure f's place in the campaign's figures (added if new), its unit
 * noted; UINT32_MAX if there is no room for another. */
static uint32_t
campaign_figure(struct campaign *c, const struct view_figure *f,
    unsigned rank)
{
	struct campaign_figure	*cf;
	uint32_t		 k;

	for (k = 0; k < c->nfigs; k++)
		if (strcmp(c->figs[k].name, f->name) == 0)
			break;
	if (k == c->nfigs) {
		if (k == CAMPAIGN_FIGURES_MAX)
			return UINT32_MAX;
		if (k % 16 == 0) {
			if ((cf = realloc(c->figs, (k + 16) * sizeof(*cf))) ==
			    NULL)
				fatal("campaign");
			c->figs = cf;
		}
		cf = &c->figs[c->nfigs++];
		memset(cf, 0, sizeof(*cf));
		snprintf(cf->name, sizeof(cf->name), "%s", f->name);
		snprintf(cf->unit, sizeof(cf->unit), "%s", f->unit);
		cf->units_differ = f->units_differ;
		cf->rank = rank;
		return k;
	}
	cf = &c->figs[k];
	if (f->units_differ || strcmp(cf->unit, f->unit) != 0) {
		cf->units_differ = true;
		cf->unit[0] = '\0';
	}
	return k;
}

/*
 * The run's figures across its slaves (view.c's, as its statistics say
 * them), kept for the campaign's across runs: each one's total and count,
 * at most RUN_FIGURES_MAX of them, the first in their order.
 */
static void
campaign_record_figures(struct master *m, struct run_record *r)
{
	struct campaign		*c = &m->campaign;
	struct view_figures	 fs;
	const char		*first = NULL;
	size_t			 i, left_out = 0;
	uint32_t		 k;

	if (view_figures(m, &fs) == -1)
		return;		/* said; the run has no figures */
	if ((r->figs = calloc(RUN_FIGURES_MAX, sizeof(*r->figs))) == NULL)
		fatal("campaign");
	for (i = 0; i < fs.n; i++) {
		const struct view_figure *f = &fs.f[i];

		if (f->st.n == 0)
			continue;
		if (r->nfigs == RUN_FIGURES_MAX || (k = campaign_figure(c, f,
		    f->metric ? 4 : (unsigned)i)) == UINT32_MAX) {
			if (left_out++ == 0)
				first = f->name;
			continue;
		}
		r->figs[r->nfigs].sum = f->st.sum;
		r->figs[r->nfigs].n = f->st.n;
		r->figs[r->nfigs].fig = k;
		r->nfigs++;
	}
	if (left_out > 0 && !c->figs_cut) {
		c->figs_cut = true;
		log_warnx("run %u: %zu figures (from %s on) are left out of the "
		    "statistics across runs, which keep %d figures a run and "
		    "%d in all", r->run + 1, left_out, first, RUN_FIGURES_MAX,
		    CAMPAIGN_FIGURES_MAX);
	}
	/* Most runs have a few: give back the rest. */
	if (r->nfigs == 0) {
		free(r->figs);
		r->figs = NULL;
	} else if (r->nfigs < RUN_FIGURES_MAX) {
		struct run_figure *v = realloc(r->figs, r->nfigs *
		    sizeof(*v));

		if (v != NULL)
			r->figs = v;
	}
	view_figures_free(&fs);
}

/* What the run came to, from its slaves as they stand. */
static void
campaign_record(struct master *m, struct run_record *r)
{
	const struct campaign	*c = &m->campaign;
	const struct peer	*s;
	struct view_spread	 sp;
	struct verdict_counts	 vc;
	uint64_t		*d;
	unsigned		 n = 0;

	memset(r, 0, sizeof(*r));
	r->run = c->run;
	r->repeat = c->file_repeat;
	r->file = c->file;
	r->code = m->end.code;
	r->outcome = m->end.outcome;
	verdict_count(m, &vc);
	r->slaves = vc.joined;
	r->ok = vc.of[VERDICT_EXIT_0] + vc.of[VERDICT_UNKNOWN];
	r->lost = vc.of[VERDICT_LOST];
	r->failed = vc.failed - r->lost;
	view_spread(m, &sp);
	r->ran = sp.n;
	r->spread_ns = sp.last - sp.first;
	campaign_record_figures(m, r);
	if (sp.n == 0)
		return;
	if ((d = calloc(sp.n, sizeof(*d))) == NULL)
		fatal("campaign");
	TAILQ_FOREACH(s, &m->joined, entry)
		if (verdict_ran(peer_verdict(s)) && n < sp.n)
			d[n++] = view_elapsed(s);
	qsort(d, n, sizeof(*d), campaign_u64_cmp);
	r->dur_min_ns = d[0];
	r->dur_max_ns = d[n - 1];
	/* The median: the middle one, or the mean of the middle two. */
	r->dur_med_ns = n % 2 ? d[n / 2] : d[n / 2 - 1] / 2 + d[n / 2] / 2 +
	    (d[n / 2 - 1] % 2 + d[n / 2] % 2) / 2;
	free(d);
}

/* The first slave lost in this run, or NULL. */
static const struct peer *
campaign_lost(const struct master *m)
{
	const struct peer *s;

	TAILQ_FOREACH(s, &m->joined, entry)
		if (s->state == PEER_LOST)
			return s;
	return NULL;
}

/* The campaign's exit code and outcome, with a run's (or an event's). */
static void
campaign_rank(struct master *m, int code)
{
	m->campaign.code = end_campaign_code(m->campaign.code, code);
	m->campaign.outcome = end_outcome_word(m->campaign.code);
}

static void
campaign_over(struct master *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
campaign_over(struct master *m, const char *fmt, ...)
{
	va_list ap;

	m->campaign.over = true;
	va_start(ap, fmt);
	vsnprintf(m->campaign.why, sizeof(m->campaign.why), fmt, ap);
	va_end(ap);
}

void
campaign_run_ended(struct master *m)
{
	struct campaign		*c = &m->campaign;
	struct run_record	*r;
	const struct peer	*lost;
	char			 words[PROTO_NAME_MAX + 64];

	if ((r = realloc(c->records, (c->nrecords + 1) * sizeof(*r))) == NULL)
		fatal("campaign");
	c->records = r;
	r = &c->records[c->nrecords++];
	campaign_record(m, r);
	campaign_rank(m, r->code);
	/* Output that could not be stored (-O) is a local error too. */
	if (c->multi && m->v.out_error)
		campaign_rank(m, 1);
	view_run_words(m, words, sizeof(words));
	switch (m->end.cause) {
	case END_ABORTED:
	case END_FORCED:
	case END_DISCOVERY:
	case END_LOCAL:
	case END_TOO_LARGE:
	case END_INCAPABLE:
		campaign_over(m, "%s", m->end.why);
		break;
	default:
		lost = campaign_lost(m);
		if (c->run + 1 >= c->runs && c->runs > 1)
			campaign_over(m, "every run is done");
		else if (c->run + 1 >= c->runs)
			campaign_over(m, "%s", m->end.why);
		else if (r->code == 1)
			campaign_over(m, "%s: %s", words, m->end.why);
		else if (m->opts->fail_fast && r->code != 0)
			campaign_over(m, "--fail-fast: %s %s", words,
			    r->outcome);
		else if (lost != NULL && !m->opts->keep_going)
			campaign_over(m, "%s was lost in %s (--keep-going "
			    "would go on without it)", lost->name, words);
		else if (r->lost == r->slaves)
			campaign_over(m, "no slave left after %s", words);
		break;
	}
	if (m->campaign.multi)
		summary_run_line(m, r);
}

void
campaign_store_failed(struct master *m)
{
	struct campaign *c = &m->campaign;

	if (c->nrecords > 0)
		c->records[c->nrecords - 1].code = m->end.code;
	/* A campaign's local error comes first, whatever the tasks did. */
	campaign_rank(m, c->multi ? 1 : m->end.code);
	if (!c->over)
		campaign_over(m, "the results could not be stored");
}

void
campaign_next(struct master *m)
{
	struct campaign	*c = &m->campaign;
	struct peer	*s;
	char		 text[128];
	double		 pause = (double)m->opts->pause_ns / (double)NSEC_PER_SEC;

	c->between = true;
	snprintf(text, sizeof(text), "%s (run %u of %u)", m->end.outcome,
	    c->run + 1, c->runs);
	TAILQ_FOREACH(s, &m->joined, entry)
		if (campaign_capable(s) && peer_is_open(s) &&
		    s->state != PEER_LOST)
			peer_send_text(s, CMD_RUN_END, text);
	if (pause > 0)
		log_info("next run in %.3g s (--pause)", pause);
	ev_timer_set(&c->pause_timer, pause, 0.);
	ev_timer_start(m->loop, &c->pause_timer);
}

bool
campaign_interrupt(struct master *m, const char *why)
{
	struct campaign *c = &m->campaign;

	if (!c->between)
		return false;
	ev_timer_stop(m->loop, &c->pause_timer);
	c->between = false;
	summary_err(m, "aborted: %s (between runs %u and %u of %u)", why,
	    c->run + 1, c->run + 2, c->runs);
	campaign_rank(m, 4);
	campaign_over(m, "%s between runs %u and %u of %u", why, c->run + 1,
	    c->run + 2, c->runs);
	snprintf(m->end.bye, sizeof(m->end.bye), "campaign aborted: %s", why);
	(void)results_write(m);
	(void)csvfile_write(m);
	campaign_end(m);
	return true;
}

/*
 * The pool for the next run: slaves lost in the run that ended (with
 * --keep-going) or whose connection ended since go.  False if the
 * campaign cannot go on (said, over).
 */
static bool
campaign_prune(struct master *m)
{
	struct peer	*s, *next;
	bool		 lost_now = false;

	for (s = TAILQ_FIRST(&m->joined); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (s->state != PEER_LOST && peer_is_open(s))
			continue;
		if (s->state != PEER_LOST) {
			/* Gone between runs: as if lost in the next. */
			summary_err(m, "lost between runs: %s", s->label);
			if (!m->opts->keep_going && !lost_now) {
				campaign_rank(m, 3);
				campaign_over(m, "%s was lost between runs "
				    "(--keep-going would go on without it)",
				    s->name);
				lost_now = true;
			}
		}
		if (m->opts->keep_going)
			summary_out(m, "the next runs go on without %s",
			    s->name);
		TAILQ_REMOVE(&m->joined, s, entry);
		m->njoined--;
		peer_free(s);
	}
	if (lost_now)
		return false;
	if (m->njoined == 0) {
		campaign_rank(m, 3);
		campaign_over(m, "no slave left");
		return false;
	}
	return true;
}

/* --pause is over: the next run. */
static void
campaign_pause_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct master	*m = (struct master *)((char *)w -
			    offsetof(struct master, campaign.pause_timer));
	struct campaign	*c = &m->campaign;
	struct peer	*s;

	(void)loop;
	(void)revents;
	c->between = false;
	if (!campaign_prune(m)) {
		summary_err(m, "campaign over: %s", c->why);
		snprintf(m->end.bye, sizeof(m->end.bye), "campaign over: %.280s",
		    c->why);
		(void)results_write(m);
		(void)csvfile_write(m);
		campaign_end(m);
		return;
	}
	c->run++;
	if (++c->file_repeat >= c->repeat) {
		c->file_repeat = 0;
		c->file++;
	}
	m->nslaves = m->njoined;
	m->sf = c->files[c->file].sf;
	m->v.have_sha256 = c->files[c->file].have_sha256;
	memcpy(m->v.sha256, c->files[c->file].sha256, sizeof(m->v.sha256));
	/* Every state of the run that ended goes: the engine's, the views'. */
	m->nanswered = m->ndone = 0;
	m->start_mono_ns = 0;
	m->nv1 = 0;
	free(m->v1_conf);
	m->v1_conf = NULL;
	end_run_begin(m);
	control_run_begin(m);
	status_run_begin(m);
	TAILQ_FOREACH(s, &m->joined, entry)
		peer_run_reset(s);
	session_run_begin(m);
}

void
campaign_free(struct master *m)
{
	struct campaign	*c = &m->campaign;
	size_t		 i;

	if (m->loop != NULL)
		ev_timer_stop(m->loop, &c->pause_timer);
	for (i = 0; i < c->nfiles; i++)
		sessfile_close(&c->files[i].sf);
	for (i = 0; i < c->nrecords; i++)
		free(c->records[i].figs);
	free(c->files);
	free(c->records);
	free(c->figs);
	c->files = NULL;
	c->records = NULL;
	c->figs = NULL;
	c->nfiles = c->nrecords = c->nfigs = 0;
}
