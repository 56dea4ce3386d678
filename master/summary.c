/*
 * summary.c - what the master tells its user: a line per slave as it
 * finishes, then the summary table and the exit code.
 *
 * Results go to stdout (the log when daemonised); errors to stderr (the log).
 * Start times are aligned on the master's clock with each slave's realtime
 * offset from the clock sync, so the START column compares like with like.
 * A 2014 slave has no offset: its own clock is taken as it is.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "master.h"
#include "text.h"

/*
 * Lines to the user hold what slaves said (names, reasons, progress): on
 * stdout or stderr they are made inert as log lines are (text.h), and in
 * the log by the log itself.
 */
static void
summary_line(struct master *m, bool err, const char *fmt, va_list ap)
{
	char	*line = NULL;
	int	 n;
	FILE	*f = err ? stderr : stdout;

	display_erase(m);	/* the live block goes back below, later */
	if ((n = vasprintf(&line, fmt, ap)) == -1)
		return;
	if (err ? !m->log_stderr : m->out_log) {
		if (err)
			log_warnx("%s", line);
		else
			log_info("%s", line);
	} else {
		/* Never cut at the log's line length on a terminal. */
		if (err)
			fputs(MASTER_NAME ": ", f);
		text_inert_put(f, line, (size_t)n, 0);
		fputc('\n', f);
		fflush(f);
	}
	free(line);
}

void
summary_out(struct master *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	summary_line(m, false, fmt, ap);
	va_end(ap);
}

/* Like log_warnx, but never cut at the log's line length on a terminal. */
void
summary_err(struct master *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	summary_line(m, true, fmt, ap);
	va_end(ap);
}

/* "1.234567": seconds with microseconds, always six digits. */
static char *
fmt_duration(const struct proto_result *r, char *buf, size_t len)
{
	uint64_t us = 0;

	if (r->finish_real_ns > r->start_real_ns)
		us = (r->finish_real_ns - r->start_real_ns) / NSEC_PER_USEC;
	snprintf(buf, len, "%" PRIu64 ".%06" PRIu64, us / 1000000,
	    us % 1000000);
	return buf;
}

void
summary_finish_line(struct master *m, struct peer *s)
{
	char	words[PROTO_REASON_MAX + 64], dur[32];

	verdict_finish_words(s, words, sizeof(words));
	if (verdict_ran(peer_verdict(s)))
		summary_out(m, "finished: %s: %s after %s s", s->label, words,
		    fmt_duration(&s->res, dur, sizeof(dur)));
	else
		summary_out(m, "finished: %s: %s", s->label, words);
}

/*
 * Under a failed task's row, the last lines of its stderr (STDERR_TAIL;
 * its output's, when its slave merges them), "    stderr: LINE", made
 * inert as --follow lines are: tabs kept, UTF-8 where the terminal takes
 * it.
 */
static void
summary_tail(struct master *m, const struct peer *s)
{
	const uint8_t	*p = s->v.tail, *nl;
	size_t		 left = s->v.tail_len, n;
	const char	*prefix = s->v.merged ? "    output: " : "    stderr: ";

	display_erase(m);
	while (left > 0) {
		nl = memchr(p, '\n', left);
		n = nl != NULL ? (size_t)(nl - p) : left;
		if (m->out_log)
			log_info_data(prefix, p, n);
		else {
			fputs(prefix, stdout);
			text_inert_put(stdout, p, n, m->v.follow_text);
			fputc('\n', stdout);
		}
		if (nl == NULL)
			break;
		p = nl + 1;
		left -= n + 1;
	}
	fflush(stdout);
}

/* Units an SI prefix is glued to ("ms", "kB"); others stand apart. */
static bool
summary_si_unit(const char *unit)
{
	static const char *const si[] = { "s", "B", "b", "bit", "Hz", "W",
	    "J", "V", "A", "g", "m", "B/s", "b/s", "bit/s", "Wh", NULL };
	int i;

	for (i = 0; si[i] != NULL; i++)
		if (strcmp(unit, si[i]) == 0)
			return true;
	return false;
}

/*
 * A value with its unit, four significant digits: as it is from 0.01 to
 * 9999, with an SI prefix beyond ("785.2 us", "1.235 M ops", "6.127 ms").
 */
static const char *
summary_si(double v, const char *unit, char *buf, size_t len)
{
	static const char *const pre[] = { "p", "n", "u", "m", "", "k", "M",
	    "G", "T", "P", "E" };	/* 10^-12 .. 10^18 */
	const char	*sp = unit[0] != '\0' ? " " : "";
	double		 a = fabs(v);
	int		 e;

	if (!isfinite(v)) {
		snprintf(buf, len, "-");	/* undefined, or beyond a double */
		return buf;
	}
	if (a == 0 || (a >= 0.01 && a < 10000)) {
		snprintf(buf, len, "%.4g%s%s", v, sp, unit);
		return buf;
	}
	e = (int)floor(log10(a) / 3);
	if (e < -4 || e > 6) {
		/* Beyond the prefixes (p..E): the exponent itself. */
		snprintf(buf, len, "%.4g%s%s", v, sp, unit);
		return buf;
	}
	if (summary_si_unit(unit))
		snprintf(buf, len, "%.4g %s%s", v / pow(10, 3 * e), pre[e + 4],
		    unit);
	else
		snprintf(buf, len, "%.4g %s%s%s", v / pow(10, 3 * e),
		    pre[e + 4], sp, unit);
	return buf;
}

/* The summary's statistics: its columns, in order. */
enum {
	SC_FIGURE, SC_N, SC_MEAN, SC_STDDEV, SC_MIN, SC_MEDIAN, SC_P95,
	SC_MAX, SC_SUM, SC_MIN_AT, SC_MAX_AT, SC_COLS
};
static const char *const summary_stat_head[SC_COLS] = {
	"FIGURE", "N", "MEAN", "STDDEV", "MIN", "MEDIAN", "P95", "MAX", "SUM",
	"MIN AT", "MAX AT"
};

/* A figure's cells; strings into cell[] (the slaves' names as they are). */
static void
summary_stat_cells(const struct view_figure *f, char cell[][48],
    const char *out[SC_COLS])
{
	const double v[] = { f->st.mean, f->st.stddev, f->st.min,
	    f->st.median, f->st.p95, f->st.max, f->st.sum };
	int i;

	out[SC_FIGURE] = f->name;
	snprintf(cell[0], sizeof(cell[0]), "%u", f->st.n);
	out[SC_N] = cell[0];
	for (i = 0; i < 7; i++)
		out[SC_MEAN + i] = summary_si(v[i], f->unit, cell[i + 1],
		    sizeof(cell[0]));
	out[SC_MIN_AT] = f->min_slave->name;
	out[SC_MAX_AT] = f->max_slave->name;
}

/*
 * After the table: the figures of the run across its slaves (those that
 * have each), a line a figure, in columns, as the results' "statistics".
 */
static void
summary_statistics(struct master *m)
{
	struct view_figures	 fs;
	const char		*c[SC_COLS];
	char			 cell[8][48], line[2048];
	int			 w[SC_COLS], col, n;
	size_t			 i, len;
	bool			 any = false, differ = false;

	if (view_figures(m, &fs) == -1)
		return;
	for (col = 0; col < SC_COLS; col++)
		w[col] = (int)strlen(summary_stat_head[col]);
	for (i = 0; i < fs.n; i++) {
		if (fs.f[i].st.n == 0)
			continue;
		any = true;
		differ |= fs.f[i].units_differ;
		summary_stat_cells(&fs.f[i], cell, c);
		for (col = 0; col < SC_COLS; col++)
			if ((n = (int)strlen(c[col])) > w[col])
				w[col] = n;
	}
	if (any)
		summary_out(m, "statistics across slaves (N: slaves with a "
		    "value; STDDEV: of them all; P95: interpolated; MIN AT, MAX "
		    "AT: the first slave with it):");
	for (i = 0; any && i <= fs.n; i++) {
		if (i > 0 && fs.f[i - 1].st.n == 0)
			continue;
		if (i == 0)
			memcpy(c, summary_stat_head, sizeof(c));
		else
			summary_stat_cells(&fs.f[i - 1], cell, c);
		/* Names and slaves to the left, numbers to the right. */
		for (col = 0, len = 0; col < SC_COLS && len < sizeof(line);
		    col++) {
			n = snprintf(line + len, sizeof(line) - len, "%s%*s",
			    col == 0 ? "" : "  ", col == SC_FIGURE ||
			    col >= SC_MIN_AT ? -w[col] : w[col], c[col]);
			len += n > 0 ? (size_t)n : 0;
		}
		while (len > 0 && len < sizeof(line) && line[len - 1] == ' ')
			line[--len] = '\0';
		summary_out(m, "%s%s", line, i > 0 &&
		    fs.f[i - 1].units_differ ? "  (units differ)" : "");
	}
	if (differ)
		summary_out(m, "(units differ: its slaves gave the figure in "
		    "different units; its numbers mix them)");
	view_figures_free(&fs);
}

void
summary_print(struct master *m)
{
	struct peer	*s;
	struct verdict_counts c;
	struct view_spread sp;
	unsigned	 n = 0, unknown, aborted;
	int		 wname = 4, waddr = 7;
	char		 start[32], dur[32], status[32], tail[96], words[32];

	TAILQ_FOREACH(s, &m->joined, entry) {
		int l;

		if ((l = (int)strlen(s->name)) > wname)
			wname = l;
		if ((l = (int)strlen(s->addr)) > waddr)
			waddr = l;
	}
	view_spread(m, &sp);
	/* Units in the header: offsets are in µs, durations in seconds. */
	summary_out(m, "%-*s  %-*s  %10s  %14s  %s", wname, "NAME", waddr,
	    "ADDRESS", "START(us)", "DURATION(s)", "STATUS");
	TAILQ_FOREACH(s, &m->joined, entry) {
		n++;
		snprintf(start, sizeof(start), "-");
		snprintf(dur, sizeof(dur), "-");
		if (verdict_ran(peer_verdict(s))) {
			snprintf(start, sizeof(start), "+%" PRIu64,
			    (uint64_t)((view_aligned(s, s->res.start_real_ns) -
			    sp.first) / NSEC_PER_USEC));
			fmt_duration(&s->res, dur, sizeof(dur));
		}
		summary_out(m, "%-*s  %-*s  %10s  %14s  %s", wname, s->name,
		    waddr, s->addr, start, dur,
		    verdict_summary_word(s, status, sizeof(status)));
		summary_tail(m, s);
	}
	verdict_count(m, &c);
	unknown = c.of[VERDICT_UNKNOWN];
	tail[0] = '\0';
	if (unknown > 0)
		snprintf(tail, sizeof(tail), "; %u exit status unknown (2014 "
		    "slave%s)", unknown, unknown == 1 ? "" : "s");
	if (c.running > 0)
		snprintf(tail + strlen(tail), sizeof(tail) - strlen(tail),
		    "; %u still running", c.running);
	/* Stopped by an abort: "aborted", not "failed" (said if any). */
	aborted = c.of[VERDICT_ABORTED] + c.of[VERDICT_CANCELLED];
	words[0] = '\0';
	if (aborted > 0)
		snprintf(words, sizeof(words), ", %u aborted", aborted);
	summary_out(m, "%u slaves: %u exited 0, %u failed%s, %u lost; start "
	    "spread %" PRIu64 " us%s", n, c.of[VERDICT_EXIT_0],
	    c.failed - c.of[VERDICT_LOST] - aborted, words, c.of[VERDICT_LOST],
	    (uint64_t)((sp.last - sp.first) / NSEC_PER_USEC), tail);
	summary_statistics(m);
}

/* "1.234567": nanoseconds as seconds with microseconds. */
static char *
summary_secs(uint64_t ns, char *buf, size_t len)
{
	uint64_t us = ns / NSEC_PER_USEC;

	snprintf(buf, len, "%" PRIu64 ".%06" PRIu64, us / 1000000,
	    us % 1000000);
	return buf;
}

void
summary_run_line(struct master *m, const struct run_record *r)
{
	char	words[PROTO_NAME_MAX + 64], a[32], b[32], c[32];

	view_run_words(m, words, sizeof(words));
	if (r->ran == 0) {
		summary_out(m, "%s: %s (exit %d); no task ran", words,
		    r->outcome, r->code);
		return;
	}
	summary_out(m, "%s: %s (exit %d); start spread %" PRIu64 " us; "
	    "duration min %s s, median %s s, max %s s", words, r->outcome,
	    r->code, (uint64_t)(r->spread_ns / NSEC_PER_USEC),
	    summary_secs(r->dur_min_ns, a, sizeof(a)),
	    summary_secs(r->dur_med_ns, b, sizeof(b)),
	    summary_secs(r->dur_max_ns, c, sizeof(c)));
}

/* The block across runs: its columns, in order. */
enum {
	AC_FIGURE, AC_OF, AC_RUNS, AC_MEAN, AC_STDDEV, AC_CV, AC_MIN, AC_MAX,
	AC_COLS
};
static const char *const summary_across_head[AC_COLS] = {
	"FIGURE", "OF", "RUNS", "MEAN", "STDDEV", "CV", "MIN", "MAX"
};

/* A figure's row of its runs' totals or means; strings into cell[]. */
static void
summary_across_cells(const struct campaign_figure *f, bool mean,
    const struct stats_across *a, char cell[][48], const char *out[AC_COLS])
{
	const double v[] = { a->mean, a->stddev, NAN, a->min, a->max };
	int i;

	out[AC_FIGURE] = f->name;
	out[AC_OF] = mean ? "mean" : "total";
	snprintf(cell[0], sizeof(cell[0]), "%u", a->n);
	out[AC_RUNS] = cell[0];
	for (i = 0; i < 5; i++)
		out[AC_MEAN + i] = summary_si(v[i], f->unit, cell[i + 1],
		    sizeof(cell[0]));
	if (!isnan(a->cv))
		snprintf(cell[3], sizeof(cell[3]), "%.4g%%", a->cv * 100);
}

/*
 * After the table of runs: each figure across the runs, two rows, of the
 * runs' totals over their slaves and of their means, as the campaign's
 * results say them (view_campaign_runs(), stats_across()).
 */
static void
summary_across(struct master *m)
{
	const struct campaign	*cp = &m->campaign;
	uint32_t		*order = view_campaign_order(cp);
	struct stats_across	*a = NULL;
	const char		*c[AC_COLS];
	char			 cell[6][48], line[1024];
	double			*v = NULL;
	int			 w[AC_COLS], col, n;
	uint32_t		 row;
	size_t			 len;
	bool			 differ = false;

	if (order == NULL)
		return;
	if ((v = calloc(cp->nrecords + 1, sizeof(*v))) == NULL ||
	    (a = calloc(2 * (size_t)cp->nfigs, sizeof(*a))) == NULL) {
		log_warnx("out of memory for the statistics across runs");
		goto out;
	}
	for (col = 0; col < AC_COLS; col++)
		w[col] = (int)strlen(summary_across_head[col]);
	for (row = 0; row < 2 * cp->nfigs; row++) {
		view_campaign_runs(cp, order[row / 2], row % 2, v);
		stats_across(v, cp->nrecords, &a[row]);
		summary_across_cells(&cp->figs[order[row / 2]], row % 2,
		    &a[row], cell, c);
		for (col = 0; col < AC_COLS; col++)
			if ((n = (int)strlen(c[col])) > w[col])
				w[col] = n;
		differ |= cp->figs[order[row / 2]].units_differ;
	}
	summary_out(m, "statistics across runs (OF: each run's total over its "
	    "slaves, or their mean; RUNS: runs with a value; STDDEV: sample; "
	    "CV: STDDEV / |MEAN|):");
	for (row = 0; row <= 2 * cp->nfigs; row++) {
		const struct campaign_figure *f = row > 0 ?
		    &cp->figs[order[(row - 1) / 2]] : NULL;

		if (f == NULL)
			memcpy(c, summary_across_head, sizeof(c));
		else
			summary_across_cells(f, (row - 1) % 2, &a[row - 1],
			    cell, c);
		/* Names to the left, numbers to the right. */
		for (col = 0, len = 0; col < AC_COLS && len < sizeof(line);
		    col++) {
			n = snprintf(line + len, sizeof(line) - len, "%s%*s",
			    col == 0 ? "" : "  ", col <= AC_OF ? -w[col] :
			    w[col], c[col]);
			len += n > 0 ? (size_t)n : 0;
		}
		while (len > 0 && len < sizeof(line) && line[len - 1] == ' ')
			line[--len] = '\0';
		summary_out(m, "%s%s", line, f != NULL && f->units_differ ?
		    "  (units differ)" : "");
	}
	if (differ)
		summary_out(m, "(units differ: its runs or their slaves gave the "
		    "figure in different units; its numbers mix them)");
out:
	free(a);
	free(v);
	free(order);
}

void
summary_campaign(struct master *m)
{
	const struct campaign	*cp = &m->campaign;
	const struct run_record	*r;
	uint32_t		 i;
	int			 wfile = 12, wout = 7, l;
	char			 rep[32], spread[32], mn[32], md[32], mx[32];

	for (i = 0; i < cp->nrecords; i++) {
		r = &cp->records[i];
		if ((l = (int)strlen(cp->files[r->file].base)) > wfile)
			wfile = l;
		if ((l = (int)strlen(r->outcome)) > wout)
			wout = l;
	}
	summary_out(m, "%-4s  %-*s  %-7s  %-*s  %4s  %6s  %10s  %12s  %12s  "
	    "%12s", "RUN", wfile, "SESSION_FILE", "REPEAT", wout, "OUTCOME",
	    "EXIT", "SLAVES", "SPREAD(us)", "MIN(s)", "MEDIAN(s)", "MAX(s)");
	for (i = 0; i < cp->nrecords; i++) {
		r = &cp->records[i];
		snprintf(rep, sizeof(rep), "%u/%u", r->repeat, cp->repeat);
		snprintf(spread, sizeof(spread), "-");
		snprintf(mn, sizeof(mn), "-");
		snprintf(md, sizeof(md), "-");
		snprintf(mx, sizeof(mx), "-");
		if (r->ran > 0) {
			snprintf(spread, sizeof(spread), "%" PRIu64,
			    (uint64_t)(r->spread_ns / NSEC_PER_USEC));
			summary_secs(r->dur_min_ns, mn, sizeof(mn));
			summary_secs(r->dur_med_ns, md, sizeof(md));
			summary_secs(r->dur_max_ns, mx, sizeof(mx));
		}
		summary_out(m, "%-4u  %-*s  %-7s  %-*s  %4d  %6u  %10s  %12s  "
		    "%12s  %12s", r->run + 1, wfile, cp->files[r->file].base,
		    rep, wout, r->outcome, r->code, r->slaves, spread, mn, md,
		    mx);
	}
	summary_across(m);
	summary_out(m, "campaign: %u of %u runs: %s (exit %d): %s",
	    cp->nrecords, cp->runs, cp->outcome, cp->code,
	    cp->why);
}

/* Check i of its answer, as a text of printable ASCII, into buf. */
static const char *
summary_check_text(const struct proto_preflight_item *it, char *buf,
    size_t len)
{
	proto_reason_copy(buf, len, (const uint8_t *)it->text, it->text_len);
	return buf;
}

static const char *
summary_check_name(const struct proto_preflight_item *it, char *buf,
    size_t len)
{
	const char *name = proto_preflight_check_name(it->check);

	if (name != NULL)
		return name;
	snprintf(buf, len, "check %u", it->check);
	return buf;
}

/* A slave's answer, one line: ready, or every check that fails. */
static void
summary_checked(struct master *m, const struct peer *s)
{
	static const char *const verdicts[] = { "ok", "fails", "skipped" };
	struct proto_preflight_ans	 a;
	const char			*why, *sep = "";
	char				*fails = NULL, text[PROTO_REASON_MAX + 1];
	char				 name[32];
	size_t				 flen = 0;
	FILE				*f;
	int				 i;

	if (proto_preflight_ans_decode(s->pf_raw, s->pf_len, &a, &why) == -1)
		return;		/* checked when it came */
	if (s->pf_ready)
		summary_out(m, "preflight: %s: ready", s->label);
	else if ((f = open_memstream(&fails, &flen)) != NULL) {
		for (i = 0; i < a.n; i++) {
			if (a.item[i].verdict != PREFLIGHT_FAILS)
				continue;
			fprintf(f, "%s%s: %s", sep, summary_check_name(
			    &a.item[i], name, sizeof(name)),
			    summary_check_text(&a.item[i], text, sizeof(text)));
			sep = "; ";
		}
		fclose(f);
		summary_out(m, "preflight: %s: not ready: %s", s->label,
		    fails != NULL ? fails : "?");
		free(fails);
	}
	/* -v: each check, whatever its verdict. */
	if (log_get_verbose() < 1)
		return;
	for (i = 0; i < a.n; i++)
		summary_out(m, "preflight:   %s: %s: %s: %s", s->name,
		    summary_check_name(&a.item[i], name, sizeof(name)),
		    verdicts[a.item[i].verdict],
		    summary_check_text(&a.item[i], text, sizeof(text)));
}

void
summary_preflight(struct master *m)
{
	struct peer	*s;
	unsigned	 n = 0, ready = 0;

	TAILQ_FOREACH(s, &m->joined, entry) {
		n++;
		switch (peer_verdict(s)) {
		case VERDICT_READY:
			ready++;
			/* FALLTHROUGH */
		case VERDICT_NOT_READY:
			summary_checked(m, s);
			break;
		case VERDICT_NO_PREFLIGHT:
			summary_out(m, "preflight: %s: cannot preflight (%s)",
			    s->label, s->kind == PEER_KIND_2014 ?
			    "a 2014 slave" : "a slave older than --preflight");
			break;
		case VERDICT_LOST:
			summary_out(m, "preflight: %s: lost: %s", s->label,
			    s->why);
			break;
		default:
			summary_out(m, "preflight: %s: no answer", s->label);
			break;
		}
	}
	summary_out(m, "preflight: %u of %u slaves ready%s", ready, n,
	    ready == n ? "" : " (exit 3)");
}
