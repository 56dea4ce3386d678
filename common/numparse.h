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
 * Seconds as a decimal with up to 9 fractional digits ("0.2", "10", "1.5"),
 * in [min_ns, max_ns], returned in nanoseconds.  No exponent, no hex.
 */
int	parse_seconds(const char *s, uint64_t min_ns, uint64_t max_ns,
	    uint64_t *out_ns, char *err, size_t errlen);
/* Bytes with an optional K, M, G or T suffix (powers of 1024). */
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
