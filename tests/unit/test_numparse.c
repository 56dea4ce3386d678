/*
 * test_numparse.c - the strict number parsers behind every option and key.
 *
 * Decisions pinned here: "007" is 7 (always decimal, never octal); a point
 * needs a digit after it (".5" is a half, "5." is refused); durations take
 * ms, s, m, min, h, d (no unit: seconds); byte units are K M G T P E in
 * either case, alone or with "iB" (powers of 1024) or "B" (powers of 1000:
 * "10MB" is 10^7); fractions are exact or refused, never rounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "numparse.h"

#define NS	1000000000ull

static char err[256];

#define assert_err_has(word) do {					\
	if (strstr(err, (word)) == NULL)				\
		fail_msg("error '%s' lacks '%s'", err, (word));		\
} while (0)

/* Refused, *out untouched, and the message says why. */
static void
u64_bad(const char *s, uint64_t min, uint64_t max, const char *why)
{
	uint64_t v = 12345;

	err[0] = '\0';
	if (parse_u64(s, min, max, &v, err, sizeof(err)) != -1)
		fail_msg("'%s' accepted as %llu", s, (unsigned long long)v);
	assert_int_equal(v, 12345);
	assert_err_has(why);
}

static uint64_t
u64_ok(const char *s, uint64_t min, uint64_t max)
{
	uint64_t v = 12345;

	if (parse_u64(s, min, max, &v, err, sizeof(err)) != 0)
		fail_msg("'%s' refused: %s", s, err);
	return v;
}

static void
test_u64_accepts(void **state)
{
	(void)state;
	assert_int_equal(u64_ok("0", 0, UINT64_MAX), 0);
	assert_int_equal(u64_ok("1", 0, UINT64_MAX), 1);
	assert_int_equal(u64_ok("007", 0, UINT64_MAX), 7);	/* not octal */
	assert_int_equal(u64_ok("65535", 0, 65535), 65535);
	assert_true(u64_ok("18446744073709551615", 0, UINT64_MAX) ==
	    UINT64_MAX);
	assert_int_equal(u64_ok("5", 5, 5), 5);
}

static void
test_u64_refuses_junk(void **state)
{
	static const char *const junk[] = {
		"-1", "+1", " 1", "1 ", "\t1", "1\n", "0x10", "0X10", "1e3",
		"1.0", "1.", ".1", "12x", "x12", "1,000", "1_000", "inf",
		"nan", "--1", "1-", "\xff", "one",
	};
	size_t i;

	(void)state;
	u64_bad("", 0, UINT64_MAX, "empty value is not a number");
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		u64_bad(junk[i], 0, UINT64_MAX, "is not a number");
	u64_bad("12x", 0, 100, "'12x' is not a number");
	/* The bad byte is shown as '?', not copied into a log line. */
	u64_bad("1\x01", 0, 100, "'1?' is not a number");
}

static void
test_u64_range_and_overflow(void **state)
{
	(void)state;
	u64_bad("18446744073709551616", 0, UINT64_MAX,
	    "18446744073709551616 is out of range 0..18446744073709551615");
	u64_bad("99999999999999999999999999", 0, UINT64_MAX, "out of range");
	u64_bad("70000", 1, 65535, "70000 is out of range 1..65535");
	u64_bad("0", 1, 65535, "0 is out of range 1..65535");
	u64_bad("4", 5, 9, "4 is out of range 5..9");
	u64_bad("10", 5, 9, "10 is out of range 5..9");
}

static void
test_u64_long_input_message(void **state)
{
	char long_junk[200];

	(void)state;
	memset(long_junk, 'x', sizeof(long_junk) - 1);
	long_junk[sizeof(long_junk) - 1] = '\0';
	u64_bad(long_junk, 0, 1, "...' is not a number");
	assert_true(strlen(err) < 80);
}

static void
test_small_error_buffer(void **state)
{
	char		small[8];
	uint64_t	v;

	(void)state;
	memset(small, 'Z', sizeof(small));
	assert_int_equal(parse_u64("70000", 1, 65535, &v, small,
	    sizeof(small)), -1);
	assert_int_equal(small[sizeof(small) - 1], '\0');
	assert_string_equal(small, "70000 i");
}

static void
test_port(void **state)
{
	uint16_t p = 9;

	(void)state;
	assert_int_equal(parse_port("1", &p, err, sizeof(err)), 0);
	assert_int_equal(p, 1);
	assert_int_equal(parse_port("65535", &p, err, sizeof(err)), 0);
	assert_int_equal(p, 65535);
	assert_int_equal(parse_port("5165", &p, err, sizeof(err)), 0);
	assert_int_equal(p, 5165);

	p = 9;
	assert_int_equal(parse_port("65536", &p, err, sizeof(err)), -1);
	assert_string_equal(err, "65536 is out of range 1..65535");
	assert_int_equal(parse_port("70000", &p, err, sizeof(err)), -1);
	assert_string_equal(err, "70000 is out of range 1..65535");
	assert_int_equal(parse_port("0", &p, err, sizeof(err)), -1);
	assert_int_equal(parse_port("-1", &p, err, sizeof(err)), -1);
	assert_string_equal(err, "'-1' is not a number");
	assert_int_equal(parse_port("", &p, err, sizeof(err)), -1);
	assert_int_equal(parse_port("0x10", &p, err, sizeof(err)), -1);
	assert_int_equal(parse_port("65537", &p, err, sizeof(err)), -1);
	/* 2^16 + 5165 must not wrap to 5165. */
	assert_int_equal(parse_port("70701", &p, err, sizeof(err)), -1);
	assert_int_equal(p, 9);
}

static void
test_session(void **state)
{
	uint32_t s = 9;

	(void)state;
	assert_int_equal(parse_session("0", &s, err, sizeof(err)), 0);
	assert_int_equal(s, 0);
	assert_int_equal(parse_session("4294967295", &s, err, sizeof(err)),
	    0);
	assert_true(s == 4294967295u);

	s = 9;
	assert_int_equal(parse_session("4294967296", &s, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "4294967296 is out of range 0..4294967295");
	assert_int_equal(parse_session("-1", &s, err, sizeof(err)), -1);
	assert_int_equal(parse_session("+1", &s, err, sizeof(err)), -1);
	assert_int_equal(parse_session(" 1", &s, err, sizeof(err)), -1);
	assert_int_equal(parse_session("1 ", &s, err, sizeof(err)), -1);
	assert_int_equal(parse_session("", &s, err, sizeof(err)), -1);
	assert_int_equal(s, 9);
}

static uint64_t
sec_ok(const char *s, uint64_t min, uint64_t max)
{
	uint64_t v = 12345;

	if (parse_seconds(s, min, max, &v, err, sizeof(err)) != 0)
		fail_msg("'%s' refused: %s", s, err);
	return v;
}

static void
sec_bad(const char *s, uint64_t min, uint64_t max, const char *why)
{
	uint64_t v = 12345;

	err[0] = '\0';
	if (parse_seconds(s, min, max, &v, err, sizeof(err)) != -1)
		fail_msg("'%s' accepted as %llu ns", s, (unsigned long long)v);
	assert_int_equal(v, 12345);
	assert_err_has(why);
}

static void
test_seconds_accepts(void **state)
{
	(void)state;
	assert_int_equal(sec_ok("0.2", 0, 86400 * NS), 200000000);
	assert_int_equal(sec_ok("1", 0, 86400 * NS), NS);
	assert_int_equal(sec_ok("0", 0, 86400 * NS), 0);
	assert_int_equal(sec_ok("2.5", 0, 86400 * NS), 2500000000ull);
	assert_int_equal(sec_ok("0.123456789", 0, NS), 123456789);
	assert_int_equal(sec_ok("0.000000001", 0, NS), 1);
	assert_int_equal(sec_ok("10.50", 0, 86400 * NS), 10500000000ull);
	assert_int_equal(sec_ok("86400", NS / 10, 86400 * NS), 86400 * NS);
	assert_int_equal(sec_ok("0.1", NS / 10, 86400 * NS), NS / 10);
	assert_int_equal(sec_ok("007", 0, 86400 * NS), 7 * NS);
	/* Trailing zeros past the ninth decimal change nothing. */
	assert_int_equal(sec_ok("0.1234567890000", 0, NS), 123456789);
	/* The largest representable instant, exactly. */
	assert_true(sec_ok("18446744073.709551615", 0, UINT64_MAX) ==
	    UINT64_MAX);
}

/* Units and fractions, exactly: no float on the way. */
static void
test_seconds_units(void **state)
{
	(void)state;
	assert_int_equal(sec_ok(".5", 0, 86400 * NS), NS / 2);
	assert_int_equal(sec_ok("500ms", 0, 86400 * NS), NS / 2);
	assert_int_equal(sec_ok("30s", 0, 86400 * NS), 30 * NS);
	assert_int_equal(sec_ok("5m", 0, 86400 * NS), 300 * NS);
	assert_int_equal(sec_ok("5min", 0, 86400 * NS), 300 * NS);
	assert_int_equal(sec_ok("1h", 0, 86400 * NS), 3600 * NS);
	assert_int_equal(sec_ok("1d", 0, 86400 * NS), 86400 * NS);
	assert_int_equal(sec_ok("1.5m", 0, 86400 * NS), 90 * NS);
	assert_int_equal(sec_ok(".5m", 0, 86400 * NS), 30 * NS);
	assert_int_equal(sec_ok("0.25h", 0, 86400 * NS), 900 * NS);
	assert_int_equal(sec_ok("1.5ms", 0, 86400 * NS), 1500000);
	assert_int_equal(sec_ok("0.000001ms", 0, 86400 * NS), 1);
	assert_int_equal(sec_ok("0ms", 0, 86400 * NS), 0);
	/* 0.1 s is not 0.1 in binary: still exactly 10^8 ns. */
	assert_int_equal(sec_ok("0.1s", 0, 86400 * NS), 100000000);
	assert_int_equal(sec_ok("0.7s", 0, 86400 * NS), 700000000);
	/* 5e-12 h is 18 ns, exactly. */
	assert_int_equal(sec_ok("1.000000000005h", 0, 86400 * NS),
	    3600 * NS + 18);
	assert_true(sec_ok("213503d", 0, UINT64_MAX) ==
	    213503ull * 86400 * NS);
	assert_int_equal(sec_ok("30d", 0, 30 * 86400 * NS), 30 * 86400 * NS);
}

static void
test_seconds_refuses(void **state)
{
	static const char *const junk[] = {
		"5.", ".", "+1", " 1", "1 ", "1e3", "1E3", "0x10", "inf",
		"nan", "1.2.3", "1,5", "", "1..2", "0.5e1", "5M", "5S",
		"5 m", "5mm", "5sec", "1ms5", "ms", "s", "1.s", "5ns", "5us",
		"1h30m", "5m ", "\t5", "5D", ".m",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		sec_bad(junk[i], 0, 86400 * NS, "is not a duration");
	sec_bad("5x", 0, 86400 * NS, "'5x' is not a duration (seconds, or a "
	    "number and a unit: 500ms, 30s, 1.5m, 1h, 1d)");
	sec_bad("", 0, 86400 * NS, "empty value is not a duration");
	sec_bad("-1", 0, 86400 * NS, "'-1' is negative (a duration is 0 or "
	    "more)");
	sec_bad("-0.5m", 0, 86400 * NS, "'-0.5m' is negative");
	sec_bad("-.5", 0, 86400 * NS, "is negative");
	sec_bad("0.1234567891", 0, 86400 * NS,
	    "'0.1234567891' is finer than a nanosecond (the finest unit)");
	sec_bad("0.0000001ms", 0, 86400 * NS, "finer than a nanosecond");
	sec_bad("0.3333333333333h", 0, 86400 * NS, "finer than a nanosecond");
	sec_bad("1.00000000000000000000000001", 0, 86400 * NS,
	    "finer than a nanosecond");
	sec_bad("0.05", NS / 10, 86400 * NS,
	    "0.05 is out of range 0.1..86400 seconds");
	sec_bad("86400.000000001", NS / 10, 86400 * NS, "out of range");
	sec_bad("0", 1, 3600 * NS, "0 is out of range 0.000000001..3600");
	sec_bad("3601", NS, 3600 * NS, "3601 is out of range 1..3600 seconds");
	sec_bad("2h", NS, 3600 * NS, "2h is out of range 1..3600 seconds");
	sec_bad("60.000000001m", 0, 3600 * NS, "out of range");
	/* Overflow of the nanosecond count, not a wrap. */
	sec_bad("18446744074", 0, UINT64_MAX, "out of range");
	sec_bad("18446744073.709551616", 0, UINT64_MAX, "out of range");
	sec_bad("99999999999999999999999", 0, UINT64_MAX, "out of range");
	sec_bad("213504d", 0, UINT64_MAX, "213504d is out of range");
	sec_bad("5124095577h", 0, UINT64_MAX, "out of range");
	sec_bad("2.25", 2500000000ull, 3 * NS,
	    "2.25 is out of range 2.5..3");
}

static uint64_t
bytes_ok(const char *s, uint64_t min, uint64_t max)
{
	uint64_t v = 12345;

	if (parse_bytes(s, min, max, &v, err, sizeof(err)) != 0)
		fail_msg("'%s' refused: %s", s, err);
	return v;
}

static void
bytes_bad(const char *s, uint64_t min, uint64_t max, const char *why)
{
	uint64_t v = 12345;

	err[0] = '\0';
	if (parse_bytes(s, min, max, &v, err, sizeof(err)) != -1)
		fail_msg("'%s' accepted as %llu", s, (unsigned long long)v);
	assert_int_equal(v, 12345);
	assert_err_has(why);
}

static void
test_bytes(void **state)
{
	(void)state;
	assert_int_equal(bytes_ok("0", 0, UINT64_MAX), 0);
	assert_int_equal(bytes_ok("512", 0, UINT64_MAX), 512);
	assert_int_equal(bytes_ok("512B", 0, UINT64_MAX), 512);
	assert_int_equal(bytes_ok("1K", 0, UINT64_MAX), 1024);
	assert_int_equal(bytes_ok("1k", 0, UINT64_MAX), 1024);
	assert_int_equal(bytes_ok("10M", 0, UINT64_MAX), 10485760);
	assert_int_equal(bytes_ok("10m", 0, UINT64_MAX), 10485760);
	assert_int_equal(bytes_ok("1G", 0, UINT64_MAX), 1073741824);
	assert_true(bytes_ok("3T", 0, UINT64_MAX) == 3ull << 40);
	assert_true(bytes_ok("15E", 0, UINT64_MAX) == 15ull << 60);
	assert_true(bytes_ok("18446744073709551615", 0, UINT64_MAX) ==
	    UINT64_MAX);
}

/* K/KiB are 1024, KB 1000; and so on up; fractions of whole bytes. */
static void
test_bytes_units(void **state)
{
	(void)state;
	assert_int_equal(bytes_ok("1KiB", 0, UINT64_MAX), 1024);
	assert_int_equal(bytes_ok("1kiB", 0, UINT64_MAX), 1024);
	assert_int_equal(bytes_ok("1KB", 0, UINT64_MAX), 1000);
	assert_int_equal(bytes_ok("1kB", 0, UINT64_MAX), 1000);
	assert_int_equal(bytes_ok("10MiB", 0, UINT64_MAX), 10485760);
	assert_int_equal(bytes_ok("10MB", 0, UINT64_MAX), 10000000);
	assert_int_equal(bytes_ok("1GiB", 0, UINT64_MAX), 1073741824);
	assert_int_equal(bytes_ok("1GB", 0, UINT64_MAX), 1000000000);
	assert_true(bytes_ok("2TiB", 0, UINT64_MAX) == 2ull << 40);
	assert_true(bytes_ok("2TB", 0, UINT64_MAX) == 2000000000000ull);
	assert_true(bytes_ok("1PB", 0, UINT64_MAX) == 1000000000000000ull);
	assert_true(bytes_ok("18EB", 0, UINT64_MAX) ==
	    18000000000000000000ull);
	assert_int_equal(bytes_ok("1.5K", 0, UINT64_MAX), 1536);
	assert_int_equal(bytes_ok(".5M", 0, UINT64_MAX), 524288);
	assert_int_equal(bytes_ok("1.5KB", 0, UINT64_MAX), 1500);
	assert_int_equal(bytes_ok("2.5GB", 0, UINT64_MAX), 2500000000ull);
	assert_int_equal(bytes_ok("1.000", 0, UINT64_MAX), 1);
	assert_int_equal(bytes_ok("0.0009765625K", 0, UINT64_MAX), 1);
}

static void
test_bytes_refuses(void **state)
{
	static const char *const junk[] = {
		"", "M", "10 M", " 10M", "10M ", "+1", "0x10", "1e3", "10X",
		"1KK", "10Mb", "10MIB", "10Mib", "10iB", "B5", "1.", ".", "KB",
		"10b", "1BB", "1KiBs", "1.5.K", "inf", "1,5K", "1 KB",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		bytes_bad(junk[i], 0, UINT64_MAX, "is not a byte count");
	bytes_bad("10X", 0, UINT64_MAX, "'10X' is not a byte count (a number "
	    "and an optional unit: K or KiB = 1024, KB = 1000; M, MiB, MB; "
	    "G, GiB, GB; T, TiB, TB)");
	bytes_bad("-1", 0, UINT64_MAX, "'-1' is negative (a byte count is 0 "
	    "or more)");
	bytes_bad("-1K", 0, UINT64_MAX, "is negative");
	bytes_bad("1.1K", 0, UINT64_MAX, "'1.1K' is not a whole number of "
	    "bytes");
	bytes_bad("0.5", 0, UINT64_MAX, "not a whole number of bytes");
	bytes_bad("1.0001KB", 0, UINT64_MAX, "not a whole number of bytes");
	bytes_bad("16E", 0, UINT64_MAX, "16E is out of range");
	bytes_bad("16EiB", 0, UINT64_MAX, "16EiB is out of range");
	bytes_bad("19EB", 0, UINT64_MAX, "19EB is out of range");
	bytes_bad("17179869184G", 0, UINT64_MAX, "out of range");
	bytes_bad("18446744073709551616", 0, UINT64_MAX, "out of range");
	bytes_bad("2G", 0, 1ull << 30, "2G is out of range 0..1G");
	bytes_bad("1.5GB", 0, 1ull << 30, "1.5GB is out of range 0..1G");
	bytes_bad("1023", 1024, 1ull << 30, "1023 is out of range 1K..1G");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64_accepts),
		cmocka_unit_test(test_u64_refuses_junk),
		cmocka_unit_test(test_u64_range_and_overflow),
		cmocka_unit_test(test_u64_long_input_message),
		cmocka_unit_test(test_small_error_buffer),
		cmocka_unit_test(test_port),
		cmocka_unit_test(test_session),
		cmocka_unit_test(test_seconds_accepts),
		cmocka_unit_test(test_seconds_units),
		cmocka_unit_test(test_seconds_refuses),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_bytes_units),
		cmocka_unit_test(test_bytes_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
