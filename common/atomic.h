/*
 * atomic.h - a file replaced atomically, as the master's results file (-r)
 * and its CSV file (--csv) are.
 *
 * The document goes to a temporary file in the same directory
 * (".NAME.tmp.PID", created O_EXCL|O_NOFOLLOW), is flushed to disk and
 * renamed over NAME; the directory is synced too.  A reader sees the old
 * document or the new one, never a part, and a symbolic link at NAME is
 * replaced, not followed.  The directory is opened and tried at start-up
 * (atomic_file_init), so that a place that cannot be written fails before
 * the work, not after it, and -d's chdir("/") does not matter.
 */
#ifndef SYNEXEC_ATOMIC_H
#define SYNEXEC_ATOMIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct atomic_file {
	int	 dirfd;		/* its directory; -1: not in use */
	char	*base;		/* its name there */
	char	*shown;		/* as given, for messages */
};

/* Not in use: atomic_file_write() does nothing, _free() is safe. */
void	atomic_file_none(struct atomic_file *);
/*
 * path's directory opened and a file tried in it.  opt names the option
 * in messages ("-r"): "-r F: is a directory; name a file", "-r F: cannot
 * create a file in its directory: Permission denied".  0, or -1 with err.
 */
int	atomic_file_init(struct atomic_file *, const char *opt,
	    const char *path, char *err, size_t errlen);
bool	atomic_file_on(const struct atomic_file *);
/*
 * Replace the file with what fill writes on its stream (fill returns 0,
 * or -1 for a fault of its own: EINVAL).  0, or -1 with errno and the step
 * that failed in *step: "create", "write", "sync", "close", "rename".
 */
int	atomic_file_write(struct atomic_file *, int (*fill)(FILE *, void *),
	    void *arg, const char **step);
void	atomic_file_free(struct atomic_file *);

#endif
