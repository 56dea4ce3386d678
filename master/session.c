/*
 * session.c - the session's phases once slaves join: configuration, the
 * synchronised start, the results, and the one door out of a run
 * (session_end(), then end.c).
 *
 * The session moves on by counting: njoined up to SLAVES ends discovery,
 * nanswered up to SLAVES ends configuration, ndone up to SLAVES ends the run.
 * No step waits on a timer except the start instant itself; each answer a
 * slave owes has a deadline (peer_deadline), past which it is lost, so
 * that no slave can hold the others for ever.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "master.h"

/*
 * Margins of the start instant (NOTES section 5).  A START needs a one-way
 * trip and a wake-up: twice the largest round trip is four one-way trips.
 * The per-slave part covers our sending the STARTs one after another and,
 * on hosts shared by many slaves (overcommitted VMs, the bench's namespaces),
 * each slave having to be scheduled to handle its START and wake its task:
 * at 20 us a slave, a third of 128 slaves on 2 CPUs got their START after
 * the instant and their tasks started late; at 50 us every one had it 2.5 ms
 * or more ahead (bench/README.md).
 */
#define SESSION_START_BASE_NS	(1 * NSEC_PER_MSEC)
#define SESSION_START_RTTS	2
#define SESSION_START_PER_SLAVE_NS (50 * NSEC_PER_USEC)
/* The 2014 EXEC timer wakes this early; the rest is a precise sleep. */
#define SESSION_EARLY_NS	(2 * NSEC_PER_MSEC)

static void	session_configure(struct master *);
static void	session_preflight(struct master *);
static void	session_start(struct master *);
static void	session_exec_cb(struct ev_loop *, ev_timer *, int);

double
session_answer_secs(const struct master *m)
{
	return m->hb_timeout > MASTER_ANSWER_MIN_SECS ? m->hb_timeout :
	    MASTER_ANSWER_MIN_SECS;
}

/*
 * How long each slave has to answer its configuration: an answer's time,
 * a few round trips, and the time to send every slave's payload at
 * MASTER_CONF_RATE in all, a floor below any real link (NOTES section 4).
 */
static double
session_conf_secs(const struct master *m)
{
	return session_answer_secs(m) +
	    MASTER_CONF_RTTS * (double)m->max_rtt_ns / (double)NSEC_PER_SEC +
	    (double)m->nslaves * (double)m->sf.size / MASTER_CONF_RATE;
}

void
session_joined(struct master *m, struct peer *s)
{
	s->state = PEER_JOINED;
	/* At its place in the one order of the slaves (pool.c). */
	pool_insert(m, s);
	m->njoined++;
	if (s->host != NULL) {
		s->host->joined++;
		s->host->error[0] = '\0';
	}
	status_joined(m, s);
	if (m->pool.open)
		log_info("joined %u (SLAVES all): %s (%s, %s)", m->njoined,
		    s->name, s->addr, peer_kind_name(s->kind));
	else
		log_info("joined %u/%u: %s (%s, %s)", m->njoined, m->nslaves,
		    s->name, s->addr, peer_kind_name(s->kind));
	if (m->njoined == m->nslaves)
		session_all_joined(m);
}

/* Every slave wanted is there: the first run, or --preflight instead. */
void
session_all_joined(struct master *m)
{
	if (m->opts->preflight)
		session_preflight(m);
	else
		session_configure(m);
}

/* A joined slave went away before the session started: wait for another. */
void
session_unjoined(struct master *m, struct peer *s)
{
	TAILQ_REMOVE(&m->joined, s, entry);
	m->njoined--;
	if (s->host != NULL) {
		s->host->joined--;
		snprintf(s->host->error, sizeof(s->host->error), "joined, "
		    "then left");
	}
	log_info("%s left: %u/%u joined, waiting for more", s->label,
	    m->njoined, m->nslaves);
	discovery_resume(m);
}

/* The address this slave reached us at, for SYNEXEC_MASTER on its side. */
static void
session_local_addr(struct peer *s, char *buf, size_t len)
{
	struct sockaddr_storage	ss;
	struct net_addr		a;
	socklen_t		slen = sizeof(ss);

	/* A link-local address without its interface: only ours names it. */
	if (getsockname(s->conn.fd, (struct sockaddr *)&ss, &slen) == -1 ||
	    net_addr_from(&a, (struct sockaddr *)&ss, slen) == -1)
		snprintf(buf, len, "%s", "");
	else
		net_ip_str_bare(&a, buf, len);
}

static void
session_conf_begin(struct peer *s)
{
	struct master		*m = s->m;
	struct proto_conf_begin	 cb;
	uint8_t			 buf[64 + PROTO_COMMAND_MAX + PROTO_NAME_MAX];
	char			 addr[NET_IPSTRLEN];
	uint64_t		 report_ms;
	size_t			 n;

	session_local_addr(s, addr, sizeof(addr));
	report_ms = m->opts->report_interval_ns / NSEC_PER_MSEC;
	memset(&cb, 0, sizeof(cb));
	cb.payload_size = m->sf.payload_size;
	cb.slave_index = s->index;
	cb.nslaves = m->nslaves;
	cb.report_ms = report_ms > UINT32_MAX ? UINT32_MAX : (uint32_t)report_ms;
	cb.flags = collect_conf_flags(m);
	cb.output_max = m->opts->output_max;
	cb.command = m->sf.command;
	cb.command_len = m->sf.command_len;
	cb.master_addr = addr;
	cb.master_addr_len = (uint16_t)strlen(addr);
	n = proto_conf_begin_encode(buf, sizeof(buf), &cb);
	if (n == 0)	/* sessfile_open checked the command: cannot happen */
		fatalx("cannot encode CONF_BEGIN for %s", s->label);
	s->conf_sent = 0;
	/* Which run this is, to a slave that serves several. */
	campaign_send_run(s);
	peer_send(s, CMD_CONF_BEGIN, buf, n);
	session_stream(s);
}

/*
 * Queue the next CONF_DATA frames while the slave's output queue is below
 * half its limit; the connection's drain callback calls again as it empties.
 * So a slow slave holds at most MASTER_OUT_LIMIT bytes of the file in memory
 * and never slows the others.
 */
void
session_stream(struct peer *s)
{
	static uint8_t	 chunk[PROTO_MAX_PAYLOAD];
	struct master	*m = s->m;
	char		 err[256];

	while (s->state == PEER_CONF && peer_is_open(s) && !s->conn.failed &&
	    s->conf_sent < m->sf.payload_size &&
	    conn_pending(&s->conn) < MASTER_OUT_LIMIT / 2) {
		uint64_t left = m->sf.payload_size - s->conf_sent;
		size_t	 n = left > PROTO_MAX_PAYLOAD ? PROTO_MAX_PAYLOAD :
			     (size_t)left;

		if (sessfile_pread(&m->sf, m->sf.payload_off + s->conf_sent,
		    chunk, n, err, sizeof(err)) == -1) {
			summary_err(m, "%s", err);
			session_end(m, END_LOCAL, "the master cannot read the "
			    "session file", NULL);
			return;
		}
		s->conf_sent += n;
		if (conn_send(&s->conn, CMD_CONF_DATA, chunk, n) == -1)
			return;	/* the error comes through peer_error_cb */
	}
}

/*
 * --preflight: every slave joined; each of ours that can checks the session
 * as it would run it (PREFLIGHT: CONF_BEGIN's description, no payload) and
 * answers PREFLIGHT_ANS, within an answer's time.  Nothing is configured,
 * armed or run.  The others cannot preflight (2014, or older than
 * HELLO_CAP_PREFLIGHT): said, and exit 3.
 */
static void
session_preflight(struct master *m)
{
	struct peer		*s;
	struct proto_conf_begin	 cb;
	uint8_t			 buf[64 + PROTO_COMMAND_MAX + PROTO_NAME_MAX];
	char			 addr[INET_ADDRSTRLEN];
	uint32_t		 i = 0;
	size_t			 n;

	discovery_stop(m);
	m->phase = PHASE_PREFLIGHT;
	status_phase(m);
	TAILQ_FOREACH(s, &m->joined, entry) {
		s->index = i++;
		if (s->kind != PEER_KIND_OURS ||
		    !(s->caps & HELLO_CAP_PREFLIGHT)) {
			s->state = PEER_NO_PREFLIGHT;
			m->nanswered++;
			continue;
		}
		session_local_addr(s, addr, sizeof(addr));
		memset(&cb, 0, sizeof(cb));
		cb.payload_size = m->sf.payload_size;
		cb.slave_index = s->index;
		cb.nslaves = m->nslaves;
		cb.report_ms = (uint32_t)(m->opts->report_interval_ns /
		    NSEC_PER_MSEC);
		cb.flags = collect_conf_flags(m);
		cb.output_max = m->opts->output_max;
		cb.command = m->sf.command;
		cb.command_len = m->sf.command_len;
		cb.master_addr = addr;
		cb.master_addr_len = (uint16_t)strlen(addr);
		if ((n = proto_conf_begin_encode(buf, sizeof(buf), &cb)) == 0)
			fatalx("cannot encode PREFLIGHT for %s", s->label);
		s->state = PEER_PREFLIGHT;
		peer_deadline(s, session_answer_secs(m) + MASTER_CONF_RTTS *
		    (double)s->rtt_ns / (double)NSEC_PER_SEC);
		peer_send(s, CMD_PREFLIGHT, buf, n);
	}
	log_info("all %u slaves joined: preflight (nothing runs)",
	    m->nslaves);
	/* None of ours among them: every verdict is known. */
	if (m->nanswered == m->nslaves)
		session_end(m, END_PREFLIGHT, "preflight done", "preflight over");
}

void
session_preflight_answer(struct master *m, struct peer *s)
{
	(void)s;
	if (m->phase != PHASE_PREFLIGHT)
		return;
	if (++m->nanswered == m->nslaves)
		session_end(m, END_PREFLIGHT, "preflight done", "preflight over");
}

/* Name the 2014 slaves that cannot take a file this large; exit 3. */
static void
session_v1_too_large(struct master *m)
{
	struct peer	*s;
	char		*list = NULL;
	size_t		 len = 0;
	FILE		*f;
	const char	*sep = "";

	if ((f = open_memstream(&list, &len)) != NULL) {
		TAILQ_FOREACH(s, &m->joined, entry) {
			if (s->kind != PEER_KIND_2014)
				continue;
			fprintf(f, "%s%s (%s)", sep, s->addr, s->name);
			sep = ", ";
		}
		fclose(f);
	}
	summary_err(m, "CONF is %llu bytes; 2014 slaves accept at most %u: %s",
	    (unsigned long long)m->sf.size, MASTER_V1_CONF_MAX,
	    list != NULL ? list : "?");
	free(list);
	session_end(m, END_TOO_LARGE, "session file too large for a 2014 slave",
	    NULL);
}

static void
session_configure(struct master *m)
{
	struct peer	*s;
	uint32_t	 i = 0;
	char		 err[256], words[PROTO_NAME_MAX + 64];

	discovery_stop(m);
	view_run_words(m, words, sizeof(words));
	if (m->campaign.multi)
		summary_out(m, "%s", words);
	m->phase = PHASE_CONFIG;
	status_phase(m);
	/*
	 * Indexes in the slaves' one order (pool.c: a host list's, else
	 * their names'), the same every run.
	 */
	if (m->campaign.run == 0)
		hosts_log_missing(m);
	TAILQ_FOREACH(s, &m->joined, entry) {
		s->index = i++;
		if (s->kind == PEER_KIND_2014) {
			/* No more PROBEs to answer: only keepalive watches it. */
			live_stop(&s->live);
			m->nv1++;
		}
		else if (s->rtt_ns > m->max_rtt_ns)
			m->max_rtt_ns = s->rtt_ns;
	}
	if (m->campaign.run == 0)
		log_info("all %u slaves joined: configuring (%llu payload "
		    "bytes; each slave's answer due within %.1f s)",
		    m->nslaves, (unsigned long long)m->sf.payload_size,
		    session_conf_secs(m));
	else
		log_info("%s: configuring %u slaves (%llu payload bytes; "
		    "each slave's answer due within %.1f s)", words,
		    m->nslaves, (unsigned long long)m->sf.payload_size,
		    session_conf_secs(m));
	if (campaign_refused(m))
		return;
	if (m->nv1 > 0) {
		if (m->sf.size > MASTER_V1_CONF_MAX) {
			session_v1_too_large(m);
			return;
		}
		/* At most 64 KiB, the same for every 2014 slave: read once. */
		if ((m->v1_conf = malloc(m->sf.size + 1)) == NULL)
			fatal("session file for 2014 slaves");
		if (sessfile_pread(&m->sf, 0, m->v1_conf, m->sf.size, err,
		    sizeof(err)) == -1) {
			summary_err(m, "%s", err);
			session_end(m, END_LOCAL, "the master cannot read the "
			    "session file", NULL);
			return;
		}
	}
	/* Before anything is sent: DIR/<name>.out for every slave. */
	collect_prepare(m);
	TAILQ_FOREACH(s, &m->joined, entry) {
		s->state = PEER_CONF;
		peer_deadline(s, session_conf_secs(m));
		if (s->kind == PEER_KIND_OURS)
			session_conf_begin(s);
		else
			peer_send(s, CMD_CONF, m->v1_conf, m->sf.size);
		if (m->phase != PHASE_CONFIG)
			return;
	}
}

void
session_run_begin(struct master *m)
{
	session_configure(m);
}

/*
 * Every slave has answered (or was lost): start those that are armed.  A
 * refusal ends the session before anything runs; a slave lost during the
 * configuration is only marked so, and the others go on (NOTES section 11),
 * unless --fail-fast asks to stop at the first failure.
 */
void
session_conf_answer(struct master *m, struct peer *trigger)
{
	struct peer	*s;
	int		 refused = 0, ready = 0;
	bool		 fast = m->opts->fail_fast && verdict_is_failure(peer_verdict(trigger));

	if (m->phase != PHASE_CONFIG)
		return;
	if (++m->nanswered < m->nslaves && !fast)
		return;
	TAILQ_FOREACH(s, &m->joined, entry) {
		if (s->state == PEER_REFUSED) {
			/* The one place a refusal is said (issue 20). */
			summary_out(m, "refused: %s: %s", s->label, s->why);
			refused++;
		} else if (s->state == PEER_READY)
			ready++;
	}
	if (refused > 0) {
		session_end(m, END_REFUSED, "configuration refused", NULL);
		return;
	}
	if (fast) {
		control_peer_failed(m, trigger);
		return;
	}
	if (ready == 0) {
		summary_err(m, "no slave is left to start");
		/* "phase done: session over", as ever; BYE says more. */
		session_end(m, END_ALL_LOST, "session over",
		    "every slave was lost");
		return;
	}
	session_start(m);
}

/*
 * Every slave is armed: pick T on our monotonic clock far enough ahead for
 * every START to arrive, and give each of our slaves T on its own clock.
 */
static void
session_start(struct master *m)
{
	struct peer	*s;
	struct proto_start st;
	uint8_t		 buf[8];
	uint64_t	 now = mono_ns(), t;

	m->phase = PHASE_RUN;
	t = now + SESSION_START_BASE_NS + SESSION_START_RTTS * m->max_rtt_ns +
	    SESSION_START_PER_SLAVE_NS * m->nslaves;
	m->start_mono_ns = t;
	/* Those lost during the configuration are done already. */
	TAILQ_FOREACH(s, &m->joined, entry)
		if (s->state == PEER_LOST)
			m->ndone++;
	control_run_started(m);
	TAILQ_FOREACH(s, &m->joined, entry) {
		if (s->kind != PEER_KIND_OURS || s->state != PEER_READY)
			continue;
		/*
		 * The offset may be negative: add in unsigned arithmetic,
		 * which wraps to exactly the slave's (non-negative) instant
		 * without the overflow that signed addition would risk.
		 */
		st.slave_mono_ns = t + (uint64_t)s->off_mono_ns;
		s->state = PEER_STARTING;
		/* Its EXEC_OK: at once, so an answer's time after T at most. */
		peer_deadline(s, (double)(t - now) / (double)NSEC_PER_SEC +
		    session_answer_secs(m));
		peer_send(s, CMD_START, buf, proto_start_encode(buf,
		    sizeof(buf), &st));
	}
	log_debug("start instant in %llu us (max rtt %llu us)",
	    (unsigned long long)((t - now) / NSEC_PER_USEC),
	    (unsigned long long)(m->max_rtt_ns / NSEC_PER_USEC));
	if (m->nv1 > 0) {
		uint64_t wake = t - SESSION_EARLY_NS, cur = mono_ns();

		ev_now_update(m->loop);
		ev_timer_init(&m->start_timer, session_exec_cb, wake > cur ?
		    (double)(wake - cur) / (double)NSEC_PER_SEC : 0., 0.);
		ev_timer_start(m->loop, &m->start_timer);
	}
	/* Said once the STARTs are out: they do not wait for the terminal. */
	status_phase(m);
}

/* T has come for the 2014 slaves: EXEC to each, now. */
static void
session_exec_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct master	*m = (struct master *)((char *)w -
			    offsetof(struct master, start_timer));
	struct peer	*s;

	(void)loop;
	(void)revents;
	/*
	 * The timer fired up to ~2 ms early on purpose: libev's timers may
	 * be late by the loop's other work but never early enough to matter,
	 * so we wake early and sleep the rest precisely.  This blocks the
	 * loop for at most SESSION_EARLY_NS, a bounded wait that buys the
	 * 2014 slaves the same start instant as ours.
	 */
	if (mono_ns() < m->start_mono_ns)
		clock_sleep_until_mono(m->start_mono_ns);
	TAILQ_FOREACH(s, &m->joined, entry) {
		if (s->kind != PEER_KIND_2014 || s->state != PEER_READY)
			continue;
		s->state = PEER_STARTING;
		peer_deadline(s, session_answer_secs(m));
		peer_send(s, CMD_EXEC, NULL, 0);
	}
}

void
session_peer_lost(struct master *m, struct peer *s)
{
	switch (m->phase) {
	case PHASE_CONFIG:
		summary_out(m, "lost during the configuration: %s: %s",
		    s->label, s->why);
		/* Counted as its answer; a READY one answered already. */
		if (s->lost_in == PEER_CONF)
			session_conf_answer(m, s);
		else if (m->opts->fail_fast)
			control_peer_failed(m, s);
		break;
	case PHASE_RUN:
		summary_out(m, "lost: %s: %s", s->label, s->why);
		session_peer_done(m, s);
		break;
	case PHASE_PREFLIGHT:
		/* Said with the others' verdicts. */
		if (s->lost_in == PEER_PREFLIGHT)
			session_preflight_answer(m, s);
		break;
	case PHASE_DISCOVERY:
	case PHASE_DONE:
		break;
	}
}

void
session_peer_done(struct master *m, struct peer *s)
{
	if (m->phase != PHASE_RUN)
		return;
	if (++m->ndone < m->nslaves) {
		if (m->opts->fail_fast && verdict_is_failure(peer_verdict(s)))
			control_peer_failed(m, s);
		return;
	}
	if (m->aborting)
		session_end(m, m->abort_cause, m->abort_why, "session aborted");
	else
		session_end(m, END_COMPLETE, "every slave is done",
		    "session complete");
}

/*
 * The one door out of a run: the engine's watchers of the run stop here
 * (probes, -w, -t, the wait after an abort, the 2014 start timer), then
 * run_end() (end.c) does the rest in order.  A later call while the run's
 * last report round is out replaces the cause (an abort, a forced end).
 */
void
session_end(struct master *m, enum end_cause cause, const char *why,
    const char *bye)
{
	discovery_stop(m);
	control_stop(m);
	ev_timer_stop(m->loop, &m->start_timer);
	run_end(m, cause, why, bye);
}
