/*
 * discovery.c - finding the slaves: the TCP listener they connect back to,
 * the UDP PROBE broadcasts that make them do so, the PROBEs over TCP to the
 * slaves already joined, and the -w deadline.
 *
 * Probes leave at once, then after 10, 20, 40 ... 640 ms, then once a second:
 * slaves already listening are found within a millisecond or two, and a slave
 * that starts late is not kept waiting long, without a broadcast storm.
 * With -i a slave also announces itself when it starts listening (a REPLY
 * datagram to the interface's broadcast address): we then probe at once, so
 * a slave started after us joins in milliseconds (NOTES section 2).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
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
#define DISCOVERY_ANNOUNCE_BURST 64	/* announce datagrams per wakeup */
/* Probes answering announces: at most one per 5 ms, however many slaves boot. */
#define DISCOVERY_ANNOUNCE_GAP_NS (5 * NSEC_PER_MSEC)

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
static void	discovery_wait_cb(struct ev_loop *, ev_timer *, int);
static void	discovery_timed_out(struct master *);
static void	discovery_announce_open(struct master *, struct in_addr);
static void	discovery_announce_cb(struct ev_loop *, ev_io *, int);

/*
 * Sockets are made before the loop (and before -d forks) so that a bind
 * error is reported on the terminal with exit 1.
 */
int
discovery_open(struct master *m, char *err, size_t errlen)
{
	const struct master_opts *o = m->opts;
	struct in_addr	bcast;
	int		one = 1;

	m->listen_fd = m->udp_fd = m->spare_fd = m->announce_fd = -1;
	m->listen_addr.s_addr = htonl(INADDR_ANY);
	bcast.s_addr = htonl(INADDR_BROADCAST);
	if (o->c.interface != NULL && net_iface_lookup(o->c.interface,
	    &m->listen_addr, &bcast, err, errlen) == -1)
		return -1;
	if (o->c.interface != NULL)
		discovery_announce_open(m, bcast);	/* before -b changes it */
	if (o->broadcast_all)
		bcast.s_addr = htonl(INADDR_BROADCAST);
	memset(&m->probe_to, 0, sizeof(m->probe_to));
	m->probe_to.sin_family = AF_INET;
	m->probe_to.sin_addr = bcast;
	m->probe_to.sin_port = htons(o->c.port);

	m->listen_fd = net_tcp_listen(m->listen_addr, o->c.port,
	    MASTER_BACKLOG, err, errlen);
	if (m->listen_fd == -1)
		return -1;

	m->udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (m->udp_fd == -1) {
		snprintf(err, errlen, "UDP socket: %s", strerror(errno));
		return -1;
	}
	if (setsockopt(m->udp_fd, SOL_SOCKET, SO_BROADCAST, &one,
	    sizeof(one)) == -1) {
		snprintf(err, errlen, "SO_BROADCAST: %s", strerror(errno));
		return -1;
	}
	if (o->c.interface != NULL) {
		struct sockaddr_in sin;

		/*
		 * Slaves connect back to the probe's source address: make it
		 * the interface's, and keep the probe on that interface when
		 * allowed (SO_BINDTODEVICE needs CAP_NET_RAW; the route to
		 * the interface's own broadcast address does the same).
		 */
		(void)setsockopt(m->udp_fd, SOL_SOCKET, SO_BINDTODEVICE,
		    o->c.interface, (socklen_t)strlen(o->c.interface));
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr = m->listen_addr;
		if (bind(m->udp_fd, (struct sockaddr *)&sin,
		    sizeof(sin)) == -1) {
			snprintf(err, errlen, "bind UDP to %s: %s",
			    o->c.interface, strerror(errno));
			return -1;
		}
	}

	/* Given up under EMFILE to accept and close the connection waiting. */
	m->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return 0;
}

/*
 * The socket for the slaves' announces is bound to the interface's broadcast
 * address and PORT (SO_REUSEADDR, beside the slaves of this host that bind
 * PORT on every address): it takes only broadcasts, so a unicast datagram to
 * PORT still reaches only a slave.  Our own probes land here too and are
 * ignored.  Best effort: without it, slaves join at the next probe.
 */
static void
discovery_announce_open(struct master *m, struct in_addr bcast)
{
	struct sockaddr_in	sin;
	char			ip[INET_ADDRSTRLEN];
	int			fd, one = 1;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_debug("no announces: UDP socket: %s", strerror(errno));
		return;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = bcast;
	sin.sin_port = htons(m->opts->c.port);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		log_debug("no announces: bind %s:%u: %s", net_ip_str(bcast, ip,
		    sizeof(ip)), m->opts->c.port, strerror(errno));
		close(fd);
		return;
	}
	m->announce_fd = fd;
}

void
discovery_start(struct master *m)
{
	char ip1[INET_ADDRSTRLEN], ip2[INET_ADDRSTRLEN];

	m->disc_start_ns = mono_ns();
	ev_io_init(&m->accept_io, discovery_accept_cb, m->listen_fd, EV_READ);
	ev_io_start(m->loop, &m->accept_io);
	if (m->announce_fd != -1) {
		ev_io_init(&m->announce_io, discovery_announce_cb,
		    m->announce_fd, EV_READ);
		ev_io_start(m->loop, &m->announce_io);
	}
	ev_init(&m->probe_timer, discovery_probe_cb);
	ev_timer_init(&m->tcp_probe_timer, discovery_tcp_probe_cb,
	    MASTER_TCP_PROBE_SECS, MASTER_TCP_PROBE_SECS);
	ev_timer_start(m->loop, &m->tcp_probe_timer);
	ev_timer_init(&m->waitlog_timer, discovery_waitlog_cb,
	    MASTER_WAITLOG_SECS, MASTER_WAITLOG_SECS);
	ev_timer_start(m->loop, &m->waitlog_timer);
	ev_init(&m->wait_timer, discovery_wait_cb);
	if (m->opts->wait_ns > 0) {
		ev_timer_set(&m->wait_timer,
		    (double)m->opts->wait_ns / (double)NSEC_PER_SEC, 0.);
		ev_timer_start(m->loop, &m->wait_timer);
	}
	log_debug("listening on %s:%u, probing %s",
	    net_ip_str(m->listen_addr, ip1, sizeof(ip1)), m->opts->c.port,
	    net_ip_str(m->probe_to.sin_addr, ip2, sizeof(ip2)));
	discovery_resume(m);
}

/* (Re)start the probe schedule from its fast end: first probe right now. */
void
discovery_resume(struct master *m)
{
	if (m->phase != PHASE_DISCOVERY)
		return;
	ev_timer_stop(m->loop, &m->probe_timer);
	m->probe_step = 0;
	discovery_probe_cb(m->loop, &m->probe_timer, 0);
}

/* All joined: no more probing.  The listener stays to turn newcomers away. */
void
discovery_stop(struct master *m)
{
	ev_timer_stop(m->loop, &m->probe_timer);
	ev_timer_stop(m->loop, &m->tcp_probe_timer);
	ev_timer_stop(m->loop, &m->waitlog_timer);
	ev_timer_stop(m->loop, &m->wait_timer);
	ev_io_stop(m->loop, &m->announce_io);
}

void
discovery_close(struct master *m)
{
	if (m->loop != NULL) {
		discovery_stop(m);
		ev_io_stop(m->loop, &m->accept_io);
	}
	if (m->listen_fd != -1)
		close(m->listen_fd);
	if (m->udp_fd != -1)
		close(m->udp_fd);
	if (m->spare_fd != -1)
		close(m->spare_fd);
	if (m->announce_fd != -1)
		close(m->announce_fd);
	m->listen_fd = m->udp_fd = m->spare_fd = m->announce_fd = -1;
}

static void
discovery_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct master	*m = (struct master *)((char *)w -
			    offsetof(struct master, accept_io));
	int		 i;

	(void)loop;
	(void)revents;
	for (i = 0; i < DISCOVERY_ACCEPT_BURST; i++) {
		struct sockaddr_in	sin;
		socklen_t		len = sizeof(sin);
		int			fd;

		fd = accept4(m->listen_fd, (struct sockaddr *)&sin, &len,
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
				if (m->spare_fd != -1) {
					close(m->spare_fd);
					fd = accept(m->listen_fd, NULL, NULL);
					if (fd != -1)
						close(fd);
					m->spare_fd = open("/dev/null",
					    O_RDONLY | O_CLOEXEC);
				}
				return;
			default:
				log_warn("accept");
				return;
			}
		}
		if (len != sizeof(sin) || sin.sin_family != AF_INET) {
			close(fd);
			continue;
		}
		(void)dialog_accept(m, fd, &sin);
	}
}

static void
discovery_probe_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct master	*m = (struct master *)((char *)w -
			    offsetof(struct master, probe_timer));
	uint8_t		 frame[PROTO_HDR_LEN];
	ssize_t		 n;
	double		 next;

	(void)revents;
	if (m->phase != PHASE_DISCOVERY || m->njoined >= m->nslaves)
		return;
	/*
	 * Every place is taken by a slave joined or syncing its clock: a
	 * broadcast now would only wake every slave on the network to ignore
	 * it (a few ms of CPU at 128 slaves on one host).  The back-off goes
	 * on, so a slave that drops out is replaced by the next probe.
	 */
	if (!session_has_room(m)) {
		log_trace("PROBE skipped: %u joined, %u syncing", m->njoined,
		    m->nsyncing);
		goto schedule;
	}
	proto_encode_hdr(frame, m->opts->c.session, CMD_PROBE, 0);
	m->probe_last_ns = mono_ns();
	n = sendto(m->udp_fd, frame, sizeof(frame), 0,
	    (struct sockaddr *)&m->probe_to, sizeof(m->probe_to));
	if (n == -1)
		log_warn("UDP PROBE to %s:%u", inet_ntoa(m->probe_to.sin_addr),
		    m->opts->c.port);
	else if (n != (ssize_t)sizeof(frame))
		log_warnx("UDP PROBE: short send (%zd of %zu bytes)", n,
		    sizeof(frame));
	else
		log_trace("PROBE sent to %s:%u", inet_ntoa(
		    m->probe_to.sin_addr), m->opts->c.port);
schedule:
	next = m->probe_step < DISCOVERY_BACKOFF_STEPS ?
	    discovery_backoff[m->probe_step++] : DISCOVERY_PROBE_SECS;
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
	uint64_t	now = mono_ns(), due = m->probe_last_ns +
			    DISCOVERY_ANNOUNCE_GAP_NS;
	double		wait = due > now ?
			    (double)(due - now) / (double)NSEC_PER_SEC : 0.;

	if (m->phase != PHASE_DISCOVERY || m->njoined >= m->nslaves)
		return;
	if (ev_is_active(&m->probe_timer) &&
	    ev_timer_remaining(m->loop, &m->probe_timer) <= wait)
		return;
	ev_timer_stop(m->loop, &m->probe_timer);
	m->probe_step = 0;
	ev_timer_set(&m->probe_timer, wait, 0.);
	ev_timer_start(m->loop, &m->probe_timer);
}

/* Datagrams to the broadcast address: announces of our session count. */
static void
discovery_announce_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct master		*m = (struct master *)((char *)w -
				    offsetof(struct master, announce_io));
	struct sockaddr_in	 src;
	socklen_t		 slen;
	struct proto_hdr	 h;
	uint8_t			 buf[64];
	char			 from[NET_ADDRSTRLEN];
	bool			 heard = false;
	ssize_t			 n;
	int			 i;

	(void)loop;
	(void)revents;
	for (i = 0; i < DISCOVERY_ANNOUNCE_BURST; i++) {
		slen = sizeof(src);
		n = recvfrom(m->announce_fd, buf, sizeof(buf), MSG_TRUNC,
		    (struct sockaddr *)&src, &slen);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_warn("UDP announce receive");
			break;
		}
		/* Exactly an empty REPLY of our session (n is the real size). */
		if (n != PROTO_HDR_LEN || slen < sizeof(src) ||
		    src.sin_family != AF_INET)
			continue;
		(void)proto_decode_hdr(buf, (size_t)n, &h);
		if (h.version != PROTO_VERSION || h.command != CMD_REPLY ||
		    h.datalen != 0 || h.session != m->opts->c.session)
			continue;
		log_trace("announce from %s", net_addr_str(&src, from,
		    sizeof(from)));
		heard = true;
	}
	if (heard)
		discovery_announced(m);
}

/* Until the session starts, each joined slave gets a PROBE once a second. */
static void
discovery_tcp_probe_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct master	*m = (struct master *)((char *)w -
			    offsetof(struct master, tcp_probe_timer));
	struct peer	*s;

	(void)loop;
	(void)revents;
	TAILQ_FOREACH(s, &m->joined, entry)
		if (peer_is_open(s))
			peer_send(s, CMD_PROBE, NULL, 0);
}

static void
discovery_waitlog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct master *m = (struct master *)((char *)w -
	    offsetof(struct master, waitlog_timer));

	(void)loop;
	(void)revents;
	if (m->pool.open)
		log_info("waiting for slaves until -w expires (SLAVES all): "
		    "%u joined", m->njoined);
	else
		log_info("waiting for %u more slaves (%u/%u joined)",
		    m->nslaves - m->njoined, m->njoined, m->nslaves);
}

static void
discovery_wait_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct master *m = (struct master *)((char *)w -
	    offsetof(struct master, wait_timer));

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

/* -w expired: say who came, release everyone, exit 5. */
static void
discovery_timed_out(struct master *m)
{
	struct peer	*s;
	char		*list = NULL, *missing, secs[32];
	size_t		 len = 0;
	FILE		*f;

	if (m->pool.open && m->njoined > 0) {
		discovery_take_all(m);
		return;
	}
	f = open_memstream(&list, &len);
	if (f != NULL) {
		const char *sep = ": ";

		if (m->njoined == 0 && !m->pool.open)
			fputs(": none", f);
		TAILQ_FOREACH(s, &m->joined, entry) {
			fprintf(f, "%s%s (%s)", sep, s->name, s->addr);
			sep = ", ";
		}
		/* SLAVES all, by name: the names that never came. */
		if ((missing = pool_missing(m)) != NULL) {
			fprintf(f, "; never joined: %s", missing);
			free(missing);
		}
		if (m->nmismatch > 0)
			fprintf(f, "; %u connection%s refused for key mismatch "
			    "(the last from %s)", m->nmismatch,
			    m->nmismatch == 1 ? "" : "s", m->mismatch_addr);
		fclose(f);
	}
	if (m->pool.open)
		summary_err(m, "discovery timed out after %s s: no slave "
		    "joined (SLAVES all)%s", format_seconds(m->opts->wait_ns,
		    secs, sizeof(secs)), list != NULL ? list : "");
	else
		summary_err(m, "discovery timed out after %s s: %u of %u "
		    "slaves joined%s", format_seconds(m->opts->wait_ns, secs,
		    sizeof(secs)), m->njoined, m->nslaves, list != NULL ?
		    list : "");
	free(list);
	session_end(m, END_DISCOVERY, "discovery timed out", NULL);
}
