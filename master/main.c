/*
 * main.c - synexec_master: command line, configuration, daemon, the loop.
 *
 *	synexec_master [-hvdbVn] [-i IFACE] [-p PORT] [-s SESSION] [-c FILE]
 *	    [-w SECONDS] ... SLAVES CONF
 *
 * Options come from the built-in defaults, then the configuration file, then
 * the command line.  Everything that can fail locally (options, the session
 * file, the sockets) fails before -d forks, so the error reaches the terminal.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "daemon.h"
#include "log.h"
#include "master.h"
#include "numparse.h"

#ifndef SYNEXEC_VERSION
#define SYNEXEC_VERSION	"unknown"
#endif

/* Ranges of the numeric options: the same as the file's keys (conf.c). */
#define WAIT_MAX_NS		(30ull * 86400 * NSEC_PER_SEC)
#define TIMEOUT_MAX_NS		(365ull * 86400 * NSEC_PER_SEC)
#define REPORT_MIN_NS		(NSEC_PER_SEC / 10)
#define REPORT_MAX_NS		(3600ull * NSEC_PER_SEC)
#define HEARTBEAT_MIN_NS	NSEC_PER_SEC
#define HEARTBEAT_MAX_NS	(3600ull * NSEC_PER_SEC)

enum {
	OPT_OUTPUT_MAX = 256,
	OPT_FOLLOW,
	OPT_FAIL_FAST,
	OPT_HEARTBEAT_TIMEOUT,
	OPT_LOG,
	OPT_PIDFILE,
	OPT_GENKEY,
};

/* Leading ':': a missing argument is reported as ':', not '?'. */
static const char master_optstring[] = ":hvdbVni:p:s:c:w:t:R:r:O:k:";

static const struct option master_longopts[] = {
	{ "help",		no_argument,		NULL, 'h' },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "daemon",		no_argument,		NULL, 'd' },
	{ "broadcast-all",	no_argument,		NULL, 'b' },
	{ "version",		no_argument,		NULL, 'V' },
	{ "check",		no_argument,		NULL, 'n' },
	{ "interface",		required_argument,	NULL, 'i' },
	{ "port",		required_argument,	NULL, 'p' },
	{ "session",		required_argument,	NULL, 's' },
	{ "config",		required_argument,	NULL, 'c' },
	{ "wait",		required_argument,	NULL, 'w' },
	{ "timeout",		required_argument,	NULL, 't' },
	{ "report-interval",	required_argument,	NULL, 'R' },
	{ "results",		required_argument,	NULL, 'r' },
	{ "output-dir",		required_argument,	NULL, 'O' },
	{ "key",		required_argument,	NULL, 'k' },
	{ "output-max",		required_argument,	NULL, OPT_OUTPUT_MAX },
	{ "follow",		no_argument,		NULL, OPT_FOLLOW },
	{ "fail-fast",		no_argument,		NULL, OPT_FAIL_FAST },
	{ "heartbeat-timeout",	required_argument,	NULL,
	    OPT_HEARTBEAT_TIMEOUT },
	{ "log",		required_argument,	NULL, OPT_LOG },
	{ "pidfile",		required_argument,	NULL, OPT_PIDFILE },
	{ "genkey",		required_argument,	NULL, OPT_GENKEY },
	{ NULL,			0,			NULL, 0 }
};

static char	*master_pidfile;	/* absolute; removed at exit */
static pid_t	 master_pidfile_owner;

static void
master_usage(FILE *f)
{
	fprintf(f,
"usage: synexec_master [-hvdbVn] [-i IFACE] [-p PORT] [-s SESSION] [-c FILE]\n"
"                      [-w SECONDS] [options] SLAVES CONF\n"
"  -h, --help               print this help and exit\n"
"  -v, --verbose            more messages (repeatable)\n"
"  -d, --daemon             run in the background, log to syslog\n"
"  -b, --broadcast-all      probe 255.255.255.255 even with -i\n"
"  -V, --version            print the version and exit\n"
"  -n, --check              check the options and configuration, then exit\n"
"  -i, --interface IFACE    listen and probe on this interface\n"
"  -p, --port PORT          TCP and UDP port (default %u)\n"
"  -s, --session SESSION    session id, 0..4294967295 (default 0)\n"
"  -c, --config FILE        configuration file (default %s)\n"
"  -w, --wait SECONDS       give up if SLAVES have not joined by then\n"
"  -t, --timeout SECONDS    abort if the tasks run longer than this (exit 4)\n"
"  -R, --report-interval SECONDS  progress reports from the slaves this\n"
"                           often (0.1..3600, default 1)\n"
"  -r, --results FILE       write the results as JSON to FILE (atomically,\n"
"                           however the session ends)\n"
"  -O, --output-dir DIR     bring each task's output back to DIR/NAME.out\n"
"      --output-max BYTES   bring back at most BYTES per slave (0: all)\n"
"      --follow             print task output as it comes, NAME: line\n"
"      --fail-fast          abort the session at the first failure or loss\n"
"      --heartbeat-timeout SECONDS  a slave silent this long is lost\n"
"                           (1..3600, default 10)\n"
"      --log FILE           log to FILE instead of stderr or syslog\n"
"      --pidfile FILE       write the process id to FILE\n"
"  -k, --key FILE           keyed session: slaves must prove this key, and\n"
"                           every frame is encrypted and authenticated\n"
"      --genkey FILE        write a new random key to FILE (mode 0600,\n"
"                           never over an existing file) and exit\n"
"  SLAVES                   number of slaves to wait for, 1..%u\n"
"  CONF                     session file: the command on its first line,\n"
"                           the payload after it\n"
"exit: 0 all tasks exited 0, 1 usage or local error, 2 a task failed,\n"
"      3 a slave refused, could not start or was lost, 4 aborted,\n"
"      5 discovery timed out\n",
	    PROTO_DEFAULT_PORT, CONF_DEFAULT_FILE, MASTER_SLAVES_MAX);
}

/* One line saying what is wrong, then the usage, on stderr; exit 1. */
static void __attribute__((noreturn, format(printf, 1, 2)))
master_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs(MASTER_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	master_usage(stderr);
	exit(1);
}

/* "-p" for options with a letter, "--output-max" for the others. */
static const char *
master_optlabel(int val, char *buf, size_t len)
{
	const struct option *o;

	if (val > 0 && val < 256) {
		snprintf(buf, len, "-%c", val);
		return buf;
	}
	for (o = master_longopts; o->name != NULL; o++)
		if (o->val == val) {
			snprintf(buf, len, "--%s", o->name);
			return buf;
		}
	snprintf(buf, len, "option");
	return buf;
}

static void
master_bad_value(int opt, const char *err)
{
	char label[32];

	master_usage_error("%s: %s", master_optlabel(opt, label, sizeof(label)),
	    err);
}

static void
master_seconds(int opt, const char *arg, uint64_t min, uint64_t max,
    uint64_t *out)
{
	char err[160];

	if (parse_seconds(arg, min, max, out, err, sizeof(err)) == -1)
		master_bad_value(opt, err);
}

/* A string option: not empty. */
static void
master_string(int opt, const char *arg, char **out)
{
	if (arg[0] == '\0')
		master_bad_value(opt, "empty value");
	conf_set_str(out, arg);
}

/*
 * Apply one option of the real (second) pass.  -c and -n were taken by the
 * first pass; -h and -V too.
 */
static void
master_apply_opt(struct master_opts *o, int opt, const char *arg,
    int *verbose_extra)
{
	char	err[160];

	switch (opt) {
	case 'h':
	case 'V':
	case 'c':
	case 'n':
		break;
	case 'v':
		(*verbose_extra)++;
		break;
	case 'd':
		o->c.daemon = true;
		break;
	case 'b':
		o->broadcast_all = true;
		break;
	case 'i':
		master_string(opt, arg, &o->c.interface);
		break;
	case 'p':
		if (parse_port(arg, &o->c.port, err, sizeof(err)) == -1)
			master_bad_value(opt, err);
		break;
	case 's':
		if (parse_session(arg, &o->c.session, err, sizeof(err)) == -1)
			master_bad_value(opt, err);
		break;
	case 'w':
		master_seconds(opt, arg, 0, WAIT_MAX_NS, &o->wait_ns);
		break;
	case 't':
		master_seconds(opt, arg, 0, TIMEOUT_MAX_NS, &o->timeout_ns);
		break;
	case 'R':
		master_seconds(opt, arg, REPORT_MIN_NS, REPORT_MAX_NS,
		    &o->report_interval_ns);
		break;
	case 'r':
		master_string(opt, arg, &o->results_file);
		break;
	case 'O':
		master_string(opt, arg, &o->output_dir);
		break;
	case 'k':
		master_string(opt, arg, &o->c.key_file);
		break;
	case OPT_OUTPUT_MAX:
		if (parse_bytes(arg, 0, UINT64_MAX, &o->output_max, err,
		    sizeof(err)) == -1)
			master_bad_value(opt, err);
		break;
	case OPT_FOLLOW:
		o->follow = true;
		break;
	case OPT_FAIL_FAST:
		o->fail_fast = true;
		break;
	case OPT_HEARTBEAT_TIMEOUT:
		master_seconds(opt, arg, HEARTBEAT_MIN_NS, HEARTBEAT_MAX_NS,
		    &o->c.heartbeat_timeout_ns);
		break;
	case OPT_LOG:
		master_string(opt, arg, &o->c.log_file);
		break;
	case OPT_PIDFILE:
		master_string(opt, arg, &o->c.pidfile);
		break;
	default:
		master_usage_error("internal error: option %d", opt);
	}
}

/* getopt's complaints, in our words. */
static void
master_getopt_error(int c, char **argv)
{
	char		 label[32];
	const char	*arg = argv[optind - 1];
	size_t		 n;

	/* Named as typed: "--port: missing argument" for --port. */
	if (c == ':')
		master_usage_error("%s: missing argument",
		    optopt != 0 && strncmp(arg, "--", 2) != 0 ?
		    master_optlabel(optopt, label, sizeof(label)) : arg);
	if (optopt != 0 && optopt < 256)
		master_usage_error("unknown option -%c", optopt);
	/* A long option: show it without any "=value". */
	n = strcspn(arg, "=");
	master_usage_error("unknown option %.*s", (int)(n > 64 ? 64 : n), arg);
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
	const char			*conf_path = NULL;
	char				 err[512];
	uint64_t			 nslaves = 0;
	int				 c, check = 0, verbose_extra = 0, code = 1;
	int				 ready_fd = -1;
	int				 nfds_start;
	sigset_t			 stopsigs;

	setvbuf(stdout, NULL, _IOLBF, 0);
	nfds_start = master_nfds();
	log_init(MASTER_NAME, LOG_TO_STDERR, NULL);
	master_opts_defaults(&opts);

	/* First pass: where the file is, and what not to do at all. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, master_optstring, master_longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'h':
			master_usage(stdout);
			return 0;
		case 'V':
			printf("%s %s\n", MASTER_NAME, SYNEXEC_VERSION);
			return 0;
		case 'c':
			conf_path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case OPT_GENKEY:
			/* An action, like -V: nothing else is looked at. */
			if (auth_key_generate(optarg, err, sizeof(err)) == -1) {
				log_warnx("--genkey: %s", err);
				return 1;
			}
			printf("new key in %s (mode 0600): copy it to every "
			    "slave and give both sides -k %s\n", optarg, optarg);
			return 0;
		default:
			break;
		}
	}
	if (conf_path != NULL && conf_path[0] == '\0')
		master_usage_error("-c: empty value");
	if (conf_load_master(conf_path, &opts) == -1)
		return 1;

	/* Second pass: the command line on top of the file. */
	optind = 0;
	while ((c = getopt_long(argc, argv, master_optstring, master_longopts,
	    NULL)) != -1) {
		if (c == '?' || c == ':')
			master_getopt_error(c, argv);
		master_apply_opt(&opts, c, optarg, &verbose_extra);
	}
	argc -= optind;
	argv += optind;
	opts.c.verbose += verbose_extra;
	log_set_verbose(opts.c.verbose);

	if (argc == 0 && !check)
		master_usage_error("missing SLAVES and CONF");
	if (argc >= 1 && parse_u64(argv[0], 1, MASTER_SLAVES_MAX, &nslaves,
	    err, sizeof(err)) == -1)
		master_usage_error("SLAVES: %s", err);
	if (argc == 1 && !check)
		master_usage_error("missing CONF");
	if (argc > 2)
		master_usage_error("too many arguments: %s", argv[2]);
	if (opts.c.key_file != NULL) {
		if (auth_key_load(opts.c.key_file, &key, err, sizeof(err)) ==
		    -1) {
			log_warnx("%s", err);
			goto out;
		}
		m.key = &key;
	}

	m.sf.fd = -1;
	m.listen_fd = m.udp_fd = m.spare_fd = m.announce_fd = -1;
	if (argc == 2 && sessfile_open(&m.sf, argv[1], err,
	    sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	if (check) {
		printf("configuration OK\n");
		code = 0;
		goto out;
	}

	m.opts = &opts;
	control_init(&m);
	m.nslaves = (uint32_t)nslaves;
	m.phase = PHASE_DISCOVERY;
	TAILQ_INIT(&m.pending);
	TAILQ_INIT(&m.joined);
	/* Before -d: a bad -O or -r fails here, on the terminal. */
	if (output_init(&m, err, sizeof(err)) == -1 ||
	    results_init(&m, err, sizeof(err)) == -1) {
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

	if (opts.c.log_file != NULL && log_init(MASTER_NAME, LOG_TO_FILE,
	    opts.c.log_file) == -1) {
		log_warn("--log %s", opts.c.log_file);
		goto out;
	}
	if (opts.c.daemon) {
		ready_fd = daemon_start(true);
		if (opts.c.log_file == NULL)
			log_init(MASTER_NAME, LOG_TO_SYSLOG, NULL);
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

	/* Our own loop: the default loop would reap children by itself. */
	if ((m.loop = ev_loop_new(EVFLAG_AUTO)) == NULL) {
		log_warnx("cannot create the event loop");
		goto out;
	}
	ev_init(&m.start_timer, NULL);
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
	log_debug("session %u: %u slaves, command '%s', %llu payload bytes",
	    opts.c.session, m.nslaves, m.sf.command,
	    (unsigned long long)m.sf.payload_size);

	session_begin(&m);
	ev_run(m.loop, 0);
	code = m.exit_code;

out:
	if (ready_fd != -1)
		close(ready_fd);	/* the parent exits 1 */
	session_free(&m);
	auth_key_wipe(&key);
	master_opts_free(&opts);
	/* What the session left open (the log file of --log or syslog aside). */
	log_debug("open descriptors: %d at start, %d at exit", nfds_start,
	    master_nfds());
	log_close();
	return code;
}
