/*
 * safefile.h - the task's output file, opened safely (safefile.c).
 */
#ifndef SYNEXEC_SLAVE_SAFEFILE_H
#define SYNEXEC_SLAVE_SAFEFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "task.h"

/* The task's output file (-o), and the one in use. */
struct safefile {
	char		 path[PATH_MAX];	/* -o, absolute */
	bool		 is_default;		/* -o is the built-in one */
	char		 fallback[PATH_MAX];	/* ours, for a taken default */
	const char	*used;			/* path or fallback: the last */
};

/* -o in force from now on (absolute, checked): at start, on SIGHUP. */
void	safefile_set(struct safefile *, const char *path);
/*
 * Open it for the task to arm, which runs as ra (NULL: as ourselves):
 * safefile_output(), or safefile_output_default() for the built-in one.
 * -1 with the reason.
 */
int	safefile_open(struct safefile *, const struct task_runas *ra,
	    char *why, size_t whylen);

/*
 * The output file for writing: no symlink, ours alone, 0600, empty.  -1
 * with the reason.
 */
int	safefile_output(const char *path, const struct task_runas *, char *why,
	    size_t whylen);
/*
 * The same for the default output file, in a directory anyone may write to:
 * if another user holds the name, the output goes to a file of ours next to
 * it under a name nobody can guess, kept in fallback (in/out; "" at first,
 * used again while it is ours) and *fell_back is set.  Says so in the log.
 */
int	safefile_output_default(const char *path, char *fallback,
	    size_t fallbacklen, bool *fell_back, const struct task_runas *,
	    char *why, size_t whylen);

#endif
