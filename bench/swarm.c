/*
 * swarm.c - one process playing K synexec slaves, to drive the real master
 * through whole sessions at a scale no machine could run real slaves at.
 *
 *   swarm -p PORT [-a ADDR] [-s SESSION] [-S FIRST_SRC] [-n NSRC]
 *	   [-c CONCURRENCY] [-t SECONDS] [-F] [-q] K
 *
 * Each emulated slave has its own TCP connection to the master at ADDR:PORT
 * (default 127.0.0.1) and speaks our protocol (NOTES) as synexec_slave does,
 * minus the task: the hello with the SYNX block, KILL_GRACE (10 s) if the
 * WELCOME asks for it, PONG for each PING, REPLY for a PROBE, CONF_BEGIN
 * and CONF_DATA consumed (and counted, not stored),
 * CONF_OK once the last payload byte is in, EXEC_OK on START, and FINISHD
 * (exit 0) right after the start instant; it answers REPORT_REQ with a
 * REPORT, sends HEARTBEATs if the WELCOME asks for them, and closes on BYE.
 * Frames are built and parsed by common/proto.c and carried by common/conn.c,
 * the same code as the real peers: the master cannot tell the difference.
 *
 * Connections leave from NSRC source addresses starting at FIRST_SRC (for
 * example 127.0.0.2 .. 127.0.0.9; default: the kernel's choice) so that tens
 * of thousands of them never run out of ephemeral ports.  At most CONCURRENCY
 * (default 512) are between their connect and the master's WELCOME at any time,
 * which keeps the master's listen backlog from overflowing: a dropped SYN is
 * retried by the kernel only after a second.  Until the first connection is
 * accepted the swarm retries every 2 ms, so it may be started before the
 * master.
 *
 * -F (floor): each connection only sends one byte and waits for one byte back
 * ("floor join" is the listener): what K connections cost with no protocol.
 *
 * Prints one line of counts and times and exits 0 if every emulated slave
 * finished its task and was released with BYE (-F: got its byte); 1 on a
 * usage or system error; 2 if any failed or the time limit (-t, default 60)
 * passed.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "clock.h"
#include "conn.h"
#include "log.h"
#include "net.h"
#include "proto.h"

#define SWARM_K_MAX		200000
#define SWARM_OUT_LIMIT		(64 * 1024)
#define SWARM_RETRY_SECS	0.002

enum emu_state {
	EMU_IDLE,		/* not launched yet */
	EMU_CONNECTING,
	EMU_HELLO,		/* hello sent, WELCOME awaited */
	EMU_JOINED,		/* WELCOME: PINGs, PROBEs, then CONF_BEGIN */
	EMU_CONF,		/* payload bytes still to come */
	EMU_ARMED,		/* CONF_OK sent */
	EMU_STARTED,		/* EXEC_OK sent, FINISHD at the instant */
	EMU_FINISHED,		/* FINISHD sent, BYE awaited */
	EMU_DONE,		/* BYE received (-F: byte received) */
	EMU_FAILED,
};

struct swarm;

struct emu {
	struct swarm	*sw;
	uint32_t	 idx;
	enum emu_state	 state;
	bool		 inflight;	/* counted in sw->inflight */
	int		 fd;		/* until conn takes it over */
	ev_io		 cio;		/* connect completion; -F: the answer */
	ev_timer	 timer;		/* connect retry, then the instant */
	struct conn	 conn;
	bool		 conn_open;
	uint64_t	 payload_left;
	uint64_t	 instant_ns;	/* START, on our CLOCK_MONOTONIC */
	uint64_t	 started_mono_ns;
	uint64_t	 started_real_ns;
};

struct swarm {
	struct ev_loop		*loop;
	struct emu		*emus;
	uint32_t		 k;
	uint32_t		 next;		/* next emu to launch */
	uint32_t		 inflight;
	uint32_t		 concurrency;
	uint32_t		 session;
	struct sockaddr_in	 master;
	struct in_addr		 src_first;
	uint32_t		 nsrc;
	bool			 floor;
	bool			 quiet;
	bool			 master_up;
	uint32_t		 heartbeat_ms;
	ev_timer		 heartbeat;
	ev_timer		 deadline;
	ev_signal		 sigint, sigterm;
	/* counts */
	uint32_t		 n_welcomed, n_armed, n_finished, n_done;
	uint32_t		 n_failed, n_full, n_ended;
	uint64_t		 payload_bytes;
	/* times (CLOCK_MONOTONIC) */
	uint64_t		 t_first, t_welcomed, t_armed, t_finished, t_end;
	int			 errors_logged;
	bool			 timed_out;
};

static void	emu_launch(struct emu *);
static void	emu_fail(struct emu *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

static void
swarm_usage(void)
{
	fprintf(stderr, "usage: swarm -p PORT [-a ADDR] [-s SESSION] "
	    "[-S FIRST_SRC] [-n NSRC]\n"
	    "             [-c CONCURRENCY] [-t SECONDS] [-F] [-q] K\n");
	exit(1);
}

static unsigned long
swarm_num(const char *s, unsigned long min, unsigned long max, char opt)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < min ||
	    v > max) {
		fprintf(stderr, "swarm: -%c: %s is not in %lu..%lu\n", opt, s,
		    min, max);
		exit(1);
	}
	return v;
}

static double
swarm_ms(const struct swarm *sw, uint64_t t)
{
	return t == 0 ? -1.0 : (double)(t - sw->t_first) / 1e6;
}

/* Launch emulated slaves while there is room under the concurrency limit. */
static void
swarm_fill(struct swarm *sw)
{
	while (sw->master_up && sw->next < sw->k &&
	    sw->inflight < sw->concurrency)
		emu_launch(&sw->emus[sw->next++]);
}

/* An emulated slave reached an end (done or failed): stop when all have. */
static void
swarm_ended(struct swarm *sw, struct emu *e)
{
	if (e->inflight) {
		e->inflight = false;
		sw->inflight--;
	}
	if (++sw->n_ended == sw->k) {
		sw->t_end = mono_ns();
		ev_break(sw->loop, EVBREAK_ALL);
		return;
	}
	swarm_fill(sw);
}

static void
emu_close(struct emu *e)
{
	struct swarm *sw = e->sw;

	ev_timer_stop(sw->loop, &e->timer);
	ev_io_stop(sw->loop, &e->cio);
	if (e->conn_open) {
		conn_close(&e->conn);
		e->conn_open = false;
	}
	if (e->fd != -1) {
		close(e->fd);
		e->fd = -1;
	}
}

static void
emu_fail(struct emu *e, const char *fmt, ...)
{
	struct swarm	*sw = e->sw;
	va_list		 ap;
	char		 why[512];

	if (e->state == EMU_DONE || e->state == EMU_FAILED)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* Say what went wrong, but not ten thousand times. */
	if (sw->errors_logged++ < 10)
		fprintf(stderr, "swarm: slave %u: %s\n", e->idx, why);
	else if (sw->errors_logged == 11)
		fprintf(stderr, "swarm: more failures, not shown\n");
	e->state = EMU_FAILED;
	sw->n_failed++;
	emu_close(e);
	swarm_ended(sw, e);
}

static void
emu_send(struct emu *e, uint8_t cmd, const void *p, size_t len)
{
	if (e->conn_open)
		(void)conn_send(&e->conn, cmd, p, len);	/* errors: on_error */
}

static void
emu_hello(struct emu *e)
{
	struct proto_hello	h;
	uint8_t			buf[16 + PROTO_NAME_MAX];

	memset(&h, 0, sizeof(h));
	h.ext_version = PROTO_EXT_VERSION;
	h.pid = (uint32_t)getpid();
	snprintf(h.name, sizeof(h.name), "swarm-%u", e->idx);
	emu_send(e, CMD_REPLY, buf, proto_hello_encode(buf, sizeof(buf), &h));
	e->state = EMU_HELLO;
}

static void
emu_finishd(struct emu *e)
{
	struct proto_result	r;
	uint8_t			buf[128];

	memset(&r, 0, sizeof(r));
	r.start_real_ns = e->started_real_ns;
	r.finish_real_ns = real_ns();
	r.late_ns = (int64_t)(e->started_mono_ns - e->instant_ns);
	r.exit_kind = EXIT_KIND_EXITED;
	r.exit_value = 0;
	emu_send(e, CMD_FINISHD, buf, proto_result_encode(buf, sizeof(buf),
	    &r));
	e->state = EMU_FINISHED;
	if (++e->sw->n_finished == e->sw->k)
		e->sw->t_finished = mono_ns();
}

/* The start instant: the "task" starts and ends at once. */
static void
emu_instant_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct emu *e = (struct emu *)((char *)w - offsetof(struct emu, timer));

	(void)loop;
	(void)revents;
	e->started_mono_ns = mono_ns();
	e->started_real_ns = real_ns();
	emu_finishd(e);
}

static void
emu_report(struct emu *e)
{
	struct proto_report	r;
	uint8_t			buf[64 + PROTO_PROGRESS_MAX];

	memset(&r, 0, sizeof(r));
	switch (e->state) {
	case EMU_ARMED:
		r.state = TASK_STATE_ARMED;
		break;
	case EMU_STARTED:
		r.state = TASK_STATE_RUNNING;
		break;
	case EMU_FINISHED:
		r.state = TASK_STATE_FINISHED;
		break;
	default:
		r.state = TASK_STATE_IDLE;
		break;
	}
	emu_send(e, CMD_REPORT, buf, proto_report_encode(buf, sizeof(buf),
	    &r));
}

static int
emu_frame_cb(struct conn *c, const struct proto_hdr *h, const uint8_t *p)
{
	struct emu		*e = c->owner;
	struct swarm		*sw = e->sw;
	struct proto_welcome	 wel;
	struct proto_ping	 ping;
	struct proto_pong	 pong;
	struct proto_conf_begin	 cb;
	struct proto_start	 st;
	const char		*why;
	char			 text[PROTO_REASON_MAX + 1];
	uint8_t			 buf[64];
	uint64_t		 now;

	switch (h->command) {
	case CMD_WELCOME:
		if (e->state != EMU_HELLO)
			break;
		if (proto_welcome_decode(p, h->datalen, &wel, &why) == -1) {
			emu_fail(e, "WELCOME: %s", why);
			return -1;
		}
		e->state = EMU_JOINED;
		/* As synexec_slave: its --kill-grace (the default), if asked. */
		if (wel.flags & WELCOME_FLAG_GRACE) {
			uint8_t g[4];

			(void)conn_send(&e->conn, CMD_KILL_GRACE, g,
			    proto_kill_grace_encode(g, sizeof(g), 10000));
		}
		if (wel.heartbeat_ms > 0 && sw->heartbeat_ms == 0) {
			sw->heartbeat_ms = wel.heartbeat_ms;
			ev_timer_set(&sw->heartbeat, wel.heartbeat_ms / 1e3,
			    wel.heartbeat_ms / 1e3);
			ev_timer_start(sw->loop, &sw->heartbeat);
		}
		if (++sw->n_welcomed == sw->k)
			sw->t_welcomed = mono_ns();
		if (e->inflight) {
			e->inflight = false;
			sw->inflight--;
			swarm_fill(sw);
		}
		return 0;
	case CMD_PING:
		if (proto_ping_decode(p, h->datalen, &ping, &why) == -1) {
			emu_fail(e, "PING: %s", why);
			return -1;
		}
		pong.master_mono_ns = ping.master_mono_ns;
		pong.slave_mono_ns = mono_ns();
		pong.slave_real_ns = real_ns();
		emu_send(e, CMD_PONG, buf, proto_pong_encode(buf, sizeof(buf),
		    &pong));
		return 0;
	case CMD_PROBE:
		emu_send(e, CMD_REPLY, NULL, 0);
		return 0;
	case CMD_HEARTBEAT:
		return 0;
	case CMD_REPORT_REQ:
		emu_report(e);
		return 0;
	case CMD_CONF_BEGIN:
		if (e->state != EMU_JOINED)
			break;
		if (proto_conf_begin_decode(p, h->datalen, &cb, &why) == -1) {
			emu_fail(e, "CONF_BEGIN: %s", why);
			return -1;
		}
		e->payload_left = cb.payload_size;
		e->state = EMU_CONF;
		/* FALLTHROUGH */
	case CMD_CONF_DATA:
		if (e->state != EMU_CONF)
			break;
		if (h->command == CMD_CONF_DATA) {
			if (h->datalen > e->payload_left) {
				emu_fail(e, "CONF_DATA beyond the payload size");
				return -1;
			}
			e->payload_left -= h->datalen;
			sw->payload_bytes += h->datalen;
		}
		if (e->payload_left == 0) {
			emu_send(e, CMD_CONF_OK, NULL, 0);
			e->state = EMU_ARMED;
			if (++sw->n_armed == sw->k)
				sw->t_armed = mono_ns();
		}
		return 0;
	case CMD_START:
		if (e->state != EMU_ARMED)
			break;
		if (proto_start_decode(p, h->datalen, &st, &why) == -1) {
			emu_fail(e, "START: %s", why);
			return -1;
		}
		emu_send(e, CMD_EXEC_OK, NULL, 0);
		e->state = EMU_STARTED;
		e->instant_ns = st.slave_mono_ns;
		now = mono_ns();
		ev_now_update(sw->loop);
		ev_set_cb(&e->timer, emu_instant_cb);
		ev_timer_set(&e->timer, st.slave_mono_ns > now ?
		    (double)(st.slave_mono_ns - now) / 1e9 : 0., 0.);
		ev_timer_start(sw->loop, &e->timer);
		return 0;
	case CMD_ABORT:
		proto_reason_copy(text, sizeof(text), p, h->datalen);
		if (e->state == EMU_STARTED) {
			ev_timer_stop(sw->loop, &e->timer);
			e->started_mono_ns = mono_ns();
			e->started_real_ns = real_ns();
			emu_finishd(e);
		}
		return 0;
	case CMD_BYE:
		if (e->state != EMU_FINISHED) {
			proto_reason_copy(text, sizeof(text), p, h->datalen);
			emu_fail(e, "BYE before the end: %s", text);
			return -1;
		}
		e->state = EMU_DONE;
		sw->n_done++;
		emu_close(e);
		swarm_ended(sw, e);
		return -1;
	case CMD_FULL:
	case CMD_ERROR:
		proto_reason_copy(text, sizeof(text), p, h->datalen);
		if (h->command == CMD_FULL)
			sw->n_full++;
		emu_fail(e, "%s from the master: %s",
		    proto_cmd_name(h->command), text);
		return -1;
	default:
		break;
	}
	emu_fail(e, "unexpected %s", proto_cmd_name(h->command));
	return -1;
}

static void
emu_error_cb(struct conn *c, const char *why)
{
	emu_fail(c->owner, "%s", why);
}

/* -F: the listener's one-byte answer. */
static void
emu_floor_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct emu	*e = (struct emu *)((char *)w - offsetof(struct emu, cio));
	char		 c;
	ssize_t		 n;

	(void)loop;
	(void)revents;
	n = read(e->fd, &c, 1);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n != 1) {
		emu_fail(e, "no answer: %s", n == 0 ? "closed" :
		    strerror(errno));
		return;
	}
	e->state = EMU_DONE;
	e->sw->n_done++;
	emu_close(e);
	swarm_ended(e->sw, e);
}

static void
emu_connected(struct emu *e)
{
	struct swarm	*sw = e->sw;
	struct net_addr	 peer;
	int		 one = 1;

	ev_io_stop(sw->loop, &e->cio);
	if (!sw->master_up) {
		sw->master_up = true;
		swarm_fill(sw);
	}
	if (sw->floor) {
		if (write(e->fd, "j", 1) != 1) {
			emu_fail(e, "write: %s", strerror(errno));
			return;
		}
		ev_io_init(&e->cio, emu_floor_cb, e->fd, EV_READ);
		ev_io_start(sw->loop, &e->cio);
		return;
	}
	(void)setsockopt(e->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)net_addr_from(&peer, (struct sockaddr *)&sw->master,
	    sizeof(sw->master));
	conn_init(&e->conn, sw->loop, e->fd, &peer, sw->session,
	    SWARM_OUT_LIMIT, e, emu_frame_cb, emu_error_cb, NULL);
	e->fd = -1;
	e->conn_open = true;
	emu_hello(e);
}

/* A failed connect: before the master listens, try again shortly. */
static void
emu_connect_failed(struct emu *e, int err)
{
	struct swarm *sw = e->sw;

	close(e->fd);
	e->fd = -1;
	if (!sw->master_up && (err == ECONNREFUSED || err == ETIMEDOUT)) {
		e->state = EMU_IDLE;
		ev_timer_set(&e->timer, SWARM_RETRY_SECS, 0.);
		ev_timer_start(sw->loop, &e->timer);
		return;
	}
	emu_fail(e, "connect to %s: %s", inet_ntoa(sw->master.sin_addr),
	    strerror(err));
}

static void
emu_connect_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct emu	*e = (struct emu *)((char *)w - offsetof(struct emu, cio));
	int		 err = 0;
	socklen_t	 len = sizeof(err);

	(void)revents;
	ev_io_stop(loop, w);
	if (getsockopt(e->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0)
		emu_connect_failed(e, err);
	else
		emu_connected(e);
}

static void
emu_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct emu *e = (struct emu *)((char *)w - offsetof(struct emu, timer));

	(void)loop;
	(void)revents;
	emu_launch(e);
}

static void
emu_launch(struct emu *e)
{
	struct swarm		*sw = e->sw;
	struct sockaddr_in	 src;
	int			 one = 1;

	if (!e->inflight) {
		e->inflight = true;
		sw->inflight++;
	}
	if (sw->t_first == 0 || !sw->master_up)
		sw->t_first = mono_ns();
	e->state = EMU_CONNECTING;
	e->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (e->fd == -1) {
		emu_fail(e, "socket: %s", strerror(errno));
		return;
	}
	if (sw->nsrc > 0) {
		memset(&src, 0, sizeof(src));
		src.sin_family = AF_INET;
		src.sin_addr.s_addr = htonl(ntohl(sw->src_first.s_addr) +
		    e->idx % sw->nsrc);
		/* The port is chosen at connect, per destination: many more. */
		(void)setsockopt(e->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT,
		    &one, sizeof(one));
		if (bind(e->fd, (struct sockaddr *)&src, sizeof(src)) == -1) {
			emu_fail(e, "bind %s: %s", inet_ntoa(src.sin_addr),
			    strerror(errno));
			return;
		}
	}
	if (connect(e->fd, (struct sockaddr *)&sw->master,
	    sizeof(sw->master)) == 0) {
		emu_connected(e);
		return;
	}
	if (errno != EINPROGRESS) {
		emu_connect_failed(e, errno);
		return;
	}
	ev_io_init(&e->cio, emu_connect_cb, e->fd, EV_WRITE);
	ev_io_start(sw->loop, &e->cio);
}

static void
swarm_heartbeat_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct swarm	*sw = (struct swarm *)((char *)w -
			    offsetof(struct swarm, heartbeat));
	uint32_t	 i;

	(void)loop;
	(void)revents;
	for (i = 0; i < sw->next; i++)
		if (sw->emus[i].conn_open && sw->emus[i].state >= EMU_JOINED)
			emu_send(&sw->emus[i], CMD_HEARTBEAT, NULL, 0);
}

static void
swarm_deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct swarm *sw = (struct swarm *)((char *)w -
	    offsetof(struct swarm, deadline));

	(void)revents;
	sw->timed_out = true;
	ev_break(loop, EVBREAK_ALL);
}

static void
swarm_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

int
main(int argc, char **argv)
{
	static struct swarm	 sw;
	const char		*addr = "127.0.0.1";
	unsigned long		 port = 0;
	double			 limit = 60;
	long			 nofile;
	uint32_t		 i, states[EMU_FAILED + 1];
	int			 c, code;

	sw.concurrency = 512;
	while ((c = getopt(argc, argv, "a:c:Fn:p:qS:s:t:")) != -1) {
		switch (c) {
		case 'a':
			addr = optarg;
			break;
		case 'c':
			sw.concurrency = (uint32_t)swarm_num(optarg, 1,
			    SWARM_K_MAX, 'c');
			break;
		case 'F':
			sw.floor = true;
			break;
		case 'n':
			sw.nsrc = (uint32_t)swarm_num(optarg, 0, 250, 'n');
			break;
		case 'p':
			port = swarm_num(optarg, 1, 65535, 'p');
			break;
		case 'q':
			sw.quiet = true;
			break;
		case 'S':
			if (inet_pton(AF_INET, optarg, &sw.src_first) != 1) {
				fprintf(stderr, "swarm: -S: bad address %s\n",
				    optarg);
				return 1;
			}
			break;
		case 's':
			sw.session = (uint32_t)swarm_num(optarg, 0, UINT32_MAX,
			    's');
			break;
		case 't':
			limit = (double)swarm_num(optarg, 1, 86400, 't');
			break;
		default:
			swarm_usage();
		}
	}
	if (optind != argc - 1 || port == 0)
		swarm_usage();
	sw.k = (uint32_t)swarm_num(argv[optind], 1, SWARM_K_MAX, 'K');
	if (sw.nsrc > 0 && sw.src_first.s_addr == 0)
		inet_pton(AF_INET, "127.0.0.2", &sw.src_first);
	memset(&sw.master, 0, sizeof(sw.master));
	sw.master.sin_family = AF_INET;
	sw.master.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sw.master.sin_addr) != 1) {
		fprintf(stderr, "swarm: -a: bad address %s\n", addr);
		return 1;
	}
	log_init("swarm", LOG_TO_STDERR);
	signal(SIGPIPE, SIG_IGN);
	nofile = net_raise_nofile();
	if (nofile < (long)sw.k + 16) {
		fprintf(stderr, "swarm: %u connections need %u open files; the "
		    "limit is %ld (raise the hard limit: ulimit -Hn)\n", sw.k,
		    sw.k + 16, nofile);
		return 1;
	}
	if ((sw.emus = calloc(sw.k, sizeof(*sw.emus))) == NULL ||
	    (sw.loop = ev_loop_new(EVFLAG_AUTO)) == NULL) {
		fprintf(stderr, "swarm: out of memory\n");
		return 1;
	}
	for (i = 0; i < sw.k; i++) {
		sw.emus[i].sw = &sw;
		sw.emus[i].idx = i;
		sw.emus[i].fd = -1;
		ev_init(&sw.emus[i].timer, emu_retry_cb);
	}
	ev_init(&sw.heartbeat, swarm_heartbeat_cb);
	ev_timer_init(&sw.deadline, swarm_deadline_cb, limit, 0.);
	ev_timer_start(sw.loop, &sw.deadline);
	ev_signal_init(&sw.sigint, swarm_signal_cb, SIGINT);
	ev_signal_init(&sw.sigterm, swarm_signal_cb, SIGTERM);
	ev_signal_start(sw.loop, &sw.sigint);
	ev_signal_start(sw.loop, &sw.sigterm);

	/* One scout until the master listens, then the rest. */
	sw.next = 1;
	emu_launch(&sw.emus[0]);
	ev_run(sw.loop, 0);

	memset(states, 0, sizeof(states));
	for (i = 0; i < sw.k; i++) {
		states[sw.emus[i].state]++;
		emu_close(&sw.emus[i]);
	}
	if (sw.t_end == 0)
		sw.t_end = mono_ns();
	printf("swarm: K=%u done=%u failed=%u full=%u payload_bytes=%llu "
	    "welcomed_ms=%.1f armed_ms=%.1f finished_ms=%.1f end_ms=%.1f%s\n",
	    sw.k, sw.n_done, sw.n_failed, sw.n_full,
	    (unsigned long long)sw.payload_bytes, swarm_ms(&sw, sw.t_welcomed),
	    swarm_ms(&sw, sw.t_armed), swarm_ms(&sw, sw.t_finished),
	    swarm_ms(&sw, sw.t_end), sw.timed_out ? " TIMED OUT" : "");
	if (sw.n_done != sw.k && !sw.quiet)
		fprintf(stderr, "swarm: by state: idle %u, connecting %u, "
		    "hello %u, joined %u, conf %u, armed %u, started %u, "
		    "finished %u, done %u, failed %u\n", states[EMU_IDLE],
		    states[EMU_CONNECTING], states[EMU_HELLO],
		    states[EMU_JOINED], states[EMU_CONF], states[EMU_ARMED],
		    states[EMU_STARTED], states[EMU_FINISHED], states[EMU_DONE],
		    states[EMU_FAILED]);
	code = sw.n_done == sw.k ? 0 : 2;
	ev_loop_destroy(sw.loop);
	free(sw.emus);
	log_close();
	return code;
}
