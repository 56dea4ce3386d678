/*
 * listen.c - finding a master: UDP probes, and -m HOST[:PORT] with retries.
 *
 * The UDP socket is bound to PORT on every address, IPv6 and IPv4 alike (one
 * dual-stack socket; IPv4 alone where the host has no IPv6), with
 * SO_REUSEADDR, so that several slaves on one host each receive every
 * broadcast and multicast probe.  It is read all the time, so that probes
 * arriving while we are busy are drained and dropped.  A slave with -m
 * listens too: a master that probes it (a host list) is answered at once,
 * whatever the -m retry timer says; -m's retries go on between sessions.
 *
 * With -i the slave announces itself when it starts: one 11-byte REPLY
 * datagram to the interface's IPv4 broadcast address and to ff02::1 on it
 * (all nodes of the link), at PORT.  A master of the session that is still
 * waiting for slaves probes at once on hearing it, so a slave started after
 * the master joins in milliseconds instead of at the next probe of the
 * back-off, up to a second later (NOTES section 2).  Nothing else reacts to
 * it: slaves, ours and 2014's, take only PROBE datagrams.
 *
 * A probe of another session is answered, at most once a second, with an
 * empty REPLY of ours to the probe's source address and port: the master
 * learns why we did not come (NOTES section 2).
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "listen.h"
#include "log.h"
#include "net.h"
#include "proto.h"

/* Larger than any probe, so that MSG_TRUNC shows a longer datagram as such. */
#define LISTEN_DGRAM_BUF	2048

static void	listen_udp_cb(struct ev_loop *, ev_io *, int);
static void	listen_retry_cb(struct ev_loop *, ev_timer *, int);
static void	listen_announce_init(struct listener *);

/* PORT on every address: IPv6 and IPv4 in one socket, or IPv4 alone. */
static int
listen_udp_open(struct listener *l, char *err, size_t errlen)
{
	const struct slave_opts	*o = l->opts;
	struct net_addr		 any;
	int			 fd, one = 1, zero = 0;

	l->udp_v6 = true;
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1 && errno == EAFNOSUPPORT) {
		l->udp_v6 = false;
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	}
	if (fd == -1) {
		snprintf(err, errlen, "UDP socket: %s", strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1) {
		snprintf(err, errlen, "SO_REUSEADDR: %s", strerror(errno));
		goto fail;
	}
	if (l->udp_v6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
	    sizeof(zero)) == -1) {
		snprintf(err, errlen, "IPV6_V6ONLY: %s", strerror(errno));
		goto fail;
	}
	/* -i: on which interface did a datagram arrive?  Both families. */
	if (l->ifindex != 0 &&
	    (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) == -1 ||
	    (l->udp_v6 && setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
	    sizeof(one)) == -1))) {
		snprintf(err, errlen, "IP_PKTINFO: %s", strerror(errno));
		goto fail;
	}
	net_addr_any(&any, l->udp_v6 ? AF_INET6 : AF_INET, o->c.port);
	if (bind(fd, &any.u.sa, any.len) == -1) {
		snprintf(err, errlen, "bind UDP port %u: %s", o->c.port,
		    strerror(errno));
		goto fail;
	}
	l->udp_fd = fd;
	ev_io_init(&l->udp_io, listen_udp_cb, fd, EV_READ);
	listen_announce_init(l);
	return 0;
fail:
	close(fd);
	return -1;
}

int
listen_init(struct listener *l, const struct slave_opts *o,
    unsigned ifindex, char *err, size_t errlen)
{
	char why[512];

	l->opts = o;
	l->ifindex = ifindex;
	l->udp_fd = -1;
	ev_timer_init(&l->retry_timer, listen_retry_cb, 0, 0);
	l->retry_delay = LISTEN_RETRY_MIN;
	/* The retries' spread: another draw on each host and each start. */
	srandom((unsigned)(getpid() ^ mono_ns() ^ real_ns()));
	if (o->master != NULL) {
		l->direct = true;
		/* Resolved once, here, before the loop: DNS would block it. */
		if (net_resolve(o->master, o->c.port, &l->master_sa, err,
		    errlen) == -1)
			return -1;
	}
	if (listen_udp_open(l, why, sizeof(why)) == -1) {
		if (!l->direct) {
			snprintf(err, errlen, "%s", why);
			return -1;
		}
		/* -m alone still finds its master. */
		log_warnx("not answering probes (-m %s only): %s", o->master,
		    why);
	}
	return 0;
}

/*
 * The announce goes to -i's broadcast address and to ff02::1 on it: without
 * -i the slave listens everywhere and there is no one right address (the
 * limited broadcast would leave every interface), so it just waits for
 * probes.  An interface without an address yet is no error: probes still
 * reach us.
 */
static void
listen_announce_init(struct listener *l)
{
	struct net_iface	 ifc;
	struct net_addr		*to;
	char			 err[256];
	int			 one = 1;

	l->nannounce = 0;
	if (l->opts->c.interface == NULL)
		return;
	if (net_iface_lookup(l->opts->c.interface, &ifc, err,
	    sizeof(err)) == -1) {
		log_debug("no announce: %s", err);
		return;
	}
	if (ifc.has_v4 && setsockopt(l->udp_fd, SOL_SOCKET, SO_BROADCAST,
	    &one, sizeof(one)) == 0) {
		to = &l->announce_to[l->nannounce++];
		memset(to, 0, sizeof(*to));
		to->u.sin.sin_family = AF_INET;
		to->u.sin.sin_addr = ifc.bcast;
		to->u.sin.sin_port = htons(l->opts->c.port);
		to->len = sizeof(to->u.sin);
	}
	if (l->udp_v6 && ifc.multicast && ifc.nv6 > 0) {
		to = &l->announce_to[l->nannounce++];
		memset(to, 0, sizeof(*to));
		to->u.sin6.sin6_family = AF_INET6;
		(void)inet_pton(AF_INET6, "ff02::1", &to->u.sin6.sin6_addr);
		to->u.sin6.sin6_scope_id = ifc.index;
		to->u.sin6.sin6_port = htons(l->opts->c.port);
		to->len = sizeof(to->u.sin6);
	}
}

/* A datagram from our socket: IPv4 goes v4-mapped on a dual-stack one. */
static ssize_t
listen_sendto(const struct listener *l, const void *p, size_t len,
    const struct net_addr *to)
{
	struct sockaddr_in6 m;

	if (!l->udp_v6 || net_addr_family(to) != AF_INET)
		return sendto(l->udp_fd, p, len, 0, &to->u.sa, to->len);
	memset(&m, 0, sizeof(m));
	m.sin6_family = AF_INET6;
	m.sin6_port = to->u.sin.sin_port;
	m.sin6_addr.s6_addr[10] = 0xff;
	m.sin6_addr.s6_addr[11] = 0xff;
	memcpy(&m.sin6_addr.s6_addr[12], &to->u.sin.sin_addr, 4);
	return sendto(l->udp_fd, p, len, 0, (struct sockaddr *)&m, sizeof(m));
}

/* "Here, waiting": a best effort, the probes' back-off is the fallback. */
static void
listen_announce(struct listener *l)
{
	uint8_t	frame[PROTO_HDR_LEN];
	char	to[NET_ADDRSTRLEN];
	int	i;

	proto_encode_hdr(frame, l->opts->c.session, CMD_REPLY, 0);
	for (i = 0; i < l->nannounce; i++) {
		net_addr_str(&l->announce_to[i], to, sizeof(to));
		if (listen_sendto(l, frame, sizeof(frame),
		    &l->announce_to[i]) != (ssize_t)sizeof(frame))
			log_debug("announce to %s: %s", to, strerror(errno));
		else
			log_trace("announced to %s", to);
	}
}

/* -m: one connection attempt to our master. */
static void
listen_connect(struct listener *l)
{
	char to[NET_ADDRSTRLEN];

	if (!l->idle(l->owner))
		return;
	l->attempt_ns = mono_ns();
	log_debug("connecting to master %s (%s)", l->opts->master,
	    net_addr_str(&l->master_sa, to, sizeof(to)));
	/* A failure comes back through listen_resume(): retried there. */
	l->found(l->owner, &l->master_sa);
}

void
listen_resume(struct listener *l, bool after_failure)
{
	double		step, delay;
	uint64_t	now = mono_ns(), due;

	if (!l->idle(l->owner))
		return;
	if (l->udp_fd != -1 && !ev_is_active(&l->udp_io))
		ev_io_start(l->loop, &l->udp_io);
	if (!l->direct) {
		/* After a failure (a key mismatch, a full session): quietly. */
		(after_failure ? log_debug : log_info)("listening for probes "
		    "of session %u on UDP port %u%s%s", l->opts->c.session,
		    l->opts->c.port, l->opts->c.interface != NULL ?
		    ", interface " : "", l->opts->c.interface != NULL ?
		    l->opts->c.interface : "");
		return;
	}
	if (!after_failure) {
		/* A session went well: start the back-off afresh. */
		l->retry_delay = LISTEN_RETRY_MIN;
		l->retry_quiet = false;
		l->attempt_ns = now;
	}
	/*
	 * Below the cap each step is drawn between half and all of it, so
	 * that slaves started together (a rack booting) spread over the
	 * second; at the cap, one attempt a second, counted from the start
	 * of the last, however long it took to fail.
	 */
	step = l->retry_delay;
	if (step < LISTEN_RETRY_MAX) {
		step *= 0.5 + 0.5 * ((double)random() / RAND_MAX);
		l->retry_delay = l->retry_delay * 2 > LISTEN_RETRY_MAX ?
		    LISTEN_RETRY_MAX : l->retry_delay * 2;
	}
	due = l->attempt_ns + (uint64_t)(step * 1e9);
	delay = due > now ? (double)(due - now) / 1e9 : 0.;
	ev_timer_stop(l->loop, &l->retry_timer);
	ev_timer_set(&l->retry_timer, delay, 0);
	ev_timer_start(l->loop, &l->retry_timer);
}

void
listen_start(struct listener *l, struct ev_loop *loop)
{
	l->loop = loop;
	if (l->udp_fd != -1)
		ev_io_start(l->loop, &l->udp_io);
	if (l->direct) {
		if (l->udp_fd != -1)
			log_info("connecting to master %s, and answering "
			    "probes of session %u on UDP port %u",
			    l->opts->master, l->opts->c.session,
			    l->opts->c.port);
		listen_connect(l);
	} else
		listen_resume(l, false);
	/*
	 * Once, at start: announcing again after each session would make every
	 * slave of a session broadcast at once, and every slave hear every
	 * other (N^2 wake-ups); a master started later probes at once anyway.
	 */
	listen_announce(l);
}

static void
listen_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct listener *l = (struct listener *)((char *)w -
	    offsetof(struct listener, retry_timer));

	(void)loop;
	(void)revents;
	listen_connect(l);
}

/* The interface a datagram arrived on (IP_PKTINFO, IPV6_PKTINFO). */
static unsigned
listen_arrival_iface(struct msghdr *msg)
{
	struct cmsghdr	*cm;
	unsigned	 ifindex = 0;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			ifindex = (unsigned)pi.ipi_ifindex;
		} else if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi6;

			memcpy(&pi6, CMSG_DATA(cm), sizeof(pi6));
			ifindex = (unsigned)pi6.ipi6_ifindex;
		}
	}
	return ifindex;
}

/*
 * A probe of another session: tell its master which session we serve (an
 * empty REPLY of ours to its source address and port), at most once per
 * LISTEN_OTHER_REPLY_NS, so that a flood of probes gets a trickle back.
 */
static void
listen_other_session(struct listener *l, const struct net_addr *src,
    const char *from, uint32_t session)
{
	uint8_t		frame[PROTO_HDR_LEN];
	uint64_t	now = mono_ns();

	log_debug("ignoring a probe from %s: session %u, ours is %u", from,
	    session, l->opts->c.session);
	if (l->other_reply_ns != 0 &&
	    now - l->other_reply_ns < LISTEN_OTHER_REPLY_NS)
		return;
	l->other_reply_ns = now;
	proto_encode_hdr(frame, l->opts->c.session, CMD_REPLY, 0);
	if (listen_sendto(l, frame, sizeof(frame), src) !=
	    (ssize_t)sizeof(frame))
		log_debug("REPLY to %s: %s", from, strerror(errno));
}

static void
listen_udp_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct listener *l = (struct listener *)((char *)w -
	    offsetof(struct listener, udp_io));
	uint8_t			 buf[LISTEN_DGRAM_BUF];
	union {
		struct cmsghdr	 align;
		uint8_t		 space[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
				    CMSG_SPACE(sizeof(struct in_pktinfo))];
	} ctl;
	struct sockaddr_storage	 ss;
	struct net_addr		 src, to;
	struct iovec		 iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr		 msg;
	struct proto_hdr	 h;
	char			 from[NET_ADDRSTRLEN], ifn[32];
	unsigned		 ifindex;
	ssize_t			 n;

	(void)loop;
	(void)revents;
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &ss;
	msg.msg_namelen = sizeof(ss);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.space;
	msg.msg_controllen = sizeof(ctl.space);
	n = recvmsg(l->udp_fd, &msg, MSG_TRUNC);
	if (n == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			log_warn("UDP receive");
		return;
	}
	if (net_addr_from(&src, (struct sockaddr *)&ss, msg.msg_namelen) ==
	    -1) {
		log_debug("ignoring a datagram without an IP source");
		return;
	}
	net_addr_str(&src, from, sizeof(from));
	if (l->ifindex != 0 &&
	    (ifindex = listen_arrival_iface(&msg)) != l->ifindex) {
		log_debug("ignoring a datagram from %s: arrived on interface "
		    "%s, not %s", from, net_ifname(ifindex, ifn, sizeof(ifn)),
		    l->opts->c.interface);
		return;
	}
	/* n is the datagram's real length (MSG_TRUNC), even if longer than buf. */
	if (n != PROTO_HDR_LEN) {
		log_debug("ignoring a datagram of %zd bytes from %s (a probe "
		    "is %d)", n, from, PROTO_HDR_LEN);
		return;
	}
	(void)proto_decode_hdr(buf, (size_t)n, &h);
	if (h.version != PROTO_VERSION) {
		log_debug("ignoring a datagram from %s: version %u", from,
		    h.version);
		return;
	}
	if (h.command != CMD_PROBE || h.datalen != 0) {
		log_debug("ignoring a datagram from %s: command %u, datalen %u "
		    "(not a probe)", from, h.command, h.datalen);
		return;
	}
	if (h.session != l->opts->c.session) {
		listen_other_session(l, &src, from, h.session);
		return;
	}
	if (!l->idle(l->owner)) {
		log_debug("ignoring a probe from %s: busy", from);
		return;
	}
	/* Connect to the prober's address at our port, not its source port. */
	to = src;
	net_addr_set_port(&to, l->opts->c.port);
	log_debug("probe from %s", from);
	/* -m's next try waits: this master comes first. */
	ev_timer_stop(l->loop, &l->retry_timer);
	l->found(l->owner, &to);
}

void
listen_connect_failed(struct listener *l, const char *master,
    const char *why)
{
	char ours[NET_ADDRSTRLEN];

	if (!l->direct || strcmp(master, net_addr_str(&l->master_sa, ours,
	    sizeof(ours))) != 0)
		log_warnx("cannot connect to master %s: %s", master, why);
	else if (!l->retry_quiet) {
		log_info("cannot connect to master %s: %s; will retry (once "
		    "a second at most)", master, why);
		l->retry_quiet = true;
	} else
		log_debug("cannot connect to master %s: %s", master, why);
}

/*
 * Is master among those whose key mismatch was said (why NULL: whatever
 * it was)?  Its slot, or -1.  A master at the same address with another
 * key (another why) is another master.
 */
static int
listen_mismatch_find(const struct listener *l, const char *master,
    const char *why)
{
	unsigned i;

	for (i = 0; i < LISTEN_MISMATCH_MAX; i++)
		if (strcmp(l->mismatch[i].master, master) == 0 &&
		    (why == NULL || strcmp(l->mismatch[i].why, why) == 0))
			return (int)i;
	return -1;
}

void
listen_key_mismatch(struct listener *l, const char *master, const char *why)
{
	unsigned k;

	if (listen_mismatch_find(l, master, why) != -1) {
		log_debug("master %s: %s", master, why);
		return;
	}
	log_warnx("master %s: %s (said once per master)", master, why);
	k = l->nmismatch++ % LISTEN_MISMATCH_MAX;
	snprintf(l->mismatch[k].master, sizeof(l->mismatch[k].master), "%s",
	    master);
	snprintf(l->mismatch[k].why, sizeof(l->mismatch[k].why), "%s", why);
}

void
listen_connected(struct listener *l, const char *master)
{
	int i;

	l->retry_quiet = false;
	while ((i = listen_mismatch_find(l, master, NULL)) != -1)
		l->mismatch[i].master[0] = '\0';
}

void
listen_turned_away(struct listener *l, const char *master, const char *why)
{
	if (strcmp(l->full_master, master) == 0 &&
	    strcmp(l->full_why, why) == 0) {
		log_debug("master %s turned us away again: %s", master, why);
		return;
	}
	snprintf(l->full_master, sizeof(l->full_master), "%s", master);
	snprintf(l->full_why, sizeof(l->full_why), "%s", why);
	/* A warning: it will not serve that master until this changes. */
	log_warnx("master %s turned us away: %s; still listening for masters",
	    master, why);
}

void
listen_progressed(struct listener *l)
{
	l->full_master[0] = l->full_why[0] = '\0';
}

void
listen_close(struct listener *l)
{
	ev_timer_stop(l->loop, &l->retry_timer);
	if (l->udp_fd != -1) {
		ev_io_stop(l->loop, &l->udp_io);
		close(l->udp_fd);
		l->udp_fd = -1;
	}
}
