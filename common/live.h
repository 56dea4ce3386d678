/*
 * live.h - is the peer still there?  Heartbeats and the silence timer of one
 * connection, used the same way by both programs (NOTES section 11).
 *
 *  - Every `interval` seconds a HEARTBEAT goes out, unless bytes are already
 *    queued for the peer (bytes that move are proof of life to it as well).
 *  - The peer is lost when nothing at all has arrived from it for `timeout`
 *    seconds, or when what we queued for it has not moved for as long (it
 *    stopped reading: SIGSTOP, a hung host with its kernel still up).
 *
 * Any byte received counts, not only heartbeats, so a slave streaming output
 * or reports is never late.  The check follows ev.pod's "be smart about
 * timeouts" (the fourth method): conn.c notes the time of each read, and one
 * timer per peer is set to the earliest moment the peer could be late, so
 * receiving costs no timer update.  Before declaring a loss the timer looks
 * at the socket itself: bytes the loop has not read yet (because this
 * process was busy, starved of CPU or stopped) are life, not silence.
 */
#ifndef SYNEXEC_LIVE_H
#define SYNEXEC_LIVE_H

#include <ev.h>
#include <stdbool.h>

#include "conn.h"

#define LIVE_INTERVAL_MAX	1.0	/* heartbeats once a second ... */
#define LIVE_INTERVAL_SHARE	4	/* ... or 4 per timeout if it is short */
#define LIVE_INTERVAL_MIN	0.1	/* never faster than this, whatever asked */

struct live;
/* The peer is lost; why says how.  The owner closes the connection. */
typedef void	(*live_lost_cb)(struct live *, const char *why);

struct live {
	struct ev_loop	*loop;
	struct conn	*conn;
	ev_timer	 check;		/* silence / stalled output */
	ev_timer	 beat;		/* our HEARTBEAT */
	ev_tstamp	 timeout;	/* 0: no check */
	void		*owner;
	live_lost_cb	 on_lost;
};

void	live_init(struct live *, void *owner, live_lost_cb);
/*
 * Watch conn from now: lost after timeout seconds without a byte from the
 * peer (0: no check), HEARTBEAT every interval seconds (0: none).  May be
 * called again to change either.
 */
void	live_start(struct live *, struct ev_loop *, struct conn *,
	    double timeout, double interval);
/* Safe on a struct that live_init() never saw, if it is zeroed. */
void	live_stop(struct live *);
/* The heartbeat interval that goes with a timeout (see the defines). */
double	live_interval(double timeout);
/*
 * TCP keepalive tuned to notice a dead host or a cut link within about
 * timeout seconds: the kernel answers it, so a busy peer can never fail it.
 * The only liveness a 2014 peer gets once it may be silent.
 */
void	live_keepalive(int fd, double timeout);

#endif
