/*
 * display.c - the live status block, when stdout is a terminal.
 *
 *	synexec run 12.4 s | joined 4/4 | running 3 | finished 1 | failed 0
 *	  alpha     running   12.4 s  iteration 40/100
 *	  bravo     exit 0     9.8 s  done
 *	  ... 2 more (2 running)
 *
 * The block sits below everything printed so far and is redrawn in place:
 * cursor up over the lines drawn last time, each line rewritten and cleared
 * to its end, the rest of the screen cleared.  It never holds more lines
 * than the terminal has rows less one, and no line is as wide as the
 * terminal, so a redraw never wraps nor scrolls.  Redraws come at most every
 * DISPLAY_MIN_REDRAW seconds, from a timer (never from inside the callback
 * that changed something), and every DISPLAY_TICK for the clocks.
 *
 * Anything else printed to the terminal (a "finished:" line, a log line on
 * a terminal stderr) first takes the block off (display_erase); the next
 * redraw puts it back below.  Writes to the terminal block; the block is at
 * most one screen, so such a write is short.
 */
#include <sys/ioctl.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "master.h"
#include "text.h"

#define DISPLAY_NAME_MAX	24	/* name column, at most */

static struct master	*display_master;	/* for the log hook */

static void	display_timer_cb(struct ev_loop *, ev_timer *, int);

static void
display_log_hook(void)
{
	if (display_master != NULL)
		display_erase(display_master);
}

/* The block is kept up to date from now on. */
static void
display_on(struct master *m)
{
	m->v.tty_on = true;
	display_master = m;
	if (m->log_stderr && isatty(STDERR_FILENO))
		log_set_stderr_hook(display_log_hook);
}

void
display_init(struct master *m)
{
	const char *term = getenv("TERM");

	ev_init(&m->v.draw_timer, display_timer_cb);
	m->v.tty = !m->out_log && isatty(STDOUT_FILENO) &&
	    (term == NULL || strcmp(term, "dumb") != 0);
	if (m->v.tty)
		display_on(m);
}

void
display_run_begin(struct master *m)
{
	if (m->v.tty && !m->v.tty_on)
		display_on(m);
	display_update(m);
}

static void
display_size(unsigned *rows, unsigned *cols)
{
	struct winsize	 ws;
	const char	*e;

	*rows = 24;
	*cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
		return;
	}
	/* A pseudo-terminal nobody sized: the usual variables, if set. */
	if ((e = getenv("LINES")) != NULL && atoi(e) > 0)
		*rows = (unsigned)atoi(e);
	if ((e = getenv("COLUMNS")) != NULL && atoi(e) > 0)
		*cols = (unsigned)atoi(e);
}

/*
 * Append one line, made inert (names and progress texts come from slaves:
 * text.h), cut to width, cleared to its end.
 */
static void
display_line(FILE *f, unsigned width, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
display_line(FILE *f, unsigned width, const char *fmt, ...)
{
	char	raw[1024], line[TEXT_INERT_SIZE(sizeof(raw))];
	va_list	ap;
	size_t	n;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	n = text_inert(line, sizeof(line), raw, strlen(raw), 0);
	if (n > width)
		n = width;
	fwrite(line, 1, n, f);
	fputs("\033[K\n", f);
}

static void
display_draw(struct master *m)
{
	struct verdict_counts	 c;
	struct peer		*s;
	unsigned		 rows, cols, width, room, lines = 0, shown = 0;
	unsigned		 more_running = 0;
	int			 wname = 4;
	char			*frame = NULL, st[32];
	size_t			 flen = 0;
	uint64_t		 t0 = m->v.run_mono_ns;
	uint64_t		 now = mono_ns();
	char			 words[PROTO_NAME_MAX + 64], joined[32];
	FILE			*f;

	if (!m->v.tty_on)
		return;
	if ((f = open_memstream(&frame, &flen)) == NULL)
		return;
	display_size(&rows, &cols);
	width = cols > 1 ? cols - 1 : 1;
	/* Never more lines than the screen less one: no scrolling. */
	room = rows > 1 ? rows - 1 : 1;
	verdict_count(m, &c);
	if (m->v.drawn > 0)
		fprintf(f, "\r\033[%uA", m->v.drawn);
	/* A campaign's run first: "run 3 of 10 (fio-4k.session, ...)". */
	if (m->campaign.runs > 1 && lines + 1 < room) {
		display_line(f, width, "%s", view_run_words(m, words,
		    sizeof(words)));
		lines++;
	}
	if (m->pool.open && m->phase == PHASE_DISCOVERY)
		snprintf(joined, sizeof(joined), "%u (all)", c.joined);
	else
		snprintf(joined, sizeof(joined), "%u/%u", c.joined,
		    m->nslaves);
	display_line(f, width, "synexec %s %.1f s | joined %s | running %u "
	    "| finished %u | failed %u", view_phase_name((int)m->phase),
	    now > t0 ? (double)(now - t0) / 1e9 : 0., joined, c.running,
	    c.finished, c.failed);
	lines++;
	TAILQ_FOREACH(s, &m->joined, entry) {
		int l = (int)strlen(s->name);

		if (l > wname)
			wname = l > DISPLAY_NAME_MAX ? DISPLAY_NAME_MAX : l;
	}
	TAILQ_FOREACH(s, &m->joined, entry) {
		/* Keep the last line for "... N more" if some do not fit. */
		if (lines + 1 >= room && shown + 1 < c.joined) {
			if (verdict_is_running(peer_verdict(s)))
				more_running++;
			continue;
		}
		if (lines >= room)
			break;
		display_line(f, width, "  %-*.*s %-11s %7.1f s  %s", wname,
		    wname, s->name, verdict_word(s, st, sizeof(st)),
		    (double)view_elapsed(s) / 1e9,
		    s->v.have_report ? s->v.last.progress : "");
		lines++;
		shown++;
	}
	if (shown < c.joined && lines < room) {
		display_line(f, width, "  ... %u more (%u running)",
		    c.joined - shown, more_running);
		lines++;
	}
	/* What is left of a taller block from last time goes. */
	fputs("\033[J", f);
	fclose(f);
	if (frame != NULL) {
		fwrite(frame, 1, flen, stdout);
		fflush(stdout);
	}
	free(frame);
	m->v.drawn = lines;
	m->v.last_draw = ev_now(m->loop);
}

/* Have the timer fire in delay seconds, unless it fires sooner already. */
static void
display_schedule(struct master *m, double delay)
{
	if (ev_is_active(&m->v.draw_timer) &&
	    ev_timer_remaining(m->loop, &m->v.draw_timer) <= delay)
		return;
	ev_timer_stop(m->loop, &m->v.draw_timer);
	ev_timer_set(&m->v.draw_timer, delay, DISPLAY_TICK);
	ev_timer_start(m->loop, &m->v.draw_timer);
}

void
display_update(struct master *m)
{
	double since;

	if (!m->v.tty_on || m->loop == NULL)
		return;
	since = ev_now(m->loop) - m->v.last_draw;
	display_schedule(m, since >= DISPLAY_MIN_REDRAW ? 0. :
	    DISPLAY_MIN_REDRAW - since);
}

static void
display_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct master	*m = (struct master *)((char *)w -
			    offsetof(struct master, v.draw_timer));
	double		 since = ev_now(loop) - m->v.last_draw;

	(void)revents;
	if (since < DISPLAY_MIN_REDRAW - 0.001) {
		display_schedule(m, DISPLAY_MIN_REDRAW - since);
		return;
	}
	display_draw(m);
}

void
display_erase(struct master *m)
{
	if (!m->v.tty_on || m->v.drawn == 0)
		return;
	printf("\r\033[%uA\033[J", m->v.drawn);
	fflush(stdout);
	m->v.drawn = 0;
	/* Back below whatever is printed now, from the loop. */
	display_update(m);
}

void
display_end(struct master *m)
{
	if (!m->v.tty_on)
		return;
	display_erase(m);
	m->v.tty_on = false;
	if (m->loop != NULL)
		ev_timer_stop(m->loop, &m->v.draw_timer);
	log_set_stderr_hook(NULL);
	display_master = NULL;
}
