/*
 * dialog.c - the master's side of the dialog with each slave: a connection
 * accepted, its hello, the clock sync, and what each of its frames means in
 * the state it is in.
 *
 * Everything a slave sends is untrusted.  A frame the state does not expect
 * is logged with the slave's name and address, answered with ERROR (if the
 * slave is ours) and the slave is dropped: forgotten during discovery, "lost"
 * once the session has moved on.
 */
#include <sys/socket.h>

#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "master.h"

static int	dialog_frame_cb(struct conn *, const struct proto_hdr *,
		    const uint8_t *);
static int	dialog_header_cb(struct conn *, const struct proto_hdr *);
static void	dialog_error_cb(struct conn *, const char *);
static void	dialog_drain_cb(struct conn *);
static void	dialog_timer_cb(struct ev_loop *, ev_timer *, int);
static void	dialog_lost_cb(struct live *, const char *);

struct peer *
dialog_accept(struct master *m, int fd, const struct net_addr *sin,
    uint16_t local_port)
{
	struct peer	*s;
	int		 one = 1;

	/* Within the caps on connections not past their hello (admit.c)? */
	if (!admit_take(m, fd, sin))
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_warn("a slave's connection");
		admit_leave(m, sin);
		close(fd);
		return NULL;
	}
	s->m = m;
	s->admitted = true;
	/* Which listed host it is: the slaves' order, its errors. */
	s->host = hosts_find(m, sin, local_port);
	/* PING/PONG and START must not wait for Nagle. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	conn_init(&s->conn, m->loop, fd, sin, m->opts->c.session,
	    MASTER_OUT_LIMIT, s, dialog_frame_cb, dialog_error_cb,
	    dialog_drain_cb);
	conn_on_header(&s->conn, dialog_header_cb);
	/*
	 * PONGs are timed by their arrival in the kernel (dialog_pong); on
	 * from the start, as the kernel turns its stamps on with a delay.
	 */
	conn_rx_stamps(&s->conn, true);
	/* Keyed: nothing but the handshake until the slave proved the key. */
	if (m->key != NULL)
		conn_set_key(&s->conn, m->key, AUTH_ROLE_MASTER);
	snprintf(s->addr, sizeof(s->addr), "%s", s->conn.peer_str);
	snprintf(s->label, sizeof(s->label), "%s", s->addr);
	s->state = PEER_HELLO;
	s->kill_grace_ns = MASTER_KILL_GRACE_DEFAULT_NS;
	ev_init(&s->timer, dialog_timer_cb);
	peer_deadline(s, MASTER_HELLO_SECS);
	live_init(&s->live, s, dialog_lost_cb);
	TAILQ_INSERT_TAIL(&m->pending, s, entry);
	log_debug("%s: connected", s->addr);
	return s;
}

/*
 * Names are unique within the session: a repeated name gets "#2", "#3", ...
 * The names in use and the count of each base name are in a hash table
 * (names.c): walking the slave lists here made a join O(N), a session of
 * 10,000 slaves O(N^2), most of the master's CPU (bench/README.md).  A name
 * stays taken until its slave is freed, as when the lists were walked.
 */
static void
dialog_set_name(struct peer *s, const char *base)
{
	struct master	*m = s->m;
	unsigned	 k = 1 + names_base_count(&m->names, base);

	snprintf(s->base, sizeof(s->base), "%s", base);
	snprintf(s->name, sizeof(s->name), "%s", base);
	if (k > 1 || names_taken(&m->names, s->name)) {
		if (k < 2)
			k = 2;
		do {
			snprintf(s->name, sizeof(s->name), "%s#%u", base, k++);
		} while (names_taken(&m->names, s->name));
	}
	names_add(&m->names, s->base, s->name);
	s->named = true;
	snprintf(s->label, sizeof(s->label), "%s (%s)", s->name, s->addr);
}

void
dialog_drop(struct peer *s, const char *why)
{
	struct master *m = s->m;

	/* Its answer to a REPORT_REQ will not come. */
	control_answered(s);
	end_answered(s);
	switch (s->state) {
	case PEER_HELLO:
	case PEER_SYNC:
		if (s->state == PEER_SYNC)
			m->nsyncing--;
		TAILQ_REMOVE(&m->pending, s, entry);
		peer_free(s);
		return;
	case PEER_JOINED:
		if (m->phase == PHASE_DISCOVERY) {
			session_unjoined(m, s);
			peer_free(s);
			return;
		}
		break;
	case PEER_REFUSED:
	case PEER_FINISHED:
	case PEER_NOSTART:
	case PEER_LOST:
	case PEER_CHECKED:
	case PEER_NO_PREFLIGHT:
		/* Its outcome is known; only the connection goes. */
		if (m->campaign.between && s->state != PEER_LOST)
			log_warnx("%s: lost between runs: %s", s->label, why);
		peer_close(s);
		return;
	case PEER_PREFLIGHT:
	case PEER_CONF:
	case PEER_READY:
	case PEER_STARTING:
	case PEER_RUNNING:
		break;
	}
	s->lost_in = s->state;
	s->state = PEER_LOST;
	snprintf(s->why, sizeof(s->why), "%s", why);
	peer_close(s);
	session_peer_lost(m, s);
}

/* Log, tell the slave (ours) why, drop it.  Returns -1 for dialog_frame_cb. */
static int
dialog_reject(struct peer *s, const char *why)
{
	log_warnx("%s: %s", s->label, why);
	if (s->kind == PEER_KIND_OURS)
		peer_send_text(s, CMD_ERROR, why);
	dialog_drop(s, why);
	return -1;
}

static int
dialog_unexpected(struct peer *s, const struct proto_hdr *h)
{
	char why[128];

	snprintf(why, sizeof(why), "unexpected %s while %s",
	    proto_cmd_name(h->command), peer_state_name(s->state));
	return dialog_reject(s, why);
}

/* A frame that does not decode: "bad COMMAND: why". */
static int
dialog_bad(struct peer *s, const struct proto_hdr *h, const char *why)
{
	char buf[160];

	snprintf(buf, sizeof(buf), "bad %s: %s", proto_cmd_name(h->command),
	    why);
	return dialog_reject(s, buf);
}

/* The states a REPORT (and the METRICS just before it) may come in. */
static bool
dialog_reporting(const struct peer *s)
{
	switch (s->state) {
	case PEER_READY:
	case PEER_STARTING:
	case PEER_RUNNING:
	case PEER_FINISHED:
	case PEER_NOSTART:
		return true;
	default:
		return false;
	}
}

static void
dialog_ping(struct peer *s)
{
	struct proto_ping	ping;
	uint8_t			buf[8];

	ping.master_mono_ns = mono_ns();
	s->ping_t1 = ping.master_mono_ns;
	s->ping_out = true;
	peer_send(s, CMD_PING, buf, proto_ping_encode(buf, sizeof(buf),
	    &ping));
}

/* 0 if the slave is still there after joining, -1 if it (or all) closed. */
static int
dialog_join(struct peer *s)
{
	struct master *m = s->m;

	peer_deadline(s, 0);
	TAILQ_REMOVE(&m->pending, s, entry);
	session_joined(m, s);
	return peer_is_open(s) ? 0 : -1;
}

static int
dialog_hello(struct peer *s, const struct proto_hdr *h, const uint8_t *p)
{
	struct master		*m = s->m;
	struct proto_hello	 hello;
	struct proto_welcome	 welcome;
	const char		*why;
	char			 ip[NET_IPSTRLEN], reason[PROTO_REASON_MAX];
	char			 label[sizeof(s->label) + PROTO_NAME_MAX + 32];
	enum turn_away		 turn;
	uint8_t			 buf[8];
	int			 rc;

	/* dialog_header_cb() let nothing but a REPLY through. */
	if (h->datalen == 0) {
		/* A 2014 slave: no extension, no clock sync, named by its IP. */
		net_ip_str_bare(&s->conn.peer, ip, sizeof(ip));
		if ((turn = pool_judge(m, ip, reason, sizeof(reason))) !=
		    TURN_AWAY_NONE) {
			/* It knows no FULL: closing says it all. */
			pool_turned_away(m, s->label, ip, turn, reason);
			(void)away_note(m, &s->conn.peer, turn ==
			    TURN_AWAY_FULL ? AWAY_FULL : AWAY_NAME, ip);
			dialog_drop(s, reason);
			return -1;
		}
		s->kind = PEER_KIND_2014;
		peer_admitted_end(s);
		conn_rx_stamps(&s->conn, false);
		dialog_set_name(s, ip);
		/*
		 * No heartbeats: it answers our PROBE once a second until the
		 * session starts (session_configure stops this check), and
		 * the kernel's keepalive watches its host after that.
		 */
		live_keepalive(s->conn.fd, m->hb_timeout);
		live_start(&s->live, m->loop, &s->conn,
		    m->hb_timeout > MASTER_V1_SILENCE_MIN ? m->hb_timeout :
		    MASTER_V1_SILENCE_MIN, 0.);
		return dialog_join(s);
	}
	rc = proto_hello_decode(p, h->datalen, &hello, &why);
	if (rc == 0 && hello.ext_version == 0) {
		rc = -1;
		why = "hello with extension version 0";
	}
	if (rc == -1) {
		log_warnx("%s: bad hello: %s", s->label, why);
		peer_send_text(s, CMD_FULL, why);
		dialog_drop(s, why);
		return -1;
	}
	/* The one decision: its name, the room left (pool.c). */
	if ((turn = pool_judge(m, hello.name, reason, sizeof(reason))) !=
	    TURN_AWAY_NONE) {
		snprintf(label, sizeof(label), "%s (%s, pid %u)", hello.name,
		    s->addr, hello.pid);
		pool_turned_away(m, label, hello.name, turn, reason);
		(void)away_note(m, &s->conn.peer, turn == TURN_AWAY_FULL ?
		    AWAY_FULL : AWAY_NAME, hello.name);
		peer_send_text(s, CMD_FULL, reason);
		dialog_drop(s, reason);
		return -1;
	}
	s->kind = PEER_KIND_OURS;
	peer_admitted_end(s);
	s->caps = hello.flags;
	s->pid = hello.pid;
	/* What it can do; the bits we do not know are ignored. */
	s->caps = hello.flags;
	s->v.ext_version = hello.ext_version;
	s->conn.peer_ext_version = hello.ext_version;
	dialog_set_name(s, hello.name);
	s->state = PEER_SYNC;
	m->nsyncing++;
	log_debug("%s: hello, pid %u, extension version %u, capabilities "
	    "0x%04x", s->label, hello.pid, hello.ext_version, hello.flags);

	/* We speak version 1 whatever newer version the slave speaks. */
	welcome.ext_version = PROTO_EXT_VERSION;
	/* Its --kill-grace, for the wait after an ABORT (dialog_grace). */
	welcome.flags = WELCOME_FLAG_GRACE;
	/* Its task's stderr apart, and the tail of a failed one's. */
	if (s->caps & HELLO_CAP_STDERR)
		welcome.flags |= WELCOME_FLAG_STDERR;
	/* Its task's metrics, if it can send them (dialog_metrics). */
	if (s->caps & HELLO_CAP_METRICS)
		welcome.flags |= WELCOME_FLAG_METRICS;
	welcome.heartbeat_ms = (uint32_t)(m->hb_interval * 1000 + 0.5);
	peer_send(s, CMD_WELCOME, buf, proto_welcome_encode(buf, sizeof(buf),
	    &welcome));
	s->welcomed = true;
	/* From now on both sides send HEARTBEATs; silence means lost. */
	live_start(&s->live, m->loop, &s->conn, m->hb_timeout,
	    m->hb_interval);
	/* The same deadline covers the clock sync. */
	peer_deadline(s, MASTER_HELLO_SECS);
	dialog_ping(s);
	return 0;
}

/*
 * KILL_GRACE, the answer to WELCOME_FLAG_GRACE (before the first PONG): how
 * long after an ABORT it may take to stop its task.  A slave that does not
 * say (older than 2026-12) gets MASTER_KILL_GRACE_DEFAULT_NS, its default.
 */
static int
dialog_grace(struct peer *s, const struct proto_hdr *h, const uint8_t *p)
{
	const char	*why;
	uint32_t	 ms;

	if (s->grace_told)
		return dialog_unexpected(s, h);
	if (proto_kill_grace_decode(p, h->datalen, &ms, &why) == -1)
		return dialog_reject(s, why);
	if (ms > MASTER_KILL_GRACE_MAX_MS)
		return dialog_reject(s, "KILL_GRACE beyond the --kill-grace "
		    "maximum of 3600 s");
	s->grace_told = true;
	s->kill_grace_ns = (uint64_t)ms * NSEC_PER_MSEC;
	log_debug("%s: kill grace %.3f s", s->label, ms / 1000.);
	return 0;
}

/*
 * One PING/PONG exchange (NOTES section 2).  The exchange with the smallest
 * round trip gives both offsets: its error is at most half that round trip.
 *
 * The PONG's arrival is the kernel's stamp of the read that brought it, not
 * the moment this callback runs: while many slaves sync at once the loop
 * reaches a PONG late, which lengthened the round trip and pulled the
 * midpoint, so every offset, by half that wait.  The stamp is on the real
 * clock; its age, read against the real clock now, dates it on ours.
 */
static int
dialog_pong(struct peer *s, const struct proto_hdr *h, const uint8_t *p)
{
	struct proto_pong	 pong;
	uint64_t		 t4 = mono_ns(), r4 = real_ns(), rtt, mid, age;
	const char		*why;

	if (s->conn.rx_real_ns != 0 && s->conn.rx_real_ns <= r4 &&
	    (age = r4 - s->conn.rx_real_ns) < t4 - s->ping_t1) {
		t4 -= age;
		r4 -= age;
		s->pings_stamped++;
	}

	if (proto_pong_decode(p, h->datalen, &pong, &why) == -1)
		return dialog_reject(s, why);
	if (!s->ping_out || pong.master_mono_ns != s->ping_t1)
		return dialog_reject(s, "PONG not answering our PING");
	/* Keep the arithmetic below free of signed overflow. */
	if (pong.slave_mono_ns > INT64_MAX || pong.slave_real_ns > INT64_MAX)
		return dialog_reject(s, "PONG with a clock beyond 2^63 ns");
	s->ping_out = false;
	rtt = t4 - s->ping_t1;
	mid = s->ping_t1 + rtt / 2;
	if (s->pings == 0 || rtt < s->rtt_ns) {
		s->rtt_ns = rtt;
		s->off_mono_ns = (int64_t)pong.slave_mono_ns - (int64_t)mid;
		s->off_real_ns = (int64_t)pong.slave_real_ns -
		    (int64_t)(r4 - rtt / 2);
	}
	log_trace("%s: PONG %d: rtt %llu ns", s->label, s->pings + 1,
	    (unsigned long long)rtt);
	if (++s->pings < MASTER_SYNC_PINGS) {
		dialog_ping(s);
		return 0;
	}
	log_debug("%s: best rtt %llu us, monotonic offset %lld ns, realtime "
	    "offset %lld ns (%d of %d PONGs dated by the kernel)", s->label,
	    (unsigned long long)(s->rtt_ns / 1000), (long long)s->off_mono_ns,
	    (long long)s->off_real_ns, s->pings_stamped, s->pings);
	s->m->nsyncing--;
	conn_rx_stamps(&s->conn, false);
	return dialog_join(s);
}

static int
dialog_conf_answer(struct peer *s, const struct proto_hdr *h,
    const uint8_t *p)
{
	struct master	*m = s->m;
	char		 reason[PROTO_REASON_MAX + 1];

	if (h->command == CMD_CONF_OK) {
		/* Ours can only be configured once it has every byte. */
		if (s->kind == PEER_KIND_OURS &&
		    s->conf_sent < m->sf.payload_size)
			return dialog_reject(s, "CONF_OK before the whole "
			    "payload was sent");
		s->state = PEER_READY;
		peer_deadline(s, 0);
		log_debug("%s: configured", s->label);
	} else {
		if (h->datalen > 0) {
			proto_reason_copy(reason, sizeof(reason), p,
			    h->datalen);
			snprintf(s->why, sizeof(s->why), "%s", reason);
		} else
			snprintf(s->why, sizeof(s->why), "%s",
			    s->kind == PEER_KIND_2014 ?
			    "refused (a 2014 slave gives no reason)" :
			    "refused (no reason given)");
		s->state = PEER_REFUSED;
		peer_deadline(s, 0);
		/* Said once, with the others', by session_conf_answer(). */
		log_debug("%s: refused the configuration: %s", s->label,
		    s->why);
	}
	session_conf_answer(m, s);
	return peer_is_open(s) ? 0 : -1;
}

static int
dialog_exec_answer(struct peer *s, const struct proto_hdr *h,
    const uint8_t *p)
{
	char reason[PROTO_REASON_MAX + 1];

	if (h->command == CMD_EXEC_OK) {
		s->state = PEER_RUNNING;
		/* It owes nothing more, unless told to abort meanwhile. */
		if (!s->abort_sent)
			peer_deadline(s, 0);
		log_debug("%s: started", s->label);
		return 0;
	}
	peer_deadline(s, 0);
	if (h->datalen > 0) {
		proto_reason_copy(reason, sizeof(reason), p, h->datalen);
		snprintf(s->why, sizeof(s->why), "%s", reason);
	} else
		snprintf(s->why, sizeof(s->why), "%s",
		    s->kind == PEER_KIND_2014 ?
		    "refused to start (a 2014 slave gives no reason)" :
		    "refused to start (no reason given)");
	s->state = PEER_NOSTART;
	summary_out(s->m, "could not start: %s: %s", s->label, s->why);
	session_peer_done(s->m, s);
	return peer_is_open(s) ? 0 : -1;
}

/* 2014 times: (sec, usec) pairs, checked so that nanoseconds fit 64 bits. */
static int
dialog_v1_time(int64_t sec, int64_t usec, uint64_t *ns)
{
	if (sec < 0 || (uint64_t)sec > UINT64_MAX / NSEC_PER_SEC - 1)
		return -1;
	*ns = (uint64_t)sec * NSEC_PER_SEC + (uint64_t)usec * NSEC_PER_USEC;
	return 0;
}

static int
dialog_finished(struct peer *s, const struct proto_hdr *h, const uint8_t *p)
{
	struct proto_v1_result	 v1;
	const char		*why;

	if (s->kind == PEER_KIND_OURS) {
		if (proto_result_decode(p, h->datalen, &s->res, &why) == -1)
			return dialog_bad(s, h, why);
		/* We asked for it (WELCOME_FLAG_STDERR): it comes first. */
		if ((s->caps & HELLO_CAP_STDERR) && !s->v.have_tail)
			return dialog_reject(s, "FINISHD without STDERR_TAIL "
			    "before it");
		log_debug("%s: started %lld ns after the instant", s->label,
		    (long long)s->res.late_ns);
	} else {
		if (proto_v1_result_decode(p, h->datalen, &v1, &why) == -1)
			return dialog_bad(s, h, why);
		memset(&s->res, 0, sizeof(s->res));
		if (dialog_v1_time(v1.start_sec, v1.start_usec,
		    &s->res.start_real_ns) == -1 ||
		    dialog_v1_time(v1.finish_sec, v1.finish_usec,
		    &s->res.finish_real_ns) == -1)
			return dialog_bad(s, h, "time out of range");
		s->res.exit_kind = EXIT_KIND_UNKNOWN;
	}
	s->have_result = true;
	s->state = PEER_FINISHED;
	peer_deadline(s, 0);
	/* Every OUTPUT frame came before FINISHD: the file is complete. */
	collect_finished(s);
	summary_finish_line(s->m, s);
	session_peer_done(s->m, s);
	return peer_is_open(s) ? 0 : -1;
}

/* REPORTs come from the arming of the task on (NOTES section 5). */
static int
dialog_report(struct peer *s, const struct proto_hdr *h, const uint8_t *p)
{
	struct proto_report	 r;
	const char		*why;
	bool			 stale = false;

	/*
	 * A campaign's slave may have sent a REPORT of the last run before it
	 * saw RUN_END: it comes before its answer to this run's configuration
	 * (JOINED, CONF), and says nothing of this run.
	 */
	if (!dialog_reporting(s)) {
		if ((s->state != PEER_JOINED && s->state != PEER_CONF) ||
		    s->m->campaign.run == 0 || s->kind != PEER_KIND_OURS)
			return dialog_unexpected(s, h);
		stale = true;
	}
	if (proto_report_decode(p, h->datalen, &r, &why) == -1)
		return dialog_bad(s, h, why);
	if (!stale)
		status_report(s, &r);
	control_answered(s);
	end_answered(s);
	return 0;
}

/*
 * The task's metrics, from a slave we asked (WELCOME_FLAG_METRICS), in the
 * states a REPORT may come in: each comes just before a REPORT.
 */
static int
dialog_metrics(struct peer *s, const struct proto_hdr *h, const uint8_t *p)
{
	static struct proto_metrics	 m;
	const char			*why;
	char				 buf[160];

	if (!dialog_reporting(s))
		return dialog_unexpected(s, h);
	if (proto_metrics_decode(p, h->datalen, &m, &why) == -1)
		return dialog_bad(s, h, why);
	if (status_metrics(s, &m, buf, sizeof(buf)) == -1)
		return dialog_reject(s, buf);
	return 0;
}

/* Task output (OUTPUT_ERR: its stderr), between EXEC_OK and FINISHD. */
static int
dialog_output(struct peer *s, const struct proto_hdr *h, const uint8_t *p)
{
	char why[160];

	if (collect_received(s, h->command == CMD_OUTPUT_ERR ? VIEW_STDERR :
	    VIEW_STDOUT, p, h->datalen, why, sizeof(why)) == -1)
		return dialog_reject(s, why);
	return 0;
}

/*
 * STDERR_TAIL, right before FINISHD: its stderr's size, why its task did
 * not start (the results' error, the finish line), the last lines of a
 * failed task's stderr (the summary, the results).
 */
static int
dialog_stderr_tail(struct peer *s, const struct proto_hdr *h,
    const uint8_t *p)
{
	struct proto_stderr_tail	 t;
	const char			*why;
	char				 buf[160];

	if (proto_stderr_tail_decode(p, h->datalen, &t, &why) == -1)
		return dialog_bad(s, h, why);
	if (collect_tail(s, &t, buf, sizeof(buf)) == -1)
		return dialog_reject(s, buf);
	if (t.reason_len > 0)
		proto_reason_copy(s->why, sizeof(s->why),
		    (const uint8_t *)t.reason, t.reason_len);
	return 0;
}

/*
 * PREFLIGHT_ANS: its verdict per check of the session, kept as it came
 * (the views decode it again to show it).
 */
static int
dialog_preflight_answer(struct peer *s, const struct proto_hdr *h,
    const uint8_t *p)
{
	struct proto_preflight_ans	 a;
	const char			*why;
	int				 i;

	if (proto_preflight_ans_decode(p, h->datalen, &a, &why) == -1)
		return dialog_bad(s, h, why);
	if ((s->pf_raw = malloc(h->datalen)) == NULL)
		fatal("%s: its preflight answer", s->label);
	memcpy(s->pf_raw, p, h->datalen);
	s->pf_len = h->datalen;
	s->pf_ready = true;
	for (i = 0; i < a.n; i++)
		if (a.item[i].verdict == PREFLIGHT_FAILS)
			s->pf_ready = false;
	s->state = PEER_CHECKED;
	peer_deadline(s, 0);
	log_debug("%s: preflight: %s", s->label, s->pf_ready ? "ready" :
	    "not ready");
	session_preflight_answer(s->m, s);
	return peer_is_open(s) ? 0 : -1;
}

/* Frames any state after the hello may see without harm. */
static int
dialog_harmless(struct peer *s, const struct proto_hdr *h, const uint8_t *p)
{
	(void)p;
	switch (h->command) {
	case CMD_REPLY:
		/* The answer to a PROBE over TCP: proof of life, no more. */
		return 1;
	case CMD_HEARTBEAT:
		return s->kind == PEER_KIND_OURS;
	default:
		return 0;
	}
}

/*
 * Before its hello a connection may send nothing but the hello, a REPLY of
 * at most 1024 bytes: anything else is refused by its header, so that a
 * peer that never says hello (or, keyed, never proves the key) makes us
 * hold no more than that (NOTES section 10).
 */
static int
dialog_header_cb(struct conn *c, const struct proto_hdr *h)
{
	struct peer *s = c->owner;

	if (s->state != PEER_HELLO || h->command == CMD_REPLY)
		return 0;
	log_warnx("%s: first frame is %s (%u bytes announced), not a hello: "
	    "dropped", s->label, proto_cmd_name(h->command), h->datalen);
	dialog_drop(s, "no hello");
	return -1;
}

static int
dialog_frame_cb(struct conn *c, const struct proto_hdr *h, const uint8_t *p)
{
	struct peer	*s = c->owner;
	char		 reason[PROTO_REASON_MAX + 1], why[PROTO_REASON_MAX + 32];

	if (s->state == PEER_HELLO)
		return dialog_hello(s, h, p);
	if (h->command == CMD_ERROR) {
		proto_reason_copy(reason, sizeof(reason), p, h->datalen);
		snprintf(why, sizeof(why), "error from the slave: %s", reason);
		log_warnx("%s: %s", s->label, why);
		dialog_drop(s, why);
		return -1;
	}
	switch (s->state) {
	case PEER_SYNC:
		if (h->command == CMD_PONG)
			return dialog_pong(s, h, p);
		if (h->command == CMD_KILL_GRACE &&
		    s->kind == PEER_KIND_OURS)
			return dialog_grace(s, h, p);
		break;
	case PEER_CONF:
		if (h->command == CMD_CONF_OK || h->command == CMD_CONF_NO)
			return dialog_conf_answer(s, h, p);
		break;
	case PEER_STARTING:
		if (h->command == CMD_EXEC_OK || h->command == CMD_EXEC_NO)
			return dialog_exec_answer(s, h, p);
		break;
	case PEER_PREFLIGHT:
		if (h->command == CMD_PREFLIGHT_ANS)
			return dialog_preflight_answer(s, h, p);
		break;
	case PEER_RUNNING:
		if (h->command == CMD_FINISHD)
			return dialog_finished(s, h, p);
		if (h->command == CMD_OUTPUT && s->kind == PEER_KIND_OURS)
			return dialog_output(s, h, p);
		if ((h->command == CMD_OUTPUT_ERR ||
		    h->command == CMD_STDERR_TAIL) &&
		    (s->caps & HELLO_CAP_STDERR)) {
			if (h->command == CMD_OUTPUT_ERR)
				return dialog_output(s, h, p);
			return dialog_stderr_tail(s, h, p);
		}
		break;
	default:
		break;
	}
	if (h->command == CMD_REPORT && s->kind == PEER_KIND_OURS)
		return dialog_report(s, h, p);
	/* Only from a slave that said it can, and so was asked. */
	if (h->command == CMD_METRICS && s->kind == PEER_KIND_OURS &&
	    (s->caps & HELLO_CAP_METRICS))
		return dialog_metrics(s, h, p);
	switch (dialog_harmless(s, h, p)) {
	case 1:
		return 0;
	case -1:
		snprintf(why, sizeof(why), "bad %s", proto_cmd_name(h->command));
		return dialog_reject(s, why);
	default:
		return dialog_unexpected(s, h);
	}
}

static void
dialog_error_cb(struct conn *c, const char *why)
{
	struct peer *s = c->owner;

	switch (s->state) {
	case PEER_FINISHED:
	case PEER_REFUSED:
	case PEER_NOSTART:
	case PEER_CHECKED:
	case PEER_NO_PREFLIGHT:
		/* It has said all it had to say. */
		log_debug("%s: %s", s->label, why);
		break;
	case PEER_HELLO:
		/* Said once per address; a slave's: the end follows (exit 3). */
		if (s->conn.fault == CONN_FAULT_KEY)
			discovery_key_mismatch(s->m, &s->conn.peer, why,
			    s->conn.key_peer);
		else
			log_info("%s: %s (before its hello)", s->label, why);
		break;
	default:
		log_warnx("%s: %s", s->label, why);
		break;
	}
	dialog_drop(s, why);
}

/* Silent (or not reading) past the heartbeat timeout: lost. */
static void
dialog_lost_cb(struct live *l, const char *why)
{
	(void)dialog_reject(l->owner, why);
}

static void
dialog_drain_cb(struct conn *c)
{
	struct peer *s = c->owner;

	if (s->state == PEER_CONF && s->kind == PEER_KIND_OURS)
		session_stream(s);
}

/* A deadline passed: what it owed, by its state (NOTES section 11). */
static void
dialog_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct peer	*s = (struct peer *)((char *)w -
			    offsetof(struct peer, timer));
	char		 why[192];

	(void)loop;
	(void)revents;
	switch (s->state) {
	case PEER_HELLO:
		snprintf(why, sizeof(why), "no hello within %.0f s",
		    s->deadline_secs);
		log_warnx("%s: %s: dropped", s->label, why);
		dialog_drop(s, why);
		return;
	case PEER_SYNC:
		snprintf(why, sizeof(why), "clock sync not done within %.0f s",
		    s->deadline_secs);
		break;
	case PEER_CONF:
		snprintf(why, sizeof(why), "no answer to the configuration "
		    "within %.1f s", s->deadline_secs);
		break;
	case PEER_PREFLIGHT:
		snprintf(why, sizeof(why), "no answer to PREFLIGHT within "
		    "%.1f s", s->deadline_secs);
		break;
	case PEER_STARTING:
	case PEER_RUNNING:
		if (s->abort_sent)
			snprintf(why, sizeof(why), "the end of its task not "
			    "reported within %.1f s of ABORT (its kill grace "
			    "%.1f s%s + %.1f s)", s->deadline_secs,
			    (double)s->kill_grace_ns / 1e9, s->grace_told ?
			    "" : ", by default", MASTER_ABORT_MARGIN_SECS);
		else if (s->state == PEER_STARTING)
			snprintf(why, sizeof(why), "no answer to %s within "
			    "%.1f s", s->kind == PEER_KIND_OURS ? "START" :
			    "EXEC", s->deadline_secs);
		else
			return;
		break;
	default:
		return;		/* it owes nothing now */
	}
	(void)dialog_reject(s, why);
}
