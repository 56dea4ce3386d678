/*
 * child.h - the task's process from its creation to its exec (child.c).
 *
 * task.c builds a launch block and the pipes, child_spawn() creates the
 * process, which runs child.c's code on that block until its exec, and
 * says on its error pipe when it woke for its exec or why it could not.
 */
#ifndef SYNEXEC_SLAVE_CHILD_H
#define SYNEXEC_SLAVE_CHILD_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

#include "progress.h"

/* Descriptors of the task's process, in the order it expects them. */
enum {
	CHILD_FD_START = 3,		/* the start pipe: its instant */
	CHILD_FD_ERR = 4,		/* the error pipe: struct child_msg */
	CHILD_FD_PROGRESS = PROGRESS_FD,
	CHILD_FD_FIRST_FREE = PROGRESS_FD + 1
};

/*
 * What the process writes to its error pipe: when it started (just before
 * its exec), and why, if it cannot run the command.  One record per write,
 * well under PIPE_BUF: never mixed.
 */
enum { CHILD_MSG_STARTED = 1, CHILD_MSG_FAILED = 2 };
struct child_msg {
	int		kind;		/* CHILD_MSG_* */
	int		setup;		/* 1: failed before exec (descriptors, user) */
	int		err;		/* errno */
	uint64_t	mono_ns;	/* STARTED: CLOCK_MONOTONIC at its wake-up */
	uint64_t	real_ns;	/* STARTED: CLOCK_REALTIME, the same moment */
};

/*
 * What the process reads between its creation and its exec.  Until its exec
 * it shares our memory (child_spawn), so this is built before it exists,
 * never changed, and freed only once it has been reaped.
 */
struct child_launch {
	int		 devnull, out, start_rd, err_wr, prog_wr; /* ours */
	int		 errout;	/* its stderr's file; -1: out's */
	char		*path;
	char		**argv;
	char		**env;
	bool		 runas;
	uid_t		 uid;
	gid_t		 gid;
	gid_t		*groups;
	int		 ngroups;
	pid_t		 slave;
	long		 timerslack_ns;	/* <= 0: leave it */
	long		 open_max;	/* for closing without close_range */
	uint64_t	 reset;		/* bit N-1: give signal N its default */
};

/*
 * The signals we handle or ignore (ourselves, or inherited), as the kernel
 * sees them: bit N-1 for signal N, which the process gives its default
 * action again.  Look once our signal watchers are started.
 */
uint64_t child_signals_to_reset(void);
/*
 * Create the process, which runs on tl until its exec: cloned with our
 * memory where it can be, forked where not or if force_fork.  -1 (errno).
 */
pid_t	child_spawn(struct child_launch *tl, bool force_fork);

#endif
