/*
 * output.h - OUTPUT frames: the task's output file streamed to the master
 * as it grows, as the connection drains, up to output_max (output.c).
 */
#ifndef SYNEXEC_SLAVE_OUTPUT_H
#define SYNEXEC_SLAVE_OUTPUT_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Poll the output file this often while the task runs (seconds). */
#define OUTPUT_POLL_FOLLOW	0.05	/* --follow on the master */
#define OUTPUT_POLL		0.2

struct uplink_output {
	bool		 on;		/* CONF_FLAG_COLLECT_OUTPUT */
	bool		 follow;	/* CONF_FLAG_FOLLOW: poll faster */
	uint64_t	 max;		/* output_max, 0: all */
	int		 fd;		/* the output file, read-only; -1 */
	uint64_t	 sent;		/* bytes queued as OUTPUT */
	bool		 final;		/* the task was reaped: send up to end */
	uint64_t	 end;		/* bytes to send in all, once final */
	bool		 capped_said;
	ev_timer	 poll;
};

struct uplink;

void	output_init(struct uplink *);
/* The task is armed with its output file: -1 and why if it cannot be read. */
int	output_open(struct uplink *, uint32_t flags, uint64_t max,
	    char *why, size_t whylen);
/* The task runs: poll its output. */
void	output_running(struct uplink *);
/* Send what the connection has room for (poll, drain). */
void	output_pump(struct uplink *);
/*
 * The task was reaped: true if every byte is sent already; otherwise the
 * rest follows as the connection drains, then uplink_output_done().
 */
bool	output_finish(struct uplink *);
void	output_close(struct uplink *);

#endif
