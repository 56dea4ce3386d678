/*
 * output.c - the task's output, streamed back to the master in OUTPUT frames.
 *
 * The task writes its output file (-o) as it likes; we read it separately,
 * at our own offset, as it grows: on a short timer while the task runs, and
 * whenever the connection has drained.  We queue frames only while less than
 * half of the connection's output limit is in use, so memory is bounded
 * whatever the task writes, and a slow master slows only this transfer.
 *
 * When the task is reaped its output file's size is final: the rest is sent
 * and only then FINISHD (uplink_output_done), so a master holds every
 * byte once it sees FINISHD.  With output_max, bytes past the cap are never
 * sent; FINISHD's output_bytes tells the master how many there were.
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
	memset(o, 0, sizeof(*o));
	o->loop = loop;
	o->owner = owner;
	o->done = done;
	o->fd = -1;
	ev_timer_init(&o->poll, output_poll_cb, 0, 0);
}

int
output_open(struct uplink_output *o, struct conn *conn, size_t limit,
    int task_fd, const char *name, uint32_t flags, uint64_t max, char *why,
    size_t whylen)
{
	struct stat	a, b;
	char		proc[64];

	output_close(o);
	o->conn = conn;
	o->limit = limit;
	o->name = name;
	o->sent = o->end = 0;
	o->final = o->capped_said = false;
	o->max = max;
	o->follow = (flags & CONF_FLAG_FOLLOW) != 0;
	if (!(flags & CONF_FLAG_COLLECT_OUTPUT))
		return 0;
	/*
	 * A second descriptor of our own to read with, never by name: the
	 * name is the --run-as user's to change (he owns the file), and a
	 * FIFO renamed over it would block an open for good.  Through
	 * /proc/self/fd, the very file the task writes.  Without /proc, by
	 * name after all, but O_NONBLOCK (a FIFO cannot block us) and
	 * checked to be that very file (device and inode).
	 */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", task_fd);
	o->fd = open(proc, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (o->fd == -1 && errno == ENOENT)
		o->fd = open(o->name, O_RDONLY | O_NONBLOCK |
		    O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (o->fd == -1) {
		snprintf(why, whylen, "%.512s: cannot read it back: %s",
		    o->name, strerror(errno));
		return -1;
	}
	if (fstat(o->fd, &a) == -1 || fstat(task_fd, &b) == -1 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		snprintf(why, whylen, "%.512s: replaced while the task was "
		    "armed", o->name);
		close(o->fd);
		o->fd = -1;
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
output_avail(struct uplink_output *o)
{
	struct stat	st;
	uint64_t	n;

	if (o->final)
		n = o->end;
	else if (fstat(o->fd, &st) == 0 && st.st_size > 0)
		n = (uint64_t)st.st_size;
	else
		n = 0;
	if (o->max > 0 && n > o->max) {
		if (!o->capped_said && o->sent < o->max &&
		    o->sent + PROTO_MAX_PAYLOAD >= o->max) {
			log_info("task output reached --output-max (%llu "
			    "bytes): the rest stays here",
			    (unsigned long long)o->max);
			o->capped_said = true;
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

void
output_pump(struct uplink_output *o)
{
	static uint8_t		 chunk[PROTO_MAX_PAYLOAD];
	uint64_t		 avail;
	ssize_t			 n;
	size_t			 want;

	while (o->on && output_room(o)) {
		avail = output_avail(o);
		if (o->sent >= avail)
			break;
		want = avail - o->sent > sizeof(chunk) ? sizeof(chunk) :
		    (size_t)(avail - o->sent);
		/* A local file: the read costs less than the frame's send. */
		n = pread(o->fd, chunk, want, (off_t)o->sent);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			/* The master sees fewer bytes than FINISHD says. */
			log_warn("%s: reading the task's output; no more of it "
			    "is sent", o->name);
			if (o->final)
				output_done(o);
			else
				output_close(o);
			return;
		}
		if (n == 0) {
			/* Truncated by the task meanwhile: the rest is gone. */
			if (o->final) {
				log_warnx("%s: %llu bytes at the end, fewer "
				    "than its size at the task's end",
				    o->name,
				    (unsigned long long)o->sent);
				o->end = o->sent;
			}
			break;
		}
		o->sent += (uint64_t)n;
		if (conn_send(o->conn, CMD_OUTPUT, chunk, (size_t)n) == -1)
			return;	/* the error comes through on_error */
	}
	if (o->on && o->final && o->conn != NULL && !o->conn->failed &&
	    o->sent >= output_avail(o))
		output_done(o);
}

bool
output_finish(struct uplink_output *o, uint64_t end)
{
	if (!o->on)
		return true;
	ev_timer_stop(o->loop, &o->poll);
	o->final = true;
	o->end = end;
	if (o->sent >= output_avail(o)) {
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
	ev_timer_stop(o->loop, &o->poll);
	if (o->fd != -1) {
		close(o->fd);
		o->fd = -1;
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
