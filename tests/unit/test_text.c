/*
 * test_text.c - the inert form of untrusted text (common/text.c): printable
 * ASCII kept, a backslash doubled, every control byte (C0, DEL, the C1 byte
 * 0x9b and its UTF-8 form C2 9B), ESC sequences, CR and bytes that are not
 * UTF-8 written \xNN; printable UTF-8 kept only when asked (terminal), and
 * then not C1 nor the invisible characters; a short buffer ends at a whole
 * escape; the stream form writes the same; the locale's character set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text.h"

/* Both forms must agree: the buffer's and the stream's. */
static void
check(const char *in, size_t len, unsigned flags, const char *want)
{
	char	 out[256], *buf = NULL;
	size_t	 n, blen = 0;
	FILE	*f;

	n = text_inert(out, sizeof(out), in, len, flags);
	if (strcmp(out, want) != 0 || n != strlen(want))
		fail_msg("text_inert gave \"%s\" (%zu), expected \"%s\"", out,
		    n, want);
	assert_non_null(f = open_memstream(&buf, &blen));
	text_inert_put(f, in, len, flags);
	fclose(f);
	if (strcmp(buf, want) != 0)
		fail_msg("text_inert_put gave \"%s\", expected \"%s\"", buf,
		    want);
	free(buf);
}

static void
test_ascii(void **state)
{
	(void)state;
	check("plain text: 42 (ok) ~!", 22, 0, "plain text: 42 (ok) ~!");
	check("", 0, 0, "");
	/* Every backslash in the result is one of ours. */
	check("C:\\x41", 6, 0, "C:\\\\x41");
}

static void
test_controls(void **state)
{
	(void)state;
	/* A terminal title, a screen clear, a fake log line after CR. */
	check("\033]0;pwned\007", 10, 0, "\\x1b]0;pwned\\x07");
	check("\033[2J", 4, 0, "\\x1b[2J");
	check("ok\rslave: fake", 14, 0, "ok\\x0dslave: fake");
	check("a\nb\0c\x7f", 6, 0, "a\\x0ab\\x00c\\x7f");
	/* A tab only where asked. */
	check("a\tb", 3, 0, "a\\x09b");
	check("a\tb", 3, TEXT_TAB, "a\tb");
}

static void
test_c1(void **state)
{
	(void)state;
	/* The CSI byte raw, and as UTF-8 (U+009B), with and without UTF-8. */
	check("\x9b" "2J", 3, 0, "\\x9b2J");
	check("\x9b" "2J", 3, TEXT_UTF8, "\\x9b2J");
	check("\xc2\x9b" "2J", 4, 0, "\\xc2\\x9b2J");
	check("\xc2\x9b" "2J", 4, TEXT_UTF8, "\\xc2\\x9b2J");
	check("\xc2\x80\xc2\x9f", 4, TEXT_UTF8, "\\xc2\\x80\\xc2\\x9f");
}

static void
test_utf8(void **state)
{
	(void)state;
	/* Printable UTF-8: kept for a terminal that takes it, else escaped. */
	check("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14, TEXT_UTF8,
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	check("caf\xc3\xa9", 5, 0, "caf\\xc3\\xa9");
	check("\xc2\xa0", 2, TEXT_UTF8, "\xc2\xa0");
	/* Invalid: lone continuation, cut short, overlong, surrogate, F5. */
	check("a\x80z", 3, TEXT_UTF8, "a\\x80z");
	check("\xe2\x82", 2, TEXT_UTF8, "\\xe2\\x82");
	check("\xc0\xaf", 2, TEXT_UTF8, "\\xc0\\xaf");
	check("\xed\xa0\x80", 3, TEXT_UTF8, "\\xed\\xa0\\x80");
	check("\xf5\x80\x80\x80", 4, TEXT_UTF8, "\\xf5\\x80\\x80\\x80");
	/* A bad lead byte does not swallow the good one after it. */
	check("\xc3" "A", 2, TEXT_UTF8, "\\xc3A");
	/* Invisible: a right-to-left override, a line separator, a BOM. */
	check("\xe2\x80\xae" "abc", 6, TEXT_UTF8, "\\xe2\\x80\\xaeabc");
	check("\xe2\x80\xa8", 3, TEXT_UTF8, "\\xe2\\x80\\xa8");
	check("\xef\xbb\xbf", 3, TEXT_UTF8, "\\xef\\xbb\\xbf");
}

static void
test_short_buffer(void **state)
{
	char out[8];

	(void)state;
	/* "ab" and "\x1b" fit in 7 bytes; the next escape does not. */
	assert_int_equal(text_inert(out, sizeof(out), "ab\033\033", 4, 0), 6);
	assert_string_equal(out, "ab\\x1b");
	/* A UTF-8 character goes whole or not at all. */
	assert_int_equal(text_inert(out, 6, "abcd\xc3\xa9", 6, TEXT_UTF8), 4);
	assert_string_equal(out, "abcd");
	assert_int_equal(text_inert(out, 1, "abc", 3, 0), 0);
	assert_string_equal(out, "");
}

static void
test_worst_case(void **state)
{
	char	in[64], out[TEXT_INERT_SIZE(64)];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (char)(0x80 + i);
	assert_int_equal(text_inert(out, sizeof(out), in, sizeof(in),
	    TEXT_UTF8), 4 * sizeof(in));
}

static void
test_terminal_flags(void **state)
{
	(void)state;
	unsetenv("LC_ALL");
	unsetenv("LC_CTYPE");
	setenv("LANG", "en_US.UTF-8", 1);
	assert_int_equal(text_terminal_flags(), TEXT_UTF8);
	setenv("LANG", "C.utf8", 1);
	assert_int_equal(text_terminal_flags(), TEXT_UTF8);
	setenv("LC_CTYPE", "en_US.ISO-8859-1", 1);
	assert_int_equal(text_terminal_flags(), 0);
	setenv("LC_ALL", "de_DE.UTF-8@euro", 1);
	assert_int_equal(text_terminal_flags(), TEXT_UTF8);
	setenv("LC_ALL", "C", 1);
	assert_int_equal(text_terminal_flags(), 0);
	unsetenv("LC_ALL");
	unsetenv("LC_CTYPE");
	unsetenv("LANG");
	assert_int_equal(text_terminal_flags(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii),
		cmocka_unit_test(test_controls),
		cmocka_unit_test(test_c1),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_short_buffer),
		cmocka_unit_test(test_worst_case),
		cmocka_unit_test(test_terminal_flags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
