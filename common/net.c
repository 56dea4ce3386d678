/*
 * net.c - socket helpers: struct net_addr (IPv4 and IPv6), its formatter
 * and parser, interfaces, listeners, name resolution (net.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"
#include "numparse.h"

#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND	78
#endif

int
net_set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags == -1)
		return -1;
	return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* ---- the address ---- */

int
net_addr_from(struct net_addr *a, const struct sockaddr *sa, socklen_t len)
{
	memset(a, 0, sizeof(*a));
	if (sa == NULL)
		return -1;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		memcpy(&a->u.sin, sa, sizeof(a->u.sin));
		a->len = sizeof(a->u.sin);
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s6 =
		    (const struct sockaddr_in6 *)(const void *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			a->u.sin.sin_family = AF_INET;
			a->u.sin.sin_port = s6->sin6_port;
			memcpy(&a->u.sin.sin_addr, &s6->sin6_addr.s6_addr[12],
			    4);
			a->len = sizeof(a->u.sin);
			return 0;
		}
		memcpy(&a->u.sin6, s6, sizeof(a->u.sin6));
		a->len = sizeof(a->u.sin6);
		return 0;
	}
	return -1;
}

int
net_addr_family(const struct net_addr *a)
{
	return a->len == 0 ? 0 : a->u.sa.sa_family;
}

uint16_t
net_addr_port(const struct net_addr *a)
{
	switch (net_addr_family(a)) {
	case AF_INET:
		return ntohs(a->u.sin.sin_port);
	case AF_INET6:
		return ntohs(a->u.sin6.sin6_port);
	default:
		return 0;
	}
}

void
net_addr_set_port(struct net_addr *a, uint16_t port)
{
	if (net_addr_family(a) == AF_INET)
		a->u.sin.sin_port = htons(port);
	else if (net_addr_family(a) == AF_INET6)
		a->u.sin6.sin6_port = htons(port);
}

size_t
net_addr_bytes(const struct net_addr *a, const uint8_t **p)
{
	switch (net_addr_family(a)) {
	case AF_INET:
		*p = (const uint8_t *)&a->u.sin.sin_addr;
		return 4;
	case AF_INET6:
		*p = a->u.sin6.sin6_addr.s6_addr;
		return 16;
	default:
		*p = NULL;
		return 0;
	}
}

bool
net_addr_same_ip(const struct net_addr *a, const struct net_addr *b)
{
	const uint8_t	*pa, *pb;
	size_t		 na = net_addr_bytes(a, &pa), nb = net_addr_bytes(b, &pb);

	if (na == 0 || na != nb || memcmp(pa, pb, na) != 0)
		return false;
	/* fe80::1 on one link is not fe80::1 on another. */
	return na == 4 || !net_addr_link_local(a) ||
	    a->u.sin6.sin6_scope_id == b->u.sin6.sin6_scope_id;
}

bool
net_addr_link_local(const struct net_addr *a)
{
	return net_addr_family(a) == AF_INET6 &&
	    IN6_IS_ADDR_LINKLOCAL(&a->u.sin6.sin6_addr);
}

bool
net_addr_multicast(const struct net_addr *a)
{
	if (net_addr_family(a) == AF_INET)
		return a->u.sin.sin_addr.s_addr == htonl(INADDR_BROADCAST) ||
		    IN_MULTICAST(ntohl(a->u.sin.sin_addr.s_addr));
	return net_addr_family(a) == AF_INET6 &&
	    IN6_IS_ADDR_MULTICAST(&a->u.sin6.sin6_addr);
}

void
net_addr_any(struct net_addr *a, int family, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET6) {
		a->u.sin6.sin6_family = AF_INET6;
		a->u.sin6.sin6_addr = in6addr_any;
		a->u.sin6.sin6_port = htons(port);
		a->len = sizeof(a->u.sin6);
	} else {
		a->u.sin.sin_family = AF_INET;
		a->u.sin.sin_addr.s_addr = htonl(INADDR_ANY);
		a->u.sin.sin_port = htons(port);
		a->len = sizeof(a->u.sin);
	}
}

char *
net_ifname(unsigned index, char *buf, size_t len)
{
	char name[IF_NAMESIZE];

	if (if_indextoname(index, name) != NULL)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%u", index);
	return buf;
}

/* The host part; scope: the interface of a link-local address too. */
static char *
net_ip_fmt(const struct net_addr *a, bool scope, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN], ifn[IF_NAMESIZE + 8];

	switch (net_addr_family(a)) {
	case AF_INET:
		if (inet_ntop(AF_INET, &a->u.sin.sin_addr, ip, sizeof(ip)) ==
		    NULL)
			break;
		snprintf(buf, len, "%s", ip);
		return buf;
	case AF_INET6:
		if (inet_ntop(AF_INET6, &a->u.sin6.sin6_addr, ip,
		    sizeof(ip)) == NULL)
			break;
		if (scope && a->u.sin6.sin6_scope_id != 0)
			snprintf(buf, len, "%s%%%s", ip, net_ifname(
			    a->u.sin6.sin6_scope_id, ifn, sizeof(ifn)));
		else
			snprintf(buf, len, "%s", ip);
		return buf;
	default:
		break;
	}
	snprintf(buf, len, "?");
	return buf;
}

char *
net_ip_str(const struct net_addr *a, char *buf, size_t len)
{
	return net_ip_fmt(a, true, buf, len);
}

char *
net_ip_str_bare(const struct net_addr *a, char *buf, size_t len)
{
	return net_ip_fmt(a, false, buf, len);
}

char *
net_addr_str(const struct net_addr *a, char *buf, size_t len)
{
	char ip[NET_IPSTRLEN];

	net_ip_str(a, ip, sizeof(ip));
	if (net_addr_family(a) == AF_INET6)
		snprintf(buf, len, "[%s]:%u", ip, net_addr_port(a));
	else
		snprintf(buf, len, "%s:%u", ip, net_addr_port(a));
	return buf;
}

/* ---- HOST[:PORT] ---- */

static bool
net_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

/* An IPv6 address with an optional %IFACE: its form, not the interface. */
static bool
net_v6_literal_ok(const char *s, size_t n)
{
	char		 ip[INET6_ADDRSTRLEN + 1];
	const char	*pct = memchr(s, '%', n);
	size_t		 iplen = pct != NULL ? (size_t)(pct - s) : n, i;
	struct in6_addr	 a;

	if (iplen == 0 || iplen >= sizeof(ip))
		return false;
	memcpy(ip, s, iplen);
	ip[iplen] = '\0';
	if (inet_pton(AF_INET6, ip, &a) != 1)
		return false;
	if (pct == NULL)
		return true;
	if (n - iplen - 1 == 0 || n - iplen - 1 >= IF_NAMESIZE)
		return false;
	for (i = iplen + 1; i < n; i++)
		if (!net_name_char(s[i]))
			return false;
	return true;
}

int
net_hostport_split(const char *spec, char *host, size_t hostlen,
    uint16_t *port, bool *has_port, char *err, size_t errlen)
{
	const char	*h = spec, *rest = NULL, *colon;
	size_t		 n, i;
	char		 perr[128];
	bool		 v6 = false;

	*has_port = false;
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (close == NULL)
			goto bad;
		h = spec + 1;
		n = (size_t)(close - h);
		if (!net_v6_literal_ok(h, n))
			goto bad;
		if (close[1] == ':')
			rest = close + 2;
		else if (close[1] != '\0')
			goto bad;
		v6 = true;
	} else if ((colon = strchr(spec, ':')) != NULL &&
	    strchr(colon + 1, ':') != NULL) {
		/* Two colons or more: an IPv6 address, no port. */
		n = strlen(spec);
		if (!net_v6_literal_ok(spec, n))
			goto bad;
		v6 = true;
	} else {
		n = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
		if (colon != NULL)
			rest = colon + 1;
	}
	if (n == 0 || n > NET_HOST_MAX || n >= hostlen)
		goto bad;
	for (i = 0; !v6 && i < n; i++)
		if (!net_name_char(h[i]))
			goto bad;
	if (rest != NULL) {
		if (parse_port(rest, port, perr, sizeof(perr)) == -1) {
			snprintf(err, errlen, "port of '%.200s': %s", spec,
			    perr);
			return -1;
		}
		*has_port = true;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	return 0;
bad:
	snprintf(err, errlen, "'%.200s' is not HOST[:PORT] (an IPv6 address "
	    "with a port goes in brackets: [fd00::1]:5165)", spec);
	return -1;
}

int
net_addr_numeric(const char *host, uint16_t port, struct net_addr *out,
    char *err, size_t errlen)
{
	char		 ip[INET6_ADDRSTRLEN + 1];
	const char	*pct;
	size_t		 iplen;

	memset(out, 0, sizeof(*out));
	if (strchr(host, ':') == NULL) {
		if (inet_pton(AF_INET, host, &out->u.sin.sin_addr) != 1)
			goto name;
		out->u.sin.sin_family = AF_INET;
		out->u.sin.sin_port = htons(port);
		out->len = sizeof(out->u.sin);
		return 0;
	}
	pct = strchr(host, '%');
	iplen = pct != NULL ? (size_t)(pct - host) : strlen(host);
	if (iplen >= sizeof(ip))
		goto name;
	memcpy(ip, host, iplen);
	ip[iplen] = '\0';
	if (inet_pton(AF_INET6, ip, &out->u.sin6.sin6_addr) != 1)
		goto name;
	out->u.sin6.sin6_family = AF_INET6;
	out->u.sin6.sin6_port = htons(port);
	if (pct != NULL) {
		uint64_t v;
		char	 e[64];

		if (parse_u64(pct + 1, 1, UINT32_MAX, &v, e, sizeof(e)) == 0)
			out->u.sin6.sin6_scope_id = (uint32_t)v;
		else if ((out->u.sin6.sin6_scope_id =
		    if_nametoindex(pct + 1)) == 0) {
			snprintf(err, errlen, "%s: no interface %s", host,
			    pct + 1);
			memset(out, 0, sizeof(*out));
			return -1;
		}
	}
	out->len = sizeof(out->u.sin6);
	return 0;
name:
	memset(out, 0, sizeof(*out));
	snprintf(err, errlen, "%s: not an address", host);
	return -1;
}

int
net_resolve_all(const char *host, uint16_t port, struct net_addr *out,
    int max, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	int		 rc, n = 0, i;

	if (max < 1)
		return -1;
	if (net_addr_numeric(host, port, &out[0], err, errlen) == 0)
		return 1;
	if (strchr(host, ':') != NULL)	/* an address, with a bad scope */
		return -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0 || res == NULL) {
		snprintf(err, errlen, "%s: %s", host, rc == EAI_SYSTEM ?
		    strerror(errno) : rc != 0 ? gai_strerror(rc) :
		    "no address");
		if (res != NULL)
			freeaddrinfo(res);
		return -1;
	}
	for (ai = res; ai != NULL && n < max; ai = ai->ai_next) {
		if (net_addr_from(&out[n], ai->ai_addr, ai->ai_addrlen) == -1)
			continue;
		net_addr_set_port(&out[n], port);
		for (i = 0; i < n; i++)
			if (net_addr_same_ip(&out[i], &out[n]))
				break;
		if (i == n)
			n++;
	}
	freeaddrinfo(res);
	if (n == 0) {
		snprintf(err, errlen, "%s: no IPv4 or IPv6 address", host);
		return -1;
	}
	return n;
}

int
net_resolve(const char *spec, uint16_t default_port, struct net_addr *out,
    char *err, size_t errlen)
{
	char		host[NET_HOST_MAX + 1];
	uint16_t	port = default_port;
	bool		has_port;

	if (net_hostport_split(spec, host, sizeof(host), &port, &has_port,
	    err, errlen) == -1)
		return -1;
	return net_resolve_all(host, port, out, 1, err, errlen) < 0 ? -1 : 0;
}

/* ---- interfaces, listeners ---- */

int
net_iface_lookup(const char *ifname, struct net_iface *ifc, char *err,
    size_t errlen)
{
	struct ifaddrs	*ifs, *ifa;
	bool		 exists = false;

	memset(ifc, 0, sizeof(*ifc));
	if (getifaddrs(&ifs) == -1) {
		snprintf(err, errlen, "getifaddrs: %s", strerror(errno));
		return -1;
	}
	for (ifa = ifs; ifa != NULL; ifa = ifa->ifa_next) {
		if (strcmp(ifa->ifa_name, ifname) != 0)
			continue;
		exists = true;
		if (ifa->ifa_flags & IFF_MULTICAST)
			ifc->multicast = true;
		if (ifa->ifa_addr == NULL)
			continue;
		if (ifa->ifa_addr->sa_family == AF_INET && !ifc->has_v4) {
			const struct sockaddr_in *sin, *mask;

			sin = (const struct sockaddr_in *)(const void *)
			    ifa->ifa_addr;
			mask = (const struct sockaddr_in *)(const void *)
			    ifa->ifa_netmask;
			ifc->v4 = sin->sin_addr;
			if ((ifa->ifa_flags & IFF_BROADCAST) &&
			    ifa->ifa_broadaddr != NULL)
				ifc->bcast = ((const struct sockaddr_in *)
				    (const void *)ifa->ifa_broadaddr)->sin_addr;
			else if (mask != NULL)
				ifc->bcast.s_addr = sin->sin_addr.s_addr |
				    ~mask->sin_addr.s_addr;
			else
				ifc->bcast.s_addr = htonl(INADDR_BROADCAST);
			ifc->has_v4 = true;
		} else if (ifa->ifa_addr->sa_family == AF_INET6 &&
		    ifc->nv6 < NET_IFACE_V6_MAX) {
			ifc->v6[ifc->nv6++] = ((const struct sockaddr_in6 *)
			    (const void *)ifa->ifa_addr)->sin6_addr;
		}
	}
	freeifaddrs(ifs);
	if (exists)
		ifc->index = if_nametoindex(ifname);
	if (!exists || ifc->index == 0) {
		snprintf(err, errlen, "interface %s does not exist", ifname);
		return -1;
	}
	if (!ifc->has_v4 && ifc->nv6 == 0) {
		snprintf(err, errlen, "interface %s has no IPv4 or IPv6 address",
		    ifname);
		return -1;
	}
	return 0;
}

int
net_tcp_listen(const struct net_addr *a, int backlog, char *err,
    size_t errlen)
{
	int	fd, one = 1, zero = 0;
	char	as[NET_ADDRSTRLEN];

	fd = socket(net_addr_family(a), SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (net_addr_family(a) == AF_INET6) {
		bool any = IN6_IS_ADDR_UNSPECIFIED(&a->u.sin6.sin6_addr);

		/* The wildcard takes IPv4 too; an address only itself. */
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
		    any ? &zero : &one, sizeof(int));
		/* Still tentative (duplicate address detection): bind anyway. */
		if (!any)
			(void)setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one,
			    sizeof(one));
	}
	if (bind(fd, &a->u.sa, a->len) == -1) {
		snprintf(err, errlen, "bind TCP %s: %s", net_addr_str(a, as,
		    sizeof(as)), strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, backlog) == -1) {
		snprintf(err, errlen, "listen: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

long
net_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	return (long)rl.rlim_cur;
}
