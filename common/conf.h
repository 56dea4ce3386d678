/*
 * conf.h - options of both programs, from built-in defaults, the configuration
 * file (libconfuse, sections master { } and slave { }) and the command line,
 * in that order of increasing precedence.
 *
 * Each field below is described by one row of its program's option table
 * (common/opt_master.c, common/opt_slave.c: its option, key, range, default
 * and help): add a field there too.
 */
#ifndef SYNEXEC_CONF_H
#define SYNEXEC_CONF_H

#include <stdbool.h>
#include <stdint.h>

#include "opt.h"

#define CONF_DEFAULT_DIR	SYSCONFDIR "/synexec"
#define CONF_DEFAULT_FILE	SYSCONFDIR "/synexec/synexec.conf"
/*
 * The slave's -T when not given, and the directory of its default -o,
 * CONF_DEFAULT_OUTPUT with NAME its name (slave/settings.c; the slave
 * copes with a default another user took); -e is -o's file with ".err".
 */
#define CONF_DEFAULT_CONF_DIR	"/tmp"
#define CONF_DEFAULT_OUTPUT_DIR	"/tmp"
#define CONF_DEFAULT_OUTPUT	CONF_DEFAULT_OUTPUT_DIR "/synexec.NAME.out"
#define CONF_STDERR_SUFFIX	".err"

/*
 * Options both programs share.  The comments name each field's option: its
 * key, range, default and help are in its row.
 */
struct common_opts {
	int		verbose;		/* -v */
	bool		daemon;			/* -d */
	char		*interface;		/* -i */
	uint16_t	port;			/* -p */
	uint32_t	session;		/* -s */
	char		*log_file;		/* --log */
	char		*pidfile;		/* --pidfile */
	char		*key_file;		/* -k */
	uint64_t	heartbeat_timeout_ns;	/* --heartbeat-timeout */
	char		*config;		/* -c; NULL: the default file */
	bool		check;			/* -n */
};

struct master_opts {
	struct common_opts c;
	bool		broadcast_all;		/* -b */
	struct opt_list	hosts;			/* -H (repeatable) */
	char		*hosts_file;		/* --hosts */
	uint64_t	wait_ns;		/* -w, 0: for ever */
	uint64_t	timeout_ns;		/* -t, 0: none */
	uint64_t	report_interval_ns;	/* -R */
	char		*results_file;		/* -r */
	char		*plot_file;		/* --plot */
	char		*output_dir;		/* -O */
	uint64_t	output_max;		/* --output-max, 0: no cap */
	bool		follow;			/* --follow */
	bool		fail_fast;		/* --fail-fast */
	bool		preflight;		/* --preflight */
	char		*genkey;		/* --genkey: only that, then exit */
	uint32_t	repeat;			/* --repeat */
	uint64_t	pause_ns;		/* --pause */
	char		*slaves;		/* --slaves LIST */
	char		*exclude;		/* --exclude LIST */
	bool		keep_going;		/* --keep-going */
	char		*csv_file;		/* --csv */
};

#define CONF_ALLOW_MAX	64
/* -H values (each may stand for many hosts: hostlist.h). */
#define CONF_HOSTS_MAX	4096

struct slave_opts {
	struct common_opts c;
	char		*name;			/* -N; NULL: the host's name */
	char		*master;		/* -m HOST[:PORT] */
	char		*conf_dir;		/* -T */
	char		*output;		/* -o; NULL: the default */
	char		*stderr_file;		/* -e; NULL: -o's FILE.err */
	bool		merge_stderr;		/* --merge-stderr */
	bool		once;			/* -1 */
	uint64_t	kill_grace_ns;		/* --kill-grace */
	bool		keep_task;		/* --keep-task */
	char		*run_as;		/* --run-as */
	struct opt_list	allow;			/* --allow (repeatable) */
	uint64_t	max_conf_size;		/* --max-conf-size */
};

/* The option tables (one row per option, opt.h). */
extern const struct opt opt_master[];
extern const struct opt opt_slave[];

/* Built-in defaults, on a struct that holds nothing yet; free what it holds. */
void	master_opts_defaults(struct master_opts *);
void	slave_opts_defaults(struct slave_opts *);
void	master_opts_free(struct master_opts *);
void	slave_opts_free(struct slave_opts *);

/*
 * Load the file into opts (only the section of this program is applied, the
 * other is validated too so that one file serves both).  path NULL: the default
 * file, silently skipped if it does not exist.  Returns 0, or -1 after logging
 * "file:line: key: message".  org (if not NULL) is told the file and the line
 * of each key applied (and nothing else: the caller zeroes it).
 */
int	conf_load_master(const char *path, struct master_opts *,
	    struct opt_origin *org);
int	conf_load_slave(const char *path, struct slave_opts *,
	    struct opt_origin *org);

#endif
