/*
 * names.c - the slaves' names in use, so that each is unique in O(1).
 *
 * A slave is shown by the name it gave; a repeated name gets "#2", "#3", ...
 * (dialog_set_name in dialog.c).  Finding a free name by walking the slave
 * lists cost O(N) per join and O(N^2) per session: at 10,000 slaves that was
 * about 60% of the master's CPU and most of a second (bench/README.md).  This
 * hash table holds every name in use and, for each name a slave gave itself
 * (its base), how many slaves gave it.  '#' is not allowed in a name a slave
 * gives, so a base and a made-up "base#k" never collide by accident.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "master.h"

#define NAMES_MIN_BUCKETS	64

struct names_ent {
	struct names_ent	*next;
	uint32_t		 hash;
	uint32_t		 bases;	/* slaves that gave this name */
	bool			 used;	/* a slave is shown with this name */
	char			 key[];	/* NUL-terminated */
};

/* FNV-1a: short keys, no adversary worth more (names are checked). */
static uint32_t
names_hash(const char *key)
{
	uint32_t h = 2166136261u;

	while (*key != '\0')
		h = (h ^ (uint8_t)*key++) * 16777619u;
	return h;
}

static struct names_ent *
names_find(const struct names *n, const char *key, uint32_t h)
{
	struct names_ent *e;

	if (n->nbucket == 0)
		return NULL;
	for (e = n->bucket[h & (n->nbucket - 1)]; e != NULL; e = e->next)
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* Twice the buckets once there are as many entries as buckets. */
static void
names_grow(struct names *n)
{
	struct names_ent	**b, *e, *next;
	size_t			  nb, i;

	nb = n->nbucket == 0 ? NAMES_MIN_BUCKETS : n->nbucket * 2;
	if ((b = calloc(nb, sizeof(*b))) == NULL)
		fatal("slave names");
	for (i = 0; i < n->nbucket; i++) {
		for (e = n->bucket[i]; e != NULL; e = next) {
			next = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	free(n->bucket);
	n->bucket = b;
	n->nbucket = nb;
}

static struct names_ent *
names_get(struct names *n, const char *key)
{
	uint32_t		 h = names_hash(key);
	struct names_ent	*e = names_find(n, key, h);
	size_t			 len;

	if (e != NULL)
		return e;
	if (n->count >= n->nbucket)
		names_grow(n);
	len = strlen(key);
	if ((e = calloc(1, sizeof(*e) + len + 1)) == NULL)
		fatal("slave names");
	memcpy(e->key, key, len + 1);
	e->hash = h;
	e->next = n->bucket[h & (n->nbucket - 1)];
	n->bucket[h & (n->nbucket - 1)] = e;
	n->count++;
	return e;
}

/* Forget an entry nothing refers to any more. */
static void
names_put(struct names *n, struct names_ent *e)
{
	struct names_ent **p;

	if (e->bases > 0 || e->used)
		return;
	for (p = &n->bucket[e->hash & (n->nbucket - 1)]; *p != NULL;
	    p = &(*p)->next) {
		if (*p == e) {
			*p = e->next;
			n->count--;
			free(e);
			return;
		}
	}
}

uint32_t
names_base_count(const struct names *n, const char *base)
{
	const struct names_ent *e = names_find(n, base, names_hash(base));

	return e != NULL ? e->bases : 0;
}

bool
names_taken(const struct names *n, const char *name)
{
	const struct names_ent *e = names_find(n, name, names_hash(name));

	return e != NULL && e->used;
}

void
names_add(struct names *n, const char *base, const char *name)
{
	names_get(n, base)->bases++;
	names_get(n, name)->used = true;
}

void
names_del(struct names *n, const char *base, const char *name)
{
	struct names_ent *e;

	if ((e = names_find(n, name, names_hash(name))) != NULL) {
		e->used = false;
		names_put(n, e);
	}
	if ((e = names_find(n, base, names_hash(base))) != NULL) {
		if (e->bases > 0)
			e->bases--;
		names_put(n, e);
	}
}

void
names_clear(struct names *n)
{
	struct names_ent	*e, *next;
	size_t			 i;

	for (i = 0; i < n->nbucket; i++) {
		for (e = n->bucket[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(n->bucket);
	n->bucket = NULL;
	n->nbucket = n->count = 0;
}
