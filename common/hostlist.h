/*
 * hostlist.h - host lists as people write them (hostlist.c): the values of
 * -H/--host and the hosts = {...} key, and the lines of a --hosts file.
 *
 *	vm1,vm2,[fd00::3]:5166	commas separate hosts (not inside brackets)
 *	vm[01-16]		pdsh-style ranges: vm01 .. vm16, the width of
 *				the first number kept (zeros in front)
 *	r[1-2]n[1,3-4]		several ranges: r1n1 r1n3 r1n4 r2n1 ...
 *	[fd00::1]:5165		brackets holding a ':' are an IPv6 address
 *
 * Each host is HOST[:PORT] (net_hostport_split, net.h).  A file has one
 * such value a line; '#' starts a comment; blank lines are skipped.
 */
#ifndef SYNEXEC_HOSTLIST_H
#define SYNEXEC_HOSTLIST_H

#include <stddef.h>

/* Hosts one list may hold, all values and files together. */
#define HOSTLIST_MAX		65536
/* A line of a --hosts file, bytes. */
#define HOSTLIST_LINE_MAX	4096

/*
 * Called with each host of a value, in order: 0 to go on, -1 to stop (with
 * the reason in err).
 */
typedef int	(*hostlist_emit)(void *ctx, const char *host, char *err,
		    size_t errlen);

/*
 * Expand one value (commas, ranges) and check each host (HOST[:PORT]);
 * each goes to emit (which may be NULL: check only).  At most max hosts
 * (-1 past it).  The count, or -1 with the fault in err.
 */
long	hostlist_expand(const char *value, long max, hostlist_emit emit,
	    void *ctx, char *err, size_t errlen);
/*
 * Every host of a --hosts file, in order: the count, or -1 with
 * "PATH:LINE: fault" (or "PATH: why" if it cannot be read) in err.
 */
long	hostlist_read(const char *path, long max, hostlist_emit emit,
	    void *ctx, char *err, size_t errlen);

#endif
