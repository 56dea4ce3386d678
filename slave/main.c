/*
 * main.c - synexec_slave: options, configuration, daemon, start-up.
 *
 * Options come from the built-in defaults, then the configuration file, then
 * the command line, which wins.  Everything that can fail for a reason the
 * operator should see (bad option, port in use, unknown user) fails here,
 * before daemonizing, with exit status 1.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "numparse.h"
#include "slave.h"

#ifndef SYNEXEC_VERSION
#define SYNEXEC_VERSION	"unknown"
#endif

enum {
	OPT_KILL_GRACE = 256,
	OPT_KEEP_TASK,
	OPT_LOG,
	OPT_PIDFILE,
	OPT_RUN_AS,
	OPT_ALLOW,
	OPT_MAX_CONF_SIZE,
	OPT_HEARTBEAT_TIMEOUT,
};

static const char main_optstring[] = ":hvdV1ni:p:s:c:N:m:T:o:k:";

static const struct option main_longopts[] = {
	{ "help",		no_argument,		NULL, 'h' },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "daemon",		no_argument,		NULL, 'd' },
	{ "version",		no_argument,		NULL, 'V' },
	{ "once",		no_argument,		NULL, '1' },
	{ "check",		no_argument,		NULL, 'n' },
	{ "interface",		required_argument,	NULL, 'i' },
	{ "port",		required_argument,	NULL, 'p' },
	{ "session",		required_argument,	NULL, 's' },
	{ "config",		required_argument,	NULL, 'c' },
	{ "name",		required_argument,	NULL, 'N' },
	{ "master",		required_argument,	NULL, 'm' },
	{ "conf-dir",		required_argument,	NULL, 'T' },
	{ "output",		required_argument,	NULL, 'o' },
	{ "key",		required_argument,	NULL, 'k' },
	{ "kill-grace",		required_argument,	NULL, OPT_KILL_GRACE },
	{ "keep-task",		no_argument,		NULL, OPT_KEEP_TASK },
	{ "log",		required_argument,	NULL, OPT_LOG },
	{ "pidfile",		required_argument,	NULL, OPT_PIDFILE },
	{ "run-as",		required_argument,	NULL, OPT_RUN_AS },
	{ "allow",		required_argument,	NULL, OPT_ALLOW },
	{ "max-conf-size",	required_argument,	NULL, OPT_MAX_CONF_SIZE },
	{ "heartbeat-timeout",	required_argument,	NULL,
	    OPT_HEARTBEAT_TIMEOUT },
	{ NULL,			0,			NULL, 0 }
};

static void
main_usage(FILE *f)
{
	fprintf(f,
"usage: synexec_slave [-hvdV1n] [-i IFACE] [-p PORT] [-s SESSION] [-c FILE]\n"
"                     [-N NAME] [-m HOST[:PORT]] [-T DIR] [-o FILE] [-k FILE]\n"
"                     [--kill-grace SECONDS] [--keep-task] [--log FILE]\n"
"                     [--pidfile FILE] [--run-as USER] [--allow PATH]...\n"
"                     [--max-conf-size BYTES] [--heartbeat-timeout SECONDS]\n"
"\n"
"  -h, --help           print this help and exit\n"
"  -v, --verbose        more messages (repeat for more)\n"
"  -d, --daemon         run in the background, log to syslog (or --log)\n"
"  -V, --version        print the version and exit\n"
"  -1, --once           exit after one session, with the task's exit code\n"
"  -n, --check          check the options and configuration file, then exit\n"
"  -i, --interface IF   accept probes only from interface IF\n"
"  -p, --port PORT      UDP and TCP port (default %u)\n"
"  -s, --session ID     session id, 0..4294967295 (default 0)\n"
"  -c, --config FILE    configuration file (default %s, if present)\n"
"  -N, --name NAME      name shown by the master (default: the host name)\n"
"  -m, --master H[:P]   connect to this master instead of waiting for probes\n"
"  -T, --conf-dir DIR   where the session payload file goes (default /tmp)\n"
"  -o, --output FILE    the task's stdout and stderr (default /tmp/synexec.out)\n"
"  -k, --key FILE       keyed sessions: serve only masters that prove this\n"
"                       key; every frame encrypted and authenticated\n"
"      --kill-grace S   SIGTERM to SIGKILL delay when a task is stopped (10)\n"
"      --keep-task      let the task run on when the master is lost\n"
"      --log FILE       log to FILE\n"
"      --pidfile FILE   write the process id to FILE\n"
"      --run-as USER    run the task as USER (the slave must be root)\n"
"      --allow PATH     run only these commands (repeatable)\n"
"      --max-conf-size B  refuse payloads larger than B bytes (K/M/G/T; 1G)\n"
"      --heartbeat-timeout S  a master silent this long is lost (1..3600, 10)\n"
"\n"
"WARNING: without a key, anyone who can reach the port can run any command\n"
"as the slave's user.\n",
	    PROTO_DEFAULT_PORT, CONF_DEFAULT_FILE);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
main_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", SLAVE_PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	main_usage(stderr);
	exit(1);
}

/* "-p" for an option with a letter, "--kill-grace" for a long-only one. */
static const char *
main_opt_name(int val, char *buf, size_t len)
{
	const struct option *o;

	if (val > 0 && val < 256) {
		snprintf(buf, len, "-%c", val);
		return buf;
	}
	for (o = main_longopts; o->name != NULL; o++)
		if (o->val == val) {
			snprintf(buf, len, "--%s", o->name);
			return buf;
		}
	snprintf(buf, len, "?");
	return buf;
}

/* An option getopt did not take: one line saying what, then the usage. */
static void __attribute__((noreturn))
main_getopt_error(int c, char *const argv[])
{
	char name[64];

	if (c == ':') {
		/* Name it as typed: "--port" or "-p". */
		if (optopt == 0 || strncmp(argv[optind - 1], "--", 2) == 0)
			main_usage_error("%s: option requires an argument",
			    argv[optind - 1]);
		main_usage_error("%s: option requires an argument",
		    main_opt_name(optopt, name, sizeof(name)));
	}
	if (optopt != 0 && optopt < 256 && argv[optind - 1][1] != '-')
		main_usage_error("-%c: unknown option", optopt);
	main_usage_error("%s: unknown option", argv[optind - 1]);
}

/* HOST[:PORT] without resolving it (for -n). */
static int
main_check_hostport(const char *s, char *err, size_t errlen)
{
	const char	*colon = strrchr(s, ':');
	size_t		 hostlen = colon ? (size_t)(colon - s) : strlen(s);
	uint16_t	 port;
	char		 perr[128];

	if (hostlen == 0 || hostlen > 253) {
		snprintf(err, errlen, "'%s' is not HOST[:PORT]", s);
		return -1;
	}
	if (colon != NULL && parse_port(colon + 1, &port, perr,
	    sizeof(perr)) == -1) {
		snprintf(err, errlen, "port: %s", perr);
		return -1;
	}
	return 0;
}

/*
 * An absolute version of path into out (the daemon runs in /, and the task's
 * :CONF: must work from any directory).  -1 if it does not fit.
 */
static int
main_abs_path(const char *path, char *out, size_t outlen)
{
	char cwd[PATH_MAX];
	int n;

	if (path[0] == '/')
		n = snprintf(out, outlen, "%s", path);
	else {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return -1;
		n = snprintf(out, outlen, "%s/%s", cwd, path);
	}
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static void
main_runas_free(struct task_runas *ra)
{
	free(ra->user);
	free(ra->groups);
	memset(ra, 0, sizeof(*ra));
}

/*
 * --run-as: the user's ids and groups, looked up now (not after fork).
 * 1: the slave's own user on a slave that is not root, which can change
 * neither its ids nor its groups: the task runs as the slave does, and ra
 * is left empty.  -1 with the reason in err.
 */
static int
main_runas(const char *user, struct task_runas *ra, char *err, size_t errlen)
{
	struct passwd	*pw;
	int		 n = 32;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "--run-as: %s: %s", user,
		    errno != 0 ? strerror(errno) : "no such user");
		return -1;
	}
	ra->user = strdup(user);
	ra->uid = pw->pw_uid;
	ra->gid = pw->pw_gid;
	for (;;) {
		int got = n;

		ra->groups = calloc((size_t)n, sizeof(gid_t));
		if (ra->user == NULL || ra->groups == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (getgrouplist(user, ra->gid, ra->groups, &got) != -1) {
			ra->ngroups = got;
			break;
		}
		free(ra->groups);
		ra->groups = NULL;
		if (got <= n || got > 65536) {
			snprintf(err, errlen, "--run-as: %s: cannot list its "
			    "groups", user);
			return -1;
		}
		n = got;
	}
	if (geteuid() != 0 && ra->uid != geteuid()) {
		snprintf(err, errlen, "--run-as: running the task as %s needs "
		    "the slave to run as root", user);
		return -1;
	}
	if (geteuid() != 0) {
		log_info("--run-as %s: the slave's own user; the task runs "
		    "with the slave's ids and groups", user);
		main_runas_free(ra);
		return 1;
	}
	return 0;
}

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

/* Parse the command line on top of opts.  Exits on a usage error. */
static void
main_parse(int argc, char *argv[], struct slave_opts *o, bool *check)
{
	char	 err[256], name[64];
	int	 c, nverbose = 0, i;
	bool	 allow_from_cmdline = false;

	optind = 0;	/* 0: a full reset in glibc (second pass) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, main_optstring, main_longopts,
	    NULL)) != -1) {
		err[0] = '\0';
		switch (c) {
		case 'h':
			main_usage(stdout);
			exit(0);
		case 'V':
			printf("%s %s\n", SLAVE_PROG, SYNEXEC_VERSION);
			exit(0);
		case 'v':
			nverbose++;
			break;
		case 'd':
			o->c.daemon = true;
			break;
		case '1':
			o->once = true;
			break;
		case 'n':
			*check = true;
			break;
		case 'c':
			break;	/* the first pass loaded it */
		case 'i':
			conf_set_str(&o->c.interface, optarg);
			break;
		case 'p':
			if (parse_port(optarg, &o->c.port, err, sizeof(err)) == -1)
				goto bad;
			break;
		case 's':
			if (parse_session(optarg, &o->c.session, err,
			    sizeof(err)) == -1)
				goto bad;
			break;
		case 'N':
			if (!slave_name_valid(optarg)) {
				snprintf(err, sizeof(err), "'%s': a name is 1..%d "
				    "characters of [A-Za-z0-9._:@+-], not "
				    "starting with '.'", optarg, PROTO_NAME_MAX);
				goto bad;
			}
			conf_set_str(&o->name, optarg);
			break;
		case 'm':
			if (main_check_hostport(optarg, err, sizeof(err)) == -1)
				goto bad;
			conf_set_str(&o->master, optarg);
			break;
		case 'T':
			conf_set_str(&o->conf_dir, optarg);
			break;
		case 'o':
			conf_set_str(&o->output, optarg);
			break;
		case 'k':
			conf_set_str(&o->c.key_file, optarg);
			break;
		case OPT_KILL_GRACE:
			if (parse_seconds(optarg, 0, 3600 * NSEC_PER_SEC,
			    &o->kill_grace_ns, err, sizeof(err)) == -1)
				goto bad;
			break;
		case OPT_KEEP_TASK:
			o->keep_task = true;
			break;
		case OPT_LOG:
			conf_set_str(&o->c.log_file, optarg);
			break;
		case OPT_PIDFILE:
			conf_set_str(&o->c.pidfile, optarg);
			break;
		case OPT_RUN_AS:
			conf_set_str(&o->run_as, optarg);
			break;
		case OPT_ALLOW:
			/* The command line's list replaces the file's. */
			if (!allow_from_cmdline) {
				for (i = 0; i < o->nallow; i++)
					conf_set_str(&o->allow[i], NULL);
				o->nallow = 0;
				allow_from_cmdline = true;
			}
			if (optarg[0] != '/') {
				snprintf(err, sizeof(err),
				    "'%s' is not an absolute path", optarg);
				goto bad;
			}
			if (o->nallow == CONF_ALLOW_MAX) {
				snprintf(err, sizeof(err), "more than %d paths",
				    CONF_ALLOW_MAX);
				goto bad;
			}
			conf_set_str(&o->allow[o->nallow++], optarg);
			break;
		case OPT_MAX_CONF_SIZE:
			if (parse_bytes(optarg, 0, UINT64_MAX, &o->max_conf_size,
			    err, sizeof(err)) == -1)
				goto bad;
			break;
		case OPT_HEARTBEAT_TIMEOUT:
			if (parse_seconds(optarg, NSEC_PER_SEC,
			    3600 * NSEC_PER_SEC, &o->c.heartbeat_timeout_ns, err,
			    sizeof(err)) == -1)
				goto bad;
			break;
		default:
			main_getopt_error(c, argv);
		}
		continue;
bad:
		main_usage_error("%s: %s", main_opt_name(c, name, sizeof(name)),
		    err);
	}
	if (optind < argc)
		main_usage_error("unexpected argument '%s'", argv[optind]);
	if (nverbose > 0)
		o->c.verbose = nverbose;
}

/* First pass: only -c, -n, -h and -V matter before the file is read. */
static const char *
main_prescan(int argc, char *argv[], bool *check)
{
	const char	*config = NULL;
	int		 c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, main_optstring, main_longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'h':
			main_usage(stdout);
			exit(0);
		case 'V':
			printf("%s %s\n", SLAVE_PROG, SYNEXEC_VERSION);
			exit(0);
		case 'c':
			config = optarg;
			break;
		case 'n':
			*check = true;
			break;
		default:
			break;	/* errors are reported by the real pass */
		}
	}
	return config;
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

/* What SIGHUP needs to read the configuration as we did (reload.c). */
static const struct reload_hooks main_reload_hooks = {
	main_parse, main_abs_path, main_runas, main_runas_free,
};

int
main(int argc, char *argv[])
{
	static struct slave	 sl;	/* large: not on the stack */
	struct slave_opts	 o;
	struct task_runas	 runas;
	static struct auth_key	 key;
	struct ev_loop		*loop = NULL;
	struct passwd		*pw;
	const char		*config;
	char			 err[512], pidfile[PATH_MAX], host[256];
	char			 user[64], conf_dir[PATH_MAX], output[PATH_MAX];
	bool			 check = false, have_pidfile = false;
	sigset_t		 stopsigs;
	int			 code = 1, ready_fd = -1, pid_fd = -1, rc;

	memset(&runas, 0, sizeof(runas));
	log_init(SLAVE_PROG, LOG_TO_STDERR, NULL);
	slave_opts_defaults(&o);
	slave_init(&sl, &o);
	config = main_prescan(argc, argv, &check);
	if (conf_load_slave(config, &o) == -1)
		goto out;	/* conf.c logged "file:line: key: message" */
	main_parse(argc, argv, &o, &check);
	log_set_verbose(o.c.verbose);

	/* A key asked for and not usable: never fall back to no key. */
	if (o.c.key_file != NULL) {
		if (auth_key_load(o.c.key_file, &key, err, sizeof(err)) == -1) {
			log_warnx("%s", err);
			goto out;
		}
		sl.key = &key;
	}
	if (o.name != NULL) {
		if (!slave_name_valid(o.name)) {
			log_warnx("name '%s': a name is 1..%d characters of "
			    "[A-Za-z0-9._:@+-], not starting with '.'", o.name,
			    PROTO_NAME_MAX);
			goto out;
		}
		snprintf(sl.name, sizeof(sl.name), "%s", o.name);
	} else {
		if (gethostname(host, sizeof(host)) == -1)
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		snprintf(sl.name, sizeof(sl.name), "%s", host);
		slave_name_sanitise(sl.name);
	}
	if (o.master != NULL && main_check_hostport(o.master, err,
	    sizeof(err)) == -1) {
		log_warnx("master: %s", err);
		goto out;
	}
	if (o.c.interface != NULL &&
	    (sl.ifindex = if_nametoindex(o.c.interface)) == 0) {
		log_warnx("-i: %s: %s", o.c.interface, strerror(errno));
		goto out;
	}
	/* Room for the payload file's name after it (slave.h). */
	if (main_abs_path(o.conf_dir, conf_dir, sizeof(conf_dir) - 1 -
	    SLAVE_CONF_NAME_MAX) == -1) {
		log_warnx("-T: %s: path too long", o.conf_dir);
		goto out;
	}
	if (main_abs_path(o.output, output, sizeof(output)) == -1) {
		log_warnx("-o: %s: path too long", o.output);
		goto out;
	}
	if (o.c.pidfile != NULL &&
	    main_abs_path(o.c.pidfile, pidfile, sizeof(pidfile)) == -1) {
		log_warnx("--pidfile: %s: path too long", o.c.pidfile);
		goto out;
	}
	if (o.run_as != NULL) {
		rc = main_runas(o.run_as, &runas, err, sizeof(err));
		if (rc == -1) {
			log_warnx("%s", err);
			goto out;
		}
		if (rc == 0)
			sl.runas = &runas;
	}
	/* Found now rather than at the first session's CONF_NO. */
	if (slave_conf_dir_check(conf_dir, sl.runas, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	slave_set_files(&sl, conf_dir, output);
	if (check) {
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
	if (listen_init(&sl, err, sizeof(err)) == -1) {
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
	    log_init(SLAVE_PROG, LOG_TO_FILE, o.c.log_file) == -1) {
		log_warn("--log %s", o.c.log_file);
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
			log_init(SLAVE_PROG, LOG_TO_SYSLOG, NULL);
	}
	if (o.c.daemon || o.c.log_file != NULL)
		main_banner(&sl, &o, &key, user);
	if (pid_fd != -1 && main_write_pidfile(pid_fd) == -1) {
		log_warn("--pidfile %s", pidfile);
		goto out;
	}
	if (o.c.daemon && chdir("/") == -1)
		log_warn("chdir /");

	/* Not the default loop: it would reap our children itself. */
	if ((loop = ev_loop_new(EVFLAG_AUTO)) == NULL) {
		log_warnx("cannot create the event loop");
		goto out;
	}
	log_info("%s %s started: name %s, pid %ld", SLAVE_PROG,
	    SYNEXEC_VERSION, sl.name, (long)getpid());
	reload_init(argc, argv, config, &main_reload_hooks);
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
	main_runas_free(&runas);
	auth_key_wipe(&key);
	slave_opts_free(&o);
	log_close();
	return code;
}
