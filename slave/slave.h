/*
 * slave.h - synexec_slave, the process (slave.c), and the map of its files.
 *
 * One process, one libev loop, at most one master connection and one task at
 * a time.  Each file has a header of its own, named after it; the arrows
 * below are calls, and none goes back up (slave.c gets news of the lower
 * ones through the callbacks it gives them: listen.h, uplink.h):
 *
 *   main.c       options, configuration, daemon, start-up
 *   slave.c      the process: its sessions, its task, signals, SIGHUP, exit
 *    |-- listen.c    finds a master: UDP probes, or -m HOST with retries
 *    |-- uplink.c    its link to its master: the protocol, as a state
 *    |    |          machine (uplink.h: UPLINK_*)
 *    |    |-- report.c    REPORT frames
 *    |    |-- output.c    OUTPUT frames: the task's output file streamed
 *    |    |-- cmdline.c   the task's command line (pure, unit-tested)
 *    |-- task.c      the task's process, as a state machine (task.h: TASK_*)
 *    |    |-- child.c     the process from its creation to its exec: raw
 *    |    |               system calls only (rawsys.h), its rules at its top
 *    |    |-- progress.c  its progress channel
 *    |-- payload.c   the payload file: named, created, written, removed
 *    |-- safefile.c  the output files (-o, -e), opened safely, never
 *    |               shared with another slave
 *    |-- settings.c  what the options mean on this host (start-up, SIGHUP)
 *    |-- reload.c    SIGHUP: the configuration read again, checked
 */
#ifndef SYNEXEC_SLAVE_H
#define SYNEXEC_SLAVE_H

#include <sys/types.h>
#include <sys/resource.h>

#include <ev.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "conf.h"
#include "proto.h"
#include "listen.h"
#include "payload.h"
#include "reload.h"
#include "safefile.h"
#include "settings.h"
#include "task.h"
#include "uplink.h"

#define SLAVE_PROG		"synexec_slave"

struct slave {
	struct ev_loop		*loop;
	const struct slave_opts	*opts;
	char			 name[PROTO_NAME_MAX + 1];
	struct safefile		 output;	/* -o: the task's stdout */
	struct safefile		 errout;	/* -e: its stderr */
	bool			 merge_stderr;	/* --merge-stderr: no -e */
	const struct task_runas	*runas;		/* NULL without --run-as */
	const struct auth_key	*key;		/* -k: keyed sessions; NULL: none */
	pid_t			 pid;
	struct listener		 listen;	/* finding a master */
	/* the one master connection and the one task */
	struct uplink		 up;
	struct task		 task;
	struct payload		 payload;	/* while its session or task is */
	bool			 session_configured; /* for -1 */
	bool			 task_kept;	/* --keep-task: outlives its session */
	int			 task_code;	/* for -1: the last task's exit code */
	/* signals and exit */
	ev_signal		 sigchld;
	ev_signal		 sigterm;
	ev_signal		 sigint;
	ev_signal		 sighup;	/* reload.c reads, slave.c applies */
	bool			 stopping;
	int			 exit_code;
};

void	slave_init(struct slave *, const struct slave_opts *);
/* The settings resolved (settings.c) in force; s must outlive their use. */
void	slave_take_settings(struct slave *, const struct slave_settings *s);
/*
 * Its output files claimed (safefile.c): at start, once -n is past, and
 * after each SIGHUP; one not made yet is claimed as its first session
 * makes it.  -1 with the reason: another running slave holds one.
 */
int	slave_claim_files(struct slave *, char *why, size_t whylen);
/* Once the loop exists: signals, task, and the first look for a master. */
void	slave_start(struct slave *, struct ev_loop *);
/* Is the slave free to take a new master (no session, no task)? */
bool	slave_idle(const struct slave *);
/* A session with the master at addr; false if it failed at once. */
bool	slave_session_open(struct slave *, const struct net_addr *addr);
void	slave_cleanup(struct slave *);

#endif
