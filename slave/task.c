/*
 * task.c - the task's process, as a state machine.
 *
 * Arming does all the slow work ahead of time: take the output file (opened
 * by safefile.c), build the environment, create the task's process (child.c:
 * a clone sharing our memory until its exec, or a fork), switch user, set up
 * descriptors.  The child then blocks reading its start pipe.
 *
 * What the pipe carries is the start instant (8 bytes, CLOCK_MONOTONIC; one
 * already past: now), written as soon as START arrives: the child sleeps until
 * the instant itself and execs.  So at the instant nothing stands between a
 * task and its exec, not even its slave: the tasks of a session wake from
 * their own timers at T like processes released by one event, instead of
 * each waiting for its slave to be scheduled and to write to it.  On a busy
 * host (many slaves sharing CPUs with tasks already exec'ing) that hop made
 * some slaves 1-3 ms late (bench/README.md).  The child then says when it
 * really started on its error pipe, which is how the slave learns the
 * lateness.
 *
 * The child is the leader of its own session and process group (setsid): so
 * that stopping the task reaches whatever it started, and so that the task has
 * no controlling terminal, whoever started the slave and from where: a task
 * (run as another user with --run-as, or an allowed program following its
 * payload) can neither open /dev/tty nor push input into the terminal of the
 * shell that started the slave (TIOCSTI), nor read what is typed there.
 *
 * States (task.h) and the one function that makes each transition:
 *
 *   IDLE      -> ARMED      task_arm        its process created, blocked
 *   ARMED     -> SCHEDULED  task_schedule   its instant written to its pipe
 *   SCHEDULED -> RUNNING    task_release    our timer for the instant fired,
 *                                           or task_catch_up: the instant
 *                                           passed, or it said it woke
 *   ARMED     -> RUNNING    task_release    start now (2014 EXEC), through
 *                                           SCHEDULED
 *   ARMED,
 *   SCHEDULED -> CANCELLED  task_cancel     stopped before its instant:
 *                                           pipe closed, SIGKILL; never runs
 *   RUNNING   -> STOPPING   task_terminate  SIGTERM, SIGKILL on kill_timer
 *                                           after the grace
 *   CANCELLED,
 *   STOPPING  -> REAPED     task_await_group  its first process reaped, the
 *                                           rest of its group killed and
 *                                           awaited (kill_timer: 1 s)
 *   any alive -> DONE       task_finish     reaped and, if it was stopped,
 *                                           nothing left of its group (or
 *                                           1 s gone): the result is final
 *   DONE      -> IDLE       task_clear      its result used
 *
 * The clock decides one thing only: a SCHEDULED task whose instant has come
 * runs, as far as anyone asking is concerned (task_due), before our timer
 * for it marks it RUNNING (uplink.h: that timer fires a little after the
 * instant).  Its result is judged once, by task_judge, when its first
 * process is reaped: it ran if it was RUNNING or STOPPING then, or if it said
 * it woke for its exec; every later question (FINISHD, REPORT, the exit code
 * of -1, the log) reads that judgement.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "clock.h"
#include "cmdline.h"
#include "log.h"
#include "task.h"

extern char **environ;

static const char *const task_env_names[] = {
	"SYNEXEC_SESSION", "SYNEXEC_SLAVE_NAME", "SYNEXEC_SLAVE_INDEX",
	"SYNEXEC_SLAVES", "SYNEXEC_MASTER", "SYNEXEC_PROGRESS_FD",
	"SYNEXEC_RUN", "SYNEXEC_RUNS", "SYNEXEC_REPEAT", "SYNEXEC_CONF",
};
#define TASK_NENV	(sizeof(task_env_names) / sizeof(task_env_names[0]))

static const char *const task_state_names[] = {
	[TASK_IDLE] = "idle",
	[TASK_ARMED] = "armed",
	[TASK_SCHEDULED] = "scheduled",
	[TASK_RUNNING] = "running",
	[TASK_CANCELLED] = "cancelled",
	[TASK_STOPPING] = "stopping",
	[TASK_REAPED] = "reaped",
	[TASK_DONE] = "done",
};

static void	task_kill_cb(struct ev_loop *, ev_timer *, int);

/* Every change of state goes through here: one place to watch them. */
static void
task_enter(struct task *t, enum task_state next)
{
	log_trace("task %d: %s -> %s", (int)t->pid, task_state_names[t->state],
	    task_state_names[next]);
	t->state = next;
}

void
task_init(struct task *t, struct ev_loop *loop)
{
	memset(t, 0, sizeof(*t));
	t->loop = loop;
	t->state = TASK_IDLE;
	t->start_fd = t->err_fd = t->out_fd = t->stderr_fd = -1;
	t->timerslack_ns = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
	t->dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	ev_timer_init(&t->kill_timer, task_kill_cb, 0, 0);
	task_note_signals(t);
	progress_init(&t->prog, loop);
}

void
task_note_signals(struct task *t)
{
	t->reset_signals = child_signals_to_reset();
}

static void
task_close_fd(int *fd)
{
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

/* Is name=... one of the variables we set ourselves? */
static int
task_env_ours(const char *entry)
{
	size_t i, n;

	for (i = 0; i < TASK_NENV; i++) {
		n = strlen(task_env_names[i]);
		if (strncmp(entry, task_env_names[i], n) == 0 && entry[n] == '=')
			return 1;
	}
	return 0;
}

/*
 * The child's environment: ours plus the slave's own, built in the parent so
 * that the child runs nothing but system calls between its creation and exec.
 * Returns a NULL-terminated array whose first TASK_NENV strings were
 * allocated here, or NULL if out of memory.
 */
static char **
task_environ(const struct task_spec *sp)
{
	size_t	  n = 0, i, k = 0;
	char	**env;
	int	  rc = 0;

	while (environ != NULL && environ[n] != NULL)
		n++;
	env = calloc(n + TASK_NENV + 1, sizeof(char *));
	if (env == NULL)
		return NULL;
	rc |= asprintf(&env[k++], "SYNEXEC_SESSION=%u", sp->session) < 0;
	rc |= asprintf(&env[k++], "SYNEXEC_SLAVE_NAME=%s", sp->name) < 0;
	rc |= asprintf(&env[k++], "SYNEXEC_SLAVE_INDEX=%u", sp->index) < 0;
	rc |= asprintf(&env[k++], "SYNEXEC_SLAVES=%u", sp->nslaves) < 0;
	rc |= asprintf(&env[k++], "SYNEXEC_MASTER=%s", sp->master) < 0;
	rc |= asprintf(&env[k++], "SYNEXEC_PROGRESS_FD=%d", CHILD_FD_PROGRESS) < 0;
	rc |= asprintf(&env[k++], "SYNEXEC_RUN=%u", sp->run) < 0;
	rc |= asprintf(&env[k++], "SYNEXEC_RUNS=%u", sp->runs) < 0;
	rc |= asprintf(&env[k++], "SYNEXEC_REPEAT=%u", sp->repeat) < 0;
	rc |= asprintf(&env[k++], "SYNEXEC_CONF=%s", sp->conf != NULL ?
	    sp->conf : "") < 0;
	if (rc) {
		/* asprintf leaves the pointer undefined on failure. */
		for (i = 0; i < TASK_NENV; i++)
			env[i] = NULL;
		free(env);
		return NULL;
	}
	for (i = 0; i < n; i++)
		if (!task_env_ours(environ[i]))
			env[k++] = environ[i];
	env[k] = NULL;
	return env;
}

static void
task_environ_free(char **env)
{
	size_t i;

	if (env == NULL)
		return;
	for (i = 0; i < TASK_NENV; i++)
		free(env[i]);
	free(env);
}

static void
task_launch_free(struct child_launch *tl)
{
	int i;

	if (tl == NULL)
		return;
	free(tl->path);
	for (i = 0; tl->argv != NULL && tl->argv[i] != NULL; i++)
		free(tl->argv[i]);
	free(tl->argv);
	task_environ_free(tl->env);
	free(tl->groups);
	free(tl);
}

/* Copies of what the child needs: it may outlive the session's own. */
static struct child_launch *
task_launch_new(const struct task *t, const struct task_spec *sp)
{
	struct child_launch	*tl;
	size_t			 argc = 0, i;
	long			 open_max = sysconf(_SC_OPEN_MAX);

	if ((tl = calloc(1, sizeof(*tl))) == NULL)
		return NULL;
	tl->devnull = tl->out = tl->errout = tl->start_rd = tl->err_wr =
	    tl->prog_wr = -1;
	tl->slave = getpid();
	tl->timerslack_ns = t->timerslack_ns;
	tl->open_max = open_max > 0 ? open_max : 1024;
	tl->reset = t->reset_signals;
	while (sp->argv[argc] != NULL)
		argc++;
	if ((tl->path = strdup(sp->path)) == NULL ||
	    (tl->argv = calloc(argc + 1, sizeof(char *))) == NULL)
		goto fail;
	for (i = 0; i < argc; i++)
		if ((tl->argv[i] = strdup(sp->argv[i])) == NULL)
			goto fail;
	if ((tl->env = task_environ(sp)) == NULL)
		goto fail;
	if (sp->runas != NULL) {
		tl->runas = true;
		tl->uid = sp->runas->uid;
		tl->gid = sp->runas->gid;
		tl->ngroups = sp->runas->ngroups;
		if (tl->ngroups > 0) {
			tl->groups = calloc((size_t)tl->ngroups,
			    sizeof(gid_t));
			if (tl->groups == NULL)
				goto fail;
			memcpy(tl->groups, sp->runas->groups,
			    (size_t)tl->ngroups * sizeof(gid_t));
		}
	}
	return tl;
fail:
	task_launch_free(tl);
	return NULL;
}

bool task_force_fork;

/* IDLE -> ARMED: its process created, blocked on its start pipe. */
int
task_arm(struct task *t, const struct task_spec *sp, char *why, size_t whylen)
{
	int			 start[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int			 out = sp->output_fd, devnull = -1, prog_wr = -1;
	int			 errout = sp->stderr_fd;
	char			*path = NULL;
	int			 rc = -1;
	struct child_launch	*tl = NULL;
	pid_t			 pid;

	if (t->state != TASK_IDLE) {
		snprintf(why, whylen, "a task is still present");
		task_close_fd(&out);
		task_close_fd(&errout);
		return -1;
	}
	if ((devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(why, whylen, "/dev/null: %s", strerror(errno));
		goto out;
	}
	if (pipe2(start, O_CLOEXEC) == -1 || pipe2(errp, O_CLOEXEC) == -1) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		goto out;
	}
	if (progress_open(&t->prog, &prog_wr) == -1) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		goto out;
	}
	if ((tl = task_launch_new(t, sp)) == NULL ||
	    (path = strdup(sp->path)) == NULL) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	tl->devnull = devnull;
	tl->out = out;
	tl->errout = errout;
	tl->start_rd = start[0];
	tl->err_wr = errp[1];
	tl->prog_wr = prog_wr;
	if ((pid = child_spawn(tl, task_force_fork)) == -1) {
		snprintf(why, whylen, "cannot create the task's process: %s",
		    strerror(errno));
		goto out;
	}

	/*
	 * Its group exists once it has run setsid(), its first step; a stop
	 * before that reaches it through its pid (task_signal), and nothing
	 * else can be in its group yet.
	 */
	t->pid = pid;
	t->launch = tl;
	tl = NULL;
	t->start_fd = start[1];
	start[1] = -1;
	t->err_fd = errp[0];
	errp[0] = -1;
	(void)fcntl(t->err_fd, F_SETFL, O_NONBLOCK);
	t->out_fd = out;
	out = -1;
	t->stderr_fd = errout;
	errout = -1;
	free(t->path);
	t->path = path;
	path = NULL;
	t->stderr_bytes = 0;
	t->start_error[0] = '\0';
	t->tail_len = 0;
	t->started = false;
	t->exec_errno = 0;
	t->exec_setup = false;
	t->sched_mono_ns = t->start_mono_ns = t->start_real_ns = 0;
	memset(&t->result, 0, sizeof(t->result));
	task_enter(t, TASK_ARMED);
	log_debug("task armed: pid %d, %s", (int)pid, sp->path);
	rc = 0;
out:
	task_launch_free(tl);
	task_close_fd(&start[0]);
	task_close_fd(&start[1]);
	task_close_fd(&errp[0]);
	task_close_fd(&errp[1]);
	task_close_fd(&devnull);
	task_close_fd(&out);
	task_close_fd(&errout);
	free(path);
	/* Ours is the read end only: EOF comes when the task's copies close. */
	task_close_fd(&prog_wr);
	if (rc == -1)
		progress_close(&t->prog);
	return rc;
}

/* The child's records that are there (non-blocking): its start, its failure. */
static void
task_read_msgs(struct task *t)
{
	struct child_msg msg;

	if (t->err_fd == -1)
		return;
	while (read(t->err_fd, &msg, sizeof(msg)) == (ssize_t)sizeof(msg)) {
		if (msg.kind == CHILD_MSG_STARTED && !t->started) {
			t->started = true;
			t->start_mono_ns = msg.mono_ns;
			t->start_real_ns = msg.real_ns;
		} else if (msg.kind == CHILD_MSG_FAILED && msg.err != 0) {
			t->exec_errno = msg.err;
			t->exec_setup = msg.setup != 0;
		}
	}
}

/* ARMED -> SCHEDULED: its instant written to it; it sleeps until then. */
void
task_schedule(struct task *t, uint64_t when_mono_ns)
{
	if (t->state != TASK_ARMED)
		return;
	t->sched_mono_ns = when_mono_ns;
	/* EPIPE: the child died meanwhile; its reap will tell. */
	if (write(t->start_fd, &when_mono_ns, sizeof(when_mono_ns)) !=
	    (ssize_t)sizeof(when_mono_ns))
		log_warn("release of task %d", (int)t->pid);
	task_close_fd(&t->start_fd);
	task_enter(t, TASK_SCHEDULED);
}

/*
 * SCHEDULED -> RUNNING: its instant has come.  ARMED -> RUNNING: start now,
 * through SCHEDULED, the instant asked for being sched_mono_ns.
 */
void
task_release(struct task *t, uint64_t sched_mono_ns)
{
	uint64_t now = mono_ns();

	if (t->state == TASK_ARMED)
		task_schedule(t, sched_mono_ns);	/* past or now: at once */
	if (t->state != TASK_SCHEDULED)
		return;
	task_enter(t, TASK_RUNNING);
	task_read_msgs(t);
	if (!t->started) {
		/* Its own record is on the way: until then, the instant. */
		t->start_mono_ns = t->sched_mono_ns < now ? t->sched_mono_ns :
		    now;
		t->start_real_ns = real_ns() - (now - t->start_mono_ns);
	}
}

bool
task_due(const struct task *t)
{
	switch (t->state) {
	case TASK_SCHEDULED:
		return mono_ns() >= t->sched_mono_ns;
	case TASK_RUNNING:
	case TASK_STOPPING:
	case TASK_REAPED:
		return true;
	default:
		return false;
	}
}

/* SCHEDULED -> RUNNING when its instant has passed or it said it woke. */
void
task_catch_up(struct task *t)
{
	if (t->state != TASK_SCHEDULED)
		return;
	task_read_msgs(t);
	if (t->started || task_due(t))
		task_release(t, t->sched_mono_ns);
}

uint8_t
task_report_state(const struct task *t)
{
	switch (t->state) {
	case TASK_IDLE:
		return TASK_STATE_IDLE;
	case TASK_ARMED:
	case TASK_CANCELLED:
		return TASK_STATE_ARMED;
	case TASK_SCHEDULED:
		/* Its instant came; our timer marks it later (uplink.h). */
		return task_due(t) ? TASK_STATE_RUNNING : TASK_STATE_ARMED;
	case TASK_RUNNING:
	case TASK_STOPPING:
	case TASK_REAPED:
		return TASK_STATE_RUNNING;
	case TASK_DONE:
		return TASK_STATE_FINISHED;
	}
	return TASK_STATE_IDLE;
}

uint64_t
task_elapsed_ns(const struct task *t)
{
	switch (task_report_state(t)) {
	case TASK_STATE_RUNNING:
		return mono_ns() - (t->state == TASK_SCHEDULED ?
		    t->sched_mono_ns : t->start_mono_ns);
	case TASK_STATE_FINISHED:
		return t->result.finish_real_ns - t->result.start_real_ns;
	default:
		return 0;
	}
}

uint64_t
task_output_bytes(const struct task *t)
{
	struct stat st;

	/* Reaped: its size then (and its descriptor closed). */
	if (t->state == TASK_REAPED || t->state == TASK_DONE)
		return t->result.output_bytes;
	if (t->out_fd != -1 && fstat(t->out_fd, &st) == 0 && st.st_size > 0)
		return (uint64_t)st.st_size;
	return 0;
}

uint64_t
task_stderr_bytes(const struct task *t)
{
	struct stat st;

	if (t->state == TASK_REAPED || t->state == TASK_DONE)
		return t->stderr_bytes;
	if (t->stderr_fd != -1 && fstat(t->stderr_fd, &st) == 0 &&
	    st.st_size > 0)
		return (uint64_t)st.st_size;
	return 0;
}

bool
task_failed(const struct task *t)
{
	const struct proto_result *r = &t->result;

	switch (r->exit_kind) {
	case EXIT_KIND_EXITED:
		return r->exit_value != 0;
	case EXIT_KIND_SIGNALED:
		return true;
	case EXIT_KIND_NOT_STARTED:
		return r->exit_value != 0;	/* 0: stopped before its start */
	default:
		return false;
	}
}

bool
task_alive(const struct task *t)
{
	return t->state != TASK_IDLE && t->state != TASK_DONE;
}

bool
task_stopping(const struct task *t)
{
	return t->state == TASK_CANCELLED || t->state == TASK_STOPPING ||
	    t->state == TASK_REAPED;
}

bool
task_is_leader(const struct task *t, pid_t pid)
{
	return task_alive(t) && t->state != TASK_REAPED && pid == t->pid;
}

static void
task_signal(struct task *t, int sig)
{
	/* The group first; the leader too, in case it left the group. */
	if (kill(-t->pid, sig) == -1 && errno != ESRCH)
		log_warn("kill -%d -%d", sig, (int)t->pid);
	if (t->state != TASK_REAPED)
		(void)kill(t->pid, sig);
}

/*
 * ARMED, SCHEDULED -> CANCELLED: never started, and never will: EOF on its
 * pipe (or it sleeps until an instant still to come), and SIGKILL for good
 * measure.
 */
static void
task_cancel(struct task *t)
{
	task_close_fd(&t->start_fd);
	task_signal(t, SIGKILL);
	task_enter(t, TASK_CANCELLED);
}

/*
 * RUNNING -> STOPPING: SIGTERM, and SIGKILL once grace_ns have gone
 * (kill_timer); at once if grace_ns is 0.
 */
static void
task_terminate(struct task *t, uint64_t grace_ns)
{
	task_enter(t, TASK_STOPPING);
	if (grace_ns == 0) {
		task_signal(t, SIGKILL);
		return;
	}
	task_signal(t, SIGTERM);
	ev_timer_set(&t->kill_timer, (double)grace_ns / 1e9, 0);
	ev_timer_start(t->loop, &t->kill_timer);
}

void
task_stop(struct task *t, uint64_t grace_ns)
{
	/* Past its instant, stopped now, it was stopped: not "never started". */
	task_catch_up(t);
	switch (t->state) {
	case TASK_ARMED:
	case TASK_SCHEDULED:
		task_cancel(t);
		break;
	case TASK_RUNNING:
		task_terminate(t, grace_ns);
		break;
	case TASK_CANCELLED:
	case TASK_STOPPING:
	case TASK_REAPED:
		/* Asked again: no more grace. */
		task_signal(t, SIGKILL);
		break;
	case TASK_IDLE:
	case TASK_DONE:
		break;
	}
}

/*
 * Why it did not start, said as a shell would ("/opt/x/run: Permission
 * denied"), and written where its stderr goes: so that its stderr file, the
 * master's copy of it and the tail the master shows all say it.
 */
static void
task_start_error(struct task *t)
{
	char	line[sizeof(t->start_error) + 1], hint[400] = "";
	int	n;

	if (t->exec_setup && t->launch != NULL && t->launch->runas)
		snprintf(t->start_error, sizeof(t->start_error), "cannot set "
		    "up the task's process to run as uid %ld: %s",
		    (long)t->launch->uid, strerror(t->exec_errno));
	else if (t->exec_setup)
		snprintf(t->start_error, sizeof(t->start_error), "cannot set "
		    "up the task's process: %s", strerror(t->exec_errno));
	else {
		/* A script's #! line may be why: "/bin/sh\r" (CRLF). */
		if (t->path != NULL)
			cmdline_script_hint(t->path, t->exec_errno, hint,
			    sizeof(hint));
		/* Bounded: a hint too long for the rest is cut, as it fits. */
		if (snprintf(t->start_error, sizeof(t->start_error),
		    "%.300s: %s%s", t->path != NULL ? t->path : "the command",
		    strerror(t->exec_errno), hint) >=
		    (int)sizeof(t->start_error))
			log_debug("task: why it did not start, cut to %zu "
			    "bytes", sizeof(t->start_error) - 1);
	}
	n = snprintf(line, sizeof(line), "%s\n", t->start_error);
	/* Never reached the task: its file is empty, at offset 0. */
	if (n > 0 && write(t->stderr_fd != -1 ? t->stderr_fd : t->out_fd,
	    line, (size_t)n) != n)
		log_debug("task %d: writing why it did not start to its "
		    "stderr: %s", (int)t->pid, strerror(errno));
}

/*
 * The last lines of what it wrote to fd (its stderr file, or its output
 * file when merged), for a task that failed: at most PROTO_TAIL_LINES
 * lines and PROTO_TAIL_MAX bytes, from the end; a line cut by that bound
 * at the front is left out, unless it is the only one.
 */
static void
task_tail(struct task *t, int wfd)
{
	struct stat	 st, rst;
	uint8_t		*p = t->tail;
	size_t		 n, i, lines = 0, start = 0;
	off_t		 off;
	ssize_t		 got;
	char		 proc[64];
	int		 fd;

	if (wfd == -1 || fstat(wfd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size <= 0)
		return;
	/* wfd is the task's, write-only: a reader of our own, never by name. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", wfd);
	if ((fd = open(proc, O_RDONLY | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC)) == -1)
		return;
	if (fstat(fd, &rst) == -1 || rst.st_dev != st.st_dev ||
	    rst.st_ino != st.st_ino) {
		close(fd);
		return;
	}
	n = st.st_size > PROTO_TAIL_MAX ? PROTO_TAIL_MAX : (size_t)st.st_size;
	off = st.st_size - (off_t)n;
	do {
		got = pread(fd, p, n, off);
	} while (got == -1 && errno == EINTR);
	close(fd);
	if (got <= 0)
		return;
	n = (size_t)got;
	/* Its last line's newline ends it, it does not begin another. */
	i = n > 0 && p[n - 1] == '\n' ? n - 1 : n;
	while (i > 0) {
		if (p[i - 1] == '\n' && ++lines == PROTO_TAIL_LINES) {
			start = i;
			break;
		}
		i--;
	}
	/* Begun in the middle of a line: that piece goes, if more is left. */
	if (i == 0 && off > 0) {
		uint8_t *nl = memchr(p, '\n', n);

		if (nl != NULL && (size_t)(nl - p) + 1 < n)
			start = (size_t)(nl - p) + 1;
	}
	memmove(p, p + start, n - start);
	t->tail_len = n - start;
}

/*
 * Its result, judged once, when its first process has been reaped: status
 * and ru from wait4 (status -1: unknown), finish_mono the moment.  ran: it
 * was released (our view), or it said it woke for its exec.
 */
static void
task_judge(struct task *t, int status, const struct rusage *ru,
    uint64_t finish_mono)
{
	struct proto_result	*r = &t->result;
	struct stat		 st;
	bool			 ran;

	memset(r, 0, sizeof(*r));
	r->finish_real_ns = real_ns();
	task_read_msgs(t);
	ran = t->state == TASK_RUNNING || t->state == TASK_STOPPING ||
	    t->started;
	if (ran && finish_mono >= t->start_mono_ns)
		/*
		 * Finish = start + the monotonic duration, so that a step of the
		 * wall clock during the task cannot make it end before it began.
		 */
		r->finish_real_ns = t->start_real_ns +
		    (finish_mono - t->start_mono_ns);
	if (!ran) {
		t->start_real_ns = r->finish_real_ns;
		t->start_mono_ns = finish_mono;
	}
	r->start_real_ns = t->start_real_ns;
	if (r->finish_real_ns < r->start_real_ns)
		r->finish_real_ns = r->start_real_ns;
	r->late_ns = ran ? (int64_t)(t->start_mono_ns - t->sched_mono_ns) : 0;
	if (t->exec_errno != 0) {
		r->exit_kind = EXIT_KIND_NOT_STARTED;
		r->exit_value = t->exec_errno;
	} else if (!ran) {
		r->exit_kind = EXIT_KIND_NOT_STARTED;	/* killed while armed */
	} else if (status == -1) {
		r->exit_kind = EXIT_KIND_UNKNOWN;
	} else if (WIFEXITED(status)) {
		r->exit_kind = EXIT_KIND_EXITED;
		r->exit_value = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		r->exit_kind = EXIT_KIND_SIGNALED;
		r->exit_value = WTERMSIG(status);
	} else {
		r->exit_kind = EXIT_KIND_UNKNOWN;
	}
	r->utime_us = (uint64_t)ru->ru_utime.tv_sec * 1000000u +
	    (uint64_t)ru->ru_utime.tv_usec;
	r->stime_us = (uint64_t)ru->ru_stime.tv_sec * 1000000u +
	    (uint64_t)ru->ru_stime.tv_usec;
	r->maxrss_kib = ru->ru_maxrss > 0 ? (uint64_t)ru->ru_maxrss : 0;
	if (t->exec_errno != 0)
		task_start_error(t);
	if (fstat(t->out_fd, &st) == 0 && st.st_size > 0)
		r->output_bytes = (uint64_t)st.st_size;
	if (t->stderr_fd != -1 && fstat(t->stderr_fd, &st) == 0 &&
	    st.st_size > 0)
		t->stderr_bytes = (uint64_t)st.st_size;
	t->tail_len = 0;
	if (task_failed(t))
		task_tail(t, t->stderr_fd != -1 ? t->stderr_fd : t->out_fd);
}

/* Its first process is gone: what it held goes, whatever comes next. */
static void
task_process_gone(struct task *t)
{
	/*
	 * A cloned task's switch to the --run-as user made the kernel mark the
	 * memory it shared with us as not dumpable; shared no more, we take
	 * our setting back (a core file, ptrace by root's tools).
	 */
	if (t->launch != NULL && t->launch->runas && t->dumpable >= 0)
		(void)prctl(PR_SET_DUMPABLE, (unsigned long)t->dumpable, 0, 0,
		    0);
	/* Gone: nothing reads its launch block or runs on the stack now. */
	task_launch_free(t->launch);
	t->launch = NULL;
	/* Its last progress line is in the pipe already: take it now. */
	progress_drain(&t->prog);
	task_close_fd(&t->start_fd);
	task_close_fd(&t->err_fd);
	task_close_fd(&t->out_fd);
	task_close_fd(&t->stderr_fd);
	ev_timer_stop(t->loop, &t->kill_timer);
}

/* Any state of a live task -> DONE: over, its result final. */
static bool
task_finish(struct task *t)
{
	ev_timer_stop(t->loop, &t->kill_timer);
	task_enter(t, TASK_DONE);
	return true;
}

/*
 * CANCELLED, STOPPING -> REAPED: its first process reaped, what it left in
 * its group killed (its session is over) and awaited: they die of the
 * SIGKILL and become our children (slave.c makes us their subreaper), so
 * each death is a SIGCHLD that brings us back to task_reap; kill_timer
 * bounds the wait.
 */
static bool
task_await_group(struct task *t)
{
	log_debug("task %d left processes behind: SIGKILL to its group",
	    (int)t->pid);
	(void)kill(-t->pid, SIGKILL);
	task_enter(t, TASK_REAPED);
	if (kill(-t->pid, 0) != 0)
		return task_finish(t);
	ev_timer_set(&t->kill_timer, 1., 0);
	ev_timer_start(t->loop, &t->kill_timer);
	return false;
}

bool
task_reap(struct task *t)
{
	struct rusage	ru;
	pid_t		r;
	int		status;
	uint64_t	finish_mono;

	if (!task_alive(t))
		return false;
	if (t->state == TASK_REAPED) {
		/*
		 * A task being stopped is over when its whole group is gone,
		 * zombies included: then "stopped" (and the master's exit)
		 * means that no process of it is left; or once kill_timer has
		 * given up on them (task_kill_cb).
		 */
		if (ev_is_active(&t->kill_timer) && kill(-t->pid, 0) == 0)
			return false;
		return task_finish(t);
	}
	do {
		r = wait4(t->pid, &status, WNOHANG, &ru);
	} while (r == -1 && errno == EINTR);
	if (r == 0)
		return false;
	finish_mono = mono_ns();
	if (r == -1) {
		/* Not ours any more (cannot happen unless someone reaped it). */
		log_warn("wait4 %d", (int)t->pid);
		memset(&ru, 0, sizeof(ru));
		status = -1;
	}
	/* Did it start (it may have, before our timer for its instant)? */
	task_judge(t, status, &ru, finish_mono);
	task_process_gone(t);
	/*
	 * Only the first process is waited for.  When we were stopping the
	 * task, what it left in its group goes too.
	 */
	if ((t->state == TASK_CANCELLED || t->state == TASK_STOPPING) &&
	    kill(-t->pid, 0) == 0)
		return task_await_group(t);
	return task_finish(t);
}

static void
task_kill_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct task *t = (struct task *)((char *)w -
	    offsetof(struct task, kill_timer));

	(void)revents;
	switch (t->state) {
	case TASK_STOPPING:
		log_info("task %d still there after the grace period: SIGKILL",
		    (int)t->pid);
		task_signal(t, SIGKILL);
		break;
	case TASK_REAPED:
		/* Unkillable (uninterruptible sleep?): report without them. */
		log_warnx("task %d: processes of its group still there 1 s "
		    "after SIGKILL; reporting the task anyway", (int)t->pid);
		ev_feed_signal_event(loop, SIGCHLD);	/* task_reap again */
		break;
	default:
		break;
	}
}

void
task_result(const struct task *t, struct proto_result *r)
{
	*r = t->result;
}

void
task_v1_result(const struct task *t, struct proto_v1_result *r)
{
	r->start_sec = (int64_t)(t->result.start_real_ns / NSEC_PER_SEC);
	r->start_usec = (int64_t)(t->result.start_real_ns % NSEC_PER_SEC /
	    1000);
	r->finish_sec = (int64_t)(t->result.finish_real_ns / NSEC_PER_SEC);
	r->finish_usec = (int64_t)(t->result.finish_real_ns % NSEC_PER_SEC /
	    1000);
}

int
task_exit_code(const struct task *t)
{
	if (t->state != TASK_DONE)
		return 1;
	switch (t->result.exit_kind) {
	case EXIT_KIND_EXITED:
		return t->result.exit_value;
	case EXIT_KIND_SIGNALED:
		return 128 + t->result.exit_value;
	default:
		return 1;
	}
}

void
task_describe(const struct task *t, char *buf, size_t len)
{
	const struct proto_result *r = &t->result;

	switch (r->exit_kind) {
	case EXIT_KIND_EXITED:
		snprintf(buf, len, "exited %d", r->exit_value);
		break;
	case EXIT_KIND_SIGNALED:
		snprintf(buf, len, "killed by signal %d (%s)", r->exit_value,
		    strsignal(r->exit_value));
		break;
	case EXIT_KIND_NOT_STARTED:
		if (r->exit_value != 0)
			snprintf(buf, len, "not started: %s", t->start_error);
		else
			snprintf(buf, len, "not started");
		break;
	default:
		snprintf(buf, len, "ended (status unknown)");
		break;
	}
}

/* DONE (or any state, at exit) -> IDLE: what is left is closed. */
void
task_clear(struct task *t)
{
	ev_timer_stop(t->loop, &t->kill_timer);
	task_close_fd(&t->start_fd);
	task_close_fd(&t->err_fd);
	task_close_fd(&t->out_fd);
	task_close_fd(&t->stderr_fd);
	free(t->path);
	t->path = NULL;
	progress_close(&t->prog);
	task_enter(t, TASK_IDLE);
	t->pid = 0;
	t->started = false;
}
