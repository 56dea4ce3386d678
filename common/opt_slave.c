/*
 * opt_slave.c - every option of synexec_slave, one row each (opt.h).
 *
 * The order of the rows is the order of --help.  Keys are those of the
 * file's slave { } section.  A key shared with the master's table
 * (opt_master.c) must mean the same there: same kind, range and default
 * (tests/unit/test_opt.c checks it).  OPTF_RESTART marks what a SIGHUP
 * leaves as it was (slave/reload.c): what is bound to a socket or to the
 * process.
 */
#include <string.h>

#include "clock.h"
#include "conf.h"
#include "proto.h"

#define S(field)	OPT_AT(struct slave_opts, field)

const struct opt opt_slave[] = {
	{ .name = "help", .letter = 'h', .kind = OPT_HELP,
	  .flags = OPTF_USAGE, .help = "print this help and exit" },
	{ .name = "verbose", .letter = 'v', .key = "verbose",
	  .kind = OPT_COUNT, .min = 0, .max = 3, S(c.verbose),
	  .flags = OPTF_USAGE, .help = "more messages (repeat for more)" },
	{ .name = "daemon", .letter = 'd', .key = "daemon", .kind = OPT_FLAG,
	  S(c.daemon), .flags = OPTF_USAGE | OPTF_RESTART,
	  .help = "run in the background, log to syslog (or --log)" },
	{ .name = "version", .letter = 'V', .kind = OPT_VERSION,
	  .flags = OPTF_USAGE, .help = "print the version and exit" },
	{ .name = "once", .letter = '1', .key = "once", .kind = OPT_FLAG,
	  S(once), .flags = OPTF_USAGE,
	  .help = "exit after one session, with the task's exit code" },
	{ .name = "check", .letter = 'n', .kind = OPT_FLAG, S(c.check),
	  .flags = OPTF_USAGE | OPTF_EARLY,
	  .help = "check the options and configuration file, then exit" },
	{ .name = "interface", .letter = 'i', .key = "interface",
	  .kind = OPT_IFNAME, S(c.interface), .arg = "IFACE",
	  .flags = OPTF_USAGE | OPTF_RESTART,
	  .help = "accept probes only from this interface" },
	{ .name = "port", .letter = 'p', .key = "port", .kind = OPT_UINT,
	  .min = 1, .max = 65535, .def = OPT_XSTR(PROTO_DEFAULT_PORT),
	  S(c.port), .arg = "PORT", .flags = OPTF_USAGE | OPTF_RESTART,
	  .help = "UDP and TCP port (default %D)" },
	{ .name = "session", .letter = 's', .key = "session", .kind = OPT_UINT,
	  .min = 0, .max = UINT32_MAX, .def = "0", S(c.session),
	  .arg = "SESSION", .flags = OPTF_USAGE,
	  .help = "session id, %R (default %D)" },
	{ .name = "config", .letter = 'c', .kind = OPT_STR, S(c.config),
	  .arg = "FILE", .flags = OPTF_USAGE | OPTF_EARLY,
	  .help = "configuration file (default " CONF_DEFAULT_FILE
	      ", if present)" },
	{ .name = "name", .letter = 'N', .key = "name", .kind = OPT_NAME,
	  S(name), .arg = "NAME", .flags = OPTF_USAGE,
	  .help = "name shown by the master (default: the host name)" },
	{ .name = "master", .letter = 'm', .key = "master",
	  .kind = OPT_HOSTPORT, S(master), .arg = "HOST[:PORT]",
	  .flags = OPTF_USAGE | OPTF_RESTART,
	  .help = "connect to this master instead of waiting\nfor probes" },
	{ .name = "conf-dir", .letter = 'T', .key = "conf_dir", .kind = OPT_STR,
	  .def = CONF_DEFAULT_CONF_DIR, S(conf_dir), .arg = "DIR", .flags = OPTF_USAGE,
	  .help = "where the session payload file goes (default %D)" },
	{ .name = "output", .letter = 'o', .key = "output", .kind = OPT_STR,
	  S(output), .arg = "FILE", .flags = OPTF_USAGE,
	  .help = "the task's stdout (default\n" CONF_DEFAULT_OUTPUT
	      ", NAME: -N)" },
	{ .name = "stderr", .letter = 'e', .key = "stderr", .kind = OPT_STR,
	  S(stderr_file), .arg = "FILE", .flags = OPTF_USAGE,
	  .help = "the task's stderr (default: -o's FILE" CONF_STDERR_SUFFIX
	      ")" },
	{ .name = "merge-stderr", .key = "merge_stderr", .kind = OPT_FLAG,
	  S(merge_stderr), .flags = OPTF_USAGE,
	  .help = "stderr in -o's file with stdout, as in 2014" },
	{ .name = "key", .letter = 'k', .key = "key_file", .kind = OPT_STR,
	  S(c.key_file), .arg = "FILE", .flags = OPTF_USAGE | OPTF_RESTART,
	  .help = "keyed sessions: serve only masters that prove this\n"
	      "key; every frame encrypted and authenticated" },
	{ .name = "kill-grace", .key = "kill_grace", .kind = OPT_SECONDS,
	  .min = 0, .max = OPT_SEC(3600), .def = "10", S(kill_grace_ns),
	  .arg = "SECONDS", .flags = OPTF_USAGE,
	  .help = "SIGTERM to SIGKILL delay when a task is\nstopped (%D)" },
	{ .name = "keep-task", .key = "keep_task", .kind = OPT_FLAG,
	  S(keep_task), .flags = OPTF_USAGE,
	  .help = "let the task run on when the master is lost" },
	{ .name = "log", .key = "log", .kind = OPT_STR, S(c.log_file),
	  .arg = "FILE", .flags = OPTF_USAGE, .help = "log to FILE" },
	{ .name = "pidfile", .key = "pidfile", .kind = OPT_STR, S(c.pidfile),
	  .arg = "FILE", .flags = OPTF_USAGE | OPTF_RESTART,
	  .help = "write the process id to FILE" },
	{ .name = "run-as", .key = "run_as", .kind = OPT_STR, S(run_as),
	  .arg = "USER", .flags = OPTF_USAGE,
	  .help = "run the task as USER (the slave must be root)" },
	{ .name = "allow", .key = "allow", .kind = OPT_LIST,
	  .elem = OPT_ABSPATH, .max = CONF_ALLOW_MAX, S(allow), .arg = "PATH",
	  .flags = OPTF_USAGE,
	  .help = "run only these commands (repeatable)" },
	{ .name = "max-conf-size", .key = "max_conf_size", .kind = OPT_BYTES,
	  .min = 0, .max = UINT64_MAX, .def = "1G", S(max_conf_size),
	  .arg = "BYTES", .flags = OPTF_USAGE,
	  .help = "refuse payloads larger than BYTES\n(default %D)" },
	{ .name = "heartbeat-timeout", .key = "heartbeat_timeout",
	  .kind = OPT_SECONDS, .min = OPT_SEC(1), .max = OPT_SEC(3600),
	  .def = "10", S(c.heartbeat_timeout_ns), .arg = "SECONDS",
	  .flags = OPTF_USAGE,
	  .help = "a master silent this long is lost\n(%R, %D)" },
	{ .name = "dump-options", .kind = OPT_DUMP, .flags = OPTF_HIDDEN,
	  .help = "this table, for tests/integration/manpages.sh" },
	{ .name = NULL }
};

void
slave_opts_defaults(struct slave_opts *s)
{
	memset(s, 0, sizeof(*s));
	opt_defaults(opt_slave, s);
}

void
slave_opts_free(struct slave_opts *s)
{
	opt_free(opt_slave, s);
}
