/*
 * listen.h - finding a master: UDP probes (IPv4 and IPv6), and -m
 * HOST[:PORT] with retries (listen.c).  It knows nothing of what a master
 * is for: its owner (slave.c) says whether one may be taken now and takes
 * it.
 */
#ifndef SYNEXEC_SLAVE_LISTEN_H
#define SYNEXEC_SLAVE_LISTEN_H

#include <ev.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "net.h"
#include "proto.h"

/*
 * -m: the first retry after LISTEN_RETRY_MIN, doubling (each step drawn
 * between half and all of it, so that slaves started together spread out)
 * up to LISTEN_RETRY_MAX, counted from the start of the attempt before: at
 * most one connection attempt a second, and a master that starts is found
 * within a second (README, "Joining at once").
 */
#define LISTEN_RETRY_MIN	0.1
#define LISTEN_RETRY_MAX	1.0
/* A probe of another session is answered (REPLY) at most this often. */
#define LISTEN_OTHER_REPLY_NS	(1000ull * 1000 * 1000)
/* Masters whose key differs, remembered to say so once each. */
#define LISTEN_MISMATCH_MAX	16

struct listener {
	struct ev_loop		*loop;
	const struct slave_opts	*opts;		/* the slave's, in force */
	unsigned		 ifindex;	/* -i, 0: any */
	int			 udp_fd;	/* PORT: [::] (both), or IPv4 */
	bool			 udp_v6;	/* udp_fd is AF_INET6 */
	ev_io			 udp_io;
	int			 nannounce;	/* -i: say "here" when listening */
	struct net_addr		 announce_to[2]; /* its broadcast, ff02::1 */
	uint64_t		 other_reply_ns; /* last REPLY to another session */
	bool			 direct;	/* -m */
	struct net_addr		 master_sa;
	ev_timer		 retry_timer;
	double			 retry_delay;
	uint64_t		 attempt_ns;	/* the last -m attempt began */
	bool			 retry_quiet;	/* first failure already logged */
	/* The last FULL, said once while the same master says the same. */
	char			 full_master[NET_ADDRSTRLEN];
	char			 full_why[PROTO_REASON_MAX + 1];
	struct {
		char		 master[NET_ADDRSTRLEN];
		char		 why[256];	/* another key: said again */
	}			 mismatch[LISTEN_MISMATCH_MAX];
	unsigned		 nmismatch;	/* said so far (ring) */
	/* The owner's: may a master be taken now?  Take this one. */
	void			*owner;
	bool			(*idle)(void *owner);
	void			(*found)(void *owner,
				    const struct net_addr *master);
};

/*
 * Before the loop (and before daemonizing): the UDP socket, and -m's
 * resolution.  -1 with the reason.
 */
int	listen_init(struct listener *, const struct slave_opts *,
	    unsigned ifindex, char *err, size_t errlen);
/* The first look, once the loop exists: probes, and -m at once. */
void	listen_start(struct listener *, struct ev_loop *);
/*
 * Look for a master again (probes, and -m after the back-off's delay;
 * after_failure: the last session came to nothing, the delay grows).
 */
void	listen_resume(struct listener *, bool after_failure);
/* A connection to the master found could not be made: said. */
void	listen_connect_failed(struct listener *, const char *master,
	    const char *why);
/* The key handshake with master failed: said once per master. */
void	listen_key_mismatch(struct listener *, const char *master,
	    const char *why);
/* A session with master got past its hello: its next failure is said again. */
void	listen_connected(struct listener *, const char *master);
/*
 * The master turned us away (FULL, why): said once while it says the same
 * (at each probe, or -m retry, it would say it again), then only with -vv;
 * a session that gets further forgets it.
 */
void	listen_turned_away(struct listener *, const char *master,
	    const char *why);
void	listen_progressed(struct listener *);
void	listen_close(struct listener *);

#endif
