/*
 * progress.c - the task's progress channel.
 *
 * The task finds the write end of a pipe at descriptor SYNEXEC_PROGRESS_FD;
 * each line it writes there ("iteration 40/100", "42%") becomes its progress
 * text.  The slave reads the pipe whenever it is readable, so the pipe never
 * fills and a task's write never waits for us, and keeps only the latest
 * whole line (its first PROTO_PROGRESS_MAX bytes): memory stays bounded
 * whatever the task writes.  '\r' ends a line as '\n' does, so progress bars
 * that redraw a line in place work; empty lines are ignored.  Bytes that are
 * not printable ASCII become '?'.
 *
 * A line "metric NAME=VALUE [UNIT]" sets a metric instead (NOTES section 5):
 * NAME 1..64 of [A-Za-z0-9_.:-], VALUE a finite decimal number, UNIT an
 * optional word of at most 16 printable characters; blanks (spaces, tabs)
 * apart.  The latest value of a name wins, unit and all.  The first 64
 * names are kept; a line that brings a 65th is refused.  A line that is
 * not a metric as it should be (a malformed one, or a 65th name) is
 * ignored and never becomes the progress text; the first of each kind is
 * said in the log and kept for the master (METRICS), the others are
 * ignored in silence.  Everything is bounded: 64 metrics, two complaints.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "progress.h"

/* Reads per wake-up: the loop serves the master between them. */
#define PROGRESS_READS	16

static void	progress_read_cb(struct ev_loop *, ev_io *, int);

void
progress_init(struct progress *p, struct ev_loop *loop)
{
	memset(p, 0, sizeof(*p));
	p->loop = loop;
	p->fd = -1;
	ev_io_init(&p->io, progress_read_cb, -1, EV_READ);
}

int
progress_open(struct progress *p, int *wr)
{
	int fds[2];

	progress_close(p);
	p->line[0] = '\0';
	p->part_len = 0;
	p->part_cut = p->part_odd = false;
	p->lines = 0;
	/* A new task: its own metrics (gen goes on, for report.c's mark). */
	p->nmetric = 0;
	p->metric_lines = 0;
	memset(p->error_gen, 0, sizeof(p->error_gen));
	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	(void)fcntl(fds[0], F_SETFL, O_NONBLOCK);
	p->fd = fds[0];
	*wr = fds[1];
	ev_io_set(&p->io, p->fd, EV_READ);
	ev_io_start(p->loop, &p->io);
	return 0;
}

void
progress_close(struct progress *p)
{
	if (p->fd == -1)
		return;
	ev_io_stop(p->loop, &p->io);
	close(p->fd);
	p->fd = -1;
}

/* The first complaint of a kind: kept for the master, said in the log. */
static void
progress_complain(struct progress *p, enum proto_metric_error kind,
    const char *fmt, ...)
{
	char	*e = p->error[kind - 1];
	va_list	 ap;

	if (p->error_gen[kind - 1] != 0)
		return;		/* said already for this task */
	va_start(ap, fmt);
	vsnprintf(e, PROTO_METRIC_ERROR_MAX + 1, fmt, ap);
	va_end(ap);
	p->error_gen[kind - 1] = ++p->gen;
	log_warnx("task's progress channel: %s", e);
}

/* s[0..len) a decimal number (no hex, inf, nan), finite: its value. */
static bool
progress_decimal(const char *s, size_t len, double *v)
{
	char	buf[PROTO_PROGRESS_MAX + 1], *end;
	size_t	i = 0, digits = 0, exp_digits = 0;

	if (len == 0 || len >= sizeof(buf))
		return false;
	if (s[i] == '+' || s[i] == '-')
		i++;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		digits++;
	if (i < len && s[i] == '.')
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
	if (digits == 0)
		return false;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			exp_digits++;
		if (exp_digits == 0)
			return false;
	}
	if (i != len)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	*v = strtod(buf, &end);
	return end == buf + len && isfinite(*v);
}

/* The next word of line[*at..len): its start and length (0: none left). */
static size_t
progress_word(const char *line, size_t len, size_t *at, const char **w)
{
	size_t i = *at, n = 0;

	while (i < len && line[i] == ' ')
		i++;
	*w = line + i;
	while (i + n < len && line[i + n] != ' ')
		n++;
	*at = i + n;
	return n;
}

/* "metric NAME=VALUE [UNIT]": a metric set, or a complaint. */
static void
progress_metric_line(struct progress *p, const char *line, size_t len,
    bool cut, bool odd)
{
	struct progress_metric	*pm;
	const char		*name, *eq = NULL, *unit = NULL, *more, *why = NULL;
	char			 what[160];
	size_t			 at = strlen("metric"), n, nlen = 0, vlen;
	size_t			 ulen = 0, i;
	double			 v = 0;

	if (cut)
		why = "longer than 255 bytes";
	else if (odd)
		why = "it holds a byte that is not printable ASCII";
	else if ((n = progress_word(line, len, &at, &name)) == 0)
		why = "no NAME=VALUE after \"metric\"";
	else if ((eq = memchr(name, '=', n)) == NULL)
		why = "no '=' between NAME and VALUE";
	else if (!proto_metric_name_ok(name, nlen = (size_t)(eq - name)))
		why = "NAME is not 1 to 64 of " PROTO_METRIC_NAME_CHARS;
	else if (!progress_decimal(eq + 1, vlen = n - nlen - 1, &v)) {
		snprintf(what, sizeof(what), "VALUE \"%.*s\" is not a finite "
		    "decimal number", (int)(vlen > 64 ? 64 : vlen), eq + 1);
		why = what;
	} else if ((ulen = progress_word(line, len, &at, &unit)) >
	    PROTO_METRIC_UNIT_MAX) {
		snprintf(what, sizeof(what), "UNIT \"%.*s\" is longer than "
		    "%d characters", (int)(ulen > 64 ? 64 : ulen), unit,
		    PROTO_METRIC_UNIT_MAX);
		why = what;
	} else if (progress_word(line, len, &at, &more) > 0)
		why = "more than one word (the UNIT) after NAME=VALUE";
	if (why != NULL) {
		progress_complain(p, METRIC_ERROR_MALFORMED, "malformed metric "
		    "line \"%.*s\": %s (only the first malformed line is "
		    "reported)", (int)len, line, why);
		return;
	}
	for (i = 0, pm = NULL; i < p->nmetric && pm == NULL; i++)
		if (strncmp(p->metric[i].m.name, name, nlen) == 0 &&
		    p->metric[i].m.name[nlen] == '\0')
			pm = &p->metric[i];
	if (pm == NULL) {
		if (p->nmetric == PROTO_METRICS_MAX) {
			progress_complain(p, METRIC_ERROR_TOO_MANY, "metric "
			    "\"%.*s\" refused: a task keeps at most %d metric "
			    "names (the first %d; this and later new names "
			    "are ignored)", (int)nlen, name, PROTO_METRICS_MAX,
			    PROTO_METRICS_MAX);
			return;
		}
		pm = &p->metric[p->nmetric++];
		memcpy(pm->m.name, name, nlen);
		pm->m.name[nlen] = '\0';
	}
	/* The latest line wins: its value and its unit (or none). */
	memcpy(pm->m.unit, unit != NULL ? unit : "", ulen);
	pm->m.unit[ulen] = '\0';
	pm->m.value = v;
	pm->gen = ++p->gen;
	p->metric_lines++;
}

static void
progress_line_done(struct progress *p)
{
	bool cut = p->part_cut, odd = p->part_odd;

	p->part_cut = p->part_odd = false;
	if (p->part_len == 0)
		return;
	p->part[p->part_len] = '\0';
	p->lines++;
	/* "metric" alone, or followed by a blank: a metric line. */
	if (strncmp(p->part, "metric", 6) == 0 && (p->part_len == 6 ||
	    p->part[6] == ' ')) {
		progress_metric_line(p, p->part, p->part_len, cut, odd);
		p->part_len = 0;
		return;
	}
	memcpy(p->line, p->part, p->part_len + 1);
	p->part_len = 0;
}

void
progress_feed(struct progress *p, const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint8_t c = b[i];

		if (c == '\n' || c == '\r') {
			progress_line_done(p);
			continue;
		}
		/* Past the limit the rest of the line is dropped (NOTES). */
		if (p->part_len >= PROTO_PROGRESS_MAX) {
			p->part_cut = true;
			continue;
		}
		if (c == '\t')
			c = ' ';
		else if (c < 0x20 || c >= 0x7f) {
			c = '?';
			p->part_odd = true;
		}
		p->part[p->part_len++] = (char)c;
	}
}

void
progress_eof(struct progress *p)
{
	progress_line_done(p);
}

/* Read until the pipe is empty (or PROGRESS_READS reads); EOF closes it. */
static void
progress_read(struct progress *p, int max_reads)
{
	uint8_t	buf[4096];
	ssize_t	n;
	int	i;

	for (i = 0; p->fd != -1 && i < max_reads; i++) {
		n = read(p->fd, buf, sizeof(buf));
		if (n > 0) {
			progress_feed(p, buf, (size_t)n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == -1)
			log_warn("progress channel");
		/* EOF: every writer is gone; an unended last line counts. */
		progress_eof(p);
		progress_close(p);
	}
}

static void
progress_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct progress *p = (struct progress *)((char *)w -
	    offsetof(struct progress, io));

	(void)loop;
	(void)revents;
	progress_read(p, PROGRESS_READS);
}

/*
 * The task's first process is gone: take what it wrote last.  Bounded (the
 * pipe holds at most 64 KiB unless someone still writes); processes it left
 * behind may go on writing, and are read as they do until the session ends.
 */
void
progress_drain(struct progress *p)
{
	progress_read(p, 64);
}

unsigned
progress_metrics_since(const struct progress *p, uint64_t since,
    struct proto_metrics *out, uint64_t *gen_now)
{
	unsigned i;

	out->n = out->nerr = 0;
	for (i = 0; i < p->nmetric; i++)
		if (p->metric[i].gen > since)
			out->m[out->n++] = p->metric[i].m;
	for (i = 0; i < METRIC_ERROR_KINDS; i++) {
		if (p->error_gen[i] <= since)
			continue;
		out->err[out->nerr].kind = (uint8_t)(i + 1);
		snprintf(out->err[out->nerr].text,
		    sizeof(out->err[out->nerr].text), "%s", p->error[i]);
		out->nerr++;
	}
	if (gen_now != NULL)
		*gen_now = p->gen;
	return (unsigned)out->n + out->nerr;
}
