/*
 * test_stats.c - the statistics of master/stats.c against values computed
 * independently: Python 3's statistics module (fmean, pstdev, median,
 * quantiles(n=20, method="inclusive")[18] for the 95th percentile, stdev
 * for the sample standard deviation across runs), printed when this test
 * was written and copied here as numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "master.h"

/* Equal to within 1e-12 of the larger magnitude (NaN equals NaN). */
static void
near(double got, double want, const char *what)
{
	double tol = 1e-12 * fmax(1.0, fmax(fabs(got), fabs(want)));

	if (isnan(want) && isnan(got))
		return;
	if (!(fabs(got - want) <= tol))
		fail_msg("%s: %.17g, expected %.17g", what, got, want);
}

struct expect {
	const char	*name;
	double		 v[20];
	size_t		 n;
	double		 sum, mean, pstdev, median, p95, min, max;
	uint32_t	 min_who, max_who;
};

static const struct expect sets[] = {
	{ "one", { 2.5 }, 1, 2.5, 2.5, 0.0, 2.5, 2.5, 2.5, 2.5, 0, 0 },
	{ "two", { 1.0, 4.0 }, 2, 5.0, 2.5, 1.5, 2.5, 3.85, 1.0, 4.0, 0, 1 },
	{ "five", { 3.2, 1.5, 9.75, -2.0, 4.0 }, 5, 16.45, 3.29,
	  3.832283914325764, 3.2, 8.6, -2.0, 9.75, 3, 2 },
	/* Ties: the first slave with the min and the max. */
	{ "ties", { 7, 7, 3, 7, 3, 1 }, 6, 28, 4.666666666666667,
	  2.4267032964268394, 5.0, 7.0, 1, 7, 5, 0 },
	{ "twenty", { 0.0, 14.25, 5.5, 19.75, 11.0, 2.25, 16.5, 7.75, 22.0,
	  13.25, 4.5, 18.75, 10.0, 24.25, 15.5, 6.75, 21.0, 12.25, 26.5,
	  17.75 }, 20, 269.5, 13.475, 7.2933617077449275, 13.75, 24.3625,
	  0.0, 26.5, 0, 18 },
	/* A large common offset: the deviation keeps its microseconds. */
	{ "epoch", { 1700000000.000001, 1700000000.000004, 1700000000.000002,
	  1700000000.000009 }, 4, 6800000000.000015, 1700000000.000004,
	  3.1330732347849427e-06, 1700000000.0000029, 1700000000.000008,
	  1700000000.000001, 1700000000.000009, 0, 3 },
};

static void
test_across_slaves(void **state)
{
	struct stats_value	v[20];
	struct stats		st;
	size_t			i, k;

	(void)state;
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		const struct expect *e = &sets[i];

		for (k = 0; k < e->n; k++) {
			v[k].v = e->v[k];
			v[k].who = (uint32_t)k;
		}
		stats_compute(v, e->n, &st);
		print_message("%s: n %u mean %.17g stddev %.17g p95 %.17g\n",
		    e->name, st.n, st.mean, st.stddev, st.p95);
		assert_int_equal(st.n, e->n);
		near(st.sum, e->sum, "sum");
		near(st.mean, e->mean, "mean");
		if (strcmp(e->name, "epoch") == 0)
			/* 1e-12 of 1.7e9 would hide it: to 1% of itself. */
			assert_true(fabs(st.stddev - e->pstdev) < 0.01 * e->pstdev);
		else
			near(st.stddev, e->pstdev, "stddev");
		near(st.median, e->median, "median");
		near(st.p95, e->p95, "p95");
		near(st.min, e->min, "min");
		near(st.max, e->max, "max");
		assert_int_equal(st.min_who, e->min_who);
		assert_int_equal(st.max_who, e->max_who);
	}
}

static void
test_no_values(void **state)
{
	struct stats		st;
	struct stats_value	v[1];

	(void)state;
	stats_compute(v, 0, &st);
	assert_int_equal(st.n, 0);
	assert_true(isnan(st.mean) && isnan(st.sum) && isnan(st.p95) &&
	    isnan(st.min) && isnan(st.max) && isnan(st.stddev));
	assert_true(isnan(stats_quantile(v, 0, 0.5)));
}

/* The order given does not matter; "who" goes with its value. */
static void
test_order_and_who(void **state)
{
	struct stats_value	v[5] = { { 5, 10 }, { 1, 11 }, { 4, 12 },
				    { 2, 13 }, { 3, 14 } };
	struct stats		st;

	(void)state;
	stats_compute(v, 5, &st);
	assert_int_equal(st.min_who, 11);
	assert_int_equal(st.max_who, 10);
	near(st.median, 3, "median");
	near(st.p95, 4.8, "p95");
	/* Sorted on return. */
	assert_true(v[0].v == 1 && v[0].who == 11 && v[4].v == 5);
	near(stats_quantile(v, 5, 0), 1, "q0");
	near(stats_quantile(v, 5, 1), 5, "q1");
	near(stats_quantile(v, 5, 0.25), 2, "q25");
}

struct expect_across {
	double		v[4];
	size_t		n;
	unsigned	count;
	double		mean, stddev, cv, min, max;
};

static void
test_across_runs(void **state)
{
	static const struct expect_across e[] = {
		{ { 10.0, 12.0, 14.5 }, 3, 3, 12.166666666666666,
		  2.254624876411447, 0.1853116336776532, 10.0, 14.5 },
		{ { 5.0 }, 1, 1, 5.0, NAN, NAN, 5.0, 5.0 },
		{ { -2.0, -4.0 }, 2, 2, -3.0, 1.4142135623730951,
		  0.47140452079103173, -4.0, -2.0 },
		{ { 1.0, -1.0 }, 2, 2, 0.0, 1.4142135623730951, NAN, -1.0,
		  1.0 },
		/* A run without the figure is left out. */
		{ { 10.0, NAN, 12.0, 14.5 }, 4, 3, 12.166666666666666,
		  2.254624876411447, 0.1853116336776532, 10.0, 14.5 },
		{ { NAN }, 1, 0, NAN, NAN, NAN, NAN, NAN },
	};
	struct stats_across	a;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		stats_across(e[i].v, e[i].n, &a);
		assert_int_equal(a.n, e[i].count);
		near(a.mean, e[i].mean, "mean");
		near(a.stddev, e[i].stddev, "stddev");
		near(a.cv, e[i].cv, "cv");
		near(a.min, e[i].min, "min");
		near(a.max, e[i].max, "max");
	}
}

/*
 * Values up to DBL_MAX, as a metric may be: the mean and the deviation of
 * finite values stay finite (summed scaled down); only a sum beyond a
 * double is infinite.  Across runs an infinite total is no value.
 */
static void
test_huge(void **state)
{
	struct stats_value	 v[3] = { { 1.7e308, 0 }, { 1.7e308, 1 },
				    { 1.7e308, 2 } };
	struct stats_value	 w[2] = { { 1.7e308, 0 }, { -1.7e308, 1 } };
	struct stats		 st;
	struct stats_across	 a;
	const double		 runs[3] = { INFINITY, 1.7e308, 1.7e308 };

	(void)state;
	stats_compute(v, 3, &st);
	assert_true(st.mean == 1.7e308);
	assert_true(st.stddev == 0);
	assert_true(isinf(st.sum));
	assert_true(st.median == 1.7e308 && st.p95 == 1.7e308);
	stats_compute(w, 2, &st);
	assert_true(st.mean == 0);
	assert_true(fabs(st.stddev - 1.7e308) < 1e293);
	stats_across(runs, 3, &a);
	assert_int_equal(a.n, 2);
	assert_true(a.mean == 1.7e308);
	assert_true(a.stddev == 0 && a.cv == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_across_slaves),
		cmocka_unit_test(test_no_values),
		cmocka_unit_test(test_order_and_who),
		cmocka_unit_test(test_across_runs),
		cmocka_unit_test(test_huge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
