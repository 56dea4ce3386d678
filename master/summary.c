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

	if (isnan(v)) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (a == 0 || (a >= 0.01 && a < 10000)) {
		snprintf(buf, len, "%.4g%s%s", v, sp, unit);
		return buf;
	}
	e = (int)floor(log10(a) / 3);
	if (e < -4)
		e = -4;
	if (e > 6)
		e = 6;
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
	unsigned	 n = 0, unknown;
	int		 wname = 4, waddr = 7;
	char		 start[32], dur[32], status[32], tail[96];

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
	summary_out(m, "%u slaves: %u exited 0, %u failed, %u lost; start spread "
	    "%" PRIu64 " us%s", n, c.of[VERDICT_EXIT_0],
	    c.failed - c.of[VERDICT_LOST], c.of[VERDICT_LOST],
	    (uint64_t)((sp.last - sp.first) / NSEC_PER_USEC), tail);
	summary_statistics(m);
}
