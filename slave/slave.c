/*
 * slave.c - the slave's life cycle: sessions, the task, signals, exit.
 *
 * A slave serves one master at a time and runs one task at a time.  It looks
 * for a master only when it is idle: no session and no task process left
 * (a task that is being stopped, or kept with --keep-task, is waited for).
 * The payload file lives until both its session and its task are gone.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "slave.h"

static void	slave_sigchld_cb(struct ev_loop *, ev_signal *, int);
static void	slave_sighup_cb(struct ev_loop *, ev_signal *, int);
static bool	slave_may_connect(void *);
static void	slave_session_ended(void *, const struct uplink_end *);
static void	slave_run_ended(void *);
static void	slave_task_clear(struct slave *);
static void	slave_connect(void *, const struct net_addr *);
static void	slave_sigterm_cb(struct ev_loop *, ev_signal *, int);

void
slave_init(struct slave *sl, const struct slave_opts *opts)
{
	memset(sl, 0, sizeof(*sl));
	sl->opts = opts;
	sl->listen.udp_fd = -1;
	sl->listen.owner = sl;
	sl->listen.idle = slave_may_connect;
	sl->listen.found = slave_connect;
	sl->up.state = UPLINK_IDLE;
	sl->up.connect_fd = -1;
	payload_init(&sl->payload);
	safefile_init(&sl->output, "-o");
	safefile_init(&sl->errout, "-e");
	sl->exit_code = 0;
	sl->task_code = 1;
}

void
slave_start(struct slave *sl, struct ev_loop *loop)
{
	sl->loop = loop;
	/* After daemonizing: the payload file is named after this pid. */
	sl->pid = getpid();
	task_init(&sl->task, loop);
	/*
	 * Timer slack (50 us by default) would delay the wake-up at the start
	 * instant by as much: ask for 1 ns.  The task gets the default back.
	 */
	if (prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0) == -1)
		log_debug("PR_SET_TIMERSLACK: %s", strerror(errno));
	/*
	 * The processes a task leaves behind when it dies become ours, not
	 * init's: we reap them at once (slave_reap_orphans), so that a task
	 * we stopped is gone from the process table, zombies included, by
	 * the time we report it, however slowly init reaps.
	 */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1UL, 0, 0, 0) == -1)
		log_debug("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	ev_signal_init(&sl->sigchld, slave_sigchld_cb, SIGCHLD);
	ev_signal_init(&sl->sigterm, slave_sigterm_cb, SIGTERM);
	ev_signal_init(&sl->sigint, slave_sigterm_cb, SIGINT);
	ev_signal_init(&sl->sighup, slave_sighup_cb, SIGHUP);
	ev_signal_start(loop, &sl->sighup);
	ev_signal_start(loop, &sl->sigchld);
	ev_signal_start(loop, &sl->sigterm);
	ev_signal_start(loop, &sl->sigint);
	task_note_signals(&sl->task);
	listen_start(&sl->listen, loop);
}

void
slave_take_settings(struct slave *sl, const struct slave_settings *s)
{
	snprintf(sl->name, sizeof(sl->name), "%s", s->name);
	payload_set_dir(&sl->payload, s->conf_dir);
	safefile_set(&sl->output, s->output, s->output_default);
	sl->merge_stderr = s->merge_stderr;
	if (s->merge_stderr)
		safefile_set(&sl->errout, "", false);
	else
		safefile_set(&sl->errout, s->errout, s->errout_default);
	sl->runas = s->have_runas ? &s->runas : NULL;
}

int
slave_claim_files(struct slave *sl, char *why, size_t whylen)
{
	if (sl->output.lock_fd == -1 && !sl->output.device &&
	    safefile_claim(&sl->output, sl->runas, false, why, whylen) == -1)
		return -1;
	if (!sl->merge_stderr && sl->errout.lock_fd == -1 &&
	    !sl->errout.device &&
	    safefile_claim(&sl->errout, sl->runas, false, why, whylen) == -1)
		return -1;
	return 0;
}

bool
slave_idle(const struct slave *sl)
{
	return !uplink_active(&sl->up) && sl->task.state == TASK_IDLE;
}

/* listen.c asks: may a master be taken now? */
static bool
slave_may_connect(void *owner)
{
	struct slave *sl = owner;

	return !sl->stopping && slave_idle(sl);
}

/* listen.c found a master at addr. */
static void
slave_connect(void *owner, const struct net_addr *addr)
{
	(void)slave_session_open(owner, addr);
}

bool
slave_session_open(struct slave *sl, const struct net_addr *addr)
{
	struct uplink_env env = {
		.loop = sl->loop,
		.opts = sl->opts,
		.name = sl->name,
		.pid = sl->pid,
		.key = sl->key,
		.runas = sl->runas,
		.task = &sl->task,
		.payload = &sl->payload,
		.output = &sl->output,
		.errout = sl->merge_stderr ? NULL : &sl->errout,
		.owner = sl,
		.ended = slave_session_ended,
		.run_ended = slave_run_ended,
	};

	/* A failure comes back through slave_session_ended(). */
	return uplink_open(&sl->up, &env, addr);
}

/* Between sessions: the configuration read on SIGHUP, if any, in force. */
static void
slave_reload(struct slave *sl)
{
	const struct reload	*r = reload_take();
	char			 why[512];

	if (r == NULL)
		return;
	/* The payload file of the old -T is gone (the session ended). */
	payload_remove(&sl->payload);
	slave_take_settings(sl, &r->set);
	/* Checked free by reload_read; taken meanwhile: each session says. */
	if (slave_claim_files(sl, why, sizeof(why)) == -1)
		log_warnx("SIGHUP: %s; every session is refused until it is "
		    "free", why);
	sl->opts = &r->opts;
	sl->listen.opts = sl->opts;
	log_set_verbose(r->opts.c.verbose);
	if (r->opts.c.log_file != NULL && log_to_file(SLAVE_PROG,
	    r->opts.c.log_file, why, sizeof(why)) == -1)
		log_warnx("SIGHUP: --log %s (still logging where it was)", why);
	log_info("configuration reloaded: name %s, output %s, stderr %s, "
	    "conf dir %s, kill grace %.3g s%s, heartbeat timeout %.3g s",
	    sl->name, sl->output.used, sl->merge_stderr ? "merged" :
	    sl->errout.used, sl->payload.dir,
	    (double)r->opts.kill_grace_ns / 1e9,
	    r->opts.keep_task ? ", keep task" : "",
	    (double)r->opts.c.heartbeat_timeout_ns / 1e9);
}

static void
slave_sighup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct slave *sl = (struct slave *)((char *)w -
	    offsetof(struct slave, sighup));

	(void)loop;
	(void)revents;
	if (!reload_read(sl->opts))
		return;
	if (!sl->stopping && slave_idle(sl))
		slave_reload(sl);
	else
		log_info("SIGHUP: the new configuration applies when the "
		    "current session ends");
}

/*
 * Called whenever a session or the task may just have ended: once both are
 * gone, clean up and look for the next master (or exit).
 */
static void
slave_check_idle(struct slave *sl, bool after_failure)
{
	if (uplink_active(&sl->up))
		return;
	if (task_alive(&sl->task)) {
		/* Being stopped, or kept (--keep-task): wait for its reap... */
		if (!(sl->stopping && sl->task_kept))
			return;
		/* ...unless we are exiting and it was to outlive us. */
		log_info("leaving task %d running (--keep-task)",
		    (int)sl->task.pid);
	}
	slave_task_clear(sl);
	sl->task_kept = false;
	payload_remove(&sl->payload);
	if (sl->stopping) {
		ev_break(sl->loop, EVBREAK_ALL);
		return;
	}
	if (sl->opts->once && sl->session_configured) {
		sl->exit_code = sl->task_code;
		log_info("session over (--once): exiting with %d",
		    sl->exit_code);
		ev_break(sl->loop, EVBREAK_ALL);
		return;
	}
	/* Settings read on SIGHUP take effect here, between sessions. */
	slave_reload(sl);
	listen_resume(&sl->listen, after_failure);
}

/*
 * Its session is over and the task still alive: one never started goes at
 * once; one that runs is stopped (its grace, then SIGKILL), or left to run
 * with --keep-task.
 */
static void
slave_task_unowned(struct slave *sl)
{
	struct task	*t = &sl->task;
	char		 grace[32];

	/* Its instant came, though our timer has not marked it yet. */
	task_catch_up(t);
	if (!task_alive(t))
		return;
	if (!task_due(t)) {
		log_debug("killing task %d, armed but never started",
		    (int)t->pid);
		task_stop(t, 0);
	} else if (sl->opts->keep_task) {
		log_info("no master any more; task %d runs on (--keep-task), "
		    "unreported", (int)t->pid);
		sl->task_kept = true;
	} else if (!task_stopping(t)) {
		snprintf(grace, sizeof(grace), "%.3g",
		    (double)sl->opts->kill_grace_ns / 1e9);
		log_info("no master any more: stopping task %d (SIGTERM, "
		    "SIGKILL after %s s)", (int)t->pid, grace);
		task_stop(t, sl->opts->kill_grace_ns);
	}
}

/* A task that is over: its exit code kept for -1, its slot freed. */
static void
slave_task_clear(struct slave *sl)
{
	if (sl->task.state != TASK_DONE)
		return;
	sl->task_code = task_exit_code(&sl->task);
	task_clear(&sl->task);
}

/*
 * A campaign's run is over, its link stays (uplink.c, RUN_END): the run's
 * task goes as at a session's end, but for --keep-task, which is for a
 * master that is gone: this one is there, and its next run needs the slot.
 * One still being stopped is cleared when reaped (slave_sigchld_cb).
 */
static void
slave_run_ended(void *owner)
{
	struct slave	*sl = owner;
	struct task	*t = &sl->task;
	char		 grace[32];

	task_catch_up(t);
	if (task_alive(t) && !task_stopping(t)) {
		if (!task_due(t)) {
			log_debug("run over: killing task %d, armed but never "
			    "started", (int)t->pid);
			task_stop(t, 0);
		} else {
			snprintf(grace, sizeof(grace), "%.3g",
			    (double)sl->opts->kill_grace_ns / 1e9);
			log_info("run over: stopping task %d (SIGTERM, SIGKILL "
			    "after %s s)", (int)t->pid, grace);
			task_stop(t, sl->opts->kill_grace_ns);
		}
	}
	slave_task_clear(sl);
}

/* The link's session is over (uplink.c). */
static void
slave_session_ended(void *owner, const struct uplink_end *end)
{
	struct slave *sl = owner;

	if (end->connect_error != NULL)
		listen_connect_failed(&sl->listen, end->master,
		    end->connect_error);
	else if (end->key_mismatch != NULL)
		listen_key_mismatch(&sl->listen, end->master,
		    end->key_mismatch);
	else if (end->connected && end->progressed)
		listen_connected(&sl->listen, end->master);
	if (end->turned_away != NULL)
		listen_turned_away(&sl->listen, end->master,
		    end->turned_away);
	else if (end->progressed)
		listen_progressed(&sl->listen);
	if (end->configured)
		sl->session_configured = true;
	slave_task_unowned(sl);
	slave_check_idle(sl, !end->progressed);
}

/*
 * Reap the task's orphans (we are their subreaper), never the task itself:
 * its status is task_reap's.  waitid(WNOWAIT) looks before it takes.
 */
static void
slave_reap_orphans(struct slave *sl)
{
	siginfo_t	si;

	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == -1 ||
		    si.si_pid == 0)
			return;
		if (task_is_leader(&sl->task, si.si_pid))
			return;	/* died just now: the next SIGCHLD reaps it */
		if (waitpid(si.si_pid, NULL, WNOHANG) <= 0)
			return;
		log_trace("reaped process %d, left behind by a task",
		    (int)si.si_pid);
	}
}

static void
slave_sigchld_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct slave *sl = (struct slave *)((char *)w -
	    offsetof(struct slave, sigchld));
	char desc[PROTO_REASON_MAX];
	bool reaped;

	(void)loop;
	(void)revents;
	reaped = task_reap(&sl->task);
	slave_reap_orphans(sl);
	/* The last of a stopped task's group may have been reaped just now. */
	if (!reaped && !task_reap(&sl->task))
		return;
	if (uplink_active(&sl->up)) {
		if (uplink_task_done(&sl->up))
			return;
		/* An earlier run's of this campaign (or one never started). */
		task_describe(&sl->task, desc, sizeof(desc));
		log_debug("task %d %s (its run is over)", (int)sl->task.pid,
		    desc);
		slave_task_clear(sl);
		uplink_task_free(&sl->up);
		return;
	}
	task_describe(&sl->task, desc, sizeof(desc));
	log_info("task %d %s (no master to report to)", (int)sl->task.pid,
	    desc);
	slave_check_idle(sl, false);
}

static void
slave_sigterm_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	/* One callback for both watchers: the signal says which one fired. */
	struct slave *sl = (struct slave *)((char *)w -
	    (w->signum == SIGTERM ? offsetof(struct slave, sigterm) :
	    offsetof(struct slave, sigint)));

	(void)loop;
	(void)revents;
	if (sl->stopping) {
		/* Asked twice: do not wait for the grace period. */
		if (task_alive(&sl->task) && !sl->task_kept) {
			log_info("signal %d again: SIGKILL to task %d",
			    w->signum, (int)sl->task.pid);
			task_stop(&sl->task, 0);
		}
		return;
	}
	log_info("signal %d: shutting down", w->signum);
	sl->stopping = true;
	sl->exit_code = 0;
	listen_close(&sl->listen);
	if (uplink_active(&sl->up)) {
		/* Ends the session like a lost master; its end checks idle. */
		uplink_abort(&sl->up, "slave shutting down");
		return;
	}
	/* No session: the task's end, or ours, is waited for as after one. */
	slave_task_unowned(sl);
	slave_check_idle(sl, false);
}

void
slave_cleanup(struct slave *sl)
{
	if (uplink_active(&sl->up))
		uplink_abort(&sl->up, "slave exiting");
	listen_close(&sl->listen);
	payload_remove(&sl->payload);
	safefile_release(&sl->output);
	safefile_release(&sl->errout);
	if (sl->loop != NULL) {
		ev_signal_stop(sl->loop, &sl->sigchld);
		ev_signal_stop(sl->loop, &sl->sigterm);
		ev_signal_stop(sl->loop, &sl->sigint);
		ev_signal_stop(sl->loop, &sl->sighup);
		ev_timer_stop(sl->loop, &sl->task.kill_timer);
	}
}
