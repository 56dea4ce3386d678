/*
 * test_conn.c - conn_cork(): frames sent while corked stay queued and leave
 * in one write when uncorked; uncorked, each frame is written at once.  And
 * task_due(): the slave counts a task as running from its instant on, before
 * its own (later) timer marks it (slave.h SLAVE_RELEASE_AFTER_NS).
 */
#include <sys/socket.h>

#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <ev.h>

#include "clock.h"
#include "conn.h"
#include "proto.h"
#include "slave.h"

static int
no_frame(struct conn *c, const struct proto_hdr *h, const uint8_t *p)
{
	(void)c;
	(void)h;
	(void)p;
	return 0;
}

static void
no_error(struct conn *c, const char *why)
{
	(void)c;
	fail_msg("connection error: %s", why);
}

/* Bytes the peer can read now, without waiting. */
static ssize_t
peer_read(int fd, uint8_t *buf, size_t len)
{
	ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);

	return n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : n;
}

static void
test_cork_holds_then_one_write(void **state)
{
	struct ev_loop		*loop = ev_loop_new(EVFLAG_AUTO);
	struct sockaddr_in	 peer = { .sin_family = AF_INET };
	struct conn		 c;
	uint8_t			 buf[256], payload[20] = { 1, 2, 3 };
	int			 sv[2];
	ssize_t			 n;

	(void)state;
	assert_non_null(loop);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    sv), 0);
	conn_init(&c, loop, sv[0], &peer, 7, 4096, NULL, no_frame, no_error,
	    NULL);

	/* Not corked: written at once. */
	assert_int_equal(conn_send(&c, CMD_HEARTBEAT, NULL, 0), 0);
	n = peer_read(sv[1], buf, sizeof(buf));
	assert_int_equal(n, PROTO_HDR_LEN);

	/* Corked: nothing leaves, both frames wait in the queue. */
	conn_cork(&c, true);
	assert_int_equal(conn_send(&c, CMD_REPORT, payload, sizeof(payload)),
	    0);
	assert_int_equal(conn_send(&c, CMD_FINISHD, payload, 10), 0);
	assert_int_equal(peer_read(sv[1], buf, sizeof(buf)), 0);
	assert_int_equal(conn_pending(&c), 2 * PROTO_HDR_LEN + 30);

	/* Uncorked: one write carries both. */
	conn_cork(&c, false);
	assert_int_equal(conn_pending(&c), 0);
	n = peer_read(sv[1], buf, sizeof(buf));
	assert_int_equal(n, 2 * PROTO_HDR_LEN + 30);
	assert_int_equal(buf[8], CMD_REPORT);
	assert_int_equal(buf[PROTO_HDR_LEN + 20 + 8], CMD_FINISHD);

	/* And sending goes back to writing at once. */
	assert_int_equal(conn_send(&c, CMD_HEARTBEAT, NULL, 0), 0);
	assert_int_equal(peer_read(sv[1], buf, sizeof(buf)), PROTO_HDR_LEN);

	conn_close(&c);
	close(sv[1]);
	ev_loop_destroy(loop);
}

static void
test_task_due(void **state)
{
	struct task t;

	(void)state;
	task_init(&t, NULL);
	assert_false(task_due(&t));		/* idle */

	t.state = TASK_ARMED;
	assert_false(task_due(&t));		/* armed, no instant yet */
	t.scheduled = true;
	t.sched_mono_ns = mono_ns() + 10 * NSEC_PER_SEC;
	assert_false(task_due(&t));		/* its instant is to come */
	t.sched_mono_ns = mono_ns() - 1;
	assert_true(task_due(&t));		/* it came: the task runs */

	t.scheduled = false;
	t.released = true;			/* started at once (2014 EXEC) */
	assert_true(task_due(&t));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cork_holds_then_one_write),
		cmocka_unit_test(test_task_due),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
