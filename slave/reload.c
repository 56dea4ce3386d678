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
 * warning says that a restart is needed.  slave.c puts a good one in force
 * (reload_take) and opens the log file again, so that a rotated log is
 * followed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "reload.h"

static const struct opt_prog	 *reload_prog;
static int			  reload_argc;
static char			**reload_argv;
/* What the next session will use; NULL: no reload pending. */
static struct reload		 *reload_next;
/* What a previous reload installed (freed when replaced or at exit). */
static struct reload		 *reload_current;

void
reload_init(int argc, char **argv, const struct opt_prog *prog)
{
	reload_prog = prog;
	reload_argc = argc;
	reload_argv = argv;
}

static void
reload_pending_free(struct reload *p)
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

bool
reload_read(const struct slave_opts *running)
{
	const char		*config = running->c.config;
	struct reload		*p;
	struct opt_origin	 org;

	if (reload_prog == NULL)
		return false;	/* not started by main(): nothing to re-read */
	log_info("SIGHUP: reading the configuration again (%s)",
	    config != NULL ? config : CONF_DEFAULT_FILE);
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("SIGHUP: configuration not reloaded");
		return false;
	}
	slave_opts_defaults(&p->opts);
	memset(&org, 0, sizeof(org));
	if (conf_load_slave(config, &p->opts, &org) == -1) {
		/* conf.c logged "file:line: key: message". */
		log_warnx("SIGHUP: configuration not reloaded: the file has "
		    "errors; going on as before");
		reload_pending_free(p);
		return false;
	}
	/* The command line was valid at start-up: it still is. */
	opt_parse(reload_prog, reload_argc, reload_argv, &p->opts, &org);
	if (opt_requires_check(opt_slave, &p->opts, &org) > 0) {
		log_warnx("SIGHUP: configuration not reloaded: options that "
		    "have no effect; going on as before");
		reload_pending_free(p);
		return false;
	}
	reload_keep_fixed(&p->opts, running);
	if (settings_resolve(&p->opts, &org, &p->set) > 0) {
		log_warnx("SIGHUP: configuration not reloaded: the faults "
		    "above; going on as before");
		reload_pending_free(p);
		return false;
	}
	reload_pending_free(reload_next);	/* a newer HUP wins */
	reload_next = p;
	return true;
}

const struct reload *
reload_take(void)
{
	if (reload_next == NULL)
		return NULL;
	reload_pending_free(reload_current);
	reload_current = reload_next;
	reload_next = NULL;
	return reload_current;
}
