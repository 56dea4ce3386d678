/*
 * pattern.c - name patterns (globs and pdsh ranges) and the natural order
 * of names (pattern.h says what they are).
 *
 * A pattern is compiled into elements: a character, '?', '*', a class
 * (a bitmap of bytes) or a numeric range (its items: low, high, width).
 * Matching is a table over (element, position in the name) filled from the
 * end, two rows at a time: linear in the pattern times the name (times the
 * ten digits a range may take), whatever the stars, so no pattern can make
 * a match take exponential time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"
#include "proto.h"

enum pat_kind {
	PAT_CHAR,
	PAT_ANY,	/* ? */
	PAT_STAR,	/* * */
	PAT_CLASS,	/* [abc], [!a-z] */
	PAT_RANGE,	/* [01-16,20] */
};

struct range_item {
	unsigned long	lo, hi;
	int		width;		/* zero padding to this width; 0: none */
};

struct pat_elem {
	enum pat_kind		 kind;
	unsigned char		 c;		/* PAT_CHAR */
	uint8_t			 set[32];	/* PAT_CLASS: bit per byte */
	struct range_item	*items;		/* PAT_RANGE */
	size_t			 nitems;
};

struct pattern {
	char		*text;
	struct pat_elem	*e;
	size_t		 n;
	bool		 wild;
};

static bool
pat_digit(int c)
{
	return c >= '0' && c <= '9';
}

static void
pattern_free(struct pattern *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		free(p->e[i].items);
	free(p->e);
	free(p->text);
	free(p);
}

/* One bound of a range: 1..PATTERN_NUM_DIGITS digits. */
static int
pat_number(const char *s, size_t len, unsigned long *v)
{
	size_t i;

	if (len == 0 || len > PATTERN_NUM_DIGITS)
		return -1;
	*v = 0;
	for (i = 0; i < len; i++) {
		if (!pat_digit(s[i]))
			return -1;
		*v = *v * 10 + (unsigned long)(s[i] - '0');
	}
	return 0;
}

/* "01-16,20" into e's items. */
static int
pat_range(struct pat_elem *e, const char *s, size_t len, char *err,
    size_t errlen)
{
	size_t		 i = 0, j, dash, n = 1;
	struct range_item *it;

	for (j = 0; j < len; j++)
		if (s[j] == ',')
			n++;
	if ((e->items = calloc(n, sizeof(*e->items))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	e->kind = PAT_RANGE;
	while (i <= len) {
		for (j = i; j < len && s[j] != ','; j++)
			;
		it = &e->items[e->nitems++];
		for (dash = i; dash < j && s[dash] != '-'; dash++)
			;
		if (pat_number(s + i, dash - i, &it->lo) == -1 ||
		    (dash < j && pat_number(s + dash + 1, j - dash - 1,
		    &it->hi) == -1)) {
			snprintf(err, errlen, "'%.*s' is not a number or a "
			    "range of numbers (N or N-M, at most %d digits)",
			    (int)(j - i), s + i, PATTERN_NUM_DIGITS);
			return -1;
		}
		if (dash == j)
			it->hi = it->lo;
		if (it->hi < it->lo) {
			snprintf(err, errlen, "range '%.*s' goes down",
			    (int)(j - i), s + i);
			return -1;
		}
		/* "01": padded to its width; "0" or "1": not. */
		it->width = dash - i > 1 && s[i] == '0' ? (int)(dash - i) : 0;
		i = j + 1;
	}
	return 0;
}

/* "abc", "a-z", "!0-9" into e's set. */
static int
pat_class(struct pat_elem *e, const char *s, size_t len, char *err,
    size_t errlen)
{
	size_t	i = 0;
	bool	neg = false;
	int	c, a, b;

	e->kind = PAT_CLASS;
	if (s[0] == '!' || s[0] == '^') {
		neg = true;
		i = 1;
	}
	if (i == len) {
		snprintf(err, errlen, "'[%.*s]' has no character", (int)len, s);
		return -1;
	}
	for (; i < len; i++) {
		a = b = (unsigned char)s[i];
		if (i + 2 < len && s[i + 1] == '-') {
			b = (unsigned char)s[i + 2];
			i += 2;
		}
		if (!proto_name_char(a) || !proto_name_char(b) || b < a) {
			snprintf(err, errlen, "'[%.*s]': '%c%s%c' is not a "
			    "character of a name or a range of them", (int)len,
			    s, a, a == b ? "" : "-", a == b ? '\0' : b);
			return -1;
		}
		for (c = a; c <= b; c++)
			e->set[c / 8] |= (uint8_t)(1u << (c % 8));
	}
	if (neg)
		for (c = 0; c < 32; c++)
			e->set[c] = (uint8_t)~e->set[c];
	return 0;
}

static int
pattern_compile(const char *text, size_t len, struct pattern **out,
    char *err, size_t errlen)
{
	struct pattern	*p;
	struct pat_elem	*e;
	const char	*close;
	char		 why[256];
	size_t		 i, inner;

	*out = NULL;
	if (len == 0 || len > PATTERN_LEN_MAX) {
		snprintf(err, errlen, len == 0 ? "an empty pattern" :
		    "a pattern longer than %d bytes", PATTERN_LEN_MAX);
		return -1;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->e = calloc(len, sizeof(*p->e))) == NULL ||
	    (p->text = strndup(text, len)) == NULL) {
		pattern_free(p);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < len; i++) {
		e = &p->e[p->n];
		switch (text[i]) {
		case '*':
			p->wild = true;
			/* "**" is "*": one element. */
			if (p->n > 0 && p->e[p->n - 1].kind == PAT_STAR)
				continue;
			e->kind = PAT_STAR;
			break;
		case '?':
			p->wild = true;
			e->kind = PAT_ANY;
			break;
		case '[':
			close = memchr(text + i, ']', len - i);
			if (close == NULL) {
				snprintf(why, sizeof(why), "'[' without ']'");
				goto bad;
			}
			inner = (size_t)(close - text) - i - 1;
			if (inner == 0) {
				snprintf(why, sizeof(why), "'[]' is empty");
				goto bad;
			}
			if (strspn(text + i + 1, "0123456789-,") >= inner) {
				if (pat_range(e, text + i + 1, inner, why,
				    sizeof(why)) == -1)
					goto bad;
			} else {
				p->wild = true;
				if (pat_class(e, text + i + 1, inner, why,
				    sizeof(why)) == -1)
					goto bad;
			}
			i += inner + 1;
			break;
		case ']':
			snprintf(why, sizeof(why), "']' without '['");
			goto bad;
		default:
			if (!proto_name_char((unsigned char)text[i])) {
				snprintf(why, sizeof(why), "'%c' is in no "
				    "slave's name (%s, '*', '?', [...])",
				    text[i], PROTO_NAME_CHARS);
				goto bad;
			}
			e->kind = PAT_CHAR;
			e->c = (unsigned char)text[i];
			break;
		}
		p->n++;
	}
	*out = p;
	return 0;
bad:
	snprintf(err, errlen, "pattern '%.*s': %s", (int)len, text, why);
	pattern_free(p);
	return -1;
}

void
pattern_list_free(struct pattern_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		pattern_free(l->pat[i]);
	free(l->pat);
	memset(l, 0, sizeof(*l));
}

int
pattern_list_parse(struct pattern_list *l, const char *text, char *err,
    size_t errlen)
{
	const char	*s = text, *end;
	struct pattern	*p, **v;
	int		 depth;

	memset(l, 0, sizeof(*l));
	for (;;) {
		/* The next comma outside brackets ends the pattern. */
		depth = 0;
		for (end = s; *end != '\0'; end++) {
			if (*end == '[')
				depth = 1;
			else if (*end == ']')
				depth = 0;
			else if (*end == ',' && depth == 0)
				break;
		}
		if (l->n >= PATTERN_LIST_MAX) {
			snprintf(err, errlen, "more than %d patterns",
			    PATTERN_LIST_MAX);
			goto fail;
		}
		if (pattern_compile(s, (size_t)(end - s), &p, err, errlen) ==
		    -1)
			goto fail;
		if ((v = realloc(l->pat, (l->n + 1) * sizeof(*v))) == NULL) {
			pattern_free(p);
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		l->pat = v;
		l->pat[l->n++] = p;
		l->wild |= p->wild;
		if (*end == '\0')
			return 0;
		s = end + 1;
	}
fail:
	pattern_list_free(l);
	return -1;
}

/* Is the digit string s (len 1..10) one of the range's numbers as written? */
static bool
pat_in_range(const struct pat_elem *e, const char *s, size_t len)
{
	char		 buf[32];
	unsigned long	 v = 0;
	size_t		 i;

	for (i = 0; i < len; i++)
		v = v * 10 + (unsigned long)(s[i] - '0');
	for (i = 0; i < e->nitems; i++) {
		const struct range_item *it = &e->items[i];

		if (v < it->lo || v > it->hi)
			continue;
		snprintf(buf, sizeof(buf), "%0*lu", it->width, v);
		if (strlen(buf) == len && memcmp(buf, s, len) == 0)
			return true;
	}
	return false;
}

static bool
pattern_match(const struct pattern *p, const char *name)
{
	size_t		 len = strlen(name), i, j, k;
	bool		 stack[2][512], *next, *cur, *tmp, ok;
	bool		*heap = NULL;

	if (len + 1 <= sizeof(stack[0]) / sizeof(stack[0][0])) {
		next = stack[0];
		cur = stack[1];
	} else {
		if ((heap = calloc(2 * (len + 1), sizeof(*heap))) == NULL)
			return false;
		next = heap;
		cur = heap + len + 1;
	}
	/* next[j]: the elements after i match name[j..]. */
	for (j = 0; j <= len; j++)
		next[j] = j == len;
	for (i = p->n; i-- > 0; ) {
		const struct pat_elem *e = &p->e[i];
		unsigned char c;

		cur[len] = e->kind == PAT_STAR ? next[len] : false;
		for (j = len; j-- > 0; ) {
			c = (unsigned char)name[j];
			switch (e->kind) {
			case PAT_CHAR:
				cur[j] = c == e->c && next[j + 1];
				break;
			case PAT_ANY:
				cur[j] = next[j + 1];
				break;
			case PAT_CLASS:
				cur[j] = (e->set[c / 8] >> (c % 8) & 1) &&
				    next[j + 1];
				break;
			case PAT_STAR:
				cur[j] = next[j] || cur[j + 1];
				break;
			case PAT_RANGE:
				cur[j] = false;
				for (k = 1; j + k <= len && k <= 10 &&
				    pat_digit(name[j + k - 1]); k++) {
					if (next[j + k] &&
					    pat_in_range(e, name + j, k)) {
						cur[j] = true;
						break;
					}
				}
				break;
			}
		}
		tmp = next;
		next = cur;
		cur = tmp;
	}
	ok = next[0];
	free(heap);
	return ok;
}

bool
pattern_list_match(const struct pattern_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (pattern_match(l->pat[i], name))
			return true;
	return false;
}

/* ---- expansion ---- */

/* The names made so far, each once (open addressing, FNV-1a). */
struct pat_set {
	char	**slot;
	size_t	  nslot;	/* a power of two */
	char	**names;	/* in order */
	size_t	  n;
};

static uint64_t
pat_hash(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 1099511628211ull;
	return h;
}

/* 1 added, 0 there already, -1 out of memory. */
static int
pat_set_add(struct pat_set *set, const char *name)
{
	size_t	 i, nn;
	char	**old, **names, *copy;

	if (set->n * 2 >= set->nslot) {
		old = set->slot;
		nn = set->nslot == 0 ? 64 : set->nslot * 2;
		if ((set->slot = calloc(nn, sizeof(*set->slot))) == NULL) {
			set->slot = old;
			return -1;
		}
		for (i = 0; i < set->nslot; i++) {
			size_t h;

			if (old[i] == NULL)
				continue;
			for (h = pat_hash(old[i]) & (nn - 1);
			    set->slot[h] != NULL; h = (h + 1) & (nn - 1))
				;
			set->slot[h] = old[i];
		}
		free(old);
		set->nslot = nn;
	}
	for (i = pat_hash(name) & (set->nslot - 1); set->slot[i] != NULL;
	    i = (i + 1) & (set->nslot - 1))
		if (strcmp(set->slot[i], name) == 0)
			return 0;
	if ((copy = strdup(name)) == NULL ||
	    (names = realloc(set->names, (set->n + 1) * sizeof(*names))) ==
	    NULL) {
		free(copy);
		return -1;
	}
	set->names = names;
	set->names[set->n++] = copy;
	set->slot[i] = copy;
	return 1;
}

/* How many names p stands for, capped just above max. */
static size_t
pat_count(const struct pattern *p, size_t max)
{
	size_t i, j, n = 1, k;

	for (i = 0; i < p->n; i++) {
		if (p->e[i].kind != PAT_RANGE)
			continue;
		for (k = 0, j = 0; j < p->e[i].nitems; j++) {
			k += p->e[i].items[j].hi - p->e[i].items[j].lo + 1;
			if (k > max)
				return max + 1;
		}
		if (n > (max + 1) / k)
			return max + 1;
		n *= k;
	}
	return n;
}

struct pat_gen {
	const struct pattern_list *exclude;
	struct pat_set		 set;
	char			 buf[PATTERN_LEN_MAX + 16];
	char			*err;
	size_t			 errlen;
};

/* The names p stands for from element i on, buf[0..at) made so far. */
static int
pat_gen(struct pat_gen *g, const struct pattern *p, size_t i, size_t at)
{
	const struct pat_elem	*e;
	unsigned long		 v;
	size_t			 k;
	int			 n;

	if (i == p->n) {
		g->buf[at] = '\0';
		if (!proto_name_ok(g->buf, at)) {
			snprintf(g->err, g->errlen, "pattern '%s' stands for "
			    "'%s', which cannot be a slave's name", p->text,
			    g->buf);
			return -1;
		}
		if (g->exclude != NULL && pattern_list_match(g->exclude,
		    g->buf))
			return 0;
		if (pat_set_add(&g->set, g->buf) == -1) {
			snprintf(g->err, g->errlen, "out of memory");
			return -1;
		}
		return 0;
	}
	e = &p->e[i];
	if (e->kind == PAT_CHAR) {
		g->buf[at] = (char)e->c;
		return pat_gen(g, p, i + 1, at + 1);
	}
	for (k = 0; k < e->nitems; k++) {
		for (v = e->items[k].lo; ; v++) {
			n = snprintf(g->buf + at, sizeof(g->buf) - at, "%0*lu",
			    e->items[k].width, v);
			if (n < 0 || (size_t)n >= sizeof(g->buf) - at) {
				snprintf(g->err, g->errlen, "pattern '%s' "
				    "stands for names too long", p->text);
				return -1;
			}
			if (pat_gen(g, p, i + 1, at + (size_t)n) == -1)
				return -1;
			if (v == e->items[k].hi)
				break;
		}
	}
	return 0;
}

void
pattern_names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int
pattern_expand(const struct pattern_list *l,
    const struct pattern_list *exclude, size_t max, char ***names, size_t *n,
    char *err, size_t errlen)
{
	struct pat_gen	g;
	size_t		i, total = 0;

	*names = NULL;
	*n = 0;
	if (l->wild) {
		snprintf(err, errlen, "the list has wildcards: it names no "
		    "slaves one by one");
		return -1;
	}
	for (i = 0; i < l->n; i++) {
		total += pat_count(l->pat[i], max);
		if (total > max) {
			snprintf(err, errlen, "the list stands for more than "
			    "%zu names", max);
			return -1;
		}
	}
	memset(&g, 0, sizeof(g));
	g.exclude = exclude;
	g.err = err;
	g.errlen = errlen;
	for (i = 0; i < l->n; i++) {
		if (pat_gen(&g, l->pat[i], 0, 0) == -1) {
			free(g.set.slot);
			pattern_names_free(g.set.names, g.set.n);
			return -1;
		}
	}
	free(g.set.slot);
	*names = g.set.names;
	*n = g.set.n;
	return 0;
}

/* ---- the natural order ---- */

int
natural_cmp(const char *a, const char *b)
{
	const unsigned char	*p = (const unsigned char *)a;
	const unsigned char	*q = (const unsigned char *)b;
	const unsigned char	*p0, *q0, *pd, *qd;
	size_t			 lp, lq;
	int			 tie = 0, c;

	while (*p != '\0' && *q != '\0') {
		if (!pat_digit(*p) || !pat_digit(*q)) {
			if (*p != *q)
				return *p < *q ? -1 : 1;
			p++;
			q++;
			continue;
		}
		/* Two numbers: by value (their length without leading zeros,
		 * then their digits); the padding only breaks a tie. */
		p0 = p;
		q0 = q;
		while (*p == '0')
			p++;
		while (*q == '0')
			q++;
		pd = p;
		qd = q;
		while (pat_digit(*p))
			p++;
		while (pat_digit(*q))
			q++;
		lp = (size_t)(p - pd);
		lq = (size_t)(q - qd);
		if (lp != lq)
			return lp < lq ? -1 : 1;
		if ((c = memcmp(pd, qd, lp)) != 0)
			return c < 0 ? -1 : 1;
		if (tie == 0 && pd - p0 != qd - q0)
			tie = pd - p0 < qd - q0 ? -1 : 1;
	}
	if (*p != '\0' || *q != '\0')
		return *p != '\0' ? 1 : -1;
	return tie;
}
