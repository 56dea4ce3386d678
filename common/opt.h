/*
 * opt.h - the option table: one row per option of a program, and what is
 * made from it.
 *
 * Each program has one table (common/opt_master.c, common/opt_slave.c).  A
 * row says everything about one option: its long name, its letter, its key
 * in the configuration file, its kind (which parser and checks it gets), its
 * range, its default, its help, and where it lives in the program's options
 * struct.  From the table come the getopt strings and --help (opt_cmdline.c),
 * the file's schema (conf.c), the checks of a value on the command line and
 * in the file alike (opt.c: one parser per kind serves both), the checks
 * between options (.requires, opt_requires_check), the defaults,
 * and the settings a SIGHUP cannot change (slave/reload.c).  Adding an option is one row here plus its field in
 * conf.h's struct (and the code that uses it), plus its man page entries,
 * which tests/integration/manpages.sh holds to the table.
 */
#ifndef SYNEXEC_OPT_H
#define SYNEXEC_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define OPT_STR_MAX		4095	/* paths and names, bytes */
#define OPT_ROWS_MAX		96	/* rows of one table (opt_table_check) */
#define OPT_REQUIRES_MAX	3

/* Seconds as a row's range (OPT_SECONDS ranges are in nanoseconds). */
#define OPT_SEC(s)		((uint64_t)(s) * 1000000000ull)

/* The field a row fills: .off and .size, e.g. OPT_AT(struct master_opts, c.port). */
#define OPT_AT(type, field)						\
	.off = offsetof(type, field), .size = sizeof(((type *)0)->field)

/* A number as a default's text: OPT_XSTR(PROTO_DEFAULT_PORT) is "5165". */
#define OPT_XSTR(x)		OPT_STR_(x)
#define OPT_STR_(x)		#x

enum opt_kind {
	/* Actions done by opt.c itself, then exit 0 (no field). */
	OPT_HELP,	/* print --help */
	OPT_VERSION,	/* print "PROGRAM VERSION" */
	OPT_DUMP,	/* print the table (tests/integration/manpages.sh) */
	/* Settings: the field's C type follows the kind. */
	OPT_FLAG,	/* bool; no argument; a boolean in the file */
	OPT_COUNT,	/* int; no argument, each one adds 1; min..max in the file */
	OPT_UINT,	/* uint16_t, uint32_t or uint64_t (.size), min..max */
	OPT_SECONDS,	/* uint64_t ns from "2.5", "500ms", "1.5m", min..max ns */
	OPT_BYTES,	/* uint64_t from "512K", "10MB", min..max */
	OPT_STR,	/* char *, 1..OPT_STR_MAX bytes */
	OPT_ABSPATH,	/* char *, an OPT_STR that starts with '/' */
	OPT_IFNAME,	/* char *, a network interface's name */
	OPT_NAME,	/* char *, a slave's name (the hello's alphabet) */
	OPT_HOSTPORT,	/* char *, HOST[:PORT], [IPV6]:PORT (net.h) */
	OPT_HOSTS,	/* char *, hosts: "vm1,vm[02-16]:5166" (hostlist.h) */
	OPT_LIST,	/* struct opt_list of .elem values, at most .max */
	OPT_KIND_COUNT
};

/* Row flags. */
#define OPTF_EARLY	0x01	/* read before the file: -c, -n */
#define OPTF_ACTION	0x02	/* the program does it instead of running
				   (--genkey): read before the file, and the
				   first action on the command line wins */
#define OPTF_USAGE	0x04	/* shown in --help's usage line (the others
				   are "[options]") */
#define OPTF_RESTART	0x08	/* SIGHUP cannot change it: a restart can */
#define OPTF_HIDDEN	0x10	/* for tests: not in --help nor the manual */

/* An OPT_LIST field: the file's list or the command line's, not both. */
struct opt_list {
	char	**v;
	int	  n;
};

struct opt {
	const char	*name;		/* long option, "port"; NULL ends a table */
	char		 letter;	/* short option, 'p'; 0 for none */
	const char	*key;		/* key in the program's section; NULL:
					   command line only */
	enum opt_kind	 kind;
	enum opt_kind	 elem;		/* OPT_LIST: each value's kind, one of
					   the char * kinds */
	uint64_t	 min, max;	/* numbers: the range; OPT_LIST: the most
					   values (max) */
	const char	*def;		/* the default as one would write it
					   ("10", "1G"); NULL: none (0, false) */
	size_t		 off, size;	/* the field: OPT_AT() */
	const char	*arg;		/* its argument in --help: "PORT" */
	/*
	 * --help's text: "%D" is the default, "%R" the range, "\n" starts a
	 * line at the help column.
	 */
	const char	*help;
	unsigned	 flags;		/* OPTF_* */
	/*
	 * Long names of options without which this one has no effect (any
	 * one of them will do).  Checked to exist (opt_table_check), dumped,
	 * and enforced by opt_requires_check(): this option given (on the
	 * command line or in the file) and set (not 0, false or empty)
	 * without any of them set, wherever from, is refused.
	 */
	const char	*requires[OPT_REQUIRES_MAX];
};

/*
 * Where the values of a program's options came from: row i (of its table)
 * set by the file's line line[i], or on the command line.  For the checks
 * between options and for messages that name what the user wrote.
 */
struct opt_origin {
	char		 file[OPT_STR_MAX + 1];	/* the file as shown ("": none
						   read) */
	int		 line[OPT_ROWS_MAX];	/* > 0: the key's line */
	bool		 cmdline[OPT_ROWS_MAX];	/* given on the command line */
};

/* A program: its table and what --help says around the options. */
struct opt_prog {
	const char		*name;		/* "synexec_master" */
	const struct opt	*opts;
	const char		*operands;	/* usage line's end, or NULL */
	int			 help_col;	/* where the options' help starts */
	void			(*epilogue)(FILE *);	/* --help's end, or NULL */
};

/* Built-in defaults into opts (which holds no allocation yet). */
void	opt_defaults(const struct opt *, void *opts);
/* Free every string and list of opts (they become NULL and empty). */
void	opt_free(const struct opt *, void *opts);

/*
 * First pass over argv: -h, -V and the dump are done (exit 0); the OPTF_EARLY
 * rows are read; it stops at the first OPTF_ACTION row, read, for the program
 * to do.  Everything else waits for opt_parse(), its errors too.
 */
void	opt_parse_early(const struct opt_prog *, int argc, char **argv,
	    void *opts);
/*
 * The command line on top of opts (after the file): a count adds to the
 * file's, a list replaces the file's, anything else overrides it.  Exits 1
 * on a usage error.  Returns the index in argv of the first operand.  The
 * rows given are marked in org (if not NULL).
 */
int	opt_parse(const struct opt_prog *, int argc, char **argv, void *opts,
	    struct opt_origin *org);

void	opt_usage(const struct opt_prog *, FILE *);
/*
 * "PROGRAM: message" and "Try 'PROGRAM --help' for more information." on
 * stderr (never the whole help), exit 1.
 */
void	opt_usage_error(const struct opt_prog *, const char *fmt, ...)
	    __attribute__((noreturn, format(printf, 2, 3)));

/* Does the row take an argument on the command line?  Its kind's name. */
bool	opt_has_arg(const struct opt *);
const char *opt_kind_name(enum opt_kind);

/* The row with this key, or NULL. */
const struct opt *opt_by_key(const struct opt *, const char *key);
/* "-p" for a row with a letter, "--output-max" for the others. */
const char *opt_label(const struct opt *, char *buf, size_t len);

/*
 * One value of row o (an OPT_LIST's: one element) checked, without storing
 * it.  0, or -1 with a message (without the option's name) in err.
 */
int	opt_check(const struct opt *, const char *value, char *err,
	    size_t errlen);
/* An OPT_LIST holding n values: -1 and "more than 64 paths" past its max. */
int	opt_check_count(const struct opt *, unsigned n, char *err,
	    size_t errlen);
/*
 * Check value and store it in opts: an OPT_LIST appends it; value NULL is an
 * option without argument given once (a flag set, a count plus one).
 */
int	opt_store(const struct opt *, void *opts, const char *value,
	    char *err, size_t errlen);
/* The field emptied: a list with no value, a NULL string, 0, false. */
void	opt_clear(const struct opt *, void *opts);
/* Do two options structs differ in row o's field?  Copy it from src. */
bool	opt_differs(const struct opt *, const void *a, const void *b);
void	opt_copy(const struct opt *, void *dst, const void *src);

/* Replace a string (frees the old one; NULL frees).  Exits on no memory. */
void	opt_set_str(char **dst, const char *value);
/* A copy of value at the end of the list (unchecked).  Exits on no memory. */
void	opt_list_add(struct opt_list *, const char *value);

/*
 * Who set row o, for a message: "-o" or "--output-max" (the command line,
 * or the default), or "FILE:LINE: output" (the file).  org may be NULL.
 */
const char *opt_where(const struct opt *t, const struct opt *o,
	    const struct opt_origin *org, char *buf, size_t len);
/*
 * A fault of row o's value said (log_warnx), naming who set it: "-o VALUE:
 * MESSAGE" or "FILE:LINE: output: VALUE: MESSAGE"; value NULL: "-k:
 * MESSAGE", "FILE:LINE: key_file: MESSAGE".
 */
void	opt_complain(const struct opt *t, const struct opt *o,
	    const struct opt_origin *org, const char *value, const char *fmt,
	    ...) __attribute__((format(printf, 5, 6)));
/* Is row o's field set: true, not 0, a string, a list with a value? */
bool	opt_in_effect(const struct opt *, const void *opts);
/*
 * Every row of t given (org) and set in opts whose requires[] are none of
 * them set is said (log_warnx), as "--output-max has no effect without -O
 * or --follow", or "FILE:LINE: output_max: has no effect without
 * output_dir or follow (-O, --follow)" for a key of the file.  Returns how
 * many.
 */
int	opt_requires_check(const struct opt *t, const void *opts,
	    const struct opt_origin *org);

/* The table is well formed (names, letters, keys, fields, defaults). */
int	opt_table_check(const struct opt *, char *err, size_t errlen);

#endif
