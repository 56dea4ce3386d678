/*
 * fuzz_peer.c - the fake peer of the frame-handling harnesses.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fuzz_peer.h"
#include "proto.h"

#define FUZZ_KEY_HEX \
	"5f75a2e1c39e1d7a8c4b0f2d6e9a3b7c1f0e2d4c6b8a9e7d5c3b1a0f9e8d7c6b"
#define FUZZ_SEND_TRIES	4000	/* EAGAIN rounds before giving up */
#define FUZZ_CONNECT_MS	10000	/* a connection's retries, at most */

struct auth_key	fuzz_key;

static const char *fuzz_name = "fuzz";
static uint8_t	fuzz_chunk[PROTO_MAX_FRAME];
static uint8_t	fuzz_plain[PROTO_MAX_PAYLOAD];

void
fuzz_peer_global_init(const char *name)
{
	char err[128];

	fuzz_name = name;
	if (auth_key_parse(FUZZ_KEY_HEX, sizeof(FUZZ_KEY_HEX) - 1, &fuzz_key,
	    err, sizeof(err)) == -1)
		fuzz_trouble("the harness's key: %s", err);
}

/*
 * _exit, not exit or abort: libFuzzer would report either as a crash of the
 * code under test and save the input, which reproduces nothing.
 */
void
fuzz_trouble(const char *fmt, ...)
{
	va_list	ap;
	char	msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: SKIP: harness trouble (not a finding): %s\n",
	    fuzz_name, msg);
	fflush(stderr);
	_exit(FUZZ_TROUBLE_EXIT);
}

uint64_t
fuzz_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
fuzz_close_reset(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* What a busy machine may clear in a moment (ports, buffers, signals). */
static bool
fuzz_transient(int err)
{
	return err == EADDRNOTAVAIL || err == EAGAIN || err == EINTR ||
	    err == ETIMEDOUT || err == ENOBUFS || err == ENOMEM ||
	    err == ENFILE;
}

int
fuzz_connect(const struct sockaddr_in *sin)
{
	uint64_t	deadline = fuzz_now_ms() + FUZZ_CONNECT_MS, now;
	struct pollfd	pfd;
	socklen_t	len;
	int		fd, err, n, delay = 1;

	for (;;) {
		err = 0;
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
		if (fd == -1)
			err = errno;
		else if (connect(fd, (const struct sockaddr *)sin,
		    sizeof(*sin)) == 0)
			return fd;
		else if (errno != EINPROGRESS)
			err = errno;
		else {
			/* Loopback: the kernel answers without the master. */
			now = fuzz_now_ms();
			pfd.fd = fd;
			pfd.events = POLLOUT;
			n = poll(&pfd, 1, now < deadline ?
			    (int)(deadline - now) : 0);
			len = sizeof(err);
			if (n == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
			    &len) == 0 && err == 0)
				return fd;
			if (n == 0)
				err = ETIMEDOUT;
			else if (n == -1)
				err = errno;
		}
		if (fd != -1)
			fuzz_close_reset(fd);
		if (!fuzz_transient(err) || fuzz_now_ms() >= deadline) {
			errno = err;
			return -1;
		}
		(void)poll(NULL, 0, delay);
		delay = delay < 100 ? 2 * delay : delay;
	}
}

void
fuzz_drain(int lfd)
{
	int i, fd;

	for (i = 0; i < 1024; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd != -1)
			fuzz_close_reset(fd);
		else if (errno != EINTR && errno != ECONNABORTED)
			return;
	}
}

int
fuzz_fd_count(void)
{
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own */
}

void
fuzz_peer_init(struct fuzz_peer *p, int fd, bool keyed, bool raw,
    enum auth_role role, uint32_t session)
{
	int one = 1;

	/* Nagle would hold our small frames back for an ACK: not here. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(p, 0, sizeof(*p));
	p->fd = fd;
	p->keyed = keyed;
	p->raw = raw;
	p->role = role;
	buf_init(&p->rx, 2 * PROTO_MAX_FRAME);
	buf_init(&p->inner, 2 * PROTO_MAX_FRAME);
	if (keyed)
		(void)auth_session_init(&p->as, &fuzz_key, role, session);
	p->as.session = session;
}

static void
fuzz_peer_free(struct fuzz_peer *p)
{
	p->fd = -1;
	p->closed = true;
	buf_free(&p->rx);
	buf_free(&p->inner);
}

/*
 * A fuzzing run makes tens of thousands of loopback connections, and a
 * TIME_WAIT left on either side of each would hold ports for a minute: the
 * harness would run out of them (connect: EADDRNOTAVAIL) on a fast machine
 * or beside other runs.  TIME_WAIT is the lot of the side that sent the first
 * FIN and then got one.  So the program gets its FIN (the peer hung up, what
 * it is to be tested with) from a socket that vanishes once the FIN is
 * acknowledged (TCP_LINGER2 < 0): the program's own FIN then meets a reset.
 * If the program hung up first (its FIN is here), a FIN from us would leave
 * it in TIME_WAIT: we reset instead (it no longer reads).  What the program
 * sent is read first, so that the close is a FIN whatever it had sent.
 */
void
fuzz_peer_close(struct fuzz_peer *p)
{
	int no_fin_wait2 = -1;

	if (p->fd == -1) {
		fuzz_peer_free(p);
		return;
	}
	fuzz_peer_read(p);
	if (p->closed)
		fuzz_close_reset(p->fd);
	else {
		(void)setsockopt(p->fd, IPPROTO_TCP, TCP_LINGER2, &no_fin_wait2,
		    sizeof(no_fin_wait2));
		close(p->fd);
	}
	fuzz_peer_free(p);
}

/* The end of an input: close with a reset, not a FIN (no TIME_WAIT). */
void
fuzz_peer_reset(struct fuzz_peer *p)
{
	if (p->fd != -1)
		fuzz_close_reset(p->fd);
	fuzz_peer_free(p);
}

static void
fuzz_peer_write(struct fuzz_peer *p, const uint8_t *b, size_t len,
    fuzz_pump_fn pump)
{
	int tries = 0;

	while (len > 0 && p->fd != -1 && !p->stuck) {
		ssize_t n = send(p->fd, b, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			b += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/*
			 * The program must read: let it, and drain its
			 * answers.  If it will not, later sends skip this
			 * connection (an input's time stays bounded).
			 */
			if (++tries > FUZZ_SEND_TRIES) {
				p->stuck = true;
				return;
			}
			if (pump != NULL)
				pump();
			fuzz_peer_read(p);
			continue;
		}
		/* Reset or closed by the program: nothing more to say. */
		p->closed = true;
		return;
	}
}

static void
fuzz_peer_frame_out(struct fuzz_peer *p, uint8_t cmd, const void *payload,
    size_t len)
{
	uint8_t	b[PROTO_HDR_LEN + 64];
	size_t	n = proto_encode(b, sizeof(b), p->as.session, cmd, payload,
		    len);

	if (n > 0)
		fuzz_peer_write(p, b, n, NULL);
}

/* A frame the program sent, after opening if sealed. */
static void
fuzz_peer_inner(struct fuzz_peer *p, const uint8_t *f, size_t len)
{
	int i;

	p->frames++;
	if (f[8] == CMD_PING && len == PROTO_HDR_LEN + 8) {
		p->last_ping = 0;
		for (i = 0; i < 8; i++)
			p->last_ping = p->last_ping << 8 | f[PROTO_HDR_LEN + i];
		p->got_ping = true;
	}
}

/* Whole frames at the head of b: each to fn; the rest stays. */
static void
fuzz_peer_frames(struct fuzz_peer *p, struct buf *b, bool outer)
{
	struct proto_hdr	h;
	size_t			used = 0, len = buf_len(b), flen;
	const uint8_t		*base = buf_head(b);
	uint8_t			proof[AUTH_PROOF_LEN];
	char			why[256];
	ssize_t			n;

	while (proto_decode_hdr(base + used, len - used, &h) == PROTO_FRAME &&
	    len - used >= PROTO_HDR_LEN + (size_t)h.datalen) {
		const uint8_t *f = base + used, *pl = f + PROTO_HDR_LEN;

		flen = PROTO_HDR_LEN + (size_t)h.datalen;
		used += flen;
		if (!outer || !p->keyed) {
			fuzz_peer_inner(p, f, flen);
			continue;
		}
		if (h.command == CMD_AUTH_HELLO && !p->as.have_peer_hello) {
			if (auth_hello_receive(&p->as, pl, h.datalen, why,
			    sizeof(why)) == 0) {
				auth_proof_make(&p->as, proof);
				fuzz_peer_frame_out(p, CMD_AUTH_PROOF, proof,
				    sizeof(proof));
				p->proof_sent = true;
			}
		} else if (h.command == CMD_AUTH_PROOF && !p->as.established) {
			(void)auth_proof_check(&p->as, pl, h.datalen, why,
			    sizeof(why));
		} else if (h.command == CMD_SEALED && p->as.established) {
			n = auth_open(&p->as, f, pl, h.datalen, fuzz_plain);
			if (n > 0 && buf_append(&p->inner, fuzz_plain,
			    (size_t)n) == 0)
				fuzz_peer_frames(p, &p->inner, false);
		} else
			fuzz_peer_inner(p, f, flen);
	}
	buf_consume(b, used);
}

void
fuzz_peer_read(struct fuzz_peer *p)
{
	uint8_t	tmp[16384];
	ssize_t	n;

	while (p->fd != -1 && !p->closed) {
		n = recv(p->fd, tmp, sizeof(tmp), MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			p->closed = true;
			return;
		}
		if (buf_append(&p->rx, tmp, (size_t)n) == -1) {
			buf_consume(&p->rx, buf_len(&p->rx));
			continue;
		}
		fuzz_peer_frames(p, &p->rx, true);
	}
}

bool
fuzz_peer_handshake(struct fuzz_peer *p, fuzz_pump_fn pump)
{
	int i;

	if (!p->keyed)
		return true;
	if (!p->hello_sent) {
		fuzz_peer_frame_out(p, CMD_AUTH_HELLO, p->as.my_hello,
		    sizeof(p->as.my_hello));
		p->hello_sent = true;
	}
	for (i = 0; i < 200 && !p->as.established && !p->closed; i++) {
		pump();
		fuzz_peer_read(p);
		if (!p->as.established && i > 20)
			(void)poll(NULL, 0, 1);
	}
	return p->as.established;
}

void
fuzz_peer_send(struct fuzz_peer *p, const uint8_t *b, size_t len,
    fuzz_pump_fn pump)
{
	size_t rec, n;

	if (p->closed || p->stuck || p->fd == -1)
		return;
	if (!p->keyed || p->raw || !p->as.established) {
		fuzz_peer_write(p, b, len, pump);
		return;
	}
	while (len > 0 && !p->closed && !p->stuck) {
		rec = len > AUTH_RECORD_MAX ? AUTH_RECORD_MAX : len;
		n = auth_seal(&p->as, b, rec, fuzz_chunk);
		if (n == 0)
			return;
		fuzz_peer_write(p, fuzz_chunk, n, pump);
		b += rec;
		len -= rec;
	}
}

void
fuzz_peer_echo(struct fuzz_peer *p, uint8_t *b, size_t len)
{
	int i;

	if (!p->got_ping || len < PROTO_HDR_LEN + 8 || b[8] != CMD_PONG)
		return;
	for (i = 0; i < 8; i++)
		b[PROTO_HDR_LEN + i] = (uint8_t)(p->last_ping >> (56 - 8 * i));
}

size_t
fuzz_record(const uint8_t *data, size_t size, size_t off, uint8_t *ctl,
    const uint8_t **bytes, size_t *len)
{
	size_t want;

	if (off + 3 > size)
		return 0;
	*ctl = data[off];
	want = (size_t)data[off + 1] | (size_t)data[off + 2] << 8;
	off += 3;
	if (want > size - off)
		want = size - off;
	*bytes = data + off;
	*len = want;
	return off + want;
}

static void
fuzz_guard_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
}

void
fuzz_loop_wait(struct ev_loop *loop, double ms)
{
	ev_timer guard;

	ev_timer_init(&guard, fuzz_guard_cb, ms / 1000.0, 0.);
	ev_timer_start(loop, &guard);
	ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &guard);
}
