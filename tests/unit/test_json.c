/*
 * test_json.c - the results file's JSON writer: string escaping (quote,
 * backslash, control bytes, UTF-8 kept, invalid UTF-8 replaced, C1, U+2028
 * and other invisible characters named), number formats, and the shape of
 * nested objects and arrays.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "json.h"

/* Escape len bytes of s; the result, NUL-terminated (caller frees). */
static char *
escaped(const void *s, size_t len)
{
	char	*buf = NULL;
	size_t	 n = 0;
	FILE	*f = open_memstream(&buf, &n);

	assert_non_null(f);
	json_escape(f, s, len);
	fclose(f);
	return buf;
}

#define assert_escape(in, len, out) do {				\
	char *got_ = escaped((in), (len));				\
	if (strcmp(got_, (out)) != 0)					\
		fail_msg("escaped to %s, expected %s", got_, (out));	\
	free(got_);							\
} while (0)

static void
test_escape_specials(void **state)
{
	(void)state;
	assert_escape("plain", 5, "\"plain\"");
	assert_escape("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	assert_escape("\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"");
	assert_escape("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
	/* A NUL inside the given length is a byte like any other. */
	assert_escape("a\0b", 3, "\"a\\u0000b\"");
	assert_escape("", 0, "\"\"");
}

static void
test_escape_utf8(void **state)
{
	(void)state;
	/* Valid sequences of 2, 3 and 4 bytes pass through. */
	assert_escape("caf\xc3\xa9", 5, "\"caf\xc3\xa9\"");
	assert_escape("\xe2\x82\xac", 3, "\"\xe2\x82\xac\"");
	assert_escape("\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\"");
	/* Line and paragraph separators are escaped for JavaScript. */
	assert_escape("\xe2\x80\xa8\xe2\x80\xa9", 6, "\"\\u2028\\u2029\"");
	/*
	 * C1 controls (CSI U+009B: ESC [ to a terminal that prints the value
	 * with jq -r) and invisible ones (a right-to-left override, a tag)
	 * are named, not written.
	 */
	assert_escape("\xc2\x9b" "2J\xc2\x80\xc2\x9f", 8,
	    "\"\\u009b2J\\u0080\\u009f\"");
	assert_escape("\xe2\x80\xae", 3, "\"\\u202e\"");
	assert_escape("\xf3\xa0\x80\x81", 4, "\"\\udb40\\udc01\"");
	/* The raw C1 byte is not UTF-8 at all. */
	assert_escape("\x9b", 1, "\"\\ufffd\"");
	/* U+00A0, the first character after C1, is one. */
	assert_escape("\xc2\xa0", 2, "\"\xc2\xa0\"");
}

static void
test_escape_invalid_utf8(void **state)
{
	(void)state;
	assert_escape("\xff", 1, "\"\\ufffd\"");
	/* Lone continuation byte, truncated sequence at the end. */
	assert_escape("a\x80z", 3, "\"a\\ufffdz\"");
	assert_escape("\xe2\x82", 2, "\"\\ufffd\\ufffd\"");
	/* Overlong forms, a surrogate, beyond U+10FFFF. */
	assert_escape("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");
	assert_escape("\xe0\x80\xaf", 3, "\"\\ufffd\\ufffd\\ufffd\"");
	assert_escape("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
	assert_escape("\xf4\x90\x80\x80", 4,
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* A bad byte does not swallow the good one after it. */
	assert_escape("\xc3" "A", 2, "\"\\ufffdA\"");
}

static void
test_document(void **state)
{
	struct json	 j;
	char		*buf = NULL;
	size_t		 n = 0;
	FILE		*f = open_memstream(&buf, &n);

	(void)state;
	assert_non_null(f);
	json_init(&j, f);
	json_begin_object(&j, NULL);
	json_u64(&j, "u", UINT64_MAX);
	json_i64(&j, "i", INT64_MIN);
	json_seconds(&j, "s", -1500000000);
	json_seconds(&j, "m", INT64_MIN);
	json_useconds(&j, "t", 1700000000123456789ull);
	json_bool(&j, "b", true);
	json_null(&j, "n");
	json_string(&j, "nul", NULL);
	json_begin_array(&j, "a");
	json_u64(&j, NULL, 1);
	json_begin_object(&j, NULL);
	json_end_object(&j);
	json_end_array(&j);
	json_begin_array(&j, "e");
	json_end_array(&j);
	json_end_object(&j);
	assert_int_equal(json_finish(&j), 0);
	fclose(f);
	assert_string_equal(buf,
	    "{\n"
	    "  \"u\": 18446744073709551615,\n"
	    "  \"i\": -9223372036854775808,\n"
	    "  \"s\": -1.500000000,\n"
	    "  \"m\": -9223372036.854775808,\n"
	    "  \"t\": 1700000000.123456789,\n"
	    "  \"b\": true,\n"
	    "  \"n\": null,\n"
	    "  \"nul\": null,\n"
	    "  \"a\": [\n"
	    "    1,\n"
	    "    {}\n"
	    "  ],\n"
	    "  \"e\": []\n"
	    "}\n");
	free(buf);
}

static void
test_unbalanced_and_deep(void **state)
{
	struct json	 j;
	char		*buf = NULL;
	size_t		 n = 0;
	FILE		*f = open_memstream(&buf, &n);
	int		 i;

	(void)state;
	json_init(&j, f);
	json_begin_object(&j, NULL);
	assert_int_equal(json_finish(&j), -1);	/* left open */

	json_init(&j, f);
	json_end_array(&j);			/* closed, never opened */
	assert_int_equal(json_finish(&j), -1);

	json_init(&j, f);
	for (i = 0; i < JSON_DEPTH_MAX + 1; i++)
		json_begin_array(&j, NULL);
	assert_true(j.error);
	fclose(f);
	free(buf);
}

/* Doubles, shortest first; a flat object on one line inside an array. */
static void
test_double_and_flat(void **state)
{
	struct json	 j;
	char		*buf = NULL;
	size_t		 n = 0;
	FILE		*f = open_memstream(&buf, &n);

	(void)state;
	assert_non_null(f);
	json_init(&j, f);
	json_begin_array(&j, NULL);
	json_double(&j, NULL, 0.1);
	json_double(&j, NULL, 1.2e6);
	json_double(&j, NULL, -3.5);
	json_double(&j, NULL, 1.0 / 3);
	json_double(&j, NULL, 1.7976931348623157e308);
	json_double(&j, NULL, NAN);
	json_double(&j, NULL, -INFINITY);
	json_begin_object(&j, NULL);
	json_flat(&j, true);
	json_double(&j, "t", 0.25);
	json_string(&j, "s", "x");
	json_begin_object(&j, "m");
	json_double(&j, "a", 2);
	json_end_object(&j);
	json_end_object(&j);
	json_flat(&j, false);
	json_u64(&j, NULL, 7);
	json_end_array(&j);
	assert_int_equal(json_finish(&j), 0);
	fclose(f);
	assert_string_equal(buf,
	    "[\n"
	    "  0.1,\n"
	    "  1200000,\n"
	    "  -3.5,\n"
	    "  0.33333333333333331,\n"
	    "  1.7976931348623157e+308,\n"
	    "  null,\n"
	    "  null,\n"
	    "  {\"t\": 0.25, \"s\": \"x\", \"m\": {\"a\": 2}},\n"
	    "  7\n"
	    "]\n");
	free(buf);
}

/* The same numbers as text, for the CSV file; none for NaN. */
static void
test_double_text(void **state)
{
	char buf[40];

	(void)state;
	assert_string_equal(json_double_text(0.1, buf, sizeof(buf)), "0.1");
	assert_string_equal(json_double_text(1.2e6, buf, sizeof(buf)),
	    "1200000");
	assert_string_equal(json_double_text(-3.5, buf, sizeof(buf)), "-3.5");
	assert_string_equal(json_double_text(1.0 / 3, buf, sizeof(buf)),
	    "0.33333333333333331");
	assert_string_equal(json_double_text(1e-300, buf, sizeof(buf)),
	    "1e-300");
	assert_null(json_double_text(NAN, buf, sizeof(buf)));
	assert_null(json_double_text(INFINITY, buf, sizeof(buf)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_specials),
		cmocka_unit_test(test_escape_utf8),
		cmocka_unit_test(test_escape_invalid_utf8),
		cmocka_unit_test(test_document),
		cmocka_unit_test(test_unbalanced_and_deep),
		cmocka_unit_test(test_double_and_flat),
		cmocka_unit_test(test_double_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
