/*
 * net.c - socket helpers.
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

int
net_set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags == -1)
		return -1;
	return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

char *
net_ip_str(struct in_addr a, char *buf, size_t len)
{
	if (inet_ntop(AF_INET, &a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

char *
net_addr_str(const struct sockaddr_in *sin, char *buf, size_t len)
{
	char ip[INET_ADDRSTRLEN];

	snprintf(buf, len, "%s:%u", net_ip_str(sin->sin_addr, ip, sizeof(ip)),
	    ntohs(sin->sin_port));
	return buf;
}

int
net_iface_lookup(const char *ifname, struct in_addr *addr,
    struct in_addr *bcast, char *err, size_t errlen)
{
	struct ifaddrs	*ifs, *ifa;
	int		 found = 0, exists = 0;

	if (getifaddrs(&ifs) == -1) {
		snprintf(err, errlen, "getifaddrs: %s", strerror(errno));
		return -1;
	}
	for (ifa = ifs; ifa != NULL; ifa = ifa->ifa_next) {
		const struct sockaddr_in *sin, *mask;

		if (strcmp(ifa->ifa_name, ifname) != 0)
			continue;
		exists = 1;
		if (ifa->ifa_addr == NULL || ifa->ifa_addr->sa_family != AF_INET)
			continue;
		sin = (const struct sockaddr_in *)(const void *)ifa->ifa_addr;
		mask = (const struct sockaddr_in *)(const void *)ifa->ifa_netmask;
		*addr = sin->sin_addr;
		if ((ifa->ifa_flags & IFF_BROADCAST) && ifa->ifa_broadaddr != NULL)
			*bcast = ((const struct sockaddr_in *)(const void *)
			    ifa->ifa_broadaddr)->sin_addr;
		else if (mask != NULL)
			bcast->s_addr = sin->sin_addr.s_addr |
			    ~mask->sin_addr.s_addr;
		else
			bcast->s_addr = htonl(INADDR_BROADCAST);
		found = 1;
		break;
	}
	freeifaddrs(ifs);
	if (!found) {
		snprintf(err, errlen, exists ?
		    "interface %s has no IPv4 address" :
		    "interface %s does not exist", ifname);
		return -1;
	}
	return 0;
}

int
net_tcp_listen(struct in_addr addr, uint16_t port, int backlog, char *err,
    size_t errlen)
{
	struct sockaddr_in	sin;
	int			fd, one = 1;
	char			ip[INET_ADDRSTRLEN];

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = addr;
	sin.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		snprintf(err, errlen, "bind TCP %s:%u: %s",
		    net_ip_str(addr, ip, sizeof(ip)), port, strerror(errno));
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

int
net_resolve(const char *spec, uint16_t default_port, struct sockaddr_in *out,
    char *err, size_t errlen)
{
	struct addrinfo	 hints, *res = NULL;
	char		 host[256], perr[128];
	const char	*colon = strrchr(spec, ':');
	uint16_t	 port = default_port;
	size_t		 hostlen;
	int		 rc;

	hostlen = colon ? (size_t)(colon - spec) : strlen(spec);
	if (hostlen == 0 || hostlen >= sizeof(host)) {
		snprintf(err, errlen, "%s: bad host name", spec);
		return -1;
	}
	memcpy(host, spec, hostlen);
	host[hostlen] = '\0';
	if (colon && parse_port(colon + 1, &port, perr, sizeof(perr)) == -1) {
		snprintf(err, errlen, "%s: port %s", spec, perr);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0 || res == NULL) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(rc));
		return -1;
	}
	memcpy(out, res->ai_addr, sizeof(*out));
	out->sin_port = htons(port);
	freeaddrinfo(res);
	return 0;
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
