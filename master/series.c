/*
 * series.c - a slave's REPORTs as points in time, for the results file's
 * "series": when each came (the master's clock), the task's state, CPU so
 * far, output bytes so far, and the value of each of its metrics then.
 *
 * Bounded.  A series keeps at most `most` points: SERIES_POINTS_MAX, or
 * fewer where its share of SERIES_BUDGET_BYTES (the master's budget for
 * the series of all its slaves, cut in equal shares) would not hold that
 * many at its width (a point costs sizeof(struct series_point) and a
 * double per metric), but never fewer than SERIES_POINTS_MIN.
 *
 * Thinned evenly.  Points are offered in order, numbered from 0; a series
 * keeps those whose number is a multiple of its stride (1 at first), and
 * always the newest one.  When it holds more than `most`, its stride
 * doubles and every other point kept goes: after that only every second
 * report becomes a point, then every fourth, and so on.  The points kept
 * are so always evenly spread over the whole run, the first and the
 * newest among them, at least `most` / 2 of them once thinning began.
 *
 * Each point holds the values of the metrics as they were when it came
 * (NaN for a metric not seen yet): a point dropped takes nothing with it
 * that a later point does not show.  No I/O; unit-tested alone
 * (tests/unit/test_series.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

void
series_init(struct series *s, size_t budget)
{
	memset(s, 0, sizeof(*s));
	s->budget = budget;
	s->stride = 1;
	s->most = series_most(budget, 0);
}

size_t
series_most(size_t budget, unsigned width)
{
	size_t most = budget / (sizeof(struct series_point) +
	    width * sizeof(double));

	if (most > SERIES_POINTS_MAX)
		most = SERIES_POINTS_MAX;
	if (most < SERIES_POINTS_MIN)
		most = SERIES_POINTS_MIN;
	return most;
}

/* Keep point `from` at place `to` (to <= from). */
static void
series_move(struct series *s, size_t to, size_t from)
{
	unsigned c;

	if (to == from)
		return;
	s->pt[to] = s->pt[from];
	for (c = 0; c < s->ncol; c++)
		s->col[c][to] = s->col[c][from];
}

/*
 * Every other point on the stride goes, the stride doubles; the newest
 * point stays, as the tail if it is no longer on the stride.
 */
static void
series_thin(struct series *s)
{
	size_t	on = s->tail ? s->n - 1 : s->n;	/* points on the stride */
	size_t	k, kept = 0;
	bool	tail;

	/* The newest: the tail already, or on the stride at an odd place. */
	tail = s->tail || (on - 1) % 2 == 1;
	for (k = 0; k < on; k += 2)
		series_move(s, kept++, k);
	if (tail)
		series_move(s, kept++, s->n - 1);
	s->n = kept;
	s->tail = tail;
	s->stride *= 2;
}

/* Room for one more point: the arrays grow, up to most + 1. */
static int
series_room(struct series *s)
{
	struct series_point	*pt;
	double			*col;
	size_t			 alloc;
	unsigned		 c;

	if (s->n < s->alloc)
		return 0;
	alloc = s->alloc == 0 ? 16 : 2 * s->alloc;
	if (alloc > s->most + 1)
		alloc = s->most + 1;
	if (alloc <= s->n)
		alloc = s->n + 1;
	if ((pt = reallocarray(s->pt, alloc, sizeof(*pt))) == NULL)
		return -1;
	s->pt = pt;
	for (c = 0; c < s->ncol; c++) {
		if ((col = reallocarray(s->col[c], alloc, sizeof(*col))) ==
		    NULL)
			return -1;
		s->col[c] = col;
	}
	s->alloc = alloc;
	return 0;
}

/* A new metric: its column, NaN at the points before it came. */
static int
series_column(struct series *s)
{
	double	*col;
	size_t	 i;

	if (s->ncol >= SERIES_COLUMNS_MAX)
		return -1;
	if ((col = calloc(s->alloc > 0 ? s->alloc : 1, sizeof(*col))) ==
	    NULL)
		return -1;
	for (i = 0; i < s->n; i++)
		col[i] = NAN;
	s->col[s->ncol++] = col;
	s->most = series_most(s->budget, s->ncol);
	return 0;
}

int
series_add(struct series *s, const struct series_point *p,
    const double *vals, unsigned nvals)
{
	uint64_t	number = s->offered++;
	unsigned	c;

	while (s->ncol < nvals && s->ncol < SERIES_COLUMNS_MAX)
		if (series_column(s) == -1)
			return -1;
	/* The tail was the newest: this one is newer. */
	if (s->tail) {
		s->n--;
		s->tail = false;
	}
	if (series_room(s) == -1)
		return -1;
	s->pt[s->n] = *p;
	for (c = 0; c < s->ncol; c++)
		s->col[c][s->n] = c < nvals ? vals[c] : NAN;
	s->n++;
	s->tail = number % s->stride != 0;
	while (s->n > s->most)
		series_thin(s);
	return 0;
}

void
series_free(struct series *s)
{
	unsigned c;

	for (c = 0; c < s->ncol; c++)
		free(s->col[c]);
	free(s->pt);
	memset(s, 0, sizeof(*s));
}
