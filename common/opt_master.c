/*
 * opt_master.c - every option of synexec_master, one row each (opt.h).
 *
 * The order of the rows is the order of --help.  Keys are those of the
 * file's master { } section.  A key shared with the slave's table
 * (opt_slave.c) must mean the same there: same kind, range and default
 * (tests/unit/test_opt.c checks it).
 */
#include <string.h>

#include "clock.h"
#include "conf.h"
#include "proto.h"

#define M(field)	OPT_AT(struct master_opts, field)

const struct opt opt_master[] = {
	{ .name = "help", .letter = 'h', .kind = OPT_HELP,
	  .flags = OPTF_USAGE, .help = "print this help and exit" },
	{ .name = "verbose", .letter = 'v', .key = "verbose",
	  .kind = OPT_COUNT, .min = 0, .max = 3, M(c.verbose),
	  .flags = OPTF_USAGE, .help = "more messages (repeatable)" },
	{ .name = "daemon", .letter = 'd', .key = "daemon", .kind = OPT_FLAG,
	  M(c.daemon), .flags = OPTF_USAGE,
	  .help = "run in the background, log to syslog" },
	{ .name = "broadcast-all", .letter = 'b', .key = "broadcast_all",
	  .kind = OPT_FLAG, M(broadcast_all), .flags = OPTF_USAGE,
	  .help = "probe 255.255.255.255 even with -i",
	  .requires = { "interface" } },
	{ .name = "version", .letter = 'V', .kind = OPT_VERSION,
	  .flags = OPTF_USAGE, .help = "print the version and exit" },
	{ .name = "check", .letter = 'n', .kind = OPT_FLAG, M(c.check),
	  .flags = OPTF_USAGE | OPTF_EARLY,
	  .help = "check the options and configuration, then exit" },
	{ .name = "interface", .letter = 'i', .key = "interface",
	  .kind = OPT_IFNAME, M(c.interface), .arg = "IFACE",
	  .flags = OPTF_USAGE, .help = "listen and probe on this interface" },
	{ .name = "host", .letter = 'H', .key = "hosts", .kind = OPT_LIST,
	  .elem = OPT_HOSTS, .max = CONF_HOSTS_MAX, M(hosts),
	  .arg = "HOST[:PORT]",
	  .help = "probe this host by unicast (repeatable; vm1,vm2;\n"
	      "vm[01-16]; [fd00::1]:5165): no broadcast without -i" },
	{ .name = "hosts", .key = "hosts_file", .kind = OPT_STR,
	  M(hosts_file), .arg = "FILE",
	  .help = "probe the hosts listed in FILE, one a line\n"
	      "(# comments, ranges as for -H)" },
	{ .name = "port", .letter = 'p', .key = "port", .kind = OPT_UINT,
	  .min = 1, .max = 65535, .def = OPT_XSTR(PROTO_DEFAULT_PORT),
	  M(c.port), .arg = "PORT", .flags = OPTF_USAGE,
	  .help = "TCP and UDP port (default %D)" },
	{ .name = "session", .letter = 's', .key = "session", .kind = OPT_UINT,
	  .min = 0, .max = UINT32_MAX, .def = "0", M(c.session),
	  .arg = "SESSION", .flags = OPTF_USAGE,
	  .help = "session id, %R (default %D)" },
	{ .name = "config", .letter = 'c', .kind = OPT_STR, M(c.config),
	  .arg = "FILE", .flags = OPTF_USAGE | OPTF_EARLY,
	  .help = "configuration file (default " CONF_DEFAULT_FILE ")" },
	{ .name = "wait", .letter = 'w', .key = "wait", .kind = OPT_SECONDS,
	  .min = 0, .max = OPT_SEC(30 * 86400), .def = "0", M(wait_ns),
	  .arg = "SECONDS", .flags = OPTF_USAGE,
	  .help = "give up if SLAVES have not joined by then" },
	{ .name = "timeout", .letter = 't', .key = "timeout",
	  .kind = OPT_SECONDS, .min = 0, .max = OPT_SEC(365 * 86400),
	  .def = "0", M(timeout_ns), .arg = "SECONDS",
	  .help = "abort if the tasks run longer than this (exit 4)" },
	{ .name = "report-interval", .letter = 'R', .key = "report_interval",
	  .kind = OPT_SECONDS, .min = NSEC_PER_SEC / 10, .max = OPT_SEC(3600),
	  .def = "1", M(report_interval_ns), .arg = "SECONDS",
	  .help = "progress reports from the slaves this\n"
	      "often (%R, default %D)" },
	{ .name = "results", .letter = 'r', .key = "results", .kind = OPT_STR,
	  M(results_file), .arg = "FILE",
	  .help = "write the results as JSON to FILE (atomically,\n"
	      "however the session ends)" },
	{ .name = "plot", .key = "plot", .kind = OPT_STR, M(plot_file),
	  .arg = "FILE",
	  .help = "at the end, draw the session into FILE (.png,\n"
	      ".svg or .pdf) with synexec_plot" },
	{ .name = "output-dir", .letter = 'O', .key = "output_dir",
	  .kind = OPT_STR, M(output_dir), .arg = "DIR",
	  .help = "bring each task's output back to DIR/NAME.out" },
	{ .name = "output-max", .key = "output_max", .kind = OPT_BYTES,
	  .min = 0, .max = UINT64_MAX, .def = "0", M(output_max),
	  .arg = "BYTES",
	  .help = "bring back at most BYTES per slave (0: all;\n"
	      "with -O or --follow)",
	  .requires = { "output-dir", "follow" } },
	{ .name = "follow", .key = "follow", .kind = OPT_FLAG, M(follow),
	  .help = "print task output as it comes, NAME: line" },
	{ .name = "fail-fast", .key = "fail_fast", .kind = OPT_FLAG,
	  M(fail_fast),
	  .help = "abort the session at the first failure or loss" },
	{ .name = "repeat", .key = "repeat", .kind = OPT_UINT, .min = 1,
	  .max = 1000000, .def = "1", M(repeat), .arg = "K",
	  .help = "run each CONF K times in a row\n(%R, default %D)" },
	{ .name = "pause", .key = "pause", .kind = OPT_SECONDS, .min = 0,
	  .max = OPT_SEC(86400), .def = "0", M(pause_ns), .arg = "SECONDS",
	  .help = "wait this long between runs (default %D)" },
	{ .name = "keep-going", .key = "keep_going", .kind = OPT_FLAG,
	  M(keep_going),
	  .help = "after a run that lost a slave, go on with the\n"
	      "others (default: the campaign ends, exit 3)" },
	{ .name = "slaves", .key = "slaves", .kind = OPT_STR, M(slaves),
	  .arg = "LIST",
	  .help = "only slaves whose names match LIST may join:\n"
	      "globs, vm[01-16], vm[1-4,7], comma-separated" },
	{ .name = "exclude", .key = "exclude", .kind = OPT_STR, M(exclude),
	  .arg = "LIST",
	  .help = "turn away slaves whose names match LIST" },
	{ .name = "csv", .key = "csv", .kind = OPT_STR, M(csv_file),
	  .arg = "FILE",
	  .help = "one CSV row per slave per run in FILE\n"
	      "(atomically, after each run)" },
	{ .name = "preflight", .key = "preflight", .kind = OPT_FLAG,
	  M(preflight),
	  .help = "every slave checks the session, nothing runs\n"
	      "(exit 0: every slave ready, 3: not)" },
	{ .name = "heartbeat-timeout", .key = "heartbeat_timeout",
	  .kind = OPT_SECONDS, .min = OPT_SEC(1), .max = OPT_SEC(3600),
	  .def = "10", M(c.heartbeat_timeout_ns), .arg = "SECONDS",
	  .help = "a slave silent this long is lost\n(%R, default %D)" },
	{ .name = "log", .key = "log", .kind = OPT_STR, M(c.log_file),
	  .arg = "FILE", .help = "log to FILE instead of stderr or syslog" },
	{ .name = "pidfile", .key = "pidfile", .kind = OPT_STR, M(c.pidfile),
	  .arg = "FILE", .help = "write the process id to FILE" },
	{ .name = "key", .letter = 'k', .key = "key_file", .kind = OPT_STR,
	  M(c.key_file), .arg = "FILE",
	  .help = "keyed session: slaves must prove this key, and\n"
	      "every frame is encrypted and authenticated" },
	{ .name = "genkey", .kind = OPT_STR, M(genkey), .arg = "FILE",
	  .flags = OPTF_ACTION,
	  .help = "write a new random key to FILE (mode 0600,\n"
	      "never over an existing file) and exit" },
	{ .name = "dump-options", .kind = OPT_DUMP, .flags = OPTF_HIDDEN,
	  .help = "this table, for tests/integration/manpages.sh" },
	{ .name = NULL }
};

void
master_opts_defaults(struct master_opts *m)
{
	memset(m, 0, sizeof(*m));
	opt_defaults(opt_master, m);
}

void
master_opts_free(struct master_opts *m)
{
	opt_free(opt_master, m);
}
