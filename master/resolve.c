/*
 * resolve.c - host names resolved without blocking the loop.
 *
 * getaddrinfo() answers names of /etc/hosts at once, but a name that goes
 * to DNS may take seconds (the resolver's own timeout and attempts, per
 * server: 5 s x 2 by default), and a callback of the loop must not wait
 * that long: every slave's heartbeats and every deadline would wait too.
 * So the names go to a helper process, forked for the round: it resolves
 * them one after the other and writes each answer down a pipe as it comes;
 * the loop reads the pipe like any socket.  A round lasts RESOLVE_CAP_SECS
 * at most: the helper is then killed, and the names it had not answered
 * are "not resolved (no answer within 5 s)", to be asked again at the next
 * round (hosts.c: at most one round a second).
 *
 * A record: u32 id, i32 count (-1: error), u16 error length, then count
 * struct net_addr, then the error's text.  Each is written at once and is
 * smaller than PIPE_BUF, so it comes whole or not at all; both ends are
 * this program, so the structs go as they are.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"

#define RESOLVE_HDR	10
#define RESOLVE_ERR_MAX	200
#define RESOLVE_REC_MAX	(RESOLVE_HDR + NET_RESOLVE_MAX * \
			    sizeof(struct net_addr) + RESOLVE_ERR_MAX)

static void	resolve_read_cb(struct ev_loop *, ev_io *, int);
static void	resolve_timer_cb(struct ev_loop *, ev_timer *, int);

void
resolve_init(struct resolve *r, struct ev_loop *loop, void *owner,
    void (*one)(void *, uint32_t, int, const struct net_addr *,
    const char *))
{
	memset(r, 0, sizeof(*r));
	r->loop = loop;
	r->fd = -1;
	r->owner = owner;
	r->one = one;
	ev_init(&r->io, resolve_read_cb);
	ev_init(&r->timer, resolve_timer_cb);
}

bool
resolve_busy(const struct resolve *r)
{
	return r->pid != 0;
}

/* The helper: each name in turn, each answer down the pipe at once. */
static void __attribute__((noreturn))
resolve_child(int fd, const uint32_t *ids, const char *const *names,
    uint32_t n)
{
	struct net_addr	 a[NET_RESOLVE_MAX];
	uint8_t		 rec[RESOLVE_REC_MAX];
	char		 err[512];
	uint32_t	 i;
	int32_t		 k;
	uint16_t	 elen;
	size_t		 len;

	/* Ctrl-C and the like end it at once, as they end us. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	for (i = 0; i < n; i++) {
		k = net_resolve_all(names[i], 0, a, NET_RESOLVE_MAX, err,
		    sizeof(err));
		elen = k < 0 ? (uint16_t)strnlen(err, RESOLVE_ERR_MAX) : 0;
		memcpy(rec, &ids[i], 4);
		memcpy(rec + 4, &k, 4);
		memcpy(rec + 8, &elen, 2);
		len = RESOLVE_HDR;
		if (k > 0) {
			memcpy(rec + len, a, (size_t)k * sizeof(a[0]));
			len += (size_t)k * sizeof(a[0]);
		}
		memcpy(rec + len, err, elen);
		len += elen;
		if (write(fd, rec, len) != (ssize_t)len)
			_exit(1);
	}
	_exit(0);
}

int
resolve_start(struct resolve *r, const uint32_t *ids,
    const char *const *names, uint32_t n, char *err, size_t errlen)
{
	int	p[2];
	pid_t	pid;

	if (r->pid != 0 || n == 0) {
		snprintf(err, errlen, "a round of names is under way");
		return -1;
	}
	if ((r->ids = malloc(n * sizeof(*ids))) == NULL ||
	    (r->buf = malloc(RESOLVE_REC_MAX)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	memcpy(r->ids, ids, n * sizeof(*ids));
	if (pipe2(p, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		goto fail;
	}
	if (pid == 0) {
		close(p[0]);
		resolve_child(p[1], ids, names, n);
	}
	close(p[1]);
	(void)net_set_nonblock(p[0]);
	r->pid = pid;
	r->fd = p[0];
	r->n = n;
	r->answered = 0;
	r->have = 0;
	ev_io_set(&r->io, r->fd, EV_READ);
	ev_io_start(r->loop, &r->io);
	ev_timer_set(&r->timer, RESOLVE_CAP_SECS, 0.);
	ev_timer_start(r->loop, &r->timer);
	return 0;
fail:
	free(r->ids);
	free(r->buf);
	r->ids = NULL;
	r->buf = NULL;
	return -1;
}

/* The names not answered yet, said so; the helper gone. */
static void
resolve_end(struct resolve *r, const char *why)
{
	uint32_t	*ids = r->ids, i, from = r->answered, n = r->n;
	pid_t		 pid = r->pid;

	ev_io_stop(r->loop, &r->io);
	ev_timer_stop(r->loop, &r->timer);
	if (r->fd != -1)
		close(r->fd);
	r->fd = -1;
	if (pid != 0) {
		/* Exiting already (its pipe closed) or killed: not long. */
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	r->pid = 0;
	free(r->buf);
	r->buf = NULL;
	r->ids = NULL;
	for (i = from; why != NULL && i < n; i++)
		r->one(r->owner, ids[i], -1, NULL, why);
	free(ids);
}

void
resolve_stop(struct resolve *r)
{
	if (r->pid != 0)
		resolve_end(r, NULL);
}

/* Whole records out of the buffer; the part of one stays. */
static void
resolve_records(struct resolve *r)
{
	size_t	 off = 0;
	uint32_t id;
	int32_t	 k;
	uint16_t elen;
	char	 err[RESOLVE_ERR_MAX + 1];

	while (r->have - off >= RESOLVE_HDR) {
		struct net_addr a[NET_RESOLVE_MAX];
		size_t need;

		memcpy(&id, r->buf + off, 4);
		memcpy(&k, r->buf + off + 4, 4);
		memcpy(&elen, r->buf + off + 8, 2);
		if (k > NET_RESOLVE_MAX || k < -1 || elen > RESOLVE_ERR_MAX)
			return;		/* cannot be: the helper is ours */
		need = RESOLVE_HDR + (k > 0 ? (size_t)k * sizeof(a[0]) : 0) +
		    elen;
		if (r->have - off < need)
			break;
		if (k > 0)
			memcpy(a, r->buf + off + RESOLVE_HDR,
			    (size_t)k * sizeof(a[0]));
		memcpy(err, r->buf + off + need - elen, elen);
		err[elen] = '\0';
		off += need;
		r->answered++;
		r->one(r->owner, id, k > 0 ? k : -1, a, err);
	}
	memmove(r->buf, r->buf + off, r->have - off);
	r->have -= off;
}

static void
resolve_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct resolve	*r = (struct resolve *)((char *)w -
			    offsetof(struct resolve, io));
	ssize_t		 n;

	(void)loop;
	(void)revents;
	n = read(r->fd, r->buf + r->have, RESOLVE_REC_MAX - r->have);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		r->have += (size_t)n;
		resolve_records(r);
		return;
	}
	/* The helper is done (or died): what it did not answer, it won't. */
	resolve_end(r, "not resolved (the resolver process ended)");
}

static void
resolve_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct resolve	*r = (struct resolve *)((char *)w -
			    offsetof(struct resolve, timer));
	char		 why[64];

	(void)loop;
	(void)revents;
	snprintf(why, sizeof(why), "not resolved (no answer within %.0f s)",
	    RESOLVE_CAP_SECS);
	resolve_end(r, why);
}
