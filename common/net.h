/*
 * net.h - socket helpers shared by master and slave: one address type for
 * IPv4 and IPv6 (struct net_addr), its one formatter and one parser, the
 * interfaces, listeners and name resolution.
 *
 * Addresses are shown one way everywhere (logs, summary, results):
 * "198.18.0.1:5165" for IPv4, "[fd00::1]:5165" and "[fe80::1%eth0]:5165"
 * for IPv6 (a link-local address carries its interface).  An IPv4 address
 * that came through a dual-stack socket (::ffff:198.18.0.1) is made plain
 * IPv4 when taken in (net_addr_from), so that it is shown and compared as
 * one.
 */
#ifndef SYNEXEC_NET_H
#define SYNEXEC_NET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* "[" IPv6 "%" interface "]:" port, and NUL; "a.b.c.d:port" fits too. */
#define NET_ADDRSTRLEN	(INET6_ADDRSTRLEN + 16 + 9)
/* The host part alone: "fe80::1%eth0", "198.18.0.1". */
#define NET_IPSTRLEN	(INET6_ADDRSTRLEN + 16)
/* A host name or address as written: a DNS name, 253 bytes. */
#define NET_HOST_MAX	253
/* Addresses kept of one name (getaddrinfo may give more). */
#define NET_RESOLVE_MAX	8
/* IPv6 addresses of one interface listened on (-i). */
#define NET_IFACE_V6_MAX 8

struct net_addr {
	union {
		struct sockaddr		sa;
		struct sockaddr_in	sin;
		struct sockaddr_in6	sin6;
		struct sockaddr_storage	ss;
	} u;
	socklen_t	len;		/* 0: no address */
};

int	net_set_nonblock(int fd);

/*
 * From what accept(), recvfrom() or getaddrinfo() gave: AF_INET and AF_INET6
 * only; a v4-mapped IPv6 address becomes IPv4.  0, or -1 (another family).
 */
int	net_addr_from(struct net_addr *, const struct sockaddr *, socklen_t);
/* AF_INET or AF_INET6 (0: none). */
int	net_addr_family(const struct net_addr *);
uint16_t net_addr_port(const struct net_addr *);
void	net_addr_set_port(struct net_addr *, uint16_t);
/* The same host: family, address and (IPv6) scope, whatever the port. */
bool	net_addr_same_ip(const struct net_addr *, const struct net_addr *);
/* The address's bytes (4 or 16) for hashing and comparing. */
size_t	net_addr_bytes(const struct net_addr *, const uint8_t **);
/* IPv6 link-local (fe80::/10): meaningful only with its interface. */
bool	net_addr_link_local(const struct net_addr *);
/* A broadcast or multicast destination (IPv4 x.x.x.255 is not guessed). */
bool	net_addr_multicast(const struct net_addr *);
/* IPv4 wildcard or an IPv6 address of any kind (for a socket's family). */
void	net_addr_any(struct net_addr *, int family, uint16_t port);

/*
 * The one formatter: "198.18.0.1:5165", "[fd00::1]:5165",
 * "[fe80::1%eth0]:5165" into buf (NET_ADDRSTRLEN bytes); returns buf.
 */
char	*net_addr_str(const struct net_addr *, char *buf, size_t len);
/* The host part alone, no brackets, no port: "fe80::1%eth0"; returns buf. */
char	*net_ip_str(const struct net_addr *, char *buf, size_t len);
/* The same without the interface of a link-local address ("fe80::1"). */
char	*net_ip_str_bare(const struct net_addr *, char *buf, size_t len);

/*
 * The one parser of "HOST[:PORT]": HOST a name, an IPv4 address, or an
 * IPv6 address in brackets ("[fd00::1]:5165", "[fe80::1%eth0]"); an IPv6
 * address without brackets is taken whole, without a port ("fd00::1").
 * The host into host (NET_HOST_MAX + 1 bytes at least), the port into
 * *port if given (*has_port).  The host's characters are checked (a name:
 * letters, digits, '.', '-', '_'; an address in brackets: what inet_pton
 * takes, and %IFACE).  0, or -1 with the fault in err.
 */
int	net_hostport_split(const char *spec, char *host, size_t hostlen,
	    uint16_t *port, bool *has_port, char *err, size_t errlen);
/*
 * A numeric host ("198.18.0.1", "fd00::1", "fe80::1%eth0") at port into
 * out: 0; -1 if host is not an address (a name, or an unknown interface
 * in its scope: err says which).
 */
int	net_addr_numeric(const char *host, uint16_t port, struct net_addr *out,
	    char *err, size_t errlen);
/*
 * Resolve host (a name or an address) with getaddrinfo, IPv4 and IPv6:
 * up to max addresses at port into out, in getaddrinfo's order (RFC 6724),
 * without repeats.  May block on DNS: call before the loop, or in a helper
 * (resolve.c).  The count (> 0), or -1 with the reason in err.
 */
int	net_resolve_all(const char *host, uint16_t port, struct net_addr *out,
	    int max, char *err, size_t errlen);
/* "HOST[:PORT]" parsed and resolved: its first address.  0, or -1 + err. */
int	net_resolve(const char *spec, uint16_t default_port,
	    struct net_addr *out, char *err, size_t errlen);

/* What an interface has (net_iface_lookup). */
struct net_iface {
	unsigned	index;
	bool		multicast;	/* IFF_MULTICAST: ff02::1 reaches it */
	bool		has_v4;
	struct in_addr	v4, bcast;	/* its first IPv4 address, broadcast */
	int		nv6;		/* its IPv6 addresses (up to the max) */
	struct in6_addr	v6[NET_IFACE_V6_MAX];
};
/*
 * An interface's index and addresses.  Without a broadcast flag (lo) the
 * IPv4 broadcast address is address | ~netmask (lo: 127.255.255.255).
 * 0; -1 with a message in err if it does not exist or has no address of
 * either family.
 */
int	net_iface_lookup(const char *ifname, struct net_iface *, char *err,
	    size_t errlen);
/* The interface's name for an index into buf (IF_NAMESIZE); "?" if none. */
char	*net_ifname(unsigned index, char *buf, size_t len);

/*
 * Non-blocking, close-on-exec TCP listener with SO_REUSEADDR on addr.  An
 * IPv6 wildcard address takes IPv4 too (dual stack); another IPv6 address
 * only itself (IPV6_V6ONLY), and may still be tentative (IPV6_FREEBIND).
 * -1 + err.
 */
int	net_tcp_listen(const struct net_addr *, int backlog, char *err,
	    size_t errlen);
/* Raise RLIMIT_NOFILE's soft limit to the hard limit; returns the new soft limit. */
long	net_raise_nofile(void);

#endif
