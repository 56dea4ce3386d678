/*
 * listen.h - finding a master: UDP probes, or -m HOST[:PORT] with retries
 * (listen.c).  It knows nothing of what a master is for: its owner (slave.c)
 * says whether one may be taken now and takes it.
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

#define LISTEN_RETRY_MIN	0.1		/* -m: first retry, seconds */
#define LISTEN_RETRY_MAX	5.0		/* -m: retries double up to this */

struct listener {
	struct ev_loop		*loop;
	const struct slave_opts	*opts;		/* the slave's, in force */
	unsigned		 ifindex;	/* -i, 0: any */
	int			 udp_fd;
	ev_io			 udp_io;
	bool			 announce;	/* -i: say "here" when listening */
	struct sockaddr_in	 announce_to;	/* -i's broadcast address, PORT */
	bool			 direct;	/* -m */
	struct sockaddr_in	 master_sa;
	ev_timer		 retry_timer;
	double			 retry_delay;
	bool			 retry_quiet;	/* first failure already logged */
	/* The last FULL, said once while the same master says the same. */
	char			 full_master[NET_ADDRSTRLEN];
	char			 full_why[PROTO_REASON_MAX + 1];
	/* The owner's: may a master be taken now?  Take this one. */
	void			*owner;
	bool			(*idle)(void *owner);
	void			(*found)(void *owner,
				    const struct sockaddr_in *master);
};

/*
 * Before the loop (and before daemonizing): the UDP socket, or -m's
 * resolution.  -1 with the reason.
 */
int	listen_init(struct listener *, const struct slave_opts *,
	    unsigned ifindex, char *err, size_t errlen);
/* The first look, once the loop exists: probes, or -m at once. */
void	listen_start(struct listener *, struct ev_loop *);
/*
 * Look for a master again (probes, or -m after the back-off's delay;
 * after_failure: the last session came to nothing, the delay doubles).
 */
void	listen_resume(struct listener *, bool after_failure);
/* A connection to the master found could not be made: said. */
void	listen_connect_failed(struct listener *, const char *master,
	    const char *why);
/* One was made: its next failure is said again. */
void	listen_connected(struct listener *);
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
