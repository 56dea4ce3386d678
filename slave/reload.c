/*
 * reload.c - SIGHUP: read the configuration again, use it from the next
 * session on.
 *
 * The file is read again and the same command line applied on top of it, as
 * at start-up (the command line still wins), and the result is checked as at
 * start-up.  A bad file changes nothing: the error is logged and the slave
 * goes on as it was.  A good one is applied between sessions: at once if the
 * slave is idle, otherwise when the current session and its task are over,
 * so that no session sees its settings change under it.
 *
 * Settings bound to a socket or to the process (the port, the key...: the
 * rows of opt_slave marked OPTF_RESTART) are not changed by a reload: a
 * warning says that a restart is needed.  The log
 * file is opened again, so that a rotated log is followed.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "slave.h"

/* What the next session will use; NULL: no reload pending. */
struct reload_pending {
	struct slave_opts	 opts;
	struct slave_settings	 set;
};

static const struct opt_prog	 *reload_prog;
static int			  reload_argc;
static char			**reload_argv;
static struct reload_pending	 *reload_next;
/* What a previous reload installed (freed when replaced or at exit). */
static struct reload_pending	 *reload_current;

void
reload_init(int argc, char **argv, const struct opt_prog *prog)
{
	reload_prog = prog;
	reload_argc = argc;
	reload_argv = argv;
}

static void
reload_pending_free(struct reload_pending *p)
{
	if (p == NULL)
		return;
	slave_opts_free(&p->opts);
	settings_free(&p->set);
	free(p);
}

void
reload_free(void)
{
	reload_pending_free(reload_next);
	reload_pending_free(reload_current);
	reload_next = reload_current = NULL;
}

/*
 * Settings a reload cannot change: warn, and keep the running value, so that
 * what the slave reports is what it does.
 */
static void
reload_keep_fixed(struct slave_opts *n, const struct slave_opts *o)
{
	const struct opt	*r;
	char			 label[64];

	for (r = opt_slave; r->name != NULL; r++) {
		if (!(r->flags & OPTF_RESTART) || !opt_differs(r, n, o))
			continue;
		log_warnx("SIGHUP: %s (%s) changed: restart the slave to apply "
		    "it", r->key != NULL ? r->key : r->name,
		    opt_label(r, label, sizeof(label)));
		opt_copy(r, n, o);
	}
}

void
reload_hup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct slave		*sl = (struct slave *)((char *)w -
				    offsetof(struct slave, sighup));
	const char		*config = sl->opts->c.config;
	struct reload_pending	*p;
	struct opt_origin	 org;

	(void)loop;
	(void)revents;
	if (reload_prog == NULL)
		return;		/* not started by main(): nothing to re-read */
	log_info("SIGHUP: reading the configuration again (%s)",
	    config != NULL ? config : CONF_DEFAULT_FILE);
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("SIGHUP: configuration not reloaded");
		return;
	}
	slave_opts_defaults(&p->opts);
	memset(&org, 0, sizeof(org));
	if (conf_load_slave(config, &p->opts, &org) == -1) {
		/* conf.c logged "file:line: key: message". */
		log_warnx("SIGHUP: configuration not reloaded: the file has "
		    "errors; going on as before");
		reload_pending_free(p);
		return;
	}
	/* The command line was valid at start-up: it still is. */
	opt_parse(reload_prog, reload_argc, reload_argv, &p->opts, &org);
	if (opt_requires_check(opt_slave, &p->opts, &org) > 0) {
		log_warnx("SIGHUP: configuration not reloaded: options that "
		    "have no effect; going on as before");
		reload_pending_free(p);
		return;
	}
	reload_keep_fixed(&p->opts, sl->opts);
	if (settings_resolve(&p->opts, &org, &p->set) > 0) {
		log_warnx("SIGHUP: configuration not reloaded: the faults "
		    "above; going on as before");
		reload_pending_free(p);
		return;
	}
	reload_pending_free(reload_next);	/* a newer HUP wins */
	reload_next = p;
	if (!sl->stopping && slave_idle(sl))
		reload_apply(sl);
	else
		log_info("SIGHUP: the new configuration applies when the "
		    "current session ends");
}

void
reload_apply(struct slave *sl)
{
	struct reload_pending	*p = reload_next;

	if (p == NULL)
		return;
	reload_next = NULL;
	/* The payload file of the old -T is gone (the session ended). */
	payload_remove(&sl->payload);
	settings_use(sl, &p->set);
	sl->opts = &p->opts;
	log_set_verbose(p->opts.c.verbose);
	if (p->opts.c.log_file != NULL &&
	    log_init(SLAVE_PROG, LOG_TO_FILE, p->opts.c.log_file) == -1)
		log_warn("SIGHUP: --log %s (still logging where it was)",
		    p->opts.c.log_file);
	reload_pending_free(reload_current);
	reload_current = p;
	log_info("configuration reloaded: name %s, output %s, conf dir %s, "
	    "kill grace %.3g s%s, heartbeat timeout %.3g s", sl->name,
	    sl->output.path, sl->payload.dir, (double)p->opts.kill_grace_ns / 1e9,
	    p->opts.keep_task ? ", keep task" : "",
	    (double)p->opts.c.heartbeat_timeout_ns / 1e9);
}
