/*
 * uplink.c - one master connection: the slave side of the protocol.
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
#include "preflight.h"
#include "uplink.h"

static void	uplink_connect_cb(struct ev_loop *, ev_io *, int);
static void	uplink_connect_timeout_cb(struct ev_loop *, ev_timer *, int);
static void	uplink_start_cb(struct ev_loop *, ev_timer *, int);
static int	uplink_frame(struct conn *, const struct proto_hdr *,
		    const uint8_t *);
static void	uplink_error(struct conn *, const char *);
static void	uplink_drain(struct conn *);
static void	uplink_lost(struct live *, const char *);
static void	uplink_output_done(void *);

static const char *const uplink_state_names[] = {
	[UPLINK_IDLE] = "idle",
	[UPLINK_CONNECTING] = "connecting",
	[UPLINK_HELLO_SENT] = "hello sent",
	[UPLINK_JOINED] = "joined",
	[UPLINK_CONFIGURING] = "configuring",
	[UPLINK_REFUSED] = "refused",
	[UPLINK_ARMED] = "armed",
	[UPLINK_SCHEDULED] = "scheduled",
	[UPLINK_RUNNING] = "running",
	[UPLINK_FINISHED] = "finished",
};

bool
uplink_active(const struct uplink *up)
{
	return up->state != UPLINK_IDLE;
}

/*
 * Tear the session down and tell the owner (slave.c).  Safe from inside any
 * callback of this connection: the caller must return at once (-1 from a
 * frame callback).
 */
static void
uplink_end(struct uplink *up, const char *error_reason)
{
	struct uplink_end end;

	if (up->state == UPLINK_IDLE)
		return;
	memset(&end, 0, sizeof(end));
	end.master = up->peer_str;
	end.configured = up->configured;
	end.progressed = up->ext || up->configured;
	end.connected = up->connected;
	end.connect_error = up->connect_error[0] != '\0' ?
	    up->connect_error : NULL;
	end.turned_away = up->full[0] != '\0' ? up->full : NULL;
	end.key_mismatch = up->key_error[0] != '\0' ? up->key_error : NULL;
	/* ERROR is ours: a 2014 master would take it for an unknown command. */
	if (error_reason != NULL && up->ext && up->conn_open)
		(void)conn_send(&up->conn, CMD_ERROR, error_reason,
		    strnlen(error_reason, PROTO_REASON_MAX));
	ev_timer_stop(up->env.loop, &up->start_timer);
	ev_timer_stop(up->env.loop, &up->connect_timer);
	ev_io_stop(up->env.loop, &up->connect_io);
	report_stop(&up->rep);
	output_close(&up->out);
	up->finish_wait = false;
	live_stop(&up->live);
	if (up->connect_fd != -1) {
		close(up->connect_fd);
		up->connect_fd = -1;
	}
	payload_abandon(up->env.payload);
	/* Before the close: whoever sees the close finds the file gone. */
	if (!task_alive(up->env.task))
		payload_remove(up->env.payload);
	if (up->conn_open) {
		conn_close(&up->conn);
		up->conn_open = false;
	}
	cmdline_free(&up->cmd);
	up->state = UPLINK_IDLE;
	up->ext = up->configured = up->stderr_ok = false;
	up->have_run = up->arm_waiting = false;
	up->env.ended(up->env.owner, &end);
}

/* Log a protocol violation with the master's address, ERROR, close. */
static int __attribute__((format(printf, 2, 3)))
uplink_violation(struct uplink *up, const char *fmt, ...)
{
	char	why[PROTO_REASON_MAX + 1];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_warnx("master %s: %s; closing", up->peer_str, why);
	uplink_end(up, why);
	return -1;
}

static int
uplink_out_of_phase(struct uplink *up, const struct proto_hdr *h)
{
	return uplink_violation(up, "unexpected %s in state %s%s",
	    proto_cmd_name(h->command), uplink_state_names[up->state],
	    up->ext ? "" : " (version-1 mode)");
}

static void
uplink_send(struct uplink *up, uint8_t cmd, const void *p, size_t len)
{
	/* A failure (queue full, socket error) comes back through on_error. */
	(void)conn_send(&up->conn, cmd, p, len);
}

static void
uplink_send_text(struct uplink *up, uint8_t cmd, const char *text)
{
	uplink_send(up, cmd, text, strnlen(text, PROTO_REASON_MAX));
}

/* ---- liveness ---- */

/* Our --heartbeat-timeout, in seconds. */
static double
uplink_timeout(const struct uplink *up)
{
	return (double)up->env.opts->c.heartbeat_timeout_ns / 1e9;
}

/*
 * WELCOME names the master's heartbeat interval: both sides send at that
 * pace from now on.  Our timeout is at least LIVE_INTERVAL_SHARE intervals,
 * so that a master with a slow pace is not taken for a silent one.  A master
 * that says 0 sends none: then only keepalive watches it.
 */
static void
uplink_heartbeats(struct uplink *up, uint32_t heartbeat_ms)
{
	double		 interval = heartbeat_ms / 1000.0, timeout;

	if (heartbeat_ms == 0) {
		log_debug("master %s sends no heartbeats", up->peer_str);
		live_stop(&up->live);
		return;
	}
	if (interval < LIVE_INTERVAL_MIN)
		interval = LIVE_INTERVAL_MIN;
	timeout = uplink_timeout(up);
	if (timeout < LIVE_INTERVAL_SHARE * interval)
		timeout = LIVE_INTERVAL_SHARE * interval;
	log_debug("master %s: heartbeats every %.3g s, lost after %.3g s of "
	    "silence", up->peer_str, interval, timeout);
	live_start(&up->live, up->env.loop, &up->conn, timeout, interval);
}

/*
 * A master that asks (WELCOME_FLAG_GRACE) learns our --kill-grace: after an
 * ABORT it waits that long, and a margin, for our FINISHD before it gives
 * up on us (NOTES section 11).  Older masters do not ask and get nothing.
 */
static void
uplink_kill_grace(struct uplink *up)
{
	uint64_t	ms = up->env.opts->kill_grace_ns / NSEC_PER_MSEC;
	uint8_t		out[4];

	uplink_send(up, CMD_KILL_GRACE, out, proto_kill_grace_encode(out,
	    sizeof(out), ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms));
}

/* ---- connecting ---- */

static void
uplink_connect_failed(struct uplink *up, const char *why)
{
	snprintf(up->connect_error, sizeof(up->connect_error), "%s", why);
	uplink_end(up, NULL);
}

static void
uplink_connected(struct uplink *up)
{
	struct proto_hello	 h;
	uint8_t			 p[64 + PROTO_NAME_MAX];
	size_t			 len;

	ev_io_stop(up->env.loop, &up->connect_io);
	ev_timer_stop(up->env.loop, &up->connect_timer);
	conn_init(&up->conn, up->env.loop, up->connect_fd, &up->peer,
	    up->env.opts->c.session, UPLINK_OUT_LIMIT, up, uplink_frame,
	    uplink_error, uplink_drain);
	up->connect_fd = -1;
	up->conn_open = true;
	up->connected = true;
	/*
	 * Date what arrives until the configuration: the first PING comes
	 * with the WELCOME, often in the same read (uplink_frame).
	 */
	conn_rx_stamps(&up->conn, true);
	/* Keyed: the hello and all after it wait until the master proved it. */
	if (up->env.key != NULL)
		conn_set_key(&up->conn, up->env.key, AUTH_ROLE_SLAVE);
	/*
	 * Until WELCOME says more, any master talks at least once a second
	 * (ours sends WELCOME at once, a 2014 one PROBEs while it gathers
	 * slaves): silence means it is gone.
	 */
	live_start(&up->live, up->env.loop, &up->conn, uplink_timeout(up), 0.);

	memset(&h, 0, sizeof(h));
	h.ext_version = PROTO_EXT_VERSION;
	/* What we can do: a master of ours uses each only if told here. */
	h.flags = HELLO_CAP_CAMPAIGN | HELLO_CAP_METRICS | HELLO_CAP_STDERR |
	    HELLO_CAP_PREFLIGHT;
	h.pid = (uint32_t)up->env.pid;
	snprintf(h.name, sizeof(h.name), "%s", up->env.name);
	len = proto_hello_encode(p, sizeof(p), &h);
	up->state = UPLINK_HELLO_SENT;
	log_info("connected to master %s as %s%s", up->peer_str, up->env.name,
	    up->env.key != NULL ? " (keyed: proving the key)" : "");
	uplink_send(up, CMD_REPLY, p, len);
}

bool
uplink_open(struct uplink *up, const struct uplink_env *env,
    const struct net_addr *sa)
{
	int fd, one = 1;

	memset(up, 0, sizeof(*up));
	up->env = *env;
	up->connect_fd = -1;
	live_init(&up->live, up, uplink_lost);
	report_init(&up->rep, up->env.loop, up->env.task, up->env.pid);
	output_init(&up->out, up->env.loop, up, uplink_output_done);
	up->peer = *sa;
	net_addr_str(sa, up->peer_str, sizeof(up->peer_str));
	ev_io_init(&up->connect_io, uplink_connect_cb, -1, EV_WRITE);
	ev_timer_init(&up->connect_timer, uplink_connect_timeout_cb,
	    UPLINK_CONNECT_TIMEOUT, 0);
	ev_timer_init(&up->start_timer, uplink_start_cb, 0, 0);
	up->state = UPLINK_CONNECTING;

	fd = socket(net_addr_family(sa), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		uplink_connect_failed(up, strerror(errno));
		return false;
	}
	up->connect_fd = fd;
	/* Small frames whose timing matters (PONG, EXEC_OK): no Nagle delay. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/*
	 * A 2014 master (or ours before heartbeats) may be silent while the
	 * task runs: then the kernel's keepalive is how a dead host shows.
	 */
	live_keepalive(fd, uplink_timeout(up));
	if (connect(fd, &sa->u.sa, sa->len) == 0) {
		uplink_connected(up);
		return true;
	}
	if (errno != EINPROGRESS) {
		uplink_connect_failed(up, strerror(errno));
		return false;
	}
	ev_io_set(&up->connect_io, fd, EV_WRITE);
	ev_io_start(up->env.loop, &up->connect_io);
	ev_timer_start(up->env.loop, &up->connect_timer);
	return true;
}

static void
uplink_connect_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct uplink *up = (struct uplink *)((char *)w -
	    offsetof(struct uplink, connect_io));
	int		   err = 0;
	socklen_t	   len = sizeof(err);

	(void)loop;
	(void)revents;
	if (getsockopt(up->connect_fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		uplink_connect_failed(up, strerror(err));
		return;
	}
	uplink_connected(up);
}

static void
uplink_connect_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct uplink *up = (struct uplink *)((char *)w -
	    offsetof(struct uplink, connect_timer));

	(void)loop;
	(void)revents;
	uplink_connect_failed(up, "connection timed out");
}

/* ---- configuration ---- */

/*
 * Refuse the configuration with the reason already in up->refusal: CONF_NO at
 * once; the session goes on (the master decides), the payload is ignored.
 */
static void
uplink_refuse(struct uplink *up)
{
	payload_remove(up->env.payload);
	cmdline_free(&up->cmd);
	up->state = UPLINK_REFUSED;
	log_warnx("master %s: configuration refused: %s", up->peer_str,
	    up->refusal);
	uplink_send_text(up, CMD_CONF_NO, up->refusal);
}

static void
uplink_refusef(struct uplink *up, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
uplink_refusef(struct uplink *up, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(up->refusal, sizeof(up->refusal), fmt, ap);
	va_end(ap);
	uplink_refuse(up);
}

/* Split and check the command; on failure the reason is in up->refusal. */
static int
uplink_check_command(struct uplink *up, const char *line, size_t len)
{
	const struct slave_opts	*o = up->env.opts;

	/* :CONF: names the payload file to be: its name is chosen now. */
	if (payload_name(up->env.payload, up->env.pid, up->refusal,
	    sizeof(up->refusal)) == -1)
		return -1;
	if (cmdline_build(line, len, up->env.payload->path, &up->cmd, up->refusal,
	    sizeof(up->refusal)) == -1)
		return -1;
	if (cmdline_check(&up->cmd, o->allow.v, o->allow.n, up->refusal,
	    sizeof(up->refusal)) == -1) {
		cmdline_free(&up->cmd);
		return -1;
	}
	return 0;
}

/* The whole payload is on disk: arm the task and answer CONF_OK. */
static void
uplink_arm(struct uplink *up)
{
	struct task_spec	 sp;
	char			 ip[NET_IPSTRLEN];

	/* The last run's task is still being stopped: when it is gone. */
	if (task_alive(up->env.task)) {
		up->arm_waiting = true;
		log_debug("master %s: the last run's task %d is not over yet: "
		    "arming when it is", up->peer_str,
		    (int)up->env.task->pid);
		return;
	}
	up->arm_waiting = false;
	if (payload_close(up->env.payload, up->refusal,
	    sizeof(up->refusal)) == -1) {
		uplink_refuse(up);
		return;
	}
	memset(&sp, 0, sizeof(sp));
	sp.stderr_fd = -1;
	if ((sp.output_fd = safefile_open(up->env.output, up->env.runas, up->refusal,
	    sizeof(up->refusal))) == -1) {
		uplink_refuse(up);
		return;
	}
	if (up->env.errout != NULL && (sp.stderr_fd =
	    safefile_open(up->env.errout, up->env.runas, up->refusal,
	    sizeof(up->refusal))) == -1) {
		close(sp.output_fd);
		uplink_refuse(up);
		return;
	}
	sp.path = up->cmd.path;
	sp.argv = up->cmd.argv;
	sp.runas = up->env.runas;
	sp.session = up->env.opts->c.session;
	sp.name = up->env.name;
	if (up->ext) {
		sp.index = up->cb.slave_index;
		sp.nslaves = up->cb.nslaves;
	} else {
		/* A 2014 master does not say. */
		sp.index = 0;
		sp.nslaves = 1;
	}
	/*
	 * The master's address as it said, or as we reached it: ours for a
	 * link-local one, whose interface only we can name.
	 */
	sp.master = up->master_addr[0] != '\0' &&
	    !net_addr_link_local(&up->peer) ? up->master_addr :
	    net_ip_str(&up->peer, ip, sizeof(ip));
	if (up->have_run) {
		sp.run = up->run.run;
		sp.runs = up->run.runs;
		sp.repeat = up->run.repeat;
		sp.conf = up->run.conf;
	} else {
		/* A master that does not say: one run. */
		sp.run = sp.repeat = 0;
		sp.runs = 1;
		sp.conf = "";
	}
	if (task_arm(up->env.task, &sp, up->refusal, sizeof(up->refusal)) == -1) {
		uplink_refuse(up);
		return;
	}
	/* The task stays armed; the session's end kills it. */
	if (up->ext && output_open(&up->out, &up->conn, UPLINK_OUT_LIMIT,
	    up->env.task->out_fd, up->env.output->used, up->stderr_ok ?
	    up->env.task->stderr_fd : -1, up->env.errout != NULL ?
	    up->env.errout->used : NULL, up->cb.flags, up->cb.output_max,
	    up->refusal, sizeof(up->refusal)) == -1) {
		uplink_refuse(up);
		return;
	}
	/* An older master of ours takes stdout only: stderr stays here. */
	if (up->ext && !up->stderr_ok && up->env.errout != NULL &&
	    (up->cb.flags & CONF_FLAG_COLLECT_OUTPUT))
		log_info("master %s takes no stderr (it is older than this "
		    "slave): only the task's stdout is sent; its stderr stays "
		    "in %s", up->peer_str, up->env.errout->used);
	cmdline_free(&up->cmd);
	up->state = UPLINK_ARMED;
	log_info("master %s: configured (%llu payload bytes); task armed",
	    up->peer_str, (unsigned long long)up->payload_size);
	uplink_send(up, CMD_CONF_OK, NULL, 0);
	report_start(&up->rep, up->cb.report_ms);
}

/* CONF from a 2014 master: the whole session file in one frame. */
static int
uplink_v1_conf(struct uplink *up, const uint8_t *p, size_t len)
{
	const uint8_t	*nl = memchr(p, '\n', len);
	size_t		 cmdlen = nl != NULL ? (size_t)(nl - p) : len;
	size_t		 plen = nl != NULL ? len - cmdlen - 1 : 0;

	up->configured = true;
	up->payload_size = plen;
	up->master_addr[0] = '\0';
	/* A 2014 master is silent from now until the end: keepalive only. */
	live_stop(&up->live);
	if (cmdlen > PROTO_COMMAND_MAX) {
		uplink_refusef(up, "command longer than %d bytes",
		    PROTO_COMMAND_MAX);
		return 0;
	}
	if (uplink_check_command(up, (const char *)p, cmdlen) == -1) {
		uplink_refuse(up);
		return 0;
	}
	/* The same limit as for our master, and checked before writing. */
	if (plen > up->env.opts->max_conf_size) {
		cmdline_free(&up->cmd);
		uplink_refusef(up,
		    "payload of %zu bytes exceeds --max-conf-size %llu", plen,
		    (unsigned long long)up->env.opts->max_conf_size);
		return 0;
	}
	if (payload_create(up->env.payload, up->env.runas, up->refusal,
	    sizeof(up->refusal)) == -1 ||
	    payload_write(up->env.payload, nl != NULL ? nl + 1 : p + len,
	    plen, up->refusal, sizeof(up->refusal)) == -1) {
		uplink_refuse(up);
		return 0;
	}
	uplink_arm(up);
	return 0;
}

static int
uplink_conf_begin(struct uplink *up, const uint8_t *p, size_t len)
{
	const struct slave_opts	*o = up->env.opts;
	const char		*why, *command;

	if (proto_conf_begin_decode(p, len, &up->cb, &why) == -1)
		return uplink_violation(up, "%s", why);
	up->configured = true;
	up->payload_size = up->payload_left = up->cb.payload_size;
	memcpy(up->master_addr, up->cb.master_addr, up->cb.master_addr_len);
	up->master_addr[up->cb.master_addr_len] = '\0';
	/* The decoded strings point into the frame: do not keep them. */
	command = up->cb.command;
	up->cb.command = NULL;
	up->cb.master_addr = NULL;

	/* Refuse at once, before a byte of payload is written. */
	if (uplink_check_command(up, command, up->cb.command_len) == -1) {
		uplink_refuse(up);
		return 0;
	}
	if (up->cb.payload_size > o->max_conf_size) {
		uplink_refusef(up,
		    "payload of %llu bytes exceeds --max-conf-size %llu",
		    (unsigned long long)up->cb.payload_size,
		    (unsigned long long)o->max_conf_size);
		return 0;
	}
	if (payload_create(up->env.payload, up->env.runas, up->refusal,
	    sizeof(up->refusal)) == -1) {
		uplink_refuse(up);
		return 0;
	}
	log_debug("master %s: session %u, slave %u of %u, %llu payload bytes",
	    up->peer_str, o->c.session, up->cb.slave_index, up->cb.nslaves,
	    (unsigned long long)up->payload_size);
	up->state = UPLINK_CONFIGURING;
	if (up->payload_left == 0)
		uplink_arm(up);
	return 0;
}

static int
uplink_conf_data(struct uplink *up, const uint8_t *p, size_t len)
{
	if (len > up->payload_left)
		return uplink_violation(up,
		    "CONF_DATA beyond payload_size (%zu bytes, %llu expected)",
		    len, (unsigned long long)up->payload_left);
	up->payload_left -= len;
	if (up->state == UPLINK_REFUSED)
		return 0;	/* refused already: the rest is ignored */
	if (payload_write(up->env.payload, p, len, up->refusal,
	    sizeof(up->refusal)) == -1) {
		uplink_refuse(up);
		return 0;
	}
	if (up->payload_left == 0)
		uplink_arm(up);
	return 0;
}

/*
 * PREFLIGHT: the session checked as we would run it, answered at once with
 * PREFLIGHT_ANS; nothing written, nothing run, still joined (a BYE, or a
 * CONF_BEGIN, may follow).
 */
static int
uplink_preflight(struct uplink *up, const uint8_t *p, size_t len)
{
	static uint8_t		 out[PROTO_MAX_PAYLOAD];
	struct proto_conf_begin	 cb;
	struct preflight_env	 env = {
		.opts = up->env.opts,
		.payload = up->env.payload,
		.runas = up->env.runas,
		.output = up->env.output,
		.errout = up->env.errout,
		.pid = up->env.pid,
	};
	const char		*why;
	size_t			 n;
	bool			 ready;

	if (proto_conf_begin_decode(p, len, &cb, &why) == -1)
		return uplink_violation(up, "PREFLIGHT: %s", why);
	conn_rx_stamps(&up->conn, false);
	n = preflight_answer(&env, &cb, out, sizeof(out), &ready);
	if (n == 0)
		return uplink_violation(up, "PREFLIGHT: cannot encode the "
		    "answer");
	log_info("master %s: preflight of a session of %u slaves, %llu "
	    "payload bytes: %s", up->peer_str, cb.nslaves,
	    (unsigned long long)cb.payload_size, ready ? "ready" :
	    "not ready (the master says why)");
	uplink_send(up, CMD_PREFLIGHT_ANS, out, n);
	return 0;
}

/* ---- execution ---- */

static void
uplink_release(struct uplink *up, uint64_t sched_mono_ns)
{

	task_release(up->env.task, sched_mono_ns);
	up->state = UPLINK_RUNNING;
	output_running(&up->out);
	/* Not RUNNING: stopped meanwhile (ABORT), or over (below). */
	if (up->env.task->state == TASK_RUNNING && up->env.task->started)
		log_info("task %d started (%+.3f ms from the instant asked "
		    "for)", (int)up->env.task->pid, (double)(int64_t)
		    (up->env.task->start_mono_ns - sched_mono_ns) / 1e6);
	else if (up->env.task->state == TASK_RUNNING)
		log_info("task %d released at its instant", (int)up->env.task->pid);
	/* It died before it was released: report that now. */
	if (up->env.task->state == TASK_DONE)
		(void)uplink_task_done(up);
}

static void
uplink_start_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct uplink *up = (struct uplink *)((char *)w -
	    offsetof(struct uplink, start_timer));
	uint64_t	   now = mono_ns();

	(void)revents;
	if (up->start_mono_ns + UPLINK_RELEASE_AFTER_NS > now) {
		/* Woken early (the loop rounds its timeouts): wait again. */
		ev_timer_set(w, (double)(up->start_mono_ns +
		    UPLINK_RELEASE_AFTER_NS - now) / 1e9, 0);
		ev_timer_start(loop, w);
		return;
	}
	/*
	 * The task woke at the instant by itself (task_schedule): this timer,
	 * set a little after it (uplink.h), only marks it running and reads
	 * when it really started.
	 */
	uplink_release(up, up->start_mono_ns);
}

/*
 * START or EXEC (what) for a task no longer armed: its process ended, or an
 * ABORT stopped it before its start.  EXEC_NO with the reason: true.
 */
static bool
uplink_unarmed(struct uplink *up, const char *what)
{
	const struct task	*t = up->env.task;
	char			 desc[PROTO_REASON_MAX], reason[PROTO_REASON_MAX + 1];

	if (t->state == TASK_ARMED)
		return false;
	if (t->state == TASK_DONE) {
		task_describe(t, desc, sizeof(desc));
		snprintf(reason, sizeof(reason),
		    "the task's process ended before its start: %.900s", desc);
	} else
		snprintf(reason, sizeof(reason),
		    "the task was stopped before its start");
	log_warnx("master %s: %s refused: %s", up->peer_str, what, reason);
	uplink_send_text(up, CMD_EXEC_NO, reason);
	return true;
}

static int
uplink_start(struct uplink *up, const uint8_t *p, size_t len,
    const struct proto_hdr *h)
{
	struct proto_start	 st;
	const char		*why;
	char			 reason[PROTO_REASON_MAX + 1];
	uint64_t		 now;

	switch (up->state) {
	case UPLINK_ARMED:
		break;
	case UPLINK_REFUSED:
		snprintf(reason, sizeof(reason),
		    "not armed: the configuration was refused (%.900s)",
		    up->refusal);
		uplink_send_text(up, CMD_EXEC_NO, reason);
		return 0;
	case UPLINK_SCHEDULED:
	case UPLINK_RUNNING:
	case UPLINK_FINISHED:
		uplink_send_text(up, CMD_EXEC_NO, "task already started");
		return 0;
	default:
		return uplink_out_of_phase(up, h);
	}
	if (proto_start_decode(p, len, &st, &why) == -1)
		return uplink_violation(up, "%s", why);
	if (uplink_unarmed(up, "START"))
		return 0;
	/* The task sleeps until the instant by itself from now on. */
	task_schedule(up->env.task, st.slave_mono_ns);
	uplink_send(up, CMD_EXEC_OK, NULL, 0);
	up->start_mono_ns = st.slave_mono_ns;
	up->state = UPLINK_SCHEDULED;
	now = mono_ns();
	if (st.slave_mono_ns <= now) {
		uplink_release(up, st.slave_mono_ns);	/* late: at once */
	} else {
		log_debug("master %s: start in %.3f ms", up->peer_str,
		    (double)(st.slave_mono_ns - now) / 1e6);
		ev_now_update(up->env.loop);
		ev_timer_set(&up->start_timer, (double)(st.slave_mono_ns +
		    UPLINK_RELEASE_AFTER_NS - now) / 1e9, 0);
		ev_timer_start(up->env.loop, &up->start_timer);
	}
	return 0;
}

/* EXEC from a 2014 master: start now. */
static int
uplink_v1_exec(struct uplink *up)
{
	char reason[PROTO_REASON_MAX + 1];

	switch (up->state) {
	case UPLINK_ARMED:
		break;
	case UPLINK_HELLO_SENT:
		log_warnx("master %s: EXEC before any CONF: refused (EXEC_NO)",
		    up->peer_str);
		uplink_send_text(up, CMD_EXEC_NO, "not configured");
		return 0;
	case UPLINK_REFUSED:
		snprintf(reason, sizeof(reason),
		    "not armed: the configuration was refused (%.900s)",
		    up->refusal);
		uplink_send_text(up, CMD_EXEC_NO, reason);
		return 0;
	default:
		uplink_send_text(up, CMD_EXEC_NO, "task already started");
		return 0;
	}
	if (uplink_unarmed(up, "EXEC"))
		return 0;
	/* Start first, answer after: the answer is not on the critical path. */
	uplink_release(up, mono_ns());
	uplink_send(up, CMD_EXEC_OK, NULL, 0);
	return 0;
}

/*
 * STDERR_TAIL, to a master that takes it (WELCOME_FLAG_STDERR), before
 * FINISHD: its stderr's size, and for a task that failed why it did not
 * start and the last lines of its stderr (task.c found them at the reap).
 */
static void
uplink_stderr_tail(struct uplink *up)
{
	const struct task	*t = up->env.task;
	struct proto_stderr_tail tl;
	static uint8_t		 p[11 + PROTO_REASON_MAX + PROTO_TAIL_MAX];

	memset(&tl, 0, sizeof(tl));
	tl.stderr_bytes = task_stderr_bytes(t);
	tl.flags = up->env.errout == NULL ? STDERR_TAIL_MERGED : 0;
	if (t->result.exit_kind == EXIT_KIND_NOT_STARTED) {
		tl.reason = t->start_error;
		tl.reason_len = (uint16_t)strnlen(t->start_error,
		    PROTO_REASON_MAX);
	}
	tl.tail = t->tail;
	tl.tail_len = (uint16_t)t->tail_len;
	uplink_send(up, CMD_STDERR_TAIL, p, proto_stderr_tail_encode(p,
	    sizeof(p), &tl));
}

/* The task's result, after its last OUTPUT and a last REPORT. */
static void
uplink_finished(struct uplink *up)
{
	struct proto_result	 r;
	struct proto_v1_result	 v1;
	uint8_t			 p[128];
	size_t			 len;
	char			 desc[PROTO_REASON_MAX];

	up->finish_wait = false;
	task_describe(up->env.task, desc, sizeof(desc));
	/* REPORT and FINISHD leave together: one segment, one wake-up. */
	conn_cork(&up->conn, true);
	if (up->stderr_ok)
		uplink_stderr_tail(up);
	if (up->ext) {
		task_result(up->env.task, &r);
		len = proto_result_encode(p, sizeof(p), &r);
		/* Its final state, CPU and progress line, whatever the pace. */
		report_stop(&up->rep);
		report_send(&up->rep);
	} else {
		task_v1_result(up->env.task, &v1);
		len = proto_v1_result_encode(p, sizeof(p), &v1);
	}
	up->state = UPLINK_FINISHED;
	log_info("task %d %s; reporting to master %s", (int)up->env.task->pid, desc,
	    up->peer_str);
	uplink_send(up, CMD_FINISHD, p, len);
	conn_cork(&up->conn, false);
}

bool
uplink_task_done(struct uplink *up)
{
	char		 desc[PROTO_REASON_MAX];
	uint64_t	 end[OUTPUT_STREAMS];

	switch (up->state) {
	case UPLINK_ARMED:
		/* Not started yet: START / EXEC will be answered EXEC_NO. */
		task_describe(up->env.task, desc, sizeof(desc));
		log_warnx("task %d ended before its start: %s",
		    (int)up->env.task->pid, desc);
		return true;
	case UPLINK_SCHEDULED:
		/*
		 * Killed (ABORT) or dead before its instant: never started.
		 * Or it started and ended before our timer for its instant
		 * (it wakes by itself): the reap knows which.
		 */
		ev_timer_stop(up->env.loop, &up->start_timer);
		break;
	case UPLINK_RUNNING:
		break;
	default:
		/* Not this run's: an earlier run's, or one never started. */
		return false;
	}
	/*
	 * A master that collects output holds every byte once it sees
	 * FINISHD: the rest of the file goes first, as the connection drains
	 * (output.c calls uplink_output_done when it is all queued).
	 */
	up->finish_wait = true;
	end[OUTPUT_STDOUT] = up->env.task->result.output_bytes;
	end[OUTPUT_STDERR] = task_stderr_bytes(up->env.task);
	if (!up->ext || output_finish(&up->out, end))
		uplink_finished(up);
	else if (up->finish_wait)
		log_debug("task %d ended: sending the rest of its output "
		    "(%llu of %llu bytes sent, stderr %llu of %llu) before its "
		    "result", (int)up->env.task->pid,
		    (unsigned long long)up->out.s[OUTPUT_STDOUT].sent,
		    (unsigned long long)up->out.s[OUTPUT_STDOUT].end,
		    (unsigned long long)up->out.s[OUTPUT_STDERR].sent,
		    (unsigned long long)up->out.s[OUTPUT_STDERR].end);
	return true;
}

void
uplink_task_free(struct uplink *up)
{
	if (up->arm_waiting && up->state == UPLINK_CONFIGURING)
		uplink_arm(up);
}

/* ---- campaigns: several runs on one connection ---- */

/* RUN: what the next CONF_BEGIN configures (SYNEXEC_RUN ...). */
static int
uplink_run(struct uplink *up, const uint8_t *p, size_t len,
    const struct proto_hdr *h)
{
	const char *why;

	if (up->state != UPLINK_JOINED || up->have_run)
		return uplink_out_of_phase(up, h);
	if (proto_run_decode(p, len, &up->run, &why) == -1)
		return uplink_violation(up, "%s", why);
	up->have_run = true;
	log_info("master %s: run %u of %u (%s, repeat %u of %u)",
	    up->peer_str, up->run.run + 1, up->run.runs, up->run.conf,
	    up->run.repeat, up->run.repeats);
	return 0;
}

/*
 * RUN_END: the run is over, the campaign goes on.  What the run held goes
 * as at the end of a session (its reports, its output, its payload file;
 * its task is the owner's to let go), and the link is JOINED again,
 * waiting for the next RUN, or BYE.
 */
static int
uplink_run_end(struct uplink *up, const uint8_t *p, size_t len,
    const struct proto_hdr *h)
{
	char text[PROTO_REASON_MAX + 1];

	switch (up->state) {
	case UPLINK_CONFIGURING:
	case UPLINK_REFUSED:
	case UPLINK_ARMED:
	case UPLINK_SCHEDULED:
	case UPLINK_RUNNING:
	case UPLINK_FINISHED:
		break;
	default:
		return uplink_out_of_phase(up, h);
	}
	proto_reason_copy(text, sizeof(text), p, len);
	log_info("master %s: run over%s%s", up->peer_str, len > 0 ? ": " : "",
	    text);
	ev_timer_stop(up->env.loop, &up->start_timer);
	report_stop(&up->rep);
	report_new_run(&up->rep);
	output_close(&up->out);
	up->finish_wait = false;
	up->arm_waiting = false;
	payload_abandon(up->env.payload);
	payload_remove(up->env.payload);
	cmdline_free(&up->cmd);
	up->have_run = false;
	up->payload_size = up->payload_left = 0;
	up->refusal[0] = '\0';
	up->state = UPLINK_JOINED;
	up->env.run_ended(up->env.owner);
	return 0;
}

/* output.c queued the last OUTPUT: FINISHD may go. */
static void
uplink_output_done(void *owner)
{
	struct uplink *up = owner;

	if (up->finish_wait && up->conn_open)
		uplink_finished(up);
}

/* ---- frames ---- */

static int
uplink_frame(struct conn *c, const struct proto_hdr *h, const uint8_t *p)
{
	struct uplink	*up = c->owner;
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
		uplink_send(up, CMD_REPLY, NULL, 0);
		return 0;
	case CMD_CONF:
		if (up->ext || up->state != UPLINK_HELLO_SENT)
			return uplink_out_of_phase(up, h);
		conn_rx_stamps(&up->conn, false);
		return uplink_v1_conf(up, p, len);
	case CMD_EXEC:
		if (up->ext)
			return uplink_out_of_phase(up, h);
		return uplink_v1_exec(up);
	case CMD_BYE:
		proto_reason_copy(text, sizeof(text), p, len);
		log_info("master %s: session over%s%s", up->peer_str,
		    len > 0 ? ": " : "", text);
		uplink_end(up, NULL);
		return -1;
	case CMD_FULL:
		/* Said by the owner, once for the same reason (listen.c). */
		proto_reason_copy(up->full, sizeof(up->full), p, len);
		if (len == 0)
			snprintf(up->full, sizeof(up->full), "no reason given");
		uplink_end(up, NULL);
		return -1;
	case CMD_ERROR:
		proto_reason_copy(text, sizeof(text), p, len);
		log_warnx("master %s reports an error: %s", up->peer_str,
		    len > 0 ? text : "no reason given");
		uplink_end(up, NULL);
		return -1;
	default:
		break;
	}
	if (!up->ext && h->command != CMD_WELCOME)
		return uplink_out_of_phase(up, h);

	switch (h->command) {
	case CMD_WELCOME:
		if (up->ext || up->state != UPLINK_HELLO_SENT)
			return uplink_out_of_phase(up, h);
		if (proto_welcome_decode(p, len, &w, &why) == -1)
			return uplink_violation(up, "%s", why);
		if (w.ext_version == 0)
			return uplink_violation(up,
			    "WELCOME with extension version 0");
		up->ext = true;
		up->stderr_ok = (w.flags & WELCOME_FLAG_STDERR) != 0;
		up->conn.peer_ext_version = w.ext_version;
		report_open(&up->rep, &up->conn,
		    (w.flags & WELCOME_FLAG_METRICS) != 0);
		up->state = UPLINK_JOINED;
		log_info("master %s: joined (extension version %u)",
		    up->peer_str, w.ext_version);
		uplink_heartbeats(up, w.heartbeat_ms);
		if (w.flags & WELCOME_FLAG_GRACE)
			uplink_kill_grace(up);
		return 0;
	case CMD_PING:
		if (proto_ping_decode(p, len, &ping, &why) == -1)
			return uplink_violation(up, "%s", why);
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
		if (up->conn.rx_real_ns != 0 &&
		    up->conn.rx_real_ns <= pong.slave_real_ns &&
		    (age = pong.slave_real_ns - up->conn.rx_real_ns) <
		    NSEC_PER_SEC) {
			pong.slave_mono_ns -= age / 2;
			pong.slave_real_ns -= age / 2;
		}
		len = proto_pong_encode(out, sizeof(out), &pong);
		uplink_send(up, CMD_PONG, out, len);
		return 0;
	case CMD_RUN:
		return uplink_run(up, p, len, h);
	case CMD_RUN_END:
		return uplink_run_end(up, p, len, h);
	case CMD_CONF_BEGIN:
		if (up->state != UPLINK_JOINED)
			return uplink_out_of_phase(up, h);
		conn_rx_stamps(&up->conn, false);
		return uplink_conf_begin(up, p, len);
	case CMD_CONF_DATA:
		if (up->state != UPLINK_CONFIGURING && up->state != UPLINK_REFUSED)
			return uplink_out_of_phase(up, h);
		return uplink_conf_data(up, p, len);
	case CMD_PREFLIGHT:
		if (up->state != UPLINK_JOINED)
			return uplink_out_of_phase(up, h);
		return uplink_preflight(up, p, len);
	case CMD_START:
		return uplink_start(up, p, len, h);
	case CMD_ABORT:
		proto_reason_copy(text, sizeof(text), p, len);
		log_info("master %s: abort%s%s", up->peer_str,
		    len > 0 ? ": " : "", text);
		if (task_alive(up->env.task) && !task_stopping(up->env.task))
			log_info("stopping task %d (SIGTERM, SIGKILL after "
			    "%.3g s)", (int)up->env.task->pid,
			    (double)up->env.opts->kill_grace_ns / 1e9);
		/* Its reap reports FINISHD (or EXEC_NO to a later START). */
		task_stop(up->env.task, up->env.opts->kill_grace_ns);
		return 0;
	case CMD_HEARTBEAT:
		/* Proof of life: conn.c noted the time, live.c reads it. */
		return 0;
	case CMD_REPORT_REQ:
		/* In any state (idle: no task); at once, or paced (report.c). */
		report_ask(&up->rep);
		return 0;
	default:
		return uplink_out_of_phase(up, h);
	}
}

static void
uplink_error(struct conn *c, const char *why)
{
	struct uplink *up = c->owner;

	if (c->fault == CONN_FAULT_KEY) {
		/* Said once per master by our owner (listen.c), not per try. */
		snprintf(up->key_error, sizeof(up->key_error), "%s", why);
		log_debug("master %s: %s", up->peer_str, why);
	} else if (up->state == UPLINK_FINISHED ||
	    (up->state == UPLINK_HELLO_SENT &&
	    strcmp(why, "connection closed by peer") == 0))
		log_info("master %s: %s", up->peer_str, why);
	else
		log_warnx("master %s: %s (state %s)", up->peer_str, why,
		    uplink_state_names[up->state]);
	uplink_end(up, NULL);
}

/* Room in the output queue again: more of the task's output. */
static void
uplink_drain(struct conn *c)
{
	struct uplink *up = c->owner;

	output_pump(&up->out);
}

/* live.c: the master has been silent (or not reading) too long. */
static void
uplink_lost(struct live *l, const char *why)
{
	struct uplink *up = l->owner;

	log_warnx("master %s: %s; ending the session (state %s)", up->peer_str,
	    why, uplink_state_names[up->state]);
	uplink_end(up, why);
}

void
uplink_abort(struct uplink *up, const char *why)
{
	if (up->state == UPLINK_IDLE)
		return;
	log_info("master %s: ending the session: %s", up->peer_str, why);
	uplink_end(up, why);
}
