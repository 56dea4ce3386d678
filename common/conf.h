/*
 * conf.h - options of both programs, from built-in defaults, the configuration
 * file (libconfuse, sections master { } and slave { }) and the command line,
 * in that order of increasing precedence.
 *
 * Every command-line option has a key in the file.  Keys that belong to a
 * feature not built yet are parsed and validated all the same.
 */
#ifndef SYNEXEC_CONF_H
#define SYNEXEC_CONF_H

#include <stdbool.h>
#include <stdint.h>

#define CONF_DEFAULT_DIR	SYSCONFDIR "/synexec"
#define CONF_DEFAULT_FILE	SYSCONFDIR "/synexec/synexec.conf"
/* The slave's -o and -T when not given (the slave copes with a taken -o). */
#define CONF_DEFAULT_OUTPUT	"/tmp/synexec.out"
#define CONF_DEFAULT_CONF_DIR	"/tmp"

/* Options both programs share. */
struct common_opts {
	int		verbose;		/* -v, key verbose (0..3) */
	bool		daemon;			/* -d, key daemon */
	char		*interface;		/* -i, key interface */
	uint16_t	port;			/* -p, key port, default 5165 */
	uint32_t	session;		/* -s, key session, default 0 */
	char		*log_file;		/* --log, key log */
	char		*pidfile;		/* --pidfile, key pidfile */
	char		*key_file;		/* -k, key key_file */
	uint64_t	heartbeat_timeout_ns;	/* --heartbeat-timeout, default 10 s */
};

struct master_opts {
	struct common_opts c;
	bool		broadcast_all;		/* -b, key broadcast_all */
	uint64_t	wait_ns;		/* -w, key wait, 0 = for ever */
	uint64_t	timeout_ns;		/* -t, key timeout, 0 = none */
	uint64_t	report_interval_ns;	/* -R, key report_interval, default 1 s, min 0.1 s */
	char		*results_file;		/* -r, key results */
	char		*output_dir;		/* -O, key output_dir */
	uint64_t	output_max;		/* --output-max, key output_max, 0 = no cap */
	bool		follow;			/* --follow, key follow */
	bool		fail_fast;		/* --fail-fast, key fail_fast */
};

#define CONF_ALLOW_MAX	64

struct slave_opts {
	struct common_opts c;
	char		*name;			/* -N, key name, default host name */
	char		*master;		/* -m HOST[:PORT], key master */
	char		*conf_dir;		/* -T, key conf_dir, default /tmp */
	char		*output;		/* -o, key output, default /tmp/synexec.out */
	bool		once;			/* -1, key once */
	uint64_t	kill_grace_ns;		/* --kill-grace, key kill_grace, default 10 s */
	bool		keep_task;		/* --keep-task, key keep_task */
	char		*run_as;		/* --run-as, key run_as */
	char		*allow[CONF_ALLOW_MAX];	/* --allow (repeatable), key allow = {...} */
	int		nallow;
	uint64_t	max_conf_size;		/* --max-conf-size, key max_conf_size, default 1 GiB */
};

void	master_opts_defaults(struct master_opts *);
void	slave_opts_defaults(struct slave_opts *);
void	master_opts_free(struct master_opts *);
void	slave_opts_free(struct slave_opts *);

/*
 * Load the file into opts (only the section of this program is applied, the
 * other is validated too so that one file serves both).  path NULL: the default
 * file, silently skipped if it does not exist.  Returns 0, or -1 after logging
 * "file:line: key: message".
 */
int	conf_load_master(const char *path, struct master_opts *);
int	conf_load_slave(const char *path, struct slave_opts *);

/* Replace a string option (frees the old value).  Exits on out of memory. */
void	conf_set_str(char **dst, const char *value);

#endif
