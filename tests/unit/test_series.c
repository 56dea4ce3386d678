/*
 * test_series.c - a slave's REPORTs as points (master/series.c): every
 * point kept up to the bound, then thinned evenly (the first and the
 * newest always kept, the others at one stride, at least half the bound),
 * the bound from the budget and the width, and each metric's value at
 * each point (NaN before it came).
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

/* Offer points numbered from..to-1 (the number in mono_ns and cpu_us). */
static void
offer(struct series *s, uint64_t from, uint64_t to, unsigned nvals)
{
	struct series_point	p;
	double			v[SERIES_COLUMNS_MAX];
	uint64_t		i;
	unsigned		c;

	for (i = from; i < to; i++) {
		memset(&p, 0, sizeof(p));
		p.mono_ns = i;
		p.cpu_us = i;
		p.state = TASK_STATE_RUNNING;
		for (c = 0; c < nvals; c++)
			v[c] = (double)(i * 100 + c);
		assert_int_equal(series_add(s, &p, v, nvals), 0);
	}
}

/* The points kept: the first is 0, the last is newest, the others on one
 * stride; between half the bound and the bound of them. */
static void
check_even(const struct series *s, uint64_t offered)
{
	size_t		i, on = s->tail ? s->n - 1 : s->n;
	uint64_t	step;

	assert_true(s->n <= s->most);
	assert_int_equal(s->pt[0].mono_ns, 0);
	assert_int_equal(s->pt[s->n - 1].mono_ns, offered - 1);
	step = on > 1 ? s->pt[1].mono_ns : 1;
	assert_int_equal(step, s->stride);
	for (i = 0; i < on; i++)
		if (s->pt[i].mono_ns != i * step)
			fail_msg("point %zu is number %llu, not %llu", i,
			    (unsigned long long)s->pt[i].mono_ns,
			    (unsigned long long)(i * step));
	if (offered > s->most)
		assert_true(s->n >= s->most / 2);
	/* The stride is the smallest that fits. */
	assert_true((offered - 1) / step + 1 <= s->most ||
	    (offered - 1) / step + 2 <= s->most + 1);
}

static void
test_all_kept_below_the_bound(void **state)
{
	struct series	s;
	size_t		i;

	(void)state;
	series_init(&s, 0);
	assert_int_equal(s.most, SERIES_POINTS_MIN);
	offer(&s, 0, SERIES_POINTS_MIN, 0);
	assert_int_equal(s.n, SERIES_POINTS_MIN);
	assert_int_equal(s.stride, 1);
	for (i = 0; i < s.n; i++)
		assert_int_equal(s.pt[i].cpu_us, i);
	series_free(&s);
}

static void
test_thinned_evenly(void **state)
{
	struct series	s;
	uint64_t	n;

	(void)state;
	series_init(&s, 0);
	/* Every count from the bound to far past it. */
	for (n = 1; n <= 5000; n++) {
		offer(&s, n - 1, n, 0);
		check_even(&s, n);
	}
	series_free(&s);
	/* The real bound: 25,000 reports, at most 10,000 points. */
	series_init(&s, SIZE_MAX / 2);
	assert_int_equal(s.most, SERIES_POINTS_MAX);
	offer(&s, 0, 25000, 1);
	check_even(&s, 25000);
	assert_int_equal(s.stride, 4);
	assert_true(s.n <= SERIES_POINTS_MAX && s.n >= 6250);
	series_free(&s);
}

static void
test_metric_columns(void **state)
{
	struct series	s;

	(void)state;
	series_init(&s, SIZE_MAX / 2);
	offer(&s, 0, 3, 0);
	offer(&s, 3, 5, 2);
	offer(&s, 5, 6, 1);	/* a slave that sends fewer: NaN */
	assert_int_equal(s.ncol, 2);
	assert_true(isnan(s.col[0][0]) && isnan(s.col[1][2]));
	assert_true(s.col[0][3] == 300 && s.col[1][3] == 301);
	assert_true(s.col[0][4] == 400 && s.col[1][4] == 401);
	assert_true(s.col[0][5] == 500 && isnan(s.col[1][5]));
	series_free(&s);
}

/* A narrow budget: fewer points, and fewer again as metrics come. */
static void
test_budget_and_width(void **state)
{
	struct series	s;
	size_t		pt = sizeof(struct series_point);

	(void)state;
	assert_int_equal(series_most(0, 0), SERIES_POINTS_MIN);
	assert_int_equal(series_most(SIZE_MAX / 2, 64), SERIES_POINTS_MAX);
	assert_int_equal(series_most(pt * 1000, 0), 1000);
	assert_int_equal(series_most((pt + 8) * 1000, 1), 1000);
	series_init(&s, pt * 1000);
	offer(&s, 0, 1000, 0);
	assert_int_equal(s.n, 1000);
	assert_int_equal(s.stride, 1);
	/* Four metrics: a point costs 32 bytes more; the series thins. */
	offer(&s, 1000, 1001, 4);
	assert_int_equal(s.most, series_most(pt * 1000, 4));
	assert_true(s.n <= s.most);
	check_even(&s, 1001);
	/* The values of the newest point are its own. */
	assert_true(s.col[3][s.n - 1] == 1000 * 100 + 3);
	series_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_kept_below_the_bound),
		cmocka_unit_test(test_thinned_evenly),
		cmocka_unit_test(test_metric_columns),
		cmocka_unit_test(test_budget_and_width),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
