/*
 * stats.c - the statistics of a figure (a task's duration, its CPU, a
 * metric...): across the slaves of a run, and across the runs of a
 * campaign.  Pure arithmetic, no I/O, unit-tested alone against values
 * computed another way (tests/unit/test_stats.c).
 *
 * Across the slaves of a run (stats_compute): n, sum, mean, the
 * POPULATION standard deviation (divided by n: the slaves of a run are
 * all there is, not a sample of them), min and max with the first slave
 * (in the results' order) that has each, the median and the 95th
 * percentile.  Percentiles by linear interpolation between the closest
 * ranks: for q in [0, 1] of n sorted values x[0..n-1], h = q (n - 1) and
 * the percentile is x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h])
 * (numpy's default, R's type 7, Excel's PERCENTILE.INC, Python's
 * statistics.quantiles(method="inclusive")); the median is its q = 0.5,
 * the middle value or the mean of the two middle ones.
 *
 * Across the runs of a campaign (stats_across), of each run's total or
 * mean of a figure: n, mean, the SAMPLE standard deviation (divided by
 * n - 1: the runs are a sample of what another run would give; undefined
 * for one run), the coefficient of variation (stddev / |mean|; undefined
 * for one run or a mean of 0), min and max.  Undefined is NaN here, null
 * in the results.
 *
 * Sums and squares in double, two passes (mean, then the deviations from
 * it), so that a large common offset (times since the epoch) costs no
 * precision in the deviation.  Values beyond STATS_SCALE_ABOVE (a metric
 * may be up to DBL_MAX) are summed scaled down by the largest, so that the
 * mean and the deviation of finite values stay finite; a sum beyond
 * DBL_MAX is infinite (null in the results, "-" in the summary).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

#define STATS_SCALE_ABOVE	1e150

/* What to divide by before summing values as large as min and max. */
static double
stats_scale(double min, double max)
{
	double m = fmax(fabs(min), fabs(max));

	return m > STATS_SCALE_ABOVE ? m : 1;
}

static int
stats_cmp(const void *a, const void *b)
{
	const struct stats_value *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return x->who < y->who ? -1 : x->who > y->who;
}

double
stats_quantile(const struct stats_value *sorted, size_t n, double q)
{
	double	h, lo;
	size_t	i;

	if (n == 0)
		return NAN;
	if (q <= 0)
		return sorted[0].v;
	if (q >= 1)
		return sorted[n - 1].v;
	h = q * (double)(n - 1);
	lo = floor(h);
	i = (size_t)lo;
	if (i + 1 >= n)
		return sorted[n - 1].v;
	return sorted[i].v + (h - lo) * (sorted[i + 1].v - sorted[i].v);
}

void
stats_compute(struct stats_value *v, size_t n, struct stats *st)
{
	double	dev = 0, sum = 0, mean, k;
	size_t	i;

	memset(st, 0, sizeof(*st));
	st->n = (unsigned)n;
	if (n == 0) {
		st->sum = st->mean = st->stddev = st->min = st->median =
		    st->p95 = st->max = NAN;
		return;
	}
	/* min and max: the first slave that has each, in the given order. */
	st->min = st->max = v[0].v;
	st->min_who = st->max_who = v[0].who;
	for (i = 0; i < n; i++) {
		if (v[i].v < st->min || (v[i].v == st->min &&
		    v[i].who < st->min_who)) {
			st->min = v[i].v;
			st->min_who = v[i].who;
		}
		if (v[i].v > st->max || (v[i].v == st->max &&
		    v[i].who < st->max_who)) {
			st->max = v[i].v;
			st->max_who = v[i].who;
		}
	}
	k = stats_scale(st->min, st->max);
	for (i = 0; i < n; i++)
		sum += v[i].v / k;
	mean = sum / (double)n;
	for (i = 0; i < n; i++)
		dev += (v[i].v / k - mean) * (v[i].v / k - mean);
	st->sum = sum * k;
	st->mean = mean * k;
	st->stddev = sqrt(dev / (double)n) * k;
	qsort(v, n, sizeof(*v), stats_cmp);
	st->median = stats_quantile(v, n, 0.5);
	st->p95 = stats_quantile(v, n, 0.95);
}

void
stats_across(const double *v, size_t n, struct stats_across *a)
{
	double	dev = 0, sum = 0, mean, k;
	size_t	i;

	memset(a, 0, sizeof(*a));
	a->mean = a->stddev = a->cv = a->min = a->max = NAN;
	for (i = 0; i < n; i++) {
		if (!isfinite(v[i]))
			continue;	/* a run without the figure */
		if (a->n == 0 || v[i] < a->min)
			a->min = v[i];
		if (a->n == 0 || v[i] > a->max)
			a->max = v[i];
		a->n++;
	}
	if (a->n == 0)
		return;
	k = stats_scale(a->min, a->max);
	for (i = 0; i < n; i++)
		if (isfinite(v[i]))
			sum += v[i] / k;
	mean = sum / a->n;
	a->mean = mean * k;
	if (a->n < 2)
		return;
	for (i = 0; i < n; i++)
		if (isfinite(v[i]))
			dev += (v[i] / k - mean) * (v[i] / k - mean);
	a->stddev = sqrt(dev / (a->n - 1)) * k;
	if (a->mean != 0)
		a->cv = a->stddev / fabs(a->mean);
}
