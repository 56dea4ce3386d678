/*
 * opt.c - the values of the option tables: parsed and checked by kind, the
 * same for the command line and the file, stored, compared and copied by
 * the row's field; and the checks of a table itself.  The command line and
 * --help are in opt_cmdline.c.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hostlist.h"
#include "log.h"
#include "net.h"
#include "numparse.h"
#include "opt.h"
#include "proto.h"

#define OPT_IFNAME_MAX	15	/* IFNAMSIZ - 1 */

static const struct {
	const char	*name;		/* in the dump */
	bool		 arg;		/* takes an argument */
	const char	*plural;	/* "more than 64 paths" */
} opt_kinds[OPT_KIND_COUNT] = {
	[OPT_HELP] =	 { "help", false, NULL },
	[OPT_VERSION] =	 { "version", false, NULL },
	[OPT_DUMP] =	 { "dump", false, NULL },
	[OPT_FLAG] =	 { "flag", false, NULL },
	[OPT_COUNT] =	 { "count", false, NULL },
	[OPT_UINT] =	 { "uint", true, "numbers" },
	[OPT_SECONDS] =	 { "seconds", true, "durations" },
	[OPT_BYTES] =	 { "bytes", true, "sizes" },
	[OPT_STR] =	 { "string", true, "values" },
	[OPT_ABSPATH] =	 { "abspath", true, "paths" },
	[OPT_IFNAME] =	 { "ifname", true, "interfaces" },
	[OPT_NAME] =	 { "name", true, "names" },
	[OPT_HOSTPORT] = { "hostport", true, "hosts" },
	[OPT_HOSTS] =	 { "hosts", true, "host lists" },
	[OPT_LIST] =	 { "list", true, NULL },
};

bool
opt_has_arg(const struct opt *o)
{
	return opt_kinds[o->kind].arg;
}

const char *
opt_kind_name(enum opt_kind k)
{
	return opt_kinds[k].name;
}

/* ---- fields ---- */

static void *
opt_field(const struct opt *o, void *opts)
{
	return (char *)opts + o->off;
}

static const void *
opt_cfield(const struct opt *o, const void *opts)
{
	return (const char *)opts + o->off;
}

static bool
opt_is_string(enum opt_kind k)
{
	return k == OPT_STR || k == OPT_ABSPATH || k == OPT_IFNAME ||
	    k == OPT_NAME || k == OPT_HOSTPORT || k == OPT_HOSTS;
}

/* Rows without a field: the actions opt.c does itself. */
static bool
opt_has_field(const struct opt *o)
{
	return o->kind != OPT_HELP && o->kind != OPT_VERSION &&
	    o->kind != OPT_DUMP;
}

void
opt_set_str(char **dst, const char *value)
{
	char *copy = NULL;

	if (value != NULL && (copy = strdup(value)) == NULL)
		fatal("strdup");
	free(*dst);
	*dst = copy;
}

void
opt_list_add(struct opt_list *l, const char *value)
{
	char **v = realloc(l->v, ((size_t)l->n + 1) * sizeof(*v));

	if (v == NULL)
		fatal("realloc");
	l->v = v;
	l->v[l->n] = NULL;
	opt_set_str(&l->v[l->n++], value);
}

static void
opt_list_clear(struct opt_list *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* A number into a field of 2, 4 or 8 bytes (the range was checked). */
static void
opt_put_uint(void *field, size_t size, uint64_t v)
{
	switch (size) {
	case sizeof(uint16_t):
		*(uint16_t *)field = (uint16_t)v;
		break;
	case sizeof(uint32_t):
		*(uint32_t *)field = (uint32_t)v;
		break;
	default:
		*(uint64_t *)field = v;
		break;
	}
}

void
opt_clear(const struct opt *o, void *opts)
{
	void *field = opt_field(o, opts);

	if (o->kind == OPT_LIST)
		opt_list_clear(field);
	else if (opt_is_string(o->kind))
		opt_set_str(field, NULL);
	else if (opt_has_field(o))
		memset(field, 0, o->size);
}

void
opt_defaults(const struct opt *t, void *opts)
{
	char err[256];

	for (; t->name != NULL; t++)
		if (t->def != NULL && opt_store(t, opts, t->def, err,
		    sizeof(err)) == -1)
			fatalx("--%s: default: %s", t->name, err);
}

void
opt_free(const struct opt *t, void *opts)
{
	for (; t->name != NULL; t++)
		if (t->kind == OPT_LIST || opt_is_string(t->kind))
			opt_clear(t, opts);
}

/* ---- checking one value ---- */

static int
opt_check_name(const char *s, char *err, size_t errlen)
{
	size_t n = strlen(s);

	if (n == 0 || n > PROTO_NAME_MAX) {
		snprintf(err, errlen, "a name has 1..%d characters, not %zu",
		    PROTO_NAME_MAX, n);
		return -1;
	}
	/* The hello's alphabet (proto.c): names end up in tables. */
	if (!proto_name_ok(s, n)) {
		snprintf(err, errlen, "'%.300s' has a character outside "
		    PROTO_NAME_CHARS " or starts with '.'", s);
		return -1;
	}
	return 0;
}

/* What the kernel takes as an interface name. */
static int
opt_check_ifname(const char *s, char *err, size_t errlen)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > OPT_IFNAME_MAX) {
		snprintf(err, errlen, "an interface name has 1..%d "
		    "characters, not %zu", OPT_IFNAME_MAX, n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (s[i] <= ' ' || s[i] == '/' || s[i] == 0x7f) {
			snprintf(err, errlen, "'%s' is not an interface name",
			    s);
			return -1;
		}
	}
	return 0;
}

/* HOST[:PORT]: a name, an IPv4 address or [an IPv6 one], a port or not. */
static int
opt_check_hostport(const char *s, char *err, size_t errlen)
{
	char		host[NET_HOST_MAX + 1];
	uint16_t	port;
	bool		has_port;

	return net_hostport_split(s, host, sizeof(host), &port, &has_port,
	    err, errlen);
}

static int
opt_check_str(enum opt_kind kind, const char *s, char *err, size_t errlen)
{
	size_t n = strlen(s);

	if (n == 0) {
		snprintf(err, errlen, "empty value");
		return -1;
	}
	if (n > OPT_STR_MAX) {
		snprintf(err, errlen, "longer than %d bytes", OPT_STR_MAX);
		return -1;
	}
	if (kind == OPT_ABSPATH && s[0] != '/') {
		snprintf(err, errlen, "'%.200s' is not an absolute path", s);
		return -1;
	}
	return 0;
}

/*
 * One value of kind kind (numbers in min..max), parsed: numbers left in *v.
 * 0, or -1 with a message in err.
 */
static int
opt_parse_value(enum opt_kind kind, uint64_t min, uint64_t max,
    const char *s, uint64_t *v, char *err, size_t errlen)
{
	*v = 0;
	switch (kind) {
	case OPT_COUNT:
	case OPT_UINT:
		return parse_u64(s, min, max, v, err, errlen);
	case OPT_SECONDS:
		return parse_seconds(s, min, max, v, err, errlen);
	case OPT_BYTES:
		return parse_bytes(s, min, max, v, err, errlen);
	case OPT_STR:
	case OPT_ABSPATH:
		return opt_check_str(kind, s, err, errlen);
	case OPT_NAME:
		return opt_check_name(s, err, errlen);
	case OPT_IFNAME:
		return opt_check_ifname(s, err, errlen);
	case OPT_HOSTPORT:
		return opt_check_hostport(s, err, errlen);
	case OPT_HOSTS:
		return hostlist_expand(s, HOSTLIST_MAX, NULL, NULL, err,
		    errlen) < 0 ? -1 : 0;
	case OPT_FLAG:
		if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)
			return 0;
		snprintf(err, errlen, "'%.200s' is not true or false", s);
		return -1;
	default:
		break;
	}
	snprintf(err, errlen, "internal error: a value of kind %d", kind);
	return -1;
}

int
opt_check(const struct opt *o, const char *value, char *err, size_t errlen)
{
	uint64_t v;

	if (value == NULL) {
		snprintf(err, errlen, "no value");
		return -1;
	}
	if (o->kind == OPT_LIST)
		return opt_parse_value(o->elem, 0, 0, value, &v, err, errlen);
	return opt_parse_value(o->kind, o->min, o->max, value, &v, err,
	    errlen);
}

int
opt_check_count(const struct opt *o, unsigned n, char *err, size_t errlen)
{
	if (o->kind != OPT_LIST || n <= o->max)
		return 0;
	snprintf(err, errlen, "more than %llu %s", (unsigned long long)o->max,
	    opt_kinds[o->elem].plural);
	return -1;
}

/* A flag or a count given on the command line. */
static int
opt_store_bare(const struct opt *o, void *field, char *err, size_t errlen)
{
	if (o->kind == OPT_FLAG)
		*(bool *)field = true;
	else if (o->kind == OPT_COUNT)
		(*(int *)field)++;
	else {
		snprintf(err, errlen, "missing argument");
		return -1;
	}
	return 0;
}

int
opt_store(const struct opt *o, void *opts, const char *value, char *err,
    size_t errlen)
{
	void		*field = opt_field(o, opts);
	struct opt_list	*l = field;
	uint64_t	 v;

	if (value == NULL)
		return opt_store_bare(o, field, err, errlen);
	if (o->kind == OPT_LIST) {
		if (opt_check(o, value, err, errlen) == -1 ||
		    opt_check_count(o, (unsigned)l->n + 1, err, errlen) == -1)
			return -1;
		opt_list_add(l, value);
		return 0;
	}
	if (opt_parse_value(o->kind, o->min, o->max, value, &v, err,
	    errlen) == -1)
		return -1;
	if (opt_is_string(o->kind))
		opt_set_str(field, value);
	else if (o->kind == OPT_FLAG)
		*(bool *)field = strcmp(value, "true") == 0;
	else if (o->kind == OPT_COUNT)
		*(int *)field = (int)v;
	else
		opt_put_uint(field, o->size, v);
	return 0;
}

static bool
opt_str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

bool
opt_differs(const struct opt *o, const void *a, const void *b)
{
	const void		*fa = opt_cfield(o, a), *fb = opt_cfield(o, b);
	const struct opt_list	*la = fa, *lb = fb;
	int			 i;

	if (opt_is_string(o->kind))
		return opt_str_differs(*(char *const *)fa, *(char *const *)fb);
	if (o->kind == OPT_LIST) {
		if (la->n != lb->n)
			return true;
		for (i = 0; i < la->n; i++)
			if (opt_str_differs(la->v[i], lb->v[i]))
				return true;
		return false;
	}
	return opt_has_field(o) && memcmp(fa, fb, o->size) != 0;
}

void
opt_copy(const struct opt *o, void *dst, const void *src)
{
	void			*fd = opt_field(o, dst);
	const void		*fs = opt_cfield(o, src);
	const struct opt_list	*ls = fs;
	int			 i;

	if (opt_is_string(o->kind))
		opt_set_str(fd, *(char *const *)fs);
	else if (o->kind == OPT_LIST) {
		opt_list_clear(fd);
		for (i = 0; i < ls->n; i++)
			opt_list_add(fd, ls->v[i]);
	} else if (opt_has_field(o))
		memcpy(fd, fs, o->size);
}

/* ---- rows ---- */

const struct opt *
opt_by_key(const struct opt *t, const char *key)
{
	for (; t->name != NULL; t++)
		if (t->key != NULL && strcmp(t->key, key) == 0)
			return t;
	return NULL;
}

static const struct opt *
opt_by_name(const struct opt *t, const char *name)
{
	for (; t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

const char *
opt_label(const struct opt *o, char *buf, size_t len)
{
	if (o->letter != 0)
		snprintf(buf, len, "-%c", o->letter);
	else
		snprintf(buf, len, "--%s", o->name);
	return buf;
}

/* ---- between rows ---- */

/* Did row o's value come from the file (and not the command line)? */
static bool
opt_from_file(const struct opt *t, const struct opt *o,
    const struct opt_origin *org)
{
	size_t i = (size_t)(o - t);

	return org != NULL && i < OPT_ROWS_MAX && !org->cmdline[i] &&
	    org->line[i] > 0 && o->key != NULL;
}

const char *
opt_where(const struct opt *t, const struct opt *o,
    const struct opt_origin *org, char *buf, size_t len)
{
	if (opt_from_file(t, o, org))
		snprintf(buf, len, "%s:%d: %s", org->file,
		    org->line[o - t], o->key);
	else
		opt_label(o, buf, len);
	return buf;
}

void
opt_complain(const struct opt *t, const struct opt *o,
    const struct opt_origin *org, const char *value, const char *fmt, ...)
{
	char	where[OPT_STR_MAX + 128], msg[1024];
	bool	file;
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	opt_where(t, o, org, where, sizeof(where));
	file = opt_from_file(t, o, org);
	if (value != NULL)
		log_warnx("%s%s%s: %s", where, file ? ": " : " ", value, msg);
	else
		log_warnx("%s: %s", where, msg);
}

bool
opt_in_effect(const struct opt *o, const void *opts)
{
	const void	*f = opt_cfield(o, opts);
	uint64_t	 v = 0;

	if (opt_is_string(o->kind))
		return *(char *const *)f != NULL;
	switch (o->kind) {
	case OPT_LIST:
		return ((const struct opt_list *)f)->n > 0;
	case OPT_FLAG:
		return *(const bool *)f;
	case OPT_COUNT:
		return *(const int *)f > 0;
	case OPT_UINT:
	case OPT_SECONDS:
	case OPT_BYTES:
		if (o->size == sizeof(uint16_t))
			v = *(const uint16_t *)f;
		else if (o->size == sizeof(uint32_t))
			v = *(const uint32_t *)f;
		else
			v = *(const uint64_t *)f;
		return v != 0;
	default:
		return false;
	}
}

/*
 * Row o's companions named for a message into buf: "-O or --follow", or
 * for a key of the file "output_dir or follow (-O, --follow)".
 */
static void
opt_requires_names(const struct opt *t, const struct opt *o, bool file,
    char *buf, size_t len)
{
	const struct opt	*r;
	char			 labels[256] = "", label[64];
	size_t			 j, n = 0, nl = 0, count = 0;

	buf[0] = '\0';
	while (count < OPT_REQUIRES_MAX && o->requires[count] != NULL)
		count++;
	for (j = 0; j < count; j++) {
		const char *sep = j == 0 ? "" : j + 1 == count ? " or " : ", ";

		if ((r = opt_by_name(t, o->requires[j])) == NULL)
			continue;
		opt_label(r, label, sizeof(label));
		if (n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", sep,
			    file && r->key != NULL ? r->key : label);
		if (nl < sizeof(labels))
			nl += (size_t)snprintf(labels + nl,
			    sizeof(labels) - nl, "%s%s", j > 0 ? ", " : "",
			    label);
	}
	if (file && n < len)
		snprintf(buf + n, len - n, " (%s)", labels);
}

int
opt_requires_check(const struct opt *t, const void *opts,
    const struct opt_origin *org)
{
	const struct opt	*o, *r;
	char			 where[4200], names[512];
	size_t			 i, j;
	int			 bad = 0;

	if (org == NULL)
		return 0;
	for (o = t, i = 0; o->name != NULL && i < OPT_ROWS_MAX; o++, i++) {
		bool file = opt_from_file(t, o, org);

		if (o->requires[0] == NULL || !(org->cmdline[i] || file) ||
		    !opt_in_effect(o, opts))
			continue;
		for (j = 0; j < OPT_REQUIRES_MAX && o->requires[j]; j++)
			if ((r = opt_by_name(t, o->requires[j])) != NULL &&
			    opt_in_effect(r, opts))
				break;
		if (j < OPT_REQUIRES_MAX && o->requires[j] != NULL)
			continue;
		opt_requires_names(t, o, file, names, sizeof(names));
		opt_where(t, o, org, where, sizeof(where));
		log_warnx("%s%s has no effect without %s", where,
		    file ? ":" : "", names);
		bad++;
	}
	return bad;
}

/* ---- the table's own checks (tests/unit/test_opt.c) ---- */

/* The C type the kind writes, by size: 0 for the rows without a field. */
static size_t
opt_kind_size(const struct opt *o)
{
	switch (o->kind) {
	case OPT_FLAG:
		return sizeof(bool);
	case OPT_COUNT:
		return sizeof(int);
	case OPT_UINT:
		return o->size == 2 || o->size == 4 ? o->size : 8;
	case OPT_SECONDS:
	case OPT_BYTES:
		return sizeof(uint64_t);
	case OPT_LIST:
		return sizeof(struct opt_list);
	default:
		return opt_is_string(o->kind) ? sizeof(char *) : 0;
	}
}

/* Is there another row before o with the same long name, letter or key? */
static const char *
opt_row_twin(const struct opt *t, const struct opt *o)
{
	for (; t < o; t++) {
		if (strcmp(t->name, o->name) == 0)
			return "long name";
		if (o->letter != 0 && t->letter == o->letter)
			return "letter";
		if (o->key != NULL && t->key != NULL &&
		    strcmp(t->key, o->key) == 0)
			return "key";
	}
	return NULL;
}

static int
opt_row_check(const struct opt *t, const struct opt *o, char *err,
    size_t errlen)
{
	const char	*twin = opt_row_twin(t, o);
	bool		 arg = opt_kinds[o->kind].arg;
	size_t		 j;

	if (twin != NULL)
		snprintf(err, errlen, "the same %s as a row before", twin);
	else if (opt_has_field(o) && o->size != opt_kind_size(o))
		snprintf(err, errlen, "a field of %zu bytes for a %s",
		    o->size, opt_kinds[o->kind].name);
	else if (o->kind == OPT_UINT && o->size < 8 &&
	    o->max >> (8 * o->size) != 0)
		snprintf(err, errlen, "max does not fit its field");
	else if (o->kind == OPT_LIST && (o->max == 0 ||
	    !opt_is_string(o->elem)))
		snprintf(err, errlen, "a list needs a max, and strings");
	else if (o->help == NULL || (arg != (o->arg != NULL)))
		snprintf(err, errlen, "help, or argument name, missing or "
		    "superfluous");
	else if (o->key != NULL && !opt_has_field(o))
		snprintf(err, errlen, "a key without a field");
	else {
		for (j = 0; j < OPT_REQUIRES_MAX && o->requires[j]; j++)
			if (opt_by_name(t, o->requires[j]) == NULL) {
				snprintf(err, errlen, "requires --%s, which "
				    "is not in the table", o->requires[j]);
				return -1;
			}
		return 0;
	}
	return -1;
}

int
opt_table_check(const struct opt *t, char *err, size_t errlen)
{
	const struct opt	*o;
	char			 msg[256];
	uint64_t		 v;

	for (o = t; o->name != NULL; o++) {
		if (o - t >= OPT_ROWS_MAX) {
			snprintf(err, errlen, "more than %d rows", OPT_ROWS_MAX);
			return -1;
		}
		if (opt_row_check(t, o, msg, sizeof(msg)) == -1 ||
		    (o->def != NULL && opt_parse_value(o->kind, o->min, o->max,
		    o->def, &v, msg, sizeof(msg)) == -1)) {
			snprintf(err, errlen, "--%s: %s", o->name, msg);
			return -1;
		}
	}
	return 0;
}
