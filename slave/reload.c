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
 * Settings bound to a socket or to the process (port, interface, master,
 * daemon, pidfile, key) are not changed by a reload: a warning says that a
 * restart is needed.  The log file is opened again, so that a rotated log is
 * followed.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "slave.h"

/* What the next session will use; NULL: no reload pending. */
struct reload_pending {
	struct slave_opts	 opts;
	struct task_runas	 runas;
	bool			 have_runas;
	char			 name[PROTO_NAME_MAX + 1];
	char			 conf_dir[PATH_MAX];
	char			 output[PATH_MAX];
};

static struct reload_hooks	  reload_hooks;
static int			  reload_argc;
static char			**reload_argv;
static const char		 *reload_config;
static struct reload_pending	 *reload_next;
/* What a previous reload installed (freed when replaced or at exit). */
static struct reload_pending	 *reload_current;

void
reload_init(int argc, char **argv, const char *config,
    const struct reload_hooks *hooks)
{
	reload_hooks = *hooks;
	reload_argc = argc;
	reload_argv = argv;
	reload_config = config;
}

static void
reload_pending_free(struct reload_pending *p)
{
	if (p == NULL)
		return;
	slave_opts_free(&p->opts);
	if (reload_hooks.runas_free != NULL)
		reload_hooks.runas_free(&p->runas);
	free(p);
}

void
reload_free(void)
{
	reload_pending_free(reload_next);
	reload_pending_free(reload_current);
	reload_next = reload_current = NULL;
}

static bool
reload_str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

/*
 * Settings a reload cannot change: warn, and keep the running value, so that
 * what the slave reports is what it does.
 */
static void
reload_keep_fixed(struct slave_opts *n, const struct slave_opts *o)
{
#define FIXED_STR(field, label)						\
	if (reload_str_differs(n->field, o->field)) {			\
		log_warnx("SIGHUP: %s changed: restart the slave to "	\
		    "apply it", label);					\
		conf_set_str(&n->field, o->field);			\
	}
	FIXED_STR(c.interface, "interface (-i)");
	FIXED_STR(master, "master (-m)");
	FIXED_STR(c.pidfile, "pidfile");
	FIXED_STR(c.key_file, "key");
#undef FIXED_STR
	if (n->c.port != o->c.port) {
		log_warnx("SIGHUP: port changed: restart the slave to apply "
		    "it");
		n->c.port = o->c.port;
	}
	if (n->c.daemon != o->c.daemon)
		n->c.daemon = o->c.daemon;	/* meaningless once running */
}

/* The checks main() makes at start-up, on a new configuration. */
static int
reload_settle(struct reload_pending *p, char *err, size_t errlen)
{
	const struct slave_opts	*o = &p->opts;
	char			 host[256];
	int			 rc;

	if (o->name != NULL) {
		if (!slave_name_valid(o->name)) {
			snprintf(err, errlen, "name '%.300s': a name is 1..%d "
			    "characters of [A-Za-z0-9._:@+-], not starting "
			    "with '.'", o->name, PROTO_NAME_MAX);
			return -1;
		}
		snprintf(p->name, sizeof(p->name), "%s", o->name);
	} else {
		if (gethostname(host, sizeof(host)) == -1)
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		snprintf(p->name, sizeof(p->name), "%s", host);
		slave_name_sanitise(p->name);
	}
	/* Room for the payload file's name after it (slave.h). */
	if (reload_hooks.abs_path(o->conf_dir, p->conf_dir, sizeof(p->conf_dir) -
	    1 - SLAVE_CONF_NAME_MAX) == -1) {
		snprintf(err, errlen, "-T: %.300s: path too long", o->conf_dir);
		return -1;
	}
	if (reload_hooks.abs_path(o->output, p->output, sizeof(p->output)) ==
	    -1) {
		snprintf(err, errlen, "-o: %.300s: path too long", o->output);
		return -1;
	}
	/* A local lookup (NSS): may take a moment, but once per SIGHUP. */
	if (o->run_as != NULL) {
		rc = reload_hooks.runas(o->run_as, &p->runas, err, errlen);
		if (rc == -1)
			return -1;
		p->have_runas = rc == 0;	/* 1: our own user, no switch */
	}
	return slave_conf_dir_check(p->conf_dir, p->have_runas ? &p->runas :
	    NULL, err, errlen);
}

void
reload_hup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct slave		*sl = (struct slave *)((char *)w -
				    offsetof(struct slave, sighup));
	struct reload_pending	*p;
	char			 err[512];
	bool			 check = false;

	(void)loop;
	(void)revents;
	if (reload_hooks.parse == NULL)
		return;		/* not started by main(): nothing to re-read */
	log_info("SIGHUP: reading the configuration again (%s)",
	    reload_config != NULL ? reload_config : CONF_DEFAULT_FILE);
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("SIGHUP: configuration not reloaded");
		return;
	}
	slave_opts_defaults(&p->opts);
	if (conf_load_slave(reload_config, &p->opts) == -1) {
		/* conf.c logged "file:line: key: message". */
		log_warnx("SIGHUP: configuration not reloaded: the file has "
		    "errors; going on as before");
		reload_pending_free(p);
		return;
	}
	/* The command line was valid at start-up: it still is. */
	reload_hooks.parse(reload_argc, reload_argv, &p->opts, &check);
	reload_keep_fixed(&p->opts, sl->opts);
	if (reload_settle(p, err, sizeof(err)) == -1) {
		log_warnx("SIGHUP: configuration not reloaded: %s; going on as "
		    "before", err);
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
	slave_remove_conf_file(sl);
	snprintf(sl->name, sizeof(sl->name), "%s", p->name);
	slave_set_files(sl, p->conf_dir, p->output);
	sl->runas = p->have_runas ? &p->runas : NULL;
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
	    sl->output, sl->conf_dir, (double)p->opts.kill_grace_ns / 1e9,
	    p->opts.keep_task ? ", keep task" : "",
	    (double)p->opts.c.heartbeat_timeout_ns / 1e9);
}
