/*
 * hostlist.c - host lists: commas, pdsh-style ranges, files (hostlist.h).
 *
 * Written for the master's -H/--hosts (issue 19).  Issue 17's --slaves and
 * --exclude expand name patterns of their own; the two may share this
 * expander one day (the range syntax is the same).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostlist.h"
#include "net.h"

/* A host as written: "[" IPv6 "%" IFACE "]:" PORT fits. */
#define HOSTLIST_HOST_MAX	(NET_HOST_MAX + 16)
/* Digits of one range bound: 0 .. 999999999. */
#define HOSTLIST_DIGITS_MAX	9

struct hl {
	hostlist_emit	 emit;
	void		*ctx;
	long		 count, max;
	char		*err;
	size_t		 errlen;
};

/* One host made: checked, counted, handed on. */
static int
hl_host(struct hl *h, const char *host)
{
	char		name[NET_HOST_MAX + 1];
	uint16_t	port;
	bool		has_port;

	if (net_hostport_split(host, name, sizeof(name), &port, &has_port,
	    h->err, h->errlen) == -1)
		return -1;
	if (++h->count > h->max) {
		snprintf(h->err, h->errlen, "more than %ld hosts", h->max);
		return -1;
	}
	return h->emit != NULL ? h->emit(h->ctx, host, h->err, h->errlen) : 0;
}

/* Is [s, end) the inside of a range: digits, '-' and ','? */
static bool
hl_is_range(const char *s, const char *end)
{
	if (s == end)
		return false;
	for (; s < end; s++)
		if (!((*s >= '0' && *s <= '9') || *s == '-' || *s == ','))
			return false;
	return true;
}

/* A bound of a range: its value and its digits; -1 if none or too long. */
static int
hl_bound(const char **p, const char *end, unsigned long *v, size_t *digits)
{
	const char *s = *p;

	*v = 0;
	while (*p < end && **p >= '0' && **p <= '9') {
		*v = *v * 10 + (unsigned long)(**p - '0');
		(*p)++;
		if ((size_t)(*p - s) > HOSTLIST_DIGITS_MAX)
			return -1;
	}
	*digits = (size_t)(*p - s);
	return *digits == 0 ? -1 : 0;
}

static int	hl_expand(struct hl *, char *out, size_t used, const char *rest);

/* The range inside [s, end), then rest after it, each value after out. */
static int
hl_range(struct hl *h, char *out, size_t used, const char *s,
    const char *end, const char *rest)
{
	const char	*p = s;
	unsigned long	 lo, hi, v;
	size_t		 dlo, dhi, width;
	int		 n;

	while (p < end) {
		if (hl_bound(&p, end, &lo, &dlo) == -1)
			goto bad;
		hi = lo;
		if (p < end && *p == '-') {
			p++;
			if (hl_bound(&p, end, &hi, &dhi) == -1 || hi < lo)
				goto bad;
		}
		if (p < end && *p++ != ',')
			goto bad;
		/* "01-16": the width of the first bound, zeros in front. */
		width = dlo > 1 && s[0] == '0' ? dlo : 1;
		for (v = lo; v <= hi; v++) {
			n = snprintf(out + used, HOSTLIST_HOST_MAX + 1 - used,
			    "%0*lu", (int)width, v);
			if (n < 0 || used + (size_t)n > HOSTLIST_HOST_MAX) {
				snprintf(h->err, h->errlen, "a host name "
				    "longer than %d bytes", HOSTLIST_HOST_MAX);
				return -1;
			}
			if (hl_expand(h, out, used + (size_t)n, rest) == -1)
				return -1;
		}
		s = p;
	}
	return 0;
bad:
	snprintf(h->err, h->errlen, "bad range [%.*s] (write [1-16], "
	    "[01-16] or [1,3,5-7])", (int)(end - s), s);
	return -1;
}

/* out[0..used) is made; expand rest after it. */
static int
hl_expand(struct hl *h, char *out, size_t used, const char *rest)
{
	const char *p, *close;

	for (p = rest; *p != '\0'; p++) {
		if (*p != '[')
			continue;
		if ((close = strchr(p, ']')) == NULL)
			break;		/* said by the host's check */
		if (!hl_is_range(p + 1, close)) {
			p = close;	/* an IPv6 address: as it is */
			continue;
		}
		if (used + (size_t)(p - rest) > HOSTLIST_HOST_MAX)
			break;
		memcpy(out + used, rest, (size_t)(p - rest));
		return hl_range(h, out, used + (size_t)(p - rest), p + 1,
		    close, close + 1);
	}
	if (used + strlen(rest) > HOSTLIST_HOST_MAX) {
		snprintf(h->err, h->errlen, "a host name longer than %d bytes",
		    HOSTLIST_HOST_MAX);
		return -1;
	}
	memcpy(out + used, rest, strlen(rest) + 1);
	return hl_host(h, out);
}

/* The value's hosts, commas outside brackets separating them. */
static int
hl_value(struct hl *h, const char *value)
{
	char		 item[HOSTLIST_LINE_MAX + 1], out[HOSTLIST_HOST_MAX + 1];
	const char	*p = value, *start = value;
	int		 depth = 0;

	for (;; p++) {
		if (*p == '[')
			depth++;
		else if (*p == ']' && depth > 0)
			depth--;
		if ((*p == ',' && depth == 0) || *p == '\0') {
			size_t n = (size_t)(p - start);

			if (n == 0) {
				snprintf(h->err, h->errlen, "an empty host in "
				    "'%.200s'", value);
				return -1;
			}
			if (n > HOSTLIST_LINE_MAX) {
				snprintf(h->err, h->errlen, "a host longer "
				    "than %d bytes", HOSTLIST_LINE_MAX);
				return -1;
			}
			memcpy(item, start, n);
			item[n] = '\0';
			if (hl_expand(h, out, 0, item) == -1)
				return -1;
			if (*p == '\0')
				return 0;
			start = p + 1;
		}
	}
}

long
hostlist_expand(const char *value, long max, hostlist_emit emit, void *ctx,
    char *err, size_t errlen)
{
	struct hl h = { emit, ctx, 0, max, err, errlen };

	if (hl_value(&h, value) == -1)
		return -1;
	return h.count;
}

/* The line's value: blanks around it and the comment taken away. */
static char *
hl_trim(char *line)
{
	char *hash = strchr(line, '#'), *end;

	if (hash != NULL)
		*hash = '\0';
	while (*line == ' ' || *line == '\t')
		line++;
	end = line + strlen(line);
	while (end > line && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r' || end[-1] == '\n'))
		*--end = '\0';
	return line;
}

long
hostlist_read(const char *path, long max, hostlist_emit emit, void *ctx,
    char *err, size_t errlen)
{
	struct hl	 h = { emit, ctx, 0, max, NULL, 0 };
	char		 line[HOSTLIST_LINE_MAX + 2], why[512], *v;
	FILE		*f;
	int		 fd;
	long		 lineno = 0;

	/* Not a FIFO that would hang us, nor a directory. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd == -1 || (f = fdopen(fd, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	h.err = why;
	h.errlen = sizeof(why);
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "%s:%ld: a line longer than %d "
			    "bytes", path, lineno, HOSTLIST_LINE_MAX);
			goto fail;
		}
		v = hl_trim(line);
		if (*v == '\0')
			continue;
		if (hl_value(&h, v) == -1) {
			snprintf(err, errlen, "%s:%ld: %s", path, lineno, why);
			goto fail;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	fclose(f);
	return h.count;
fail:
	fclose(f);
	return -1;
}
