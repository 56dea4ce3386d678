/*
 * conn.c - framed, buffered TCP connection on libev.  A keyed connection's
 * handshake and sealed records are seal.c's: here only their bytes move.
 */
#include <errno.h>
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "seal.h"

/*
 * One read lands here first; only a trailing partial frame is copied into the
 * connection's own buffer, so thousands of idle peers hold no input memory.
 */
static uint8_t	conn_scratch[2 * PROTO_MAX_FRAME];
/* One frame being sealed (header and payload). */
static uint8_t	conn_frame_out[PROTO_MAX_FRAME];

static void	conn_read_cb(struct ev_loop *, ev_io *, int);
static void	conn_write_cb(struct ev_loop *, ev_io *, int);
static int	conn_flush(struct conn *);
static int	conn_send_plain(struct conn *, uint8_t, const void *, size_t);
static int	conn_keyed_frame(struct conn *, const uint8_t *,
		    const struct proto_hdr *, const uint8_t *);
static void	conn_keyed_free(struct conn *);
static int	conn_judge(struct conn *, const struct proto_hdr *, bool);

void
conn_init(struct conn *c, struct ev_loop *loop, int fd,
    const struct net_addr *peer, uint32_t session, size_t out_limit,
    void *owner, conn_frame_cb on_frame, conn_error_cb on_error,
    conn_drain_cb on_drain)
{
	memset(c, 0, sizeof(*c));
	c->loop = loop;
	c->fd = fd;
	c->peer = *peer;
	net_addr_str(peer, c->peer_str, sizeof(c->peer_str));
	c->session = session;
	c->owner = owner;
	c->on_frame = on_frame;
	c->on_error = on_error;
	c->on_drain = on_drain;
	buf_init(&c->in, PROTO_MAX_FRAME);
	buf_init(&c->out, out_limit);
	ev_io_init(&c->rio, conn_read_cb, fd, EV_READ);
	ev_io_init(&c->wio, conn_write_cb, fd, EV_WRITE);
	ev_io_start(loop, &c->rio);
	c->last_rx = c->last_tx = ev_now(loop);
}

void
conn_close(struct conn *c)
{
	if (c->fd == -1)
		return;
	ev_io_stop(c->loop, &c->rio);
	ev_io_stop(c->loop, &c->wio);
	close(c->fd);
	c->fd = -1;
	buf_free(&c->in);
	buf_free(&c->out);
	conn_keyed_free(c);
}

void
conn_pause_read(struct conn *c, bool paused)
{
	if (c->fd == -1 || c->failed)
		return;
	if (paused)
		ev_io_stop(c->loop, &c->rio);
	else
		ev_io_start(c->loop, &c->rio);
}

/* Remember the first error and have the loop report it from conn_write_cb. */
/* The largest hello (section 2 of NOTES): 13 bytes and a 255-byte name. */
#define CONN_HELLO_MAX	(13 + PROTO_NAME_MAX)

static void
conn_fail_as(struct conn *c, enum conn_fault fault, const char *why)
{
	if (c->failed)
		return;
	c->failed = true;
	c->fault = fault;
	snprintf(c->fail_why, sizeof(c->fail_why), "%s", why);
	ev_io_stop(c->loop, &c->rio);
	ev_feed_event(c->loop, &c->wio, EV_CUSTOM);
}

static void
conn_fail(struct conn *c, const char *why)
{
	conn_fail_as(c, CONN_FAULT_OTHER, why);
}

/*
 * A frame we cannot take (another version, an unknown command, a bad
 * length): tell the peer why and what we speak, as an ERROR frame written
 * now, before the connection closes.  Best effort: what the socket does not
 * take at once is lost with the connection.  A 2014 peer sees an unknown
 * command 45 from a connection that is closing anyway.
 */
static void
conn_error_reply(struct conn *c, const char *why)
{
	char	text[PROTO_REASON_MAX + 1];
	uint8_t	hdr[PROTO_HDR_LEN];
	int	n;

	n = snprintf(text, sizeof(text), "frame refused: %s; this peer speaks "
	    "protocol version %u, extension version %u", why, PROTO_VERSION,
	    PROTO_EXT_VERSION);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(text))
		n = (int)sizeof(text) - 1;
	proto_encode_hdr(hdr, c->session, CMD_ERROR, (uint16_t)n);
	if (buf_room(&c->out) < sizeof(hdr) + (size_t)n ||
	    buf_append(&c->out, hdr, sizeof(hdr)) == -1 ||
	    buf_append(&c->out, text, (size_t)n) == -1)
		return;
	(void)conn_flush(c);
}

/*
 * Hand every whole frame in p[0..len) to the owner: frames read from the
 * socket, or (sealed) the frames opened from the sealed records of a keyed
 * connection.  Returns the number of bytes used, or -1 if the connection
 * was closed or failed meanwhile.
 */
static ssize_t
conn_dispatch(struct conn *c, const uint8_t *p, size_t len, bool sealed)
{
	size_t	used = 0;
	char	why[128];

	while (used < len && !c->failed) {
		struct proto_hdr	 hdr;
		const uint8_t		*payload;
		size_t			 framelen;

		switch (proto_decode(p + used, len - used, c->session, &hdr,
		    &payload, &framelen, why, sizeof(why))) {
		case PROTO_NEED_MORE:
			/*
			 * A whole header (its bounds checked), its payload
			 * still to come: judged now, so that a frame we would
			 * refuse is never waited for nor held.
			 */
			if (len - used >= PROTO_HDR_LEN &&
			    conn_judge(c, &hdr, sealed) == -1)
				return -1;
			return (ssize_t)used;
		case PROTO_MALFORMED: {
			char	full[sizeof(why) + 128];

			if (sealed) {
				/* Only a key holder could have sealed it. */
				conn_fail(c, why);
				return -1;
			}
			conn_error_reply(c, why);
			/* Our log names both sides' versions too. */
			if (c->peer_ext_version != 0)
				snprintf(full, sizeof(full), "%s (it speaks "
				    "extension version %u; we speak protocol "
				    "version %u, extension version %u)", why,
				    c->peer_ext_version, PROTO_VERSION,
				    PROTO_EXT_VERSION);
			else
				snprintf(full, sizeof(full), "%s (we speak "
				    "protocol version %u, extension version "
				    "%u)", why, PROTO_VERSION,
				    PROTO_EXT_VERSION);
			conn_fail(c, full);
			return -1;
		}
		case PROTO_FRAME:
			break;
		}
		if (sealed && seal_own(hdr.command)) {
			snprintf(why, sizeof(why), "%s inside a sealed record",
			    proto_cmd_name(hdr.command));
			conn_fail(c, why);
			return -1;
		}
		if (conn_judge(c, &hdr, sealed) == -1)
			return -1;
		/* Outside the seal of a keyed connection: seal.c's business. */
		if (!sealed && c->seal != NULL) {
			used += framelen;
			if (conn_keyed_frame(c, p + used - framelen, &hdr,
			    payload) == -1)
				return -1;
			continue;
		}
		c->frames_in++;
		log_trace("%s: received %s (%u bytes)%s", c->peer_str,
		    proto_cmd_name(hdr.command), hdr.datalen,
		    sealed ? ", sealed" : "");
		used += framelen;
		if (c->on_frame(c, &hdr, payload) == -1)
			return -1;
	}
	return c->failed ? -1 : (ssize_t)used;
}

void
conn_rx_stamps(struct conn *c, bool on)
{
	int v = on;

	if (c->fd == -1 || c->rx_stamps == on)
		return;
	c->rx_real_ns = 0;
	if (setsockopt(c->fd, SOL_SOCKET, SO_TIMESTAMPNS, &v, sizeof(v)) == -1)
		on = false;	/* best effort: the owner falls back to now */
	c->rx_stamps = on;
}

/* read(), or with conn_rx_stamps() recvmsg() to get the kernel's stamp. */
static ssize_t
conn_read(struct conn *c, void *p, size_t len)
{
	union {
		char		buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr	align;
	} ctl;
	struct iovec	 iov = { .iov_base = p, .iov_len = len };
	struct msghdr	 msg;
	struct cmsghdr	*cm;
	ssize_t		 n;

	if (!c->rx_stamps)
		return read(c->fd, p, len);
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	if ((n = recvmsg(c->fd, &msg, 0)) <= 0)
		return n;
	c->rx_real_ns = 0;
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_TIMESTAMPNS &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			if (ts.tv_sec > 0)
				c->rx_real_ns = (uint64_t)ts.tv_sec *
				    1000000000ull + (uint64_t)ts.tv_nsec;
		}
	return n;
}

static void
conn_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn	*c = (struct conn *)((char *)w - offsetof(struct conn, rio));
	size_t		 held = buf_len(&c->in);
	ssize_t		 n, used;
	char		 why[160];

	(void)revents;
	/* A partial frame is held: read only what completes the window. */
	n = conn_read(c, conn_scratch + held, sizeof(conn_scratch) - held);
	if (n == 0) {
		if (c->seal != NULL && !conn_authenticated(c))
			conn_fail_as(c, CONN_FAULT_KEY, "connection closed by "
			    "the peer during the key handshake (key mismatch? "
			    "the peer may have another key, no key, or be a "
			    "2014 peer)");
		else
			conn_fail(c, "connection closed by peer");
		return;
	}
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		snprintf(why, sizeof(why), "read: %s", strerror(errno));
		conn_fail(c, why);
		return;
	}
	c->last_rx = ev_now(loop);
	if (held > 0)
		memcpy(conn_scratch, buf_head(&c->in), held);
	used = conn_dispatch(c, conn_scratch, held + (size_t)n, false);
	if (used == -1)
		return;
	buf_consume(&c->in, buf_len(&c->in));
	if ((size_t)used < held + (size_t)n &&
	    buf_append(&c->in, conn_scratch + used,
	    held + (size_t)n - (size_t)used) == -1)
		conn_fail(c, "out of memory for input");
}

/* Write what the socket takes.  Returns -1 after conn_fail(). */
static int
conn_flush(struct conn *c)
{
	char why[160];

	while (buf_len(&c->out) > 0) {
		ssize_t n = send(c->fd, buf_head(&c->out), buf_len(&c->out),
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			snprintf(why, sizeof(why), "write: %s", strerror(errno));
			conn_fail(c, why);
			return -1;
		}
		buf_consume(&c->out, (size_t)n);
		if (n > 0)
			c->last_tx = ev_now(c->loop);
	}
	if (buf_len(&c->out) > 0)
		ev_io_start(c->loop, &c->wio);
	else
		ev_io_stop(c->loop, &c->wio);
	return 0;
}

static void
conn_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = (struct conn *)((char *)w - offsetof(struct conn, wio));

	(void)loop;
	if (c->failed || (revents & EV_CUSTOM)) {
		if (c->failed) {
			ev_io_stop(c->loop, &c->wio);
			c->on_error(c, c->fail_why);
		}
		return;
	}
	if (conn_flush(c) == -1)
		return;
	if (c->on_drain != NULL && buf_len(&c->out) <= c->out.limit / 2)
		c->on_drain(c);
}

/* One frame as it is, unsealed: every frame without a key. */
static int
conn_send_plain(struct conn *c, uint8_t command, const void *payload,
    size_t len)
{
	uint8_t	hdr[PROTO_HDR_LEN];
	char	why[160];
	bool	was_idle;

	if (c->failed || c->fd == -1)
		return -1;
	if (len > PROTO_MAX_PAYLOAD || buf_room(&c->out) < PROTO_HDR_LEN + len) {
		snprintf(why, sizeof(why),
		    "output queue full (%zu bytes): peer is not reading",
		    buf_len(&c->out));
		conn_fail(c, why);
		return -1;
	}
	proto_encode_hdr(hdr, c->session, command, (uint16_t)len);
	was_idle = buf_len(&c->out) == 0;
	if (was_idle)	/* a stall is counted from the first byte queued */
		c->last_tx = ev_now(c->loop);
	if (buf_append(&c->out, hdr, sizeof(hdr)) == -1 ||
	    (len > 0 && buf_append(&c->out, payload, len) == -1)) {
		conn_fail(c, "out of memory for output");
		return -1;
	}
	log_trace("%s: sent %s (%zu bytes)", c->peer_str,
	    proto_cmd_name(command), len);
	/* Write at once when nothing is queued: no loop turn on the hot path. */
	if (was_idle && !c->corked)
		(void)conn_flush(c);	/* a failure arrives through on_error */
	return 0;
}

void
conn_cork(struct conn *c, bool on)
{
	c->corked = on;
	if (!on && !c->failed && c->fd != -1 && buf_len(&c->out) > 0)
		(void)conn_flush(c);	/* a failure arrives through on_error */
}

/* ---- keyed connections (NOTES section 10; seal.c, auth.c) ---- */

static void	conn_keyed_timer_cb(struct ev_loop *, ev_timer *, int);

void
conn_set_key(struct conn *c, const struct auth_key *key, enum auth_role role)
{
	char why[160];

	if (c->fd == -1 || c->failed || c->seal != NULL)
		return;
	if ((c->seal = seal_new(key, role, c->session, c->out.limit, why,
	    sizeof(why))) == NULL) {
		conn_fail(c, why);
		return;
	}
	ev_timer_init(&c->seal_timer, conn_keyed_timer_cb, AUTH_HANDSHAKE_SECS,
	    0.);
	ev_timer_start(c->loop, &c->seal_timer);
	(void)conn_send_plain(c, CMD_AUTH_HELLO, seal_hello(c->seal),
	    AUTH_HELLO_LEN);
}

bool
conn_authenticated(const struct conn *c)
{
	return seal_proved(c->seal);
}

static void
conn_keyed_free(struct conn *c)
{
	if (c->seal == NULL)
		return;
	ev_timer_stop(c->loop, &c->seal_timer);
	seal_free(c->seal);
	c->seal = NULL;
}

static void
conn_keyed_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct conn *c = (struct conn *)((char *)w -
	    offsetof(struct conn, seal_timer));
	char why[160];

	(void)loop;
	(void)revents;
	snprintf(why, sizeof(why), "key mismatch? no key handshake within "
	    "%.0f s: the peer has no key, or is a 2014 peer", AUTH_HANDSHAKE_SECS);
	conn_fail_as(c, CONN_FAULT_KEY, why);
}

/*
 * Refuse the handshake: tell the peer (plaintext ERROR, best effort; its own
 * check usually fails at the same time) and end the connection.  -1.
 */
static int
conn_keyed_refuse(struct conn *c, enum conn_fault fault, const char *why,
    const char *to_peer)
{
	(void)conn_send_plain(c, CMD_ERROR, to_peer, strlen(to_peer));
	conn_fail_as(c, fault, why);
	return -1;
}

/*
 * Judge a frame by its header alone, as soon as its 11 bytes are there and
 * before its payload is awaited (NOTES section 10): outside the seal, by
 * seal.c's rule (a keyed connection takes only the handshake's frames until
 * the peer proved the key; one without a key refuses them), then by the
 * owner's rule (on_header) for the frames it would see: those of a
 * connection without a key, those inside the seal of one with a key.  It may judge one
 * frame more than once (a header read before its payload): a rule has no
 * effect but refusing.  0: go on; -1: refused, the connection failed or
 * was closed.
 */
static int
conn_judge(struct conn *c, const struct proto_hdr *h, bool sealed)
{
	char		 why[sizeof(c->fail_why)];
	const char	*to_peer;
	bool		 mismatch = false;

	if (!sealed && seal_judge(c->seal, h, why, sizeof(why), &to_peer,
	    &mismatch) == -1) {
		/* A keyed slave here, or a slave without a key (its hello). */
		c->key_peer = mismatch && (c->seal == NULL ?
		    h->command == CMD_AUTH_HELLO && h->datalen == AUTH_HELLO_LEN :
		    h->command == CMD_REPLY && h->datalen <= CONN_HELLO_MAX);
		return conn_keyed_refuse(c, mismatch ? CONN_FAULT_KEY :
		    CONN_FAULT_OTHER, why, to_peer);
	}
	/* Outside the seal of a keyed connection: seal.c's, not the owner's. */
	if (!sealed && c->seal != NULL)
		return 0;
	return c->on_header != NULL ? c->on_header(c, h) : 0;
}

void
conn_on_header(struct conn *c, conn_header_cb cb)
{
	c->on_header = cb;
}

/* Seal len bytes of the inner stream into SEALED records on the output. */
static int
conn_seal(struct conn *c, const uint8_t *p, size_t len)
{
	bool		 was_idle = buf_len(&c->out) == 0;
	const char	*fail;
	char		 why[160];

	if (buf_room(&c->out) < seal_size(len)) {
		snprintf(why, sizeof(why),
		    "output queue full (%zu bytes): peer is not reading",
		    buf_len(&c->out));
		conn_fail(c, why);
		return -1;
	}
	if (was_idle)
		c->last_tx = ev_now(c->loop);
	if (seal_records(c->seal, p, len, &c->out, &fail) == -1) {
		conn_fail(c, fail);
		return -1;
	}
	if (was_idle && !c->corked)
		(void)conn_flush(c);	/* a failure arrives through on_error */
	return 0;
}

/* Frames sent by the owner: held during the handshake, sealed after it. */
static int
conn_keyed_send(struct conn *c, uint8_t command, const void *payload,
    size_t len)
{
	bool	proved = seal_proved(c->seal);
	size_t	n;

	n = proto_encode(conn_frame_out, sizeof(conn_frame_out), c->session,
	    command, payload, len);
	if (n == 0) {
		conn_fail(c, "frame too large");
		return -1;
	}
	log_trace("%s: sent %s (%zu bytes)%s", c->peer_str,
	    proto_cmd_name(command), len, proved ? ", sealed" :
	    ", held until the key is proved");
	if (proved)
		return conn_seal(c, conn_frame_out, n);
	if (seal_hold(c->seal, conn_frame_out, n) == -1) {
		conn_fail(c, "output queue full during the key handshake");
		return -1;
	}
	return 0;
}

int
conn_send(struct conn *c, uint8_t command, const void *payload, size_t len)
{
	if (c->failed || c->fd == -1)
		return -1;
	if (c->seal != NULL)
		return conn_keyed_send(c, command, payload, len);
	return conn_send_plain(c, command, payload, len);
}

/* A frame of the handshake (nothing is sealed yet).  0, or -1 if failed. */
static int
conn_keyed_handshake(struct conn *c, const struct proto_hdr *h,
    const uint8_t *p)
{
	struct seal	*s = c->seal;
	uint8_t		 proof[AUTH_PROOF_LEN];
	char		 why[sizeof(c->fail_why)];
	const char	*to_peer = NULL;
	bool		 mismatch = false;

	switch (seal_handshake(s, h, p, proof, why, sizeof(why), &to_peer,
	    &mismatch)) {
	case SEAL_REPLY:
		(void)conn_send_plain(c, CMD_AUTH_PROOF, proof, sizeof(proof));
		sodium_memzero(proof, sizeof(proof));
		return c->failed ? -1 : 0;
	case SEAL_PROVED:
		ev_timer_stop(c->loop, &c->seal_timer);
		log_debug("%s: the peer proved the key; frames sealed from now "
		    "on", c->peer_str);
		/* What the owner sent meanwhile goes first, sealed. */
		if (buf_len(&s->held) > 0) {
			if (conn_seal(c, buf_head(&s->held),
			    buf_len(&s->held)) == -1)
				return -1;
			buf_consume(&s->held, buf_len(&s->held));
		}
		buf_free(&s->held);
		return c->failed ? -1 : 0;
	case SEAL_REFUSED:
		/* Another key id in a well-formed AUTH_HELLO; not a bad proof. */
		c->key_peer = mismatch && h->command == CMD_AUTH_HELLO;
		return conn_keyed_refuse(c, mismatch ? CONN_FAULT_KEY :
		    CONN_FAULT_OTHER, why, to_peer);
	case SEAL_FAILED:
		break;
	}
	/* Its reason is its own to say, not ours to read. */
	conn_fail_as(c, CONN_FAULT_KEY, why);
	return -1;
}

/*
 * A frame outside the seal of a keyed connection, judged by conn_judge().
 * hdrbytes is the header as received (the record's associated data).
 * Returns 0, or -1 once the connection failed or was closed.
 */
static int
conn_keyed_frame(struct conn *c, const uint8_t *hdrbytes,
    const struct proto_hdr *h, const uint8_t *p)
{
	struct seal	*s = c->seal;
	char		 why[sizeof(c->fail_why)];
	ssize_t		 used;

	if (!seal_proved(s))
		return conn_keyed_handshake(c, h, p);
	if (seal_open(s, hdrbytes, h, p, why, sizeof(why)) == -1) {
		conn_fail(c, why);
		return -1;
	}
	/* Hand the whole frames of the opened stream to the owner. */
	used = conn_dispatch(c, buf_head(&s->inner), buf_len(&s->inner), true);
	if (used == -1)
		return -1;
	buf_consume(&s->inner, (size_t)used);
	return 0;
}
