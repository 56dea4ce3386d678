/*
 * opt_cmdline.c - the command line of a program with an option table: the
 * getopt strings, the two passes, usage errors, --help and the dump.
 *
 * The command line is read twice with getopt_long: first only what must be
 * known before the file is read (-c, -n) and what replaces running (-h, -V,
 * --genkey); then, once the file is applied, all of it on top.  Errors are
 * reported by the second pass, so that "-h" works whatever else is wrong.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "numparse.h"
#include "opt.h"

#ifndef SYNEXEC_VERSION
#define SYNEXEC_VERSION	"unknown"
#endif

#define OPT_LONG_VAL	256	/* getopt's value of row i without a letter:
				   OPT_LONG_VAL + i */
#define OPT_WIDTH	79	/* --help's lines */

static void	opt_dump(const struct opt_prog *);

/* The row getopt_long returned val for. */
static const struct opt *
opt_by_val(const struct opt *t, int val)
{
	int i;

	for (i = 0; t[i].name != NULL; i++)
		if (val == (t[i].letter != 0 ? t[i].letter : OPT_LONG_VAL + i))
			return &t[i];
	return NULL;
}

/* ---- the command line ---- */

struct opt_getopt {
	char		optstring[2 * OPT_ROWS_MAX + 2];
	struct option	longopts[OPT_ROWS_MAX + 1];
};

/* getopt_long's strings: a leading ':' makes a missing argument ':'. */
static void
opt_getopt_build(const struct opt *t, struct opt_getopt *g)
{
	size_t	n = 0;
	int	i;

	memset(g, 0, sizeof(*g));
	g->optstring[n++] = ':';
	for (i = 0; t[i].name != NULL && i < OPT_ROWS_MAX; i++) {
		bool arg = opt_has_arg(&t[i]);

		g->longopts[i].name = t[i].name;
		g->longopts[i].has_arg = arg ? required_argument : no_argument;
		g->longopts[i].val = t[i].letter != 0 ? t[i].letter :
		    OPT_LONG_VAL + i;
		if (t[i].letter != 0) {
			g->optstring[n++] = t[i].letter;
			if (arg)
				g->optstring[n++] = ':';
		}
	}
	if (t[i].name != NULL)
		fatalx("more than %d options", OPT_ROWS_MAX);
}

static int
opt_next(const struct opt_getopt *g, int argc, char **argv)
{
	return getopt_long(argc, argv, g->optstring, g->longopts, NULL);
}

/* Rows opt.c does itself: they exit. */
static void
opt_act(const struct opt_prog *p, const struct opt *o)
{
	switch (o->kind) {
	case OPT_HELP:
		opt_usage(p, stdout);
		exit(0);
	case OPT_VERSION:
		printf("%s %s\n", p->name, SYNEXEC_VERSION);
		exit(0);
	case OPT_DUMP:
		opt_dump(p);
		exit(0);
	default:
		break;
	}
}

void
opt_parse_early(const struct opt_prog *p, int argc, char **argv, void *opts)
{
	struct opt_getopt	 g;
	const struct opt	*o;
	char			 err[256], label[64], first[400] = "";
	int			 c;

	opt_getopt_build(p->opts, &g);
	optind = 0;	/* 0: a full reset in glibc */
	opterr = 0;
	while ((c = opt_next(&g, argc, argv)) != -1) {
		if ((o = opt_by_val(p->opts, c)) == NULL)
			continue;	/* reported by opt_parse() */
		opt_act(p, o);
		if (!(o->flags & (OPTF_EARLY | OPTF_ACTION)))
			continue;
		if (opt_store(o, opts, optarg, err, sizeof(err)) == 0) {
			if (o->flags & OPTF_ACTION)
				return;
			continue;
		}
		opt_label(o, label, sizeof(label));
		if (o->flags & OPTF_ACTION)
			opt_usage_error(p, "%s: %s", label, err);
		/* Said after the pass: an action further on still wins. */
		if (first[0] == '\0')
			snprintf(first, sizeof(first), "%s: %s", label, err);
	}
	if (first[0] != '\0')
		opt_usage_error(p, "%s", first);
}

/* ---- near misses ---- */

#define OPT_WORD_MAX	64	/* longer words are not compared */

/*
 * Edit distance between a and b, counting a swap of two neighbours as one
 * edit (optimal string alignment), letters compared without case.
 */
static size_t
opt_distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j;
	size_t	d[OPT_WORD_MAX + 1][OPT_WORD_MAX + 1];

	if (la > OPT_WORD_MAX || lb > OPT_WORD_MAX)
		return SIZE_MAX;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			size_t cost = tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]);
			size_t v = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

/*
 * The long option the user most likely meant by word (typed without its
 * dashes, nor any "=value"): the nearest name within 1 edit for words of up
 * to 4 characters, 2 for longer ones.  NULL if none is that near.
 */
static const struct opt *
opt_suggest(const struct opt_prog *p, const char *word, size_t len)
{
	const struct opt	*o, *best = NULL;
	char			 w[OPT_WORD_MAX + 1];
	size_t			 d, bestd = SIZE_MAX;

	if (len == 0 || len > OPT_WORD_MAX)
		return NULL;
	memcpy(w, word, len);
	w[len] = '\0';
	for (o = p->opts; o->name != NULL; o++) {
		if (o->flags & OPTF_HIDDEN)
			continue;
		if ((d = opt_distance(w, o->name)) < bestd) {
			bestd = d;
			best = o;
		}
	}
	if (best == NULL || bestd > (len <= 4 ? 1u : 2u) || bestd >= len)
		return NULL;
	return best;
}

/* "; did you mean --follow?" for word, or "" (buf). */
static const char *
opt_did_you_mean(const struct opt_prog *p, const char *word, size_t len,
    char *buf, size_t buflen)
{
	const struct opt *o = opt_suggest(p, word, len);

	buf[0] = '\0';
	if (o != NULL)
		snprintf(buf, buflen, "; did you mean --%s?", o->name);
	return buf;
}

/*
 * The rows but the hidden ones whose long name starts with name[0..len),
 * which getopt_long took as an abbreviation of none because there are
 * several (with the hidden ones).  Their names into buf ("--output-dir,
 * --output-max"); how many.
 */
static int
opt_prefixed(const struct opt_prog *p, const char *name, size_t len,
    char *buf, size_t buflen)
{
	const struct opt	*o;
	size_t			 n = 0;
	int			 count = 0;

	buf[0] = '\0';
	for (o = p->opts; o->name != NULL; o++) {
		if (len == 0 || strncmp(o->name, name, len) != 0 ||
		    (o->flags & OPTF_HIDDEN))
			continue;
		count++;
		if (n < buflen)
			n += (size_t)snprintf(buf + n, buflen - n, "%s--%s",
			    n > 0 ? ", " : "", o->name);
	}
	return count;
}

/*
 * The short options element of argv that getopt stopped in at an unknown
 * letter: getopt steps past an element only once its last letter is read.
 */
static const char *
opt_bad_element(int argc, char **argv, int letter)
{
	const char	*prev = optind >= 2 ? argv[optind - 1] : NULL;
	const char	*cur = optind < argc ? argv[optind] : NULL;

	if (prev != NULL && prev[0] == '-' && prev[1] != '-' &&
	    prev[1] != '\0' && prev[strlen(prev) - 1] == letter)
		return prev;
	if (cur != NULL && cur[0] == '-' && cur[1] != '-' &&
	    strchr(cur + 1, letter) != NULL)
		return cur;
	return NULL;
}

/* getopt's complaints, in our words: the option named as typed. */
static void __attribute__((noreturn))
opt_getopt_error(const struct opt_prog *p, int c, int argc, char **argv)
{
	const struct opt	*o = opt_by_val(p->opts, optopt);
	const char		*arg = argv[optind - 1], *elem;
	char			 label[64], hint[128], names[512];
	size_t			 n;

	if (c == ':')
		opt_usage_error(p, "%s: missing argument",
		    o != NULL && strncmp(arg, "--", 2) != 0 ?
		    opt_label(o, label, sizeof(label)) : arg);
	if (strncmp(arg, "--", 2) == 0 && (optopt == 0 ||
	    optopt >= OPT_LONG_VAL || (o != NULL && strncmp(arg + 2, o->name,
	    strcspn(arg + 2, "=")) == 0))) {
		/* A long option: shown without any "=value". */
		n = strcspn(arg + 2, "=");
		if (o != NULL && arg[2 + n] == '=' && !opt_has_arg(o))
			opt_usage_error(p, "--%s takes no argument", o->name);
		switch (opt_prefixed(p, arg + 2, n, names, sizeof(names))) {
		case 0:
			break;
		case 1:
			opt_usage_error(p, "unknown option --%.*s; did you "
			    "mean %s?", (int)(n > 64 ? 64 : n), arg + 2, names);
		default:
			opt_usage_error(p, "option --%.*s is ambiguous: %s",
			    (int)(n > 64 ? 64 : n), arg + 2, names);
		}
		opt_usage_error(p, "unknown option --%.*s%s",
		    (int)(n > 64 ? 64 : n), arg + 2,
		    opt_did_you_mean(p, arg + 2, n, hint, sizeof(hint)));
	}
	/* "-follow": a long option with one dash is a bundle of letters. */
	elem = opt_bad_element(argc, argv, optopt);
	if (elem != NULL && strlen(elem) > 2 && opt_did_you_mean(p, elem + 1,
	    strcspn(elem + 1, "="), hint, sizeof(hint))[0] != '\0')
		opt_usage_error(p, "unknown option -%c in '%.64s'%s", optopt,
		    elem, hint);
	opt_usage_error(p, "unknown option -%c", optopt);
}

/*
 * "-timeout 5" is -t with "imeout": if the value is glued to its letter and
 * the whole word is near a long name, the hint says so ("" otherwise).
 */
static const char *
opt_attached_hint(const struct opt_prog *p, const struct opt *o, char **argv,
    char *buf, size_t buflen)
{
	const char *elem = optind >= 1 ? argv[optind - 1] : NULL;

	buf[0] = '\0';
	if (o->letter == 0 || optarg == NULL || elem == NULL ||
	    elem[0] != '-' || elem[1] != o->letter || optarg != elem + 2)
		return buf;
	return opt_did_you_mean(p, elem + 1, strcspn(elem + 1, "="), buf,
	    buflen);
}

int
opt_parse(const struct opt_prog *p, int argc, char **argv, void *opts,
    struct opt_origin *org)
{
	struct opt_getopt	 g;
	const struct opt	*o;
	bool			 seen[OPT_ROWS_MAX] = { false };
	char			 err[256], label[64], hint[128];
	int			 c;

	opt_getopt_build(p->opts, &g);
	optind = 0;
	opterr = 0;
	while ((c = opt_next(&g, argc, argv)) != -1) {
		if (c == '?' || c == ':' || (o = opt_by_val(p->opts, c)) == NULL)
			opt_getopt_error(p, c, argc, argv);
		opt_act(p, o);
		/* The command line's list replaces the file's. */
		if (o->kind == OPT_LIST && !seen[o - p->opts])
			opt_clear(o, opts);
		seen[o - p->opts] = true;
		if (org != NULL)
			org->cmdline[o - p->opts] = true;
		if (opt_store(o, opts, optarg, err, sizeof(err)) == -1)
			opt_usage_error(p, "%s: %s%s", opt_label(o, label,
			    sizeof(label)), err, opt_attached_hint(p, o, argv,
			    hint, sizeof(hint)));
	}
	return optind;
}

/* ---- usage ---- */

void
opt_usage_error(const struct opt_prog *p, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", p->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fprintf(stderr, "Try '%s --help' for more information.\n", p->name);
	exit(1);
}

/* Words of the usage line, wrapped under the first one. */
struct opt_words {
	FILE	*f;
	int	 col, indent;
};

static void
opt_word(struct opt_words *w, const char *word)
{
	int n = (int)strlen(word);

	if (w->col + 1 + n > OPT_WIDTH) {
		fprintf(w->f, "\n%*s", w->indent, "");
		w->col = w->indent;
	} else if (w->col > w->indent) {
		fputc(' ', w->f);
		w->col++;
	}
	fputs(word, w->f);
	w->col += n;
}

/* "[-hvd]": the usage line's letters without argument ("" if none). */
static void
opt_usage_bundle(const struct opt *t, char *buf, size_t len)
{
	size_t n = 2;

	memcpy(buf, "[-", n);
	for (; t->name != NULL && n + 2 < len; t++)
		if ((t->flags & OPTF_USAGE) && t->letter != 0 &&
		    !opt_has_arg(t))
			buf[n++] = t->letter;
	if (n == 2)
		n = 0;
	else
		buf[n++] = ']';
	buf[n] = '\0';
}

/* A row's own word in the usage line: "[-i IFACE]", "[--allow PATH]...". */
static void
opt_usage_word(const struct opt *o, char *buf, size_t len)
{
	const char *more = o->kind == OPT_LIST ? "..." : "";

	if (!opt_has_arg(o))
		snprintf(buf, len, "[--%s]", o->name);
	else if (o->letter != 0)
		snprintf(buf, len, "[-%c %s]%s", o->letter, o->arg, more);
	else
		snprintf(buf, len, "[--%s %s]%s", o->name, o->arg, more);
}

/* "usage: PROG [-hvd] [-i IFACE] ... [options] OPERANDS" */
static void
opt_usage_line(const struct opt_prog *p, FILE *f)
{
	const struct opt	*o;
	struct opt_words	 w = { f, 0, 0 };
	char			 word[128];
	bool			 more = false;

	w.col = w.indent = fprintf(f, "usage: %s ", p->name);
	opt_usage_bundle(p->opts, word, sizeof(word));
	if (word[0] != '\0')
		opt_word(&w, word);
	for (o = p->opts; o->name != NULL; o++) {
		if (o->flags & OPTF_HIDDEN)
			continue;
		if (!(o->flags & OPTF_USAGE))
			more = true;
		else if (o->letter == 0 || opt_has_arg(o)) {
			opt_usage_word(o, word, sizeof(word));
			opt_word(&w, word);
		}
	}
	if (more)
		opt_word(&w, "[options]");
	if (p->operands != NULL)
		opt_word(&w, p->operands);
	fputc('\n', f);
}

/* A row's range for "%R": "1..65535", "0.1..3600". */
static void
opt_range(const struct opt *o, char *buf, size_t len)
{
	char lo[32], hi[32];

	if (o->kind == OPT_SECONDS) {
		format_seconds(o->min, lo, sizeof(lo));
		format_seconds(o->max, hi, sizeof(hi));
	} else if (o->kind == OPT_BYTES) {
		format_bytes(o->min, lo, sizeof(lo));
		format_bytes(o->max, hi, sizeof(hi));
	} else {
		snprintf(lo, sizeof(lo), "%llu", (unsigned long long)o->min);
		snprintf(hi, sizeof(hi), "%llu", (unsigned long long)o->max);
	}
	snprintf(buf, len, "%s..%s", lo, hi);
}

/* The help text with %D and %R replaced, each line indented to col. */
static void
opt_help_text(const struct opt *o, int col, FILE *f)
{
	const char	*s;
	char		 range[80];

	opt_range(o, range, sizeof(range));
	for (s = o->help; *s != '\0'; s++) {
		if (*s == '\n') {
			fprintf(f, "\n%*s", col, "");
			continue;
		}
		if (*s != '%' || (s[1] != 'D' && s[1] != 'R')) {
			fputc(*s, f);
			continue;
		}
		s++;
		if (*s == 'R')
			fputs(range, f);
		else
			fputs(o->def != NULL ? o->def : "none", f);
	}
	fputc('\n', f);
}

/* "  -p, --port PORT     TCP and UDP port (default 5165)" */
static void
opt_help_row(const struct opt_prog *p, const struct opt *o, FILE *f)
{
	int n;

	if (o->letter != 0)
		n = fprintf(f, "  -%c, --%s", o->letter, o->name);
	else
		n = fprintf(f, "      --%s", o->name);
	if (opt_has_arg(o))
		n += fprintf(f, " %s", o->arg);
	/* Two blanks at least between the option and its help. */
	fprintf(f, "%*s", n + 2 <= p->help_col ? p->help_col - n : 2, "");
	opt_help_text(o, p->help_col, f);
}

void
opt_usage(const struct opt_prog *p, FILE *f)
{
	const struct opt *o;

	opt_usage_line(p, f);
	for (o = p->opts; o->name != NULL; o++)
		if (!(o->flags & OPTF_HIDDEN))
			opt_help_row(p, o, f);
	if (p->epilogue != NULL)
		p->epilogue(f);
}

/*
 * The table, one row a line, tab-separated: long name, letter, key, kind,
 * flags, default, requires ("-" for none).  For tests/integration/manpages.sh,
 * which holds the manual pages to it; not documented for users.
 */
static void
opt_dump(const struct opt_prog *p)
{
	static const char *const fl[] = {
		"early", "action", "usage", "restart", "hidden",
	};
	const struct opt	*o;
	size_t			 i, j;
	int			 n;

	for (o = p->opts; o->name != NULL; o++) {
		printf("%s\t%c\t%s\t%s%s%s\t", o->name,
		    o->letter != 0 ? o->letter : '-',
		    o->key != NULL ? o->key : "-", opt_kind_name(o->kind),
		    o->kind == OPT_LIST ? ":" : "",
		    o->kind == OPT_LIST ? opt_kind_name(o->elem) : "");
		for (i = 0, n = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
			if (o->flags & (1u << i))
				printf("%s%s", n++ > 0 ? "," : "", fl[i]);
		printf("%s\t%s\t", n == 0 ? "-" : "",
		    o->def != NULL ? o->def : "-");
		for (j = 0; j < OPT_REQUIRES_MAX && o->requires[j]; j++)
			printf("%s%s", j > 0 ? "," : "", o->requires[j]);
		printf("%s\n", j == 0 ? "-" : "");
	}
}
