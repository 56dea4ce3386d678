/*
 * test_progress.c - the task's progress channel, split into lines: the
 * latest whole line wins, '\n' and '\r' end a line, empty lines are
 * skipped, a long line is cut at PROTO_PROGRESS_MAX bytes, other bytes than
 * printable ASCII become '?', and the last line counts at EOF.  Metric
 * lines ("metric NAME=VALUE [UNIT]", NOTES section 5): set, the latest
 * wins, 64 names at most, malformed ones refused and said once, never the
 * progress text; what changed since a mark, as METRICS carries it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include <unistd.h>

#include "slave.h"

#define assert_has(text, word) do {					\
	if (strstr((text), (word)) == NULL)				\
		fail_msg("'%s' lacks '%s'", (text), (word));		\
} while (0)

static void
feed(struct progress *p, const char *s)
{
	progress_feed(p, (const uint8_t *)s, strlen(s));
}

static void
test_latest_line(void **state)
{
	struct progress p;

	(void)state;
	progress_init(&p, NULL);
	feed(&p, "iteration 1/3\niteration 2/3\nitera");
	assert_string_equal(p.line, "iteration 2/3");
	/* A line split across reads is one line. */
	feed(&p, "tion 3/3\n");
	assert_string_equal(p.line, "iteration 3/3");
	assert_int_equal(p.lines, 3);
}

static void
test_carriage_return_and_empty(void **state)
{
	struct progress p;

	(void)state;
	progress_init(&p, NULL);
	feed(&p, "10%\r20%\r30%\r\n\n\r\n");
	assert_string_equal(p.line, "30%");
	assert_int_equal(p.lines, 3);
}

static void
test_long_line_cut(void **state)
{
	struct progress	p;
	char		big[1000];

	(void)state;
	progress_init(&p, NULL);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	feed(&p, big);
	feed(&p, "\n");
	assert_int_equal(strlen(p.line), PROTO_PROGRESS_MAX);
	/* The next line starts afresh. */
	feed(&p, "short\n");
	assert_string_equal(p.line, "short");
}

static void
test_unprintable(void **state)
{
	struct progress p;

	(void)state;
	progress_init(&p, NULL);
	feed(&p, "a\tb\001c\x7f" "d\xc3\xa9\n");
	assert_string_equal(p.line, "a b?c?d??");
}

static void
test_eof_counts_the_last_line(void **state)
{
	struct progress p;

	(void)state;
	progress_init(&p, NULL);
	feed(&p, "done\nalmost");
	assert_string_equal(p.line, "done");
	progress_eof(&p);
	assert_string_equal(p.line, "almost");
	/* Nothing pending: EOF changes nothing. */
	progress_eof(&p);
	assert_string_equal(p.line, "almost");
}

static struct progress	P;
static struct proto_metrics M;

/* The metric called name, or NULL. */
static const struct proto_metric *
metric(const struct progress *p, const char *name)
{
	unsigned i;

	for (i = 0; i < p->nmetric; i++)
		if (strcmp(p->metric[i].m.name, name) == 0)
			return &p->metric[i].m;
	return NULL;
}

static void
test_metric_lines(void **state)
{
	struct progress			*p = &P;
	const struct proto_metric	*m;

	(void)state;
	progress_init(p, NULL);
	feed(p, "step 1/3\nmetric ops=12\nmetric lat.p99:ms-x_y=-3.5 ms\n"
	    "metric\tbig=1.2e6\t \tops/s  \n");
	/* The progress text is the last line that is not a metric. */
	assert_string_equal(p->line, "step 1/3");
	assert_int_equal(p->nmetric, 3);
	assert_int_equal(p->metric_lines, 3);
	m = metric(p, "ops");
	assert_non_null(m);
	assert_true(m->value == 12);
	assert_string_equal(m->unit, "");
	m = metric(p, "lat.p99:ms-x_y");
	assert_non_null(m);
	assert_true(m->value == -3.5);
	assert_string_equal(m->unit, "ms");
	m = metric(p, "big");
	assert_true(m->value == 1.2e6);
	assert_string_equal(m->unit, "ops/s");
	/* The latest wins, its unit too (or none); the order of names stays. */
	feed(p, "metric ops=13 ops\nmetric big=2\n");
	assert_true(metric(p, "ops")->value == 13);
	assert_string_equal(metric(p, "ops")->unit, "ops");
	assert_string_equal(metric(p, "big")->unit, "");
	assert_string_equal(p->metric[0].m.name, "ops");
	assert_int_equal(p->nmetric, 3);
	/* Numbers as the issue gives them, and their edges. */
	feed(p, "metric a=+0.5\nmetric b=.25\nmetric c=5.\nmetric d=1E-3\n"
	    "metric e=-0\nmetric f=1.7976931348623157e308\nmetric g=1e-400\n"
	    "metric h=007\n");
	assert_true(metric(p, "a")->value == 0.5);
	assert_true(metric(p, "b")->value == 0.25);
	assert_true(metric(p, "c")->value == 5);
	assert_true(metric(p, "d")->value == 0.001);
	assert_true(metric(p, "e")->value == 0 && signbit(metric(p, "e")->value));
	assert_true(metric(p, "f")->value == 1.7976931348623157e308);
	assert_true(metric(p, "g")->value == 0);
	assert_true(metric(p, "h")->value == 7);
	/* Not metric lines: progress text. */
	feed(p, "metrics are coming\n");
	assert_string_equal(p->line, "metrics are coming");
	feed(p, " metric x=1\n");
	assert_string_equal(p->line, " metric x=1");
	assert_null(metric(p, "x"));
	assert_int_equal(p->error_gen[0], 0);
	/* A line split across reads, ended by '\r'. */
	feed(p, "met");
	feed(p, "ric split=4 B\r");
	assert_true(metric(p, "split")->value == 4);
	/* A last line without newline counts at EOF. */
	feed(p, "metric last=9");
	assert_null(metric(p, "last"));
	progress_eof(p);
	assert_true(metric(p, "last")->value == 9);
	assert_string_equal(p->line, " metric x=1");
}

/* Each malformed line: refused, the progress text and metrics unchanged. */
static void
test_metric_malformed(void **state)
{
	static const struct {
		const char *line, *why;
	} bad[] = {
		{ "metric", "no NAME=VALUE" },
		{ "metric   ", "no NAME=VALUE" },
		{ "metric ops", "no '='" },
		{ "metric =1", "NAME is not 1 to 64" },
		{ "metric a/b=1", "NAME is not 1 to 64" },
		{ "metric a@b=1", "NAME is not 1 to 64" },
		{ "metric x=", "VALUE \"\" is not a finite decimal number" },
		{ "metric x=abc", "VALUE \"abc\" is not" },
		{ "metric x=0x10", "VALUE \"0x10\"" },
		{ "metric x=inf", "VALUE \"inf\"" },
		{ "metric x=nan", "VALUE \"nan\"" },
		{ "metric x=1e999", "VALUE \"1e999\"" },
		{ "metric x=1,5", "VALUE \"1,5\"" },
		{ "metric x=1e", "VALUE \"1e\"" },
		{ "metric x=.", "VALUE \".\"" },
		{ "metric x=--1", "VALUE \"--1\"" },
		{ "metric x=1 = 2", "more than one word" },
		{ "metric x=1 ms extra", "more than one word" },
		{ "metric x = 1", "no '='" },
		{ "metric x=1 abcdefghijklmnopq", "UNIT \"abcdefghijklmnopq\" is "
		    "longer than 16" },
		{ "metric x=1 \xc2\xb5s", "not printable ASCII" },
		{ "metric x\x01=1", "not printable ASCII" },
	};
	struct progress	*p = &P;
	char		 line[512], name[80];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		progress_init(p, NULL);
		feed(p, "before\nmetric keep=1\n");
		feed(p, bad[i].line);
		feed(p, "\n");
		if (p->error_gen[0] == 0)
			fail_msg("'%s' taken", bad[i].line);
		assert_has(p->error[0], "malformed metric line \"");
		assert_has(p->error[0], bad[i].why);
		assert_string_equal(p->line, "before");
		assert_int_equal(p->nmetric, 1);
		assert_true(metric(p, "keep")->value == 1);
	}
	/* 64 bytes of name are fine, 65 are not. */
	progress_init(p, NULL);
	memset(name, 'n', 65);
	snprintf(line, sizeof(line), "metric %.64s=1\n", name);
	feed(p, line);
	assert_int_equal(p->nmetric, 1);
	snprintf(line, sizeof(line), "metric %.65s=1\n", name);
	feed(p, line);
	assert_int_equal(p->nmetric, 1);
	assert_has(p->error[0], "NAME is not 1 to 64");
	/* 16 bytes of unit are fine. */
	feed(p, "metric u=1 abcdefghijklmnop\n");
	assert_string_equal(metric(p, "u")->unit, "abcdefghijklmnop");
	/* A line cut at 255 bytes could read as another number: refused. */
	progress_init(p, NULL);
	memset(line, '1', sizeof(line));
	memcpy(line, "metric long=", 12);
	line[300] = '\n';
	progress_feed(p, (const uint8_t *)line, 301);
	assert_int_equal(p->nmetric, 0);
	assert_has(p->error[0], "longer than 255 bytes");
	/* The quoted line is the kept part: at most 255 bytes. */
	assert_true(strlen(p->error[0]) < PROTO_METRIC_ERROR_MAX);
}

/* The first complaint of each kind is kept; the others change nothing. */
static void
test_metric_said_once(void **state)
{
	struct progress	*p = &P;
	char		 line[64];
	uint64_t	 g;
	int		 i;

	(void)state;
	progress_init(p, NULL);
	feed(p, "metric x=abc\n");
	g = p->error_gen[0];
	assert_true(g != 0);
	assert_has(p->error[0], "\"metric x=abc\"");
	feed(p, "metric y=def\nmetric\n");
	assert_int_equal(p->error_gen[0], g);
	assert_has(p->error[0], "\"metric x=abc\"");
	/* 64 names, then the 65th and 66th are refused, said once. */
	for (i = 0; i < 66; i++) {
		snprintf(line, sizeof(line), "metric m%d=%d\n", i, i);
		feed(p, line);
	}
	assert_int_equal(p->nmetric, PROTO_METRICS_MAX);
	assert_null(metric(p, "m64"));
	assert_null(metric(p, "m65"));
	assert_has(p->error[1], "metric \"m64\" refused: a task keeps at most "
	    "64 metric names");
	/* A known name still changes. */
	feed(p, "metric m3=33\n");
	assert_true(metric(p, "m3")->value == 33);
	assert_int_equal(p->error_gen[0], g);
}

/* What changed since a mark: as report.c sends it in METRICS. */
static void
test_metrics_since(void **state)
{
	struct progress	*p = &P;
	struct ev_loop	*loop = ev_loop_new(0);
	uint64_t	 mark = 0, mark2;
	int		 fd = -1;

	(void)state;
	assert_non_null(loop);
	progress_init(p, loop);
	assert_int_equal(progress_metrics_since(p, mark, &M, &mark), 0);
	feed(p, "metric a=1\nmetric b=2 s\n");
	assert_int_equal(progress_metrics_since(p, mark, &M, &mark), 2);
	assert_int_equal(M.n, 2);
	assert_string_equal(M.m[1].name, "b");
	assert_string_equal(M.m[1].unit, "s");
	assert_int_equal(progress_metrics_since(p, mark, &M, &mark), 0);
	feed(p, "metric b=3\nmetric bad=\n");
	assert_int_equal(progress_metrics_since(p, mark, &M, &mark2), 2);
	assert_int_equal(M.n, 1);
	assert_string_equal(M.m[0].name, "b");
	assert_true(M.m[0].value == 3);
	assert_int_equal(M.nerr, 1);
	assert_int_equal(M.err[0].kind, METRIC_ERROR_MALFORMED);
	assert_has(M.err[0].text, "metric bad=");
	/* From 0: everything there is. */
	assert_int_equal(progress_metrics_since(p, 0, &M, NULL), 3);
	/* A new task (progress_open) starts afresh; the mark still works. */
	if (progress_open(p, &fd) == 0) {
		assert_int_equal(p->nmetric, 0);
		assert_int_equal(progress_metrics_since(p, mark2, &M, NULL),
		    0);
		feed(p, "metric c=1\n");
		assert_int_equal(progress_metrics_since(p, mark2, &M, NULL),
		    1);
		assert_string_equal(M.m[0].name, "c");
		close(fd);
		progress_close(p);
	} else
		fail_msg("no pipe");
	ev_loop_destroy(loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_latest_line),
		cmocka_unit_test(test_carriage_return_and_empty),
		cmocka_unit_test(test_long_line_cut),
		cmocka_unit_test(test_unprintable),
		cmocka_unit_test(test_eof_counts_the_last_line),
		cmocka_unit_test(test_metric_lines),
		cmocka_unit_test(test_metric_malformed),
		cmocka_unit_test(test_metric_said_once),
		cmocka_unit_test(test_metrics_since),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
