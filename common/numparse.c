/*
 * numparse.c - strict number parsing for options and configuration keys.
 *
 * The grammar is deliberately narrow so that a typo is an error, never a
 * different number:
 *	integer	 = DIGIT+			("007" is 7: always decimal)
 *	decimal	 = DIGIT+ [ "." DIGIT+ ] | "." DIGIT+
 *						(".5" is a half; "5." and "."
 *						 are refused)
 *	duration = decimal [ "ms" | "s" | "m" | "min" | "h" | "d" ]
 *						(no unit: seconds)
 *	bytes	 = decimal [ PREFIX [ "iB" | "B" ] | "B" ]
 *		   PREFIX = K | M | G | T | P | E, either case: alone or with
 *		   "iB" powers of 1024, with "B" powers of 1000 ("10MB" is
 *		   10000000, "10M" and "10MiB" are 10485760)
 * No sign, no blanks, no exponent, no hex, no inf/nan, nothing after.
 *
 * A fraction is exact, never rounded through a float: the value is the
 * integer part times the unit plus the fraction times the unit, both in
 * integers ("1.5m" is 90 s exactly, "0.5K" 512 bytes), and a value that is
 * not a whole number of the finest unit (nanoseconds, bytes) is refused
 * rather than rounded ("1.1K", "0.0000000001").
 */
#include <stdio.h>
#include <string.h>

#include "numparse.h"

#define NS_PER_SEC	1000000000ull
#define NS_DIGITS	9	/* decimals of a second */

/*
 * Quote the user's text in a message: at most 40 bytes, non-printable bytes
 * shown as '?', so a binary mess in a file gives a readable line.
 */
static const char *
numparse_show(const char *s, char *buf, size_t buflen)
{
	size_t i, n = strlen(s), max = 40;

	if (buflen < max + 4)
		max = buflen > 4 ? buflen - 4 : 0;
	for (i = 0; i < n && i < max; i++)
		buf[i] = (s[i] >= ' ' && s[i] < 0x7f) ? s[i] : '?';
	if (n > max) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

static void
numparse_not_number(const char *s, const char *what, char *err, size_t errlen)
{
	char show[48];

	if (*s == '\0')
		snprintf(err, errlen, "empty value is not %s", what);
	else
		snprintf(err, errlen, "'%s' is not %s",
		    numparse_show(s, show, sizeof(show)), what);
}

/*
 * Leading decimal digits of s into *v.  Returns the number of digits read
 * (0: none), with *overflow set if they do not fit in 64 bits.
 */
static size_t
numparse_digits(const char *s, uint64_t *v, int *overflow)
{
	size_t i;

	*v = 0;
	*overflow = 0;
	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (*v > (UINT64_MAX - d) / 10)
			*overflow = 1;
		else
			*v = *v * 10 + d;
	}
	return i;
}

int
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out,
    char *err, size_t errlen)
{
	char		show[48];
	uint64_t	v;
	size_t		n;
	int		overflow;

	n = numparse_digits(s, &v, &overflow);
	if (n == 0 || s[n] != '\0') {
		numparse_not_number(s, "a number", err, errlen);
		return -1;
	}
	if (overflow || v < min || v > max) {
		snprintf(err, errlen, "%s is out of range %llu..%llu",
		    numparse_show(s, show, sizeof(show)),
		    (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

int
parse_port(const char *s, uint16_t *out, char *err, size_t errlen)
{
	uint64_t v;

	if (parse_u64(s, 1, 65535, &v, err, errlen) == -1)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int
parse_session(const char *s, uint32_t *out, char *err, size_t errlen)
{
	uint64_t v;

	if (parse_u64(s, 0, UINT32_MAX, &v, err, errlen) == -1)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

const char *
format_seconds(uint64_t ns, char *buf, size_t buflen)
{
	uint64_t	frac = ns % NS_PER_SEC;
	int		digits = NS_DIGITS;

	if (frac == 0) {
		snprintf(buf, buflen, "%llu",
		    (unsigned long long)(ns / NS_PER_SEC));
		return buf;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(buf, buflen, "%llu.%0*llu",
	    (unsigned long long)(ns / NS_PER_SEC), digits,
	    (unsigned long long)frac);
	return buf;
}

/*
 * A decimal as read: the integer part, and the fraction's digits without
 * their trailing zeros ("2.50" is 2 and 5/10).
 */
struct numparse_dec {
	uint64_t	ip;		/* integer part */
	int		ip_overflow;	/* it does not fit in 64 bits */
	uint64_t	fp;		/* fraction's digits, as a number */
	unsigned	fdigits;	/* how many (0: no fraction) */
	int		fp_overflow;	/* more than NUMPARSE_FDIGITS of them */
};

/* 10^19 is the largest power of ten in 64 bits. */
#define NUMPARSE_FDIGITS	19

/*
 * The decimal at the start of s into *d.  Returns the bytes read, 0 if s
 * does not start with one (or has a point without a digit after it).
 */
static size_t
numparse_decimal(const char *s, struct numparse_dec *d)
{
	size_t	n, nf, last = 0, i;

	memset(d, 0, sizeof(*d));
	n = numparse_digits(s, &d->ip, &d->ip_overflow);
	if (s[n] != '.')
		return n;
	for (nf = 0; s[n + 1 + nf] >= '0' && s[n + 1 + nf] <= '9'; nf++)
		if (s[n + 1 + nf] != '0')
			last = nf + 1;
	if (nf == 0)
		return 0;
	/* The digits up to the last one that is not 0. */
	if (last > NUMPARSE_FDIGITS)
		d->fp_overflow = 1;
	else {
		for (i = 0; i < last; i++)
			d->fp = d->fp * 10 + (uint64_t)(s[n + 1 + i] - '0');
		d->fdigits = (unsigned)last;
	}
	return n + 1 + nf;
}

static uint64_t
numparse_gcd(uint64_t a, uint64_t b)
{
	while (b != 0) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/*
 * d times unit, exactly, into *out.  0; -1 if it is not a whole number (a
 * fraction finer than 1 / unit); -2 if it does not fit in 64 bits.
 */
static int
numparse_scale(const struct numparse_dec *d, uint64_t unit, uint64_t *out)
{
	uint64_t	pow10 = 1, g, den, frac = 0;
	unsigned	i;

	if (d->fp_overflow)
		return -1;
	if (d->fdigits > 0) {
		for (i = 0; i < d->fdigits; i++)
			pow10 *= 10;
		/* fp / pow10 * unit = (fp / den) * (unit / g), if den | fp. */
		g = numparse_gcd(unit, pow10);
		den = pow10 / g;
		if (d->fp % den != 0)
			return -1;
		/* fp / den < g: the product is below unit, no overflow. */
		frac = d->fp / den * (unit / g);
	}
	if (d->ip_overflow || d->ip > (UINT64_MAX - frac) / unit)
		return -2;
	*out = d->ip * unit + frac;
	return 0;
}

/* "-5", "-0.5m": a sign where none is allowed, said as such. */
static int
numparse_negative(const char *s)
{
	return s[0] == '-' && ((s[1] >= '0' && s[1] <= '9') || s[1] == '.');
}

#define NS_PER_MS	1000000ull

static const struct numparse_unit {
	const char	*name;
	uint64_t	 ns;
} numparse_time_units[] = {
	{ "", NS_PER_SEC },
	{ "ms", NS_PER_MS },
	{ "s", NS_PER_SEC },
	{ "m", 60 * NS_PER_SEC },
	{ "min", 60 * NS_PER_SEC },
	{ "h", 3600 * NS_PER_SEC },
	{ "d", 86400 * NS_PER_SEC },
};

int
parse_seconds(const char *s, uint64_t min_ns, uint64_t max_ns,
    uint64_t *out_ns, char *err, size_t errlen)
{
	char			 show[48], lo[32], hi[32];
	struct numparse_dec	 d;
	uint64_t		 ns;
	size_t			 n, i;
	int			 rc;

	if (numparse_negative(s)) {
		snprintf(err, errlen, "'%s' is negative (a duration is 0 or "
		    "more)", numparse_show(s, show, sizeof(show)));
		return -1;
	}
	if ((n = numparse_decimal(s, &d)) == 0)
		goto bad;
	for (i = 0; i < sizeof(numparse_time_units) /
	    sizeof(numparse_time_units[0]); i++)
		if (strcmp(s + n, numparse_time_units[i].name) == 0)
			break;
	if (i == sizeof(numparse_time_units) / sizeof(numparse_time_units[0]))
		goto bad;
	rc = numparse_scale(&d, numparse_time_units[i].ns, &ns);
	if (rc == -1) {
		snprintf(err, errlen, "'%s' is finer than a nanosecond (the "
		    "finest unit)", numparse_show(s, show, sizeof(show)));
		return -1;
	}
	if (rc == -2 || ns < min_ns || ns > max_ns) {
		snprintf(err, errlen, "%s is out of range %s..%s seconds",
		    numparse_show(s, show, sizeof(show)),
		    format_seconds(min_ns, lo, sizeof(lo)),
		    format_seconds(max_ns, hi, sizeof(hi)));
		return -1;
	}
	*out_ns = ns;
	return 0;

bad:
	numparse_not_number(s, "a duration (seconds, or a number and a "
	    "unit: 500ms, 30s, 1.5m, 1h, 1d)", err, errlen);
	return -1;
}

const char *
format_bytes(uint64_t v, char *buf, size_t buflen)
{
	static const char suffixes[] = "KMGTPE";
	int i = -1;

	while (v != 0 && v % 1024 == 0 && i < (int)sizeof(suffixes) - 2) {
		v /= 1024;
		i++;
	}
	if (i < 0)
		snprintf(buf, buflen, "%llu", (unsigned long long)v);
	else
		snprintf(buf, buflen, "%llu%c", (unsigned long long)v,
		    suffixes[i]);
	return buf;
}

/*
 * A byte count's unit, s past the number: "", "B", or a prefix alone or
 * with "iB" (1024^n) or "B" (1000^n).  0 if s is none of them.
 */
static uint64_t
numparse_byte_unit(const char *s)
{
	static const char prefixes[] = "KMGTPE";
	const char	*p;
	uint64_t	 base, v = 1;
	char		 c = s[0];
	int		 i;

	if (s[0] == '\0' || strcmp(s, "B") == 0)
		return 1;
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c == '\0' || (p = strchr(prefixes, c)) == NULL)
		return 0;
	if (s[1] == '\0' || strcmp(s + 1, "iB") == 0)
		base = 1024;
	else if (strcmp(s + 1, "B") == 0)
		base = 1000;
	else
		return 0;
	for (i = 0; i <= p - prefixes; i++)
		v *= base;
	return v;
}

int
parse_bytes(const char *s, uint64_t min, uint64_t max, uint64_t *out,
    char *err, size_t errlen)
{
	char			 show[48], lo[32], hi[32];
	struct numparse_dec	 d;
	uint64_t		 unit, v;
	size_t			 n;
	int			 rc;

	if (numparse_negative(s)) {
		snprintf(err, errlen, "'%s' is negative (a byte count is 0 or "
		    "more)", numparse_show(s, show, sizeof(show)));
		return -1;
	}
	if ((n = numparse_decimal(s, &d)) == 0 ||
	    (unit = numparse_byte_unit(s + n)) == 0) {
		numparse_not_number(s, "a byte count (a number and an optional "
		    "unit: K or KiB = 1024, KB = 1000; M, MiB, MB; G, GiB, "
		    "GB; T, TiB, TB)", err, errlen);
		return -1;
	}
	rc = numparse_scale(&d, unit, &v);
	if (rc == -1) {
		snprintf(err, errlen, "'%s' is not a whole number of bytes",
		    numparse_show(s, show, sizeof(show)));
		return -1;
	}
	if (rc == -2 || v < min || v > max) {
		snprintf(err, errlen, "%s is out of range %s..%s",
		    numparse_show(s, show, sizeof(show)),
		    format_bytes(min, lo, sizeof(lo)),
		    format_bytes(max, hi, sizeof(hi)));
		return -1;
	}
	*out = v;
	return 0;
}
