/*
 * uplink.h - the slave's link to its master (uplink.c): one session at a
 * time, the protocol as a state machine (UPLINK_*).  It works on what its
 * owner gives it for the session (struct uplink_env: the task, the payload
 * and output files...), not on the slave, and tells the owner its end; its
 * REPORT and OUTPUT streams are report.c's and output.c's.
 */
#ifndef SYNEXEC_SLAVE_UPLINK_H
#define SYNEXEC_SLAVE_UPLINK_H

#include <ev.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth.h"
#include "clock.h"
#include "cmdline.h"
#include "conf.h"
#include "conn.h"
#include "live.h"
#include "output.h"
#include "payload.h"
#include "proto.h"
#include "report.h"
#include "safefile.h"
#include "task.h"

#define UPLINK_OUT_LIMIT	(256 * 1024)	/* queued output to the master */
#define UPLINK_CONNECT_TIMEOUT	5.0		/* seconds for a TCP connect */
/*
 * The slave's own timer for the start instant fires this long after it: the
 * task wakes at the instant by itself (task.c), and what the timer does
 * (mark it running, read when it woke, start polling its output) can wait,
 * so that at the instant only the tasks compete for CPUs.  On a host shared
 * by many slaves their wake-ups at the instant took 4-5 ms of CPU at 128
 * slaves (bench/README.md).  A report in between says "running" anyway.
 */
#define UPLINK_RELEASE_AFTER_NS	(50 * NSEC_PER_MSEC)

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
/*
 * A campaign (a master that saw HELLO_CAP_CAMPAIGN) runs several times on
 * one connection: RUN comes in JOINED, before CONF_BEGIN; RUN_END, from
 * CONFIGURING on, lets the run's task go (as at a session's end: one armed
 * and never started is killed, a finished one's result is kept for -1) and
 * removes its payload file, and the link is JOINED again.  BYE ends the
 * campaign.  A task of the last run that is still being stopped when the
 * next one is configured is waited for (uplink_task_free) before arming.
 */

/* How a session ended, for the link's owner. */
struct uplink_end {
	const char	*master;	/* its address, as logged */
	bool		 configured;	/* a CONF or CONF_BEGIN came */
	bool		 progressed;	/* a WELCOME came, or a CONF */
	bool		 connected;	/* the TCP connection was made */
	/* The key handshake failed (another key, none): why, else NULL. */
	const char	*key_mismatch;
	const char	*connect_error;	/* it could not be: why; NULL */
	const char	*turned_away;	/* FULL's reason; NULL: no FULL */
};

/*
 * What a session uses of the slave that owns the link (slave.c), for the
 * whole session: settings read on SIGHUP apply from the next one.
 */
struct uplink_env {
	struct ev_loop		*loop;
	const struct slave_opts	*opts;
	const char		*name;		/* ours, said in the hello */
	pid_t			 pid;
	const struct auth_key	*key;		/* -k; NULL: none */
	const struct task_runas	*runas;		/* --run-as; NULL: none */
	struct task		*task;		/* the one task */
	struct payload		*payload;	/* its payload file */
	struct safefile		*output;	/* its stdout's file */
	struct safefile		*errout;	/* its stderr's; NULL: merged */
	/* Once per uplink_open(): the session is over. */
	void			*owner;
	void			(*ended)(void *owner, const struct uplink_end *);
	/* RUN_END: this run's task is the owner's to let go, the link stays. */
	void			(*run_ended)(void *owner);
};

struct uplink {
	struct uplink_env	 env;
	enum uplink_state	 state;
	bool			 ext;		/* WELCOME received */
	bool			 stderr_ok;	/* ... with WELCOME_FLAG_STDERR */
	bool			 configured;	/* a CONF / CONF_BEGIN arrived */
	struct net_addr		 peer;
	char			 peer_str[NET_ADDRSTRLEN];
	bool			 connected;	/* the connect() succeeded */
	char			 connect_error[128]; /* it did not: why */
	char			 key_error[256];  /* key handshake failed: why */
	int			 connect_fd;	/* during UPLINK_CONNECTING */
	ev_io			 connect_io;
	ev_timer		 connect_timer;
	struct conn		 conn;		/* from UPLINK_HELLO_SENT on */
	bool			 conn_open;
	struct live		 live;		/* heartbeats, silence (live.c) */
	/* configuration */
	uint64_t		 payload_size;
	uint64_t		 payload_left;
	struct proto_conf_begin	 cb;		/* its pointers are NULLed */
	struct cmdline		 cmd;		/* checked at CONF_BEGIN */
	char			 master_addr[PROTO_NAME_MAX + 1];
	bool			 have_run;	/* RUN came for this run */
	struct proto_run	 run;
	bool			 arm_waiting;	/* for the last run's task */
	/* start */
	ev_timer		 start_timer;
	uint64_t		 start_mono_ns;
	char			 refusal[PROTO_REASON_MAX + 1];
	char			 full[PROTO_REASON_MAX + 1]; /* FULL's text */
	/* reports and output (report.c, output.c) */
	struct uplink_report	 rep;
	struct uplink_output	 out;
	bool			 finish_wait;	/* FINISHD after the last OUTPUT */
};

/*
 * Connect to a master: a session begins, which ends with env's ended()
 * (at once, and false, if the connection failed at once).
 */
bool	uplink_open(struct uplink *, const struct uplink_env *env,
	    const struct net_addr *);
/*
 * The task's process was reaped: report it if this run owns it (true); a
 * task of an earlier run (false) is the owner's to clear, and then to say
 * so with uplink_task_free().
 */
bool	uplink_task_done(struct uplink *);
/* The task slot is free again: a run waiting to arm its task does. */
void	uplink_task_free(struct uplink *);
/* End the session from outside (signal): ERROR to an ext master, close. */
void	uplink_abort(struct uplink *, const char *why);
bool	uplink_active(const struct uplink *);

#endif
