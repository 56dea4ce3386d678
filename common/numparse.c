/*
 * numparse.c - strict number parsing for options and configuration keys.
 *
 * The grammar is deliberately narrow so that a typo is an error, never a
 * different number:
 *	integer	 = DIGIT+			("007" is 7: always decimal)
 *	seconds	 = DIGIT+ [ "." DIGIT{1,9} ]	(".5" and "5." are refused:
 *						 a point needs digits on both
 *						 sides, as in the examples)
 *	bytes	 = DIGIT+ [ "K" | "M" | "G" | "T" | "P" | "E" ]
 *						(powers of 1024, either case)
 * No sign, no blanks, no exponent, no hex, no inf/nan, nothing after.
 */
#include <stdio.h>
#include <string.h>

#include "numparse.h"

#define NS_PER_SEC	1000000000ull
#define SECONDS_DIGITS	9

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
	int		digits = SECONDS_DIGITS;

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

int
parse_seconds(const char *s, uint64_t min_ns, uint64_t max_ns,
    uint64_t *out_ns, char *err, size_t errlen)
{
	char		show[48], lo[32], hi[32];
	uint64_t	secs, frac = 0, ns;
	size_t		n, nfrac = 0;
	int		overflow, frac_overflow;

	n = numparse_digits(s, &secs, &overflow);
	if (n == 0)
		goto bad;
	if (s[n] == '.') {
		nfrac = numparse_digits(s + n + 1, &frac, &frac_overflow);
		if (nfrac == 0)
			goto bad;
		if (nfrac > SECONDS_DIGITS) {
			snprintf(err, errlen, "'%s' has more than %d decimals "
			    "(nanoseconds are the finest unit)",
			    numparse_show(s, show, sizeof(show)),
			    SECONDS_DIGITS);
			return -1;
		}
		n += 1 + nfrac;
	}
	if (s[n] != '\0')
		goto bad;
	for (; nfrac < SECONDS_DIGITS; nfrac++)
		frac *= 10;
	if (overflow || secs > (UINT64_MAX - frac) / NS_PER_SEC)
		goto range;
	ns = secs * NS_PER_SEC + frac;
	if (ns < min_ns || ns > max_ns)
		goto range;
	*out_ns = ns;
	return 0;

bad:
	numparse_not_number(s, "a number of seconds", err, errlen);
	return -1;
range:
	snprintf(err, errlen, "%s is out of range %s..%s",
	    numparse_show(s, show, sizeof(show)),
	    format_seconds(min_ns, lo, sizeof(lo)),
	    format_seconds(max_ns, hi, sizeof(hi)));
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

int
parse_bytes(const char *s, uint64_t min, uint64_t max, uint64_t *out,
    char *err, size_t errlen)
{
	static const char suffixes[] = "KMGTPE";
	char		show[48], lo[32], hi[32];
	const char	*p;
	uint64_t	v;
	size_t		n;
	int		overflow, shift = 0;

	n = numparse_digits(s, &v, &overflow);
	if (n == 0)
		goto bad;
	if (s[n] != '\0') {
		char c = s[n];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if ((p = strchr(suffixes, c)) == NULL || s[n + 1] != '\0')
			goto bad;
		shift = 10 * (int)(p - suffixes + 1);
	}
	if (overflow || (shift > 0 && v > (UINT64_MAX >> shift)))
		goto range;
	v <<= shift;
	if (v < min || v > max)
		goto range;
	*out = v;
	return 0;

bad:
	numparse_not_number(s, "a byte count (digits and an optional "
	    "K, M, G or T)", err, errlen);
	return -1;
range:
	snprintf(err, errlen, "%s is out of range %s..%s",
	    numparse_show(s, show, sizeof(show)),
	    format_bytes(min, lo, sizeof(lo)),
	    format_bytes(max, hi, sizeof(hi)));
	return -1;
}
