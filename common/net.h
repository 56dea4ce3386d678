/*
 * net.h - socket helpers shared by master and slave (IPv4, as in 2014).
 */
#ifndef SYNEXEC_NET_H
#define SYNEXEC_NET_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define NET_ADDRSTRLEN	32	/* "255.255.255.255:65535" and NUL */

int	net_set_nonblock(int fd);
/* "a.b.c.d:port" into buf (NET_ADDRSTRLEN bytes); returns buf. */
char	*net_addr_str(const struct sockaddr_in *, char *buf, size_t len);
/* "a.b.c.d" into buf; returns buf. */
char	*net_ip_str(struct in_addr, char *buf, size_t len);
/*
 * The IPv4 address and broadcast address of an interface.  Interfaces without
 * a broadcast flag (lo) get address | ~netmask (lo: 127.255.255.255).
 * Returns 0, or -1 with a message in err.
 */
int	net_iface_lookup(const char *ifname, struct in_addr *addr,
	    struct in_addr *bcast, char *err, size_t errlen);
/* Non-blocking, close-on-exec TCP listener with SO_REUSEADDR.  -1 + err. */
int	net_tcp_listen(struct in_addr addr, uint16_t port, int backlog,
	    char *err, size_t errlen);
/* Parse "HOST[:PORT]" (name resolved once, blocking: call before the loop). */
int	net_resolve(const char *spec, uint16_t default_port,
	    struct sockaddr_in *out, char *err, size_t errlen);
/* Raise RLIMIT_NOFILE's soft limit to the hard limit; returns the new soft limit. */
long	net_raise_nofile(void);

#endif
