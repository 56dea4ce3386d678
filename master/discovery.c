/*
 * discovery.c - finding the slaves: the TCP listeners they connect back to,
 * the UDP PROBEs that make them do so (IPv4 broadcast, IPv6 multicast to
 * ff02::1 on -i's link, unicast to each host of a host list), the PROBEs
 * over TCP to the slaves already joined, what comes back (REPLYs of slaves
 * of another session, ICMP errors, announces), key mismatches, and -w.
 *
 * Probes leave at once, then after 10, 20, 40 ... 640 ms, then once a second:
 * slaves already listening are found within a millisecond or two, and a slave
 * that starts late is not kept waiting long, without a broadcast storm.  A
 * round goes to every target and to every listed host not joined yet.
 * With -i a slave also announces itself when it starts listening (a REPLY
 * datagram to the interface's broadcast address and ff02::1): we then probe
 * at once, so a slave started after us joins in milliseconds (NOTES
 * section 2).
 *
 * Where discovery ends without enough slaves (-w), it says why as far as it
 * can tell: the probes it sent, who answered and was turned away, the
 * listed hosts that never joined with their last error, and a hint per
 * likely cause.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "master.h"
#include "numparse.h"

#define DISCOVERY_ACCEPT_BURST	256	/* accepts per wakeup, then others run */
#define DISCOVERY_DGRAM_BURST	64	/* datagrams per wakeup */
/* Probes answering announces: at most one per 5 ms, however many slaves boot. */
#define DISCOVERY_ANNOUNCE_GAP_NS (5 * NSEC_PER_MSEC)
/* Hosts, addresses named in one line of a message; the rest counted. */
#define DISCOVERY_NAMED_MAX	10

static const double discovery_backoff[] = {
	0.010, 0.020, 0.040, 0.080, 0.160, 0.320, 0.640,
};
#define DISCOVERY_BACKOFF_STEPS \
	(int)(sizeof(discovery_backoff) / sizeof(discovery_backoff[0]))
#define DISCOVERY_PROBE_SECS	1.0

static void	discovery_accept_cb(struct ev_loop *, ev_io *, int);
static void	discovery_probe_cb(struct ev_loop *, ev_timer *, int);
static void	discovery_tcp_probe_cb(struct ev_loop *, ev_timer *, int);
static void	discovery_waitlog_cb(struct ev_loop *, ev_timer *, int);
static void	discovery_probe_host(struct master *, struct host *);
static void	discovery_wait_cb(struct ev_loop *, ev_timer *, int);
static void	discovery_key_cb(struct ev_loop *, ev_timer *, int);
static void	discovery_udp_cb(struct ev_loop *, ev_io *, int);
static void	discovery_announce_cb(struct ev_loop *, ev_io *, int);
static void	discovery_timed_out(struct master *);

/* ---- sockets ---- */

static void
discovery_udp_none(struct disc_udp *u, struct master *m)
{
	u->fd = -1;
	u->m = m;
}

/* A TCP listener on addr, or the error; one more in the table. */
static int
discovery_listen(struct master *m, const struct net_addr *addr, char *err,
    size_t errlen)
{
	struct disc	*d = &m->disc;
	int		 fd;

	if (d->nlisten == DISC_LISTEN_MAX) {
		snprintf(err, errlen, "more than %d listeners (addresses of "
		    "the interface times ports of the host list)",
		    DISC_LISTEN_MAX);
		return -1;
	}
	if ((fd = net_tcp_listen(addr, MASTER_BACKLOG, err, errlen)) == -1)
		return -1;
	d->l[d->nlisten].fd = fd;
	d->l[d->nlisten].m = m;
	d->l[d->nlisten].port = net_addr_port(addr);
	d->nlisten++;
	return 0;
}

/*
 * Without -i: every address, IPv6 and IPv4 in one socket (IPv4 alone where
 * the host has no IPv6).  With -i: each address of the interface, its
 * link-local ones with their scope.  On -p's port and each port of the host
 * list, since a slave connects back to its own port.
 */
static int
discovery_listeners(struct master *m, char *err, size_t errlen)
{
	const struct master_opts *o = m->opts;
	struct disc		 *d = &m->disc;
	struct net_addr		  a;
	uint16_t		  ports[17];
	uint32_t		  np = 0, i, k;
	int			  j;

	ports[np++] = o->c.port;
	for (i = 0; i < m->hosts.nports; i++) {
		for (k = 0; k < np && ports[k] != m->hosts.ports[i]; k++)
			;
		if (k == np)
			ports[np++] = m->hosts.ports[i];
	}
	for (i = 0; i < np; i++) {
		if (o->c.interface == NULL) {
			net_addr_any(&a, AF_INET6, ports[i]);
			if (discovery_listen(m, &a, err, errlen) == 0)
				continue;
			if (errno != EAFNOSUPPORT)
				return -1;
			net_addr_any(&a, AF_INET, ports[i]);
			if (discovery_listen(m, &a, err, errlen) == -1)
				return -1;
			continue;
		}
		if (d->ifc.has_v4) {
			net_addr_any(&a, AF_INET, ports[i]);
			a.u.sin.sin_addr = d->ifc.v4;
			if (discovery_listen(m, &a, err, errlen) == -1)
				return -1;
		}
		for (j = 0; j < d->ifc.nv6; j++) {
			net_addr_any(&a, AF_INET6, ports[i]);
			a.u.sin6.sin6_addr = d->ifc.v6[j];
			if (IN6_IS_ADDR_LINKLOCAL(&d->ifc.v6[j]))
				a.u.sin6.sin6_scope_id = d->ifc.index;
			if (discovery_listen(m, &a, err, errlen) == -1)
				return -1;
		}
	}
	return 0;
}

/*
 * The sockets the probes leave from: one per family, whose errors (ICMP,
 * IP_RECVERR) and REPLYs of slaves of another session come back to them.
 * With -i the IPv4 one is bound to the interface's address (slaves connect
 * back to the probe's source address) and both stay on the interface when
 * allowed (SO_BINDTODEVICE needs CAP_NET_RAW before Linux 5.7; the route to
 * the interface's own broadcast address and ff02::1's scope do the same).
 */
static int
discovery_udp_open(struct master *m, char *err, size_t errlen)
{
	const char	*ifn = m->opts->c.interface;
	struct disc	*d = &m->disc;
	struct net_addr	 a;
	int		 fd, one = 1;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errlen, "UDP socket: %s", strerror(errno));
		return -1;
	}
	d->udp4.fd = fd;
	if (setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) == -1) {
		snprintf(err, errlen, "SO_BROADCAST: %s", strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
	if (ifn != NULL) {
		(void)setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifn,
		    (socklen_t)strlen(ifn));
		if (d->ifc.has_v4) {
			net_addr_any(&a, AF_INET, 0);
			a.u.sin.sin_addr = d->ifc.v4;
			if (bind(fd, &a.u.sa, a.len) == -1) {
				snprintf(err, errlen, "bind UDP to %s: %s",
				    ifn, strerror(errno));
				return -1;
			}
		}
	}
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_debug("no IPv6 probes: %s", strerror(errno));
		return 0;
	}
	d->udp6.fd = fd;
	(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	(void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));
	if (ifn != NULL) {
		int idx = (int)d->ifc.index;

		(void)setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifn,
		    (socklen_t)strlen(ifn));
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx,
		    sizeof(idx));
	}
	return 0;
}

/*
 * The sockets for the slaves' announces are bound to the interface's
 * broadcast address and to ff02::1 on it, at PORT (SO_REUSEADDR, beside the
 * slaves of this host that bind PORT on every address): they take only
 * broadcasts and multicasts, so a unicast datagram to PORT still reaches
 * only a slave.  Our own probes land here too and are ignored.  Best
 * effort: without them, slaves join at the next probe.
 */
static void
discovery_announce_open(struct master *m)
{
	struct disc	*d = &m->disc;
	struct net_addr	 a;
	char		 as[NET_ADDRSTRLEN];
	int		 fd, one = 1, k;

	for (k = 0; k < 2; k++) {
		if (k == 0) {
			if (!d->ifc.has_v4)
				continue;
			net_addr_any(&a, AF_INET, m->opts->c.port);
			a.u.sin.sin_addr = d->ifc.bcast;
		} else {
			if (!d->ifc.multicast || d->ifc.nv6 == 0)
				continue;
			net_addr_any(&a, AF_INET6, m->opts->c.port);
			(void)inet_pton(AF_INET6, "ff02::1",
			    &a.u.sin6.sin6_addr);
			a.u.sin6.sin6_scope_id = d->ifc.index;
		}
		fd = socket(net_addr_family(&a), SOCK_DGRAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (fd == -1) {
			log_debug("no announces: UDP socket: %s",
			    strerror(errno));
			continue;
		}
		if (k == 1)
			(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			    sizeof(one));
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one)) == -1 || bind(fd, &a.u.sa, a.len) == -1) {
			log_debug("no announces: bind %s: %s", net_addr_str(&a,
			    as, sizeof(as)), strerror(errno));
			close(fd);
			continue;
		}
		(k == 0 ? &d->ann4 : &d->ann6)->fd = fd;
	}
}

/* Where the probes go besides the listed hosts. */
static void
discovery_targets(struct master *m)
{
	const struct master_opts *o = m->opts;
	struct disc		 *d = &m->disc;
	struct net_addr		 *t;

	d->ntargets = 0;
	if (o->c.interface == NULL) {
		/* A host list alone: nothing broadcast. */
		if (m->hosts.n > 0)
			return;
		t = &d->target[d->ntargets++];
		net_addr_any(t, AF_INET, o->c.port);
		t->u.sin.sin_addr.s_addr = htonl(INADDR_BROADCAST);
		return;
	}
	if (d->ifc.has_v4) {
		t = &d->target[d->ntargets++];
		net_addr_any(t, AF_INET, o->c.port);
		t->u.sin.sin_addr.s_addr = o->broadcast_all ?
		    htonl(INADDR_BROADCAST) : d->ifc.bcast.s_addr;
	}
	if (d->ifc.multicast && d->ifc.nv6 > 0 && d->udp6.fd != -1) {
		t = &d->target[d->ntargets++];
		net_addr_any(t, AF_INET6, o->c.port);
		(void)inet_pton(AF_INET6, "ff02::1", &t->u.sin6.sin6_addr);
		t->u.sin6.sin6_scope_id = d->ifc.index;
	}
}

/*
 * Sockets are made before the loop (and before -d forks) so that a bind
 * error is reported on the terminal with exit 1.
 */
int
discovery_open(struct master *m, char *err, size_t errlen)
{
	const struct master_opts *o = m->opts;
	struct disc		 *d = &m->disc;

	d->spare_fd = -1;
	if (o->c.interface != NULL && net_iface_lookup(o->c.interface,
	    &d->ifc, err, errlen) == -1)
		return -1;
	if (discovery_listeners(m, err, errlen) == -1 ||
	    discovery_udp_open(m, err, errlen) == -1)
		return -1;
	if (o->c.interface != NULL)
		discovery_announce_open(m);
	discovery_targets(m);
	/* Given up under EMFILE to accept and close the connection waiting. */
	d->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return 0;
}

void
discovery_adopt(struct master *m, int listen_fd)
{
	m->disc.l[0].fd = listen_fd;
	m->disc.l[0].m = m;
	m->disc.l[0].port = m->opts->c.port;
	m->disc.nlisten = 1;
}

/* ---- start, stop ---- */

static void
discovery_udp_start(struct master *m, struct disc_udp *u,
    void (*cb)(struct ev_loop *, ev_io *, int))
{
	u->m = m;
	if (u->fd == -1)
		return;
	ev_io_init(&u->io, cb, u->fd, EV_READ);
	ev_io_start(m->loop, &u->io);
}

/* "198.18.0.255:5165 (IPv4 broadcast), [ff02::1%eth0]:5165 (...)" */
static void
discovery_targets_text(const struct master *m, FILE *f)
{
	const struct disc	*d = &m->disc;
	char			 as[NET_ADDRSTRLEN];
	int			 i;

	for (i = 0; i < d->ntargets; i++)
		fprintf(f, "%s%s (%s)", i > 0 ? ", " : "",
		    net_addr_str(&d->target[i], as, sizeof(as)),
		    net_addr_family(&d->target[i]) == AF_INET ?
		    "IPv4 broadcast" : "IPv6 multicast, all nodes");
	if (m->hosts.n > 0)
		fprintf(f, "%s%u listed host%s", d->ntargets > 0 ? ", " : "",
		    m->hosts.n, m->hosts.n == 1 ? "" : "s");
}

void
discovery_start(struct master *m)
{
	struct disc	*d = &m->disc;
	char		*text = NULL, as[NET_ADDRSTRLEN];
	size_t		 len = 0;
	FILE		*f;
	int		 i;

	d->start_ns = mono_ns();
	for (i = 0; i < d->nlisten; i++) {
		ev_io_init(&d->l[i].io, discovery_accept_cb, d->l[i].fd,
		    EV_READ);
		ev_io_start(m->loop, &d->l[i].io);
	}
	discovery_udp_start(m, &d->udp4, discovery_udp_cb);
	discovery_udp_start(m, &d->udp6, discovery_udp_cb);
	discovery_udp_start(m, &d->ann4, discovery_announce_cb);
	discovery_udp_start(m, &d->ann6, discovery_announce_cb);
	ev_init(&d->probe_timer, discovery_probe_cb);
	ev_timer_init(&d->tcp_probe_timer, discovery_tcp_probe_cb,
	    MASTER_TCP_PROBE_SECS, MASTER_TCP_PROBE_SECS);
	ev_timer_start(m->loop, &d->tcp_probe_timer);
	ev_timer_init(&d->waitlog_timer, discovery_waitlog_cb,
	    MASTER_WAITLOG_SECS, MASTER_WAITLOG_SECS);
	ev_timer_start(m->loop, &d->waitlog_timer);
	ev_init(&d->key_timer, discovery_key_cb);
	ev_init(&d->wait_timer, discovery_wait_cb);
	if (m->opts->wait_ns > 0) {
		ev_timer_set(&d->wait_timer,
		    (double)m->opts->wait_ns / (double)NSEC_PER_SEC, 0.);
		ev_timer_start(m->loop, &d->wait_timer);
	}
	if (log_get_verbose() >= 1 && (f = open_memstream(&text, &len)) !=
	    NULL) {
		for (i = 0; i < d->nlisten; i++) {
			struct net_addr	   a;
			struct sockaddr_storage ss;
			socklen_t	   sl = sizeof(ss);

			if (getsockname(d->l[i].fd, (struct sockaddr *)&ss,
			    &sl) == 0 && net_addr_from(&a,
			    (struct sockaddr *)&ss, sl) == 0)
				fprintf(f, "%s%s", i > 0 ? ", " : "",
				    net_addr_str(&a, as, sizeof(as)));
		}
		fputs("; probing ", f);
		discovery_targets_text(m, f);
		fclose(f);
		log_debug("listening on %s", text);
		free(text);
	}
	m->hosts.resolved = discovery_probe_host;
	hosts_resolve(m);
	discovery_resume(m);
}

/* (Re)start the probe schedule from its fast end: first probe right now. */
void
discovery_resume(struct master *m)
{
	if (m->phase != PHASE_DISCOVERY)
		return;
	ev_timer_stop(m->loop, &m->disc.probe_timer);
	m->disc.probe_step = 0;
	discovery_probe_cb(m->loop, &m->disc.probe_timer, 0);
}

/* All joined: no more probing.  The listeners stay to turn newcomers away. */
void
discovery_stop(struct master *m)
{
	struct disc *d = &m->disc;

	ev_timer_stop(m->loop, &d->probe_timer);
	ev_timer_stop(m->loop, &d->tcp_probe_timer);
	ev_timer_stop(m->loop, &d->waitlog_timer);
	ev_timer_stop(m->loop, &d->wait_timer);
	ev_timer_stop(m->loop, &d->key_timer);
	ev_io_stop(m->loop, &d->udp4.io);
	ev_io_stop(m->loop, &d->udp6.io);
	ev_io_stop(m->loop, &d->ann4.io);
	ev_io_stop(m->loop, &d->ann6.io);
	resolve_stop(&m->hosts.res);
}

void
discovery_stop_accepting(struct master *m)
{
	int i;

	for (i = 0; i < m->disc.nlisten; i++)
		ev_io_stop(m->loop, &m->disc.l[i].io);
}

static void
discovery_fd_close(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

void
discovery_close(struct master *m)
{
	struct disc	*d = &m->disc;
	int		 i;

	if (m->loop != NULL) {
		discovery_stop(m);
		discovery_stop_accepting(m);
	}
	for (i = 0; i < d->nlisten; i++)
		discovery_fd_close(&d->l[i].fd);
	d->nlisten = 0;
	discovery_fd_close(&d->udp4.fd);
	discovery_fd_close(&d->udp6.fd);
	discovery_fd_close(&d->ann4.fd);
	discovery_fd_close(&d->ann6.fd);
	discovery_fd_close(&d->spare_fd);
}

/* Before anything: nothing open yet. */
void
discovery_init(struct master *m)
{
	struct disc *d = &m->disc;

	d->spare_fd = -1;
	d->nlisten = 0;
	discovery_udp_none(&d->udp4, m);
	discovery_udp_none(&d->udp6, m);
	discovery_udp_none(&d->ann4, m);
	discovery_udp_none(&d->ann6, m);
}

/* ---- connections ---- */

static void
discovery_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct disc_listen	*l = (struct disc_listen *)((char *)w -
				    offsetof(struct disc_listen, io));
	struct master		*m = l->m;
	struct disc		*d = &m->disc;
	int			 i;

	(void)loop;
	(void)revents;
	for (i = 0; i < DISCOVERY_ACCEPT_BURST; i++) {
		struct sockaddr_storage	ss;
		struct net_addr		a;
		socklen_t		len = sizeof(ss);
		int			fd;

		fd = accept4(l->fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			switch (errno) {
			case EAGAIN:
#if EAGAIN != EWOULDBLOCK
			case EWOULDBLOCK:
#endif
				return;
			case EINTR:
			case ECONNABORTED:
			case EPROTO:
				continue;
			case EMFILE:
			case ENFILE:
				/*
				 * Out of descriptors: the connection would
				 * stay in the backlog and wake us for ever.
				 * Use the spare to accept it and close it
				 * (ev.pod's advice), then take a new spare.
				 */
				log_warnx("out of file descriptors: a slave's "
				    "connection was refused (raise the open "
				    "files limit)");
				if (d->spare_fd != -1) {
					close(d->spare_fd);
					fd = accept(l->fd, NULL, NULL);
					if (fd != -1)
						close(fd);
					d->spare_fd = open("/dev/null",
					    O_RDONLY | O_CLOEXEC);
				}
				return;
			default:
				log_warn("accept");
				return;
			}
		}
		if (net_addr_from(&a, (struct sockaddr *)&ss, len) == -1) {
			close(fd);
			continue;
		}
		(void)dialog_accept(m, fd, &a, l->port);
	}
}

/* ---- probes ---- */

static struct disc_udp *
discovery_udp_for(struct master *m, const struct net_addr *to)
{
	return net_addr_family(to) == AF_INET6 ? &m->disc.udp6 :
	    &m->disc.udp4;
}

/* What a failed send says of its destination. */
static const char *
discovery_errno_words(int e)
{
	switch (e) {
	case ENETUNREACH:
		return "no route (network unreachable)";
	case EHOSTUNREACH:
		return "no route to host";
	case ECONNREFUSED:
		return "port unreachable (ICMP)";
	case EADDRNOTAVAIL:
		return "no address to send from";
	default:
		return strerror(e);
	}
}

static void	discovery_errqueue(struct master *, struct disc_udp *);

/*
 * One PROBE datagram.  An ICMP error about an earlier one makes the next
 * send fail with its error (IP_RECVERR): the error queue says whose it
 * was, and the send is tried again once.  0, or -1 with the reason.
 */
static int
discovery_send(struct master *m, const struct net_addr *to,
    const uint8_t *frame, const char **why)
{
	struct disc_udp	*u = discovery_udp_for(m, to);
	ssize_t		 n;
	int		 tries;

	*why = NULL;
	if (u->fd == -1) {
		*why = "no IPv6 socket on this host";
		return -1;
	}
	for (tries = 0; tries < 2; tries++) {
		n = sendto(u->fd, frame, PROTO_HDR_LEN, 0, &to->u.sa, to->len);
		if (n == PROTO_HDR_LEN) {
			m->disc.sent++;
			return 0;
		}
		if (n >= 0) {
			*why = "short send";
			return -1;
		}
		if (errno != ECONNREFUSED && errno != EHOSTUNREACH &&
		    errno != ENETUNREACH && errno != EHOSTDOWN &&
		    errno != ENETDOWN)
			break;
		if (tries == 0)
			discovery_errqueue(m, u);
	}
	*why = discovery_errno_words(errno);
	return -1;
}

/* A PROBE to each address of a listed host; its failures are its errors. */
static void
discovery_send_host(struct master *m, struct host *h, const uint8_t *frame)
{
	const char	*why;
	char		 as[NET_ADDRSTRLEN];
	int		 i;

	for (i = 0; i < h->naddr; i++) {
		if (discovery_send(m, &h->addr[i], frame, &why) == 0) {
			h->probes++;
			continue;
		}
		snprintf(h->error, sizeof(h->error), "%s", why);
		log_debug("PROBE to %s (%s): %s", net_addr_str(&h->addr[i],
		    as, sizeof(as)), h->spec, why);
	}
}

/* Probing makes sense now: slaves missing, and room for them. */
static bool
discovery_wants(const struct master *m)
{
	return m->phase == PHASE_DISCOVERY && m->njoined < m->nslaves &&
	    pool_has_room(m);
}

/* A listed name just got its addresses (hosts.c): probed at once. */
static void
discovery_probe_host(struct master *m, struct host *h)
{
	uint8_t frame[PROTO_HDR_LEN];

	if (!discovery_wants(m) || h->joined > 0)
		return;
	proto_encode_hdr(frame, m->opts->c.session, CMD_PROBE, 0);
	discovery_send_host(m, h, frame);
}

static void
discovery_probe_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct master	*m = (struct master *)((char *)w -
			    offsetof(struct master, disc.probe_timer));
	struct disc	*d = &m->disc;
	uint8_t		 frame[PROTO_HDR_LEN];
	const char	*why;
	char		 as[NET_ADDRSTRLEN];
	double		 next;
	uint32_t	 i;
	int		 k;

	(void)revents;
	if (m->phase != PHASE_DISCOVERY || m->njoined >= m->nslaves)
		return;
	/*
	 * Every place is taken by a slave joined or syncing its clock: a
	 * broadcast now would only wake every slave on the network to ignore
	 * it (a few ms of CPU at 128 slaves on one host).  The back-off goes
	 * on, so a slave that drops out is replaced by the next probe.
	 */
	if (!pool_has_room(m)) {
		log_trace("PROBE skipped: %u joined, %u syncing", m->njoined,
		    m->nsyncing);
		goto schedule;
	}
	/* Names not resolved yet: asked again (at most once a second). */
	hosts_resolve(m);
	proto_encode_hdr(frame, m->opts->c.session, CMD_PROBE, 0);
	d->probe_last_ns = mono_ns();
	d->rounds++;
	for (k = 0; k < d->ntargets; k++) {
		net_addr_str(&d->target[k], as, sizeof(as));
		if (discovery_send(m, &d->target[k], frame, &why) == -1)
			log_warnx("UDP PROBE to %s: %s", as, why);
		else
			log_trace("PROBE sent to %s", as);
	}
	for (i = 0; i < m->hosts.n; i++)
		if (m->hosts.v[i].joined == 0)
			discovery_send_host(m, &m->hosts.v[i], frame);
schedule:
	next = d->probe_step < DISCOVERY_BACKOFF_STEPS ?
	    discovery_backoff[d->probe_step++] : DISCOVERY_PROBE_SECS;
	ev_timer_set(w, next, 0.);
	ev_timer_start(loop, w);
}

/*
 * A slave is listening now: probe soon, but at most once per
 * DISCOVERY_ANNOUNCE_GAP_NS, so that a thousand slaves booting together cost
 * a few broadcasts, not a thousand.  The back-off restarts from its fast end.
 */
static void
discovery_announced(struct master *m)
{
	struct disc	*d = &m->disc;
	uint64_t	 now = mono_ns(), due = d->probe_last_ns +
			    DISCOVERY_ANNOUNCE_GAP_NS;
	double		 wait = due > now ?
			    (double)(due - now) / (double)NSEC_PER_SEC : 0.;

	if (m->phase != PHASE_DISCOVERY || m->njoined >= m->nslaves)
		return;
	if (ev_is_active(&d->probe_timer) &&
	    ev_timer_remaining(m->loop, &d->probe_timer) <= wait)
		return;
	ev_timer_stop(m->loop, &d->probe_timer);
	d->probe_step = 0;
	ev_timer_set(&d->probe_timer, wait, 0.);
	ev_timer_start(m->loop, &d->probe_timer);
}

/*
 * Exactly an empty REPLY (n is the real size, MSG_TRUNC); its session in
 * *session.  false for anything else.
 */
static bool
discovery_is_reply(const uint8_t *buf, ssize_t n, uint32_t *session)
{
	struct proto_hdr h;

	if (n != PROTO_HDR_LEN)
		return false;
	(void)proto_decode_hdr(buf, (size_t)n, &h);
	*session = h.session;
	return h.version == PROTO_VERSION && h.command == CMD_REPLY &&
	    h.datalen == 0;
}

/* Datagrams to the broadcast address, ff02::1: announces of our session. */
static void
discovery_announce_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct disc_udp		*u = (struct disc_udp *)((char *)w -
				    offsetof(struct disc_udp, io));
	struct sockaddr_storage	 ss;
	struct net_addr		 src;
	socklen_t		 slen;
	uint8_t			 buf[64];
	char			 from[NET_ADDRSTRLEN];
	uint32_t		 session;
	bool			 heard = false;
	ssize_t			 n;
	int			 i;

	(void)loop;
	(void)revents;
	for (i = 0; i < DISCOVERY_DGRAM_BURST; i++) {
		slen = sizeof(ss);
		n = recvfrom(u->fd, buf, sizeof(buf), MSG_TRUNC,
		    (struct sockaddr *)&ss, &slen);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_warn("UDP announce receive");
			break;
		}
		if (net_addr_from(&src, (struct sockaddr *)&ss, slen) == -1 ||
		    !discovery_is_reply(buf, n, &session) ||
		    session != u->m->opts->c.session)
			continue;
		log_trace("announce from %s", net_addr_str(&src, from,
		    sizeof(from)));
		heard = true;
	}
	if (heard)
		discovery_announced(u->m);
}

/* The words of an ICMP error (IP_RECVERR) about a probe. */
static void
discovery_icmp_words(const struct sock_extended_err *ee,
    const struct net_addr *offender, char *buf, size_t len)
{
	char		 by[NET_IPSTRLEN + 16] = "", ip[NET_IPSTRLEN];
	const char	*what;

	if (offender != NULL)
		snprintf(by, sizeof(by), " from %s", net_ip_str(offender, ip,
		    sizeof(ip)));
	switch (ee->ee_errno) {
	case ECONNREFUSED:
		what = "port unreachable";
		break;
	case EHOSTUNREACH:
		what = "host unreachable";
		break;
	case ENETUNREACH:
		what = "network unreachable";
		break;
	case EACCES:
	case EPERM:
		what = "administratively prohibited";
		break;
	default:
		snprintf(buf, len, "ICMP error%s: %s", by,
		    strerror((int)ee->ee_errno));
		return;
	}
	if (ee->ee_origin == SO_EE_ORIGIN_LOCAL)
		snprintf(buf, len, "%s", discovery_errno_words(
		    (int)ee->ee_errno));
	else
		snprintf(buf, len, "%s (ICMP%s)", what, by);
}

/* The errors our probes met (IP_RECVERR), each told to its host. */
static void
discovery_errqueue(struct master *m, struct disc_udp *u)
{
	int i;

	for (i = 0; i < DISCOVERY_DGRAM_BURST; i++) {
		union {
			struct cmsghdr	align;
			uint8_t		space[512];
		} ctl;
		struct sockaddr_storage	 ss;
		struct net_addr		 dst, off, *offp = NULL;
		struct sock_extended_err ee;
		struct iovec		 iov;
		struct msghdr		 msg;
		struct cmsghdr		*cm;
		uint8_t			 buf[64];
		char			 words[256], as[NET_ADDRSTRLEN];
		bool			 have = false;

		iov.iov_base = buf;
		iov.iov_len = sizeof(buf);
		memset(&msg, 0, sizeof(msg));
		msg.msg_name = &ss;
		msg.msg_namelen = sizeof(ss);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = ctl.space;
		msg.msg_controllen = sizeof(ctl.space);
		if (recvmsg(u->fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) == -1)
			return;
		for (cm = CMSG_FIRSTHDR(&msg); cm != NULL;
		    cm = CMSG_NXTHDR(&msg, cm)) {
			if (!((cm->cmsg_level == IPPROTO_IP &&
			    cm->cmsg_type == IP_RECVERR) ||
			    (cm->cmsg_level == IPPROTO_IPV6 &&
			    cm->cmsg_type == IPV6_RECVERR)))
				continue;
			memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
			have = true;
			if (net_addr_from(&off, SO_EE_OFFENDER(
			    (struct sock_extended_err *)(void *)CMSG_DATA(cm)),
			    sizeof(struct sockaddr_in6)) == 0)
				offp = &off;
		}
		if (!have || net_addr_from(&dst, (struct sockaddr *)&ss,
		    msg.msg_namelen) == -1)
			continue;
		discovery_icmp_words(&ee, offp, words, sizeof(words));
		m->disc.icmp++;
		log_debug("PROBE to %s: %s", net_addr_str(&dst, as,
		    sizeof(as)), words);
		hosts_error(m, &dst, words);
	}
}

/*
 * What comes back to the probes' sockets: REPLYs of slaves that serve
 * another session (a slave of ours says so), and the errors of our probes.
 */
static void
discovery_udp_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct disc_udp		*u = (struct disc_udp *)((char *)w -
				    offsetof(struct disc_udp, io));
	struct master		*m = u->m;
	struct sockaddr_storage	 ss;
	struct net_addr		 src;
	socklen_t		 slen;
	uint8_t			 buf[64];
	char			 ip[NET_IPSTRLEN], why[128];
	uint32_t		 session;
	ssize_t			 n;
	int			 i;

	(void)loop;
	(void)revents;
	for (i = 0; i < DISCOVERY_DGRAM_BURST; i++) {
		slen = sizeof(ss);
		n = recvfrom(u->fd, buf, sizeof(buf), MSG_TRUNC |
		    MSG_DONTWAIT, (struct sockaddr *)&ss, &slen);
		if (n == -1)
			break;
		if (net_addr_from(&src, (struct sockaddr *)&ss, slen) == -1 ||
		    !discovery_is_reply(buf, n, &session) ||
		    session == m->opts->c.session)
			continue;
		snprintf(why, sizeof(why), "it serves session %u, not %u",
		    session, m->opts->c.session);
		if (away_note(m, &src, AWAY_SESSION, why))
			log_info("%s: a slave of another session answered: "
			    "%s", net_ip_str(&src, ip, sizeof(ip)), why);
		snprintf(why, sizeof(why), "wrong session: it serves session "
		    "%u, not %u", session, m->opts->c.session);
		hosts_error(m, &src, why);
	}
	/* ICMP errors (IP_RECVERR) make the socket readable too. */
	discovery_errqueue(m, u);
}

/* Until the session starts, each joined slave gets a PROBE once a second. */
static void
discovery_tcp_probe_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct master	*m = (struct master *)((char *)w -
			    offsetof(struct master, disc.tcp_probe_timer));
	struct peer	*s;

	(void)loop;
	(void)revents;
	TAILQ_FOREACH(s, &m->joined, entry)
		if (peer_is_open(s))
			peer_send(s, CMD_PROBE, NULL, 0);
}

/* "s1 (198.18.0.11:40312), s2 (...)": the slaves joined, most of them. */
static void
discovery_joined_text(const struct master *m, FILE *f, size_t most)
{
	const struct peer	*s;
	size_t			 k = 0;

	TAILQ_FOREACH(s, &m->joined, entry) {
		if (k == most) {
			fprintf(f, ", and %zu more", (size_t)m->njoined - k);
			break;
		}
		fprintf(f, "%s%s (%s)", k > 0 ? ", " : "", s->name, s->addr);
		k++;
	}
}

/*
 * Every MASTER_WAITLOG_SECS while slaves are missing: whom we still wait
 * for (a log or a pipe has no status block; without -w this is how a long
 * wait shows).
 */
static void
discovery_waitlog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct master	*m = (struct master *)((char *)w -
			    offsetof(struct master, disc.waitlog_timer));
	char		*text = NULL, *missing, secs[32];
	size_t		 len = 0;
	FILE		*f;

	(void)loop;
	(void)revents;
	if ((f = open_memstream(&text, &len)) == NULL)
		return;
	snprintf(secs, sizeof(secs), "%.0f", (double)(mono_ns() -
	    m->disc.start_ns) / 1e9);
	if (m->pool.open)
		fprintf(f, "still waiting for slaves until -w expires after "
		    "%s s (SLAVES all: %u joined", secs, m->njoined);
	else
		fprintf(f, "still waiting for %u more slave%s after %s s (%u "
		    "of %u joined", m->nslaves - m->njoined,
		    m->nslaves - m->njoined == 1 ? "" : "s", secs, m->njoined,
		    m->nslaves);
	if (m->njoined > 0) {
		fputs(": ", f);
		discovery_joined_text(m, f, DISCOVERY_NAMED_MAX);
	}
	fputs(")", f);
	if (m->hosts.n > 0 && m->hosts.n > m->njoined) {
		fputs("; listed, not joined: ", f);
		hosts_missing(m, f, DISCOVERY_NAMED_MAX);
	}
	/* SLAVES all by name: the names still missing. */
	if ((missing = pool_missing(m)) != NULL) {
		fprintf(f, "; not joined yet: %s", missing);
		free(missing);
	}
	if (m->disc.ntargets > 0) {
		fputs("; probing ", f);
		discovery_targets_text(m, f);
	}
	fclose(f);
	log_info("%s", text);
	free(text);
}

static void
discovery_wait_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct master *m = (struct master *)((char *)w -
	    offsetof(struct master, disc.wait_timer));

	(void)loop;
	(void)revents;
	discovery_timed_out(m);
}

/*
 * SLAVES all, not by name: -w is over, whoever has joined is the pool.
 * Those still on their way (hello, clock sync) are told so and dropped.
 */
static void
discovery_take_all(struct master *m)
{
	struct peer	*s;
	char		 secs[32];

	while ((s = TAILQ_FIRST(&m->pending)) != NULL) {
		if (s->kind == PEER_KIND_OURS)
			peer_send_text(s, CMD_FULL, "too late: -w expired "
			    "and the master took the slaves that had joined "
			    "(SLAVES all)");
		dialog_drop(s, "too late: -w expired (SLAVES all)");
	}
	m->nslaves = m->njoined;
	log_info("-w expired after %s s: %u slave%s joined (SLAVES all)",
	    format_seconds(m->opts->wait_ns, secs, sizeof(secs)), m->njoined,
	    m->njoined == 1 ? "" : "s");
	session_all_joined(m);
}

/* ---- key mismatch ---- */

void
discovery_key_mismatch(struct master *m, const struct net_addr *a,
    const char *why, bool slave)
{
	struct disc	*d = &m->disc;
	const char	*detail = why;
	char		 ip[NET_IPSTRLEN];

	/* "key mismatch: the peer's key is X, ours is Y": the ids. */
	if (strncmp(detail, "key mismatch: ", 14) == 0)
		detail += 14;
	else if (strncmp(detail, "key mismatch? ", 14) == 0)
		detail += 14;
	hosts_error(m, a, why);
	if (!away_note(m, a, AWAY_KEY, detail)) {
		log_debug("%s: %s (again)", net_ip_str(a, ip, sizeof(ip)), why);
		return;
	}
	log_warnx("%s: %s", net_ip_str(a, ip, sizeof(ip)), why);
	/*
	 * A wrong key fails at once: a moment for the others probed with it
	 * to be named too, then the end (exit 3) unless SLAVES joined.  Not
	 * for a stray frame, a forged proof or silence: those a peer without
	 * the key could send to stop the session (NOTES section 10).
	 */
	if (slave && m->phase == PHASE_DISCOVERY &&
	    !ev_is_active(&d->key_timer)) {
		ev_timer_set(&d->key_timer, MASTER_KEY_FAIL_SECS, 0.);
		ev_timer_start(m->loop, &d->key_timer);
	}
}

static void
discovery_key_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct master	*m = (struct master *)((char *)w -
			    offsetof(struct master, disc.key_timer));
	char		*list = NULL;
	size_t		 len = 0;
	FILE		*f;

	(void)loop;
	(void)revents;
	if (m->phase != PHASE_DISCOVERY)
		return;
	if ((f = open_memstream(&list, &len)) != NULL) {
		uint32_t i;
		char	 ip[NET_IPSTRLEN];
		const char *sep = "";

		for (i = 0; i < m->away.n; i++) {
			if (m->away.v[i].reason != AWAY_KEY)
				continue;
			fprintf(f, "%s%s (%s)", sep, net_ip_str(
			    &m->away.v[i].addr, ip, sizeof(ip)),
			    m->away.v[i].detail);
			sep = "; ";
		}
		fclose(f);
	}
	summary_err(m, "refused for a wrong key: %u slave address%s: %s",
	    m->away.of[AWAY_KEY], m->away.of[AWAY_KEY] == 1 ? "" : "es",
	    list != NULL ? list : "?");
	if (m->key != NULL)
		summary_err(m, "hint (key): give every slave this master's "
		    "key file (-k, key id %s); both sides print the key id "
		    "at start", m->key->id_hex);
	else
		summary_err(m, "hint (key): the slaves have a key and this "
		    "master none: give both sides the same -k FILE");
	free(list);
	session_end(m, END_KEY, "wrong key", "key mismatch");
}

/* ---- -w expired ---- */

/* The listed hosts' errors, by kind: did any say "port unreachable"? */
static bool
discovery_hosts_said(const struct master *m, const char *words)
{
	uint32_t i;

	for (i = 0; i < m->hosts.n; i++)
		if (m->hosts.v[i].joined == 0 &&
		    strstr(m->hosts.v[i].error, words) != NULL)
			return true;
	return false;
}

/* One hint per likely cause, from what was seen (and not seen). */
static void
discovery_hints(struct master *m)
{
	const struct master_opts *o = m->opts;
	const struct away	 *a = &m->away;
	bool			  silent = m->njoined == 0 && a->n == 0 &&
				      m->disc.icmp == 0;
	bool			  unanswered = false;
	uint32_t		  i;

	for (i = 0; i < m->hosts.n; i++)
		if (m->hosts.v[i].joined == 0 &&
		    m->hosts.v[i].error[0] == '\0')
			unanswered = true;
	if (a->of[AWAY_SESSION] > 0 || silent)
		summary_err(m, "hint (session id): a slave answers only the "
		    "probes of its own session: start the slaves with -s %u, "
		    "or this master with theirs%s", o->c.session,
		    a->of[AWAY_SESSION] > 0 ? " (see above)" : "");
	if (discovery_hosts_said(m, "port unreachable") || silent)
		summary_err(m, "hint (port): the slaves must listen on UDP "
		    "port %u and reach this master on TCP port %u: give both "
		    "sides the same -p", o->c.port, o->c.port);
	if (m->disc.ntargets > 0 && (silent || m->hosts.n == 0))
		summary_err(m, "hint (interface): a broadcast stays on one "
		    "link%s%s%s: slaves on another link or behind a router "
		    "are found with -H HOST or --hosts FILE", o->c.interface ?
		    " (" : "", o->c.interface ? o->c.interface : "",
		    o->c.interface ? ")" : ", the one of the default route");
	if (silent || unanswered)
		summary_err(m, "hint (firewall): nothing came back from some "
		    "of the probed: a firewall may drop UDP port %u towards "
		    "the slaves, or TCP port %u towards this master", o->c.port,
		    o->c.port);
	if (discovery_hosts_said(m, "not resolved"))
		summary_err(m, "hint (names): some host names could not be "
		    "resolved: check DNS or /etc/hosts (asked again every "
		    "second)");
	if (discovery_hosts_said(m, "unreachable (ICMP") ||
	    discovery_hosts_said(m, "no route"))
		summary_err(m, "hint (route): some hosts cannot be reached: "
		    "are they up, and is there a route to them?");
	if (a->of[AWAY_NAME] > 0)
		summary_err(m, "hint (names): slaves were turned away by "
		    "--slaves or --exclude");
}

/* -w expired: say who came, what was tried and seen, release all, exit 5. */
static void
discovery_timed_out(struct master *m)
{
	struct disc	*d = &m->disc;
	char		*text = NULL, *missing, secs[32];
	size_t		 len = 0;
	FILE		*f;

	if (m->pool.open && m->njoined > 0) {
		discovery_take_all(m);
		return;
	}
	f = open_memstream(&text, &len);
	if (f != NULL) {
		if (m->njoined == 0 && !m->pool.open)
			fputs(": none", f);
		else if (m->njoined > 0) {
			fputs(": ", f);
			discovery_joined_text(m, f, SIZE_MAX);
		}
		/* SLAVES all, by name: the names that never came. */
		if ((missing = pool_missing(m)) != NULL) {
			fprintf(f, "; never joined: %s", missing);
			free(missing);
		}
		fclose(f);
	}
	if (m->pool.open)
		summary_err(m, "discovery timed out after %s s: no slave "
		    "joined (SLAVES all)%s", format_seconds(m->opts->wait_ns,
		    secs, sizeof(secs)), text != NULL ? text : "");
	else
		summary_err(m, "discovery timed out after %s s: %u of %u "
		    "slaves joined%s", format_seconds(m->opts->wait_ns, secs,
		    sizeof(secs)), m->njoined, m->nslaves, text != NULL ?
		    text : "");
	free(text);
	text = NULL;
	if ((f = open_memstream(&text, &len)) != NULL) {
		discovery_targets_text(m, f);
		fclose(f);
		summary_err(m, "probes: %llu round%s, %llu datagram%s, to %s, "
		    "UDP port %u, session %u", (unsigned long long)d->rounds,
		    d->rounds == 1 ? "" : "s", (unsigned long long)d->sent,
		    d->sent == 1 ? "" : "s", text, m->opts->c.port,
		    m->opts->c.session);
		free(text);
		text = NULL;
	}
	if (m->away.n > 0 && (f = open_memstream(&text, &len)) != NULL) {
		away_list(m, f, DISCOVERY_NAMED_MAX);
		fclose(f);
		summary_err(m, "turned away: %s", text);
		free(text);
		text = NULL;
	}
	if (m->hosts.n > m->njoined && (f = open_memstream(&text, &len)) !=
	    NULL) {
		hosts_missing(m, f, DISCOVERY_NAMED_MAX * 10);
		fclose(f);
		if (len > 0)
			summary_err(m, "not joined: %s", text);
		free(text);
		text = NULL;
	}
	discovery_hints(m);
	session_end(m, END_DISCOVERY, "discovery timed out", NULL);
}
