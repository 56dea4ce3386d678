/*
 * listen.c - finding a master: UDP probes, or -m HOST[:PORT] with retries.
 *
 * The UDP socket is bound to every address with SO_REUSEADDR, so that several
 * slaves on one host each receive every broadcast probe.  It is read all the
 * time, so that probes arriving while we are busy are drained and dropped.
 *
 * With -i the slave announces itself when it starts: one 11-byte REPLY
 * datagram to the interface's broadcast address and PORT.  A master of the
 * session that is still waiting for slaves probes at once on hearing it, so
 * a slave started after the master joins in milliseconds instead of at the
 * next probe of the back-off, up to a second later (NOTES section 2).
 * Nothing else reacts to it: slaves, ours and 2014's, take only PROBE
 * datagrams.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"
#include "net.h"
#include "proto.h"

/* Larger than any probe, so that MSG_TRUNC shows a longer datagram as such. */
#define LISTEN_DGRAM_BUF	2048

static void	listen_udp_cb(struct ev_loop *, ev_io *, int);
static void	listen_retry_cb(struct ev_loop *, ev_timer *, int);
static void	listen_announce_init(struct listener *);

int
listen_init(struct listener *l, const struct slave_opts *o,
    unsigned ifindex, char *err, size_t errlen)
{
	struct sockaddr_in	 sin;
	int			 fd, one = 1;

	l->opts = o;
	l->ifindex = ifindex;
	l->udp_fd = -1;
	ev_timer_init(&l->retry_timer, listen_retry_cb, 0, 0);
	l->retry_delay = LISTEN_RETRY_MIN;
	if (o->master != NULL) {
		l->direct = true;
		/* Resolved once, here, before the loop: DNS would block it. */
		return net_resolve(o->master, o->c.port, &l->master_sa, err,
		    errlen);
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errlen, "UDP socket: %s", strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1) {
		snprintf(err, errlen, "SO_REUSEADDR: %s", strerror(errno));
		goto fail;
	}
	if (l->ifindex != 0 &&
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) == -1) {
		snprintf(err, errlen, "IP_PKTINFO: %s", strerror(errno));
		goto fail;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	sin.sin_port = htons(o->c.port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
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

/*
 * The announce goes to -i's broadcast address only: without -i the slave
 * listens everywhere and there is no one right address (the limited broadcast
 * would leave every interface), so it just waits for probes.  An interface
 * without an IPv4 address yet is no error: probes still reach us.
 */
static void
listen_announce_init(struct listener *l)
{
	struct in_addr	addr, bcast;
	char		err[256];
	int		one = 1;

	l->announce = false;
	if (l->opts->c.interface == NULL)
		return;
	if (net_iface_lookup(l->opts->c.interface, &addr, &bcast, err,
	    sizeof(err)) == -1) {
		log_debug("no announce: %s", err);
		return;
	}
	if (setsockopt(l->udp_fd, SOL_SOCKET, SO_BROADCAST, &one,
	    sizeof(one)) == -1) {
		log_debug("no announce: SO_BROADCAST: %s", strerror(errno));
		return;
	}
	memset(&l->announce_to, 0, sizeof(l->announce_to));
	l->announce_to.sin_family = AF_INET;
	l->announce_to.sin_addr = bcast;
	l->announce_to.sin_port = htons(l->opts->c.port);
	l->announce = true;
}

/* "Here, waiting": a best effort, the probes' back-off is the fallback. */
static void
listen_announce(struct listener *l)
{
	uint8_t	frame[PROTO_HDR_LEN];
	char	to[NET_ADDRSTRLEN];

	if (!l->announce)
		return;
	proto_encode_hdr(frame, l->opts->c.session, CMD_REPLY, 0);
	if (sendto(l->udp_fd, frame, sizeof(frame), 0,
	    (struct sockaddr *)&l->announce_to, sizeof(l->announce_to)) !=
	    (ssize_t)sizeof(frame))
		log_debug("announce to %s: %s", net_addr_str(&l->announce_to,
		    to, sizeof(to)), strerror(errno));
	else
		log_trace("announced to %s", net_addr_str(&l->announce_to, to,
		    sizeof(to)));
}

/* Start looking for a master (once the loop exists). */
static void
listen_connect(struct listener *l)
{
	if (!l->idle(l->owner))
		return;
	log_debug("connecting to master %s", l->opts->master);
	/* A failure comes back through listen_resume(): retried there. */
	l->found(l->owner, &l->master_sa);
}

void
listen_resume(struct listener *l, bool after_failure)
{
	double delay;

	if (!l->idle(l->owner))
		return;
	if (!l->direct) {
		if (!ev_is_active(&l->udp_io))
			ev_io_start(l->loop, &l->udp_io);
		log_info("listening for probes of session %u on UDP port %u%s%s",
		    l->opts->c.session, l->opts->c.port,
		    l->opts->c.interface != NULL ? ", interface " : "",
		    l->opts->c.interface != NULL ? l->opts->c.interface : "");
		return;
	}
	if (!after_failure) {
		/* A session went well: start the back-off afresh. */
		l->retry_delay = LISTEN_RETRY_MIN;
		l->retry_quiet = false;
	}
	delay = l->retry_delay;
	l->retry_delay = delay * 2 > LISTEN_RETRY_MAX ? LISTEN_RETRY_MAX :
	    delay * 2;
	ev_timer_stop(l->loop, &l->retry_timer);
	ev_timer_set(&l->retry_timer, delay, 0);
	ev_timer_start(l->loop, &l->retry_timer);
}

void
listen_start(struct listener *l, struct ev_loop *loop)
{
	l->loop = loop;
	if (l->direct) {
		listen_connect(l);
		return;
	}
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

/* Did the datagram arrive on the -i interface?  (IP_PKTINFO) */
static bool
listen_on_our_iface(const struct listener *l, struct msghdr *msg,
    unsigned *ifindex)
{
	struct cmsghdr *cm;

	*ifindex = 0;
	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			*ifindex = (unsigned)pi.ipi_ifindex;
		}
	}
	return *ifindex == l->ifindex;
}

static void
listen_udp_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct listener *l = (struct listener *)((char *)w -
	    offsetof(struct listener, udp_io));
	uint8_t			 buf[LISTEN_DGRAM_BUF];
	union {
		struct cmsghdr	 align;
		uint8_t		 space[CMSG_SPACE(sizeof(struct in_pktinfo))];
	} ctl;
	struct sockaddr_in	 src, to;
	struct iovec		 iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr		 msg;
	struct proto_hdr	 h;
	char			 from[NET_ADDRSTRLEN];
	unsigned		 ifindex;
	ssize_t			 n;

	(void)loop;
	(void)revents;
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &src;
	msg.msg_namelen = sizeof(src);
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
	if (msg.msg_namelen < sizeof(src) || src.sin_family != AF_INET) {
		log_debug("ignoring a datagram without an IPv4 source");
		return;
	}
	net_addr_str(&src, from, sizeof(from));
	if (l->ifindex != 0 && !listen_on_our_iface(l, &msg, &ifindex)) {
		log_debug("ignoring a datagram from %s: arrived on interface "
		    "index %u, not %s", from, ifindex, l->opts->c.interface);
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
		log_debug("ignoring a probe from %s: session %u, ours is %u",
		    from, h.session, l->opts->c.session);
		return;
	}
	if (!l->idle(l->owner)) {
		log_debug("ignoring a probe from %s: busy", from);
		return;
	}
	/* Connect to the prober's address at our port, not its source port. */
	to = src;
	to.sin_port = htons(l->opts->c.port);
	log_debug("probe from %s", from);
	l->found(l->owner, &to);
}

void
listen_connect_failed(struct listener *l, const char *master,
    const char *why)
{
	if (!l->direct)
		log_warnx("cannot connect to master %s: %s", master, why);
	else if (!l->retry_quiet) {
		log_info("cannot connect to master %s: %s; will retry",
		    master, why);
		l->retry_quiet = true;
	} else
		log_debug("cannot connect to master %s: %s", master, why);
}

void
listen_connected(struct listener *l)
{
	l->retry_quiet = false;
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
	log_warnx("master %s turned us away: %s; listening on", master, why);
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
