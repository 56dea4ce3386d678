/*
 * test_progress.c - the task's progress channel, split into lines: the
 * latest whole line wins, '\n' and '\r' end a line, empty lines are
 * skipped, a long line is cut at PROTO_PROGRESS_MAX bytes, other bytes than
 * printable ASCII become '?', and the last line counts at EOF.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "slave.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_latest_line),
		cmocka_unit_test(test_carriage_return_and_empty),
		cmocka_unit_test(test_long_line_cut),
		cmocka_unit_test(test_unprintable),
		cmocka_unit_test(test_eof_counts_the_last_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
