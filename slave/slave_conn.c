/*
 * slave_conn.c - one master connection: the slave side of the protocol.
 *
 * The connection starts in version-1 mode, since a 2014 master never sends
 * WELCOME: CONF carries the whole file, EXEC starts the task, FINISHD has the
 * 48-byte 2014 layout.  A WELCOME turns the extensions on: PING/PONG, the
 * payload streamed in CONF_DATA frames, START at an instant, FINISHD with the
 * exit status.  Every frame is checked against the state; anything out of
 * place ends the session (with ERROR first, to a master of ours).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "net.h"
#include "slave.h"

static void	slave_conn_connect_cb(struct ev_loop *, ev_io *, int);
static void	slave_conn_connect_timeout_cb(struct ev_loop *, ev_timer *, int);
static void	slave_conn_start_cb(struct ev_loop *, ev_timer *, int);
static int	slave_conn_frame(struct conn *, const struct proto_hdr *,
		    const uint8_t *);
static void	slave_conn_error(struct conn *, const char *);
static void	slave_conn_drain(struct conn *);
static void	slave_conn_lost(struct live *, const char *);

static const char *const slave_conn_state_names[] = {
	[SC_IDLE] = "idle",
	[SC_CONNECTING] = "connecting",
	[SC_HELLO_SENT] = "hello sent",
	[SC_JOINED] = "joined",
	[SC_CONFIGURING] = "configuring",
	[SC_REFUSED] = "refused",
	[SC_ARMED] = "armed",
	[SC_SCHEDULED] = "scheduled",
	[SC_RUNNING] = "running",
	[SC_FINISHED] = "finished",
};

bool
slave_conn_active(const struct slave_conn *sc)
{
	return sc->state != SC_IDLE;
}

/*
 * Tear the session down and tell slave.c.  Safe from inside any callback of
 * this connection: the caller must return at once (-1 from a frame callback).
 */
static void
slave_conn_end(struct slave_conn *sc, const char *error_reason)
{
	struct slave	*sl = sc->sl;
	bool		 configured = sc->configured;
	bool		 progressed = sc->ext || sc->configured;

	if (sc->state == SC_IDLE)
		return;
	/* ERROR is ours: a 2014 master would take it for an unknown command. */
	if (error_reason != NULL && sc->ext && sc->conn_open)
		(void)conn_send(&sc->conn, CMD_ERROR, error_reason,
		    strnlen(error_reason, PROTO_REASON_MAX));
	ev_timer_stop(sl->loop, &sc->start_timer);
	ev_timer_stop(sl->loop, &sc->connect_timer);
	ev_io_stop(sl->loop, &sc->connect_io);
	report_stop(sc);
	output_close(sc);
	sc->finish_wait = false;
	live_stop(&sc->live);
	if (sc->connect_fd != -1) {
		close(sc->connect_fd);
		sc->connect_fd = -1;
	}
	if (sc->conf_fd != -1) {
		close(sc->conf_fd);
		sc->conf_fd = -1;
	}
	/* Before the close: whoever sees the close finds the file gone. */
	if (!task_alive(&sl->task))
		slave_remove_conf_file(sl);
	if (sc->conn_open) {
		conn_close(&sc->conn);
		sc->conn_open = false;
	}
	cmdline_free(&sc->cmd);
	sc->state = SC_IDLE;
	sc->ext = sc->configured = false;
	slave_session_ended(sl, configured, progressed);
}

/* Log a protocol violation with the master's address, ERROR, close. */
static int __attribute__((format(printf, 2, 3)))
slave_conn_violation(struct slave_conn *sc, const char *fmt, ...)
{
	char	why[PROTO_REASON_MAX + 1];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_warnx("master %s: %s; closing", sc->peer_str, why);
	slave_conn_end(sc, why);
	return -1;
}

static int
slave_conn_out_of_phase(struct slave_conn *sc, const struct proto_hdr *h)
{
	return slave_conn_violation(sc, "unexpected %s in state %s%s",
	    proto_cmd_name(h->command), slave_conn_state_names[sc->state],
	    sc->ext ? "" : " (version-1 mode)");
}

static void
slave_conn_send(struct slave_conn *sc, uint8_t cmd, const void *p, size_t len)
{
	/* A failure (queue full, socket error) comes back through on_error. */
	(void)conn_send(&sc->conn, cmd, p, len);
}

static void
slave_conn_send_text(struct slave_conn *sc, uint8_t cmd, const char *text)
{
	slave_conn_send(sc, cmd, text, strnlen(text, PROTO_REASON_MAX));
}

/* ---- liveness ---- */

/* Our --heartbeat-timeout, in seconds. */
static double
slave_conn_timeout(const struct slave *sl)
{
	return (double)sl->opts->c.heartbeat_timeout_ns / 1e9;
}

/*
 * WELCOME names the master's heartbeat interval: both sides send at that
 * pace from now on.  Our timeout is at least LIVE_INTERVAL_SHARE intervals,
 * so that a master with a slow pace is not taken for a silent one.  A master
 * that says 0 sends none: then only keepalive watches it.
 */
static void
slave_conn_heartbeats(struct slave_conn *sc, uint32_t heartbeat_ms)
{
	struct slave	*sl = sc->sl;
	double		 interval = heartbeat_ms / 1000.0, timeout;

	if (heartbeat_ms == 0) {
		log_debug("master %s sends no heartbeats", sc->peer_str);
		live_stop(&sc->live);
		return;
	}
	if (interval < LIVE_INTERVAL_MIN)
		interval = LIVE_INTERVAL_MIN;
	timeout = slave_conn_timeout(sl);
	if (timeout < LIVE_INTERVAL_SHARE * interval)
		timeout = LIVE_INTERVAL_SHARE * interval;
	log_debug("master %s: heartbeats every %.3g s, lost after %.3g s of "
	    "silence", sc->peer_str, interval, timeout);
	live_start(&sc->live, sl->loop, &sc->conn, timeout, interval);
}

/*
 * A master that asks (WELCOME_FLAG_GRACE) learns our --kill-grace: after an
 * ABORT it waits that long, and a margin, for our FINISHD before it gives
 * up on us (NOTES section 11).  Older masters do not ask and get nothing.
 */
static void
slave_conn_kill_grace(struct slave_conn *sc)
{
	uint64_t	ms = sc->sl->opts->kill_grace_ns / NSEC_PER_MSEC;
	uint8_t		out[4];

	slave_conn_send(sc, CMD_KILL_GRACE, out, proto_kill_grace_encode(out,
	    sizeof(out), ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms));
}

/* ---- connecting ---- */

static void
slave_conn_connect_failed(struct slave_conn *sc, const char *why)
{
	struct slave *sl = sc->sl;

	if (!sl->direct)
		log_warnx("cannot connect to master %s: %s", sc->peer_str, why);
	else if (!sl->retry_quiet) {
		log_info("cannot connect to master %s: %s; will retry",
		    sc->peer_str, why);
		sl->retry_quiet = true;
	} else
		log_debug("cannot connect to master %s: %s", sc->peer_str,
		    why);
	slave_conn_end(sc, NULL);
}

static void
slave_conn_connected(struct slave_conn *sc)
{
	struct slave		*sl = sc->sl;
	struct proto_hello	 h;
	uint8_t			 p[64 + PROTO_NAME_MAX];
	size_t			 len;

	ev_io_stop(sl->loop, &sc->connect_io);
	ev_timer_stop(sl->loop, &sc->connect_timer);
	conn_init(&sc->conn, sl->loop, sc->connect_fd, &sc->peer,
	    sl->opts->c.session, SLAVE_OUT_LIMIT, sc, slave_conn_frame,
	    slave_conn_error, slave_conn_drain);
	sc->connect_fd = -1;
	sc->conn_open = true;
	sl->retry_quiet = false;
	/*
	 * Date what arrives until the configuration: the first PING comes
	 * with the WELCOME, often in the same read (slave_conn_frame).
	 */
	conn_rx_stamps(&sc->conn, true);
	/* Keyed: the hello and all after it wait until the master proved it. */
	if (sl->key != NULL)
		conn_set_key(&sc->conn, sl->key, AUTH_ROLE_SLAVE);
	/*
	 * Until WELCOME says more, any master talks at least once a second
	 * (ours sends WELCOME at once, a 2014 one PROBEs while it gathers
	 * slaves): silence means it is gone.
	 */
	live_start(&sc->live, sl->loop, &sc->conn, slave_conn_timeout(sl), 0.);

	memset(&h, 0, sizeof(h));
	h.ext_version = PROTO_EXT_VERSION;
	h.flags = 0;
	h.pid = (uint32_t)sl->pid;
	snprintf(h.name, sizeof(h.name), "%s", sl->name);
	len = proto_hello_encode(p, sizeof(p), &h);
	sc->state = SC_HELLO_SENT;
	log_info("connected to master %s as %s%s", sc->peer_str, sl->name,
	    sl->key != NULL ? " (keyed: proving the key)" : "");
	slave_conn_send(sc, CMD_REPLY, p, len);
}

bool
slave_conn_open(struct slave_conn *sc, struct slave *sl,
    const struct sockaddr_in *sa)
{
	int fd, one = 1;

	memset(sc, 0, sizeof(*sc));
	sc->sl = sl;
	sc->connect_fd = sc->conf_fd = -1;
	live_init(&sc->live, sc, slave_conn_lost);
	report_init(sc);
	output_init(sc);
	sc->peer = *sa;
	net_addr_str(sa, sc->peer_str, sizeof(sc->peer_str));
	ev_io_init(&sc->connect_io, slave_conn_connect_cb, -1, EV_WRITE);
	ev_timer_init(&sc->connect_timer, slave_conn_connect_timeout_cb,
	    SLAVE_CONNECT_TIMEOUT, 0);
	ev_timer_init(&sc->start_timer, slave_conn_start_cb, 0, 0);
	sc->state = SC_CONNECTING;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		slave_conn_connect_failed(sc, strerror(errno));
		return false;
	}
	sc->connect_fd = fd;
	/* Small frames whose timing matters (PONG, EXEC_OK): no Nagle delay. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/*
	 * A 2014 master (or ours before heartbeats) may be silent while the
	 * task runs: then the kernel's keepalive is how a dead host shows.
	 */
	live_keepalive(fd, slave_conn_timeout(sl));
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0) {
		slave_conn_connected(sc);
		return true;
	}
	if (errno != EINPROGRESS) {
		slave_conn_connect_failed(sc, strerror(errno));
		return false;
	}
	ev_io_set(&sc->connect_io, fd, EV_WRITE);
	ev_io_start(sl->loop, &sc->connect_io);
	ev_timer_start(sl->loop, &sc->connect_timer);
	return true;
}

static void
slave_conn_connect_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct slave_conn *sc = (struct slave_conn *)((char *)w -
	    offsetof(struct slave_conn, connect_io));
	int		   err = 0;
	socklen_t	   len = sizeof(err);

	(void)loop;
	(void)revents;
	if (getsockopt(sc->connect_fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		slave_conn_connect_failed(sc, strerror(err));
		return;
	}
	slave_conn_connected(sc);
}

static void
slave_conn_connect_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct slave_conn *sc = (struct slave_conn *)((char *)w -
	    offsetof(struct slave_conn, connect_timer));

	(void)loop;
	(void)revents;
	slave_conn_connect_failed(sc, "connection timed out");
}

/* ---- configuration ---- */

/*
 * Refuse the configuration with the reason already in sc->refusal: CONF_NO at
 * once; the session goes on (the master decides), the payload is ignored.
 */
static void
slave_conn_refuse(struct slave_conn *sc)
{
	if (sc->conf_fd != -1) {
		close(sc->conf_fd);
		sc->conf_fd = -1;
	}
	slave_remove_conf_file(sc->sl);
	cmdline_free(&sc->cmd);
	sc->state = SC_REFUSED;
	log_warnx("master %s: configuration refused: %s", sc->peer_str,
	    sc->refusal);
	slave_conn_send_text(sc, CMD_CONF_NO, sc->refusal);
}

static void
slave_conn_refusef(struct slave_conn *sc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
slave_conn_refusef(struct slave_conn *sc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sc->refusal, sizeof(sc->refusal), fmt, ap);
	va_end(ap);
	slave_conn_refuse(sc);
}

/* Split and check the command; on failure the reason is in sc->refusal. */
static int
slave_conn_check_command(struct slave_conn *sc, const char *line, size_t len)
{
	struct slave		*sl = sc->sl;
	const struct slave_opts	*o = sl->opts;

	/* :CONF: names the payload file to be: its name is chosen now. */
	if (slave_conf_path_new(sl, sc->refusal, sizeof(sc->refusal)) == -1)
		return -1;
	if (cmdline_build(line, len, sl->conf_path, &sc->cmd, sc->refusal,
	    sizeof(sc->refusal)) == -1)
		return -1;
	if (cmdline_check(&sc->cmd, o->allow.v, o->allow.n, sc->refusal,
	    sizeof(sc->refusal)) == -1) {
		cmdline_free(&sc->cmd);
		return -1;
	}
	return 0;
}

/*
 * Create the payload file, a new one under its unpredictable name (slave.c);
 * -1 with the reason in sc->refusal.
 */
static int
slave_conn_open_conf(struct slave_conn *sc)
{
	struct slave *sl = sc->sl;

	/*
	 * O_EXCL|O_NOFOLLOW: whatever is there (nobody could know the name)
	 * is refused, never followed, never removed.
	 */
	sc->conf_fd = open(sl->conf_path, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
	if (sc->conf_fd == -1) {
		snprintf(sc->refusal, sizeof(sc->refusal), "%.512s: %s",
		    sl->conf_path, strerror(errno));
		return -1;
	}
	sl->conf_file = true;
	/* The task runs as the --run-as user: it must be able to read it. */
	if (sl->runas != NULL && fchown(sc->conf_fd, sl->runas->uid,
	    sl->runas->gid) == -1) {
		snprintf(sc->refusal, sizeof(sc->refusal), "%.512s: chown to %.64s: %s",
		    sl->conf_path, sl->runas->user, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Append to the payload file.  A plain write() in the callback: the file is
 * on local disk, where a write costs far less than a network round trip.
 */
static int
slave_conn_write_conf(struct slave_conn *sc, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(sc->conf_fd, p, len);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			snprintf(sc->refusal, sizeof(sc->refusal), "%.512s: %s",
			    sc->sl->conf_path, strerror(errno));
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The whole payload is on disk: arm the task and answer CONF_OK. */
static void
slave_conn_arm(struct slave_conn *sc)
{
	struct slave		*sl = sc->sl;
	struct task_spec	 sp;
	char			 ip[INET_ADDRSTRLEN];
	int			 rc;

	rc = close(sc->conf_fd);
	sc->conf_fd = -1;
	if (rc == -1) {
		slave_conn_refusef(sc, "%.512s: %s", sl->conf_path,
		    strerror(errno));
		return;
	}
	memset(&sp, 0, sizeof(sp));
	if ((sp.output_fd = slave_output_open(sl, sc->refusal,
	    sizeof(sc->refusal))) == -1) {
		slave_conn_refuse(sc);
		return;
	}
	sp.path = sc->cmd.path;
	sp.argv = sc->cmd.argv;
	sp.runas = sl->runas;
	sp.session = sl->opts->c.session;
	sp.name = sl->name;
	if (sc->ext) {
		sp.index = sc->cb.slave_index;
		sp.nslaves = sc->cb.nslaves;
	} else {
		/* A 2014 master does not say. */
		sp.index = 0;
		sp.nslaves = 1;
	}
	sp.master = sc->master_addr[0] != '\0' ? sc->master_addr :
	    net_ip_str(sc->peer.sin_addr, ip, sizeof(ip));
	if (task_arm(&sl->task, &sp, sc->refusal, sizeof(sc->refusal)) == -1) {
		slave_conn_refuse(sc);
		return;
	}
	/* The task stays armed; the session's end kills it. */
	if (sc->ext && output_open(sc, sc->cb.flags, sc->cb.output_max,
	    sc->refusal, sizeof(sc->refusal)) == -1) {
		slave_conn_refuse(sc);
		return;
	}
	cmdline_free(&sc->cmd);
	sc->state = SC_ARMED;
	log_info("master %s: configured (%llu payload bytes); task armed",
	    sc->peer_str, (unsigned long long)sc->payload_size);
	slave_conn_send(sc, CMD_CONF_OK, NULL, 0);
	report_start(sc);
}

/* CONF from a 2014 master: the whole session file in one frame. */
static int
slave_conn_v1_conf(struct slave_conn *sc, const uint8_t *p, size_t len)
{
	const uint8_t	*nl = memchr(p, '\n', len);
	size_t		 cmdlen = nl != NULL ? (size_t)(nl - p) : len;
	size_t		 plen = nl != NULL ? len - cmdlen - 1 : 0;

	sc->configured = true;
	sc->payload_size = plen;
	sc->master_addr[0] = '\0';
	/* A 2014 master is silent from now until the end: keepalive only. */
	live_stop(&sc->live);
	if (cmdlen > PROTO_COMMAND_MAX) {
		slave_conn_refusef(sc, "command longer than %d bytes",
		    PROTO_COMMAND_MAX);
		return 0;
	}
	if (slave_conn_check_command(sc, (const char *)p, cmdlen) == -1) {
		slave_conn_refuse(sc);
		return 0;
	}
	/* The same limit as for our master, and checked before writing. */
	if (plen > sc->sl->opts->max_conf_size) {
		cmdline_free(&sc->cmd);
		slave_conn_refusef(sc,
		    "payload of %zu bytes exceeds --max-conf-size %llu", plen,
		    (unsigned long long)sc->sl->opts->max_conf_size);
		return 0;
	}
	if (slave_conn_open_conf(sc) == -1 ||
	    slave_conn_write_conf(sc, nl != NULL ? nl + 1 : p + len, plen)
	    == -1) {
		slave_conn_refuse(sc);
		return 0;
	}
	slave_conn_arm(sc);
	return 0;
}

static int
slave_conn_conf_begin(struct slave_conn *sc, const uint8_t *p, size_t len)
{
	const struct slave_opts	*o = sc->sl->opts;
	const char		*why, *command;

	if (proto_conf_begin_decode(p, len, &sc->cb, &why) == -1)
		return slave_conn_violation(sc, "%s", why);
	sc->configured = true;
	sc->payload_size = sc->payload_left = sc->cb.payload_size;
	memcpy(sc->master_addr, sc->cb.master_addr, sc->cb.master_addr_len);
	sc->master_addr[sc->cb.master_addr_len] = '\0';
	/* The decoded strings point into the frame: do not keep them. */
	command = sc->cb.command;
	sc->cb.command = NULL;
	sc->cb.master_addr = NULL;

	/* Refuse at once, before a byte of payload is written. */
	if (slave_conn_check_command(sc, command, sc->cb.command_len) == -1) {
		slave_conn_refuse(sc);
		return 0;
	}
	if (sc->cb.payload_size > o->max_conf_size) {
		slave_conn_refusef(sc,
		    "payload of %llu bytes exceeds --max-conf-size %llu",
		    (unsigned long long)sc->cb.payload_size,
		    (unsigned long long)o->max_conf_size);
		return 0;
	}
	if (slave_conn_open_conf(sc) == -1) {
		slave_conn_refuse(sc);
		return 0;
	}
	log_debug("master %s: session %u, slave %u of %u, %llu payload bytes",
	    sc->peer_str, o->c.session, sc->cb.slave_index, sc->cb.nslaves,
	    (unsigned long long)sc->payload_size);
	sc->state = SC_CONFIGURING;
	if (sc->payload_left == 0)
		slave_conn_arm(sc);
	return 0;
}

static int
slave_conn_conf_data(struct slave_conn *sc, const uint8_t *p, size_t len)
{
	if (len > sc->payload_left)
		return slave_conn_violation(sc,
		    "CONF_DATA beyond payload_size (%zu bytes, %llu expected)",
		    len, (unsigned long long)sc->payload_left);
	sc->payload_left -= len;
	if (sc->state == SC_REFUSED)
		return 0;	/* refused already: the rest is ignored */
	if (slave_conn_write_conf(sc, p, len) == -1) {
		slave_conn_refuse(sc);
		return 0;
	}
	if (sc->payload_left == 0)
		slave_conn_arm(sc);
	return 0;
}

/* ---- execution ---- */

static void
slave_conn_release(struct slave_conn *sc, uint64_t sched_mono_ns)
{
	struct slave *sl = sc->sl;

	task_release(&sl->task, sched_mono_ns);
	sc->state = SC_RUNNING;
	output_running(sc);
	if (sl->task.started)
		log_info("task %d started (%+.3f ms from the instant asked "
		    "for)", (int)sl->task.pid, (double)(int64_t)
		    (sl->task.start_mono_ns - sched_mono_ns) / 1e6);
	else
		log_info("task %d released at its instant", (int)sl->task.pid);
	/* It died before it was released: report that now. */
	if (sl->task.state == TASK_DONE)
		slave_conn_task_done(sc);
}

static void
slave_conn_start_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct slave_conn *sc = (struct slave_conn *)((char *)w -
	    offsetof(struct slave_conn, start_timer));
	uint64_t	   now = mono_ns();

	(void)revents;
	if (sc->start_mono_ns + SLAVE_RELEASE_AFTER_NS > now) {
		/* Woken early (the loop rounds its timeouts): wait again. */
		ev_timer_set(w, (double)(sc->start_mono_ns +
		    SLAVE_RELEASE_AFTER_NS - now) / 1e9, 0);
		ev_timer_start(loop, w);
		return;
	}
	/*
	 * The task woke at the instant by itself (task_schedule): this timer,
	 * set a little after it (slave.h), only marks it running and reads
	 * when it really started.
	 */
	slave_conn_release(sc, sc->start_mono_ns);
}

static int
slave_conn_start(struct slave_conn *sc, const uint8_t *p, size_t len,
    const struct proto_hdr *h)
{
	struct slave		*sl = sc->sl;
	struct proto_start	 st;
	const char		*why;
	char			 desc[256], reason[PROTO_REASON_MAX + 1];
	uint64_t		 now;

	switch (sc->state) {
	case SC_ARMED:
		break;
	case SC_REFUSED:
		snprintf(reason, sizeof(reason),
		    "not armed: the configuration was refused (%.900s)",
		    sc->refusal);
		slave_conn_send_text(sc, CMD_EXEC_NO, reason);
		return 0;
	case SC_SCHEDULED:
	case SC_RUNNING:
	case SC_FINISHED:
		slave_conn_send_text(sc, CMD_EXEC_NO, "task already started");
		return 0;
	default:
		return slave_conn_out_of_phase(sc, h);
	}
	if (proto_start_decode(p, len, &st, &why) == -1)
		return slave_conn_violation(sc, "%s", why);
	if (sl->task.state != TASK_ARMED) {
		task_describe(&sl->task, desc, sizeof(desc));
		snprintf(reason, sizeof(reason),
		    "the task's process ended before its start: %s", desc);
		log_warnx("master %s: START refused: %s", sc->peer_str, reason);
		slave_conn_send_text(sc, CMD_EXEC_NO, reason);
		return 0;
	}
	/* The task sleeps until the instant by itself from now on. */
	task_schedule(&sl->task, st.slave_mono_ns);
	slave_conn_send(sc, CMD_EXEC_OK, NULL, 0);
	sc->start_mono_ns = st.slave_mono_ns;
	sc->state = SC_SCHEDULED;
	now = mono_ns();
	if (st.slave_mono_ns <= now) {
		slave_conn_release(sc, st.slave_mono_ns);	/* late: at once */
	} else {
		log_debug("master %s: start in %.3f ms", sc->peer_str,
		    (double)(st.slave_mono_ns - now) / 1e6);
		ev_now_update(sl->loop);
		ev_timer_set(&sc->start_timer, (double)(st.slave_mono_ns +
		    SLAVE_RELEASE_AFTER_NS - now) / 1e9, 0);
		ev_timer_start(sl->loop, &sc->start_timer);
	}
	return 0;
}

/* EXEC from a 2014 master: start now. */
static int
slave_conn_v1_exec(struct slave_conn *sc)
{
	struct slave	*sl = sc->sl;
	char		 desc[256], reason[PROTO_REASON_MAX + 1];

	switch (sc->state) {
	case SC_ARMED:
		break;
	case SC_HELLO_SENT:
		log_warnx("master %s: EXEC before any CONF: refused (EXEC_NO)",
		    sc->peer_str);
		slave_conn_send_text(sc, CMD_EXEC_NO, "not configured");
		return 0;
	case SC_REFUSED:
		snprintf(reason, sizeof(reason),
		    "not armed: the configuration was refused (%.900s)",
		    sc->refusal);
		slave_conn_send_text(sc, CMD_EXEC_NO, reason);
		return 0;
	default:
		slave_conn_send_text(sc, CMD_EXEC_NO, "task already started");
		return 0;
	}
	if (sl->task.state != TASK_ARMED) {
		task_describe(&sl->task, desc, sizeof(desc));
		snprintf(reason, sizeof(reason),
		    "the task's process ended before its start: %s", desc);
		log_warnx("master %s: EXEC refused: %s", sc->peer_str, reason);
		slave_conn_send_text(sc, CMD_EXEC_NO, reason);
		return 0;
	}
	/* Start first, answer after: the answer is not on the critical path. */
	slave_conn_release(sc, mono_ns());
	slave_conn_send(sc, CMD_EXEC_OK, NULL, 0);
	return 0;
}

/* The task's result, after its last OUTPUT and a last REPORT. */
static void
slave_conn_finished(struct slave_conn *sc)
{
	struct slave		*sl = sc->sl;
	struct proto_result	 r;
	struct proto_v1_result	 v1;
	uint8_t			 p[128];
	size_t			 len;
	char			 desc[256];

	sc->finish_wait = false;
	task_describe(&sl->task, desc, sizeof(desc));
	/* REPORT and FINISHD leave together: one segment, one wake-up. */
	conn_cork(&sc->conn, true);
	if (sc->ext) {
		task_result(&sl->task, &r);
		len = proto_result_encode(p, sizeof(p), &r);
		/* Its final state, CPU and progress line, whatever the pace. */
		report_stop(sc);
		report_send(sc);
	} else {
		task_v1_result(&sl->task, &v1);
		len = proto_v1_result_encode(p, sizeof(p), &v1);
	}
	sc->state = SC_FINISHED;
	log_info("task %d %s; reporting to master %s", (int)sl->task.pid, desc,
	    sc->peer_str);
	slave_conn_send(sc, CMD_FINISHD, p, len);
	conn_cork(&sc->conn, false);
}

void
slave_conn_task_done(struct slave_conn *sc)
{
	struct slave	*sl = sc->sl;
	char		 desc[256];

	switch (sc->state) {
	case SC_ARMED:
		/* Not started yet: START / EXEC will be answered EXEC_NO. */
		task_describe(&sl->task, desc, sizeof(desc));
		log_warnx("task %d ended before its start: %s",
		    (int)sl->task.pid, desc);
		return;
	case SC_SCHEDULED:
		/*
		 * Killed (ABORT) or dead before its instant: never started.
		 * Or it started and ended before our timer for its instant
		 * (it wakes by itself): the reap knows which.
		 */
		ev_timer_stop(sl->loop, &sc->start_timer);
		break;
	case SC_RUNNING:
		break;
	default:
		return;
	}
	/*
	 * A master that collects output holds every byte once it sees
	 * FINISHD: the rest of the file goes first, as the connection drains
	 * (output.c calls slave_conn_output_done when it is all queued).
	 */
	sc->finish_wait = true;
	if (!sc->ext || output_finish(sc))
		slave_conn_finished(sc);
	else if (sc->finish_wait)
		log_debug("task %d ended: sending the rest of its output "
		    "(%llu of %llu bytes sent) before its result",
		    (int)sl->task.pid, (unsigned long long)sc->out.sent,
		    (unsigned long long)sc->out.end);
}

void
slave_conn_output_done(struct slave_conn *sc)
{
	if (sc->finish_wait && sc->conn_open)
		slave_conn_finished(sc);
}

/* ---- frames ---- */

static int
slave_conn_frame(struct conn *c, const struct proto_hdr *h, const uint8_t *p)
{
	struct slave_conn	*sc = c->owner;
	struct proto_welcome	 w;
	struct proto_ping	 ping;
	struct proto_pong	 pong;
	const char		*why;
	char			 text[PROTO_REASON_MAX + 1];
	uint8_t			 out[32];
	size_t			 len = h->datalen;
	uint64_t		 age;

	switch (h->command) {
	case CMD_PROBE:
		/* Liveness check of a master still gathering slaves. */
		slave_conn_send(sc, CMD_REPLY, NULL, 0);
		return 0;
	case CMD_CONF:
		if (sc->ext || sc->state != SC_HELLO_SENT)
			return slave_conn_out_of_phase(sc, h);
		conn_rx_stamps(&sc->conn, false);
		return slave_conn_v1_conf(sc, p, len);
	case CMD_EXEC:
		if (sc->ext)
			return slave_conn_out_of_phase(sc, h);
		return slave_conn_v1_exec(sc);
	case CMD_BYE:
		proto_reason_copy(text, sizeof(text), p, len);
		log_info("master %s: session over%s%s", sc->peer_str,
		    len > 0 ? ": " : "", text);
		slave_conn_end(sc, NULL);
		return -1;
	case CMD_FULL:
		proto_reason_copy(text, sizeof(text), p, len);
		log_info("master %s turned us away: %s", sc->peer_str,
		    len > 0 ? text : "no reason given");
		slave_conn_end(sc, NULL);
		return -1;
	case CMD_ERROR:
		proto_reason_copy(text, sizeof(text), p, len);
		log_warnx("master %s reports an error: %s", sc->peer_str,
		    len > 0 ? text : "no reason given");
		slave_conn_end(sc, NULL);
		return -1;
	default:
		break;
	}
	if (!sc->ext && h->command != CMD_WELCOME)
		return slave_conn_out_of_phase(sc, h);

	switch (h->command) {
	case CMD_WELCOME:
		if (sc->ext || sc->state != SC_HELLO_SENT)
			return slave_conn_out_of_phase(sc, h);
		if (proto_welcome_decode(p, len, &w, &why) == -1)
			return slave_conn_violation(sc, "%s", why);
		if (w.ext_version == 0)
			return slave_conn_violation(sc,
			    "WELCOME with extension version 0");
		sc->ext = true;
		sc->conn.peer_ext_version = w.ext_version;
		sc->state = SC_JOINED;
		log_info("master %s: joined (extension version %u)",
		    sc->peer_str, w.ext_version);
		slave_conn_heartbeats(sc, w.heartbeat_ms);
		if (w.flags & WELCOME_FLAG_GRACE)
			slave_conn_kill_grace(sc);
		return 0;
	case CMD_PING:
		if (proto_ping_decode(p, len, &ping, &why) == -1)
			return slave_conn_violation(sc, "%s", why);
		pong.master_mono_ns = ping.master_mono_ns;
		pong.slave_mono_ns = mono_ns();
		pong.slave_real_ns = real_ns();
		/*
		 * Our stamp is the middle of the PING's arrival (the kernel's
		 * stamp) and now, our reply: a wait of ours before we got
		 * round to the PING then counts on both sides of the master's
		 * midpoint alike instead of skewing the offset by half of it
		 * (NOTES section 2).
		 */
		if (sc->conn.rx_real_ns != 0 &&
		    sc->conn.rx_real_ns <= pong.slave_real_ns &&
		    (age = pong.slave_real_ns - sc->conn.rx_real_ns) <
		    NSEC_PER_SEC) {
			pong.slave_mono_ns -= age / 2;
			pong.slave_real_ns -= age / 2;
		}
		len = proto_pong_encode(out, sizeof(out), &pong);
		slave_conn_send(sc, CMD_PONG, out, len);
		return 0;
	case CMD_CONF_BEGIN:
		if (sc->state != SC_JOINED)
			return slave_conn_out_of_phase(sc, h);
		conn_rx_stamps(&sc->conn, false);
		return slave_conn_conf_begin(sc, p, len);
	case CMD_CONF_DATA:
		if (sc->state != SC_CONFIGURING && sc->state != SC_REFUSED)
			return slave_conn_out_of_phase(sc, h);
		return slave_conn_conf_data(sc, p, len);
	case CMD_START:
		return slave_conn_start(sc, p, len, h);
	case CMD_ABORT:
		proto_reason_copy(text, sizeof(text), p, len);
		log_info("master %s: abort%s%s", sc->peer_str,
		    len > 0 ? ": " : "", text);
		if (task_alive(&sc->sl->task) && !sc->sl->task.stopping)
			log_info("stopping task %d (SIGTERM, SIGKILL after "
			    "%.3g s)", (int)sc->sl->task.pid,
			    (double)sc->sl->opts->kill_grace_ns / 1e9);
		/* Its reap reports FINISHD (or EXEC_NO to a later START). */
		task_stop(&sc->sl->task, sc->sl->opts->kill_grace_ns);
		return 0;
	case CMD_HEARTBEAT:
		/* Proof of life: conn.c noted the time, live.c reads it. */
		return 0;
	case CMD_REPORT_REQ:
		/* In any state (idle: no task); at once, or paced (report.c). */
		report_ask(sc);
		return 0;
	default:
		return slave_conn_out_of_phase(sc, h);
	}
}

static void
slave_conn_error(struct conn *c, const char *why)
{
	struct slave_conn *sc = c->owner;

	if (sc->state == SC_FINISHED || (sc->state == SC_HELLO_SENT &&
	    strcmp(why, "connection closed by peer") == 0))
		log_info("master %s: %s", sc->peer_str, why);
	else
		log_warnx("master %s: %s (state %s)", sc->peer_str, why,
		    slave_conn_state_names[sc->state]);
	slave_conn_end(sc, NULL);
}

/* Room in the output queue again: more of the task's output. */
static void
slave_conn_drain(struct conn *c)
{
	output_pump(c->owner);
}

/* live.c: the master has been silent (or not reading) too long. */
static void
slave_conn_lost(struct live *l, const char *why)
{
	struct slave_conn *sc = l->owner;

	log_warnx("master %s: %s; ending the session (state %s)", sc->peer_str,
	    why, slave_conn_state_names[sc->state]);
	slave_conn_end(sc, why);
}

void
slave_conn_abort(struct slave_conn *sc, const char *why)
{
	if (sc->state == SC_IDLE)
		return;
	log_info("master %s: ending the session: %s", sc->peer_str, why);
	slave_conn_end(sc, why);
}
