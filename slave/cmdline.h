/*
 * cmdline.h - the task's command line, from the first line of a session file.
 *
 * Pure code (no network, no event loop) so that it can be unit-tested alone.
 * The line is split on blanks (space, tab) with no quoting, as in 2014; every
 * ":CONF:", a whole word or inside one ("--config=:CONF:"), becomes the
 * payload file's path (2014 replaced whole words only); argv[0] is the
 * basename of the first word, which must be an absolute path.
 */
#ifndef SYNEXEC_CMDLINE_H
#define SYNEXEC_CMDLINE_H

#include <stddef.h>

#define CMDLINE_MAX_WORDS	1024
#define CMDLINE_CONF_TAG	":CONF:"
/*
 * Bytes of the words after substitution, NULs included: bounds the
 * allocation before execve() would fail anyway (ARG_MAX, often 2 MiB).
 */
#define CMDLINE_MAX_BYTES	(1024 * 1024)

struct cmdline {
	char	*path;		/* the first word as given: what execve() runs */
	char	**argv;		/* argc words then NULL; argv[0] is path's basename */
	int	 argc;
	char	*mem;		/* one allocation behind path, argv and the words */
};

/*
 * Build out from line[0..len) (no NUL needed, none allowed).  Returns 0, or -1
 * with a one-line reason in why ("empty command", "relative: command must be
 * an absolute path", ...); out is then empty and needs no cmdline_free().
 */
int	cmdline_build(const char *line, size_t len, const char *conf_path,
	    struct cmdline *out, char *why, size_t whylen);
/*
 * Is the command allowed and runnable?  allow[0..nallow) is the --allow list
 * (no check when nallow is 0); then the path must name an executable regular
 * file.  Returns 0, or -1 with a reason such as "/usr/bin/fio: Permission
 * denied" or "/bin/rm: not in the --allow list".
 */
int	cmdline_check(const struct cmdline *, char *const *allow, int nallow,
	    char *why, size_t whylen);
/*
 * The interpreter a script names on its first line ("#!/bin/sh -e" names
 * /bin/sh), as the kernel reads it: up to the first blank or newline, a
 * carriage return kept (a CRLF script names "/bin/sh\r", which does not
 * exist).  1 with it in interp, 0 if path is no script, -1 if unreadable.
 */
int	cmdline_interpreter(const char *path, char *interp, size_t len);
/*
 * What a script's #! line has to do with an exec of path that failed
 * with err, or ""; for a reason: " (its #! line names /bin/sh followed by
 * a carriage return: CRLF line endings?)".
 */
void	cmdline_script_hint(const char *path, int err, char *hint,
	    size_t hintlen);
/* Release what cmdline_build() allocated.  Safe on a zeroed struct, and twice. */
void	cmdline_free(struct cmdline *);

#endif
