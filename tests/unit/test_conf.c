/*
 * test_conf.c - the configuration file: good files apply exactly their keys,
 * bad files are refused whole, with one log line naming the file, the right
 * line and the key.
 *
 * Fixtures live in tests/unit/conf/ (found from $SYNEXEC_TOP, else from the
 * current directory, which is the repository's top when run by make check).
 * Each bad-*.conf starts with "# expect: :LINE: TEXT": loading it, with
 * either program, must log "PATH:LINE: TEXT".  Log lines are captured by
 * logging to a file (log_to_file) and reading it back.
 *
 * Not tested: the default path (SYSCONFDIR) when no file is named, since a
 * test must not write there.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "log.h"

#define NS		1000000000ull
#define PATHLEN		4096
#define DIRLEN		2048	/* leaves room in PATHLEN for what follows */

static char	top[DIRLEN];
static char	tmpdir[DIRLEN];
static char	logpath[PATHLEN];
static char	logged[65536];		/* what the last load logged */

static void
fixture(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/tests/unit/conf/%s", top, name);
}

static void
capture_begin(void)
{
	FILE	*f;
	char	 why[512];

	/* log_to_file appends: start from an empty file each time. */
	if ((f = fopen(logpath, "w")) == NULL)
		fail_msg("%s: cannot truncate", logpath);
	fclose(f);
	if (log_to_file("test_conf", logpath, why, sizeof(why)) == -1)
		fail_msg("%s", why);
}

static void
capture_end(void)
{
	FILE	*f;
	size_t	 n;

	log_close();
	if ((f = fopen(logpath, "r")) == NULL)
		fail_msg("%s: cannot read back", logpath);
	n = fread(logged, 1, sizeof(logged) - 1, f);
	logged[n] = '\0';
	fclose(f);
}

static int
nlines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

static int
load_master(const char *path, struct master_opts *m)
{
	int rc;

	capture_begin();
	rc = conf_load_master(path, m, NULL);
	capture_end();
	return rc;
}

static int
load_slave(const char *path, struct slave_opts *s)
{
	int rc;

	capture_begin();
	rc = conf_load_slave(path, s, NULL);
	capture_end();
	return rc;
}

#define assert_logged(text) do {					\
	if (strstr(logged, (text)) == NULL)				\
		fail_msg("log lacks \"%s\"; it holds:\n%s", (text), logged); \
} while (0)

/* ---- bad files ---- */

static const char *const bad_files[] = {
	"bad-port-range.conf",
	"bad-port-hex.conf",
	"bad-port-negative.conf",
	"bad-port-plus.conf",
	"bad-name-plus.conf",
	"bad-port-zero.conf",
	"bad-session-negative.conf",
	"bad-session-range.conf",
	"bad-unknown-key.conf",
	"bad-unknown-section.conf",
	"bad-key-outside.conf",
	"bad-master-key-in-slave.conf",
	"bad-slave-key-in-master.conf",
	"bad-name-dot.conf",
	"bad-name-blank.conf",
	"bad-name-long.conf",
	"bad-name-empty.conf",
	"bad-bool.conf",
	"bad-bool-number.conf",
	"bad-duplicate-section.conf",
	"bad-duplicate-key.conf",
	"bad-unclosed-section.conf",
	"bad-unclosed-comment.conf",
	"bad-missing-equal.conf",
	"bad-stray-brace.conf",
	"bad-unterminated-string.conf",
	"bad-heartbeat-zero.conf",
	"bad-heartbeat-decimals.conf",
	"bad-report-interval.conf",
	"bad-wait-range.conf",
	"bad-timeout-exponent.conf",
	"bad-verbose.conf",
	"bad-output-max.conf",
	"bad-output-max-suffix.conf",
	"bad-max-conf-size.conf",
	"bad-kill-grace.conf",
	"bad-allow-relative.conf",
	"bad-allow-too-many.conf",
	"bad-master-addr-port.conf",
	"bad-master-addr-host.conf",
	"bad-empty-string.conf",
	"bad-after-comments.conf",
	"bad-interface-long.conf",
	"bad-interface-slash.conf",
};

/* Every bad-*.conf in the directory is in the list: none is forgotten. */
static void
test_bad_files_listed(void **state)
{
	char		 dir[PATHLEN];
	DIR		*d;
	struct dirent	*e;
	size_t		 i, n, found = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/tests/unit/conf", top);
	if ((d = opendir(dir)) == NULL)
		fail_msg("%s: cannot open (set SYNEXEC_TOP?)", dir);
	while ((e = readdir(d)) != NULL) {
		n = strlen(e->d_name);
		if (strncmp(e->d_name, "bad-", 4) != 0 || n < 5 ||
		    strcmp(e->d_name + n - 5, ".conf") != 0)
			continue;
		for (i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++)
			if (strcmp(bad_files[i], e->d_name) == 0)
				break;
		if (i == sizeof(bad_files) / sizeof(bad_files[0]))
			fail_msg("%s is not in bad_files[]", e->d_name);
		found++;
	}
	closedir(d);
	assert_int_equal(found, sizeof(bad_files) / sizeof(bad_files[0]));
}

/* "PATH" + the text after "# expect: " on the fixture's first line. */
static void
expected_message(const char *path, char *buf, size_t len)
{
	char	line[512];
	FILE	*f;
	size_t	n;

	if ((f = fopen(path, "r")) == NULL)
		fail_msg("%s: missing fixture", path);
	if (fgets(line, sizeof(line), f) == NULL ||
	    strncmp(line, "# expect: ", 10) != 0)
		fail_msg("%s: no '# expect: ' first line", path);
	fclose(f);
	n = strlen(line);
	if (n > 0 && line[n - 1] == '\n')
		line[n - 1] = '\0';
	snprintf(buf, len, "%s%s", path, line + 10);
}

static void
test_bad_files(void **state)
{
	char			path[PATHLEN], want[PATHLEN + 512];
	struct master_opts	m;
	struct slave_opts	s;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		fixture(path, sizeof(path), bad_files[i]);
		expected_message(path, want, sizeof(want));

		/* Both programs refuse it: both sections are validated. */
		master_opts_defaults(&m);
		if (load_master(path, &m) != -1)
			fail_msg("%s: accepted by the master", bad_files[i]);
		assert_logged(want);
		if (nlines(logged) != 1)
			fail_msg("%s: %d lines logged, not 1:\n%s",
			    bad_files[i], nlines(logged), logged);
		master_opts_free(&m);

		slave_opts_defaults(&s);
		if (load_slave(path, &s) != -1)
			fail_msg("%s: accepted by the slave", bad_files[i]);
		assert_logged(want);
		assert_int_equal(nlines(logged), 1);
		slave_opts_free(&s);
	}
}

/* The example from the brief, spelt out rather than table-driven. */
static void
test_port_out_of_range_line_7(void **state)
{
	char			path[PATHLEN], want[PATHLEN + 64];
	struct master_opts	m;

	(void)state;
	fixture(path, sizeof(path), "bad-port-range.conf");
	master_opts_defaults(&m);
	assert_int_equal(load_master(path, &m), -1);
	snprintf(want, sizeof(want), "%s:7: port:", path);
	assert_logged(want);
	assert_logged("out of range");
	assert_logged("70000 is out of range 1..65535");
	/* verbose = 1 on line 5 was valid but is not applied: file refused. */
	assert_int_equal(m.c.verbose, 0);
	assert_int_equal(m.c.port, 5165);
	master_opts_free(&m);
}

/* The path is shown as given, relative or not. */
static void
test_path_as_given(void **state)
{
	char			cwd[PATHLEN], dir[PATHLEN];
	struct slave_opts	s;

	(void)state;
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		fail_msg("getcwd");
	snprintf(dir, sizeof(dir), "%s/tests/unit", top);
	assert_int_equal(chdir(dir), 0);
	slave_opts_defaults(&s);
	assert_int_equal(load_slave("conf/bad-port-hex.conf", &s), -1);
	assert_logged(": conf/bad-port-hex.conf:3: port: '0x10' is not a "
	    "number");
	slave_opts_free(&s);
	assert_int_equal(chdir(cwd), 0);
}

static void
test_missing_and_unreadable(void **state)
{
	static const char	nul_text[] = "master {\n\tport = 5\0000\n}\n";
	char			path[PATHLEN + 32];
	struct master_opts	m;
	struct slave_opts	s;
	FILE			*f;
	size_t			i;

	(void)state;
	master_opts_defaults(&m);
	assert_int_equal(load_master("/nonexistent/synexec.conf", &m), -1);
	assert_logged("/nonexistent/synexec.conf: No such file or directory");
	assert_int_equal(m.c.port, 5165);

	/* A directory opens but is no file. */
	assert_int_equal(load_master(tmpdir, &m), -1);
	assert_logged(": Is a directory");

	/* A NUL byte would silently cut a value short. */
	snprintf(path, sizeof(path), "%s/nul.conf", tmpdir);
	if ((f = fopen(path, "w")) == NULL)
		fail_msg("%s", path);
	fwrite(nul_text, 1, sizeof(nul_text) - 1, f);
	fclose(f);
	master_opts_defaults(&m);
	assert_int_equal(load_master(path, &m), -1);
	assert_logged("nul.conf:2: NUL byte");
	assert_int_equal(m.c.port, 5165);
	unlink(path);

	/* Larger than any configuration file. */
	snprintf(path, sizeof(path), "%s/huge.conf", tmpdir);
	if ((f = fopen(path, "w")) == NULL)
		fail_msg("%s", path);
	for (i = 0; i < 1100000 / 16; i++)
		fputs("# padding......\n", f);
	fclose(f);
	slave_opts_defaults(&s);
	assert_int_equal(load_slave(path, &s), -1);
	assert_logged("larger than");
	slave_opts_free(&s);
	master_opts_free(&m);
	unlink(path);
}

/* ---- good files ---- */

static void
assert_master_defaults(const struct master_opts *m)
{
	assert_int_equal(m->c.verbose, 0);
	assert_false(m->c.daemon);
	assert_null(m->c.interface);
	assert_int_equal(m->c.port, 5165);
	assert_int_equal(m->c.session, 0);
	assert_null(m->c.log_file);
	assert_null(m->c.pidfile);
	assert_null(m->c.key_file);
	assert_int_equal(m->c.heartbeat_timeout_ns, 10 * NS);
	assert_false(m->broadcast_all);
	assert_int_equal(m->wait_ns, 0);
	assert_int_equal(m->timeout_ns, 0);
	assert_int_equal(m->report_interval_ns, NS);
	assert_null(m->results_file);
	assert_null(m->output_dir);
	assert_int_equal(m->output_max, 0);
	assert_false(m->follow);
	assert_false(m->fail_fast);
}

static void
assert_slave_defaults(const struct slave_opts *s)
{
	assert_int_equal(s->c.verbose, 0);
	assert_false(s->c.daemon);
	assert_null(s->c.interface);
	assert_int_equal(s->c.port, 5165);
	assert_int_equal(s->c.session, 0);
	assert_null(s->c.log_file);
	assert_null(s->c.pidfile);
	assert_null(s->c.key_file);
	assert_int_equal(s->c.heartbeat_timeout_ns, 10 * NS);
	assert_null(s->name);
	assert_null(s->master);
	assert_string_equal(s->conf_dir, "/tmp");
	assert_null(s->output);		/* /tmp/synexec.NAME.out */
	assert_null(s->stderr_file);	/* -o's FILE.err */
	assert_false(s->merge_stderr);
	assert_false(s->once);
	assert_int_equal(s->kill_grace_ns, 10 * NS);
	assert_false(s->keep_task);
	assert_null(s->run_as);
	assert_int_equal(s->allow.n, 0);
	assert_int_equal(s->max_conf_size, 1073741824);
}

static void
test_defaults(void **state)
{
	struct master_opts	m;
	struct slave_opts	s;

	(void)state;
	master_opts_defaults(&m);
	assert_master_defaults(&m);
	master_opts_free(&m);
	assert_null(m.results_file);
	slave_opts_defaults(&s);
	assert_slave_defaults(&s);
	slave_opts_free(&s);
	assert_null(s.conf_dir);
	assert_int_equal(s.allow.n, 0);
}

/* Files that set nothing leave every default, with nothing logged. */
static void
test_files_setting_nothing(void **state)
{
	static const char *const names[] = {
		"good-empty.conf", "good-comments.conf",
	};
	char			path[PATHLEN];
	struct master_opts	m;
	struct slave_opts	s;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		fixture(path, sizeof(path), names[i]);
		master_opts_defaults(&m);
		assert_int_equal(load_master(path, &m), 0);
		assert_string_equal(logged, "");
		assert_master_defaults(&m);
		master_opts_free(&m);
		slave_opts_defaults(&s);
		assert_int_equal(load_slave(path, &s), 0);
		assert_string_equal(logged, "");
		assert_slave_defaults(&s);
		slave_opts_free(&s);
	}
}

static void
test_every_key(void **state)
{
	char			path[PATHLEN];
	struct master_opts	m;
	struct slave_opts	s;

	(void)state;
	fixture(path, sizeof(path), "good-both.conf");
	master_opts_defaults(&m);
	assert_int_equal(load_master(path, &m), 0);
	assert_string_equal(logged, "");
	assert_int_equal(m.c.verbose, 2);
	assert_true(m.c.daemon);
	assert_string_equal(m.c.interface, "lo");
	assert_int_equal(m.c.port, 6001);
	assert_true(m.c.session == 4294967295u);
	assert_string_equal(m.c.log_file, "/var/log/m.log");
	assert_string_equal(m.c.pidfile, "/run/m.pid");
	assert_string_equal(m.c.key_file, "/etc/m.key");
	assert_int_equal(m.c.heartbeat_timeout_ns, 2500000000ull);
	assert_true(m.broadcast_all);
	assert_int_equal(m.wait_ns, 30ull * 86400 * NS);
	assert_int_equal(m.timeout_ns, 1);
	assert_int_equal(m.report_interval_ns, NS / 10);
	assert_string_equal(m.results_file, "/tmp/results #1.txt");
	assert_string_equal(m.output_dir, "/tmp/out");
	assert_int_equal(m.output_max, 10 * 1024 * 1024);
	assert_true(m.follow);
	assert_true(m.fail_fast);
	assert_int_equal(m.repeat, 5);
	assert_int_equal(m.pause_ns, 90 * NS);
	assert_true(m.keep_going);
	assert_string_equal(m.slaves, "vm[01-16],db*");
	assert_string_equal(m.exclude, "vm07");
	assert_string_equal(m.csv_file, "/tmp/runs.csv");
	assert_true(m.preflight);
	assert_int_equal(m.hosts.n, 2);
	assert_string_equal(m.hosts.v[0], "vm[01-02]");
	assert_string_equal(m.hosts.v[1], "[fd00::1]:5166,h3");
	assert_string_equal(m.hosts_file, "/etc/h");
	assert_string_equal(m.plot_file, "/tmp/plot #1.svg");
	master_opts_free(&m);

	slave_opts_defaults(&s);
	assert_int_equal(load_slave(path, &s), 0);
	assert_string_equal(logged, "");
	assert_int_equal(s.c.verbose, 3);
	assert_true(s.c.daemon);
	assert_string_equal(s.c.interface, "eth0");
	assert_int_equal(s.c.port, 6002);
	assert_int_equal(s.c.session, 42);
	assert_string_equal(s.c.log_file, "/var/log/s.log");
	assert_string_equal(s.c.pidfile, "/run/s.pid");
	assert_string_equal(s.c.key_file, "/etc/s.key");
	assert_int_equal(s.c.heartbeat_timeout_ns, 3600 * NS);
	assert_string_equal(s.name, "n1");
	assert_string_equal(s.master, "master.example:6001");
	assert_string_equal(s.conf_dir, "/var/tmp");
	assert_string_equal(s.output, "/var/tmp/out");
	assert_true(s.once);
	assert_int_equal(s.kill_grace_ns, 0);
	assert_true(s.keep_task);
	assert_string_equal(s.run_as, "nobody");
	assert_int_equal(s.allow.n, 3);		/* "+=" appends */
	assert_string_equal(s.allow.v[0], "/bin/true");
	assert_string_equal(s.allow.v[1], "/bin/false");
	assert_string_equal(s.allow.v[2], "/usr/bin/env");
	assert_int_equal(s.max_conf_size, 1073741824);
	assert_string_equal(s.stderr_file, "/var/tmp/err");
	assert_true(s.merge_stderr);
	slave_opts_free(&s);
}

/* Units in the file, as on the command line: exact values. */
static void
test_units(void **state)
{
	char			path[PATHLEN];
	struct master_opts	m;
	struct slave_opts	s;

	(void)state;
	fixture(path, sizeof(path), "good-units.conf");
	master_opts_defaults(&m);
	assert_int_equal(load_master(path, &m), 0);
	assert_string_equal(logged, "");
	assert_int_equal(m.wait_ns, NS / 2);
	assert_int_equal(m.timeout_ns, 300 * NS);
	assert_int_equal(m.report_interval_ns, NS / 2);
	assert_int_equal(m.c.heartbeat_timeout_ns, 90 * NS);
	assert_int_equal(m.output_max, 10000000);
	master_opts_free(&m);
	slave_opts_defaults(&s);
	assert_int_equal(load_slave(path, &s), 0);
	assert_string_equal(logged, "");
	assert_int_equal(s.kill_grace_ns, 3600 * NS);
	assert_int_equal(s.c.heartbeat_timeout_ns, 1800 * NS);
	assert_int_equal(s.max_conf_size, 2ull << 30);
	slave_opts_free(&s);
}

/* The origin: the file as given and the line of each key applied. */
static void
test_origin_lines(void **state)
{
	char			path[PATHLEN];
	struct opt_origin	org;
	struct master_opts	m;
	struct slave_opts	s;
	size_t			i;

	(void)state;
	fixture(path, sizeof(path), "good-both.conf");
	master_opts_defaults(&m);
	memset(&org, 0, sizeof(org));
	capture_begin();
	assert_int_equal(conf_load_master(path, &m, &org), 0);
	capture_end();
	assert_string_equal(org.file, path);
	for (i = 0; opt_master[i].name != NULL; i++) {
		const char *name = opt_master[i].name;

		assert_false(org.cmdline[i]);
		if (strcmp(name, "interface") == 0)
			assert_int_equal(org.line[i], 5);
		else if (strcmp(name, "broadcast-all") == 0)
			assert_int_equal(org.line[i], 12);
		else if (opt_master[i].key == NULL)
			assert_int_equal(org.line[i], 0);
		else
			assert_true(org.line[i] > 2 && org.line[i] < 30);
	}
	master_opts_free(&m);
	slave_opts_defaults(&s);
	memset(&org, 0, sizeof(org));
	capture_begin();
	assert_int_equal(conf_load_slave(path, &s, &org), 0);
	capture_end();
	for (i = 0; opt_slave[i].name != NULL; i++)
		if (strcmp(opt_slave[i].name, "allow") == 0)
			assert_int_equal(org.line[i], 49);	/* the first */
	slave_opts_free(&s);
}

/* Each program applies its own section only; a lone section is fine. */
static void
test_one_section(void **state)
{
	char			path[PATHLEN];
	struct master_opts	m;
	struct slave_opts	s;

	(void)state;
	fixture(path, sizeof(path), "good-master-only.conf");
	master_opts_defaults(&m);
	assert_int_equal(load_master(path, &m), 0);
	assert_int_equal(m.c.port, 6000);
	assert_int_equal(m.wait_ns, 30 * NS);
	assert_int_equal(m.report_interval_ns, NS / 4);
	assert_int_equal(m.c.heartbeat_timeout_ns, 10 * NS);	/* default */
	master_opts_free(&m);
	slave_opts_defaults(&s);
	assert_int_equal(load_slave(path, &s), 0);
	assert_slave_defaults(&s);
	slave_opts_free(&s);

	fixture(path, sizeof(path), "good-slave-only.conf");
	master_opts_defaults(&m);
	assert_int_equal(load_master(path, &m), 0);
	assert_master_defaults(&m);
	master_opts_free(&m);
	slave_opts_defaults(&s);
	assert_int_equal(load_slave(path, &s), 0);
	assert_string_equal(s.name, "node-1.lab:a@b+c_d");
	assert_string_equal(s.master, "192.0.2.1:6000");
	assert_int_equal(s.allow.n, 2);
	assert_string_equal(s.allow.v[0], "/usr/bin/fio");
	assert_string_equal(s.allow.v[1], "/bin/true");
	assert_int_equal(s.c.port, 5165);
	slave_opts_free(&s);
}

/*
 * Precedence: defaults, then the file (only the keys it has), then whatever
 * the caller sets afterwards, as the command line does.
 */
static void
test_precedence(void **state)
{
	char			path[PATHLEN];
	struct master_opts	m;
	struct slave_opts	s;

	(void)state;
	master_opts_defaults(&m);
	fixture(path, sizeof(path), "good-master-only.conf");
	assert_int_equal(load_master(path, &m), 0);
	assert_int_equal(m.c.port, 6000);
	/* A second file overrides only the keys it sets. */
	fixture(path, sizeof(path), "good-port-only.conf");
	assert_int_equal(load_master(path, &m), 0);
	assert_int_equal(m.c.port, 7000);
	assert_int_equal(m.wait_ns, 30 * NS);
	/* The command line comes last and wins. */
	m.c.port = 7100;
	opt_set_str(&m.results_file, "/tmp/r1");
	opt_set_str(&m.results_file, "/tmp/r2");	/* frees r1 */
	assert_int_equal(m.c.port, 7100);
	assert_string_equal(m.results_file, "/tmp/r2");
	assert_int_equal(m.report_interval_ns, NS / 4);
	master_opts_free(&m);

	/* A refused file changes nothing, even keys before the error. */
	slave_opts_defaults(&s);
	opt_set_str(&s.name, "from-cmdline-or-earlier");
	fixture(path, sizeof(path), "bad-after-comments.conf");
	assert_int_equal(load_slave(path, &s), -1);
	assert_string_equal(s.name, "from-cmdline-or-earlier");
	assert_int_equal(s.allow.n, 0);
	assert_string_equal(s.conf_dir, "/tmp");
	/* A file's allow list replaces the one before it. */
	fixture(path, sizeof(path), "good-slave-only.conf");
	assert_int_equal(load_slave(path, &s), 0);
	assert_int_equal(load_slave(path, &s), 0);
	assert_int_equal(s.allow.n, 2);
	assert_string_equal(s.name, "node-1.lab:a@b+c_d");
	opt_set_str(&s.name, NULL);
	assert_null(s.name);
	slave_opts_free(&s);
}

static void
test_quoting(void **state)
{
	char			path[PATHLEN];
	struct slave_opts	s;

	(void)state;
	unsetenv("SYNEXEC_TEST_UNSET_VAR");
	fixture(path, sizeof(path), "good-quoting.conf");
	slave_opts_defaults(&s);
	assert_int_equal(load_slave(path, &s), 0);
	assert_string_equal(logged, "");
	assert_string_equal(s.output, "/tmp/a#b");
	assert_string_equal(s.conf_dir, "/tmp/single # \"quoted\"");
	assert_string_equal(s.run_as, "nobody");
	assert_string_equal(s.c.log_file, "/var/log//x.log");
	assert_string_equal(s.c.pidfile, "/run/a\"b.pid");
	assert_string_equal(s.c.key_file, "/etc/k{}}.key");
	assert_string_equal(s.name, "n1");
	assert_string_equal(s.master, "h:1");
	assert_int_equal(s.allow.n, 2);
	assert_string_equal(s.allow.v[1], "/bin/false");
	slave_opts_free(&s);
}

/* The shipped example parses for both programs and matches the defaults. */
static void
test_example_file(void **state)
{
	char			path[PATHLEN];
	struct master_opts	m;
	struct slave_opts	s;

	(void)state;
	snprintf(path, sizeof(path), "%s/conf.examples/synexec.conf", top);
	master_opts_defaults(&m);
	assert_int_equal(load_master(path, &m), 0);
	assert_string_equal(logged, "");
	assert_master_defaults(&m);
	master_opts_free(&m);
	slave_opts_defaults(&s);
	assert_int_equal(load_slave(path, &s), 0);
	assert_string_equal(logged, "");
	assert_slave_defaults(&s);
	slave_opts_free(&s);
}

/*
 * Every commented-out key of the example, uncommented, still parses: the
 * example shows only keys and values the parser takes.
 */
static void
test_example_uncommented(void **state)
{
	char			path[PATHLEN], out[PATHLEN + 32], line[1024];
	struct master_opts	m;
	struct slave_opts	s;
	FILE			*in, *o;
	int			nkeys = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/conf.examples/synexec.conf", top);
	snprintf(out, sizeof(out), "%s/example-all.conf", tmpdir);
	if ((in = fopen(path, "r")) == NULL || (o = fopen(out, "w")) == NULL)
		fail_msg("cannot copy %s", path);
	while (fgets(line, sizeof(line), in) != NULL) {
		/* "\t#key = value" is a key; "\t# text" is prose. */
		if (line[0] == '\t' && line[1] == '#' && line[2] != ' ' &&
		    line[2] != '\n') {
			fputs("\t", o);
			fputs(line + 2, o);
			nkeys++;
		} else
			fputs(line, o);
	}
	fclose(in);
	fclose(o);
	assert_true(nkeys > 30);
	master_opts_defaults(&m);
	assert_int_equal(load_master(out, &m), 0);
	assert_string_equal(logged, "");
	assert_int_equal(m.c.heartbeat_timeout_ns, 10 * NS);
	master_opts_free(&m);
	slave_opts_defaults(&s);
	assert_int_equal(load_slave(out, &s), 0);
	assert_string_equal(logged, "");
	assert_int_equal(s.allow.n, 2);
	assert_int_equal(s.max_conf_size, 1073741824);
	slave_opts_free(&s);
	unlink(out);
}

static int
setup(void **state)
{
	const char	*env = getenv("SYNEXEC_TOP");
	const char	*tmp = getenv("TMPDIR");

	(void)state;
	if (env != NULL && *env != '\0')
		snprintf(top, sizeof(top), "%s", env);
	else if (getcwd(top, sizeof(top)) == NULL)
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_conf.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(logpath, sizeof(logpath), "%s/log", tmpdir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(logpath);
	rmdir(tmpdir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad_files_listed),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_port_out_of_range_line_7),
		cmocka_unit_test(test_path_as_given),
		cmocka_unit_test(test_missing_and_unreadable),
		cmocka_unit_test(test_files_setting_nothing),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_origin_lines),
		cmocka_unit_test(test_one_section),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_example_uncommented),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
