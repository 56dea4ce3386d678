/*
 * safefile.h - the task's output files (-o, -e), opened safely and never
 * shared with another slave (safefile.c).
 */
#ifndef SYNEXEC_SLAVE_SAFEFILE_H
#define SYNEXEC_SLAVE_SAFEFILE_H

#include <sys/types.h>

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "task.h"

/*
 * One of the task's output files (-o for its stdout, -e for its stderr),
 * and the claim this slave holds on it: a lock that says, for as long as
 * the slave uses the file, that no other slave may (safefile.c).
 */
struct safefile {
	char		 path[PATH_MAX];	/* absolute */
	const char	*what;			/* "-o", "-e": for messages */
	bool		 fallback_ok;		/* a built-in default, in a
						   directory anyone may write
						   to (/tmp) */
	char		 fallback[PATH_MAX];	/* ours, for a taken default */
	const char	*used;			/* path or fallback: the last */
	int		 lock_fd;		/* the claim, -1: none */
	bool		 device;		/* a character device (/dev/null):
						   nothing to claim */
	dev_t		 dev;			/* the file claimed */
	ino_t		 ino;
};

void	safefile_init(struct safefile *, const char *what);
/*
 * The file in force from now on (absolute, checked): at start, on SIGHUP.
 * The claim on another file is given up.
 */
void	safefile_set(struct safefile *, const char *path, bool fallback_ok);
/*
 * Claim it for this slave: locked for as long as the slave uses it, for ra
 * (NULL: ourselves), 0600, never emptied here; a missing one is made with
 * make, else left to the first session's safefile_open().  -1 with the
 * reason: it is not a file we may write, or another running slave holds it
 * ("FILE: in use by another running slave (pid N: its command line)").  A
 * default taken by another user falls back to a file of ours beside it
 * (said in the log).
 */
int	safefile_claim(struct safefile *, const struct task_runas *ra,
	    bool make, char *why, size_t whylen);
/*
 * For a session's task: the claimed file (claimed again if it was replaced
 * meanwhile), 0600, emptied; its descriptor, or -1 with the reason.
 */
int	safefile_open(struct safefile *, const struct task_runas *ra,
	    char *why, size_t whylen);
/*
 * Could path be claimed as what ("-o", "-e"), nothing changed (-n, SIGHUP,
 * --preflight): 0, or -1 with the reason.  A file this process holds is
 * not "in use".
 */
int	safefile_check(const char *what, const char *path, bool fallback_ok,
	    const struct task_runas *ra, char *why, size_t whylen);
/* The claim given up. */
void	safefile_release(struct safefile *);

#endif
