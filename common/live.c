/*
 * live.c - heartbeats and the silence timer of one connection (live.h).
 */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "live.h"
#include "log.h"

static void	live_check_cb(struct ev_loop *, ev_timer *, int);
static void	live_beat_cb(struct ev_loop *, ev_timer *, int);

void
live_init(struct live *l, void *owner, live_lost_cb on_lost)
{
	l->loop = NULL;
	l->conn = NULL;
	l->timeout = 0;
	l->owner = owner;
	l->on_lost = on_lost;
	ev_init(&l->check, live_check_cb);
	ev_init(&l->beat, live_beat_cb);
}

double
live_interval(double timeout)
{
	double i = timeout / LIVE_INTERVAL_SHARE;

	if (i > LIVE_INTERVAL_MAX)
		i = LIVE_INTERVAL_MAX;
	if (i < LIVE_INTERVAL_MIN)
		i = LIVE_INTERVAL_MIN;
	return i;
}

void
live_start(struct live *l, struct ev_loop *loop, struct conn *c,
    double timeout, double interval)
{
	live_stop(l);
	l->loop = loop;
	l->conn = c;
	l->timeout = timeout;
	/* Silence counts from now, not from the last byte of an older phase. */
	c->last_rx = ev_now(loop);
	if (timeout > 0) {
		ev_timer_set(&l->check, timeout, 0.);
		ev_timer_start(loop, &l->check);
	}
	if (interval > 0) {
		if (interval < LIVE_INTERVAL_MIN)
			interval = LIVE_INTERVAL_MIN;
		ev_timer_set(&l->beat, interval, interval);
		ev_timer_start(loop, &l->beat);
	}
}

void
live_stop(struct live *l)
{
	if (l->loop == NULL)
		return;
	ev_timer_stop(l->loop, &l->check);
	ev_timer_stop(l->loop, &l->beat);
	l->loop = NULL;
	l->conn = NULL;
}

static void
live_check_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct live	*l = (struct live *)((char *)w -
			    offsetof(struct live, check));
	struct conn	*c = l->conn;
	ev_tstamp	 now = ev_now(loop), due;
	char		 why[160];
	int		 unread = 0;

	(void)revents;
	if (c == NULL || c->fd == -1 || c->failed)
		return;		/* closed, or its error is on the way */
	if (ioctl(c->fd, FIONREAD, &unread) == 0 && unread > 0)
		c->last_rx = now;
	due = c->last_rx + l->timeout;
	if (due <= now) {
		snprintf(why, sizeof(why), "nothing received for %.3g s "
		    "(heartbeat timeout)", now - c->last_rx);
		l->on_lost(l, why);
		return;		/* the owner may have freed l */
	}
	if (conn_pending(c) > 0) {
		ev_tstamp tx_due = c->last_tx + l->timeout;

		if (tx_due <= now) {
			snprintf(why, sizeof(why), "not reading: %zu bytes "
			    "queued for it have not moved for %.3g s",
			    conn_pending(c), now - c->last_tx);
			l->on_lost(l, why);
			return;
		}
		if (tx_due < due)
			due = tx_due;
	}
	ev_timer_set(w, due - now, 0.);
	ev_timer_start(loop, w);
}

static void
live_beat_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct live	*l = (struct live *)((char *)w -
			    offsetof(struct live, beat));
	struct conn	*c = l->conn;

	(void)loop;
	(void)revents;
	/* Queued bytes are on their way: they say the same, and more. */
	if (c != NULL && c->fd != -1 && !c->failed && conn_pending(c) == 0)
		(void)conn_send(c, CMD_HEARTBEAT, NULL, 0);
}

void
live_keepalive(int fd, double timeout)
{
	int one = 1, cnt = 3, idle, intvl;

	/* About timeout in all: half of it idle, the rest in three probes. */
	idle = (int)(timeout / 2 + 0.5);
	if (idle < 1)
		idle = 1;
	intvl = (int)((timeout - idle) / cnt);
	if (intvl < 1)
		intvl = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) ==
	    -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl)) ==
	    -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)) == -1)
		log_debug("TCP keepalive: %s", strerror(errno));
}
