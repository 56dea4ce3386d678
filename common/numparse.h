/*
 * numparse.h - strict number parsing for options and configuration keys.
 *
 * No atoi: the whole string must be a number in range, no sign where none is
 * allowed, no trailing junk, no silent wrap.  On error the functions return -1
 * and write a message such as "70000 is out of range 1..65535" into err.
 */
#ifndef SYNEXEC_NUMPARSE_H
#define SYNEXEC_NUMPARSE_H

#include <stddef.h>
#include <stdint.h>

/* Decimal unsigned integer in [min, max]. */
int	parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out,
	    char *err, size_t errlen);
int	parse_port(const char *s, uint16_t *out, char *err, size_t errlen);
int	parse_session(const char *s, uint32_t *out, char *err, size_t errlen);
/*
 * A duration: a decimal ("0.2", "10", ".5") with an optional unit: ms, s, m
 * (or min), h, d; no unit is seconds.  In [min_ns, max_ns], returned in
 * nanoseconds, exactly ("1.5m" is 90 s): a value finer than a nanosecond is
 * refused, never rounded.  No sign, no exponent, no hex.
 */
int	parse_seconds(const char *s, uint64_t min_ns, uint64_t max_ns,
	    uint64_t *out_ns, char *err, size_t errlen);
/*
 * Bytes: a decimal with an optional unit: K, M, G, T, P, E (either case)
 * alone or with "iB" are powers of 1024, with "B" powers of 1000 ("10MB" is
 * 10^7); "B" alone is bytes.  A fraction must give whole bytes ("1.5K" is
 * 1536, "1.1K" is refused).
 */
int	parse_bytes(const char *s, uint64_t min, uint64_t max, uint64_t *out,
	    char *err, size_t errlen);

/*
 * The other way, for messages and --help: nanoseconds as seconds ("0.1",
 * "86400", "2.5"), bytes with the largest suffix that divides them ("1G").
 * Return buf.
 */
const char *format_seconds(uint64_t ns, char *buf, size_t buflen);
const char *format_bytes(uint64_t v, char *buf, size_t buflen);

#endif
