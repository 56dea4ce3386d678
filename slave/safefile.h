/*
 * safefile.h - the task's output file, opened safely (safefile.c).
 */
#ifndef SYNEXEC_SLAVE_SAFEFILE_H
#define SYNEXEC_SLAVE_SAFEFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "task.h"

/* The output file for writing: no symlink, ours alone, 0600, empty.  -1 + why. */
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
