/*
 * conf.c - the configuration file of both programs (libconfuse).
 *
 *	master { port = 5165  wait = 30  ... }
 *	slave  { name = "node1"  allow = { "/usr/bin/fio" }  ... }
 *
 * One file serves both programs: each section is optional and may appear once,
 * both are validated whichever program reads the file (a typo in the slave
 * section is reported to the master too, so it is found early), and only the
 * reader's own section is applied.
 *
 * Each section's keys, and what each takes, come from that program's option
 * table (opt.h): the schema is built from it, and every value is checked by
 * the same parser as the option on the command line.  Every key that is not
 * a boolean is declared to libconfuse as a string: its own integer parser
 * takes "0x10", octal and, depending on errno, out-of-range values silently,
 * so the text goes to opt_check() instead, from the validator
 * (cfg_set_validate_func).  Validators and parser errors are routed to the
 * logger as "FILE:LINE: KEY: MESSAGE".  Options start from the built-in
 * defaults; only keys present in the file are applied, and only once the
 * whole file parsed (CFG_SUCCESS), so a bad file changes nothing.  The caller
 * applies the command line afterwards: it beats the file.
 *
 * The file is read whole (at most 1 MiB) and its comments blanked before
 * libconfuse parses it from memory, to work around two libconfuse 3.3 bugs
 * (line numbers, unclosed sections): see conf_prepare().
 */
#include <sys/stat.h>

#include <confuse.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"

/* The sections of the file: each program's own, with its table. */
static const struct conf_section {
	const char		*name;
	const struct opt	*opts;
} conf_sections[] = {
	{ "master", opt_master },
	{ "slave", opt_slave },
};

#define CONF_NSECTIONS	(sizeof(conf_sections) / sizeof(conf_sections[0]))

/*
 * State of the one parse in progress, for the error function (libconfuse
 * gives it no user pointer).  The programs are single-threaded.
 */
static const char	*conf_shown_path;	/* the path as the caller gave it */
static cfg_t		*conf_root;
static int		 conf_nerrors;
/* Keys set so far, to refuse one given twice (every section's keys fit). */
static struct {
	const cfg_opt_t	*opt;
	int		 line;
}			 conf_seen[OPT_ROWS_MAX * 2];
static size_t		 conf_nseen;

/* The row of key name in section secname ("master" or "slave"). */
static const struct opt *
conf_key_lookup(const char *secname, const char *name)
{
	size_t i;

	for (i = 0; i < CONF_NSECTIONS; i++)
		if (strcmp(conf_sections[i].name, secname) == 0)
			return opt_by_key(conf_sections[i].opts, name);
	return NULL;
}

/* ---- libconfuse callbacks ---- */

/*
 * Every message ends up here: "FILE:LINE: MESSAGE", where our own messages
 * start with the key.  libconfuse's "no such option" is reworded so that an
 * unknown key reads like the rest (matched on the untranslated text: with a
 * translated libconfuse the original wording is logged, still with FILE:LINE).
 */
static void
conf_errfunc(cfg_t *cfg, const char *fmt, va_list ap)
{
	char	msg[1024];

	if (strcmp(fmt, "no such option '%s'") == 0) {
		va_list		 aq;
		const char	*name;

		va_copy(aq, ap);
		name = va_arg(aq, const char *);
		va_end(aq);
		if (cfg == conf_root)
			snprintf(msg, sizeof(msg), "%s: unknown section "
			    "(sections are master { } and slave { })", name);
		else
			snprintf(msg, sizeof(msg), "%s: unknown key in "
			    "section %s", name, cfg->name);
	} else
		vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Values come from the file: the log makes them inert (log.h). */
	conf_nerrors++;
	log_warnx("%s:%d: %s", conf_shown_path ? conf_shown_path : "?",
	    cfg != NULL ? cfg->line : 0, msg);
}

/* The line where opt was first set, 0 if not yet. */
static int
conf_line(const cfg_opt_t *opt)
{
	size_t i;

	for (i = 0; i < conf_nseen; i++)
		if (conf_seen[i].opt == opt)
			return conf_seen[i].line;
	return 0;
}

static void
conf_remember(cfg_t *cfg, const cfg_opt_t *opt)
{
	if (conf_nseen < sizeof(conf_seen) / sizeof(conf_seen[0])) {
		conf_seen[conf_nseen].opt = opt;
		conf_seen[conf_nseen++].line = cfg->line;
	}
}

/*
 * A key given twice in a section would be taken silently from its last line:
 * more likely a forgotten line than a wish.  -1 (said) on the second time.
 */
static int
conf_once(cfg_t *cfg, const cfg_opt_t *opt)
{
	int line = conf_line(opt);

	if (line > 0) {
		cfg_error(cfg, "%s: given twice in section %s (first on line "
		    "%d)", opt->name, cfg_name(cfg), line);
		return -1;
	}
	conf_remember(cfg, opt);
	return 0;
}

/* Booleans: our own message instead of libconfuse's. */
static int
conf_parse_bool(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	int b = cfg_parse_boolean(value);

	if (conf_once(cfg, opt) == -1)
		return -1;
	if (b == -1) {
		cfg_error(cfg, "%s: '%s' is not a boolean (true/false, "
		    "yes/no, on/off)", opt->name, value ? value : "");
		return -1;
	}
	*(int *)result = b;
	return 0;
}

/* Called by libconfuse as each value of a string or number key is read. */
static int
conf_validate(cfg_t *cfg, cfg_opt_t *opt)
{
	const struct opt	*o;
	unsigned int		 n = cfg_opt_size(opt);
	char			 err[512];

	if ((o = conf_key_lookup(cfg_name(cfg), cfg_opt_name(opt))) == NULL) {
		cfg_error(cfg, "%s: no validator", cfg_opt_name(opt));
		return -1;
	}
	/* A list is validated value by value: allow += {...} adds to it. */
	if (!(opt->flags & CFGF_LIST) && conf_once(cfg, opt) == -1)
		return -1;
	if ((opt->flags & CFGF_LIST) && conf_line(opt) == 0)
		conf_remember(cfg, opt);
	if (n == 0)		/* an emptied list: allow = {} */
		return 0;
	/* A list is checked as it grows: the last value is the new one. */
	if (opt_check_count(o, n, err, sizeof(err)) == -1 ||
	    opt_check(o, cfg_opt_getnstr(opt, n - 1), err, sizeof(err)) == -1) {
		cfg_error(cfg, "%s: %s", opt->name, err);
		return -1;
	}
	return 0;
}

/* A section the file repeats would otherwise be merged silently. */
static int
conf_validate_section(cfg_t *cfg, cfg_opt_t *opt)
{
	if (cfg_opt_size(opt) > 1) {
		cfg_error(cfg, "%s: section given more than once (put all its "
		    "keys in one)", opt->name);
		return -1;
	}
	return 0;
}

/* ---- the schema, from the tables ---- */

/*
 * A section's options for libconfuse: every key of the table, as a boolean
 * (our own parser for the message) or as text for opt_check().  NULL if out
 * of memory; free() it after cfg_free().
 */
static cfg_opt_t *
conf_schema(const struct opt *t)
{
	cfg_opt_t	*s;
	size_t		 n = 0, i = 0;

	while (t[n].name != NULL)
		n++;
	if ((s = calloc(n + 1, sizeof(*s))) == NULL)
		return NULL;
	for (; t->name != NULL; t++) {
		if (t->key == NULL)
			continue;
		if (t->kind == OPT_FLAG)
			s[i++] = (cfg_opt_t)CFG_BOOL_CB(t->key, cfg_false,
			    CFGF_NODEFAULT, conf_parse_bool);
		else if (t->kind == OPT_LIST)
			s[i++] = (cfg_opt_t)CFG_STR_LIST(t->key, NULL,
			    CFGF_NODEFAULT);
		else
			s[i++] = (cfg_opt_t)CFG_STR(t->key, NULL,
			    CFGF_NODEFAULT);
	}
	s[i] = (cfg_opt_t)CFG_END();
	return s;
}

/* Validators on every key that is not a boolean. */
static void
conf_set_validators(cfg_t *cfg, const struct conf_section *sec)
{
	const struct opt	*o;
	char			 path[64];

	for (o = sec->opts; o->name != NULL; o++) {
		if (o->key == NULL || o->kind == OPT_FLAG)
			continue;
		snprintf(path, sizeof(path), "%s|%s", sec->name, o->key);
		cfg_set_validate_func(cfg, path, conf_validate);
	}
	cfg_set_validate_func(cfg, sec->name, conf_validate_section);
}

/* ---- applying a parsed section ---- */

/* One key's values: a list replaces the one in opts. */
static int
conf_apply_key(cfg_t *sec, const struct opt *o, void *opts)
{
	unsigned int	i, n = cfg_size(sec, o->key);
	char		err[512];

	if (o->kind == OPT_FLAG)
		return opt_store(o, opts, cfg_getbool(sec, o->key) ? "true" :
		    "false", err, sizeof(err));
	if (o->kind == OPT_LIST)
		opt_clear(o, opts);
	/* Validated while parsing; checked again to store it. */
	for (i = 0; i < n; i++)
		if (opt_store(o, opts, cfg_getnstr(sec, o->key, i), err,
		    sizeof(err)) == -1) {
			log_warnx("%s: %s: %s", conf_shown_path, o->key, err);
			return -1;
		}
	return 0;
}

/*
 * The keys the section has, into opts; the others keep their value.  Each
 * key's line into org (if not NULL).
 */
static int
conf_apply(cfg_t *sec, const struct opt *t, void *opts,
    struct opt_origin *org)
{
	size_t i;

	for (i = 0; t[i].name != NULL; i++) {
		if (t[i].key == NULL || cfg_size(sec, t[i].key) == 0)
			continue;
		if (conf_apply_key(sec, &t[i], opts) == -1)
			return -1;
		if (org != NULL && i < OPT_ROWS_MAX)
			org->line[i] = conf_line(cfg_getopt(sec, t[i].key));
	}
	return 0;
}

/* ---- loading ---- */

/*
 * libconfuse 3.3 counts a line two or three times after each comment, so
 * its line numbers drift past the first comment; it also takes a section
 * whose '}' is missing at the end of the file.  So the text is prepared
 * before it sees it: comments become blanks (newlines kept, so lines stay
 * where they are), by the lexer's own rules for where a comment starts ('#',
 * "//" or "slash-star" where a token may start; never inside quotes or a
 * word), and braces and quotes are counted.
 *
 * Returns 0, or -1 after logging an unclosed comment, string or section,
 * named by the line where it opens, or a NUL byte.
 */
static int
conf_prepare(char *p, size_t len, const char *shown)
{
	enum { S_START, S_WORD, S_DQ, S_SQ } state = S_START;
	size_t	i, j;
	int	line = 1, depth = 0, open_line = 0, quote_line = 0;

	for (i = 0; i < len; i++) {
		char c = p[i];

		if (c == '\n')
			line++;
		if (c == '\0') {
			/* The lexer would cut a value there, silently. */
			log_warnx("%s:%d: NUL byte: not a text file", shown,
			    line);
			return -1;
		}
		switch (state) {
		case S_DQ:
		case S_SQ:
			if (c == '\\' && i + 1 < len) {
				if (p[++i] == '\n')
					line++;
			} else if (state == S_DQ && c == '$' && i + 1 < len &&
			    p[i + 1] == '{' &&
			    memchr(p + i, '}', len - i) != NULL) {
				/* "${VAR}" is taken whole, even a '"'. */
				for (; p[i] != '}'; i++)
					if (p[i] == '\n')
						line++;
			} else if (c == (state == S_DQ ? '"' : '\''))
				state = S_START;
			continue;
		case S_WORD:
			/* The lexer's unquoted string: ends at these. */
			if (c != '\0' && strchr(" #\"'\t\n\r={}()+,*", c) == NULL)
				continue;
			state = S_START;
			break;
		case S_START:
			break;
		}

		if (c == '#' || (c == '/' && i + 1 < len && p[i + 1] == '/')) {
			for (; i < len && p[i] != '\n'; i++)
				p[i] = ' ';
			i--;		/* the newline is counted above */
		} else if (c == '/' && i + 1 < len && p[i + 1] == '*') {
			for (j = i + 2; j + 1 < len; j++)
				if (p[j] == '*' && p[j + 1] == '/')
					break;
			if (j + 1 >= len) {
				log_warnx("%s:%d: comment opened here is never "
				    "closed", shown, line);
				return -1;
			}
			for (; i < j + 2; i++) {
				if (p[i] == '\n')
					line++;
				else
					p[i] = ' ';
			}
			i--;
		} else if (c == '"' || c == '\'') {
			state = c == '"' ? S_DQ : S_SQ;
			quote_line = line;
		}
		else if (c == '$' && i + 1 < len && p[i + 1] == '{' &&
		    memchr(p + i, '}', len - i) != NULL) {
			/* ${VAR}: the lexer takes it whole, even a '#'. */
			for (; p[i] != '}'; i++)
				if (p[i] == '\n')
					line++;
		} else if (c == '+' && (i + 1 >= len || p[i + 1] != '=')) {
			/*
			 * The lexer drops a lone '+': "port = +7" would be 7
			 * and "name = a+b" a riddle.  "+=" (append) is fine.
			 */
			log_warnx("%s:%d: '+' outside quotes: numbers take no "
			    "sign, and a value holding '+' must be quoted",
			    shown, line);
			return -1;
		} else if (c == '{') {
			if (depth++ == 0)
				open_line = line;
		} else if (c == '}') {
			if (depth > 0)
				depth--;
		} else if (c != '\0' &&
		    strchr(" #\"'\t\n\r={}()+,*", c) == NULL)
			state = S_WORD;
	}
	/* libconfuse would say "premature end of file" at the last line. */
	if (state == S_DQ || state == S_SQ) {
		log_warnx("%s:%d: string opened here is never closed", shown,
		    quote_line);
		return -1;
	}
	if (depth > 0) {
		log_warnx("%s:%d: section opened here is never closed",
		    shown, open_line);
		return -1;
	}
	/* A stray '}' and the rest: libconfuse says it. */
	return 0;
}

#define CONF_FILE_MAX	(1024 * 1024)

/* The whole file into a NUL-terminated heap buffer.  NULL after logging. */
static char *
conf_read(FILE *fp, const char *shown, size_t *lenp)
{
	struct stat	 st;
	char		*buf;
	size_t		 len = 0, n;

	if (fstat(fileno(fp), &st) == -1) {
		log_warn("%s", shown);
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		/* fopen() takes a directory; reading it would look empty. */
		errno = EISDIR;
		log_warn("%s", shown);
		return NULL;
	}
	if ((buf = malloc(CONF_FILE_MAX + 1)) == NULL)
		fatal("malloc");
	while ((n = fread(buf + len, 1, CONF_FILE_MAX + 1 - len, fp)) > 0)
		if ((len += n) > CONF_FILE_MAX)
			break;
	if (ferror(fp)) {
		log_warn("%s", shown);
		goto fail;
	}
	if (len > CONF_FILE_MAX) {
		log_warnx("%s: larger than %d bytes: not a configuration file",
		    shown, CONF_FILE_MAX);
		goto fail;
	}
	buf[len] = '\0';
	*lenp = len;
	return buf;
fail:
	free(buf);
	return NULL;
}

/*
 * libconfuse's parse of the prepared text, with every section's schema and
 * validators.  NULL after logging; else cfg_free() it, then free schema[].
 */
static cfg_t *
conf_parse(char *text, size_t len, const char *shown,
    cfg_opt_t *schema[CONF_NSECTIONS])
{
	cfg_opt_t	 top[CONF_NSECTIONS + 1];
	cfg_t		*cfg = NULL;
	FILE		*mem;
	size_t		 i;

	for (i = 0; i < CONF_NSECTIONS; i++) {
		if ((schema[i] = conf_schema(conf_sections[i].opts)) == NULL)
			fatal("conf_schema");
		/* MULTI so that a repeated section can be seen and refused. */
		top[i] = (cfg_opt_t)CFG_SEC(conf_sections[i].name, schema[i],
		    CFGF_MULTI);
	}
	top[i] = (cfg_opt_t)CFG_END();
	if ((mem = fmemopen(text, len, "r")) == NULL) {
		log_warn("%s: fmemopen", shown);
		return NULL;
	}
	if ((cfg = cfg_init(top, CFGF_NONE)) == NULL) {
		log_warn("%s: cfg_init", shown);
		goto out;
	}
	cfg_set_error_function(cfg, conf_errfunc);
	for (i = 0; i < CONF_NSECTIONS; i++)
		conf_set_validators(cfg, &conf_sections[i]);
	conf_shown_path = shown;
	conf_root = cfg;
	conf_nerrors = 0;
	conf_nseen = 0;
	if (cfg_parse_fp(cfg, mem) != CFG_SUCCESS) {
		/* Out of memory in libconfuse says nothing: say something. */
		if (conf_nerrors == 0)
			log_warnx("%s: cannot parse the configuration", shown);
		cfg_free(cfg);
		cfg = NULL;
	}
	conf_root = NULL;
out:
	fclose(mem);
	return cfg;
}

/*
 * Parse path into opts, the options of section own.  Returns 0 or -1 after
 * logging.
 */
static int
conf_load(const char *path, const struct conf_section *own, void *opts,
    struct opt_origin *org)
{
	cfg_opt_t	*schema[CONF_NSECTIONS] = { NULL };
	const char	*shown = path != NULL ? path : CONF_DEFAULT_FILE;
	cfg_t		*cfg = NULL;
	cfg_opt_t	*secopt;
	FILE		*fp;
	char		*text;
	size_t		 len, i;
	int		 ret = -1;

	if ((fp = fopen(shown, "re")) == NULL) {
		/* Without -c a missing default file just means no file. */
		if (path == NULL && (errno == ENOENT || errno == ENOTDIR))
			return 0;
		log_warn("%s", shown);
		return -1;
	}
	text = conf_read(fp, shown, &len);
	fclose(fp);
	if (text == NULL || conf_prepare(text, len, shown) == -1)
		goto out;
	/* fmemopen() of 0 bytes fails on old C libraries: give it a newline. */
	if (len == 0)
		text[len++] = '\n';
	if ((cfg = conf_parse(text, len, shown, schema)) == NULL)
		goto out;
	/* Parsed and valid as a whole: only now touch opts. */
	/* Not cfg_getsec(): libconfuse 3.3 complains of an absent one. */
	if ((secopt = cfg_getopt(cfg, own->name)) == NULL ||
	    cfg_opt_size(secopt) == 0)
		ret = 0;
	else
		ret = conf_apply(cfg_opt_getnsec(secopt, 0), own->opts, opts,
		    org);
	if (ret == 0 && org != NULL)
		snprintf(org->file, sizeof(org->file), "%s", shown);
out:
	if (cfg != NULL)
		cfg_free(cfg);
	for (i = 0; i < CONF_NSECTIONS; i++)
		free(schema[i]);
	conf_shown_path = NULL;
	free(text);
	return ret;
}

int
conf_load_master(const char *path, struct master_opts *m,
    struct opt_origin *org)
{
	return conf_load(path, &conf_sections[0], m, org);
}

int
conf_load_slave(const char *path, struct slave_opts *s,
    struct opt_origin *org)
{
	return conf_load(path, &conf_sections[1], s, org);
}
