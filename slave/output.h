/*
 * output.h - OUTPUT and OUTPUT_ERR frames: the task's output files streamed
 * to the master as they grow, as the connection drains, up to output_max
 * each (output.c).
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

/* The task's streams, each read back from its file and sent. */
enum { OUTPUT_STDOUT, OUTPUT_STDERR, OUTPUT_STREAMS };

struct output_stream {
	uint8_t		 cmd;		/* CMD_OUTPUT, CMD_OUTPUT_ERR */
	const char	*name;		/* its file's, for the log */
	int		 fd;		/* its file, read-only; -1: not sent */
	uint64_t	 sent;		/* bytes queued */
	uint64_t	 end;		/* bytes to send in all, once final */
	bool		 capped_said;
};

/*
 * The uplink's OUTPUT (and OUTPUT_ERR) stream; output.c knows the
 * connection, not the link: done() tells its owner that the last frame is
 * queued.
 */
struct uplink_output {
	struct ev_loop	*loop;
	void		*owner;
	void		(*done)(void *owner);
	struct conn	*conn;		/* while open: where OUTPUT goes */
	size_t		 limit;		/* conn's output limit: queue up to half */
	bool		 on;		/* CONF_FLAG_COLLECT_OUTPUT */
	bool		 follow;	/* CONF_FLAG_FOLLOW: poll faster */
	uint64_t	 max;		/* output_max per stream, 0: all */
	bool		 final;		/* the task was reaped: send up to end */
	unsigned	 next;		/* the stream whose turn it is */
	struct output_stream s[OUTPUT_STREAMS];
	ev_timer	 poll;
};

void	output_init(struct uplink_output *, struct ev_loop *, void *owner,
	    void (*done)(void *owner));
/*
 * The task is armed with its output file (its descriptor task_fd, name for
 * the log) and, for a master that takes it apart (WELCOME_FLAG_STDERR), its
 * stderr file (err_fd; -1: not sent): read back and streamed over conn, as
 * flags and max say.  -1 and why if one cannot be read.
 */
int	output_open(struct uplink_output *, struct conn *conn, size_t limit,
	    int task_fd, const char *name, int err_fd, const char *err_name,
	    uint32_t flags, uint64_t max, char *why, size_t whylen);
/* The task runs: poll its output. */
void	output_running(struct uplink_output *);
/* Send what the connection has room for (poll, drain). */
void	output_pump(struct uplink_output *);
/*
 * The task was reaped, its files end[OUTPUT_STDOUT] and end[OUTPUT_STDERR]
 * bytes long: true if every byte is sent already; otherwise the rest
 * follows as the connection drains, then done().
 */
bool	output_finish(struct uplink_output *, const uint64_t end[OUTPUT_STREAMS]);
void	output_close(struct uplink_output *);

#endif
