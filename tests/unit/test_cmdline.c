/*
 * test_cmdline.c - the task's command line: splitting (as in 2014: blanks,
 * no quoting), :CONF: substitution, argv[0], and the checks that refuse a
 * command before anything runs.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmdline.h"

#define CONF	"/tmp/synexec_slave_conf.42"

static char why[1100];

#define assert_why(expected) do {					\
	if (strcmp(why, (expected)) != 0)				\
		fail_msg("reason '%s', expected '%s'", why, (expected)); \
} while (0)

static void
build_ok(const char *line, struct cmdline *cl)
{
	why[0] = '\0';
	if (cmdline_build(line, strlen(line), CONF, cl, why, sizeof(why)) != 0)
		fail_msg("'%s' refused: %s", line, why);
}

static void
build_bad(const char *line, const char *expected)
{
	struct cmdline cl;

	why[0] = '\0';
	if (cmdline_build(line, strlen(line), CONF, &cl, why, sizeof(why)) != -1)
		fail_msg("'%s' accepted", line);
	assert_null(cl.mem);
	assert_null(cl.argv);
	assert_why(expected);
}

static void
test_split_simple(void **state)
{
	struct cmdline cl;

	(void)state;
	build_ok("/bin/sleep 5s", &cl);
	assert_int_equal(cl.argc, 2);
	assert_string_equal(cl.path, "/bin/sleep");
	assert_string_equal(cl.argv[0], "sleep");
	assert_string_equal(cl.argv[1], "5s");
	assert_null(cl.argv[2]);
	cmdline_free(&cl);
	cmdline_free(&cl);	/* twice is harmless */
}

static void
test_split_blanks_and_tabs(void **state)
{
	struct cmdline cl;

	(void)state;
	build_ok("  \t/usr/bin/fio\t\t--name=x   a\t b  \t", &cl);
	assert_int_equal(cl.argc, 4);
	assert_string_equal(cl.path, "/usr/bin/fio");
	assert_string_equal(cl.argv[0], "fio");
	assert_string_equal(cl.argv[1], "--name=x");
	assert_string_equal(cl.argv[2], "a");
	assert_string_equal(cl.argv[3], "b");
	assert_null(cl.argv[4]);
	cmdline_free(&cl);
}

static void
test_no_quoting(void **state)
{
	struct cmdline cl;

	(void)state;
	/* As in 2014: quotes are ordinary characters. */
	build_ok("/bin/echo \"a b\" 'c'", &cl);
	assert_int_equal(cl.argc, 4);
	assert_string_equal(cl.argv[1], "\"a");
	assert_string_equal(cl.argv[2], "b\"");
	assert_string_equal(cl.argv[3], "'c'");
	cmdline_free(&cl);
}

static void
test_length_not_nul(void **state)
{
	struct cmdline	cl;
	const char	line[] = "/bin/true abcdef";

	(void)state;
	/* Only len bytes count: the line needs no NUL terminator. */
	assert_int_equal(cmdline_build(line, 12, CONF, &cl, why, sizeof(why)),
	    0);
	assert_int_equal(cl.argc, 2);
	assert_string_equal(cl.argv[1], "ab");
	cmdline_free(&cl);
	why[0] = '\0';
	assert_int_equal(cmdline_build("/bin/true\0x", 11, CONF, &cl, why,
	    sizeof(why)), -1);
	assert_why("command holds a NUL byte");
}

static void
test_conf_everywhere(void **state)
{
	struct cmdline cl;

	(void)state;
	build_ok("/bin/bash :CONF: -x :CONF: :CONF:", &cl);
	assert_int_equal(cl.argc, 5);
	assert_string_equal(cl.argv[0], "bash");
	assert_string_equal(cl.argv[1], CONF);
	assert_string_equal(cl.argv[2], "-x");
	assert_string_equal(cl.argv[3], CONF);
	assert_string_equal(cl.argv[4], CONF);
	cmdline_free(&cl);

	/* Inside a word too, as often as it appears; near misses stay. */
	build_ok("/bin/cat --config=:CONF: x:CONF:y :CONF::CONF: :conf: :CONF "
	    "::CONF::", &cl);
	assert_int_equal(cl.argc, 7);
	assert_string_equal(cl.argv[1], "--config=" CONF);
	assert_string_equal(cl.argv[2], "x" CONF "y");
	assert_string_equal(cl.argv[3], CONF CONF);
	assert_string_equal(cl.argv[4], ":conf:");
	assert_string_equal(cl.argv[5], ":CONF");
	assert_string_equal(cl.argv[6], ":" CONF ":");
	cmdline_free(&cl);

	/* The allocation stays bounded, however many tags a line holds. */
	{
		static char	line[65536], dir[256];
		size_t		n;

		/* 10,000 tags of a 255-byte path: 2.5 MB if unbounded. */
		memset(dir, 'd', sizeof(dir) - 1);
		dir[0] = '/';
		n = (size_t)snprintf(line, sizeof(line), "/bin/cat ");
		while (n + 6 < sizeof(line)) {
			memcpy(line + n, ":CONF:", 6);
			n += 6;
		}
		assert_int_equal(cmdline_build(line, n, dir, &cl, why,
		    sizeof(why)), -1);
		assert_non_null(strstr(why, "once :CONF: is replaced"));
	}

	/* The tag as a tab-separated last word. */
	build_ok("/bin/cat\t:CONF:", &cl);
	assert_int_equal(cl.argc, 2);
	assert_string_equal(cl.argv[1], CONF);
	cmdline_free(&cl);
}

static void
test_argv0_basename(void **state)
{
	struct cmdline cl;

	(void)state;
	build_ok("/usr/local/lib/x/run.sh", &cl);
	assert_int_equal(cl.argc, 1);
	assert_string_equal(cl.path, "/usr/local/lib/x/run.sh");
	assert_string_equal(cl.argv[0], "run.sh");
	assert_null(cl.argv[1]);
	cmdline_free(&cl);

	build_ok("/x", &cl);
	assert_string_equal(cl.path, "/x");
	assert_string_equal(cl.argv[0], "x");
	cmdline_free(&cl);
}

static void
test_empty(void **state)
{
	(void)state;
	build_bad("", "empty command");
	build_bad("   \t  ", "empty command");
}

static void
test_relative(void **state)
{
	(void)state;
	build_bad("relative", "relative: command must be an absolute path");
	build_bad("bin/sleep 1", "bin/sleep: command must be an absolute path");
	build_bad("./run", "./run: command must be an absolute path");
	build_bad("/usr/bin/", "/usr/bin/: not a regular file");
}

static void
test_too_many_words(void **state)
{
	struct cmdline	 cl;
	size_t		 i, n = 0;
	char		*line = malloc(16 + 2 * (CMDLINE_MAX_WORDS + 1));

	(void)state;
	assert_non_null(line);
	n += (size_t)sprintf(line, "/bin/true");
	for (i = 1; i < CMDLINE_MAX_WORDS; i++)
		n += (size_t)sprintf(line + n, " x");
	/* Exactly the maximum: accepted. */
	build_ok(line, &cl);
	assert_int_equal(cl.argc, CMDLINE_MAX_WORDS);
	assert_null(cl.argv[CMDLINE_MAX_WORDS]);
	cmdline_free(&cl);
	/* One more: refused. */
	sprintf(line + n, " y");
	build_bad(line, "command has more than 1024 words");
	free(line);
}

/* A scratch directory with files of known modes. */
static char dir[64];

static void
make_file(const char *name, mode_t mode, char *path, size_t len)
{
	int fd;

	snprintf(path, len, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static int
setup_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_cmdline.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown_dir(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/exec", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/noexec", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
	return 0;
}

static int
check(const char *line, char *const *allow, int nallow)
{
	struct cmdline	cl;
	int		rc;

	build_ok(line, &cl);
	why[0] = '\0';
	rc = cmdline_check(&cl, allow, nallow, why, sizeof(why));
	cmdline_free(&cl);
	return rc;
}

static void
test_check_executable(void **state)
{
	char path[128], line[160];

	(void)state;
	make_file("exec", 0755, path, sizeof(path));
	snprintf(line, sizeof(line), "%s :CONF:", path);
	assert_int_equal(check(line, NULL, 0), 0);
}

static void
test_check_not_executable(void **state)
{
	char path[128], expected[200];

	(void)state;
	/* No x bit at all: refused even for root. */
	make_file("noexec", 0644, path, sizeof(path));
	assert_int_equal(check(path, NULL, 0), -1);
	snprintf(expected, sizeof(expected), "%s: Permission denied", path);
	assert_why(expected);
}

static void
test_check_missing(void **state)
{
	(void)state;
	assert_int_equal(check("/nonexistent", NULL, 0), -1);
	assert_why("/nonexistent: No such file or directory");
	assert_int_equal(check("/nonexistent/x/y", NULL, 0), -1);
	assert_why("/nonexistent/x/y: No such file or directory");
}

static void
test_check_directory(void **state)
{
	char path[128], expected[200];

	(void)state;
	assert_int_equal(check("/tmp", NULL, 0), -1);
	assert_why("/tmp: not a regular file");
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(check(path, NULL, 0), -1);
	snprintf(expected, sizeof(expected), "%s: not a regular file", path);
	assert_why(expected);
	/* Not a regular file, though executable: a device. */
	assert_int_equal(check("/dev/null", NULL, 0), -1);
	assert_why("/dev/null: not a regular file");
}

static void
test_check_allow_list(void **state)
{
	char *const	 allow[] = { "/bin/true", "/bin/sh" };
	char *const	 one[] = { "/bin/sh" };

	(void)state;
	assert_int_equal(check("/bin/true x", allow, 2), 0);
	assert_int_equal(check("/bin/sh -c :", allow, 2), 0);
	assert_int_equal(check("/bin/rm -rf /", allow, 2), -1);
	assert_why("/bin/rm: not in the --allow list");
	/* Exact paths: a different spelling of an allowed one is refused. */
	assert_int_equal(check("/bin/../bin/sh", one, 1), -1);
	assert_why("/bin/../bin/sh: not in the --allow list");
	/* The list is checked first: nothing about the disk is told. */
	assert_int_equal(check("/nonexistent", one, 1), -1);
	assert_why("/nonexistent: not in the --allow list");
	/* An empty list allows everything. */
	assert_int_equal(check("/bin/true", NULL, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_simple),
		cmocka_unit_test(test_split_blanks_and_tabs),
		cmocka_unit_test(test_no_quoting),
		cmocka_unit_test(test_length_not_nul),
		cmocka_unit_test(test_conf_everywhere),
		cmocka_unit_test(test_argv0_basename),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_too_many_words),
		cmocka_unit_test(test_check_executable),
		cmocka_unit_test(test_check_not_executable),
		cmocka_unit_test(test_check_missing),
		cmocka_unit_test(test_check_directory),
		cmocka_unit_test(test_check_allow_list),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
