/*
 * test_conn.c - conn_cork(): frames sent while corked stay queued and leave
 * in one write when uncorked; uncorked, each frame is written at once.
 * Headers are judged before their payload comes (NOTES section 10): by the
 * owner's conn_on_header(), and, until the key is proved, by conn.c itself.
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
	struct net_addr		 peer = { .u.sin = { .sin_family = AF_INET },
				     .len = sizeof(struct sockaddr_in) };
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

/* ---- headers judged before their payload ---- */

static int		 headers_seen, frames_seen;
static uint16_t		 header_len;
static char		 error_seen[256];

static int
count_frame(struct conn *c, const struct proto_hdr *h, const uint8_t *p)
{
	(void)c;
	(void)h;
	(void)p;
	frames_seen++;
	return 0;
}

static void
note_error(struct conn *c, const char *why)
{
	snprintf(error_seen, sizeof(error_seen), "%s", why);
	conn_close(c);
}

/* The owner takes only HEARTBEAT: anything else is refused, closed. */
static int
only_heartbeats(struct conn *c, const struct proto_hdr *h)
{
	headers_seen++;
	header_len = h->datalen;
	if (h->command == CMD_HEARTBEAT)
		return 0;
	conn_close(c);
	return -1;
}

/* A frame header announcing datalen bytes, then sent bytes of them. */
static void
peer_send_partial(int fd, uint8_t cmd, uint16_t datalen, size_t sent)
{
	static uint8_t	b[PROTO_HDR_LEN + 4096];

	proto_encode_hdr(b, 7, cmd, datalen);
	memset(b + PROTO_HDR_LEN, 'x', sent);
	assert_int_equal(send(fd, b, PROTO_HDR_LEN + sent, 0),
	    (ssize_t)(PROTO_HDR_LEN + sent));
}

static void
test_owner_judges_header(void **state)
{
	struct ev_loop		*loop = ev_loop_new(EVFLAG_AUTO);
	struct net_addr		 peer = { .u.sin = { .sin_family = AF_INET },
				     .len = sizeof(struct sockaddr_in) };
	struct conn		 c;
	int			 sv[2], i;

	(void)state;
	headers_seen = frames_seen = 0;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    sv), 0);
	conn_init(&c, loop, sv[0], &peer, 7, 4096, NULL, count_frame, no_error,
	    NULL);
	conn_on_header(&c, only_heartbeats);
	peer_send_partial(sv[1], CMD_HEARTBEAT, 0, 0);
	for (i = 0; i < 4; i++)
		ev_run(loop, EVRUN_NOWAIT);
	assert_int_equal(frames_seen, 1);
	assert_int_equal(headers_seen, 1);
	/* A CONF announcing 65535 bytes, 100 sent: refused by its header. */
	peer_send_partial(sv[1], CMD_CONF, 65535, 100);
	for (i = 0; i < 4 && c.fd != -1; i++)
		ev_run(loop, EVRUN_NOWAIT);
	assert_int_equal(c.fd, -1);
	assert_int_equal(headers_seen, 2);
	assert_int_equal(header_len, 65535);
	assert_int_equal(frames_seen, 1);
	conn_close(&c);
	close(sv[1]);
	ev_loop_destroy(loop);
}

static void
test_keyed_refuses_by_header(void **state)
{
	static const struct {
		uint8_t		 cmd;
		uint16_t	 datalen;
		const char	*why;
		enum conn_fault	 fault;		/* what the owner is told */
	} cases[] = {
		{ CMD_SEALED, 65535, "a sealed record before the key handshake",
		    CONN_FAULT_OTHER },
		{ CMD_REPLY, 1024, "key mismatch: the peer has no key (it sent "
		    "REPLY", CONN_FAULT_KEY },
		{ CMD_CONF, 65535, "key mismatch: the peer has no key (it sent "
		    "CONF", CONN_FAULT_KEY },
	};
	struct ev_loop		*loop = ev_loop_new(EVFLAG_AUTO);
	struct net_addr		 peer = { .u.sin = { .sin_family = AF_INET },
				     .len = sizeof(struct sockaddr_in) };
	struct auth_key		 key;
	struct conn		 c;
	char			 err[128];
	size_t			 k;
	int			 sv[2], i;

	(void)state;
	assert_int_equal(auth_key_parse("00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff", 64, &key, err, sizeof(err)), 0);
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		frames_seen = 0;
		error_seen[0] = '\0';
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM |
		    SOCK_NONBLOCK, 0, sv), 0);
		conn_init(&c, loop, sv[0], &peer, 7, 4096, NULL, count_frame,
		    note_error, NULL);
		conn_set_key(&c, &key, AUTH_ROLE_MASTER);
		/* Only the header and a few bytes: the rest never comes. */
		peer_send_partial(sv[1], cases[k].cmd, cases[k].datalen, 10);
		for (i = 0; i < 4 && error_seen[0] == '\0'; i++)
			ev_run(loop, EVRUN_NOWAIT);
		if (strstr(error_seen, cases[k].why) == NULL)
			fail_msg("case %zu: error '%s', expected '%s'", k,
			    error_seen, cases[k].why);
		assert_int_equal(c.fault, cases[k].fault);
		assert_int_equal(frames_seen, 0);
		conn_close(&c);
		close(sv[1]);
	}
	ev_loop_destroy(loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cork_holds_then_one_write),
		cmocka_unit_test(test_owner_judges_header),
		cmocka_unit_test(test_keyed_refuses_by_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
