/*
 * test_place.c - can a file be written where an option says (common/place.c):
 * the answer and its words for each kind of place, and nothing made while
 * asking.  Run as root, faccessat() grants writing everywhere but on a
 * read-only file system: the denied cases are tested end to end only when
 * not root (tests/integration/checks.sh covers the rest).
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "place.h"

static char	dir[256];
static char	path[1024], want[2048], err[2048];

static int
setup(void **state)
{
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/test_place.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/file", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fclose(f);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "%s/file", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}

#define P(fmt, ...)	(snprintf(path, sizeof(path), fmt, __VA_ARGS__), path)

static void
bad(const char *p, enum place_kind kind, const char *text)
{
	err[0] = '\0';
	if (place_check(p, kind, err, sizeof(err)) != -1)
		fail_msg("%s accepted", p);
	if (strcmp(err, text) != 0)
		fail_msg("%s: '%s', expected '%s'", p, err, text);
}

static void
good(const char *p, enum place_kind kind)
{
	if (place_check(p, kind, err, sizeof(err)) != 0)
		fail_msg("%s refused: %s", p, err);
}

static void
test_files(void **state)
{
	struct stat st;

	(void)state;
	good(P("%s/new.out", dir), PLACE_FILE);
	assert_int_equal(stat(path, &st), -1);		/* nothing made */
	good(P("%s/file", dir), PLACE_FILE);
	good(P("%s/new.json", dir), PLACE_FILE_BESIDE);
	good(P("%s/file", dir), PLACE_FILE_BESIDE);
	/* A name without a directory is in the current one. */
	assert_non_null(getcwd(want, sizeof(want)));
	assert_int_equal(chdir(dir), 0);
	good("relative-name", PLACE_FILE);
	assert_int_equal(chdir(want), 0);
	snprintf(want, sizeof(want), "directory %s/no: No such file or "
	    "directory", dir);
	bad(P("%s/no/x.out", dir), PLACE_FILE, want);
	bad(P("%s/no/x.out", dir), PLACE_FILE_BESIDE, want);
	snprintf(want, sizeof(want), "directory %s/file is not a directory",
	    dir);
	bad(P("%s/file/x.out", dir), PLACE_FILE, want);
	bad(dir, PLACE_FILE, "is a directory: name a file");
	bad(dir, PLACE_FILE_BESIDE, "is a directory: name a file");
	bad(P("%s/new/", dir), PLACE_FILE, "is a directory: name a file");
	bad("", PLACE_FILE, "not a usable path");
}

static void
test_dirs(void **state)
{
	struct stat st;

	(void)state;
	good(dir, PLACE_DIR);
	good(dir, PLACE_DIR_OR_NEW);
	good(P("%s/new", dir), PLACE_DIR_OR_NEW);
	assert_int_equal(stat(path, &st), -1);		/* nothing made */
	bad(P("%s/new", dir), PLACE_DIR, "No such file or directory");
	bad(P("%s/file", dir), PLACE_DIR, "not a directory");
	bad(P("%s/file", dir), PLACE_DIR_OR_NEW, "not a directory");
	snprintf(want, sizeof(want), "parent directory %s/no: No such file "
	    "or directory", dir);
	bad(P("%s/no/out", dir), PLACE_DIR_OR_NEW, want);
	bad(P("%s/file/out", dir), PLACE_DIR_OR_NEW, "not a directory");
}

/* Not root: a directory without write permission is said to be one. */
static void
test_denied(void **state)
{
	char sub[600];

	(void)state;
	if (geteuid() == 0)
		skip();
	snprintf(sub, sizeof(sub), "%s/ro", dir);
	assert_int_equal(mkdir(sub, 0555), 0);
	snprintf(want, sizeof(want), "directory %s: Permission denied", sub);
	bad(P("%s/x.out", sub), PLACE_FILE, want);
	bad(sub, PLACE_DIR, "Permission denied");
	rmdir(sub);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_dirs),
		cmocka_unit_test(test_denied),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
