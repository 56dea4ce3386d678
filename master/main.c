/*
 * main.c - synexec_master: command line, configuration, daemon, the loop.
 *
 *	synexec_master [-hvdbVn] [-i IFACE] [-p PORT] [-s SESSION] [-c FILE]
 *	    [-w SECONDS] ... SLAVES CONF [CONF...]
 *
 * Options come from the built-in defaults, then the configuration file, then
 * the command line; each is a row of opt_master (common/opt_master.c).
 * Everything that can fail locally (options, the session file, the sockets)
 * fails before -d forks, so the error reaches the terminal.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "master.h"
#include "numparse.h"

static char	*master_pidfile;	/* absolute; removed at exit */
static pid_t	 master_pidfile_owner;

/* --help after the options (common/opt_master.c): operands, exit codes. */
static void
master_usage_end(FILE *f)
{
	fprintf(f,
"  SLAVES                   number of slaves to wait for, 1..%u, or\n"
"                           all: one per host of -H and --hosts, those\n"
"                           of --slaves (names), or whoever has joined\n"
"                           when -w expires\n"
"  CONF                     session file: the command on its first line,\n"
"                           the payload after it; several: one run each\n"
"                           (x --repeat), in turn, over the same slaves\n"
"exit: 0 all tasks exited 0, 1 usage or local error, 2 a task failed,\n"
"      3 a slave refused, could not start or was lost, 4 aborted,\n"
"      5 discovery timed out; a campaign: the most severe of its runs';\n"
"      --preflight: 0 every slave ready, 3 not\n",
	    MASTER_SLAVES_MAX);
}

static const struct opt_prog master_prog = {
	.name = MASTER_NAME,
	.opts = opt_master,
	.operands = "SLAVES CONF [CONF...]",
	.help_col = 27,
	.epilogue = master_usage_end,
};

/* --genkey: an action, like -V: nothing else is looked at. */
static int
master_genkey(const char *path)
{
	char err[512];

	if (auth_key_generate(path, err, sizeof(err)) == -1) {
		log_warnx("--genkey: %s", err);
		return 1;
	}
	printf("new key in %s (mode 0600): copy it to every slave and give "
	    "both sides -k %s\n", path, path);
	return 0;
}

/*
 * SLAVES and CONF [CONF...]: how many ("all": *all, nslaves 0), and the
 * session files (opened later).
 */
static void
master_operands(int argc, char **argv, const struct master_opts *o,
    uint64_t *nslaves, bool *all)
{
	char err[256];

	*all = false;
	if (argc == 0 && !o->c.check)
		opt_usage_error(&master_prog, "missing SLAVES and CONF");
	if (argc >= 1 && strcmp(argv[0], "all") == 0)
		*all = true;
	else if (argc >= 1 && parse_u64(argv[0], 1, MASTER_SLAVES_MAX,
	    nslaves, err, sizeof(err)) == -1)
		opt_usage_error(&master_prog, "SLAVES: %s (or all)", err);
	if (argc == 1 && !o->c.check)
		opt_usage_error(&master_prog, "missing CONF");
	/* One run at least; the campaign's runs are bounded. */
	if (argc > 1 && (uint64_t)(argc - 1) * o->repeat > MASTER_RUNS_MAX)
		opt_usage_error(&master_prog, "%d session files x --repeat "
		    "%u: more than %u runs", argc - 1, o->repeat,
		    MASTER_RUNS_MAX);
}

static void
master_remove_pidfile(void)
{
	if (master_pidfile != NULL && getpid() == master_pidfile_owner)
		unlink(master_pidfile);
}

/* Made absolute first: the daemon changes to / before it exits. */
static int
master_write_pidfile(const char *path)
{
	char	cwd[4096], buf[32], why[512];
	int	fd, n;

	if (path[0] == '/')
		master_pidfile = strdup(path);
	else if (getcwd(cwd, sizeof(cwd)) != NULL &&
	    asprintf(&master_pidfile, "%s/%s", cwd, path) == -1)
		master_pidfile = NULL;
	if (master_pidfile == NULL) {
		log_warn("pidfile %s", path);
		return -1;
	}
	fd = daemon_pidfile_open(master_pidfile, why, sizeof(why));
	if (fd == -1) {
		log_warnx("pidfile %s", why);
		free(master_pidfile);
		master_pidfile = NULL;
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		log_warn("pidfile %s", master_pidfile);
		close(fd);
		unlink(master_pidfile);
		free(master_pidfile);
		master_pidfile = NULL;
		return -1;
	}
	close(fd);
	master_pidfile_owner = getpid();
	atexit(master_remove_pidfile);
	return 0;
}

static void
master_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)loop;
	(void)revents;
	control_signal(w->data, w->signum);
}

/* Descriptors open in this process (-1 if /proc is not there). */
static int
master_nfds(void)
{
	DIR		*d = opendir("/proc/self/fd");
	struct dirent	*e;
	int		 n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own */
}

/* Who may run commands on the slaves: a warning without a key. */
static void
master_banner(const struct master *m, const struct master_opts *opts,
    const struct auth_key *key)
{
	if (m->key == NULL)
		log_warnx("warning: unauthenticated (no -k key): anyone who can "
		    "reach the port can run commands as the slaves' users "
		    "(port %u)", opts->c.port);
	else
		log_info("keyed session: key %s (key id %s)", opts->c.key_file,
		    key->id_hex);
}

int
main(int argc, char **argv)
{
	static struct master_opts	 opts;
	static struct master		 m;
	static struct auth_key		 key;
	static struct opt_origin	 org;	/* zeroed: static */
	char				 err[4096];
	uint64_t			 nslaves = 0;
	bool				 all;
	int				 first, code = 1, nbad, i;
	int				 ready_fd = -1;
	int				 nfds_start;
	sigset_t			 stopsigs;

	setvbuf(stdout, NULL, _IOLBF, 0);
	nfds_start = master_nfds();
	log_init(MASTER_NAME, LOG_TO_STDERR);
	master_opts_defaults(&opts);
	/* Where the file is, and what not to do at all: -h, -V, --genkey. */
	opt_parse_early(&master_prog, argc, argv, &opts);
	if (opts.genkey != NULL)
		return master_genkey(opts.genkey);
	if (conf_load_master(opts.c.config, &opts, &org) == -1)
		return 1;
	/* The command line on top of the file. */
	first = opt_parse(&master_prog, argc, argv, &opts, &org);
	argc -= first;
	argv += first;
	log_set_verbose(opts.c.verbose);
	master_operands(argc, argv, &opts, &nslaves, &all);

	/*
	 * What a start would find wrong here, all of it said, not only the
	 * first: -n stops after this, a start goes on only if all is well.
	 */
	master_init(&m, &opts, (uint32_t)nslaves);
	nbad = opt_requires_check(opt_master, &opts, &org);
	/* The host list, then --slaves, --exclude and SLAVES all. */
	nbad += hosts_load(&m, &org);
	if (argc >= 1 && pool_init(&m, all, err, sizeof(err)) == -1)
		opt_usage_error(&master_prog, "%s", err);
	if (argc == 0 && pool_check_opts(&opts, err, sizeof(err)) == -1)
		opt_usage_error(&master_prog, "%s", err);
	if (opts.c.key_file != NULL) {
		if (auth_key_load(opts.c.key_file, &key, err, sizeof(err)) ==
		    -1) {
			opt_complain(opt_master, opt_by_key(opt_master,
			    "key_file"), &org, NULL, "%s", err);
			nbad++;
		} else
			m.key = &key;
	}
	/* Each CONF, checked as a start will (every fault said). */
	for (i = 1; i < argc; i++) {
		if (campaign_add_file(&m, argv[i], err, sizeof(err)) == -1) {
			/* Inert already (master.h); before -d, on stderr. */
			fprintf(stderr, "%s: %s\n", MASTER_NAME, err);
			nbad++;
		}
	}
	/* A preflight checks one session; a campaign's files each their own. */
	if (opts.preflight && (argc > 2 || opts.repeat > 1))
		opt_usage_error(&master_prog, "--preflight checks one session "
		    "file once: give one CONF and no --repeat (and check each "
		    "file of a campaign in turn)");
	if (opts.csv_file != NULL && opts.results_file != NULL &&
	    strcmp(opts.csv_file, opts.results_file) == 0) {
		log_warnx("--csv %s: the results file (-r) has that name; "
		    "give each its own", opts.csv_file);
		nbad++;
	}
	nbad += check_local(&opts, &org);
	if (nbad > 0)
		goto out;
	if (opts.c.check) {
		printf("configuration OK\n");
		code = 0;
		goto out;
	}

	/* Before -d: a bad -O or -r fails here, on the terminal. */
	if (master_prepare(&m, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	/*
	 * Said on the terminal, so that whoever starts us sees it, and again
	 * in the log (--log, or syslog with -d) once we write there.
	 */
	master_banner(&m, &opts, &key);

	signal(SIGPIPE, SIG_IGN);
	/*
	 * An -O file or the results file past RLIMIT_FSIZE must be an EFBIG
	 * we report, not a signal that kills us with every other slave's
	 * output and results.
	 */
	signal(SIGXFSZ, SIG_IGN);
	/*
	 * SIGINT, SIGTERM and SIGHUP wait (blocked) until their watchers exist: one
	 * sent as soon as the daemon's pid is printed or its pidfile written
	 * then ends the session cleanly instead of killing us on the spot.
	 */
	sigemptyset(&stopsigs);
	sigaddset(&stopsigs, SIGINT);
	sigaddset(&stopsigs, SIGTERM);
	sigaddset(&stopsigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &stopsigs, NULL);
	/* One descriptor per slave: thousands of slaves need the hard limit. */
	log_debug("open files limit: %ld", net_raise_nofile());
	if (discovery_open(&m, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}

	if (opts.c.log_file != NULL && log_to_file(MASTER_NAME,
	    opts.c.log_file, err, sizeof(err)) == -1) {
		log_warnx("--log %s", err);
		goto out;
	}
	if (opts.c.daemon) {
		ready_fd = daemon_start(true);
		if (opts.c.log_file == NULL)
			log_init(MASTER_NAME, LOG_TO_SYSLOG);
		m.out_log = true;
	}
	m.log_stderr = !opts.c.daemon && opts.c.log_file == NULL;
	if (!m.log_stderr)
		master_banner(&m, &opts, &key);
	if (opts.c.pidfile != NULL && master_write_pidfile(opts.c.pidfile) ==
	    -1)
		goto out;
	if (opts.c.daemon && chdir("/") == -1)
		log_warn("chdir /");

	if (master_start(&m) == -1) {
		log_warnx("cannot create the event loop");
		goto out;
	}
	ev_signal_init(&m.sigint, master_signal_cb, SIGINT);
	ev_signal_init(&m.sigterm, master_signal_cb, SIGTERM);
	/* The terminal went away (ssh closed): end as for SIGTERM, results kept. */
	ev_signal_init(&m.sighup, master_signal_cb, SIGHUP);
	m.sigint.data = m.sigterm.data = m.sighup.data = &m;
	ev_signal_start(m.loop, &m.sigint);
	ev_signal_start(m.loop, &m.sigterm);
	ev_signal_start(m.loop, &m.sighup);
	sigprocmask(SIG_UNBLOCK, &stopsigs, NULL);
	daemon_ready(&ready_fd);
	log_debug("session %u: %u slaves, command '%s', %llu payload bytes, "
	    "%u run%s", opts.c.session, m.nslaves, m.sf.command,
	    (unsigned long long)m.sf.payload_size, m.campaign.runs,
	    m.campaign.runs == 1 ? "" : "s");

	master_begin(&m);
	ev_run(m.loop, 0);
	code = m.exit_code;
	/* --plot: never changes the code. */
	master_end(&m);

out:
	if (ready_fd != -1)
		close(ready_fd);	/* the parent exits 1 */
	master_free(&m);
	auth_key_wipe(&key);
	master_opts_free(&opts);
	/* What the session left open (the log file of --log or syslog aside). */
	log_debug("open descriptors: %d at start, %d at exit", nfds_start,
	    master_nfds());
	log_close();
	return code;
}
