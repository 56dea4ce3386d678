/*
 * cmdline.c - split and check the task's command line.
 */
#include <errno.h>
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

int
cmdline_build(const char *line, size_t len, const char *conf_path,
    struct cmdline *out, char *why, size_t whylen)
{
	size_t		 i, w, nwords = 0, strbytes = 0, conflen;
	size_t		 taglen = strlen(CMDLINE_CONF_TAG);
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
		if (i - start == taglen &&
		    memcmp(line + start, CMDLINE_CONF_TAG, taglen) == 0)
			strbytes += conflen + 1;
		else
			strbytes += i - start + 1;
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
		size_t start, wlen;

		while (i < len && cmdline_blank(line[i]))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && !cmdline_blank(line[i]))
			i++;
		wlen = i - start;
		out->argv[w++] = p;
		/* Only a whole word is the tag: ":CONF:x" stays as it is. */
		if (wlen == taglen &&
		    memcmp(line + start, CMDLINE_CONF_TAG, taglen) == 0) {
			memcpy(p, conf_path, conflen + 1);
			p += conflen + 1;
		} else {
			memcpy(p, line + start, wlen);
			p[wlen] = '\0';
			p += wlen + 1;
		}
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

void
cmdline_free(struct cmdline *cl)
{
	free(cl->mem);
	memset(cl, 0, sizeof(*cl));
}
