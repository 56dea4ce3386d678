/*
 * test_opt.c - the option tables and what is made from them (common/opt*.c):
 * both programs' tables are well formed and agree on the keys they share;
 * values are parsed and checked by kind; the command line's two passes;
 * --help's layout, on a table of this test's own and on the programs'.
 *
 * Usage errors exit the process: they are tested end to end instead
 * (tests/integration/conf_syntax.sh, exit_codes.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf.h"
#include "opt.h"

struct t_opts {
	bool		flag;
	int		count;
	uint16_t	port;
	uint64_t	secs;
	uint64_t	bytes;
	char		*str;
	char		*host;
	char		*config;
	char		*act;
	struct opt_list	list;
};

#define T(field)	OPT_AT(struct t_opts, field)

static const struct opt t_table[] = {
	{ .name = "help", .letter = 'h', .kind = OPT_HELP,
	  .flags = OPTF_USAGE, .help = "print this help" },
	{ .name = "flag", .letter = 'f', .key = "flag", .kind = OPT_FLAG,
	  T(flag), .flags = OPTF_USAGE, .help = "a flag" },
	{ .name = "verbose", .letter = 'v', .key = "verbose",
	  .kind = OPT_COUNT, .max = 3, T(count), .flags = OPTF_USAGE,
	  .help = "more" },
	{ .name = "config", .letter = 'c', .kind = OPT_STR, T(config),
	  .arg = "FILE", .flags = OPTF_USAGE | OPTF_EARLY,
	  .help = "the file" },
	{ .name = "port", .letter = 'p', .key = "port", .kind = OPT_UINT,
	  .min = 1, .max = 65535, .def = "5165", T(port), .arg = "PORT",
	  .flags = OPTF_USAGE, .help = "a port (%R, default %D)" },
	{ .name = "seconds", .key = "seconds", .kind = OPT_SECONDS,
	  .min = OPT_SEC(1) / 10, .max = OPT_SEC(3600), .def = "2.5",
	  T(secs), .arg = "SECONDS",
	  .help = "a long help text that goes on\nto a second line (%R)" },
	{ .name = "bytes", .key = "bytes", .kind = OPT_BYTES, .max = 1ull << 30,
	  .def = "1M", T(bytes), .arg = "BYTES", .flags = OPTF_USAGE,
	  .help = "bytes, %R" },
	{ .name = "string", .letter = 's', .key = "string", .kind = OPT_STR,
	  .def = "/tmp", T(str), .arg = "S", .help = "a string (%D)" },
	{ .name = "host", .key = "host", .kind = OPT_HOSTPORT, T(host),
	  .arg = "HOST[:PORT]", .flags = OPTF_RESTART,
	  .help = "a host", .requires = { "port", "flag" } },
	{ .name = "path", .key = "path", .kind = OPT_LIST, .elem = OPT_ABSPATH,
	  .max = 3, T(list), .arg = "PATH", .flags = OPTF_USAGE,
	  .help = "paths" },
	{ .name = "act", .kind = OPT_STR, T(act), .arg = "X",
	  .flags = OPTF_ACTION, .help = "do X and exit" },
	{ .name = "secret", .kind = OPT_DUMP, .flags = OPTF_HIDDEN,
	  .help = "hidden" },
	{ .name = NULL }
};

static const struct opt_prog t_prog = {
	.name = "t_prog", .opts = t_table, .operands = "ARG", .help_col = 20,
};

static const struct opt *
row(const char *key)
{
	const struct opt *o = opt_by_key(t_table, key);

	if (o == NULL)
		fail_msg("no row with key %s", key);
	return o;
}

static void
t_free(struct t_opts *t)
{
	opt_free(t_table, t);
	assert_null(t->str);
	assert_int_equal(t->list.n, 0);
}

/* ---- the programs' tables ---- */

static void
test_tables_well_formed(void **state)
{
	const struct opt	*tables[] = { opt_master, opt_slave, t_table };
	char			 err[256];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (opt_table_check(tables[i], err, sizeof(err)) != 0)
			fail_msg("table %zu: %s", i, err);
}

static bool
str_same(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

/* A key in both sections means the same thing to both programs. */
static void
test_shared_keys_agree(void **state)
{
	const struct opt	*m, *s;
	int			 shared = 0;

	(void)state;
	for (m = opt_master; m->name != NULL; m++) {
		if (m->key == NULL || (s = opt_by_key(opt_slave, m->key)) == NULL)
			continue;
		shared++;
		if (m->kind != s->kind || m->elem != s->elem ||
		    m->min != s->min || m->max != s->max ||
		    !str_same(m->def, s->def) || strcmp(m->name, s->name) != 0 ||
		    m->letter != s->letter)
			fail_msg("key %s: the two tables differ", m->key);
	}
	assert_true(shared >= 9);
}

/* What opt_table_check refuses: a row at a time, in a copy of t_table. */
static void
test_table_check_refuses(void **state)
{
	struct opt	bad[sizeof(t_table) / sizeof(t_table[0])];
	char		err[256];
	size_t		n = sizeof(t_table) / sizeof(t_table[0]);

	(void)state;
#define REFUSED(edit, text) do {					\
	memcpy(bad, t_table, sizeof(bad));				\
	edit;								\
	assert_int_equal(opt_table_check(bad, err, sizeof(err)), -1);	\
	if (strstr(err, (text)) == NULL)				\
		fail_msg("'%s' lacks '%s'", err, (text));		\
} while (0)
	REFUSED(bad[2].letter = 'f', "same letter");
	REFUSED(bad[2].name = "flag", "same long name");
	REFUSED(bad[4].key = "flag", "same key");
	REFUSED(bad[4].def = "0", "--port: 0 is out of range 1..65535");
	REFUSED(bad[4].size = 3, "a field of 3 bytes for a uint");
	REFUSED(bad[5].size = 4, "a field of 4 bytes for a seconds");
	REFUSED(bad[4].max = 70000, "does not fit");
	REFUSED(bad[8].requires[1] = "nothere", "requires --nothere");
	REFUSED(bad[9].max = 0, "a list needs");
	REFUSED(bad[9].elem = OPT_UINT, "a list needs");
	REFUSED(bad[4].arg = NULL, "argument name");
	REFUSED(bad[1].arg = "X", "argument name");
	REFUSED(bad[0].key = "help", "a key without a field");
#undef REFUSED
	assert_true(n > 10);
}

/* ---- values ---- */

static void
test_defaults_and_free(void **state)
{
	struct t_opts t;

	(void)state;
	memset(&t, 0, sizeof(t));
	opt_defaults(t_table, &t);
	assert_false(t.flag);
	assert_int_equal(t.port, 5165);
	assert_int_equal(t.secs, 2500000000ull);
	assert_int_equal(t.bytes, 1 << 20);
	assert_string_equal(t.str, "/tmp");
	assert_null(t.host);
	assert_int_equal(t.list.n, 0);
	t_free(&t);
}

#define CHECK_BAD(key, value, text) do {				\
	char e_[256];							\
	assert_int_equal(opt_check(row(key), (value), e_, sizeof(e_)), -1); \
	if (strcmp(e_, (text)) != 0)					\
		fail_msg("'%s', expected '%s'", e_, (text));		\
} while (0)

static void
test_check_by_kind(void **state)
{
	char err[256];

	(void)state;
	CHECK_BAD("port", "70000", "70000 is out of range 1..65535");
	CHECK_BAD("port", "0x10", "'0x10' is not a number");
	CHECK_BAD("seconds", "0.05", "0.05 is out of range 0.1..3600 seconds");
	CHECK_BAD("seconds", "2h", "2h is out of range 0.1..3600 seconds");
	CHECK_BAD("seconds", "1e3", "'1e3' is not a duration (seconds, or a "
	    "number and a unit: 500ms, 30s, 1.5m, 1h, 1d)");
	CHECK_BAD("bytes", "2G", "2G is out of range 0..1G");
	CHECK_BAD("string", "", "empty value");
	CHECK_BAD("host", "a@b", "'a@b' is not HOST[:PORT] (an IPv6 address "
	    "with a port goes in brackets: [fd00::1]:5165)");
	CHECK_BAD("host", "[fd00::1", "'[fd00::1' is not HOST[:PORT] (an IPv6 "
	    "address with a port goes in brackets: [fd00::1]:5165)");
	CHECK_BAD("host", "[::1]:0", "port of '[::1]:0': 0 is out of range "
	    "1..65535");
	CHECK_BAD("host", "h:0", "port of 'h:0': 0 is out of range 1..65535");
	CHECK_BAD("path", "rel", "'rel' is not an absolute path");
	CHECK_BAD("verbose", "4", "4 is out of range 0..3");
	CHECK_BAD("flag", "maybe", "'maybe' is not true or false");
	assert_int_equal(opt_check(opt_by_key(opt_slave, "name"), ".x", err,
	    sizeof(err)), -1);
	assert_string_equal(err, "'.x' has a character outside "
	    "[A-Za-z0-9._:@+-] or starts with '.'");
	assert_int_equal(opt_check(opt_by_key(opt_slave, "interface"),
	    "eth0/1", err, sizeof(err)), -1);
	assert_string_equal(err, "'eth0/1' is not an interface name");
	assert_int_equal(opt_check(row("host"), "h.example:80", err,
	    sizeof(err)), 0);
	assert_int_equal(opt_check(row("seconds"), "0.1", err, sizeof(err)), 0);
	assert_int_equal(opt_check_count(row("path"), 3, err, sizeof(err)), 0);
	assert_int_equal(opt_check_count(row("path"), 4, err, sizeof(err)), -1);
	assert_string_equal(err, "more than 3 paths");
}

static void
test_store_and_compare(void **state)
{
	struct t_opts	a, b;
	char		err[256];

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	opt_defaults(t_table, &a);
	opt_defaults(t_table, &b);
	assert_int_equal(opt_store(row("port"), &a, "80", err, sizeof(err)), 0);
	assert_int_equal(a.port, 80);
	/* A refused value leaves the field as it was. */
	assert_int_equal(opt_store(row("port"), &a, "0", err, sizeof(err)), -1);
	assert_int_equal(a.port, 80);
	/* Without a value: the command line's flag and count. */
	assert_int_equal(opt_store(row("flag"), &a, NULL, err, sizeof(err)), 0);
	assert_true(a.flag);
	assert_int_equal(opt_store(row("verbose"), &a, "2", err, sizeof(err)),
	    0);
	assert_int_equal(opt_store(row("verbose"), &a, NULL, err, sizeof(err)),
	    0);
	assert_int_equal(a.count, 3);
	assert_int_equal(opt_store(row("path"), &a, "/x", err, sizeof(err)), 0);
	assert_int_equal(opt_store(row("path"), &a, "/y", err, sizeof(err)), 0);

	assert_true(opt_differs(row("port"), &a, &b));
	assert_false(opt_differs(row("string"), &a, &b));
	assert_true(opt_differs(row("path"), &a, &b));
	opt_copy(row("path"), &b, &a);
	opt_copy(row("port"), &b, &a);
	assert_false(opt_differs(row("path"), &a, &b));
	assert_false(opt_differs(row("port"), &a, &b));
	assert_string_equal(b.list.v[1], "/y");
	opt_clear(row("path"), &a);
	assert_int_equal(a.list.n, 0);
	assert_true(opt_differs(row("path"), &a, &b));
	t_free(&a);
	t_free(&b);
}

/* ---- the command line ---- */

static void
test_parse(void **state)
{
	char *argv[] = {
		"t_prog", "-f", "-vv", "--port=80", "--path", "/a", "--path=/b",
		"-s", "x y", "--seconds", "0.1", "ARG", NULL
	};
	struct t_opts	t;
	int		first;

	(void)state;
	memset(&t, 0, sizeof(t));
	opt_defaults(t_table, &t);
	/* As if from the file: the count adds up, the list is replaced. */
	t.count = 1;
	opt_list_add(&t.list, "/from-the-file");
	first = opt_parse(&t_prog, 12, argv, &t, NULL);
	assert_int_equal(first, 11);
	assert_string_equal(argv[first], "ARG");
	assert_true(t.flag);
	assert_int_equal(t.count, 3);
	assert_int_equal(t.port, 80);
	assert_int_equal(t.list.n, 2);
	assert_string_equal(t.list.v[0], "/a");
	assert_string_equal(t.list.v[1], "/b");
	assert_string_equal(t.str, "x y");
	assert_int_equal(t.secs, 100000000);
	assert_int_equal(t.bytes, 1 << 20);	/* untouched */
	t_free(&t);
}

/* The first pass reads -c, and stops at the first action. */
static void
test_parse_early(void **state)
{
	char *argv[] = {
		"t_prog", "-p", "0", "-c", "one", "--act", "it", "-c", "two",
		"--bogus", NULL
	};
	char *argv2[] = { "t_prog", "--bogus", "-p", "0", "-c", "f", NULL };
	struct t_opts t;

	(void)state;
	memset(&t, 0, sizeof(t));
	opt_defaults(t_table, &t);
	opt_parse_early(&t_prog, 10, argv, &t);
	assert_string_equal(t.config, "one");
	assert_string_equal(t.act, "it");
	assert_int_equal(t.port, 5165);		/* not early: left for later */
	t_free(&t);

	/* Errors of the other options wait for opt_parse(). */
	memset(&t, 0, sizeof(t));
	opt_parse_early(&t_prog, 6, argv2, &t);
	assert_string_equal(t.config, "f");
	assert_null(t.act);
	opt_set_str(&t.config, NULL);
}

/* ---- between options ---- */

static size_t
row_index(const char *name)
{
	size_t i;

	for (i = 0; t_table[i].name != NULL; i++)
		if (strcmp(t_table[i].name, name) == 0)
			return i;
	fail_msg("no row %s", name);
	return 0;
}

static void
test_in_effect(void **state)
{
	struct t_opts t;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_false(opt_in_effect(row("flag"), &t));
	assert_false(opt_in_effect(row("port"), &t));
	assert_false(opt_in_effect(row("host"), &t));
	assert_false(opt_in_effect(row("path"), &t));
	assert_false(opt_in_effect(row("verbose"), &t));
	opt_defaults(t_table, &t);
	assert_true(opt_in_effect(row("port"), &t));	/* 5165 */
	assert_true(opt_in_effect(row("seconds"), &t));
	assert_true(opt_in_effect(row("string"), &t));
	t.flag = true;
	t.count = 1;
	opt_list_add(&t.list, "/a");
	assert_true(opt_in_effect(row("flag"), &t));
	assert_true(opt_in_effect(row("verbose"), &t));
	assert_true(opt_in_effect(row("path"), &t));
	t_free(&t);
}

/*
 * --host requires --port or --flag: given (command line or file) and set,
 * without either of them set, it is refused; not given, or not set, it is
 * not.  Where it was given names it.
 */
static void
test_requires(void **state)
{
	struct opt_origin	org;
	struct t_opts		t;
	char			buf[256];
	size_t			h = row_index("host");

	(void)state;
	memset(&t, 0, sizeof(t));
	memset(&org, 0, sizeof(org));
	opt_set_str(&t.host, "h:1");
	/* Set, but given by nobody (a default): no complaint. */
	assert_int_equal(opt_requires_check(t_table, &t, &org), 0);
	assert_int_equal(opt_requires_check(t_table, &t, NULL), 0);
	org.cmdline[h] = true;
	assert_int_equal(opt_requires_check(t_table, &t, &org), 1);
	assert_string_equal(opt_where(t_table, row("host"), &org, buf,
	    sizeof(buf)), "--host");
	/* From the file: named by its key and line. */
	org.cmdline[h] = false;
	org.line[h] = 4;
	snprintf(org.file, sizeof(org.file), "/etc/t.conf");
	assert_int_equal(opt_requires_check(t_table, &t, &org), 1);
	assert_string_equal(opt_where(t_table, row("host"), &org, buf,
	    sizeof(buf)), "/etc/t.conf:4: host");
	/* The command line beats the file: named as typed. */
	org.cmdline[h] = true;
	assert_string_equal(opt_where(t_table, row("host"), &org, buf,
	    sizeof(buf)), "--host");
	/* Either companion, wherever it comes from, will do. */
	t.port = 80;
	assert_int_equal(opt_requires_check(t_table, &t, &org), 0);
	t.port = 0;
	t.flag = true;
	assert_int_equal(opt_requires_check(t_table, &t, &org), 0);
	t.flag = false;
	/* Given but not set (emptied): nothing to refuse. */
	opt_set_str(&t.host, NULL);
	assert_int_equal(opt_requires_check(t_table, &t, &org), 0);
	t_free(&t);
}

/* The programs' rows that need another (README and the man pages say so). */
static void
test_programs_requires(void **state)
{
	struct opt_origin	org;
	struct master_opts	m;
	const struct opt	*o;
	size_t			i;

	(void)state;
	master_opts_defaults(&m);
	memset(&org, 0, sizeof(org));
	for (o = opt_master, i = 0; o->name != NULL; o++, i++)
		org.cmdline[i] = true;
	m.output_max = 1;
	m.broadcast_all = true;
	assert_int_equal(opt_requires_check(opt_master, &m, &org), 2);
	m.follow = true;
	assert_int_equal(opt_requires_check(opt_master, &m, &org), 1);
	m.follow = false;
	opt_set_str(&m.output_dir, "/tmp");
	opt_set_str(&m.c.interface, "lo");
	assert_int_equal(opt_requires_check(opt_master, &m, &org), 0);
	master_opts_free(&m);
}

/* ---- --help ---- */

static void
test_usage(void **state)
{
	static const char want[] =
"usage: t_prog [-hfv] [-c FILE] [-p PORT] [--bytes BYTES] [--path PATH]...\n"
"              [options] ARG\n"
"  -h, --help        print this help\n"
"  -f, --flag        a flag\n"
"  -v, --verbose     more\n"
"  -c, --config FILE  the file\n"
"  -p, --port PORT   a port (1..65535, default 5165)\n"
"      --seconds SECONDS  a long help text that goes on\n"
"                    to a second line (0.1..3600)\n"
"      --bytes BYTES  bytes, 0..1G\n"
"  -s, --string S    a string (/tmp)\n"
"      --host HOST[:PORT]  a host\n"
"      --path PATH   paths\n"
"      --act X       do X and exit\n";
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f;

	(void)state;
	if ((f = open_memstream(&buf, &len)) == NULL)
		fail_msg("open_memstream");
	opt_usage(&t_prog, f);
	fclose(f);
	if (strcmp(buf, want) != 0)
		fail_msg("--help:\n%s\nexpected:\n%s", buf, want);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_well_formed),
		cmocka_unit_test(test_shared_keys_agree),
		cmocka_unit_test(test_table_check_refuses),
		cmocka_unit_test(test_defaults_and_free),
		cmocka_unit_test(test_check_by_kind),
		cmocka_unit_test(test_store_and_compare),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_early),
		cmocka_unit_test(test_in_effect),
		cmocka_unit_test(test_requires),
		cmocka_unit_test(test_programs_requires),
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
