/*
 * test_verdict.c - the master's one judgement of a slave (master/verdict.c):
 * for each state and result, the verdict and every word it is said with
 * (the live display and -v, the summary's STATUS, the results' state and
 * exit_status, the finish line, --fail-fast's blame), what it counts as and
 * what it weighs in the exit code.  The words are those of before the
 * verdict existed: this table holds them still.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "master.h"

enum kind { OURS, V1 };

struct want {
	const char	*what;
	enum peer_state	 state;
	int		 exit_kind;	/* -1: no result */
	int		 value;
	bool		 abort_sent;
	bool		 report_finished;	/* its REPORT said: task ended */
	enum verdict	 verdict;
	const char	*shown;		/* display, -v, exit_status */
	const char	*summary;	/* STATUS column */
	const char	*state_word;	/* results' state */
	const char	*finish;	/* after "finished: NAME: ", or NULL */
	const char	*blame;		/* after "--fail-fast: NAME ", or NULL */
	int		 severity;
	bool		 ran;
};

static const struct want wants[] = {
	{ "joined", PEER_JOINED, -1, 0, false, false, VERDICT_JOINED,
	    "joined", "not started", "joined", NULL, NULL, 0, false },
	{ "configuring", PEER_CONF, -1, 0, false, false, VERDICT_CONFIGURING,
	    "configuring", "not started", "configuring", NULL, NULL, 0, false },
	{ "armed", PEER_READY, -1, 0, false, false, VERDICT_ARMED,
	    "armed", "not started", "armed", NULL, NULL, 0, false },
	{ "starting", PEER_STARTING, -1, 0, false, false, VERDICT_STARTING,
	    "starting", "running", "starting", NULL, NULL, 0, false },
	{ "running", PEER_RUNNING, -1, 0, false, false, VERDICT_RUNNING,
	    "running", "running", "running", NULL, NULL, 0, false },
	{ "ending", PEER_RUNNING, -1, 0, false, true, VERDICT_ENDING,
	    "ending", "running", "running", NULL, NULL, 0, false },
	{ "exit 0", PEER_FINISHED, EXIT_KIND_EXITED, 0, false, false,
	    VERDICT_EXIT_0, "exit 0", "exit 0", "finished", "exit 0", NULL, 0,
	    true },
	{ "2014 unknown", PEER_FINISHED, EXIT_KIND_UNKNOWN, 0, false, false,
	    VERDICT_UNKNOWN, "finished", "unknown", "finished",
	    "exit status unknown (2014 slave)", NULL, 0, true },
	{ "exit 3", PEER_FINISHED, EXIT_KIND_EXITED, 3, false, false,
	    VERDICT_EXIT, "exit 3", "exit 3", "finished", "exit 3", "exited 3",
	    2, true },
	{ "signal 9", PEER_FINISHED, EXIT_KIND_SIGNALED, 9, false, false,
	    VERDICT_SIGNAL, "signal 9", "signal 9", "finished",
	    "killed by signal 9", "was killed by signal 9", 2, true },
	/*
	 * Stopped by our ABORT: "aborted" in the display, the summary and the
	 * results (issue 20); its finish line says its exit status.
	 */
	{ "aborted, signal", PEER_FINISHED, EXIT_KIND_SIGNALED, 15, true, false,
	    VERDICT_ABORTED, "aborted", "aborted", "finished",
	    "killed by signal 15", "was killed by signal 15", 2, true },
	{ "aborted, exit", PEER_FINISHED, EXIT_KIND_EXITED, 143, true, false,
	    VERDICT_ABORTED, "aborted", "aborted", "finished", "exit 143",
	    "exited 143", 2, true },
	{ "aborted before its start", PEER_FINISHED, EXIT_KIND_NOT_STARTED, 0,
	    true, false, VERDICT_CANCELLED, "aborted", "aborted", "finished",
	    "aborted before its start", "was aborted before its start", 2,
	    false },
	{ "exit 0 after ABORT", PEER_FINISHED, EXIT_KIND_EXITED, 0, true, false,
	    VERDICT_EXIT_0, "exit 0", "exit 0", "finished", "exit 0", NULL, 0,
	    true },
	/* Its why: the slave's words (STDERR_TAIL), "/x: Exec format error". */
	{ "exec failed", PEER_FINISHED, EXIT_KIND_NOT_STARTED, 8, false, false,
	    VERDICT_EXEC_FAILED, "not started", "not started", "finished",
	    "did not start: why", "did not start", 3, false },
	{ "EXEC_NO", PEER_NOSTART, -1, 0, false, false, VERDICT_NOSTART,
	    "not started", "not started", "not started", NULL,
	    "could not start (why)", 3, false },
	{ "refused", PEER_REFUSED, -1, 0, false, false, VERDICT_REFUSED,
	    "refused", "refused", "refused", NULL,
	    "refused the configuration (why)", 3, false },
	{ "lost", PEER_LOST, -1, 0, false, false, VERDICT_LOST,
	    "lost", "lost", "lost", NULL, "was lost (why)", 3, false },
};

static void
make_peer(struct peer *s, struct master *m, const struct want *w)
{
	memset(s, 0, sizeof(*s));
	s->m = m;
	s->kind = w->exit_kind == EXIT_KIND_UNKNOWN ? PEER_KIND_2014 :
	    PEER_KIND_OURS;
	s->state = w->state;
	s->abort_sent = w->abort_sent;
	snprintf(s->why, sizeof(s->why), "why");
	if (w->report_finished) {
		s->v.have_report = true;
		s->v.last.state = TASK_STATE_FINISHED;
	}
	if (w->exit_kind >= 0) {
		s->have_result = true;
		s->res.exit_kind = (uint8_t)w->exit_kind;
		s->res.exit_value = w->value;
	}
}

static void
test_words(void **state)
{
	struct master	m;
	struct peer	s;
	char		buf[PROTO_REASON_MAX + 64];
	enum verdict	v;
	size_t		i;

	(void)state;
	memset(&m, 0, sizeof(m));
	for (i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
		const struct want *w = &wants[i];

		make_peer(&s, &m, w);
		v = peer_verdict(&s);
		if (v != w->verdict)
			fail_msg("%s: verdict %d, expected %d", w->what, v,
			    w->verdict);
		assert_string_equal(verdict_word(&s, buf, sizeof(buf)),
		    w->shown);
		assert_string_equal(verdict_summary_word(&s, buf, sizeof(buf)),
		    w->summary);
		assert_string_equal(verdict_state_word(v), w->state_word);
		assert_int_equal(verdict_ended(v), w->exit_kind >= 0);
		assert_int_equal(verdict_ran(v), w->ran);
		assert_int_equal(verdict_is_failure(v), w->severity > 0);
		assert_int_equal(verdict_is_running(v), w->state ==
		    PEER_STARTING || w->state == PEER_RUNNING);
		if (w->finish != NULL)
			assert_string_equal(verdict_finish_words(&s, buf,
			    sizeof(buf)), w->finish);
		if (w->blame != NULL)
			assert_string_equal(verdict_blame(&s, buf,
			    sizeof(buf)), w->blame);
	}
}

/* A slave that did not say why its task did not start: the errno says. */
static void
test_exec_failed_errno(void **state)
{
	struct master	m;
	struct peer	s;
	char		buf[PROTO_REASON_MAX + 64];
	size_t		i = 0;

	(void)state;
	memset(&m, 0, sizeof(m));
	while (wants[i].verdict != VERDICT_EXEC_FAILED)
		i++;
	make_peer(&s, &m, &wants[i]);
	assert_int_equal(peer_verdict(&s), VERDICT_EXEC_FAILED);
	s.why[0] = '\0';
	assert_string_equal(verdict_finish_words(&s, buf, sizeof(buf)),
	    "did not start: Exec format error");
}

/* The counts and the worst severity of a set of slaves. */
static void
test_counts(void **state)
{
	static struct master	m;
	static struct peer	s[sizeof(wants) / sizeof(wants[0])];
	struct verdict_counts	c;
	size_t			i, n = sizeof(wants) / sizeof(wants[0]);

	(void)state;
	memset(&m, 0, sizeof(m));
	TAILQ_INIT(&m.joined);
	/* Everyone that ended well, or runs: 0. */
	for (i = 0; i < n; i++) {
		if (wants[i].severity > 0)
			continue;
		make_peer(&s[i], &m, &wants[i]);
		TAILQ_INSERT_TAIL(&m.joined, &s[i], entry);
		m.njoined++;
	}
	verdict_count(&m, &c);
	assert_int_equal(c.worst, 0);
	assert_int_equal(c.armed, 1);
	assert_int_equal(c.running, 3);		/* starting, running, ending */
	assert_int_equal(c.finished, 3);	/* exit 0 twice, 2014 */
	assert_int_equal(c.failed, 0);
	/* A task that failed: 2; a slave that failed: 3. */
	make_peer(&s[8], &m, &wants[8]);
	TAILQ_INSERT_TAIL(&m.joined, &s[8], entry);
	verdict_count(&m, &c);
	assert_int_equal(c.worst, 2);
	make_peer(&s[n - 1], &m, &wants[n - 1]);
	TAILQ_INSERT_TAIL(&m.joined, &s[n - 1], entry);
	verdict_count(&m, &c);
	assert_int_equal(c.worst, 3);
	assert_int_equal(c.failed, 2);
	assert_int_equal(c.of[VERDICT_LOST], 1);
	assert_int_equal(c.of[VERDICT_EXIT], 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_exec_failed_errno),
		cmocka_unit_test(test_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
