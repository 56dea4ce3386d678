/*
 * away.c - who answered the master and was turned away, and why: a slave of
 * another session (its REPLY to our probe), a key mismatch, a session
 * already full, a name the run does not take (issue 17's --slaves and
 * --exclude: AWAY_NAME).  Kept by address, at most AWAY_MAX of them (the
 * others only counted), for the discovery-timeout message (discovery.c)
 * and the hints it gives.
 */
#include <stdio.h>
#include <string.h>

#include "master.h"

static const char *const away_names[AWAY_COUNT] = {
	[AWAY_SESSION] = "other session",
	[AWAY_KEY] = "key mismatch",
	[AWAY_FULL] = "session full",
	[AWAY_NAME] = "name not taken",
};

const char *
away_reason_name(enum away_reason r)
{
	return r < AWAY_COUNT ? away_names[r] : "?";
}

bool
away_note(struct master *m, const struct net_addr *addr,
    enum away_reason reason, const char *detail)
{
	struct away	*a = &m->away;
	struct net_addr	 ip = *addr;
	uint32_t	 i;

	net_addr_set_port(&ip, 0);
	for (i = 0; i < a->n; i++) {
		if (a->v[i].reason != reason ||
		    !net_addr_same_ip(&a->v[i].addr, &ip))
			continue;
		a->v[i].count++;
		snprintf(a->v[i].detail, sizeof(a->v[i].detail), "%s",
		    detail != NULL ? detail : "");
		return false;
	}
	a->of[reason]++;
	if (a->n == AWAY_MAX) {
		a->more++;
		return true;
	}
	a->v[a->n].addr = ip;
	a->v[a->n].reason = reason;
	a->v[a->n].count = 1;
	snprintf(a->v[a->n].detail, sizeof(a->v[a->n].detail), "%s",
	    detail != NULL ? detail : "");
	a->n++;
	return true;
}

void
away_list(const struct master *m, FILE *f, size_t most)
{
	const struct away	*a = &m->away;
	char			 ip[NET_IPSTRLEN];
	uint32_t		 i;

	for (i = 0; i < a->n && i < most; i++) {
		const struct away_ent *e = &a->v[i];

		fprintf(f, "%s%s: %s", i > 0 ? "; " : "", net_ip_str(&e->addr,
		    ip, sizeof(ip)), away_reason_name(e->reason));
		if (e->detail[0] != '\0')
			fprintf(f, " (%s)", e->detail);
	}
	if (a->n + a->more > most && a->n + a->more > i)
		fprintf(f, "; and %u more", a->n + a->more - i);
}
