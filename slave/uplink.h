/*
 * uplink.h - the slave's link to its master (uplink.c).
 */
#ifndef SYNEXEC_SLAVE_UPLINK_H
#define SYNEXEC_SLAVE_UPLINK_H

#include <ev.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "cmdline.h"
#include "conn.h"
#include "live.h"
#include "output.h"
#include "proto.h"
#include "report.h"

#define SLAVE_OUT_LIMIT		(256 * 1024)	/* queued output to the master */
#define SLAVE_CONNECT_TIMEOUT	5.0		/* seconds for a TCP connect */
/*
 * The slave's own timer for the start instant fires this long after it: the
 * task wakes at the instant by itself (task.c), and what the timer does
 * (mark it running, read when it woke, start polling its output) can wait,
 * so that at the instant only the tasks compete for CPUs.  On a host shared
 * by many slaves their wake-ups at the instant took 4-5 ms of CPU at 128
 * slaves (bench/README.md).  A report in between says "running" anyway.
 */
#define SLAVE_RELEASE_AFTER_NS	(50 * NSEC_PER_MSEC)

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

#endif
