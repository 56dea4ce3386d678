/*
 * pool.c - which slaves may join, and the order they are kept in.
 *
 * --slaves LIST lets only slaves whose names match one of its patterns
 * join, --exclude LIST turns away those that match one of its (globs and
 * pdsh ranges: common/pattern.h).  SLAVES may be "all": with a --slaves
 * list of names (no wildcards) the master waits for exactly the names it
 * stands for, less --exclude's; otherwise it takes whoever has joined when
 * -w expires.
 *
 * pool_judge() is the one decision on a slave that said its hello: it may
 * join, or it is turned away with a reason (enum turn_away) that the slave
 * is told (FULL) and the log says once per name (pool_turned_away).
 *
 * peer_order() is the one order of the slaves (a host list's, else their
 * names' natural order): m->joined is kept in it as they join, and
 * everything that lists slaves follows m->joined.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "master.h"

/* Names (and reasons) remembered as logged (-v); past this, -vv only. */
#define POOL_TOLD_MAX		4096
/* Names of slaves that never joined, said at most. */
#define POOL_MISSING_SHOWN	32

static const char *const turn_away_words[TURN_AWAY_COUNT] = {
	[TURN_AWAY_NONE] = "may join",
	[TURN_AWAY_NAME] = "its name matches no pattern of --slaves",
	[TURN_AWAY_EXCLUDED] = "its name matches --exclude",
	[TURN_AWAY_FULL] = "no place left for it",
	[TURN_AWAY_SESSION] = "of another session (-s)",
	[TURN_AWAY_KEY] = "key mismatch",
};

const char *
turn_away_word(enum turn_away r)
{
	return r < TURN_AWAY_COUNT ? turn_away_words[r] : "?";
}

int
pool_check_opts(const struct master_opts *o, char *err, size_t errlen)
{
	struct pattern_list	l;
	char			why[512];

	if (o->slaves != NULL) {
		if (pattern_list_parse(&l, o->slaves, why, sizeof(why)) ==
		    -1) {
			snprintf(err, errlen, "--slaves %s: %s", o->slaves,
			    why);
			return -1;
		}
		pattern_list_free(&l);
	}
	if (o->exclude != NULL) {
		if (pattern_list_parse(&l, o->exclude, why, sizeof(why)) ==
		    -1) {
			snprintf(err, errlen, "--exclude %s: %s", o->exclude,
			    why);
			return -1;
		}
		pattern_list_free(&l);
	}
	return 0;
}

int
pool_init(struct master *m, bool all, char *err, size_t errlen)
{
	const struct master_opts	*o = m->opts;
	struct pool			*p = &m->pool;
	char				 why[512];

	if (o->slaves != NULL && pattern_list_parse(&p->slaves, o->slaves,
	    why, sizeof(why)) == -1) {
		snprintf(err, errlen, "--slaves %s: %s", o->slaves, why);
		return -1;
	}
	if (o->exclude != NULL && pattern_list_parse(&p->exclude,
	    o->exclude, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "--exclude %s: %s", o->exclude, why);
		return -1;
	}
	p->all = all;
	if (!all)
		return 0;
	if (o->hosts.n > 0 || o->hosts_file != NULL) {
		/* A host list: one slave per listed host. */
		if (o->slaves != NULL || o->exclude != NULL) {
			snprintf(err, errlen, "SLAVES all with a host list "
			    "waits for one slave per listed host, which %s "
			    "may turn away: give SLAVES as a number",
			    o->slaves != NULL ? "--slaves" : "--exclude");
			return -1;
		}
		if (m->hosts.n > MASTER_SLAVES_MAX) {
			snprintf(err, errlen, "SLAVES all: %u hosts listed, "
			    "more than %u", m->hosts.n, MASTER_SLAVES_MAX);
			return -1;
		}
		m->nslaves = m->hosts.n > 0 ? m->hosts.n : 1;
		return 0;
	}
	if (p->slaves.n > 0 && !p->slaves.wild) {
		/* By name: exactly those, less --exclude's. */
		if (pattern_expand(&p->slaves, &p->exclude, MASTER_SLAVES_MAX,
		    &p->names, &p->nnames, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "SLAVES all, --slaves %s: %s",
			    o->slaves, why);
			return -1;
		}
		if (p->nnames == 0) {
			snprintf(err, errlen, "SLAVES all: --exclude %s leaves "
			    "none of the names of --slaves %s", o->exclude !=
			    NULL ? o->exclude : "", o->slaves);
			return -1;
		}
		m->nslaves = (uint32_t)p->nnames;
		return 0;
	}
	if (o->wait_ns == 0) {
		snprintf(err, errlen, "SLAVES all takes whoever has joined "
		    "when -w expires: give -w SECONDS (or a --slaves list of "
		    "names without wildcards, to wait for exactly those)");
		return -1;
	}
	p->open = true;
	m->nslaves = MASTER_SLAVES_MAX;
	return 0;
}

bool
pool_has_room(const struct master *m)
{
	return m->phase == PHASE_DISCOVERY &&
	    m->njoined + m->nsyncing < m->nslaves;
}

enum turn_away
pool_judge(const struct master *m, const char *name, char *why,
    size_t whylen)
{
	const struct pool	*p = &m->pool;
	const struct master_opts *o = m->opts;

	if (p->slaves.n > 0 && !pattern_list_match(&p->slaves, name)) {
		snprintf(why, whylen, "%s matches no pattern of --slaves "
		    "%.300s", name, o->slaves);
		return TURN_AWAY_NAME;
	}
	if (p->exclude.n > 0 && pattern_list_match(&p->exclude, name)) {
		snprintf(why, whylen, "%s matches --exclude %.300s", name,
		    o->exclude);
		return TURN_AWAY_EXCLUDED;
	}
	/* By name, one slave of each: a second would have a made-up name. */
	if (p->all && !p->open && names_base_count(&m->names, name) > 0 &&
	    m->phase == PHASE_DISCOVERY) {
		snprintf(why, whylen, "a slave named %s has joined already "
		    "(SLAVES all, by name: one slave of each name)", name);
		return TURN_AWAY_FULL;
	}
	if (!pool_has_room(m)) {
		if (m->phase == PHASE_DISCOVERY || !m->campaign.multi)
			snprintf(why, whylen, "session full: %u of %u slaves "
			    "joined", m->nslaves, m->nslaves);
		else
			snprintf(why, whylen, "session full: %u of %u slaves "
			    "joined, a campaign of %u runs under way",
			    m->nslaves, m->nslaves, m->campaign.runs);
		return TURN_AWAY_FULL;
	}
	return TURN_AWAY_NONE;
}

void
pool_turned_away(struct master *m, const char *label, const char *name,
    enum turn_away r, const char *why)
{
	struct names	*told = &m->pool.told;
	char		 key[PROTO_NAME_MAX + 16];

	snprintf(key, sizeof(key), "%d:%s", (int)r, name);
	if (names_taken(told, key)) {
		log_trace("%s turned away again: %s", label, why);
		return;
	}
	if (told->count < POOL_TOLD_MAX)
		names_add(told, key, key);
	log_debug("%s turned away: %s", label, why);
}

/*
 * A host list's order where there is one (the listed before the others),
 * else the natural order of the names.
 */
int
peer_order(const struct peer *a, const struct peer *b)
{
	uint64_t pa = a->host != NULL ? a->host->pos : UINT32_MAX + 1ull;
	uint64_t pb = b->host != NULL ? b->host->pos : UINT32_MAX + 1ull;

	if (pa != pb)
		return pa < pb ? -1 : 1;
	return natural_cmp(a->name, b->name);
}

void
pool_insert(struct master *m, struct peer *s)
{
	struct peer *p = TAILQ_LAST(&m->joined, peer_list);

	while (p != NULL && peer_order(p, s) > 0)
		p = TAILQ_PREV(p, peer_list, entry);
	if (p == NULL)
		TAILQ_INSERT_HEAD(&m->joined, s, entry);
	else
		TAILQ_INSERT_AFTER(&m->joined, p, s, entry);
}

char *
pool_missing(const struct master *m)
{
	const struct pool	*p = &m->pool;
	const struct peer	*s;
	struct names		 in;
	char			*list = NULL;
	size_t			 len = 0, i, n = 0;
	FILE			*f;

	if (p->nnames == 0 || (f = open_memstream(&list, &len)) == NULL)
		return NULL;
	memset(&in, 0, sizeof(in));
	TAILQ_FOREACH(s, &m->joined, entry)
		names_add(&in, s->name, s->name);
	for (i = 0; i < p->nnames; i++) {
		if (names_taken(&in, p->names[i]))
			continue;
		if (n < POOL_MISSING_SHOWN)
			fprintf(f, "%s%s", n > 0 ? ", " : "", p->names[i]);
		n++;
	}
	if (n > POOL_MISSING_SHOWN)
		fprintf(f, " and %zu more", n - POOL_MISSING_SHOWN);
	fclose(f);
	names_clear(&in);
	if (n == 0) {
		free(list);
		return NULL;
	}
	return list;
}

void
pool_free(struct master *m)
{
	struct pool *p = &m->pool;

	pattern_list_free(&p->slaves);
	pattern_list_free(&p->exclude);
	pattern_names_free(p->names, p->nnames);
	p->names = NULL;
	p->nnames = 0;
	names_clear(&p->told);
}
