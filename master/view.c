/*
 * view.c - what the views share of how a session is shown: the names of
 * its phases, how long a task has run, the tasks' starts on the master's
 * clock and their spread, the figures of a run across its slaves (for the
 * results' statistics and the summary's).  Pure reading of the session,
 * for the views.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
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
	    c->file_repeat, c->repeat);
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

/* One value of a figure: a slave's, for view_figures(). */
struct view_sample {
	char		 key[VIEW_FIGURE_NAME_MAX + 1];
	const char	*unit;
	double		 v;
	uint32_t	 who;
};

static int
view_sample_cmp(const void *a, const void *b)
{
	const struct view_sample	*x = a, *y = b;
	int				 c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	return x->who < y->who ? -1 : x->who > y->who;
}

/* The built-in figures, in order; a metric of one of their names is
 * "metric:NAME". */
static const struct {
	const char	*name;
	const char	*unit;
} view_builtin[] = {
	{ "duration_s", "s" },
	{ "cpu_s", "s" },
	{ "max_rss_kib", "KiB" },
	{ "start_late_s", "s" },
};
#define VIEW_BUILTINS	(sizeof(view_builtin) / sizeof(view_builtin[0]))

/* Slave s's value of built-in figure k, as the results show it. */
static bool
view_builtin_value(const struct peer *s, size_t k, double *v)
{
	enum verdict	vd = peer_verdict(s);
	bool		ours = s->kind == PEER_KIND_OURS;
	bool		ended = verdict_ended(vd), ran = verdict_ran(vd);

	switch (k) {
	case 0:
		if (!ran)
			return false;
		*v = (double)(int64_t)(s->res.finish_real_ns -
		    s->res.start_real_ns) / 1e9;
		return true;
	case 1:
		if (!ended || !ours)
			return false;
		*v = (double)(s->res.utime_us + s->res.stime_us) / 1e6;
		return true;
	case 2:
		if (!ended || !ours)
			return false;
		*v = (double)s->res.maxrss_kib;
		return true;
	case 3:
		if (!ran || !ours)
			return false;
		*v = (double)s->res.late_ns / 1e9;
		return true;
	default:
		return false;
	}
}

/* The figure's statistics from its values vals[0..n). */
static void
view_figure_set(struct view_figure *f, struct stats_value *vals, size_t n,
    const struct peer **slaves)
{
	stats_compute(vals, n, &f->st);
	f->min_slave = n > 0 ? slaves[f->st.min_who] : NULL;
	f->max_slave = n > 0 ? slaves[f->st.max_who] : NULL;
}

int
view_figures(const struct master *m, struct view_figures *out)
{
	const struct peer	**slaves = NULL, *s;
	struct view_sample	 *smp = NULL;
	struct stats_value	 *vals = NULL;
	struct view_figure	 *f;
	size_t			  nslaves = 0, nsmp = 0, i, j, k, b, nfig;
	unsigned		  mi;
	int			  rc = -1;

	memset(out, 0, sizeof(*out));
	TAILQ_FOREACH(s, &m->joined, entry) {
		nslaves++;
		nsmp += s->v.nmetric;
	}
	slaves = calloc(nslaves + 1, sizeof(*slaves));
	vals = calloc(nslaves + nsmp + 1, sizeof(*vals));
	smp = calloc(nsmp + 1, sizeof(*smp));
	if (slaves == NULL || vals == NULL || smp == NULL)
		goto out;
	nslaves = nsmp = 0;
	TAILQ_FOREACH(s, &m->joined, entry) {
		for (mi = 0; mi < s->v.nmetric; mi++) {
			const struct view_metric *vm = &s->v.metric[mi];

			for (b = 0; b < VIEW_BUILTINS; b++)
				if (strcmp(vm->name, view_builtin[b].name) ==
				    0)
					break;
			snprintf(smp[nsmp].key, sizeof(smp[nsmp].key), "%s%s",
			    b < VIEW_BUILTINS ? "metric:" : "", vm->name);
			smp[nsmp].unit = vm->unit;
			smp[nsmp].v = vm->value;
			smp[nsmp].who = (uint32_t)nslaves;
			nsmp++;
		}
		slaves[nslaves++] = s;
	}
	qsort(smp, nsmp, sizeof(*smp), view_sample_cmp);
	nfig = VIEW_BUILTINS;
	for (i = 0; i < nsmp; i++)
		if (i == 0 || strcmp(smp[i].key, smp[i - 1].key) != 0)
			nfig++;
	if ((out->f = calloc(nfig, sizeof(*out->f))) == NULL)
		goto out;
	for (b = 0; b < VIEW_BUILTINS; b++) {
		f = &out->f[out->n++];
		snprintf(f->name, sizeof(f->name), "%s", view_builtin[b].name);
		snprintf(f->unit, sizeof(f->unit), "%s", view_builtin[b].unit);
		for (i = k = 0; i < nslaves; i++)
			if (view_builtin_value(slaves[i], b, &vals[k].v))
				vals[k++].who = (uint32_t)i;
		view_figure_set(f, vals, k, slaves);
	}
	for (i = 0; i < nsmp; i = j) {
		f = &out->f[out->n++];
		f->metric = true;
		snprintf(f->name, sizeof(f->name), "%s", smp[i].key);
		snprintf(f->unit, sizeof(f->unit), "%s", smp[i].unit);
		for (j = i, k = 0; j < nsmp && strcmp(smp[j].key, smp[i].key) ==
		    0; j++, k++) {
			vals[k].v = smp[j].v;
			vals[k].who = smp[j].who;
			if (strcmp(smp[j].unit, smp[i].unit) != 0)
				f->units_differ = true;
		}
		if (f->units_differ)
			f->unit[0] = '\0';
		view_figure_set(f, vals, k, slaves);
	}
	rc = 0;
out:
	if (rc == -1) {
		log_warnx("out of memory for the statistics across slaves");
		view_figures_free(out);
	}
	free(slaves);
	free(vals);
	free(smp);
	return rc;
}

void
view_figures_free(struct view_figures *fs)
{
	free(fs->f);
	fs->f = NULL;
	fs->n = 0;
}

/* ---- a campaign's figures across its runs (results.c, summary.c) ---- */

/* Built-in figures first, in their order, then metrics by name. */
static int
view_figure_cmp(const void *a, const void *b, void *arg)
{
	const struct campaign_figure	*figs = arg;
	const struct campaign_figure	*x = &figs[*(const uint32_t *)a];
	const struct campaign_figure	*y = &figs[*(const uint32_t *)b];

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return strcmp(x->name, y->name);
}

uint32_t *
view_campaign_order(const struct campaign *c)
{
	uint32_t	*order;
	uint32_t	 k;

	if (c->nfigs == 0)
		return NULL;
	if ((order = calloc(c->nfigs, sizeof(*order))) == NULL) {
		log_warnx("out of memory for the statistics across runs");
		return NULL;
	}
	for (k = 0; k < c->nfigs; k++)
		order[k] = k;
	qsort_r(order, c->nfigs, sizeof(*order), view_figure_cmp,
	    c->figs);
	return order;
}

void
view_campaign_runs(const struct campaign *c, uint32_t fig, bool mean,
    double *v)
{
	const struct run_record	*r;
	uint32_t		 i;
	unsigned		 j;

	for (i = 0; i < c->nrecords; i++) {
		r = &c->records[i];
		v[i] = NAN;
		for (j = 0; j < r->nfigs; j++) {
			if (r->figs[j].fig != fig)
				continue;
			v[i] = mean ? r->figs[j].sum / r->figs[j].n :
			    r->figs[j].sum;
			break;
		}
	}
}
