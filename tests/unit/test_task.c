/*
 * test_task.c - the task's process (slave/task.c), created both ways: cloned
 * with the slave's memory until its exec (the default on x86-64 and AArch64)
 * and forked (elsewhere).  Either way the task must see a fresh process's
 * signal dispositions and mask, a session of its own without a controlling
 * terminal, and only descriptors 0, 1, 2 and its progress channel; it must
 * start at its instant, not before; its exit code and a failed exec must be
 * reported; stopped past its instant it was stopped,
 * not "never started"; a failing exec must not touch the slave's errno,
 * which a cloned task shares until its exec; and a task run as another user
 * must leave the slave dumpable once it is gone.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "slave.h"

static char		 dir[] = "/tmp/synexec-test-task.XXXXXX";
static char		 outpath[512];
static struct ev_loop	*loop;

static void
ignore_usr1(int sig)
{
	(void)sig;
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(outpath, sizeof(outpath), "%s/task.out", dir);
	loop = ev_loop_new(EVFLAG_AUTO);
	/* What a slave has: SIGPIPE ignored, handlers, a blocked signal. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGUSR1, ignore_usr1);
	return loop == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(outpath);
	rmdir(dir);
	ev_loop_destroy(loop);
	return 0;
}

/* The two ways, given to each test as its state. */
static bool	 way_clone = false, way_fork = true;

/* Arm path argv (as ra, if not NULL) the test's way: cloned or forked. */
static void
arm(struct task *t, void **state, const char *path, char *const *argv,
    const struct task_runas *ra)
{
	struct task_spec	sp;
	char			why[256];

	task_force_fork = *(bool *)*state;
	task_init(t, loop);
	memset(&sp, 0, sizeof(sp));
	sp.path = path;
	sp.argv = argv;
	if ((sp.output_fd = safefile_output(outpath, ra, why,
	    sizeof(why))) == -1)
		fail_msg("safefile_output: %s", why);
	sp.runas = ra;
	sp.name = "t";
	sp.master = "127.0.0.1";
	sp.nslaves = 1;
	if (task_arm(t, &sp, why, sizeof(why)) == -1)
		fail_msg("task_arm: %s", why);
}

/* Reap within 5 s, as the slave's SIGCHLD callback would. */
static void
reap(struct task *t)
{
	int i;

	for (i = 0; i < 5000 && !task_reap(t); i++)
		usleep(1000);
	assert_int_equal(t->state, TASK_DONE);
}

static void
read_output(char *buf, size_t len)
{
	int	fd = open(outpath, O_RDONLY);
	ssize_t	n;

	assert_true(fd != -1);
	n = read(fd, buf, len - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
}

/*
 * What the task's process looks like from inside, both ways.  The signals
 * are read by an exec'd grep of its own status: the shell's own mask moves
 * while it forks.
 */
static void
test_fresh_process(void **state)
{
	static char *const argv[] = { "sh", "-c",
	    "printf fds:; f=0; while [ $f -lt 64 ]; do "
	    "[ -e /proc/$$/fd/$f ] && printf ' %s' $f; f=$((f+1)); done; echo; "
	    "echo progress: $SYNEXEC_PROGRESS_FD; "
	    "set -- $(cut -d')' -f2 /proc/$$/stat); "
	    "[ $4 = $$ ] && [ $3 = $$ ] && [ $5 = 0 ] && echo own session; "
	    "exec grep -E '^Sig(Ign|Blk):' /proc/self/status", NULL };
	struct task		 t;
	sigset_t		 blk, old;
	char			 out[1024];

	sigemptyset(&blk);
	sigaddset(&blk, SIGUSR2);
	sigprocmask(SIG_BLOCK, &blk, &old);
	arm(&t, state, "/bin/sh", argv, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	task_release(&t, 0);
	reap(&t);
	assert_int_equal(task_exit_code(&t), 0);
	assert_true(t.started);
	read_output(out, sizeof(out));
	if (strstr(out, "fds: 0 1 2 5\n") == NULL)
		fail_msg("task output: %s", out);
	if (strstr(out, "SigIgn:\t0000000000000000\n") == NULL)
		fail_msg("task output: %s", out);
	assert_non_null(strstr(out, "SigBlk:\t0000000000000000\n"));
	assert_non_null(strstr(out, "progress: 5\n"));
	/* Leader of its session and group, no controlling terminal. */
	if (strstr(out, "own session\n") == NULL)
		fail_msg("task output: %s", out);
	task_clear(&t);
}

/* A failing exec: reported as such, and our errno left alone. */
static void
test_exec_failure(void **state)
{
	static char *const argv[] = { "missing", NULL };
	struct task		 t;
	siginfo_t		 si;
	char			 why[256];
	int			 i;

	arm(&t, state, "/nonexistent/missing", argv, NULL);
	errno = EXDEV;
	task_schedule(&t, 0);
	/* Wait for its end with calls that leave errno alone on success. */
	memset(&si, 0, sizeof(si));
	for (i = 0; i < 5000; i++) {
		if (waitid(P_PID, (id_t)t.pid, &si, WEXITED | WNOHANG |
		    WNOWAIT) == 0 && si.si_pid == t.pid)
			break;
		usleep(1000);
	}
	assert_int_equal(si.si_pid, t.pid);
	assert_int_equal(errno, EXDEV);
	task_release(&t, 0);
	reap(&t);
	assert_int_equal(t.exec_errno, ENOENT);
	task_describe(&t, why, sizeof(why));
	assert_string_equal(why, "not started: No such file or directory");
	task_clear(&t);
}

/* Told an instant 50 ms ahead, the task wakes at it, not before; its code. */
static void
test_instant(void **state)
{
	static char *const argv[] = { "sh", "-c", "exit 7", NULL };
	struct task		 t;
	uint64_t		 when;

	arm(&t, state, "/bin/sh", argv, NULL);
	when = mono_ns() + 50 * NSEC_PER_MSEC;
	task_schedule(&t, when);
	reap(&t);
	assert_true(t.started);
	assert_true(t.start_mono_ns >= when);
	assert_true(t.start_mono_ns < when + 1000 * NSEC_PER_MSEC);
	assert_int_equal(task_exit_code(&t), 7);
	task_clear(&t);
}

/* Stopped while armed: it never runs, and says so. */
static void
test_stop_armed(void **state)
{
	static char *const argv[] = { "sh", "-c", "echo ran", NULL };
	struct task		 t;
	char			 buf[256];

	arm(&t, state, "/bin/sh", argv, NULL);
	task_stop(&t, 0);
	reap(&t);
	assert_false(t.started);
	task_describe(&t, buf, sizeof(buf));
	assert_string_equal(buf, "not started");
	read_output(buf, sizeof(buf));
	assert_string_equal(buf, "");
	task_clear(&t);
}

/*
 * Stopped after its instant but before its exec (a busy host: here, held by
 * SIGSTOP): it was stopped, not "never started".
 */
static void
test_stop_due(void **state)
{
	static char *const argv[] = { "sh", "-c", "echo ran", NULL };
	struct task		 t;
	char			 buf[256];
	uint64_t		 when;

	arm(&t, state, "/bin/sh", argv, NULL);
	when = mono_ns() + 20 * NSEC_PER_MSEC;
	task_schedule(&t, when);
	assert_int_equal(kill(t.pid, SIGSTOP), 0);
	while (mono_ns() < when + 30 * NSEC_PER_MSEC)
		usleep(5000);
	task_stop(&t, NSEC_PER_SEC);
	assert_int_equal(kill(t.pid, SIGCONT), 0);
	reap(&t);
	assert_false(t.started);
	task_describe(&t, buf, sizeof(buf));
	assert_string_equal(buf, "killed by signal 15 (Terminated)");
	read_output(buf, sizeof(buf));
	assert_string_equal(buf, "");
	task_clear(&t);
}

/*
 * A task run as another user (--run-as; root only): the kernel marks the
 * memory a cloned task shares with us as not dumpable when it switches
 * user; once it is reaped we are dumpable again, as before.
 */
static void
test_runas_dumpable(void **state)
{
	static char *const argv[] = { "sh", "-c", "id -u", NULL };
	gid_t			 groups[1] = { 65534 };
	struct task_runas	 ra = { .user = "nobody", .uid = 65534,
				    .gid = 65534, .groups = groups,
				    .ngroups = 1 };
	struct task		 t;
	char			 buf[256];

	if (geteuid() != 0)
		skip();
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
	arm(&t, state, "/bin/sh", argv, &ra);
	task_release(&t, 0);
	reap(&t);
	assert_int_equal(task_exit_code(&t), 0);
	read_output(buf, sizeof(buf));
	assert_string_equal(buf, "65534\n");
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
	task_clear(&t);
}

/* Each test twice: its process cloned (the default), then forked. */
#define BOTH_WAYS(f) \
	{ #f " (cloned)", f, NULL, NULL, &way_clone }, \
	{ #f " (forked)", f, NULL, NULL, &way_fork }

int
main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH_WAYS(test_fresh_process),
		BOTH_WAYS(test_exec_failure),
		BOTH_WAYS(test_instant),
		BOTH_WAYS(test_stop_armed),
		BOTH_WAYS(test_stop_due),
		BOTH_WAYS(test_runas_dumpable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
