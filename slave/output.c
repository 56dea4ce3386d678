/*
 * output.c - the task's output, streamed back to the master in OUTPUT
 * frames, and its stderr in OUTPUT_ERR frames when the master takes it apart.
 *
 * The task writes its output files (-o, -e) as it likes; we read each
 * separately, at our own offset, as it grows: on a short timer while the
 * task runs, and whenever the connection has drained.  We queue frames only
 * while less than half of the connection's output limit is in use, so
 * memory is bounded whatever the task writes, and a slow master slows only
 * this transfer.  The two streams take turns, a frame each, so that one
 * that writes much does not hold the other back.
 *
 * When the task is reaped its files' sizes are final: the rest is sent and
 * only then FINISHD (uplink_output_done), so a master holds every byte once
 * it sees FINISHD.  With output_max, bytes past the cap (of each stream) are
 * never sent; FINISHD's output_bytes, and STDERR_TAIL's stderr_bytes, tell
 * the master how many there were.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "output.h"

static void	output_poll_cb(struct ev_loop *, ev_timer *, int);

void
output_init(struct uplink_output *o, struct ev_loop *loop, void *owner,
    void (*done)(void *))
{
	unsigned i;

	memset(o, 0, sizeof(*o));
	o->loop = loop;
	o->owner = owner;
	o->done = done;
	for (i = 0; i < OUTPUT_STREAMS; i++)
		o->s[i].fd = -1;
	o->s[OUTPUT_STDOUT].cmd = CMD_OUTPUT;
	o->s[OUTPUT_STDERR].cmd = CMD_OUTPUT_ERR;
	ev_timer_init(&o->poll, output_poll_cb, 0, 0);
}

/*
 * A second descriptor of our own to read the file task_fd writes, never by
 * name: the name is the --run-as user's to change (he owns the file), and a
 * FIFO renamed over it would block an open for good.  Through
 * /proc/self/fd, the very file the task writes.  Without /proc, by name
 * after all, but O_NONBLOCK (a FIFO cannot block us) and checked to be that
 * very file (device and inode).
 */
static int
output_open_stream(struct output_stream *st, int task_fd, const char *name,
    char *why, size_t whylen)
{
	struct stat	a, b;
	char		proc[64];

	st->name = name;
	st->sent = st->end = 0;
	st->capped_said = false;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", task_fd);
	st->fd = open(proc, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (st->fd == -1 && errno == ENOENT)
		st->fd = open(name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW |
		    O_NOCTTY | O_CLOEXEC);
	if (st->fd == -1) {
		snprintf(why, whylen, "%.512s: cannot read it back: %s", name,
		    strerror(errno));
		return -1;
	}
	if (fstat(st->fd, &a) == -1 || fstat(task_fd, &b) == -1 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		snprintf(why, whylen, "%.512s: replaced while the task was "
		    "armed", name);
		close(st->fd);
		st->fd = -1;
		return -1;
	}
	return 0;
}

int
output_open(struct uplink_output *o, struct conn *conn, size_t limit,
    int task_fd, const char *name, int err_fd, const char *err_name,
    uint32_t flags, uint64_t max, char *why, size_t whylen)
{
	output_close(o);
	o->conn = conn;
	o->limit = limit;
	o->final = false;
	o->next = OUTPUT_STDOUT;
	o->max = max;
	o->follow = (flags & CONF_FLAG_FOLLOW) != 0;
	if (!(flags & CONF_FLAG_COLLECT_OUTPUT))
		return 0;
	if (output_open_stream(&o->s[OUTPUT_STDOUT], task_fd, name, why,
	    whylen) == -1)
		return -1;
	if (err_fd != -1 && output_open_stream(&o->s[OUTPUT_STDERR], err_fd,
	    err_name, why, whylen) == -1) {
		output_close(o);
		return -1;
	}
	o->on = true;
	return 0;
}

void
output_running(struct uplink_output *o)
{
	double			 secs = o->follow ? OUTPUT_POLL_FOLLOW :
				    OUTPUT_POLL;

	if (!o->on)
		return;
	ev_timer_set(&o->poll, secs, secs);
	ev_timer_start(o->loop, &o->poll);
}

/* Bytes there are to send now: the file's size (final at reap), capped. */
static uint64_t
output_avail(struct uplink_output *o, struct output_stream *st)
{
	struct stat	sb;
	uint64_t	n;

	if (st->fd == -1)
		return st->sent;
	if (o->final)
		n = st->end;
	else if (fstat(st->fd, &sb) == 0 && sb.st_size > 0)
		n = (uint64_t)sb.st_size;
	else
		n = 0;
	if (o->max > 0 && n > o->max) {
		if (!st->capped_said && st->sent < o->max &&
		    st->sent + PROTO_MAX_PAYLOAD >= o->max) {
			log_info("task %s reached --output-max (%llu bytes): "
			    "the rest stays here", st->cmd == CMD_OUTPUT ?
			    "output" : "stderr", (unsigned long long)o->max);
			st->capped_said = true;
		}
		n = o->max;
	}
	return n;
}

/* Everything there is to send was sent: FINISHD may follow. */
static void
output_done(struct uplink_output *o)
{
	ev_timer_stop(o->loop, &o->poll);
	o->on = o->final = false;	/* say it once */
	o->done(o->owner);
}

/* Is the connection there, and has its queue room for more? */
static bool
output_room(const struct uplink_output *o)
{
	return o->conn != NULL && !o->conn->failed &&
	    conn_pending(o->conn) < o->limit / 2;
}

/* Has every stream sent all it has to send? */
static bool
output_all_sent(struct uplink_output *o)
{
	unsigned i;

	for (i = 0; i < OUTPUT_STREAMS; i++)
		if (o->s[i].sent < output_avail(o, &o->s[i]))
			return false;
	return true;
}

/* No more of this stream is read: what it sent is all there will be. */
static void
output_give_up(struct output_stream *st)
{
	close(st->fd);
	st->fd = -1;
	st->end = st->sent;
}

/* One frame of st, if it has bytes waiting: 1 sent, 0 none, -1 conn failed. */
static int
output_send_one(struct uplink_output *o, struct output_stream *st)
{
	static uint8_t	 chunk[PROTO_MAX_PAYLOAD];
	uint64_t	 avail = output_avail(o, st);
	ssize_t		 n;
	size_t		 want;

	if (st->fd == -1 || st->sent >= avail)
		return 0;
	want = avail - st->sent > sizeof(chunk) ? sizeof(chunk) :
	    (size_t)(avail - st->sent);
	/* A local file: the read costs less than the frame's send. */
	do {
		n = pread(st->fd, chunk, want, (off_t)st->sent);
	} while (n == -1 && errno == EINTR);
	if (n == -1) {
		/* The master sees fewer bytes than FINISHD says. */
		log_warn("%s: reading the task's output; no more of it is "
		    "sent", st->name);
		output_give_up(st);
		return 0;
	}
	if (n == 0) {
		/* Truncated by the task meanwhile: the rest is gone. */
		if (o->final) {
			log_warnx("%s: %llu bytes at the end, fewer than its "
			    "size at the task's end", st->name,
			    (unsigned long long)st->sent);
			st->end = st->sent;
		}
		return 0;
	}
	st->sent += (uint64_t)n;
	if (conn_send(o->conn, st->cmd, chunk, (size_t)n) == -1)
		return -1;	/* the error comes through on_error */
	return 1;
}

void
output_pump(struct uplink_output *o)
{
	unsigned	i, idle;
	int		rc;

	/* The streams take turns; stop when none has anything waiting. */
	for (idle = 0; o->on && idle < OUTPUT_STREAMS && output_room(o);) {
		i = o->next;
		o->next = (o->next + 1) % OUTPUT_STREAMS;
		if ((rc = output_send_one(o, &o->s[i])) == -1)
			return;
		idle = rc == 1 ? 0 : idle + 1;
	}
	if (o->on && o->final && o->conn != NULL && !o->conn->failed &&
	    output_all_sent(o))
		output_done(o);
}

bool
output_finish(struct uplink_output *o, const uint64_t end[OUTPUT_STREAMS])
{
	unsigned i;

	if (!o->on)
		return true;
	ev_timer_stop(o->loop, &o->poll);
	o->final = true;
	for (i = 0; i < OUTPUT_STREAMS; i++)
		if (o->s[i].fd != -1)
			o->s[i].end = end[i];
	if (output_all_sent(o)) {
		o->on = o->final = false;
		return true;
	}
	/* May send the rest at once and call done(). */
	output_pump(o);
	return false;
}

void
output_close(struct uplink_output *o)
{
	unsigned i;

	ev_timer_stop(o->loop, &o->poll);
	for (i = 0; i < OUTPUT_STREAMS; i++) {
		if (o->s[i].fd != -1) {
			close(o->s[i].fd);
			o->s[i].fd = -1;
		}
		o->s[i].sent = o->s[i].end = 0;
	}
	o->on = o->final = false;
	o->conn = NULL;
}

static void
output_poll_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct uplink_output *o = (struct uplink_output *)((char *)w -
	    offsetof(struct uplink_output, poll));

	(void)loop;
	(void)revents;
	output_pump(o);
}
