/*
 * cmdline.c - split and check the task's command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmdline.h"

/* Words quoted in reasons are cut here: a reason must fit one frame. */
#define WHY_WORD_MAX	256

static int
cmdline_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Copy the word w[0..wlen) to dst with every ":CONF:" in it replaced by
 * conf[0..conflen), then a NUL; dst NULL only counts.  Returns the bytes
 * written (or needed), NUL included.
 */
static size_t
cmdline_subst(char *dst, const char *w, size_t wlen, const char *conf,
    size_t conflen)
{
	size_t	taglen = strlen(CMDLINE_CONF_TAG);
	size_t	i = 0, n = 0;

	while (i < wlen) {
		if (wlen - i >= taglen &&
		    memcmp(w + i, CMDLINE_CONF_TAG, taglen) == 0) {
			if (dst != NULL)
				memcpy(dst + n, conf, conflen);
			n += conflen;
			i += taglen;
		} else {
			if (dst != NULL)
				dst[n] = w[i];
			n++;
			i++;
		}
	}
	if (dst != NULL)
		dst[n] = '\0';
	return n + 1;
}

int
cmdline_build(const char *line, size_t len, const char *conf_path,
    struct cmdline *out, char *why, size_t whylen)
{
	size_t		 i, w, nwords = 0, strbytes = 0, conflen;
	const char	*base;
	char		*p;

	memset(out, 0, sizeof(*out));
	if (memchr(line, '\0', len) != NULL) {
		snprintf(why, whylen, "command holds a NUL byte");
		return -1;
	}
	conflen = strlen(conf_path);

	/* First pass: count the words and the bytes they will need. */
	for (i = 0; i < len;) {
		size_t start;

		while (i < len && cmdline_blank(line[i]))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && !cmdline_blank(line[i]))
			i++;
		if (++nwords > CMDLINE_MAX_WORDS) {
			snprintf(why, whylen, "command has more than %d words",
			    CMDLINE_MAX_WORDS);
			return -1;
		}
		strbytes += cmdline_subst(NULL, line + start, i - start,
		    conf_path, conflen);
		/* A line of ":CONF:"s must not make us allocate without bound. */
		if (strbytes > CMDLINE_MAX_BYTES) {
			snprintf(why, whylen, "command is longer than %d bytes "
			    "once :CONF: is replaced", CMDLINE_MAX_BYTES);
			return -1;
		}
	}
	if (nwords == 0) {
		snprintf(why, whylen, "empty command");
		return -1;
	}

	/*
	 * One allocation: argv pointers, then every word, then a copy of the
	 * first word as the path to execute (argv[0] is only its basename).
	 */
	out->mem = malloc((nwords + 1) * sizeof(char *) + strbytes * 2);
	if (out->mem == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	out->argv = (char **)(void *)out->mem;
	p = out->mem + (nwords + 1) * sizeof(char *);
	for (i = 0, w = 0; i < len;) {
		size_t start;

		while (i < len && cmdline_blank(line[i]))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && !cmdline_blank(line[i]))
			i++;
		out->argv[w++] = p;
		/* Anywhere in a word: "--config=:CONF:" works too. */
		p += cmdline_subst(p, line + start, i - start, conf_path,
		    conflen);
	}
	out->argv[w] = NULL;
	out->argc = (int)w;
	out->path = p;
	memcpy(out->path, out->argv[0], strlen(out->argv[0]) + 1);

	if (out->path[0] != '/') {
		snprintf(why, whylen, "%.*s: command must be an absolute path",
		    WHY_WORD_MAX, out->path);
		cmdline_free(out);
		return -1;
	}
	/* "/usr/bin/fio" runs as "fio"; "/usr/bin/" would leave nothing. */
	base = strrchr(out->argv[0], '/') + 1;
	if (*base == '\0') {
		snprintf(why, whylen, "%.*s: not a regular file", WHY_WORD_MAX,
		    out->path);
		cmdline_free(out);
		return -1;
	}
	memmove(out->argv[0], base, strlen(base) + 1);
	return 0;
}

int
cmdline_check(const struct cmdline *cl, char *const *allow, int nallow,
    char *why, size_t whylen)
{
	struct stat	st;
	int		i;

	/* The allow list first: a refused path learns nothing about the disk. */
	if (nallow > 0) {
		for (i = 0; i < nallow; i++)
			if (allow[i] != NULL && strcmp(allow[i], cl->path) == 0)
				break;
		if (i == nallow) {
			snprintf(why, whylen, "%.*s: not in the --allow list",
			    WHY_WORD_MAX, cl->path);
			return -1;
		}
	}
	if (stat(cl->path, &st) == -1) {
		snprintf(why, whylen, "%.*s: %s", WHY_WORD_MAX, cl->path,
		    strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%.*s: not a regular file", WHY_WORD_MAX,
		    cl->path);
		return -1;
	}
	if (access(cl->path, X_OK) == -1) {
		snprintf(why, whylen, "%.*s: %s", WHY_WORD_MAX, cl->path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
cmdline_interpreter(const char *path, char *interp, size_t len)
{
	struct stat	st;
	char		buf[256];
	ssize_t		n = -1;
	size_t		i = 2, j;
	int		fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return -1;
	if (n < 3 || buf[0] != '#' || buf[1] != '!')
		return 0;
	while (i < (size_t)n && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	for (j = i; j < (size_t)n && buf[j] != ' ' && buf[j] != '\t' &&
	    buf[j] != '\n' && buf[j] != '\0'; j++)
		;
	snprintf(interp, len, "%.*s", (int)(j - i), buf + i);
	return 1;
}

void
cmdline_script_hint(const char *path, int err, char *hint, size_t hintlen)
{
	char	interp[256];
	size_t	n;

	hint[0] = '\0';
	if ((err != ENOENT && err != EACCES) ||
	    cmdline_interpreter(path, interp, sizeof(interp)) != 1)
		return;
	n = strlen(interp);
	if (n > 0 && interp[n - 1] == '\r')
		snprintf(hint, hintlen, " (its #! line names %.*s followed by a "
		    "carriage return: CRLF line endings?)", (int)(n - 1),
		    interp);
	else if (access(interp, F_OK) == -1)
		snprintf(hint, hintlen, " (its #! interpreter %.*s does not "
		    "exist)", WHY_WORD_MAX, interp);
	else if (err == EACCES && access(interp, X_OK) == -1)
		snprintf(hint, hintlen, " (its #! interpreter %.*s is not "
		    "executable)", WHY_WORD_MAX, interp);
}

void
cmdline_free(struct cmdline *cl)
{
	free(cl->mem);
	memset(cl, 0, sizeof(*cl));
}
