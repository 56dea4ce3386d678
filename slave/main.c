/*
 * main.c - synexec_slave: options, configuration, daemon, start-up.
 *
 * Options come from the built-in defaults, then the configuration file, then
 * the command line, which wins; each is a row of opt_slave
 * (common/opt_slave.c).  Everything that can fail for a reason the operator
 * should see (bad option, port in use, unknown user) fails here, before
 * daemonizing, with exit status 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "place.h"
#include "slave.h"

/* --help after the options (common/opt_slave.c). */
static void
main_usage_end(FILE *f)
{
	fputs("\nWARNING: without a key, anyone who can reach the port can run "
	    "any command\nas the slave's user.\n", f);
}

static const struct opt_prog slave_prog = {
	.name = SLAVE_PROG,
	.opts = opt_slave,
	.help_col = 23,
	.epilogue = main_usage_end,
};

/* Who may run commands here: a warning without a key. */
static void
main_banner(const struct slave *sl, const struct slave_opts *o,
    const struct auth_key *key, const char *user)
{
	if (sl->key != NULL)
		log_info("keyed sessions: only a master that proves key %s "
		    "(key id %s) can run commands as %s", o->c.key_file,
		    key->id_hex, user);
	else if (o->master != NULL)
		log_warnx("warning: unauthenticated (no -k key): whoever answers "
		    "at %s can run commands as %s", o->master, user);
	else
		log_warnx("warning: unauthenticated (no -k key): anyone who can "
		    "reach the port can run commands as %s (port %u)", user,
		    o->c.port);
}

/* Row key's fault, said (opt_complain): 1. */
static int
main_fault(const struct opt_origin *org, const char *key, const char *value,
    const char *msg)
{
	opt_complain(opt_slave, opt_by_key(opt_slave, key), org, value, "%s",
	    msg);
	return 1;
}

/* Write our pid into the pidfile opened before daemonizing (then the pid is known). */
static int
main_write_pidfile(int fd)
{
	char	buf[32];
	int	n, rc = 0;

	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n)
		rc = -1;
	if (close(fd) == -1)
		rc = -1;
	return rc;
}

int
main(int argc, char *argv[])
{
	static struct slave	 sl;	/* large: not on the stack */
	static struct slave_settings set;
	struct slave_opts	 o;
	static struct auth_key	 key;
	static struct opt_origin org;	/* zeroed: static */
	struct ev_loop		*loop = NULL;
	struct passwd		*pw;
	char			 err[512], pidfile[PATH_MAX];
	char			 user[64];
	bool			 have_pidfile = false;
	sigset_t		 stopsigs;
	int			 code = 1, ready_fd = -1, pid_fd = -1, first;
	int			 nbad;
	unsigned		 ifindex = 0;

	log_init(SLAVE_PROG, LOG_TO_STDERR);
	slave_opts_defaults(&o);
	slave_init(&sl, &o);
	opt_parse_early(&slave_prog, argc, argv, &o);
	if (conf_load_slave(o.c.config, &o, &org) == -1)
		goto out;	/* conf.c logged "file:line: key: message" */
	first = opt_parse(&slave_prog, argc, argv, &o, &org);
	if (first < argc)
		opt_usage_error(&slave_prog, "unexpected argument '%s'",
		    argv[first]);
	log_set_verbose(o.c.verbose);

	/*
	 * What a start would find wrong here, all of it said, not only the
	 * first: -n stops after this, a start goes on only if all is well.
	 */
	nbad = opt_requires_check(opt_slave, &o, &org);
	/* A key asked for and not usable: never fall back to no key. */
	if (o.c.key_file != NULL) {
		if (auth_key_load(o.c.key_file, &key, err, sizeof(err)) == -1)
			nbad += main_fault(&org, "key_file", NULL, err);
		else
			sl.key = &key;
	}
	if (o.c.interface != NULL &&
	    (ifindex = if_nametoindex(o.c.interface)) == 0)
		nbad += main_fault(&org, "interface", o.c.interface,
		    strerror(errno));
	/* The same checks as a SIGHUP's (reload.c). */
	nbad += settings_resolve(&o, &org, &set);
	if (o.c.pidfile != NULL &&
	    settings_abs_path(o.c.pidfile, pidfile, sizeof(pidfile)) == -1)
		nbad += main_fault(&org, "pidfile", o.c.pidfile,
		    "path too long");
	else if (o.c.pidfile != NULL && place_check(pidfile, PLACE_FILE, err,
	    sizeof(err)) == -1)
		nbad += main_fault(&org, "pidfile", pidfile, err);
	if (o.c.log_file != NULL && place_check(o.c.log_file, PLACE_FILE, err,
	    sizeof(err)) == -1)
		nbad += main_fault(&org, "log", o.c.log_file, err);
	if (nbad > 0)
		goto out;
	slave_take_settings(&sl, &set);
	if (o.c.check) {
		printf("configuration OK\n");
		code = 0;
		goto out;
	}

	/* A dead master must show as a write error, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	/*
	 * TERM, INT and HUP wait (blocked) until their watchers exist: one
	 * sent as soon as the pidfile is written is then handled, not fatal.
	 */
	sigemptyset(&stopsigs);
	sigaddset(&stopsigs, SIGINT);
	sigaddset(&stopsigs, SIGTERM);
	sigaddset(&stopsigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &stopsigs, NULL);
	if (listen_init(&sl.listen, &o, ifindex, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	if (sl.runas != NULL)
		snprintf(user, sizeof(user), "%s", sl.runas->user);
	else if ((pw = getpwuid(geteuid())) != NULL)
		snprintf(user, sizeof(user), "%s", pw->pw_name);
	else
		snprintf(user, sizeof(user), "uid %ld", (long)geteuid());
	/*
	 * Said on the terminal, so that whoever starts us sees it, and again
	 * in the log (--log, or syslog with -d) once we write there.
	 */
	main_banner(&sl, &o, &key, user);
	if (o.c.log_file != NULL &&
	    log_to_file(SLAVE_PROG, o.c.log_file, err, sizeof(err)) == -1) {
		log_warnx("--log %s", err);
		goto out;
	}
	/* Opened here, so that an error still shows on the terminal. */
	if (o.c.pidfile != NULL) {
		pid_fd = daemon_pidfile_open(pidfile, err, sizeof(err));
		if (pid_fd == -1) {
			log_warnx("--pidfile %s", err);
			goto out;
		}
		have_pidfile = true;
	}
	if (o.c.daemon) {
		ready_fd = daemon_start(false);
		if (o.c.log_file == NULL)
			log_init(SLAVE_PROG, LOG_TO_SYSLOG);
	}
	if (o.c.daemon || o.c.log_file != NULL)
		main_banner(&sl, &o, &key, user);
	if (pid_fd != -1 && main_write_pidfile(pid_fd) == -1) {
		log_warn("--pidfile %s", pidfile);
		goto out;
	}
	if (o.c.daemon && chdir("/") == -1)
		log_warn("chdir /");
	/*
	 * The output files ours from now on: a slave started later cannot
	 * take them.  After -d's fork: the claim names the process that
	 * holds it (settings_resolve found them free already).
	 */
	if (slave_claim_files(&sl, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}

	/* Not the default loop: it would reap our children itself. */
	if ((loop = ev_loop_new(EVFLAG_AUTO)) == NULL) {
		log_warnx("cannot create the event loop");
		goto out;
	}
	log_info("%s %s started: name %s, pid %ld", SLAVE_PROG,
	    SYNEXEC_VERSION, sl.name, (long)getpid());
	reload_init(argc, argv, &slave_prog);
	slave_start(&sl, loop);
	sigprocmask(SIG_UNBLOCK, &stopsigs, NULL);
	daemon_ready(&ready_fd);
	ev_run(loop, 0);
	code = sl.exit_code;
	log_info("exiting with status %d", code);
out:
	slave_cleanup(&sl);
	reload_free();	/* after the last use of sl.opts */
	if (have_pidfile && unlink(pidfile) == -1 && errno != ENOENT)
		log_warn("remove %s", pidfile);
	if (loop != NULL)
		ev_loop_destroy(loop);
	settings_free(&set);
	auth_key_wipe(&key);
	slave_opts_free(&o);
	log_close();
	return code;
}
