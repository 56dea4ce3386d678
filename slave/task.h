/*
 * task.h - the task's process (task.c).
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

enum task_state {
	TASK_IDLE,	/* no process */
	TASK_ARMED,	/* created, blocked on its start pipe */
	TASK_RUNNING,	/* released (or its process died before release) */
	TASK_DONE,	/* reaped: result is valid */
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
	const struct task_runas	*runas;		/* NULL: run as ourselves */
	uint32_t		 session;
	const char		*name;
	uint32_t		 index;
	uint32_t		 nslaves;
	const char		*master;
};

struct child_launch;

struct task {
	struct ev_loop	*loop;
	enum task_state	 state;
	pid_t		 pid;		/* also the process group id */
	int		 start_fd;	/* write end of the start pipe, -1 once used */
	int		 err_fd;	/* read end of the exec-error pipe */
	int		 out_fd;	/* the output file, for its size at reap */
	bool		 released;	/* its instant has come (our view) */
	bool		 scheduled;	/* its instant is written: it sleeps */
	bool		 started;	/* it said it woke (its error pipe) */
	bool		 stopping;	/* SIGTERM sent, SIGKILL on kill_timer */
	bool		 leader_reaped;	/* waited for; its group not gone yet */
	bool		 group_late;	/* gave up waiting for its group */
	ev_timer	 kill_timer;	/* also bounds the wait for the group */
	uint64_t	 sched_mono_ns;	/* the instant asked for */
	uint64_t	 start_mono_ns;
	uint64_t	 start_real_ns;
	uint64_t	 finish_real_ns;
	int		 status;	/* from wait4 */
	struct rusage	 ru;
	int		 exec_errno;	/* != 0: exec (or setup) failed in the child */
	bool		 exec_setup;	/* the failure was before exec (setup) */
	uint64_t	 output_bytes;
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
int	task_arm(struct task *, const struct task_spec *, char *why,
	    size_t whylen);
/*
 * Tell the armed task its start instant (CLOCK_MONOTONIC): it sleeps until
 * then by itself and execs (task.c says why).  Call as soon as it is known.
 */
void	task_schedule(struct task *, uint64_t when_mono_ns);
/*
 * The instant has come (scheduled), or start now (not scheduled: the instant
 * asked for is sched_mono_ns, lateness is counted from it).
 */
void	task_release(struct task *, uint64_t sched_mono_ns);
/*
 * Its instant has come, though our timer for it has not fired (slave.h) and
 * its process may not have exec'd yet (a busy host): released from now on.
 */
void	task_catch_up(struct task *);
/*
 * From SIGCHLD: true if the task is over just now: its process reaped and,
 * if it was being stopped, nothing left of its process group (or 1 s gone).
 */
bool	task_reap(struct task *);
/* Stop the process group: SIGTERM, SIGKILL after grace_ns (0: at once). */
void	task_stop(struct task *, uint64_t grace_ns);
bool	task_alive(const struct task *);
/* Released, or scheduled for an instant that has come: it runs. */
bool	task_due(const struct task *);
void	task_result(const struct task *, struct proto_result *);
void	task_v1_result(const struct task *, struct proto_v1_result *);
/* Exit code for -1: the code, 128+N for signal N, 1 if it never ran. */
int	task_exit_code(const struct task *);
/* "exited 0", "killed by signal 15", "not started: No such file ..." */
void	task_describe(const struct task *, char *buf, size_t len);
/* Back to TASK_IDLE once the result has been used (closes what is left). */
void	task_clear(struct task *);

#endif
