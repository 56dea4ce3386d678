/*
 * child.c - the task's process from its creation to its exec.
 *
 * The process is created by clone(CLONE_VM) where rawsys.h has native
 * system calls (x86-64, AArch64): it shares our memory, our stack excepted,
 * until its exec (child_spawn says why), and so does everything it runs
 * before the exec: child_main() and the functions marked CHILD_FN.  The
 * rules of that code, which hold in a forked process too so that the two
 * ways run the same code:
 *
 *   - raw system calls only (rawsys.h), never libc: a libc function may
 *     change state we share with it (errno above all: an execve of a
 *     missing file would change ours under our feet, between one of our
 *     calls and our look at errno), take a lock, or run a sanitizer's
 *     interceptor on our memory;
 *   - it reads only its launch block (struct child_launch, built by task.c
 *     before the process exists and freed only once it is reaped) and
 *     writes only its own stack (CHILD_STACK_LEN, a guard page below): no
 *     global, no heap, no buffer of ours;
 *   - no instrumentation (CHILD_FN: no ASan, no UBSan), no recursion, no
 *     large frame;
 *   - every signal stays blocked until every disposition is back to its
 *     default: until then a signal would run one of our handlers on our
 *     memory;
 *   - it ends in execve() or exit_group(), never by returning into our
 *     code: a failure is written to the error pipe (struct child_msg) and
 *     the process exits 127 (126 if it was never released).
 *
 * The rest of this file runs in the slave: the clone itself and the look at
 * the kernel's signal dispositions, whose raw call is here for the same
 * reason (libc hides its own reserved signals).
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "clock.h"
#include "log.h"
#include "rawsys.h"

/*
 * The task's process until its exec runs on a stack of its own in our
 * memory: 64 KiB, the lowest page a guard.  It needs a few hundred bytes.
 * Mapped at the first task and kept: one task at a time uses it, and
 * unmapping it after each would cost a TLB flush on the CPUs that ran it.
 */
#define CHILD_STACK_LEN	(64 * 1024)

/*
 * Code run by the task's process before its exec: raw system calls only
 * (rawsys.h), no libc, no sanitizer instrumentation, since it runs on our
 * memory at the same time as we do.
 */
#define CHILD_FN	__attribute__((no_sanitize("address", "undefined")))

CHILD_FN static void __attribute__((noreturn))
child_exit(int code)
{
	for (;;)
		(void)rawsys1(SYS_exit_group, code);
}

/* In the child: report why the command cannot run (err: -errno), give up. */
CHILD_FN static void __attribute__((noreturn))
child_fail(int fd, int setup, long err)
{
	struct child_msg msg;

	__builtin_memset(&msg, 0, sizeof(msg));
	msg.kind = CHILD_MSG_FAILED;
	msg.setup = setup;
	msg.err = (int)-err;
	if (fd != -1)
		(void)rawsys3(SYS_write, fd, &msg, sizeof(msg));
	child_exit(127);
}

CHILD_FN static uint64_t
child_clock(clockid_t clock)
{
	struct timespec ts;

	if (rawsys2(SYS_clock_gettime, clock, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* fcntl(fd, F_DUPFD_CLOEXEC, above the task's own descriptors), or fail. */
CHILD_FN static int
child_lift(int fd, int err_wr)
{
	long r = rawsys3(SYS_fcntl, fd, F_DUPFD_CLOEXEC, CHILD_FD_FIRST_FREE);

	if (r < 0)
		child_fail(err_wr, 1, r);
	return (int)r;
}

CHILD_FN static void
child_dup(int from, int to, int flags, int err_wr)
{
	long r = rawsys3(SYS_dup3, from, to, flags);

	if (r < 0)
		child_fail(err_wr, 1, r);
}

/*
 * The task's process, from its creation to its exec.  Created with every
 * signal blocked: until the dispositions are back to their defaults a signal
 * would run one of our handlers, on our memory.
 */
CHILD_FN static int
child_main(void *arg)
{
	const struct child_launch *tl = arg;
	/* A kernel sigaction of SIG_DFL, whatever the architecture's layout. */
	long		 dfl[8] = { 0 };
	uint64_t	 none[2] = { 0, 0 }, when = 0;
	struct timespec	 ts;
	struct child_msg msg;
	int		 sig, devnull, out, errout, start_rd, err_wr, prog_wr;
	long		 r, fd;

	/* A fresh process's dispositions (an ignored SIGPIPE survives exec). */
	for (sig = 1; sig <= 64; sig++)
		if (tl->reset & (1ULL << (sig - 1)))
			(void)rawsys4(SYS_rt_sigaction, sig, dfl, 0,
			    (_NSIG - 1) / 8);
	(void)rawsys4(SYS_rt_sigprocmask, SIG_SETMASK, none, 0,
	    (_NSIG - 1) / 8);
	err_wr = tl->err_wr;
	/*
	 * A session of its own, hence a process group of its own too (both
	 * ids are its pid) and no controlling terminal.  Only here, never by
	 * the parent as well: a group leader cannot make a session.
	 */
	if ((r = rawsys0(SYS_setsid)) < 0)
		child_fail(err_wr, 1, r);

	/* Lift our descriptors above 0..5 first, so that no dup clobbers one. */
	devnull = child_lift(tl->devnull, err_wr);
	out = child_lift(tl->out, err_wr);
	errout = tl->errout != -1 ? child_lift(tl->errout, err_wr) : out;
	start_rd = child_lift(tl->start_rd, err_wr);
	prog_wr = child_lift(tl->prog_wr, err_wr);
	err_wr = child_lift(err_wr, err_wr);
	/*
	 * The pipes stay close-on-exec: the task itself sees only 0, 1, 2
	 * and its progress channel.
	 */
	child_dup(devnull, STDIN_FILENO, 0, err_wr);
	child_dup(out, STDOUT_FILENO, 0, err_wr);
	child_dup(errout, STDERR_FILENO, 0, err_wr);
	child_dup(start_rd, CHILD_FD_START, O_CLOEXEC, err_wr);
	child_dup(err_wr, CHILD_FD_ERR, O_CLOEXEC, err_wr);
	child_dup(prog_wr, CHILD_FD_PROGRESS, 0, err_wr);
	err_wr = CHILD_FD_ERR;
	/* Nothing of the slave (sockets, loop, log) may leak into the task. */
#ifdef SYS_close_range
	if (rawsys3(SYS_close_range, CHILD_FD_FIRST_FREE, ~0U, 0) < 0)
#endif
		for (fd = CHILD_FD_FIRST_FREE; fd < tl->open_max; fd++)
			(void)rawsys1(SYS_close, fd);

	/* Become the --run-as user before waiting, so release is only exec. */
	if (tl->runas &&
	    ((r = rawsys2(SYS_setgroups, tl->ngroups, tl->groups)) < 0 ||
	    (r = rawsys1(SYS_setgid, tl->gid)) < 0 ||
	    (r = rawsys1(SYS_setuid, tl->uid)) < 0))
		child_fail(err_wr, 1, r);

	/*
	 * Once told its instant, the child would exec at it on its own: if the
	 * slave dies first (kill -9), it must die too, not run unsupervised.
	 * Set after the user switch (which clears it); the parent check
	 * covers a slave that died before.  Cleared again before the exec.
	 */
	if ((r = rawsys2(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL)) < 0)
		child_fail(err_wr, 1, r);
	if (rawsys0(SYS_getppid) != tl->slave)
		child_exit(126);
	do {
		r = rawsys3(SYS_read, CHILD_FD_START, &when, sizeof(when));
	} while (r == -EINTR);
	if (r != (long)sizeof(when))
		child_exit(126);	/* never released: the slave gave up */
	/* The slave's timer slack (1 ns) is still ours: wake precisely. */
	if (when != 0) {
		ts.tv_sec = (time_t)(when / NSEC_PER_SEC);
		ts.tv_nsec = (long)(when % NSEC_PER_SEC);
		while (rawsys4(SYS_clock_nanosleep, CLOCK_MONOTONIC,
		    TIMER_ABSTIME, &ts, 0) == -EINTR)
			;
	}
	__builtin_memset(&msg, 0, sizeof(msg));
	msg.kind = CHILD_MSG_STARTED;
	msg.mono_ns = child_clock(CLOCK_MONOTONIC);
	msg.real_ns = child_clock(CLOCK_REALTIME);
	/* The slave's precise timer slack was for the start; not the task's. */
	if (tl->timerslack_ns > 0)
		(void)rawsys2(SYS_prctl, PR_SET_TIMERSLACK, tl->timerslack_ns);
	/* Started, the task outlives its slave as it always did. */
	(void)rawsys2(SYS_prctl, PR_SET_PDEATHSIG, 0);
	(void)rawsys3(SYS_write, err_wr, &msg, sizeof(msg));
	r = rawsys3(SYS_execve, tl->path, tl->argv, tl->env);
	child_fail(err_wr, 0, r);
}

uint64_t
child_signals_to_reset(void)
{
	/* Ours, should a watcher of them start after this look. */
	static const int always[] = { SIGPIPE, SIGTERM, SIGINT, SIGCHLD,
	    SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	uint64_t reset = 0;
	long	 old[8];
	size_t	 i;
	int	 sig;

	for (i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		reset |= 1ULL << (always[i] - 1);
	/*
	 * The kernel's own view, so that libc's reserved signals (32, 33),
	 * which sigaction() will not show, are seen too: anything but an
	 * all-zero entry (SIG_DFL, no flags, no mask) is reset.
	 */
	for (sig = 1; sig <= 64 && sig < _NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		memset(old, 0, sizeof(old));
		if (rawsys4(SYS_rt_sigaction, sig, 0, old, (_NSIG - 1) / 8) != 0)
			continue;
		for (i = 0; i < sizeof(old) / sizeof(old[0]); i++)
			if (old[i] != 0)
				reset |= 1ULL << (sig - 1);
	}
	return reset;
}

/*
 * Create the task's process, which runs child_main() until its exec.
 *
 * It is cloned with our memory (CLONE_VM), not forked: a fork copies our
 * page tables for the child, and its exec, at the start instant, must tear
 * down that copy again.  With 128 tasks starting at once on 2 CPUs that
 * teardown was a fifth of the start spread (bench/README.md).  Sharing our
 * memory is safe because the child only reads tl, writes on its own stack
 * and makes raw system calls (rawsys.h); every signal is blocked around the
 * clone, so that none of our handlers can run in it before it has reset
 * them.  A plain fork where rawsys.h has no native system calls, under
 * valgrind, or where the clone is refused.
 */
pid_t
child_spawn(struct child_launch *tl, bool force_fork)
{
	static bool	 clone_refused, clone_checked;
	static char	*stack;
	const char	*preload;
	sigset_t	 all, old;
	pid_t		 pid = -1;
	int		 saved;
	long		 page = sysconf(_SC_PAGESIZE);
	bool		 clone_vm;

	/* valgrind does not survive such a clone: it exits at once. */
	if (!clone_checked) {
		clone_checked = true;
		preload = getenv("LD_PRELOAD");
		if (preload != NULL && strstr(preload, "/vgpreload_") != NULL) {
			log_debug("under valgrind: tasks are forked");
			clone_refused = true;
		}
	}
	clone_vm = RAWSYS_NATIVE && !force_fork && !clone_refused;

	if (clone_vm && stack == NULL) {
		stack = mmap(NULL, CHILD_STACK_LEN, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		if (stack == MAP_FAILED) {
			stack = NULL;
			return -1;
		}
		/* An overflow faults in the child instead of writing on ours. */
		(void)mprotect(stack, page > 0 ? (size_t)page : 4096,
		    PROT_NONE);
	}
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	if (clone_vm) {
		pid = clone(child_main, stack + CHILD_STACK_LEN,
		    CLONE_VM | SIGCHLD, tl);
		/*
		 * Refused outright (a seccomp filter may forbid it): fork,
		 * now and from now on.
		 */
		if (pid == -1 && errno != EAGAIN && errno != ENOMEM) {
			log_info("clone(CLONE_VM) refused (%s): tasks are "
			    "forked instead", strerror(errno));
			clone_refused = true;
			clone_vm = false;
		}
	}
	if (!clone_vm && (pid = fork()) == 0)
		child_main(tl);
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return pid;
}
