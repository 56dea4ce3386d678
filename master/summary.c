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

/*
 * After the table: each figure of the run across its slaves (those that
 * have it), one a line, as the results' "statistics" hold them.
 */
static void
summary_statistics(struct master *m)
{
	struct view_figures	 fs;
	const struct view_figure *f;
	char			 v[7][48];
	size_t			 i;
	int			 w = 0;
	bool			 any = false;

	if (view_figures(m, &fs) == -1)
		return;
	for (i = 0; i < fs.n; i++) {
		if (fs.f[i].st.n == 0)
			continue;
		any = true;
		if ((int)strlen(fs.f[i].name) > w)
			w = (int)strlen(fs.f[i].name);
	}
	if (any)
		summary_out(m, "statistics across slaves (n: slaves with a "
		    "value; stddev of them all; p95 interpolated):");
	for (i = 0; i < fs.n; i++) {
		f = &fs.f[i];
		if (f->st.n == 0)
			continue;
		summary_out(m, "  %-*s  n %u  mean %s  stddev %s  min %s (%s)  "
		    "median %s  p95 %s  max %s (%s)  sum %s%s", w, f->name,
		    f->st.n, summary_si(f->st.mean, f->unit, v[0], sizeof(v[0])),
		    summary_si(f->st.stddev, f->unit, v[1], sizeof(v[1])),
		    summary_si(f->st.min, f->unit, v[2], sizeof(v[2])),
		    f->min_slave->name,
		    summary_si(f->st.median, f->unit, v[3], sizeof(v[3])),
		    summary_si(f->st.p95, f->unit, v[4], sizeof(v[4])),
		    summary_si(f->st.max, f->unit, v[5], sizeof(v[5])),
		    f->max_slave->name,
		    summary_si(f->st.sum, f->unit, v[6], sizeof(v[6])),
		    f->units_differ ? "  (units differ across slaves)" : "");
	}
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
