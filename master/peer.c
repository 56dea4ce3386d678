/*
 * peer.c - a slave as the master holds it (struct peer): its deadline, its
 * connection's sending and closing, its end.  What its frames mean, and how
 * one comes to be, is dialog.c's; who holds it is the session's.
 *
 * Everything here may be called from anywhere in the master, the views
 * included (peer_free()): it calls nothing above it.
 */
#include <stdlib.h>
#include <string.h>

#include "master.h"

const char *
peer_state_name(enum peer_state st)
{
	switch (st) {
	case PEER_HELLO:	return "waiting for its hello";
	case PEER_SYNC:		return "synchronising clocks";
	case PEER_JOINED:	return "joined";
	case PEER_CONF:		return "being configured";
	case PEER_READY:	return "configured";
	case PEER_REFUSED:	return "refused";
	case PEER_STARTING:	return "starting";
	case PEER_RUNNING:	return "running";
	case PEER_FINISHED:	return "finished";
	case PEER_NOSTART:	return "not started";
	case PEER_PREFLIGHT:	return "checking the session";
	case PEER_CHECKED:	return "checked";
	case PEER_NO_PREFLIGHT:	return "unable to check the session";
	case PEER_LOST:		return "lost";
	}
	return "?";
}

const char *
peer_kind_name(enum peer_kind kind)
{
	switch (kind) {
	case PEER_KIND_OURS:	return "ours";
	case PEER_KIND_2014:	return "2014";
	case PEER_KIND_UNKNOWN:
		break;
	}
	return "unknown";
}

void
peer_deadline(struct peer *s, double secs)
{
	ev_timer_stop(s->m->loop, &s->timer);
	s->deadline_secs = secs;
	if (secs <= 0)
		return;
	ev_timer_set(&s->timer, secs, 0.);
	ev_timer_start(s->m->loop, &s->timer);
}

bool
peer_is_open(const struct peer *s)
{
	return s->conn.fd != -1;
}

void
peer_close(struct peer *s)
{
	ev_timer_stop(s->m->loop, &s->timer);
	live_stop(&s->live);
	conn_close(&s->conn);
}

/* Past its hello (or gone): no longer counted by admit.c's caps. */
void
peer_admitted_end(struct peer *s)
{
	if (!s->admitted)
		return;
	s->admitted = false;
	admit_leave(s->m, &s->conn.peer);
}

void
peer_run_reset(struct peer *s)
{
	peer_deadline(s, 0);
	s->state = PEER_JOINED;
	s->conf_sent = 0;
	s->lost_in = PEER_HELLO;
	s->why[0] = '\0';
	s->have_result = false;
	memset(&s->res, 0, sizeof(s->res));
	s->abort_sent = false;
	s->abort_real_ns = 0;
	s->report_due = false;
	/* The views' state of it (its reports, its output file). */
	status_peer_reset(s);
	collect_peer_free(s);
}

void
peer_free(struct peer *s)
{
	peer_admitted_end(s);
	if (s->named)
		names_del(&s->m->names, s->base, s->name);
	peer_close(s);
	collect_peer_free(s);
	free(s->pf_raw);
	status_peer_free(s);
	free(s);
}

/* Failures surface later through the connection's error, from the loop. */
void
peer_send(struct peer *s, uint8_t cmd, const void *p, size_t len)
{
	if (peer_is_open(s))
		(void)conn_send(&s->conn, cmd, p, len);
}

void
peer_send_text(struct peer *s, uint8_t cmd, const char *text)
{
	peer_send(s, cmd, text, strnlen(text, PROTO_REASON_MAX));
}

bool
peer_ask_report(struct peer *s)
{
	if (s->kind != PEER_KIND_OURS || !peer_is_open(s) || s->conn.failed)
		return false;
	peer_send(s, CMD_REPORT_REQ, NULL, 0);
	return true;
}
