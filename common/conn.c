/*
 * conn.c - framed, buffered TCP connection on libev.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"

/*
 * One read lands here first; only a trailing partial frame is copied into the
 * connection's own buffer, so thousands of idle peers hold no input memory.
 */
static uint8_t	conn_scratch[2 * PROTO_MAX_FRAME];

static void	conn_read_cb(struct ev_loop *, ev_io *, int);
static void	conn_write_cb(struct ev_loop *, ev_io *, int);

void
conn_init(struct conn *c, struct ev_loop *loop, int fd,
    const struct sockaddr_in *peer, uint32_t session, size_t out_limit,
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
static void
conn_fail(struct conn *c, const char *why)
{
	if (c->failed)
		return;
	c->failed = true;
	snprintf(c->fail_why, sizeof(c->fail_why), "%s", why);
	ev_io_stop(c->loop, &c->rio);
	ev_feed_event(c->loop, &c->wio, EV_CUSTOM);
}

/*
 * Hand every whole frame in p[0..len) to the owner.  Returns the number of
 * bytes used, or -1 if the connection was closed or failed meanwhile.
 */
static ssize_t
conn_dispatch(struct conn *c, const uint8_t *p, size_t len)
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
			return (ssize_t)used;
		case PROTO_MALFORMED:
			conn_fail(c, why);
			return -1;
		case PROTO_FRAME:
			break;
		}
		c->frames_in++;
		log_trace("%s: received %s (%u bytes)", c->peer_str,
		    proto_cmd_name(hdr.command), hdr.datalen);
		used += framelen;
		if (c->on_frame(c, &hdr, payload) == -1)
			return -1;
	}
	return c->failed ? -1 : (ssize_t)used;
}

static void
conn_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn	*c = (struct conn *)((char *)w - offsetof(struct conn, rio));
	size_t		 held = buf_len(&c->in);
	ssize_t		 n, used;
	char		 why[160];

	(void)loop;
	(void)revents;
	/* A partial frame is held: read only what completes the window. */
	n = read(c->fd, conn_scratch + held, sizeof(conn_scratch) - held);
	if (n == 0) {
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
	if (held > 0)
		memcpy(conn_scratch, buf_head(&c->in), held);
	used = conn_dispatch(c, conn_scratch, held + (size_t)n);
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

int
conn_send(struct conn *c, uint8_t command, const void *payload, size_t len)
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
	if (buf_append(&c->out, hdr, sizeof(hdr)) == -1 ||
	    (len > 0 && buf_append(&c->out, payload, len) == -1)) {
		conn_fail(c, "out of memory for output");
		return -1;
	}
	log_trace("%s: sent %s (%zu bytes)", c->peer_str,
	    proto_cmd_name(command), len);
	/* Write at once when nothing is queued: no loop turn on the hot path. */
	if (was_idle)
		(void)conn_flush(c);	/* a failure arrives through on_error */
	return 0;
}
