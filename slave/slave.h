/*
 * slave.h - private header of synexec_slave.
 *
 * One process, one libev loop, at most one master connection and one task at
 * a time:
 *   listen.c     finds a master: UDP probes, or -m HOST with retries
 *   uplink.c     the link to its master: the protocol, as a state machine
 *   task.c       the task's process: arm (created, blocked), release, reap,
 *                stop
 *   cmdline.c    the task's command line (pure, unit-tested)
 *   slave.c      the glue: session and task life cycles, signals, exit
 *   settings.c   what the options mean on this host (start-up and SIGHUP)
 *   reload.c     SIGHUP: the configuration read again
 *   main.c       options, configuration, daemon, start-up
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
#include "cmdline.h"
#include "conf.h"
#include "conn.h"
#include "live.h"
#include "proto.h"
#include "report.h"

#define SLAVE_PROG		"synexec_slave"
/*
 * The payload file: CONFDIR/synexec_slave_conf.<pid>.<12 random characters>,
 * a new name for each session, which nobody can take before us (slave.c).
 */
#define SLAVE_CONF_PREFIX	"synexec_slave_conf."
#define SLAVE_CONF_RANDOM	12
/* Its name's length at most: prefix, pid, '.', random part, NUL. */
#define SLAVE_CONF_NAME_MAX	(sizeof(SLAVE_CONF_PREFIX) + 12 + \
				    SLAVE_CONF_RANDOM)
#define SLAVE_OUT_LIMIT		(256 * 1024)	/* queued output to the master */
#define SLAVE_CONNECT_TIMEOUT	5.0		/* seconds for a TCP connect */
#define SLAVE_RETRY_MIN		0.1		/* -m: first retry, seconds */
#define SLAVE_RETRY_MAX		5.0		/* -m: retries double up to this */
/*
 * The slave's own timer for the start instant fires this long after it: the
 * task wakes at the instant by itself (task.c), and what the timer does
 * (mark it running, read when it woke, start polling its output) can wait,
 * so that at the instant only the tasks compete for CPUs.  On a host shared
 * by many slaves their wake-ups at the instant took 4-5 ms of CPU at 128
 * slaves (bench/README.md).  A report in between says "running" anyway.
 */
#define SLAVE_RELEASE_AFTER_NS	(50 * NSEC_PER_MSEC)

/* ---- task.c ---- */

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

struct task_launch;

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
	struct task_launch *launch;	/* what its process reads until reaped */
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

/* ---- safefile.c ---- */

/* The output file for writing: no symlink, ours alone, 0600, empty.  -1 + why. */
int	safefile_output(const char *path, const struct task_runas *, char *why,
	    size_t whylen);
/*
 * The same for the default output file, in a directory anyone may write to:
 * if another user holds the name, the output goes to a file of ours next to
 * it under a name nobody can guess, kept in fallback (in/out; "" at first,
 * used again while it is ours) and *fell_back is set.  Says so in the log.
 */
int	safefile_output_default(const char *path, char *fallback,
	    size_t fallbacklen, bool *fell_back, const struct task_runas *,
	    char *why, size_t whylen);

/* ---- uplink.c ---- */

enum uplink_state {
	UPLINK_IDLE,		/* no connection */
	UPLINK_CONNECTING,	/* non-blocking connect in progress */
	UPLINK_HELLO_SENT,	/* hello sent: version-1 mode until a WELCOME */
	UPLINK_JOINED,		/* WELCOME received: extensions on */
	UPLINK_CONFIGURING,	/* CONF_BEGIN received, payload to the file */
	UPLINK_REFUSED,		/* CONF_NO sent: the rest of the payload is
				   ignored */
	UPLINK_ARMED,		/* CONF_OK sent, task created and waiting */
	UPLINK_SCHEDULED,	/* START received, release timer set */
	UPLINK_RUNNING,		/* task released */
	UPLINK_FINISHED,	/* FINISHD sent */
};

struct slave;

struct uplink {
	struct slave		*sl;
	enum uplink_state	 state;
	bool			 ext;		/* WELCOME received */
	bool			 configured;	/* a CONF / CONF_BEGIN arrived */
	struct sockaddr_in	 peer;
	char			 peer_str[NET_ADDRSTRLEN];
	int			 connect_fd;	/* during UPLINK_CONNECTING */
	ev_io			 connect_io;
	ev_timer		 connect_timer;
	struct conn		 conn;		/* from UPLINK_HELLO_SENT on */
	bool			 conn_open;
	struct live		 live;		/* heartbeats, silence (live.c) */
	/* configuration */
	int			 conf_fd;
	uint64_t		 payload_size;
	uint64_t		 payload_left;
	struct proto_conf_begin	 cb;		/* its pointers are NULLed */
	struct cmdline		 cmd;		/* checked at CONF_BEGIN */
	char			 master_addr[PROTO_NAME_MAX + 1];
	/* start */
	ev_timer		 start_timer;
	uint64_t		 start_mono_ns;
	char			 refusal[PROTO_REASON_MAX + 1];
	/* reports and output (report.c, output.c) */
	struct sc_report	 rep;
	struct sc_output	 out;
	bool			 finish_wait;	/* FINISHD after the last OUTPUT */
};

/* Connect to a master; false if that failed at once (logged). */
bool	uplink_open(struct uplink *, struct slave *,
	    const struct sockaddr_in *);
/* The task's process was reaped: report it if this session owns it. */
void	uplink_task_done(struct uplink *);
/* output.c sent the last OUTPUT: FINISHD may go. */
void	uplink_output_done(struct uplink *);
/* End the session from outside (signal): ERROR to an ext master, close. */
void	uplink_abort(struct uplink *, const char *why);
bool	uplink_active(const struct uplink *);

/* ---- listen.c ---- */

/* Before the loop (and before daemonizing): socket, or -m resolution. */
int	listen_init(struct slave *, char *err, size_t errlen);
void	listen_start(struct slave *);
/* Look for a master again (probes, or -m retry after delay seconds). */
void	listen_resume(struct slave *, bool after_failure);
void	listen_close(struct slave *);

/* ---- slave.c ---- */

struct slave {
	struct ev_loop		*loop;
	const struct slave_opts	*opts;
	char			 name[PROTO_NAME_MAX + 1];
	char			 conf_dir[PATH_MAX];
	char			 conf_path[PATH_MAX];	/* this session's */
	char			 output[PATH_MAX];
	bool			 output_default; /* -o is the built-in one */
	char			 output_fallback[PATH_MAX]; /* safefile.c */
	const char		*output_used;	/* output or output_fallback */
	const struct task_runas	*runas;		/* NULL without --run-as */
	const struct auth_key	*key;		/* -k: keyed sessions; NULL: none */
	pid_t			 pid;
	/* discovery (listen.c) */
	unsigned		 ifindex;	/* -i, 0: any */
	int			 udp_fd;
	ev_io			 udp_io;
	bool			 announce;	/* -i: say "here" when listening */
	struct sockaddr_in	 announce_to;	/* -i's broadcast address, PORT */
	bool			 direct;	/* -m */
	struct sockaddr_in	 master_sa;
	ev_timer		 retry_timer;
	double			 retry_delay;
	bool			 retry_quiet;	/* first failure already logged */
	/* the one master connection and the one task */
	struct uplink	 up;
	struct task		 task;
	bool			 conf_file;	/* the payload file may exist */
	bool			 session_configured; /* for -1 */
	bool			 task_kept;	/* --keep-task: outlives its session */
	int			 task_code;	/* for -1: the last task's exit code */
	/* signals and exit */
	ev_signal		 sigchld;
	ev_signal		 sigterm;
	ev_signal		 sigint;
	ev_signal		 sighup;	/* reload.c */
	bool			 stopping;
	int			 exit_code;
};

void	slave_init(struct slave *, const struct slave_opts *);
/* Once the loop exists: signals, task, and the first look for a master. */
void	slave_start(struct slave *, struct ev_loop *);
/* Is the slave free to take a new master (no session, no task)? */
bool	slave_idle(const struct slave *);
/*
 * Is dir fit to be -T: a directory whose files nobody but us (root, the
 * --run-as user) can replace, i.e. theirs and not writable by group or
 * others unless sticky (like /tmp)?  -1 with the reason in err.
 */
int	slave_conf_dir_check(const char *dir, const struct task_runas *,
	    char *err, size_t errlen);
/* -T and -o in force from now on (absolute, checked): at start, on SIGHUP. */
void	slave_set_files(struct slave *, const char *conf_dir,
	    const char *output);
/* A fresh, unpredictable name for this session's payload file: -1 + why. */
int	slave_conf_path_new(struct slave *, char *why, size_t whylen);
/* The output file of the task to arm (safefile.c): -1 with the reason. */
int	slave_output_open(struct slave *, char *why, size_t whylen);
/* A session ended (configured: it had reached CONF / CONF_BEGIN). */
void	slave_session_ended(struct slave *, bool configured, bool joined);
void	slave_remove_conf_file(struct slave *);
void	slave_cleanup(struct slave *);
/* A host name made a slave name: [A-Za-z0-9._:@+-], 1..255, no leading '.' */
void	slave_name_sanitise(char *);

/* ---- settings.c: what the options mean on this host ---- */

struct slave_settings {
	char			 name[PROTO_NAME_MAX + 1];
	char			 conf_dir[PATH_MAX];	/* absolute */
	char			 output[PATH_MAX];	/* absolute */
	struct task_runas	 runas;			/* --run-as, if have_runas */
	bool			 have_runas;
};

/*
 * The checks of start-up, -n and each SIGHUP: every fault said (log_warnx,
 * named as org says where each value came from); how many (settings_free()
 * it either way).
 */
int	settings_resolve(const struct slave_opts *, const struct opt_origin *,
	    struct slave_settings *);
/* The slave takes them (s must outlive their use: it keeps --run-as's). */
void	settings_use(struct slave *, const struct slave_settings *);
void	settings_free(struct slave_settings *);
/* An absolute version of path (the daemon runs in /); -1 if too long. */
int	settings_abs_path(const char *path, char *out, size_t outlen);

/* ---- reload.c: SIGHUP ---- */

/* Remember how we were started, to read the configuration the same way. */
void	reload_init(int argc, char **argv, const struct opt_prog *);
void	reload_hup_cb(struct ev_loop *, ev_signal *, int);
/* Between sessions: switch to a configuration read on SIGHUP, if any. */
void	reload_apply(struct slave *);
void	reload_free(void);

#endif
