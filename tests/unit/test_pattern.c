/*
 * test_pattern.c - slave names chosen by patterns (common/pattern.c): shell
 * globs, pdsh ranges with and without zero padding, lists with commas inside
 * brackets, the faults said with the pattern, the expansion of a list
 * without wildcards (in order, each name once, less --exclude, bounded), and
 * the natural order of names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pattern.h"

static char err[512];

static void
parse_ok(struct pattern_list *l, const char *text)
{
	if (pattern_list_parse(l, text, err, sizeof(err)) != 0)
		fail_msg("'%s' refused: %s", text, err);
}

static void
parse_bad(const char *text, const char *why)
{
	struct pattern_list l;

	err[0] = '\0';
	if (pattern_list_parse(&l, text, err, sizeof(err)) != -1) {
		pattern_list_free(&l);
		fail_msg("'%s' accepted", text);
	}
	if (strstr(err, why) == NULL)
		fail_msg("'%s': error '%s' lacks '%s'", text, err, why);
	assert_int_equal(l.n, 0);
	assert_null(l.pat);
}

/* Each name of yes matches text, each of no does not. */
static void
matches(const char *text, const char *const *yes, const char *const *no)
{
	struct pattern_list	l;
	size_t			i;

	parse_ok(&l, text);
	for (i = 0; yes[i] != NULL; i++)
		if (!pattern_list_match(&l, yes[i]))
			fail_msg("'%s' should match '%s'", text, yes[i]);
	for (i = 0; no[i] != NULL; i++)
		if (pattern_list_match(&l, no[i]))
			fail_msg("'%s' should not match '%s'", text, no[i]);
	pattern_list_free(&l);
}

#define L(...)	((const char *const []){ __VA_ARGS__, NULL })
#define NONE	((const char *const []){ NULL })

static void
test_globs(void **state)
{
	(void)state;
	matches("vm1", L("vm1"), L("vm", "vm10", "xvm1", "VM1"));
	matches("vm*", L("vm", "vm1", "vm-a.b"), L("v", "avm1"));
	matches("*", L("a", "vm10"), NONE);
	matches("*-db", L("a-db", "-db", "x-y-db"), L("a-dbx", "db"));
	matches("v?1", L("vm1", "vx1"), L("v1", "vmm1"));
	matches("vm[abc]", L("vma", "vmc"), L("vmd", "vm", "vmab"));
	matches("vm[a-c]x", L("vmbx"), L("vmdx"));
	matches("vm[!a-c]", L("vmd", "vm1"), L("vma", "vmc"));
	matches("vm[^0-9]", L("vmz"), L("vm5"));
	matches("*a*b*c*", L("abc", "xaybzc", "aabbcc"), L("acb", "cba"));
	/* Many stars on a long name: answered at once, not in 2^N steps. */
	matches("*a*a*a*a*a*a*a*a*a*a*b",
	    L("aaaaaaaaaab"),
	    L("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac"));
}

static void
test_ranges(void **state)
{
	(void)state;
	/* Zero padding kept: exactly the names pdsh would write. */
	matches("vm[01-16]", L("vm01", "vm07", "vm10", "vm16"),
	    L("vm1", "vm7", "vm00", "vm17", "vm007", "vm"));
	matches("vm[1-16]", L("vm1", "vm9", "vm10", "vm16"),
	    L("vm01", "vm0", "vm17", "vm160"));
	matches("vm[1-4,7]", L("vm1", "vm4", "vm7"), L("vm5", "vm6", "vm8"));
	matches("vm[7]", L("vm7"), L("vm07", "vm77"));
	/* Digits alone are a number, as pdsh has it: vm12, not vm1 or vm2. */
	matches("vm[12]", L("vm12"), L("vm1", "vm2"));
	matches("vm[1,2]", L("vm1", "vm2"), L("vm12"));
	matches("vm[001-100]", L("vm001", "vm099", "vm100"),
	    L("vm1", "vm99", "vm0100"));
	matches("vm[0-9]", L("vm0", "vm9"), L("vm10", "vma"));
	/* A range followed by digits: the range takes what leaves the rest. */
	matches("vm[1-2]0", L("vm10", "vm20"), L("vm1", "vm30", "vm100"));
	matches("rack[1-2]-vm[1-3]", L("rack1-vm1", "rack2-vm3"),
	    L("rack3-vm1", "rack1-vm4", "rack1-vm"));
	matches("*[8-12]", L("a8", "vm12", "x10"), L("vm7", "vm13", "vm"));
	/* Commas inside brackets belong to the range; outside they split. */
	matches("vm[1-2,5],db*", L("vm1", "vm5", "db", "db3"),
	    L("vm3", "d"));
	matches("a,b", L("a", "b"), L("a,b", "ab"));
}

static void
test_faults(void **state)
{
	(void)state;
	parse_bad("vm[1-", "pattern 'vm[1-': '[' without ']'");
	parse_bad("vm]", "']' without '['");
	parse_bad("vm[]", "'[]' is empty");
	parse_bad("vm[16-1]", "range '16-1' goes down");
	parse_bad("vm[1--3]", "not a number");
	parse_bad("vm[1,,3]", "not a number");
	parse_bad("vm[1234567890]", "at most 9 digits");
	parse_bad("", "an empty pattern");
	parse_bad("vm1,", "an empty pattern");
	parse_bad("vm 1", "' ' is in no slave's name");
	parse_bad("vm/1", "'/' is in no slave's name");
	parse_bad("vm[!]", "has no character");
	parse_bad("vm[a-#]", "is not a character of a name");
	parse_bad("ok,bad[", "pattern 'bad['");
}

static void
expand_ok(const char *text, const char *exclude, size_t max,
    const char *want)
{
	struct pattern_list	 l, x;
	char			**names, got[2048] = "";
	size_t			 n, i;

	parse_ok(&l, text);
	if (exclude != NULL)
		parse_ok(&x, exclude);
	if (pattern_expand(&l, exclude != NULL ? &x : NULL, max, &names, &n,
	    err, sizeof(err)) != 0)
		fail_msg("'%s' not expanded: %s", text, err);
	for (i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
		    i > 0 ? " " : "", names[i]);
	if (strcmp(got, want) != 0)
		fail_msg("'%s' expanded to '%s', expected '%s'", text, got,
		    want);
	pattern_names_free(names, n);
	pattern_list_free(&l);
	if (exclude != NULL)
		pattern_list_free(&x);
}

static void
expand_bad(const char *text, size_t max, const char *why)
{
	struct pattern_list	 l;
	char			**names;
	size_t			 n;

	parse_ok(&l, text);
	err[0] = '\0';
	assert_int_equal(pattern_expand(&l, NULL, max, &names, &n, err,
	    sizeof(err)), -1);
	assert_null(names);
	if (strstr(err, why) == NULL)
		fail_msg("'%s': error '%s' lacks '%s'", text, err, why);
	pattern_list_free(&l);
}

static void
test_expand(void **state)
{
	(void)state;
	expand_ok("vm[01-03]", NULL, 100, "vm01 vm02 vm03");
	expand_ok("vm[1-4,7]", NULL, 100, "vm1 vm2 vm3 vm4 vm7");
	expand_ok("vm[8-11]", NULL, 100, "vm8 vm9 vm10 vm11");
	/* In the order written, each name once. */
	expand_ok("b,a,vm[2-3],vm[1-2],a", NULL, 100, "b a vm2 vm3 vm1");
	expand_ok("r[1-2]-vm[1-2]", NULL, 100, "r1-vm1 r1-vm2 r2-vm1 r2-vm2");
	expand_ok("vm[1-6]", "vm[2-3],vm5", 100, "vm1 vm4 vm6");
	expand_ok("vm[1-3]", "*", 100, "");
	expand_ok("vm[1-100]", NULL, 100,
	    "vm1 vm2 vm3 vm4 vm5 vm6 vm7 vm8 vm9 vm10 vm11 vm12 vm13 vm14 "
	    "vm15 vm16 vm17 vm18 vm19 vm20 vm21 vm22 vm23 vm24 vm25 vm26 "
	    "vm27 vm28 vm29 vm30 vm31 vm32 vm33 vm34 vm35 vm36 vm37 vm38 "
	    "vm39 vm40 vm41 vm42 vm43 vm44 vm45 vm46 vm47 vm48 vm49 vm50 "
	    "vm51 vm52 vm53 vm54 vm55 vm56 vm57 vm58 vm59 vm60 vm61 vm62 "
	    "vm63 vm64 vm65 vm66 vm67 vm68 vm69 vm70 vm71 vm72 vm73 vm74 "
	    "vm75 vm76 vm77 vm78 vm79 vm80 vm81 vm82 vm83 vm84 vm85 vm86 "
	    "vm87 vm88 vm89 vm90 vm91 vm92 vm93 vm94 vm95 vm96 vm97 vm98 "
	    "vm99 vm100");
	expand_bad("vm[1-101]", 100, "more than 100 names");
	expand_bad("a[1-999999999]-b[1-999999999]", 1000000,
	    "more than 1000000 names");
	expand_bad("vm*", 100, "wildcards");
	expand_bad("vm[ab]", 100, "wildcards");
	expand_bad(".vm[1-2]", 100, "cannot be a slave's name");
}

static void
test_natural_order(void **state)
{
	static const char *const sorted[] = {
		"a", "alpha", "b", "bravo", "vm", "vm1", "vm01", "vm2", "vm9",
		"vm10", "vm10a", "vm10b", "vm11", "vm100", "vm1000",
		"web-1", "web-2", "web-10", "web1", "x1y2", "x1y10", "x2y1",
	};
	size_t i, j, n = sizeof(sorted) / sizeof(sorted[0]);

	(void)state;
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++) {
			int c = natural_cmp(sorted[i], sorted[j]);
			int want = i < j ? -1 : i > j ? 1 : 0;

			if (c != want)
				fail_msg("natural_cmp('%s', '%s') = %d, "
				    "expected %d", sorted[i], sorted[j], c,
				    want);
		}
	}
	/* Names that sort differently as text and naturally. */
	assert_true(strcmp("vm10", "vm2") < 0);
	assert_true(natural_cmp("vm10", "vm2") > 0);
	assert_true(natural_cmp("rack2-vm10", "rack10-vm2") < 0);
	/* Byte order elsewhere: upper case first. */
	assert_true(natural_cmp("Web", "web") < 0);
	/* Numbers past 64 bits compare by their digits. */
	assert_true(natural_cmp("n99999999999999999999",
	    "n100000000000000000000") < 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_globs),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_natural_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
