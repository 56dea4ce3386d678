/*
 * hosts.c - the host list (-H, --hosts; hosts = {...}, hosts_file): the
 * hosts the master probes by unicast, over any number of routers.
 *
 * The list is made before the loop: -H's values (each expanded: commas,
 * ranges), then the file's lines, in that order, which is the slaves'
 * order (index, summary, results: peer_order() in pool.c puts the listed
 * first, in the list's order).  A host is HOST[:PORT]: PORT is where its slave
 * listens (its -p) and where it connects back to, so the master listens on
 * every port of its list (discovery.c).  One slave per listed host: several
 * slaves of one host each need a port of their own (a unicast datagram
 * reaches one socket of a port).
 *
 * Addresses are taken at once; names go to the resolver's helper process
 * (resolve.c), at the start of discovery and again at most once a second
 * while any is unresolved (a VM still booting may not be in DNS yet), all
 * of a name's addresses, IPv4 and IPv6, probed.  A connection is matched to
 * its host by its source address and the port it reached, in a hash table,
 * so a join costs the same with ten thousand hosts as with ten.
 *
 * Each host keeps the last error seen of it (hosts_error): no route, an
 * ICMP error, its name not resolved, another session, a key mismatch; the
 * discovery-timeout message and the results name the hosts that never
 * joined with it.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "hostlist.h"
#include "log.h"
#include "master.h"

#define HOSTS_RESOLVE_GAP_NS	NSEC_PER_SEC	/* a round a second at most */

/* An address of a host, in the hash table. */
struct hosts_ent {
	struct hosts_ent	*next;
	const struct net_addr	*addr;
	struct host		*host;
};

struct hosts_load_ctx {
	struct master	*m;
	size_t		 cap;
};

static void	hosts_resolved(void *, uint32_t, int, const struct net_addr *,
		    const char *);
static void	hosts_index(struct hosts *, struct host *);

/* One host of the list, as written. */
static int
hosts_add(void *ctx, const char *spec, char *err, size_t errlen)
{
	struct hosts_load_ctx	*c = ctx;
	struct hosts		*hs = &c->m->hosts;
	struct host		*h;
	bool			 has_port;
	char			 e[128];
	uint32_t		 i;

	if (hs->n == c->cap) {
		size_t	     cap = c->cap ? c->cap * 2 : 64;
		struct host *v = realloc(hs->v, cap * sizeof(*v));

		if (v == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		hs->v = v;
		c->cap = cap;
	}
	h = &hs->v[hs->n];
	memset(h, 0, sizeof(*h));
	snprintf(h->spec, sizeof(h->spec), "%s", spec);
	h->port = c->m->opts->c.port;
	if (net_hostport_split(spec, h->name, sizeof(h->name), &h->port,
	    &has_port, err, errlen) == -1)
		return -1;
	h->pos = hs->n;
	if (net_addr_numeric(h->name, h->port, &h->addr[0], e,
	    sizeof(e)) == 0) {
		h->numeric = true;
		h->naddr = 1;
	} else if (strchr(h->name, ':') != NULL) {
		/* An IPv6 address whose interface is not here. */
		snprintf(err, errlen, "%s", e);
		return -1;
	} else
		hs->nunresolved++;
	for (i = 0; i < hs->nports && hs->ports[i] != h->port; i++)
		;
	if (i == hs->nports) {
		if (hs->nports == sizeof(hs->ports) / sizeof(hs->ports[0])) {
			snprintf(err, errlen, "more than %zu different ports "
			    "in the host list", sizeof(hs->ports) /
			    sizeof(hs->ports[0]));
			return -1;
		}
		hs->ports[hs->nports++] = h->port;
	}
	hs->n++;
	return 0;
}

/* For the check of repeats: by name, then port. */
static int
hosts_cmp(const void *a, const void *b)
{
	const struct host *x = *(const struct host *const *)a;
	const struct host *y = *(const struct host *const *)b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : (int)x->port - (int)y->port;
}

/* A host listed twice would be waited for twice: refused. */
static int
hosts_repeats(struct master *m)
{
	struct hosts	 *hs = &m->hosts;
	struct host	**p;
	uint32_t	  i;
	int		  bad = 0;

	if (hs->n < 2)
		return 0;
	if ((p = malloc(hs->n * sizeof(*p))) == NULL)
		fatal("host list");
	for (i = 0; i < hs->n; i++)
		p[i] = &hs->v[i];
	qsort(p, hs->n, sizeof(*p), hosts_cmp);
	for (i = 1; i < hs->n && bad < 5; i++)
		if (hosts_cmp(&p[i - 1], &p[i]) == 0) {
			log_warnx("host list: %s is listed twice (one slave "
			    "per HOST:PORT)", p[i]->spec);
			bad++;
		}
	free(p);
	return bad;
}

int
hosts_load(struct master *m, const struct opt_origin *org)
{
	const struct master_opts *o = m->opts;
	struct hosts_load_ctx	  c = { m, 0 };
	char			  err[1024];
	uint32_t		  before, j;
	int			  i, bad = 0;

	for (i = 0; i < o->hosts.n; i++) {
		if (hostlist_expand(o->hosts.v[i], HOSTLIST_MAX -
		    (long)m->hosts.n, hosts_add, &c, err, sizeof(err)) < 0) {
			opt_complain(opt_master, opt_by_key(opt_master,
			    "hosts"), org, o->hosts.v[i], "%s", err);
			return 1;
		}
	}
	before = m->hosts.n;
	if (o->hosts_file != NULL && hostlist_read(o->hosts_file,
	    HOSTLIST_MAX - (long)m->hosts.n, hosts_add, &c, err,
	    sizeof(err)) < 0) {
		opt_complain(opt_master, opt_by_key(opt_master, "hosts_file"),
		    org, NULL, "%s", err);
		return 1;
	}
	if (o->hosts_file != NULL && m->hosts.n == before) {
		opt_complain(opt_master, opt_by_key(opt_master, "hosts_file"),
		    org, NULL, "%s: no host listed", o->hosts_file);
		bad++;
	}
	bad += hosts_repeats(m);
	for (j = 0; j < m->hosts.n; j++)
		if (m->hosts.v[j].numeric)
			hosts_index(&m->hosts, &m->hosts.v[j]);
	return bad;
}

/* ---- addresses -> hosts ---- */

static size_t
hosts_hash(const struct net_addr *a, size_t nbucket)
{
	const uint8_t	*p;
	size_t		 n = net_addr_bytes(a, &p), i;
	uint32_t	 h = 2166136261u;	/* FNV-1a */

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h & (nbucket - 1);
}

static void
hosts_index(struct hosts *hs, struct host *h)
{
	int i;

	if (hs->bucket == NULL) {
		for (hs->nbucket = 64; hs->nbucket < 2 * (size_t)hs->n;)
			hs->nbucket *= 2;
		if ((hs->bucket = calloc(hs->nbucket,
		    sizeof(*hs->bucket))) == NULL)
			fatal("host list");
	}
	for (i = 0; i < h->naddr; i++) {
		struct hosts_ent *e = malloc(sizeof(*e));
		size_t b = hosts_hash(&h->addr[i], hs->nbucket);

		if (e == NULL)
			fatal("host list");
		e->addr = &h->addr[i];
		e->host = h;
		e->next = hs->bucket[b];
		hs->bucket[b] = e;
	}
}

/* Any host with this address (local_port 0: any port), or NULL. */
struct host *
hosts_find(const struct master *m, const struct net_addr *a,
    uint16_t local_port)
{
	const struct hosts	*hs = &m->hosts;
	struct hosts_ent	*e;
	struct host		*any = NULL;

	if (hs->bucket == NULL)
		return NULL;
	for (e = hs->bucket[hosts_hash(a, hs->nbucket)]; e != NULL;
	    e = e->next) {
		if (!net_addr_same_ip(e->addr, a))
			continue;
		if (local_port == 0 || e->host->port == local_port) {
			/* Several slaves of one address: the one not joined. */
			if (e->host->joined == 0)
				return e->host;
			if (any == NULL)
				any = e->host;
		}
	}
	return any;
}

void
hosts_error(struct master *m, const struct net_addr *a, const char *why)
{
	struct hosts		*hs = &m->hosts;
	struct hosts_ent	*e;

	uint16_t		 port = net_addr_port(a);
	bool			 exact = false;

	if (hs->bucket == NULL)
		return;
	/*
	 * The host of that address and port (an ICMP error names the port
	 * probed, a REPLY comes from the slave's own); else, for a port that
	 * says nothing (a TCP connection's), every host of the address.
	 */
	for (e = hs->bucket[hosts_hash(a, hs->nbucket)]; e != NULL;
	    e = e->next)
		if (net_addr_same_ip(e->addr, a) && port != 0 &&
		    e->host->port == port)
			exact = true;
	for (e = hs->bucket[hosts_hash(a, hs->nbucket)]; e != NULL;
	    e = e->next)
		if (net_addr_same_ip(e->addr, a) && (!exact ||
		    e->host->port == port))
			snprintf(e->host->error, sizeof(e->host->error), "%s",
			    why);
}

/* ---- names ---- */

static void
hosts_resolved(void *owner, uint32_t id, int n, const struct net_addr *a,
    const char *err)
{
	struct master	*m = owner;
	struct hosts	*hs = &m->hosts;
	struct host	*h;
	char		 as[NET_ADDRSTRLEN];
	int		 i;

	if (id >= hs->n)
		return;
	h = &hs->v[id];
	h->resolving = false;
	if (n <= 0) {
		snprintf(h->error, sizeof(h->error), "name not resolved: %s",
		    err);
		log_debug("host %s: %s", h->spec, h->error);
		return;
	}
	for (i = 0; i < n; i++) {
		h->addr[i] = a[i];
		net_addr_set_port(&h->addr[i], h->port);
		log_debug("host %s: %s", h->spec, net_addr_str(&h->addr[i], as,
		    sizeof(as)));
	}
	h->naddr = n;
	h->error[0] = '\0';
	hs->nunresolved--;
	hosts_index(hs, h);
	if (hs->resolved != NULL)
		hs->resolved(m, h);
}

void
hosts_resolve(struct master *m)
{
	struct hosts	 *hs = &m->hosts;
	uint32_t	 *ids, i, n = 0;
	const char	**names;
	char		  err[256];
	uint64_t	  now = mono_ns();

	if (hs->nunresolved == 0 || resolve_busy(&hs->res) ||
	    (hs->resolve_ns != 0 && now - hs->resolve_ns <
	    HOSTS_RESOLVE_GAP_NS))
		return;
	if (hs->res.loop == NULL)
		resolve_init(&hs->res, m->loop, m, hosts_resolved);
	ids = malloc(hs->nunresolved * sizeof(*ids));
	names = malloc(hs->nunresolved * sizeof(*names));
	if (ids == NULL || names == NULL)
		fatal("host list");
	for (i = 0; i < hs->n && n < hs->nunresolved; i++) {
		if (hs->v[i].naddr > 0)
			continue;
		hs->v[i].resolving = true;
		ids[n] = i;
		names[n++] = hs->v[i].name;
	}
	hs->resolve_ns = now;
	log_trace("resolving %u host names", n);
	if (resolve_start(&hs->res, ids, names, n, err, sizeof(err)) == -1) {
		log_warnx("cannot resolve host names: %s", err);
		for (i = 0; i < n; i++)
			hs->v[ids[i]].resolving = false;
	}
	free(ids);
	free(names);
}

/* ---- reports ---- */

const char *
hosts_why(const struct host *h)
{
	if (h->error[0] != '\0')
		return h->error;
	if (h->naddr == 0)
		return "name not resolved yet";
	return h->probes > 0 ? "no answer" : "not probed yet";
}

void
hosts_missing(const struct master *m, FILE *f, size_t most)
{
	const struct hosts	*hs = &m->hosts;
	const char		*sep = "";
	char			 as[NET_ADDRSTRLEN];
	size_t			 shown = 0, left = 0;
	uint32_t		 i;

	for (i = 0; i < hs->n; i++) {
		const struct host *h = &hs->v[i];

		if (h->joined > 0)
			continue;
		if (shown == most) {
			left++;
			continue;
		}
		fprintf(f, "%s%s", sep, h->spec);
		if (h->naddr > 0 && !h->numeric)
			fprintf(f, " (%s)", net_addr_str(&h->addr[0], as,
			    sizeof(as)));
		fprintf(f, ": %s", hosts_why(h));
		sep = "; ";
		shown++;
	}
	if (left > 0)
		fprintf(f, "; and %zu more", left);
}

void
hosts_log_missing(const struct master *m)
{
	char	*text = NULL;
	size_t	 len = 0;
	FILE	*f;

	if (m->hosts.n <= m->njoined || (f = open_memstream(&text,
	    &len)) == NULL)
		return;
	hosts_missing(m, f, 10);
	fclose(f);
	if (len > 0)
		log_info("listed, not joined (%u slaves joined, as asked): %s",
		    m->njoined, text);
	free(text);
}

void
hosts_free(struct master *m)
{
	struct hosts		*hs = &m->hosts;
	struct hosts_ent	*e, *next;
	size_t			 i;

	resolve_stop(&hs->res);
	for (i = 0; hs->bucket != NULL && i < hs->nbucket; i++)
		for (e = hs->bucket[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	free(hs->bucket);
	free(hs->v);
	memset(hs, 0, sizeof(*hs));
}
