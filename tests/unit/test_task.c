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
 *
 * And the states of task.c's machine, each transition seen: ARMED,
 * SCHEDULED, RUNNING; CANCELLED (stopped before its instant: it never runs,
 * whatever comes after); STOPPING (SIGTERM, SIGKILL when the grace is
 * over); REAPED (its first process gone, the rest of its group awaited)
 * until its group is gone or 1 s has passed; DONE; IDLE.  task_due() by the
 * clock alone.
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
	struct safefile		sf;
	char			why[256];

	task_force_fork = *(bool *)*state;
	task_init(t, loop);
	/* A fresh output file (the --run-as test leaves nobody's). */
	(void)unlink(outpath);
	memset(&sp, 0, sizeof(sp));
	sp.path = path;
	sp.argv = argv;
	safefile_init(&sf, "-o");
	safefile_set(&sf, outpath, false);
	if ((sp.output_fd = safefile_open(&sf, ra, why, sizeof(why))) == -1)
		fail_msg("safefile_open: %s", why);
	/* Its stderr with its stdout, as with --merge-stderr. */
	sp.stderr_fd = -1;
	safefile_release(&sf);
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

/* Until the output file holds what, 5 s at most. */
static void
wait_output(const char *what)
{
	char	buf[256];
	int	i;

	for (i = 0; i < 500; i++) {
		read_output(buf, sizeof(buf));
		if (strstr(buf, what) != NULL)
			return;
		usleep(10000);
	}
	fail_msg("task output without '%s': %s", what, buf);
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
	/* Named as a shell would, and written where its stderr goes. */
	assert_string_equal(why, "not started: /nonexistent/missing: No such "
	    "file or directory");
	assert_int_equal(t.tail_len, 48);
	assert_memory_equal(t.tail, "/nonexistent/missing: No such file or "
	    "directory\n", 48);
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

/* Its instant alone makes a scheduled task due, before our timer marks it. */
static void
test_due(void **state)
{
	struct task t;

	(void)state;
	task_init(&t, NULL);
	assert_false(task_due(&t));		/* idle */
	t.state = TASK_ARMED;
	assert_false(task_due(&t));		/* armed, no instant yet */
	t.state = TASK_SCHEDULED;
	t.sched_mono_ns = mono_ns() + 10 * NSEC_PER_SEC;
	assert_false(task_due(&t));		/* its instant is to come */
	t.sched_mono_ns = mono_ns() - 1;
	assert_true(task_due(&t));		/* it came: the task runs */
	t.state = TASK_RUNNING;			/* started at once (2014 EXEC) */
	assert_true(task_due(&t));
	t.state = TASK_CANCELLED;		/* stopped before: never runs */
	assert_false(task_due(&t));
}

/*
 * Each state in its turn: ARMED, SCHEDULED, RUNNING (our timer for its
 * instant), DONE, IDLE; and its start said by its own record.
 */
static void
test_states(void **state)
{
	static char *const argv[] = { "sh", "-c", "exit 3", NULL };
	struct task		 t;
	uint64_t		 when;

	arm(&t, state, "/bin/sh", argv, NULL);
	assert_int_equal(t.state, TASK_ARMED);
	assert_true(task_alive(&t));
	when = mono_ns() + 20 * NSEC_PER_MSEC;
	task_schedule(&t, when);
	assert_int_equal(t.state, TASK_SCHEDULED);
	task_schedule(&t, when + NSEC_PER_SEC);	/* once only */
	assert_true(t.sched_mono_ns == when);
	while (mono_ns() < when + 50 * NSEC_PER_MSEC)
		usleep(5000);
	task_release(&t, when);
	assert_int_equal(t.state, TASK_RUNNING);
	assert_false(task_stopping(&t));
	reap(&t);
	assert_true(t.started);
	assert_true(t.start_mono_ns >= when);
	assert_int_equal(task_exit_code(&t), 3);
	assert_false(task_alive(&t));
	task_clear(&t);
	assert_int_equal(t.state, TASK_IDLE);
}

/*
 * Stopped while scheduled, before its instant: CANCELLED, and it never runs,
 * even once its instant has passed; a START that comes after it (a master
 * that sent ABORT first) changes nothing.
 */
static void
test_cancel_scheduled(void **state)
{
	static char *const argv[] = { "sh", "-c", "echo ran", NULL };
	struct task		 t;
	char			 buf[256];

	arm(&t, state, "/bin/sh", argv, NULL);
	task_schedule(&t, mono_ns() + 200 * NSEC_PER_MSEC);
	task_stop(&t, NSEC_PER_SEC);
	assert_int_equal(t.state, TASK_CANCELLED);
	assert_true(task_stopping(&t));
	task_schedule(&t, 0);
	task_release(&t, 0);
	assert_int_equal(t.state, TASK_CANCELLED);
	assert_false(task_due(&t));
	reap(&t);
	assert_false(t.started);
	task_describe(&t, buf, sizeof(buf));
	assert_string_equal(buf, "not started");
	assert_int_equal(task_exit_code(&t), 1);
	usleep(300000);				/* past its instant */
	read_output(buf, sizeof(buf));
	assert_string_equal(buf, "");
	task_clear(&t);
}

/*
 * Stopped while running, it ignores SIGTERM: STOPPING until the grace is
 * over, then SIGKILL (kill_timer).
 */
static void
test_grace(void **state)
{
	static char *const argv[] = { "sh", "-c",
	    "trap '' TERM; echo ready; exec sleep 30", NULL };
	struct task		 t;
	char			 buf[256];
	int			 i;

	arm(&t, state, "/bin/sh", argv, NULL);
	task_release(&t, 0);
	wait_output("ready");
	task_stop(&t, 100 * NSEC_PER_MSEC);
	assert_int_equal(t.state, TASK_STOPPING);
	assert_true(task_stopping(&t));
	usleep(50000);
	assert_false(task_reap(&t));		/* SIGTERM is ignored */
	for (i = 0; i < 100 && ev_is_active(&t.kill_timer); i++)
		ev_run(loop, EVRUN_ONCE);	/* the grace is over: SIGKILL */
	reap(&t);
	task_describe(&t, buf, sizeof(buf));
	assert_string_equal(buf, "killed by signal 9 (Killed)");
	task_clear(&t);
}

/*
 * Stopped while running, its first process dies of SIGTERM and leaves a
 * process in its group that ignores it: REAPED, its result already judged,
 * until nothing of its group is left, zombies included (here the test
 * reaps the orphan, as the slave, their subreaper, does), or until 1 s has
 * passed (late: then it is reported anyway).
 */
static void
test_reaped(void **state, bool late)
{
	static char *const argv[] = { "sh", "-c",
	    "(trap '' TERM; echo ready; exec sleep 30) & wait", NULL };
	struct task		 t;
	char			 buf[256];
	int			 i;

	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1UL, 0, 0, 0), 0);
	arm(&t, state, "/bin/sh", argv, NULL);
	task_release(&t, 0);
	wait_output("ready");
	task_stop(&t, 5 * NSEC_PER_SEC);
	for (i = 0; i < 5000 && t.state == TASK_STOPPING; i++) {
		assert_false(task_reap(&t));
		usleep(1000);
	}
	assert_int_equal(t.state, TASK_REAPED);
	assert_true(task_alive(&t));
	assert_true(task_stopping(&t));
	assert_false(task_is_leader(&t, t.pid));
	assert_false(task_reap(&t));		/* the orphan, a zombie of ours */
	task_describe(&t, buf, sizeof(buf));
	assert_string_equal(buf, "killed by signal 15 (Terminated)");
	if (late)			/* 1 s: given up on */
		for (i = 0; i < 100 && ev_is_active(&t.kill_timer); i++)
			ev_run(loop, EVRUN_ONCE);
	else
		for (i = 0; i < 5000 && waitpid(-t.pid, NULL, WNOHANG) <= 0;
		    i++)
			usleep(1000);
	assert_true(task_reap(&t));
	assert_int_equal(t.state, TASK_DONE);
	if (late)
		for (i = 0; i < 5000 && waitpid(-t.pid, NULL, WNOHANG) <= 0;
		    i++)
			usleep(1000);
	task_clear(&t);
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0UL, 0, 0, 0), 0);
}

static void
test_reaped_group_gone(void **state)
{
	test_reaped(state, false);
}

static void
test_reaped_group_late(void **state)
{
	test_reaped(state, true);
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
		cmocka_unit_test(test_due),
		BOTH_WAYS(test_states),
		BOTH_WAYS(test_cancel_scheduled),
		BOTH_WAYS(test_grace),
		BOTH_WAYS(test_reaped_group_gone),
		BOTH_WAYS(test_reaped_group_late),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
