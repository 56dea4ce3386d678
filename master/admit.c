/*
 * admit.c - the connections the master takes before they are past their
 * hello (NOTES section 10).
 *
 * A connection counts from its accept until its hello: with a key that is
 * the whole key handshake, since the hello comes sealed right after it;
 * without one, until a valid hello (or its drop).  Whoever can reach the
 * port can open such connections without the key, so they are capped: at
 * most twice SLAVES in all and SLAVES from one address (never fewer than
 * MASTER_UNAUTH_MAX and MASTER_UNAUTH_PER_ADDR), each for at most
 * MASTER_HELLO_SECS.  A connection beyond a cap is accepted, told why in
 * an ERROR frame (best effort) and closed at once; the log says so at most
 * once every ADMIT_LOG_SECS, with a count.
 *
 * So a peer without the key makes the master hold no more connections than
 * twice a session of SLAVES does anyway, each of them a few KiB (conn.c
 * takes nothing but the hello's or the handshake's frames), and the caps
 * never turn away a session that joins, however large and however many of
 * its slaves share a host: all SLAVES slaves connecting at once from one
 * address are within them.  A slave turned away comes back anyway, at the
 * next probe (or its -m retry).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"

#define ADMIT_BUCKETS	1024	/* a power of two */
#define ADMIT_LOG_SECS	5.0	/* at most one "turned away" line per */

struct admit_ent {
	struct admit_ent	*next;
	struct net_addr		 addr;		/* its IP (port 0) */
	uint32_t		 n;
};

static void	admit_log_cb(struct ev_loop *, ev_timer *, int);

static size_t
admit_hash(const struct net_addr *addr)
{
	const uint8_t	*p;
	size_t		 n = net_addr_bytes(addr, &p), i;
	uint32_t	 h = 0;

	for (i = 0; i < n; i++)
		h = h * 31 + p[i];
	h *= 2654435761u;	/* Knuth's multiplier */
	return (h >> 16) & (ADMIT_BUCKETS - 1);
}

static struct admit_ent **
admit_find(struct admit *a, const struct net_addr *addr)
{
	struct admit_ent **e = &a->bucket[admit_hash(addr)];

	while (*e != NULL && !net_addr_same_ip(&(*e)->addr, addr))
		e = &(*e)->next;
	return e;
}

/*
 * The log line of those turned away, at most once per ADMIT_LOG_SECS (and a
 * last one when the session ends: rearm false).
 */
static void
admit_log(struct master *m, bool rearm)
{
	struct admit *a = &m->admit;

	if (a->refused == 0) {
		ev_timer_stop(m->loop, &a->log_timer);
		return;
	}
	if (a->refused == 1)
		log_warnx("%s: turned away: %s", a->last_addr, a->last_why);
	else
		log_warnx("%u connections turned away in the last %.0f s, the "
		    "last from %s: %s", a->refused, ADMIT_LOG_SECS, a->last_addr,
		    a->last_why);
	a->refused = 0;
	if (!rearm)
		return;
	/* Those turned away from now on are counted until the timer. */
	ev_timer_set(&a->log_timer, ADMIT_LOG_SECS, 0.);
	ev_timer_start(m->loop, &a->log_timer);
}

static void
admit_log_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct master *m = (struct master *)((char *)w -
	    offsetof(struct master, admit.log_timer));

	(void)loop;
	(void)revents;
	admit_log(m, true);
}

/* Tell the peer why (best effort: one send on a fresh socket), close. */
static void
admit_refuse(struct master *m, int fd, const struct net_addr *sin,
    const char *why)
{
	struct admit	*a = &m->admit;
	uint8_t		 frame[PROTO_HDR_LEN + PROTO_REASON_MAX];
	size_t		 n;

	n = proto_encode(frame, sizeof(frame), m->opts->c.session, CMD_ERROR,
	    why, strnlen(why, PROTO_REASON_MAX));
	if (n > 0)
		(void)send(fd, frame, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
	a->refused++;
	net_addr_str(sin, a->last_addr, sizeof(a->last_addr));
	snprintf(a->last_why, sizeof(a->last_why), "%s", why);
	if (!ev_is_active(&a->log_timer))
		admit_log(m, true);
}

void
admit_init(struct master *m)
{
	ev_init(&m->admit.log_timer, admit_log_cb);
}

/* The caps for a session of m->nslaves slaves. */
/* SLAVES all, not by name: as many as come, so the floors. */
static uint32_t
admit_slaves(const struct master *m)
{
	return m->pool.open ? 0 : m->nslaves;
}

static uint32_t
admit_max(const struct master *m)
{
	return admit_slaves(m) > MASTER_UNAUTH_MAX / 2 ? 2 * admit_slaves(m) :
	    MASTER_UNAUTH_MAX;
}

static uint32_t
admit_max_per_addr(const struct master *m)
{
	return admit_slaves(m) > MASTER_UNAUTH_PER_ADDR ? admit_slaves(m) :
	    MASTER_UNAUTH_PER_ADDR;
}

bool
admit_take(struct master *m, int fd, const struct net_addr *sin)
{
	struct admit		*a = &m->admit;
	struct admit_ent	**e, *ent;
	char			 ip[NET_IPSTRLEN], why[512];

	if (a->bucket == NULL &&
	    (a->bucket = calloc(ADMIT_BUCKETS, sizeof(*a->bucket))) == NULL) {
		admit_refuse(m, fd, sin, "the master is out of memory");
		return false;
	}
	e = admit_find(a, sin);
	if (a->total >= admit_max(m)) {
		snprintf(why, sizeof(why), "too many connections not past their "
		    "hello (or key handshake): %u, the most the master takes; "
		    "try again later", a->total);
		admit_refuse(m, fd, sin, why);
		return false;
	}
	if (*e != NULL && (*e)->n >= admit_max_per_addr(m)) {
		snprintf(why, sizeof(why), "too many connections not past their "
		    "hello (or key handshake) from %s: %u, the most the master "
		    "takes from one address; try again later",
		    net_ip_str(sin, ip, sizeof(ip)), (*e)->n);
		admit_refuse(m, fd, sin, why);
		return false;
	}
	if (*e == NULL) {
		if ((ent = calloc(1, sizeof(*ent))) == NULL) {
			admit_refuse(m, fd, sin, "the master is out of memory");
			return false;
		}
		ent->addr = *sin;
		net_addr_set_port(&ent->addr, 0);
		*e = ent;
	}
	(*e)->n++;
	a->total++;
	return true;
}

void
admit_leave(struct master *m, const struct net_addr *addr)
{
	struct admit		*a = &m->admit;
	struct admit_ent	**e, *ent;

	if (a->bucket == NULL || (ent = *(e = admit_find(a, addr))) == NULL)
		return;		/* cannot happen: admit_take() made it */
	a->total--;
	if (--ent->n == 0) {
		*e = ent->next;
		free(ent);
	}
}

void
admit_free(struct master *m)
{
	struct admit		*a = &m->admit;
	struct admit_ent	*e, *next;
	size_t			 i;

	if (m->loop != NULL) {
		admit_log(m, false);
		ev_timer_stop(m->loop, &a->log_timer);
	}
	if (a->bucket == NULL)
		return;
	for (i = 0; i < ADMIT_BUCKETS; i++)
		for (e = a->bucket[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	free(a->bucket);
	a->bucket = NULL;
	a->total = 0;
}
