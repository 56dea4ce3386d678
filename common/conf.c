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
 * Every numeric key is declared to libconfuse as a string: its own integer
 * parser takes "0x10", octal and, depending on errno, out-of-range values
 * silently, so the text goes to numparse instead, from the validator
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

#include "clock.h"
#include "conf.h"
#include "log.h"
#include "numparse.h"
#include "proto.h"

#define CONF_STR_MAX		4095	/* paths and names, bytes */
#define CONF_HOST_MAX		253	/* a DNS name */
#define CONF_IFNAME_MAX		15	/* IFNAMSIZ - 1 */

enum conf_kind {
	CK_VERBOSE,	/* int, 0..3 */
	CK_BOOL,	/* bool */
	CK_STR,		/* char *, 1..CONF_STR_MAX bytes */
	CK_IFNAME,	/* char *, a network interface's name */
	CK_PORT,	/* uint16_t, 1..65535 */
	CK_SESSION,	/* uint32_t */
	CK_SECONDS,	/* uint64_t ns, min..max ns */
	CK_BYTES,	/* uint64_t, min..max, K/M/G/T suffixes */
	CK_NAME,	/* char *, a slave name as in the hello */
	CK_HOSTPORT,	/* char *, HOST[:PORT] */
	CK_ALLOW,	/* slave allow list, absolute paths */
};

struct conf_key {
	const char	*name;
	enum conf_kind	 kind;
	uint64_t	 min, max;	/* CK_SECONDS: ns; CK_BYTES: bytes */
	size_t		 off;		/* field in the table's struct */
};

#define SEC(s)		((uint64_t)(s) * NSEC_PER_SEC)
#define DAYS(d)		SEC((uint64_t)(d) * 86400)

/* Offsets into struct common_opts. */
static const struct conf_key conf_common_keys[] = {
	{ "verbose", CK_VERBOSE, 0, 3, offsetof(struct common_opts, verbose) },
	{ "daemon", CK_BOOL, 0, 0, offsetof(struct common_opts, daemon) },
	{ "interface", CK_IFNAME, 0, 0,
	    offsetof(struct common_opts, interface) },
	{ "port", CK_PORT, 0, 0, offsetof(struct common_opts, port) },
	{ "session", CK_SESSION, 0, 0, offsetof(struct common_opts, session) },
	{ "log", CK_STR, 0, 0, offsetof(struct common_opts, log_file) },
	{ "pidfile", CK_STR, 0, 0, offsetof(struct common_opts, pidfile) },
	{ "key_file", CK_STR, 0, 0, offsetof(struct common_opts, key_file) },
	{ "heartbeat_timeout", CK_SECONDS, SEC(1), SEC(3600),
	    offsetof(struct common_opts, heartbeat_timeout_ns) },
	{ NULL, 0, 0, 0, 0 }
};

/* Offsets into struct master_opts. */
static const struct conf_key conf_master_keys[] = {
	{ "broadcast_all", CK_BOOL, 0, 0,
	    offsetof(struct master_opts, broadcast_all) },
	{ "wait", CK_SECONDS, 0, DAYS(30), offsetof(struct master_opts, wait_ns) },
	{ "timeout", CK_SECONDS, 0, DAYS(365),
	    offsetof(struct master_opts, timeout_ns) },
	{ "report_interval", CK_SECONDS, NSEC_PER_SEC / 10, SEC(3600),
	    offsetof(struct master_opts, report_interval_ns) },
	{ "results", CK_STR, 0, 0, offsetof(struct master_opts, results_file) },
	{ "output_dir", CK_STR, 0, 0, offsetof(struct master_opts, output_dir) },
	{ "output_max", CK_BYTES, 0, UINT64_MAX,
	    offsetof(struct master_opts, output_max) },
	{ "follow", CK_BOOL, 0, 0, offsetof(struct master_opts, follow) },
	{ "fail_fast", CK_BOOL, 0, 0, offsetof(struct master_opts, fail_fast) },
	{ NULL, 0, 0, 0, 0 }
};

/* Offsets into struct slave_opts. */
static const struct conf_key conf_slave_keys[] = {
	{ "name", CK_NAME, 0, 0, offsetof(struct slave_opts, name) },
	{ "master", CK_HOSTPORT, 0, 0, offsetof(struct slave_opts, master) },
	{ "conf_dir", CK_STR, 0, 0, offsetof(struct slave_opts, conf_dir) },
	{ "output", CK_STR, 0, 0, offsetof(struct slave_opts, output) },
	{ "once", CK_BOOL, 0, 0, offsetof(struct slave_opts, once) },
	{ "kill_grace", CK_SECONDS, 0, SEC(3600),
	    offsetof(struct slave_opts, kill_grace_ns) },
	{ "keep_task", CK_BOOL, 0, 0, offsetof(struct slave_opts, keep_task) },
	{ "run_as", CK_STR, 0, 0, offsetof(struct slave_opts, run_as) },
	{ "allow", CK_ALLOW, 0, 0, offsetof(struct slave_opts, allow) },
	{ "max_conf_size", CK_BYTES, 0, UINT64_MAX,
	    offsetof(struct slave_opts, max_conf_size) },
	{ NULL, 0, 0, 0, 0 }
};

/*
 * State of the one parse in progress, for the error function (libconfuse
 * gives it no user pointer).  The programs are single-threaded.
 */
static const char	*conf_shown_path;	/* the path as the caller gave it */
static cfg_t		*conf_root;
static int		 conf_nerrors;
/* Keys set so far, to refuse one given twice (both sections' keys fit). */
static struct {
	const cfg_opt_t	*opt;
	int		 line;
}			 conf_seen[96];
static size_t		 conf_nseen;

/* ---- defaults and strings ---- */

void
conf_set_str(char **dst, const char *value)
{
	char *copy = NULL;

	if (value != NULL && (copy = strdup(value)) == NULL)
		fatal("strdup");
	free(*dst);
	*dst = copy;
}

static void
conf_common_defaults(struct common_opts *c)
{
	memset(c, 0, sizeof(*c));
	c->port = PROTO_DEFAULT_PORT;
	c->session = 0;
	c->heartbeat_timeout_ns = SEC(10);
}

void
master_opts_defaults(struct master_opts *m)
{
	memset(m, 0, sizeof(*m));
	conf_common_defaults(&m->c);
	m->report_interval_ns = SEC(1);
}

void
slave_opts_defaults(struct slave_opts *s)
{
	memset(s, 0, sizeof(*s));
	conf_common_defaults(&s->c);
	s->kill_grace_ns = SEC(10);
	s->max_conf_size = 1ull << 30;
	conf_set_str(&s->conf_dir, CONF_DEFAULT_CONF_DIR);
	conf_set_str(&s->output, CONF_DEFAULT_OUTPUT);
}

static void
conf_common_free(struct common_opts *c)
{
	conf_set_str(&c->interface, NULL);
	conf_set_str(&c->log_file, NULL);
	conf_set_str(&c->pidfile, NULL);
	conf_set_str(&c->key_file, NULL);
}

void
master_opts_free(struct master_opts *m)
{
	conf_common_free(&m->c);
	conf_set_str(&m->results_file, NULL);
	conf_set_str(&m->output_dir, NULL);
}

static void
conf_allow_free(struct slave_opts *s)
{
	int i;

	for (i = 0; i < s->nallow; i++)
		conf_set_str(&s->allow[i], NULL);
	s->nallow = 0;
}

void
slave_opts_free(struct slave_opts *s)
{
	conf_common_free(&s->c);
	conf_set_str(&s->name, NULL);
	conf_set_str(&s->master, NULL);
	conf_set_str(&s->conf_dir, NULL);
	conf_set_str(&s->output, NULL);
	conf_set_str(&s->run_as, NULL);
	conf_allow_free(s);
}

/* ---- checking one value ---- */

/* The same alphabet as the hello's name (proto.c): names end up in tables. */
static int
conf_name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == ':' || c == '@' || c == '+';
}

static int
conf_check_name(const char *s, char *err, size_t errlen)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > PROTO_NAME_MAX) {
		snprintf(err, errlen, "a name has 1..%d characters, not %zu",
		    PROTO_NAME_MAX, n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!conf_name_char_ok(s[i]) || (i == 0 && s[i] == '.')) {
			snprintf(err, errlen, "'%s' has a character outside "
			    "[A-Za-z0-9._:@+-] or starts with '.'", s);
			return -1;
		}
	}
	return 0;
}

/* What the kernel takes as an interface name. */
static int
conf_check_ifname(const char *s, char *err, size_t errlen)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > CONF_IFNAME_MAX) {
		snprintf(err, errlen, "an interface name has 1..%d "
		    "characters, not %zu", CONF_IFNAME_MAX, n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (s[i] <= ' ' || s[i] == '/' || s[i] == 0x7f) {
			snprintf(err, errlen, "'%s' is not an interface name",
			    s);
			return -1;
		}
	}
	return 0;
}

/* HOST[:PORT]: an IPv4 address or a host name, and an optional port. */
static int
conf_check_hostport(const char *s, char *err, size_t errlen)
{
	const char	*colon = strchr(s, ':');
	size_t		 i, hostlen = colon ? (size_t)(colon - s) : strlen(s);
	char		 perr[128];
	uint16_t	 port;

	if (hostlen == 0 || hostlen > CONF_HOST_MAX)
		goto bad;
	for (i = 0; i < hostlen; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		    c == '_'))
			goto bad;
	}
	if (colon != NULL && parse_port(colon + 1, &port, perr,
	    sizeof(perr)) == -1) {
		snprintf(err, errlen, "port of '%.200s': %s", s, perr);
		return -1;
	}
	return 0;
bad:
	snprintf(err, errlen, "'%.200s' is not HOST[:PORT]", s);
	return -1;
}

/*
 * Check one value of key k; numeric kinds leave the parsed value in *v.
 * Returns 0, or -1 with a message (without the key's name) in err.
 */
static int
conf_check(const struct conf_key *k, const char *s, uint64_t *v, char *err,
    size_t errlen)
{
	uint32_t	session;
	uint16_t	port;
	size_t		n;

	*v = 0;
	if (s == NULL) {
		snprintf(err, errlen, "no value");
		return -1;
	}
	switch (k->kind) {
	case CK_VERBOSE:
		return parse_u64(s, k->min, k->max, v, err, errlen);
	case CK_PORT:
		if (parse_port(s, &port, err, errlen) == -1)
			return -1;
		*v = port;
		return 0;
	case CK_SESSION:
		if (parse_session(s, &session, err, errlen) == -1)
			return -1;
		*v = session;
		return 0;
	case CK_SECONDS:
		return parse_seconds(s, k->min, k->max, v, err, errlen);
	case CK_BYTES:
		return parse_bytes(s, k->min, k->max, v, err, errlen);
	case CK_NAME:
		return conf_check_name(s, err, errlen);
	case CK_HOSTPORT:
		return conf_check_hostport(s, err, errlen);
	case CK_IFNAME:
		return conf_check_ifname(s, err, errlen);
	case CK_STR:
	case CK_ALLOW:
		n = strlen(s);
		if (n == 0) {
			snprintf(err, errlen, "empty value");
			return -1;
		}
		if (n > CONF_STR_MAX) {
			snprintf(err, errlen, "longer than %d bytes",
			    CONF_STR_MAX);
			return -1;
		}
		if (k->kind == CK_ALLOW && s[0] != '/') {
			snprintf(err, errlen, "'%.200s' is not an absolute path",
			    s);
			return -1;
		}
		return 0;
	case CK_BOOL:
		break;
	}
	snprintf(err, errlen, "internal error: key of kind %d", k->kind);
	return -1;
}

static const struct conf_key *
conf_key_find(const struct conf_key *keys, const char *name)
{
	for (; keys->name != NULL; keys++)
		if (strcmp(keys->name, name) == 0)
			return keys;
	return NULL;
}

/* The key named name in section secname ("master" or "slave"). */
static const struct conf_key *
conf_key_lookup(const char *secname, const char *name)
{
	const struct conf_key *k;

	if ((k = conf_key_find(conf_common_keys, name)) != NULL)
		return k;
	if (strcmp(secname, "master") == 0)
		return conf_key_find(conf_master_keys, name);
	if (strcmp(secname, "slave") == 0)
		return conf_key_find(conf_slave_keys, name);
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
	size_t	i;

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
	/* Values come from the file: keep the log line printable. */
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < ' ' || msg[i] == 0x7f)
			msg[i] = '?';
	conf_nerrors++;
	log_warnx("%s:%d: %s", conf_shown_path ? conf_shown_path : "?",
	    cfg != NULL ? cfg->line : 0, msg);
}

/*
 * A key given twice in a section would be taken silently from its last line:
 * more likely a forgotten line than a wish.  -1 (said) on the second time.
 */
static int
conf_once(cfg_t *cfg, const cfg_opt_t *opt)
{
	size_t i;

	for (i = 0; i < conf_nseen; i++)
		if (conf_seen[i].opt == opt) {
			cfg_error(cfg, "%s: given twice in section %s (first on "
			    "line %d)", opt->name, cfg_name(cfg),
			    conf_seen[i].line);
			return -1;
		}
	if (conf_nseen < sizeof(conf_seen) / sizeof(conf_seen[0])) {
		conf_seen[conf_nseen].opt = opt;
		conf_seen[conf_nseen++].line = cfg->line;
	}
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
	const struct conf_key	*k;
	unsigned int		 n = cfg_opt_size(opt);
	uint64_t		 v;
	char			 err[512];

	if ((k = conf_key_lookup(cfg_name(cfg), cfg_opt_name(opt))) == NULL) {
		cfg_error(cfg, "%s: no validator", cfg_opt_name(opt));
		return -1;
	}
	/* A list is validated value by value: allow += {...} adds to it. */
	if (!(opt->flags & CFGF_LIST) && conf_once(cfg, opt) == -1)
		return -1;
	if (n == 0)		/* an emptied list: allow = {} */
		return 0;
	if (k->kind == CK_ALLOW && n > CONF_ALLOW_MAX) {
		cfg_error(cfg, "%s: more than %d paths", opt->name,
		    CONF_ALLOW_MAX);
		return -1;
	}
	/* A list is checked as it grows: the last value is the new one. */
	if (conf_check(k, cfg_opt_getnstr(opt, n - 1), &v, err,
	    sizeof(err)) == -1) {
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

/* ---- applying a parsed section ---- */

static int
conf_apply_keys(cfg_t *sec, const struct conf_key *keys, void *base)
{
	const struct conf_key	*k;
	char			*field, err[512];
	uint64_t		 v;

	for (k = keys; k->name != NULL; k++) {
		if (k->kind == CK_ALLOW || cfg_size(sec, k->name) == 0)
			continue;
		field = (char *)base + k->off;
		if (k->kind == CK_BOOL) {
			*(bool *)field = cfg_getbool(sec, k->name) == cfg_true;
			continue;
		}
		/* Validated while parsing; checked again to get the value. */
		if (conf_check(k, cfg_getstr(sec, k->name), &v, err,
		    sizeof(err)) == -1) {
			log_warnx("%s: %s: %s", conf_shown_path, k->name, err);
			return -1;
		}
		switch (k->kind) {
		case CK_VERBOSE:
			*(int *)field = (int)v;
			break;
		case CK_PORT:
			*(uint16_t *)field = (uint16_t)v;
			break;
		case CK_SESSION:
			*(uint32_t *)field = (uint32_t)v;
			break;
		case CK_SECONDS:
		case CK_BYTES:
			*(uint64_t *)field = v;
			break;
		case CK_STR:
		case CK_IFNAME:
		case CK_NAME:
		case CK_HOSTPORT:
			conf_set_str((char **)(void *)field,
			    cfg_getstr(sec, k->name));
			break;
		case CK_BOOL:
		case CK_ALLOW:
			break;
		}
	}
	return 0;
}

/* The file's allow list replaces the one in opts. */
static void
conf_apply_allow(cfg_t *sec, struct slave_opts *s)
{
	unsigned int i, n = cfg_size(sec, "allow");

	if (n == 0)
		return;
	conf_allow_free(s);
	for (i = 0; i < n && i < CONF_ALLOW_MAX; i++)
		conf_set_str(&s->allow[s->nallow++],
		    cfg_getnstr(sec, "allow", i));
}

/* ---- loading ---- */

#define CONF_COMMON_OPTS						\
	CFG_STR("verbose", NULL, CFGF_NODEFAULT),			\
	CFG_BOOL_CB("daemon", cfg_false, CFGF_NODEFAULT, conf_parse_bool), \
	CFG_STR("interface", NULL, CFGF_NODEFAULT),			\
	CFG_STR("port", NULL, CFGF_NODEFAULT),				\
	CFG_STR("session", NULL, CFGF_NODEFAULT),			\
	CFG_STR("log", NULL, CFGF_NODEFAULT),				\
	CFG_STR("pidfile", NULL, CFGF_NODEFAULT),			\
	CFG_STR("key_file", NULL, CFGF_NODEFAULT),			\
	CFG_STR("heartbeat_timeout", NULL, CFGF_NODEFAULT)

enum conf_which {
	CONF_MASTER,
	CONF_SLAVE,
};

/* Validators on every key that is not a boolean, in both sections. */
static void
conf_set_validators(cfg_t *cfg, const char *secname,
    const struct conf_key *keys)
{
	const struct conf_key	*k;
	char			 path[64];

	for (k = keys; k->name != NULL; k++) {
		if (k->kind == CK_BOOL)
			continue;
		snprintf(path, sizeof(path), "%s|%s", secname, k->name);
		cfg_set_validate_func(cfg, path, conf_validate);
	}
}

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
 * Parse path into opts (struct master_opts or slave_opts, per which).
 * Returns 0 or -1 after logging.
 */
static int
conf_load(const char *path, enum conf_which which, void *opts)
{
	cfg_opt_t master_opts[] = {
		CONF_COMMON_OPTS,
		CFG_BOOL_CB("broadcast_all", cfg_false, CFGF_NODEFAULT,
		    conf_parse_bool),
		CFG_STR("wait", NULL, CFGF_NODEFAULT),
		CFG_STR("timeout", NULL, CFGF_NODEFAULT),
		CFG_STR("report_interval", NULL, CFGF_NODEFAULT),
		CFG_STR("results", NULL, CFGF_NODEFAULT),
		CFG_STR("output_dir", NULL, CFGF_NODEFAULT),
		CFG_STR("output_max", NULL, CFGF_NODEFAULT),
		CFG_BOOL_CB("follow", cfg_false, CFGF_NODEFAULT,
		    conf_parse_bool),
		CFG_BOOL_CB("fail_fast", cfg_false, CFGF_NODEFAULT,
		    conf_parse_bool),
		CFG_END()
	};
	cfg_opt_t slave_opts[] = {
		CONF_COMMON_OPTS,
		CFG_STR("name", NULL, CFGF_NODEFAULT),
		CFG_STR("master", NULL, CFGF_NODEFAULT),
		CFG_STR("conf_dir", NULL, CFGF_NODEFAULT),
		CFG_STR("output", NULL, CFGF_NODEFAULT),
		CFG_BOOL_CB("once", cfg_false, CFGF_NODEFAULT,
		    conf_parse_bool),
		CFG_STR("kill_grace", NULL, CFGF_NODEFAULT),
		CFG_BOOL_CB("keep_task", cfg_false, CFGF_NODEFAULT,
		    conf_parse_bool),
		CFG_STR("run_as", NULL, CFGF_NODEFAULT),
		CFG_STR_LIST("allow", NULL, CFGF_NODEFAULT),
		CFG_STR("max_conf_size", NULL, CFGF_NODEFAULT),
		CFG_END()
	};
	/* MULTI so that a repeated section can be seen and refused. */
	cfg_opt_t top_opts[] = {
		CFG_SEC("master", master_opts, CFGF_MULTI),
		CFG_SEC("slave", slave_opts, CFGF_MULTI),
		CFG_END()
	};
	const char	*secname = which == CONF_MASTER ? "master" : "slave";
	const char	*shown;
	cfg_t		*cfg = NULL, *sec;
	cfg_opt_t	*secopt;
	FILE		*fp, *mem = NULL;
	char		*text = NULL;
	size_t		 len;
	int		 explicit = path != NULL, rc, ret = -1;

	shown = explicit ? path : CONF_DEFAULT_FILE;
	if ((fp = fopen(shown, "re")) == NULL) {
		/* Without -f a missing default file just means no file. */
		if (!explicit && (errno == ENOENT || errno == ENOTDIR))
			return 0;
		log_warn("%s", shown);
		return -1;
	}
	if ((text = conf_read(fp, shown, &len)) == NULL ||
	    conf_prepare(text, len, shown) == -1)
		goto out;
	/* fmemopen() of 0 bytes fails on old C libraries: give it a newline. */
	if (len == 0)
		text[len++] = '\n';
	if ((mem = fmemopen(text, len, "r")) == NULL) {
		log_warn("%s: fmemopen", shown);
		goto out;
	}
	if ((cfg = cfg_init(top_opts, CFGF_NONE)) == NULL) {
		log_warn("%s: cfg_init", shown);
		goto out;
	}
	cfg_set_error_function(cfg, conf_errfunc);
	conf_set_validators(cfg, "master", conf_common_keys);
	conf_set_validators(cfg, "master", conf_master_keys);
	conf_set_validators(cfg, "slave", conf_common_keys);
	conf_set_validators(cfg, "slave", conf_slave_keys);
	cfg_set_validate_func(cfg, "master", conf_validate_section);
	cfg_set_validate_func(cfg, "slave", conf_validate_section);

	conf_shown_path = shown;
	conf_root = cfg;
	conf_nerrors = 0;
	conf_nseen = 0;
	rc = cfg_parse_fp(cfg, mem);
	if (rc != CFG_SUCCESS) {
		/* Out of memory in libconfuse says nothing: say something. */
		if (conf_nerrors == 0)
			log_warnx("%s: cannot parse the configuration", shown);
		goto out;
	}

	/* Parsed and valid as a whole: only now touch opts. */
	/* Not cfg_getsec(): libconfuse 3.3 complains of an absent one. */
	if ((secopt = cfg_getopt(cfg, secname)) == NULL ||
	    cfg_opt_size(secopt) == 0) {
		ret = 0;
		goto out;
	}
	sec = cfg_opt_getnsec(secopt, 0);
	if (which == CONF_MASTER) {
		struct master_opts *m = opts;

		if (conf_apply_keys(sec, conf_common_keys, &m->c) == -1 ||
		    conf_apply_keys(sec, conf_master_keys, m) == -1)
			goto out;
	} else {
		struct slave_opts *s = opts;

		if (conf_apply_keys(sec, conf_common_keys, &s->c) == -1 ||
		    conf_apply_keys(sec, conf_slave_keys, s) == -1)
			goto out;
		conf_apply_allow(sec, s);
	}
	ret = 0;
out:
	if (cfg != NULL)
		cfg_free(cfg);
	conf_shown_path = NULL;
	conf_root = NULL;
	if (mem != NULL)
		fclose(mem);
	free(text);
	fclose(fp);
	return ret;
}

int
conf_load_master(const char *path, struct master_opts *m)
{
	return conf_load(path, CONF_MASTER, m);
}

int
conf_load_slave(const char *path, struct slave_opts *s)
{
	return conf_load(path, CONF_SLAVE, s);
}
