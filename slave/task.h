/*
 * task.h - the task's process, as a state machine (task.c).
 */
#ifndef SYNEXEC_SLAVE_TASK_H
#define SYNEXEC_SLAVE_TASK_H

#include <sys/types.h>
#include <sys/resource.h>

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "progress.h"
#include "proto.h"

/* The transitions, and the function that makes each, are in task.c. */
enum task_state {
	TASK_IDLE,		/* no process */
	TASK_ARMED,		/* created, blocked on its start pipe */
	TASK_SCHEDULED,		/* its instant written: it sleeps, then execs */
	TASK_RUNNING,		/* its instant has come (our view) */
	TASK_CANCELLED,		/* stopped before its instant: never runs */
	TASK_STOPPING,		/* stopped while running: SIGTERM sent,
				   SIGKILL when kill_timer fires */
	TASK_REAPED,		/* its first process reaped after a stop; the
				   rest of its group awaited (kill_timer) */
	TASK_DONE,		/* over: its result is final */
};

struct task_runas {
	char	*user;
	uid_t	 uid;
	gid_t	 gid;
	gid_t	*groups;
	int	 ngroups;
};

/* What arming needs; every string is copied or used before task_arm returns. */
struct task_spec {
	const char		*path;		/* to execve() */
	char *const		*argv;
	int			 output_fd;	/* -o, from safefile.c: task_arm
						   owns it, armed or not */
	int			 stderr_fd;	/* -e, the same; -1: stderr to
						   output_fd (merged) */
	const struct task_runas	*runas;		/* NULL: run as ourselves */
	uint32_t		 session;
	const char		*name;
	uint32_t		 index;
	uint32_t		 nslaves;
	const char		*master;
	/* The campaign's run (RUN; 0, 1, 0 and "" from a master that
	   does not say). */
	uint32_t		 run;
	uint32_t		 runs;
	uint32_t		 repeat;
	const char		*conf;		/* the session file's base name */
};

struct child_launch;

struct task {
	struct ev_loop	*loop;
	enum task_state	 state;
	pid_t		 pid;		/* also the process group id */
	int		 start_fd;	/* write end of the start pipe, -1 once used */
	int		 err_fd;	/* read end of the error pipe (child.h) */
	int		 out_fd;	/* the output file, for its size */
	int		 stderr_fd;	/* its stderr's file; -1: merged */
	ev_timer	 kill_timer;	/* STOPPING: the grace; REAPED: 1 s */
	uint64_t	 sched_mono_ns;	/* the instant asked for (SCHEDULED on) */
	/*
	 * Its start: its own word, once its record came (started), else the
	 * instant, from RUNNING on; the moment it was reaped if it never ran.
	 */
	bool		 started;
	uint64_t	 start_mono_ns;
	uint64_t	 start_real_ns;
	int		 exec_errno;	/* != 0: exec (or setup) failed in the child */
	bool		 exec_setup;	/* the failure was before exec (setup) */
	struct proto_result result;	/* judged when reaped (REAPED, DONE) */
	/* Also judged when reaped: its stderr, and why it did not start. */
	uint64_t	 stderr_bytes;	/* its stderr file's size (0: merged) */
	char		 start_error[512]; /* "/opt/x/run: Permission denied" */
	uint8_t		 tail[PROTO_TAIL_MAX];	/* failed: its stderr's last */
	size_t		 tail_len;		/* lines (task_tail) */
	char		*path;		/* what it runs, for start_error */
	int		 timerslack_ns;	/* the process's own, given back to tasks */
	int		 dumpable;	/* ours, given back after a --run-as task */
	struct child_launch *launch;	/* what its process reads until reaped */
	uint64_t	 reset_signals;	/* bit N-1: signal N not at its default */
	struct progress	 prog;		/* its progress channel (progress.c) */
};

/*
 * Create the task's process by fork() even where it could share our memory
 * until its exec (task.c): for the unit test of both ways.
 */
extern bool task_force_fork;

void	task_init(struct task *, struct ev_loop *);
/*
 * Note which signals we handle or ignore (ourselves, or inherited), for the
 * task's process to give them their default action again: once our signal
 * watchers are started.
 */
void	task_note_signals(struct task *);
/* IDLE -> ARMED; -1 with the reason (still IDLE). */
int	task_arm(struct task *, const struct task_spec *, char *why,
	    size_t whylen);
/*
 * ARMED -> SCHEDULED: tell it its start instant (CLOCK_MONOTONIC): it sleeps
 * until then by itself and execs (task.c says why).  Call as soon as it is
 * known.  In another state: nothing.
 */
void	task_schedule(struct task *, uint64_t when_mono_ns);
/*
 * SCHEDULED -> RUNNING: the instant has come; or ARMED -> RUNNING: start now,
 * the instant asked for being sched_mono_ns (lateness is counted from it).
 * In another state: nothing.
 */
void	task_release(struct task *, uint64_t sched_mono_ns);
/*
 * SCHEDULED -> RUNNING if its instant has come, though our timer for it has
 * not fired (uplink.h) and its process may not have exec'd yet (a busy
 * host), or if it said it woke.
 */
void	task_catch_up(struct task *);
/*
 * From SIGCHLD: true if the task is over just now (DONE): its process
 * reaped and, if it was being stopped, nothing left of its process group
 * (or 1 s gone).
 */
bool	task_reap(struct task *);
/*
 * Stop it: before its instant, it never runs (CANCELLED); running, SIGTERM
 * to its process group and SIGKILL after grace_ns, at once if 0 (STOPPING);
 * asked again, SIGKILL now.
 */
void	task_stop(struct task *, uint64_t grace_ns);
/* Has it a process (or a process group) still: ARMED to REAPED? */
bool	task_alive(const struct task *);
/* Is it being stopped: CANCELLED, STOPPING or REAPED? */
bool	task_stopping(const struct task *);
/* Is pid its first process, not reaped yet? */
bool	task_is_leader(const struct task *, pid_t);
/* Alive and past its instant: RUNNING, or SCHEDULED for an instant come. */
bool	task_due(const struct task *);
/* Its state as REPORT says it (TASK_STATE_*, proto.h). */
uint8_t	task_report_state(const struct task *);
/* Since its start (or its instant), its duration once over; 0 before. */
uint64_t task_elapsed_ns(const struct task *);
/* Its output file's size so far, or when it was reaped; 0 without one. */
uint64_t task_output_bytes(const struct task *);
/* The same of its stderr file (0 when merged into the output file). */
uint64_t task_stderr_bytes(const struct task *);
/* Did it fail: exit not 0, a signal, an exec or setup that failed? */
bool	task_failed(const struct task *);
/* Its result (REAPED, DONE). */
void	task_result(const struct task *, struct proto_result *);
void	task_v1_result(const struct task *, struct proto_v1_result *);
/* Exit code for -1: the code, 128+N for signal N, 1 if it never ran. */
int	task_exit_code(const struct task *);
/* "exited 0", "killed by signal 15", "not started: /x: No such file ..." */
void	task_describe(const struct task *, char *buf, size_t len);
/* DONE -> IDLE once the result has been used (closes what is left). */
void	task_clear(struct task *);

#endif
