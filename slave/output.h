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

#include "conn.h"

/* Poll the output file this often while the task runs (seconds). */
#define OUTPUT_POLL_FOLLOW	0.05	/* --follow on the master */
#define OUTPUT_POLL		0.2

/*
 * The uplink's OUTPUT stream; output.c knows the connection, not the link:
 * done() tells its owner that the last OUTPUT is queued.
 */
struct uplink_output {
	struct ev_loop	*loop;
	void		*owner;
	void		(*done)(void *owner);
	struct conn	*conn;		/* while open: where OUTPUT goes */
	size_t		 limit;		/* conn's output limit: queue up to half */
	const char	*name;		/* the output file's, for the log */
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

void	output_init(struct uplink_output *, struct ev_loop *, void *owner,
	    void (*done)(void *owner));
/*
 * The task is armed with its output file (its descriptor task_fd, name for
 * the log): read back and streamed over conn, as flags and max say.  -1
 * and why if it cannot be read.
 */
int	output_open(struct uplink_output *, struct conn *conn, size_t limit,
	    int task_fd, const char *name, uint32_t flags, uint64_t max,
	    char *why, size_t whylen);
/* The task runs: poll its output. */
void	output_running(struct uplink_output *);
/* Send what the connection has room for (poll, drain). */
void	output_pump(struct uplink_output *);
/*
 * The task was reaped, its file end bytes long: true if every byte is sent
 * already; otherwise the rest follows as the connection drains, then done().
 */
bool	output_finish(struct uplink_output *, uint64_t end);
void	output_close(struct uplink_output *);

#endif
